/**
 * A generated Ray Tune job (Liaw et al., "Tune", 2018; ASHA: Li et al., MLSys 2020) for the NAS-Bench-201 space
 * (Dong & Yang, ICLR 2020): one self-contained Python file with
 *  - `build_net(genotype, C, N, num_classes, in_channels)`: the NB201 network of any genotype in PyTorch, its layers
 *    and forward expressions taken from nb201-torch.ts (the same fragments the per-genotype exporter pytorch.ts
 *    unrolls), so a genotype built here has the engine's parameter count and op semantics;
 *  - `search_space()`: one `tune.choice` per cell edge over the space config's allowed ops;
 *  - `trainable(config, report=None)`: reads IDX files (train-images / train-labels, optionally .gz) from
 *    `config["data_path"]` with numpy, holds out a seeded validation split, trains with SGD (momentum 0.9) and a
 *    cosine schedule for `epochs` and reports {"valid_acc", "train_loss", "epoch"} after every epoch through
 *    `report` (default: Ray's report for the installed version, `ray.tune.report` from 2.41, `ray.train.report`
 *    from 2.7, `ray.air.session.report` before; without Ray a JSON line on stdout);
 *  - `main()`: argparse `--data-path`, `--num-samples`, `--address`; `ray.init(address=...)`, a `tune.Tuner` with an
 *    ASHA scheduler (metric valid_acc, mode max, max_t = epochs, grace_period 1); prints the best genotype.
 * Ray is imported inside functions only, so the module imports (and the trainable runs) without Ray.
 * NB201 only: the DARTS and mobile spaces have no generated job yet.
 * Pure engine code: strings only, no Node APIs.
 */
import type { Nb201SpaceConfig } from '../../shared/space-config';
import { NB201_EDGES, NB201_OPS } from '../../shared/space-vocab';
import { nb201Skeleton, type Nb201Skeleton } from '../space/nb201/skeleton';
import {
  NB201_OP_KERNEL, nb201HeadExpr, nb201ParamFreeOpExpr, nb201ReductionExpr, nb201ReluConvBnExpr, nb201StemExpr,
  torchBn, torchConv,
} from './nb201-torch';

export interface RayTuneRecipe {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly weightDecay: number;
}

export interface RayTuneJobRequest {
  /** The NB201 space config: its allowed ops are each edge's choices. */
  readonly spaceConfig: Nb201SpaceConfig;
  /** Channels C and cells per stage N (input shape and classes are read from the data). */
  readonly skeleton?: Partial<Nb201Skeleton>;
  readonly recipe: RayTuneRecipe;
  readonly datasetFormat: 'idx';
  /** Seed of the validation split and of the weight initialisation (default 0). */
  readonly seed?: number;
  /** Fraction of the training files held out for validation (default 0.1). */
  readonly validFraction?: number;
}

/** The config key of edge e (`edge_<from>_<to>`, NB201_EDGES order). */
export const rayTuneEdgeKey = (e: number): string => `edge_${NB201_EDGES[e][0]}_${NB201_EDGES[e][1]}`;

function checkRequest(req: RayTuneJobRequest): void {
  if (req.spaceConfig.space !== 'nb201') throw new Error(`Ray Tune job: only the nb201 space is supported, got ${JSON.stringify(req.spaceConfig.space)}`);
  if (req.datasetFormat !== 'idx') throw new Error(`Ray Tune job: datasetFormat must be "idx", got ${JSON.stringify(req.datasetFormat)}`);
  const ops: readonly string[] = req.spaceConfig.ops;
  if (ops.length === 0) throw new Error('Ray Tune job: the space config allows no op');
  const unknown = ops.filter((o) => !(NB201_OPS as readonly string[]).includes(o));
  if (unknown.length > 0) throw new Error(`Ray Tune job: unknown NB201 ops ${JSON.stringify(unknown)}`);
  const { epochs, batchSize, lr, weightDecay } = req.recipe;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`Ray Tune job: recipe.epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Ray Tune job: recipe.batchSize must be a positive integer, got ${batchSize}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`Ray Tune job: recipe.lr must be a positive number, got ${lr}`);
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new Error(`Ray Tune job: recipe.weightDecay must be >= 0, got ${weightDecay}`);
  const vf = req.validFraction ?? 0.1;
  if (!(vf > 0 && vf < 1)) throw new Error(`Ray Tune job: validFraction must be in (0, 1), got ${vf}`);
  if (!Number.isInteger(req.seed ?? 0)) throw new Error(`Ray Tune job: seed must be an integer, got ${req.seed}`);
}

const py = (v: unknown): string => JSON.stringify(v); // JSON strings, lists and numbers are Python literals here

/** The NB201 classes; every layer and expression from nb201-torch.ts. */
function networkSource(): string {
  const weighted = Object.entries(NB201_OP_KERNEL).filter(([, k]) => k !== null);
  const free = Object.entries(NB201_OP_KERNEL).filter(([op, k]) => k === null && op !== 'none');
  return `class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out, k, stride):
        super().__init__()
        self.conv = ${torchConv('c_in', 'c_out', 'k', 'stride', '(k - 1) // 2')}
        self.bn = ${torchBn('c_out')}

    def forward(self, x):
        return ${nb201ReluConvBnExpr('self.conv', 'self.bn', 'x')}


