#!/usr/bin/python3
"""PyTorch twins of bench/workloads.ts, driven by bench/run.ts over stdin/stdout (one JSON object per line).

The tfjs side exports data, labels and initial weights (tfjs layouts) into a binary file plus a JSON manifest;
this script builds the same network (PyTorch's own layers, NCHW), loads those weights, and times training steps:
forward + backward + plain SGD (lr as given) on every trainable tensor, loss = mean cross-entropy; the engine
supernets (darts-supernet, nb201-supernet) with DartsSearch's weight step instead (momentum SGD, weight decay,
gradient-norm clipping; the alphas fixed).

Commands:
  {"cmd": "load", "id": ID, "manifest": PATH}      -> {"ok": true, "loss": first-forward loss, "params": n}
  {"cmd": "run", "id": ID, "warmup": W, "steps": S, "max_seconds": T, "min_steps": M}
                                                   -> {"ok": true, "times_ms": [...], "losses": [...]}
  {"cmd": "infer", "id": ID, "reps": R}            -> {"ok": true, "times_ms": [...]}
  {"cmd": "info"}                                  -> {"ok": true, "torch": version, "threads": n}
  {"cmd": "quit"}
Threads: TORCH_THREADS (default 2).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
torch.set_grad_enabled(True)


def load_tensors(manifest):
    base = os.path.dirname(manifest["__path"])
    with open(os.path.join(base, manifest["bin"]), "rb") as f:
        blob = f.read()
    out = {}
    for t in manifest["tensors"]:
        n = 1
        for d in t["shape"]:
            n *= d
        arr = torch.frombuffer(bytearray(blob[t["offset"]:t["offset"] + 4 * n]), dtype=torch.float32).clone()
        out[t["name"]] = arr.reshape(t["shape"]) if t["shape"] else arr.reshape(())
    return out


def conv_w(t):
    """tfjs conv filter [kh, kw, cin, cout] -> torch [cout, cin, kh, kw]."""
    return t.permute(3, 2, 0, 1).contiguous()


def dw_w(t):
    """tfjs depthwise filter [kh, kw, c, 1] -> torch grouped conv [c, 1, kh, kw]."""
    return t.permute(2, 3, 0, 1).contiguous()


def set_param(p, value):
    assert tuple(p.shape) == tuple(value.shape), f"shape {tuple(p.shape)} != {tuple(value.shape)}"
    with torch.no_grad():
        p.copy_(value)


class SmallCnn(nn.Module):
    def __init__(self, T):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3)
        self.c2 = nn.Conv2d(16, 32, 3)
        self.fc = nn.Linear(32, 10)
        set_param(self.c1.weight, conv_w(T["conv1.w"]))
        set_param(self.c1.bias, T["conv1.b"])
        set_param(self.c2.weight, conv_w(T["conv2.w"]))
        set_param(self.c2.bias, T["conv2.b"])
        set_param(self.fc.weight, T["fc.w"].t())
        set_param(self.fc.bias, T["fc.b"])

    def forward(self, x, step):
        h = F.relu(self.c2(F.relu(self.c1(x))))
        return self.fc(h.mean((2, 3)))


def bn(c, affine):
    return nn.BatchNorm2d(c, affine=affine, momentum=0.1, eps=1e-5)


class SepConv(nn.Module):
    def __init__(self, C, k, T, prefix):
        super().__init__()
        p = k // 2
        self.op = nn.Sequential(
            nn.ReLU(), nn.Conv2d(C, C, k, 1, p, groups=C, bias=False), nn.Conv2d(C, C, 1, bias=False), bn(C, False),
            nn.ReLU(), nn.Conv2d(C, C, k, 1, p, groups=C, bias=False), nn.Conv2d(C, C, 1, bias=False), bn(C, False))
        set_param(self.op[1].weight, dw_w(T[prefix + ".0"]))
        set_param(self.op[2].weight, conv_w(T[prefix + ".1"]))
        set_param(self.op[5].weight, dw_w(T[prefix + ".2"]))
        set_param(self.op[6].weight, conv_w(T[prefix + ".3"]))

    def forward(self, x):
        return self.op(x)


class DilConv(nn.Module):
    def __init__(self, C, k, T, prefix):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(), nn.Conv2d(C, C, k, 1, k - 1, dilation=2, groups=C, bias=False), nn.Conv2d(C, C, 1, bias=False), bn(C, False))
        set_param(self.op[1].weight, dw_w(T[prefix + ".0"]))
        set_param(self.op[2].weight, conv_w(T[prefix + ".1"]))

    def forward(self, x):
        return self.op(x)


class Identity(nn.Module):
    def forward(self, x):
        return x


def darts_op(name, C, T, prefix):
    if name == "none":
        return None
    if name == "max_pool_3x3":
        return nn.Sequential(nn.MaxPool2d(3, 1, 1), bn(C, False))
    if name == "avg_pool_3x3":
        return nn.Sequential(nn.AvgPool2d(3, 1, 1, count_include_pad=False), bn(C, False))
    if name == "skip_connect":
        return Identity()
    if name.startswith("sep_conv_"):
        return SepConv(C, int(name[-1]), T, prefix)
    if name.startswith("dil_conv_"):
        return DilConv(C, int(name[-1]), T, prefix)
    raise ValueError(name)


class MixedOp(nn.Module):
    def __init__(self, ops, make):
        super().__init__()
        self.names = ops
        self.ops = nn.ModuleList([m if m is not None else Identity() for m in (make(o) for o in ops)])
        self.live = [o != "none" for o in ops]

    def mix(self, x, w):
        parts = [w[k] * op(x) for k, op in enumerate(self.ops) if self.live[k]]
        return sum(parts[1:], parts[0])

    def single(self, x, k):
        return self.ops[k](x) if self.live[k] else None


EDGE_INPUT = [j for k in range(4) for j in range(k + 2)]
NODE_EDGES = []
_e = 0
for _k in range(4):
    NODE_EDGES.append(list(range(_e, _e + _k + 2)))
    _e += _k + 2


class ReluConvBn(nn.Module):
    def __init__(self, cin, cout, T, name):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = bn(cout, False)
        set_param(self.conv.weight, conv_w(T[name]))

    def forward(self, x):
        return self.bn(self.conv(F.relu(x)))


class DartsCell(nn.Module):
    def __init__(self, T, C, ops, paths):
        super().__init__()
        self.stem_conv = nn.Conv2d(3, 3 * C, 3, 1, 1, bias=False)
        self.stem_bn = bn(3 * C, True)
        set_param(self.stem_conv.weight, conv_w(T["stem.0"]))
        set_param(self.stem_bn.weight, T["stem.1"])
        set_param(self.stem_bn.bias, T["stem.2"])
        self.pre0 = ReluConvBn(3 * C, C, T, "pre0")
        self.pre1 = ReluConvBn(3 * C, C, T, "pre1")
        self.edges = nn.ModuleList([MixedOp(ops, lambda o, e=e: darts_op(o, C, T, f"edge{e}.{o}")) for e in range(14)])
        self.cls = nn.Linear(4 * C, 10)
        set_param(self.cls.weight, T["cls.0"].t())
        set_param(self.cls.bias, T["cls.1"])
        self.paths = paths
        if paths is None:
            self.alpha = nn.Parameter(T["alpha"].clone())

    def forward(self, x, step):
        s = self.stem_bn(self.stem_conv(x))
        states = [self.pre0(s), self.pre1(s)]
        path = self.paths[step % len(self.paths)] if self.paths is not None else None
        w = None if path is not None else F.softmax(self.alpha, dim=-1)
        for k in range(4):
            parts = []
            for e in NODE_EDGES[k]:
                inp = states[EDGE_INPUT[e]]
                out = self.edges[e].single(inp, path[e]) if path is not None else self.edges[e].mix(inp, w[e])
                if out is not None:
                    parts.append(out)
            states.append(sum(parts[1:], parts[0]) if parts else torch.zeros_like(states[0]))
        return self.cls(torch.cat(states[2:], 1).mean((2, 3)))


NB201_EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


def nb201_op(name, C, T, prefix):
    if name == "none":
        return None
    if name == "skip_connect":
        return Identity()
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    if name.startswith("nor_conv_"):
        k = int(name[-1])
        m = nn.Sequential(nn.ReLU(), nn.Conv2d(C, C, k, 1, k // 2, bias=False), bn(C, False))
        set_param(m[1].weight, conv_w(T[prefix]))
        return m
    raise ValueError(name)


class Nb201Cell(nn.Module):
    def __init__(self, T, C, ops):
        super().__init__()
        self.stem_conv = nn.Conv2d(3, C, 3, 1, 1, bias=False)
        self.stem_bn = bn(C, True)
        set_param(self.stem_conv.weight, conv_w(T["stem.0"]))
        set_param(self.stem_bn.weight, T["stem.1"])
        set_param(self.stem_bn.bias, T["stem.2"])
        self.edges = nn.ModuleList([MixedOp(ops, lambda o, e=e: nb201_op(o, C, T, f"edge{e}.{o}")) for e in range(6)])
        self.last_bn = bn(C, True)
        set_param(self.last_bn.weight, T["lastbn.0"])
        set_param(self.last_bn.bias, T["lastbn.1"])
        self.cls = nn.Linear(C, 10)
        set_param(self.cls.weight, T["cls.0"].t())
        set_param(self.cls.bias, T["cls.1"])
        self.alpha = nn.Parameter(T["alpha"].clone())

    def forward(self, x, step):
        w = F.softmax(self.alpha, dim=-1)
        nodes = [self.stem_bn(self.stem_conv(x))]
        for j in range(1, 4):
            parts = [self.edges[e].mix(nodes[i], w[e]) for e, (i, t) in enumerate(NB201_EDGES) if t == j]
            nodes.append(sum(parts[1:], parts[0]))
        return self.cls(F.relu(self.last_bn(nodes[3])).mean((2, 3)))


# --- The engine supernets (bench/supernet-workload.ts): weights arrive as w.0, w.1, ... in the order of the
# supernet's `weights` list, and are consumed here in the same order while the modules are built.
SUPERNET_OPTIM = {"lr": 0.025, "momentum": 0.9, "weight_decay": 3e-4, "clip": 5.0}  # = SUPERNET_OPTIM in TS


class Weights:
    def __init__(self, T):
        self.T = T
        self.i = 0

    def take(self):
        t = self.T[f"w.{self.i}"]
        self.i += 1
        return t

    def conv(self, m):
        set_param(m.weight, conv_w(self.take()))
        return m

    def dw(self, m):
        set_param(m.weight, dw_w(self.take()))
        return m

    def bn(self, c, affine):
        m = bn(c, affine)
        if affine:
            set_param(m.weight, self.take())
            set_param(m.bias, self.take())
        return m

    def done(self):
        assert f"w.{self.i}" not in self.T, f"{self.i} weights used, more were exported"


class FactorizedReduce(nn.Module):
    def __init__(self, cin, cout, affine, W):
        super().__init__()
        self.c1 = W.conv(nn.Conv2d(cin, cout // 2, 1, 2, 0, bias=False))
        self.c2 = W.conv(nn.Conv2d(cin, cout // 2, 1, 2, 0, bias=False))
        self.bn = W.bn(cout, affine)

    def forward(self, x):
        x = F.relu(x)
        return self.bn(torch.cat([self.c1(x), self.c2(x[:, :, 1:, 1:])], 1))


def relu_conv_bn(cin, cout, k, stride, affine, W):
    return nn.Sequential(nn.ReLU(), W.conv(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)), W.bn(cout, affine))


def darts_op_strided(name, C, stride, W):
    if name == "none":
        return None
    if name == "max_pool_3x3":
        return nn.Sequential(nn.MaxPool2d(3, stride, 1), bn(C, False))
    if name == "avg_pool_3x3":
        return nn.Sequential(nn.AvgPool2d(3, stride, 1, count_include_pad=False), bn(C, False))
    if name == "skip_connect":
        return Identity() if stride == 1 else FactorizedReduce(C, C, False, W)
    k = int(name[-1])
    if name.startswith("sep_conv_"):
        dw1 = W.dw(nn.Conv2d(C, C, k, stride, k // 2, groups=C, bias=False))
        pw1 = W.conv(nn.Conv2d(C, C, 1, bias=False))
        dw2 = W.dw(nn.Conv2d(C, C, k, 1, k // 2, groups=C, bias=False))
        pw2 = W.conv(nn.Conv2d(C, C, 1, bias=False))
        return nn.Sequential(nn.ReLU(), dw1, pw1, bn(C, False), nn.ReLU(), dw2, pw2, bn(C, False))
    if name.startswith("dil_conv_"):
        dw = W.dw(nn.Conv2d(C, C, k, stride, k - 1, dilation=2, groups=C, bias=False))
        pw = W.conv(nn.Conv2d(C, C, 1, bias=False))
        return nn.Sequential(nn.ReLU(), dw, pw, bn(C, False))
    raise ValueError(name)


class DartsSearchCell(nn.Module):
    def __init__(self, ops, cpp, cp, C, reduction, reduction_prev, W):
        super().__init__()
        self.reduction = reduction
        self.pre0 = FactorizedReduce(cpp, C, False, W) if reduction_prev else relu_conv_bn(cpp, C, 1, 1, False, W)
        self.pre1 = relu_conv_bn(cp, C, 1, 1, False, W)
        self.edges = nn.ModuleList([
            MixedOp(ops, lambda o, e=e: darts_op_strided(o, C, 2 if reduction and EDGE_INPUT[e] < 2 else 1, W)) for e in range(14)])

    def forward(self, s0, s1, w):
        states = [self.pre0(s0), self.pre1(s1)]
        for k in range(4):
            parts = [self.edges[e].mix(states[EDGE_INPUT[e]], w[e]) for e in NODE_EDGES[k]]
            states.append(sum(parts[1:], parts[0]))
        return torch.cat(states[2:], 1)


class DartsSupernet(nn.Module):
    """model_search.py's Network (stem multiplier 3), as buildDartsSupernet."""

    def __init__(self, T, C, layers, ops, classes=10):
        super().__init__()
        W = Weights(T)
        cs = 3 * C
        self.stem = nn.Sequential(W.conv(nn.Conv2d(3, cs, 3, 1, 1, bias=False)), W.bn(cs, True))
        reductions = sorted({layers // 3, 2 * layers // 3})
        cpp, cp, c, red_prev = cs, cs, C, False
        cells = []
        for i in range(layers):
            red = i in reductions
            if red:
                c *= 2
            cells.append(DartsSearchCell(ops, cpp, cp, c, red, red_prev, W))
            red_prev = red
            cpp, cp = cp, 4 * c
        self.cells = nn.ModuleList(cells)
        self.cls = nn.Linear(cp, classes)
        set_param(self.cls.weight, W.take().t())
        set_param(self.cls.bias, W.take())
        W.done()
        self.register_buffer("alpha_normal", T["alpha.normal"].clone())
        self.register_buffer("alpha_reduce", T["alpha.reduce"].clone())

    def forward(self, x, step):
        wn = F.softmax(self.alpha_normal, dim=-1)
        wr = F.softmax(self.alpha_reduce, dim=-1)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, wr if cell.reduction else wn)
        return self.cls(s1.mean((2, 3)))


class Nb201ResBlock(nn.Module):
    def __init__(self, cin, cout, W):
        super().__init__()
        self.a = relu_conv_bn(cin, cout, 3, 2, True, W)
        self.b = relu_conv_bn(cout, cout, 3, 1, True, W)
        self.shortcut = W.conv(nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        return self.b(self.a(x)) + self.shortcut(F.avg_pool2d(x, 2, 2))


def nb201_op_w(name, C, W):
    if name == "none":
        return None
    if name == "skip_connect":
        return Identity()
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    k = int(name[-1])
    return relu_conv_bn(C, C, k, 1, False, W)


class Nb201SearchCell(nn.Module):
    def __init__(self, ops, C, W):
        super().__init__()
        self.edges = nn.ModuleList([MixedOp(ops, lambda o: nb201_op_w(o, C, W)) for _ in range(6)])

    def forward(self, x, w):
        nodes = [x]
        for j in range(1, 4):
            parts = [self.edges[e].mix(nodes[i], w[e]) for e, (i, t) in enumerate(NB201_EDGES) if t == j]
            nodes.append(sum(parts[1:], parts[0]))
        return nodes[3]


class Nb201Supernet(nn.Module):
    """xautodl's TinyNetworkDarts, as buildNb201Supernet."""

    def __init__(self, T, C, n, ops, classes=10):
        super().__init__()
        W = Weights(T)
        self.stem = nn.Sequential(W.conv(nn.Conv2d(3, C, 3, 1, 1, bias=False)), W.bn(C, True))
        body = []
        widths = [C, 2 * C, 4 * C]
        for stage, w in enumerate(widths):
            if stage > 0:
                body.append(Nb201ResBlock(widths[stage - 1], w, W))
            body.extend(Nb201SearchCell(ops, w, W) for _ in range(n))
        self.body = nn.ModuleList(body)
        self.last_bn = W.bn(4 * C, True)
        self.cls = nn.Linear(4 * C, classes)
        set_param(self.cls.weight, W.take().t())
        set_param(self.cls.bias, W.take())
        W.done()
        self.register_buffer("alpha", T["alpha.cell"].clone())

    def forward(self, x, step):
        w = F.softmax(self.alpha, dim=-1)
        h = self.stem(x)
        for m in self.body:
            h = m(h, w) if isinstance(m, Nb201SearchCell) else m(h)
        return self.cls(F.relu(self.last_bn(h)).mean((2, 3)))


class Job:
    def __init__(self, manifest):
        T = load_tensors(manifest)
        spec = manifest["spec"]
        kind = spec["kind"]
        self.x = T["x"].permute(0, 3, 1, 2).contiguous()
        self.y = T["labels"].long()
        if kind == "cnn":
            self.model = SmallCnn(T)
        elif kind in ("darts-mix", "darts-spos"):
            self.model = DartsCell(T, spec["channels"], manifest["ops"], manifest.get("paths"))
        elif kind == "nb201-mix":
            self.model = Nb201Cell(T, spec["channels"], manifest["ops"])
        elif kind == "darts-supernet":
            self.model = DartsSupernet(T, spec["channels"], spec["layers"], manifest["ops"])
        elif kind == "nb201-supernet":
            self.model = Nb201Supernet(T, spec["channels"], spec["layers"], manifest["ops"])
        else:
            raise ValueError(kind)
        self.model.train()
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.clip = None
        if kind.endswith("-supernet"):
            # DartsSearch's weight step: momentum SGD with weight decay, gradient norm clipped.
            o = SUPERNET_OPTIM
            self.opt = torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"], weight_decay=o["weight_decay"])
            self.clip = o["clip"]
        else:
            self.opt = torch.optim.SGD(params, lr=manifest["lr"])
        self.params = params

    def first_loss(self):
        saved = {k: v.clone() for k, v in self.model.state_dict().items()}
        with torch.no_grad():
            loss = F.cross_entropy(self.model(self.x, 0), self.y).item()
        self.model.load_state_dict(saved)
        return loss

    def step(self, i):
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(self.x, i), self.y)
        loss.backward()
        if self.clip is not None:
            nn.utils.clip_grad_norm_(self.params, self.clip)
        self.opt.step()
        return loss.item()

    def run(self, warmup, steps, max_seconds, min_steps=2):
        for i in range(warmup):
            self.step(i)
        times, losses = [], []
        t_start = time.perf_counter()
        for i in range(steps):
            t0 = time.perf_counter()
            losses.append(self.step(warmup + i))
            times.append((time.perf_counter() - t0) * 1000)
            if time.perf_counter() - t_start > max_seconds and len(times) >= min_steps:
                break
        return times, losses

    def infer(self, reps):
        self.model.eval()
        times = []
        with torch.no_grad():
            self.model(self.x, 0)
            for _ in range(reps):
                t0 = time.perf_counter()
                self.model(self.x, 0).sum().item()
                times.append((time.perf_counter() - t0) * 1000)
        self.model.train()
        return times


def main():
    jobs = {}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        msg = json.loads(line)
        try:
            cmd = msg["cmd"]
            if cmd == "quit":
                break
            if cmd == "info":
                reply = {"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}
            elif cmd == "load":
                with open(msg["manifest"]) as f:
                    manifest = json.load(f)
                manifest["__path"] = msg["manifest"]
                job = Job(manifest)
                jobs[msg["id"]] = job
                reply = {"ok": True, "loss": job.first_loss(), "params": sum(p.numel() for p in job.model.parameters())}
            elif cmd == "run":
                times, losses = jobs[msg["id"]].run(msg.get("warmup", 1), msg["steps"], msg.get("max_seconds", 1e9), msg.get("min_steps", 2))
                reply = {"ok": True, "times_ms": times, "losses": losses}
            elif cmd == "infer":
                reply = {"ok": True, "times_ms": jobs[msg["id"]].infer(msg.get("reps", 10))}
            elif cmd == "drop":
                jobs.pop(msg["id"], None)
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": f"unknown command {cmd}"}
        except Exception as e:  # report, keep serving
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
