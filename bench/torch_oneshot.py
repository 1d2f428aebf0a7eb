#!/usr/bin/python3
"""PyTorch twin of one one-shot search epoch (bench/oneshot.ts), over stdin/stdout JSON lines.

The supernets are bench/torch_workloads.py's twins of the engine's (buildNb201Supernet / buildDartsSupernet: same
modules, weights consumed in the engine's `weights` order), extended with what a search needs: the input's own channel
count, trainable architecture parameters (alphas; PC-DARTS' betas with edge normalisation), PC-DARTS partial channels
(the first C/K channels through the mixed op, the rest bypassing it, max-pooled on stride-2 edges, channel shuffle)
and single-path forwards (SPOS). One `run` is what the engine's searcher does in one epoch (src/engine/oneshot/):
  DARTS / PC-DARTS  per step: the architecture step on the step's validation batch (first order: grad_alpha L_val;
                    second order: the unrolled hypergradient of darts-architect.ts, finite-difference Hessian-vector
                    product with eps = 0.01 / ||grad_w' L_val||), Adam(lr, betas, L2 weight decay) on the alphas (+
                    betas), batch-norm running statistics restored afterwards; then the weight step on the training
                    batch: gradients of the weights only, global-norm clip, SGD momentum + weight decay; the losses
                    read back. At the end: softmaxed alphas -> genotype (the engine's derive rules).
  SPOS              per step: the given uniformly sampled path, gradients of the weights on it, clip, SGD (cosine lr per
                    step); after the epoch: each ranked subnet's BN statistics recalibrated (cumulative average over
                    the calibration batches, unused BNs untouched) and its validation accuracy in eval mode.
  checkpoint        weights, BN buffers, alphas/betas and both optimisers' states through torch.save into bytes.
The batches, paths, ranked subnets and calibration indices come from plan.json (the engine's draws, replayed).
Commands:
  {"cmd": "info"}                      -> {"ok": true, "torch": version, "threads": n}
  {"cmd": "run", "dir": DIR}           -> {"ok": true, "epoch_ms", "build_ms", "weight_ms", "arch_ms", "derive_ms",
                                           "checkpoint_ms", "steps", "step_median_ms", "first_loss": {"train", "valid"},
                                           "checkpoint_bytes", "arch", "params"}
  {"cmd": "quit"}
Threads: TORCH_THREADS (default 2).
"""
import io
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_workloads import (  # noqa: E402  (the supernet twins' building blocks)
    EDGE_INPUT, NB201_EDGES, NODE_EDGES, FactorizedReduce, Identity, MixedOp, Nb201ResBlock, Weights, darts_op_strided,
    nb201_op_w, relu_conv_bn, set_param, conv_w,
)

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))


def now_ms():
    return time.perf_counter() * 1000.0


def load_blobs(d, stem):
    with open(os.path.join(d, stem + ".json")) as f:
        meta = json.load(f)
    blob = np.fromfile(os.path.join(d, stem + ".bin"), dtype=np.uint8)
    out = {}
    for t in meta["tensors"]:
        n = int(np.prod(t["shape"])) if t["shape"] else 1
        arr = blob[t["offset"]:t["offset"] + 4 * n].view("<f4" if t["dtype"] == "float32" else "<i4").reshape(t["shape"])
        out[t["name"]] = torch.from_numpy(arr.copy())
    return out