OP_KERNEL = ${py(Object.fromEntries(weighted))}


class EdgeOp(nn.Module):
    """One cell edge; \`none\` edges are never built (they add nothing)."""

    def __init__(self, op, C):
        super().__init__()
        self.op = op
        if op in OP_KERNEL:
            self.body = ReLUConvBN(C, C, OP_KERNEL[op], 1)
        elif op not in ${py(free.map(([op]) => op))}:
            raise ValueError("unknown NB201 op %r" % (op,))

    def forward(self, x):
${free.map(([op]) => `        if self.op == ${py(op)}:\n            return ${nb201ParamFreeOpExpr(op, 'x')}`).join('\n')}
        return self.body(x)


class Cell(nn.Module):
    """node j = sum of its edges from non-empty nodes (a node without live input is empty); output = node 3."""

    def __init__(self, genotype, C):
        super().__init__()
        self.genotype = list(genotype)
        self.edges = nn.ModuleDict({str(e): EdgeOp(op, C) for e, op in enumerate(self.genotype) if op != "none"})

    def forward(self, h):
        nodes = [h, None, None, None]
        for j in range(1, 4):
            terms = [self.edges[str(e)](nodes[i]) for e, (i, to) in enumerate(EDGES)
                     if to == j and self.genotype[e] != "none" and nodes[i] is not None]
            nodes[j] = sum(terms[1:], terms[0]) if terms else None
        return nodes[3] if nodes[3] is not None else torch.zeros_like(h)


