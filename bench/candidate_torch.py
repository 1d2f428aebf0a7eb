#!/usr/bin/python3
"""PyTorch twin of one NB201 Search-tab candidate (bench/candidate-profile.ts): the engine's standalone network
(space/nb201/network.ts: stem conv3x3 + BN, N cells per stage at C, 2C, 4C with the ResNet basic block between
stages, BN-ReLU, global average pool, linear) trained as TrainEvaluator does (momentum SGD 0.9, weight decay 5e-4,
cosine learning rate, batch B, cross-entropy), then BN recalibration (8 training-mode forwards without gradients),
validation (batch 4B, eval mode) and latency (batch 1, eval mode, 3 warm-up + 15 runs). Random images: the times do
not depend on the pixels. Prints one JSON object with the time of each phase in ms.

  /usr/bin/python3 bench/candidate_torch.py GENOTYPE C N H W CIN IMAGES VALID BATCH THREADS
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


def rcb(cin, cout, k, stride):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


def op(name, C):
    if name == "none":
        return None
    if name == "skip_connect":
        return nn.Identity()
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    return rcb(C, C, int(name[-1]), 1)


class Cell(nn.Module):
    def __init__(self, ops, C):
        super().__init__()
        self.ops = ops
        self.mods = nn.ModuleList([op(o, C) or nn.Identity() for o in ops])

    def forward(self, x):
        nodes = [x, None, None, None]
        for j in range(1, 4):
            parts = [self.mods[e](nodes[i]) for e, (i, t) in enumerate(EDGES) if t == j and self.ops[e] != "none" and nodes[i] is not None]
            nodes[j] = sum(parts[1:], parts[0]) if parts else None
        return nodes[3] if nodes[3] is not None else torch.zeros_like(x)


class Reduction(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a = rcb(cin, cout, 3, 2)
        self.b = rcb(cout, cout, 3, 1)
        self.short = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        return self.b(self.a(x)) + self.short(x)


class Net(nn.Module):
    def __init__(self, ops, C, N, cin, classes=10):
        super().__init__()
        layers = [nn.Conv2d(cin, C, 3, 1, 1, bias=False), nn.BatchNorm2d(C)]
        c = C
        for stage in range(3):
            if stage > 0:
                layers.append(Reduction(c, 2 * c))
                c *= 2
            layers += [Cell(ops, c) for _ in range(N)]
        layers += [nn.BatchNorm2d(c), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.cls = nn.Linear(c, classes)

    def forward(self, x):
        return self.cls(self.body(x).mean((2, 3)))


def main():
    g, C, N, H, W, CIN, images, valid, batch, threads = sys.argv[1:11]
    C, N, H, W, CIN, images, valid, batch, threads = map(int, (C, N, H, W, CIN, images, valid, batch, threads))
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    ops = [part.split("~")[0] for part in g.strip("|").replace("+", "").split("|") if part]
    x = torch.randn(images, CIN, H, W)
    y = torch.randint(0, 10, (images,))
    vx = torch.randn(valid, CIN, H, W)
    vy = torch.randint(0, 10, (valid,))
    t0 = time.perf_counter()
    net = Net(ops, C, N, CIN)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    t1 = time.perf_counter()
    steps = math.ceil(images / batch)
    order = torch.randperm(images)
    net.train()
    loss = None
    for s in range(steps):
        for group in opt.param_groups:
            group["lr"] = 0.5 * 0.05 * (1 + math.cos(math.pi * s / steps))
        idx = order[s * batch:(s + 1) * batch]
        opt.zero_grad()
        loss = F.cross_entropy(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
        loss = loss.item()
    t2 = time.perf_counter()
    with torch.no_grad():
        for i in range(8):
            start = (i * batch) % max(1, images - batch + 1)
            net(x[start:start + batch])
    t3 = time.perf_counter()
    net.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, valid, 4 * batch):
            correct += (net(vx[start:start + 4 * batch]).argmax(1) == vy[start:start + 4 * batch]).sum().item()
    t4 = time.perf_counter()
    one = torch.zeros(1, CIN, H, W)
    with torch.no_grad():
        for _ in range(18):
            net(one)
    t5 = time.perf_counter()
    ms = lambda a, b: (b - a) * 1000
    print(json.dumps({"build": ms(t0, t1), "train": ms(t1, t2), "steps": steps, "recalib": ms(t2, t3), "valid": ms(t3, t4),
                      "latency": ms(t4, t5), "total": ms(t0, t5), "loss": loss, "acc": correct / valid, "threads": threads,
                      "torch": torch.__version__}))


main()
