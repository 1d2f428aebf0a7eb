#!/usr/bin/python3
"""PyTorch twin of one Search-tab candidate evaluation (bench/candidate.ts), over stdin/stdout JSON lines.

The network is the engine's own PyTorch export (src/engine/export/pytorch.ts: `class Net`, `def load(path)`) of the
candidate with the engine's initial weights; the data are the engine's normalised proxy subsets (NHWC float32 and
int32 labels, written by bench/candidate-twin.ts). One `run` does what the engine's TrainEvaluator does for a
candidate (src/engine/evaluator/train-evaluator.ts + train.ts), with PyTorch's own layers:
  build     import the generated module, Net() + load the weights (the engine: build through the space table)
  train     E epochs of seeded shuffled mini-batches: SGD (momentum, weight decay, PyTorch semantics = the engine's
            Sgd) with per-step cosine decay to 0, mean cross-entropy, the loss read back every step
  valid     per epoch: batch-norm recalibration (reset + cumulative average over min(8, steps) train batches in train
            mode, as supernet/bn-recalibrate.ts), then top-1 accuracy in eval mode in batches of 4 x batch
  latency   batch-1 inference of zeros: first run, warm-up to 3, rounds of 15 timed runs until CV <= 0.15 (3 at most),
            as profiler/latency.ts DEFAULT_LATENCY_OPTIONS
Commands:
  {"cmd": "info"}                                 -> {"ok": true, "torch": version, "threads": n}
  {"cmd": "run", "dir": DIR, "epochs", "batch", "lr", "momentum", "weight_decay", "bn_batches", "seed"}
      DIR holds net.py, weights.bin, data.json and data.bin
      -> {"ok": true, "total_ms", "build_ms", "train_ms", "valid_ms", "latency_ms", "steps", "step_median_ms",
          "params", "valid_acc", "final_loss", "latency_median_ms"}
  {"cmd": "quit"}
Threads: TORCH_THREADS (default 2).
"""
import importlib.util
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))


def now_ms():
    return time.perf_counter() * 1000.0


def load_data(d):
    with open(os.path.join(d, "data.json")) as f:
        meta = json.load(f)
    blob = np.fromfile(os.path.join(d, "data.bin"), dtype=np.uint8)
    out = {}
    for t in meta["tensors"]:
        n = int(np.prod(t["shape"]))
        arr = blob[t["offset"]:t["offset"] + 4 * n].view("<f4" if t["dtype"] == "float32" else "<i4").reshape(t["shape"])
        out[t["name"]] = torch.from_numpy(arr.copy())
    # The engine's images are NHWC; PyTorch's convolutions take NCHW (converted once, like the engine's tensors).
    for k in ("train_x", "valid_x"):
        out[k] = out[k].permute(0, 3, 1, 2).contiguous()
    out["train_y"] = out["train_y"].long()
    out["valid_y"] = out["valid_y"].long()
    return out


def build(d):
    spec = importlib.util.spec_from_file_location("candidate_net_%d" % int(time.time() * 1e6), os.path.join(d, "net.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load(os.path.join(d, "weights.bin"))


def recalibrate(net, x, batches, batch):
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average, as the engine's recalibration
    net.train()
    count = x.shape[0]
    with torch.no_grad():
        for i in range(batches):
            start = (i * batch) % max(1, count - batch + 1)
            net(x[start:start + min(batch, count)])
    for m, mom in zip(bns, saved):
        m.momentum = mom


def accuracy(net, x, y, batch):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, x.shape[0], batch):
            correct += int((net(x[s:s + batch]).argmax(1) == y[s:s + batch]).sum())
    return correct / max(1, x.shape[0])


def latency(net, shape):
    """profiler/latency.ts measureLatency with DEFAULT_LATENCY_OPTIONS: warmup 3, repeats 15, maxCv 0.15, maxRounds 3."""
    net.eval()
    x = torch.zeros([1] + list(shape))
    with torch.no_grad():
        net(x)
        for _ in range(2):
            net(x)
        med = 0.0
        for _ in range(3):
            samples = []
            for _ in range(15):
                t0 = now_ms()
                net(x)
                samples.append(now_ms() - t0)
            med = statistics.median(samples)
            mean = statistics.mean(samples)
            cv = statistics.pstdev(samples) / mean if mean > 0 else 0
            if cv <= 0.15:
                break
    return med


def run(msg):
    d = msg["dir"]
    data = load_data(d)
    epochs, batch, lr0 = int(msg["epochs"]), int(msg["batch"]), float(msg["lr"])
    g = torch.Generator().manual_seed(int(msg["seed"]))
    t0 = now_ms()
    net = build(d)
    t1 = now_ms()
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.SGD(net.parameters(), lr=lr0, momentum=float(msg["momentum"]), weight_decay=float(msg["weight_decay"]))
    x, y = data["train_x"], data["train_y"]
    count = x.shape[0]
    steps_per_epoch = max(1, math.ceil(count / batch))
    total_steps = steps_per_epoch * epochs
    train_ms = valid_ms = 0.0
    step_times = []
    step = 0
    loss_v = float("nan")
    acc = 0.0
    for _ in range(epochs):
        ta = now_ms()
        net.train()
        order = torch.randperm(count, generator=g)
        for b in range(steps_per_epoch):
            ts = now_ms()
            for pg in opt.param_groups:
                pg["lr"] = 0.5 * lr0 * (1 + math.cos(math.pi * step / total_steps))
            idx = order[b * batch:(b + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss_v = loss.item()
            step += 1
            step_times.append(now_ms() - ts)
        tb = now_ms()
        recalibrate(net, x, min(int(msg["bn_batches"]), steps_per_epoch), batch)
        acc = max(acc, accuracy(net, data["valid_x"], data["valid_y"], batch * 4))
        tc = now_ms()
        train_ms += tb - ta
        valid_ms += tc - tb
    t2 = now_ms()
    lat = latency(net, list(x.shape[1:]))
    t3 = now_ms()
    return {
        "ok": True, "total_ms": t3 - t0, "build_ms": t1 - t0, "train_ms": train_ms, "valid_ms": valid_ms, "latency_ms": t3 - t2,
        "steps": step, "step_median_ms": statistics.median(step_times), "params": params, "valid_acc": acc,
        "final_loss": loss_v, "latency_median_ms": lat,
    }


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
            cmd = msg.get("cmd")
            if cmd == "quit":
                break
            if cmd == "info":
                reply = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}
            elif cmd == "run":
                reply = run(msg)
            else:
                reply = {"ok": False, "error": "unknown command %r" % cmd}
        except Exception as e:  # reported to the Node side, which records it as missing
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