class Reduction(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.a = ReLUConvBN(c_in, c_out, 3, 2)
        self.b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut = ${torchConv('c_in', 'c_out', 1, 1, 0)}

    def forward(self, x):
        return ${nb201ReductionExpr('self.b(self.a(x))', 'self.shortcut', 'x')}


class Net(nn.Module):
    def __init__(self, genotype, C, N, num_classes, in_channels):
        super().__init__()
        if len(genotype) != len(EDGES):
            raise ValueError("an NB201 genotype has %d ops, got %d" % (len(EDGES), len(genotype)))
        self.stem_conv = ${torchConv('in_channels', 'C', 3, 1, 1)}
        self.stem_bn = ${torchBn('C')}
        body = []
        for stage, c in enumerate([C, 2 * C, 4 * C]):
            if stage > 0:
                body.append(Reduction(c // 2, c))
            body.extend(Cell(genotype, c) for _ in range(N))
        self.body = nn.Sequential(*body)
        self.head_bn = ${torchBn('4 * C')}
        self.classifier = nn.Linear(4 * C, num_classes, bias=True)

    def forward(self, x):
        h = self.body(${nb201StemExpr('self.stem_conv', 'self.stem_bn', 'x')})
        return ${nb201HeadExpr('self.head_bn', 'self.classifier', 'h')}


def build_net(genotype, C, N, num_classes, in_channels):
    """The NB201 network of \`genotype\` (6 op names, EDGES order) with C channels and N cells per stage; NCHW input."""
    return Net(genotype, C, N, num_classes, in_channels)`;
}

/** The job as one Python source file. Throws a specific message for a request it cannot generate. */
export function exportRayTuneJob(req: RayTuneJobRequest): string {
  checkRequest(req);
  const sk = nb201Skeleton(req.skeleton ?? {});
  const { epochs, batchSize, lr, weightDecay } = req.recipe;
  const edgeKeys = NB201_EDGES.map((_, e) => rayTuneEdgeKey(e));
  return `"""Ray Tune job for the NAS-Bench-201 space, generated by NAS playground.

Searches the cell genotype (one op per edge, ops ${req.spaceConfig.ops.join(', ')}) with an ASHA scheduler; each
trial trains build_net(genotype) with SGD + cosine for up to ${epochs} epochs on the IDX dataset at --data-path and
reports validation accuracy per epoch. Needs numpy and torch; main() also needs ray[tune].

    python3 nas_tune.py --data-path /data/mnist --num-samples 200 --address auto

The data path must be readable from every node of the cluster. trainable() runs without Ray too:
    trainable({**default_config(), "data_path": "/data/mnist"}, report=print)
"""
import argparse
import gzip
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Cell edges (from node, to node) in genotype order, and their config keys.
EDGES = ${py(NB201_EDGES.map(([a, b]) => [a, b]))}
EDGE_KEYS = ${py(edgeKeys)}
OPS = ${py(req.spaceConfig.ops)}
CHANNELS = ${sk.channels}
CELLS_PER_STAGE = ${sk.cellsPerStage}
EPOCHS = ${epochs}
BATCH_SIZE = ${batchSize}
LR = ${py(lr)}
WEIGHT_DECAY = ${py(weightDecay)}
SEED = ${req.seed ?? 0}
VALID_FRACTION = ${py(req.validFraction ?? 0.1)}


${networkSource()}


def count_params(net):
    return sum(p.numel() for p in net.parameters())


def search_space():
    """One tune.choice over the allowed ops per cell edge."""
    from ray import tune
    return {key: tune.choice(OPS) for key in EDGE_KEYS}


def default_config():
    """The fixed part of a trial's config (everything but the genotype and data_path)."""
    return {"channels": CHANNELS, "cells_per_stage": CELLS_PER_STAGE, "epochs": EPOCHS, "batch_size": BATCH_SIZE,
            "lr": LR, "weight_decay": WEIGHT_DECAY, "seed": SEED, "valid_fraction": VALID_FRACTION}


def read_idx(path):
    """An IDX file (optionally gzip-compressed) as a numpy array; unsigned-byte data only."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        blob = f.read()
    if len(blob) < 4 or blob[0] != 0 or blob[1] != 0:
        raise ValueError("%s: not an IDX file (bad magic)" % path)
    if blob[2] != 0x08:
        raise ValueError("%s: IDX data type 0x%02x is not unsigned byte (0x08)" % (path, blob[2]))
    ndim = blob[3]
    dims = [int.from_bytes(blob[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    start = 4 + 4 * ndim
    n = int(np.prod(dims)) if dims else 1
    if len(blob) - start < n:
        raise ValueError("%s: truncated (%d bytes of data, %d expected)" % (path, len(blob) - start, n))
    return np.frombuffer(blob, dtype=np.uint8, count=n, offset=start).reshape(dims)


def find_file(data_path, prefix):
    names = sorted(n for n in os.listdir(data_path) if n.startswith(prefix))
    if not names:
        raise FileNotFoundError("%s: no file named %s* (expected IDX train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz])" % (data_path, prefix))
    return os.path.join(data_path, names[0])


def load_idx_dataset(data_path):
    """(images float32 NCHW in [0, 1], labels int64) from train-images* and train-labels* in data_path."""
    images = read_idx(find_file(data_path, "train-images"))
    labels = read_idx(find_file(data_path, "train-labels"))
    if images.ndim == 3:
        images = images[:, None, :, :]
    elif images.ndim == 4:
        images = images.transpose(0, 3, 1, 2)
    else:
        raise ValueError("%s: images must have rank 3 or 4, got %d" % (data_path, images.ndim))
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError("%s: %d images but labels of shape %s" % (data_path, images.shape[0], labels.shape))
    return np.ascontiguousarray(images, dtype=np.float32) / 255.0, labels.astype(np.int64)


def default_report():
    """Ray's per-trial report for the installed version; a JSON line on stdout without Ray."""
    try:
        import ray
    except ImportError:
        return lambda metrics: print(json.dumps(metrics), flush=True)
    version = tuple(int(p) for p in ray.__version__.split(".")[:2] if p.isdigit())
    if version >= (2, 41):  # Tune's own report; ray.train.report is refused inside Tune functions
        from ray import tune
        return tune.report
    if version >= (2, 7):
        from ray import train
        return train.report
    from ray.air import session
    return session.report


def trainable(config, report=None):
    """Trains the genotype in config (EDGE_KEYS) on config["data_path"]; reports valid_acc after every epoch."""
    report = report or default_report()
    cfg = {**default_config(), **config}
    genotype = [cfg[key] for key in EDGE_KEYS]
    torch.manual_seed(int(cfg["seed"]))
    x, y = load_idx_dataset(cfg["data_path"])
    order = np.random.RandomState(int(cfg["seed"])).permutation(len(y))
    n_valid = max(1, int(round(len(y) * float(cfg["valid_fraction"]))))
    if n_valid >= len(y):
        raise ValueError("%s: %d examples leave none for training" % (cfg["data_path"], len(y)))
    valid, train = order[:n_valid], order[n_valid:]
    x_train, y_train = torch.from_numpy(x[train]), torch.from_numpy(y[train])
    x_valid, y_valid = torch.from_numpy(x[valid]), torch.from_numpy(y[valid])
    num_classes = int(y.max()) + 1
    net = build_net(genotype, int(cfg["channels"]), int(cfg["cells_per_stage"]), num_classes, x.shape[1])
    epochs, batch = int(cfg["epochs"]), int(cfg["batch_size"])
    opt = torch.optim.SGD(net.parameters(), lr=float(cfg["lr"]), momentum=0.9, weight_decay=float(cfg["weight_decay"]))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    gen = torch.Generator().manual_seed(int(cfg["seed"]))
    for epoch in range(epochs):
        net.train()
        total, count = 0.0, 0
        for idx in torch.randperm(len(y_train), generator=gen).split(batch):
            opt.zero_grad()
            loss = F.cross_entropy(net(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
            count += len(idx)
        sched.step()
        net.eval()
        correct = 0
        with torch.no_grad():
            for idx in torch.arange(len(y_valid)).split(batch):
                correct += int((net(x_valid[idx]).argmax(dim=1) == y_valid[idx]).sum())
        report({"valid_acc": correct / len(y_valid), "train_loss": total / count, "epoch": epoch + 1,
                "params": count_params(net)})


def ray_trainable(config):
    """The trainable as Tune calls it (config only)."""
    trainable(config)


def main(argv=None):
    parser = argparse.ArgumentParser(description="NAS-Bench-201 search with Ray Tune and ASHA")
    parser.add_argument("--data-path", required=True, help="folder with IDX train-images* and train-labels* (readable from every node)")
    parser.add_argument("--num-samples", type=int, default=100, help="number of genotypes to sample")
    parser.add_argument("--address", default=None, help='Ray cluster address ("auto" to join the running cluster; none starts a local one)')
    args = parser.parse_args(argv)
    try:
        import ray
        from ray import tune
        from ray.tune.schedulers import ASHAScheduler
    except ImportError as e:
        raise SystemExit("Ray Tune is not installed (%s): pip install 'ray[tune]' on every node of the cluster" % e)
    ray.init(address=args.address)
    param_space = {**default_config(), **search_space(), "data_path": os.path.abspath(args.data_path)}
    scheduler = ASHAScheduler(metric="valid_acc", mode="max", max_t=EPOCHS, grace_period=1)
    tuner = tune.Tuner(ray_trainable, param_space=param_space,
                       tune_config=tune.TuneConfig(scheduler=scheduler, num_samples=args.num_samples))
    results = tuner.fit()
    best = results.get_best_result(metric="valid_acc", mode="max")
    print(json.dumps({"valid_acc": best.metrics.get("valid_acc"),
                      "genotype": [best.config[key] for key in EDGE_KEYS]}))


if __name__ == "__main__":
    main()
`;
}