def shuffle_channels(x, k):
    n, c, h, w = x.shape
    return x.view(n, k, c // k, h, w).transpose(1, 2).reshape(n, c, h, w)


def partial_edge(x, k, stride, f):
    """supernet/partial-channel.ts partialChannelEdge, NCHW."""
    if k <= 1:
        y = f(x)
        if y is not None:
            return y
        return torch.zeros_like(x) if stride == 1 else torch.zeros_like(F.max_pool2d(x, 2, 2))
    c = x.shape[1]
    through, bypass = x[:, :c // k], x[:, c // k:]
    if stride != 1:
        bypass = F.max_pool2d(bypass, 2, 2)
    y = f(through)
    if y is None:
        y = torch.zeros(x.shape[0], c // k, bypass.shape[2], bypass.shape[3])
    return shuffle_channels(torch.cat([y, bypass], 1), k)


def mix(edge, x, w):
    parts = [w[k] * op(x) for k, op in enumerate(edge.ops) if edge.live[k]]
    return sum(parts[1:], parts[0]) if parts else None


class SearchNet(nn.Module):
    """The engine's NB201 or DARTS supernet with trainable alphas (and betas), partial channels and path mode."""

    def __init__(self, plan, T, cin):
        super().__init__()
        self.space = plan["space"]
        self.K = plan["partialChannels"]
        self.edge_norm = plan["edgeNormalization"]
        ops = plan["ops"]
        W = Weights(T)
        C = plan["channels"]
        K = self.K
        if self.space == "nb201":
            self.stem = nn.Sequential(W.conv(nn.Conv2d(cin, C, 3, 1, 1, bias=False)), W.bn(C, True))
            body = []
            widths = [C, 2 * C, 4 * C]
            for stage, w in enumerate(widths):
                if stage > 0:
                    body.append(Nb201ResBlock(widths[stage - 1], w, W))
                for _ in range(plan["cellsPerStage"]):
                    cell = nn.ModuleList([MixedOp(ops, lambda o, w=w: nb201_op_w(o, w // K, W)) for _ in range(6)])
                    cell.is_cell = True
                    body.append(cell)
            self.body = nn.ModuleList(body)
            self.last_bn = W.bn(4 * C, True)
            self.cls = nn.Linear(4 * C, plan["classes"])
            groups = ["cell"]
        else:
            cs = 3 * C
            self.stem = nn.Sequential(W.conv(nn.Conv2d(cin, cs, 3, 1, 1, bias=False)), W.bn(cs, True))
            layers = plan["layers"]
            reductions = sorted({layers // 3, 2 * layers // 3})
            cpp, cp, c, red_prev = cs, cs, C, False
            cells = []
            for i in range(layers):
                red = i in reductions
                if red:
                    c *= 2
                cell = nn.Module()
                cell.reduction = red
                cell.pre0 = FactorizedReduce(cpp, c, False, W) if red_prev else relu_conv_bn(cpp, c, 1, 1, False, W)
                cell.pre1 = relu_conv_bn(cp, c, 1, 1, False, W)
                cell.edges = nn.ModuleList([
                    MixedOp(ops, lambda o, e=e, c=c, red=red: darts_op_strided(o, c // K, 2 if red and EDGE_INPUT[e] < 2 else 1, W)) for e in range(14)])
                cells.append(cell)
                red_prev = red
                cpp, cp = cp, 4 * c
            self.cells = nn.ModuleList(cells)
            self.cls = nn.Linear(cp, plan["classes"])
            groups = ["normal", "reduce"]
        set_param(self.cls.weight, W.take().t())
        set_param(self.cls.bias, W.take())
        W.done()
        self.alphas = nn.ParameterList([nn.Parameter(T["alpha." + g].clone()) for g in groups])
        self.betas = nn.ParameterList([nn.Parameter(T["beta." + g].clone()) for g in groups] if self.edge_norm else [])

    def weights(self):
        arch = {id(p) for p in list(self.alphas) + list(self.betas)}
        return [p for p in self.parameters() if id(p) not in arch]

    def arch_params(self):
        return list(self.alphas) + list(self.betas)

    def _edge(self, edge, x, stride, w, path_op):
        if path_op is not None:
            if path_op < 0:
                return None
            return partial_edge(x, self.K, stride, lambda p: edge.single(p, path_op)) if self.K > 1 else edge.single(x, path_op)
        return partial_edge(x, self.K, stride, lambda p: mix(edge, p, w)) if self.K > 1 else mix(edge, x, w)

    def forward(self, x, path=None):
        mixture = path is None
        ws = [F.softmax(a, dim=-1) for a in self.alphas] if mixture else None
        h = self.stem(x)
        if self.space == "nb201":
            bs = None
            if mixture and self.edge_norm:
                bs = {j: F.softmax(self.betas[0][[e for e, (_, t) in enumerate(NB201_EDGES) if t == j]], dim=0) for j in (1, 2, 3)}
            for m in self.body:
                if not getattr(m, "is_cell", False):
                    h = m(h)
                    continue
                nodes = [h]
                for j in range(1, 4):
                    parts = []
                    for slot, e in enumerate([e for e, (_, t) in enumerate(NB201_EDGES) if t == j]):
                        out = self._edge(m[e], nodes[NB201_EDGES[e][0]], 1, ws[0][e] if mixture else None, None if mixture else path[0][e])
                        if out is not None and bs is not None:
                            out = out * bs[j][slot]
                        if out is not None:
                            parts.append(out)
                    nodes.append(sum(parts[1:], parts[0]) if parts else torch.zeros_like(h))
                h = nodes[3]
            return self.cls(F.relu(self.last_bn(h)).mean((2, 3)))
        s0 = s1 = h
        for cell in self.cells:
            g = 1 if cell.reduction else 0
            bs = [F.softmax(self.betas[g][es[0]:es[0] + len(es)], dim=0) for es in NODE_EDGES] if mixture and self.edge_norm else None
            states = [cell.pre0(s0), cell.pre1(s1)]
            for k in range(4):
                parts = []
                for slot, e in enumerate(NODE_EDGES[k]):
                    inp = EDGE_INPUT[e]
                    stride = 2 if cell.reduction and inp < 2 else 1
                    out = self._edge(cell.edges[e], states[inp], stride, ws[g][e] if mixture else None, None if mixture else path[g][e])
                    if out is not None and bs is not None:
                        out = out * bs[k][slot]
                    if out is not None:
                        parts.append(out)
                states.append(sum(parts[1:], parts[0]))
            s0, s1 = s1, torch.cat(states[2:], 1)
        return self.cls(s1.mean((2, 3)))


# --- derivation (supernet/derive.ts) ---------------------------------------------------------------------------
def derive(net, plan):
    ops = plan["ops"]
    none = ops.index("none") if "none" in ops else -1
    with torch.no_grad():
        ws = [F.softmax(a, dim=-1).tolist() for a in net.alphas]
        if net.space == "nb201":
            excl = plan["excludeNone"]
            return "+".join("|" + "|".join("%s~%d" % (ops[max((k for k in range(len(ops)) if not (excl and k == none)), key=lambda k: (ws[0][e][k], -k))], NB201_EDGES[e][0])
                                               for e, (_, t) in enumerate(NB201_EDGES) if t == j) + "|" for j in (1, 2, 3))
        cells = []
        for g, row in enumerate(ws):
            scale = None
            if net.edge_norm:
                b = net.betas[g]
                scale = torch.cat([F.softmax(b[es[0]:es[0] + len(es)], dim=0) for es in NODE_EDGES]).tolist()
            gene = []
            for k in range(4):
                rows = [[x * (scale[e] if scale else 1) for x in row[e]] for e in NODE_EDGES[k]]
                strength = [max(x for i, x in enumerate(r) if i != none) for r in rows]
                order = sorted(range(len(rows)), key=lambda i: (-strength[i], i))[:2]
                for i in order:
                    best = max((q for q in range(len(ops)) if q != none), key=lambda q: (rows[i][q], -q))
                    gene.append("('%s', %d)" % (ops[best], i))
            cells.append("[" + ", ".join(gene) + "]")
        # space/darts/text.ts dartsToString
        return "Genotype(normal=%s, normal_concat=[2, 3, 4, 5], reduce=%s, reduce_concat=[2, 3, 4, 5])" % (cells[0], cells[1])


# --- the epoch -----------------------------------------------------------------------------------------------------
def ce(net, x, y, path=None):
    return F.cross_entropy(net(x, path), y)


def bn_buffers(net):
    return [b for n, b in net.named_buffers()]


def grads_of(loss, params):
    gs = torch.autograd.grad(loss, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, gs)]


def arch_step(net, plan, tb, vb, sgd, adam, lr):
    """darts.ts takeStep's architecture step (first or second order), BN buffers restored."""
    saved_buffers = [b.clone() for b in bn_buffers(net)]
    W, A = net.weights(), net.arch_params()
    rec = plan["recipe"]
    if rec["order"] == "first":
        lv = ce(net, *vb)
        ga = grads_of(lv, A)
    else:
        saved = [w.detach().clone() for w in W]
        gw = grads_of(ce(net, *tb), W)
        with torch.no_grad():
            for w, s, g in zip(W, saved, gw):
                d = g + rec["weightDecay"] * s
                buf = sgd.state.get(w, {}).get("momentum_buffer")
                if buf is not None and rec["momentum"] > 0:
                    d = d + rec["momentum"] * buf
                w.copy_(s - lr * d)
        lv = ce(net, *vb)
        g = grads_of(lv, A + W)
        d_alpha, vector = g[:len(A)], g[len(A):]
        eps = 0.01 / max(torch.sqrt(sum((v * v).sum() for v in vector)).item(), 1e-12)

        def at(sign):
            with torch.no_grad():
                for w, s, v in zip(W, saved, vector):
                    w.copy_(s + sign * eps * v)
            return grads_of(ce(net, *tb), A)

        gp, gn = at(1), at(-1)
        ga = [d - lr * (p - n) / (2 * eps) for d, p, n in zip(d_alpha, gp, gn)]
        with torch.no_grad():
            for w, s in zip(W, saved):
                w.copy_(s)
    for p, g in zip(A, ga):
        p.grad = g
    adam.step()
    with torch.no_grad():
        for b, s in zip(bn_buffers(net), saved_buffers):
            b.copy_(s)
    return lv


def weight_step(net, x, y, sgd, clip, path=None):
    W = net.weights()
    loss = ce(net, x, y, path)
    for p, g in zip(W, torch.autograd.grad(loss, W, allow_unused=True)):
        p.grad = g
    nn.utils.clip_grad_norm_(W, clip)
    sgd.step()
    return loss


def recalibrate(net, x, idx, bs, path):
    """supernet/bn-recalibrate.ts: cumulative average of the batch statistics; BNs the subnet does not use keep theirs."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.running_mean.clone(), m.running_var.clone(), m.momentum) for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    net.train()
    with torch.no_grad():
        for i in range(math.ceil(len(idx) / bs)):
            sel = torch.tensor(idx[i * bs:(i + 1) * bs])
            net(x[sel], path)
    for m, (mean, var, mom) in zip(bns, saved):
        if int(m.num_batches_tracked) == 0:
            m.running_mean.copy_(mean)
            m.running_var.copy_(var)
        m.momentum = mom


def accuracy(net, x, y, bs, path):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, x.shape[0], bs):
            correct += int((net(x[s:s + bs], path).argmax(1) == y[s:s + bs]).sum())
    net.train()
    return 100.0 * correct / max(1, x.shape[0])


def run(msg):
    d = msg["dir"]
    with open(os.path.join(d, "plan.json")) as f:
        plan = json.load(f)
    data = load_blobs(d, "data")
    tx, ty = data["train_x"].permute(0, 3, 1, 2).contiguous(), data["train_y"].long()
    vx, vy = data["valid_x"].permute(0, 3, 1, 2).contiguous(), data["valid_y"].long()
    T = load_blobs(d, "weights")
    t0 = now_ms()
    net = SearchNet(plan, T, tx.shape[1])
    net.train()
    rec = plan["recipe"]
    W = net.weights()
    sgd = torch.optim.SGD(W, lr=rec["lr"], momentum=rec["momentum"], weight_decay=rec["weightDecay"])
    spos = plan["method"] == "spos"
    adam = None
    if not spos:
        a = rec["arch"]
        adam = torch.optim.Adam(net.arch_params(), lr=a["learningRate"], betas=(a["beta1"], a["beta2"]), eps=a["eps"], weight_decay=a["weightDecay"])
    t1 = now_ms()
    steps = len(plan["trainBatches"])
    weight_ms = arch_ms = derive_ms = 0.0
    step_times = []
    first = None
    for i in range(steps):
        ts = now_ms()
        tb_idx = torch.tensor(plan["trainBatches"][i])
        tb = (tx[tb_idx], ty[tb_idx])
        if spos:
            lr = rec["lrMin"] + (rec["lr"] - rec["lrMin"]) * (1 + math.cos(math.pi * i / steps)) / 2
            for g in sgd.param_groups:
                g["lr"] = lr
            loss = weight_step(net, *tb, sgd, rec["clip"], plan["paths"][i])
            tl, vl = loss.item(), None
            ta = ts
        else:
            vb_idx = torch.tensor(plan["validBatches"][i])
            vb = (vx[vb_idx], vy[vb_idx])
            lv = arch_step(net, plan, tb, vb, sgd, adam, rec["lr"])
            ta = now_ms()
            loss = weight_step(net, *tb, sgd, rec["clip"])
            tl, vl = loss.item(), lv.item()
        te = now_ms()
        if first is None:
            first = {"train": tl, "valid": vl}
        arch_ms += ta - ts
        weight_ms += te - ta
        step_times.append(te - ts)
    td = now_ms()
    if spos:
        r = plan["ranking"]
        scores = []
        for arch, path in zip(r["archs"], r["paths"]):
            recalibrate(net, tx, r["calibration"], rec["calibrationBatchSize"], path)
            scores.append((accuracy(net, vx, vy, rec["evalBatchSize"], path), arch))
        scores.sort(key=lambda s: -s[0])
        arch = scores[0][1]
    else:
        arch = derive(net, plan)
    tc = now_ms()
    derive_ms = tc - td
    buf = io.BytesIO()
    state = {"net": net.state_dict(), "sgd": sgd.state_dict(), "meta": {"steps": steps, "arch": arch}}
    if adam is not None:
        state["adam"] = adam.state_dict()
    torch.save(state, buf)
    nbytes = buf.tell()
    te = now_ms()
    return {
        "ok": True, "epoch_ms": te - t1, "build_ms": t1 - t0, "weight_ms": weight_ms, "arch_ms": arch_ms, "derive_ms": derive_ms,
        "checkpoint_ms": te - tc, "steps": steps, "step_median_ms": statistics.median(step_times), "first_loss": first,
        "checkpoint_bytes": nbytes, "arch": arch, "params": sum(p.numel() for p in W),
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
