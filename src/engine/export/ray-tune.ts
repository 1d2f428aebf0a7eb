/**
 * A generated Ray Tune job (Liaw et al., "Tune", 2018; ASHA: Li et al., MLSys 2020) for any built-in space
 * (NAS-Bench-201, DARTS, mobile): one self-contained Python file with
 *  - `build_net(genotype, num_classes, in_channels, **skeleton)`: the space's network of any genotype (the
 *    playground's JSON form) in PyTorch, its layers and forward expressions taken from the fragments the
 *    per-genotype exporter pytorch.ts unrolls (nb201-torch.ts, darts-torch.ts, mobile-torch.ts), so a genotype
 *    built here has the engine's parameter count and op semantics;
 *  - `search_space()`: one `tune.choice` per decision of the engine's search space for the space config
 *    (`SearchSpace.choices`: NB201 one op per edge; DARTS per cell and node an input pair and two ops; mobile per
 *    stage block, kernel, SE, width, depth), and `genotype_from_config(config)` turning a trial's choices into
 *    the genotype;
 *  - `trainable(config, report=None)`: reads IDX files (train-images / train-labels, optionally .gz) from
 *    `config["data_path"]` with numpy, holds out a seeded validation split, trains with SGD (momentum 0.9) and a
 *    cosine schedule for `epochs` and reports {"valid_acc", "train_loss", "epoch", "params"} after every epoch
 *    through `report` (default: Ray's report for the installed version, `ray.tune.report` from 2.41,
 *    `ray.train.report` from 2.7, `ray.air.session.report` before; without Ray a JSON line on stdout);
 *  - `main()`: argparse `--data-path`, `--num-samples`, `--address`; `ray.init(address=...)`, a `tune.Tuner` with an
 *    ASHA scheduler (metric valid_acc, mode max, max_t = epochs, grace_period 1); prints the best genotype.
 * Ray is imported inside functions only, so the module imports (and the trainable runs) without Ray. The
 * per-space parts come from a table keyed by space id (ray-tune-spaces.ts).
 * Pure engine code: strings only, no Node APIs.
 */
import type { SpaceConfig } from '../../shared/space-config';
import { builtinSpace, type SpaceId } from '../space/table';
import { RAY_TUNE_SPACES } from './ray-tune-spaces';
import { py } from './ray-tune-space';

export interface RayTuneRecipe {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly weightDecay: number;
}

export interface RayTuneJobRequest {
  /** The space config (normalised or not): its allowed ops / blocks / widths ... are the trials' choices. */
  readonly spaceConfig: SpaceConfig;
  /**
   * The space's skeleton settings (NB201 channels, cellsPerStage; DARTS channels, layers, stemMultiplier; mobile
   * stemChannels, stemStride, headMultiplier, seReduction); missing ones take the space's defaults. The input
   * shape and the class count are read from the data.
   */
  readonly skeleton?: object;
  readonly recipe: RayTuneRecipe;
  readonly datasetFormat: 'idx';
  /** Seed of the validation split and of the weight initialisation (default 0). */
  readonly seed?: number;
  /** Fraction of the training files held out for validation (default 0.1). */
  readonly validFraction?: number;
}

/** The spaces the job supports: every built-in space. */
export const RAY_TUNE_JOB_SPACES: readonly SpaceId[] = Object.keys(RAY_TUNE_SPACES) as SpaceId[];

const isSpaceId = (id: unknown): id is SpaceId => typeof id === 'string' && Object.prototype.hasOwnProperty.call(RAY_TUNE_SPACES, id);

/** Keys of the fixed part of a trial's config (besides the skeleton settings and the choices). */
const FIXED_KEYS = ['epochs', 'batch_size', 'lr', 'weight_decay', 'seed', 'valid_fraction', 'data_path'];

/** A choice name or skeleton field as a config key: "edge 0->1" -> edge_0_1, "stemChannels" -> stem_channels. */
export const configKey = (name: string): string =>
  name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');

function checkRecipe(req: RayTuneJobRequest): void {
  if (req.datasetFormat !== 'idx') throw new Error(`Ray Tune job: datasetFormat must be "idx", got ${JSON.stringify(req.datasetFormat)}`);
  const { epochs, batchSize, lr, weightDecay } = req.recipe;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`Ray Tune job: recipe.epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Ray Tune job: recipe.batchSize must be a positive integer, got ${batchSize}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`Ray Tune job: recipe.lr must be a positive number, got ${lr}`);
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new Error(`Ray Tune job: recipe.weightDecay must be >= 0, got ${weightDecay}`);
  const vf = req.validFraction ?? 0.1;
  if (!(vf > 0 && vf < 1)) throw new Error(`Ray Tune job: validFraction must be in (0, 1), got ${vf}`);
  if (!Number.isInteger(req.seed ?? 0)) throw new Error(`Ray Tune job: seed must be an integer, got ${req.seed}`);
}

/** The space's parts of the job: its choices, skeleton settings and Python sources; throws on a bad request. */
function spaceParts<S extends SpaceId>(id: S, req: RayTuneJobRequest) {
  const d = builtinSpace(id);
  const config = d.parseConfig(req.spaceConfig);
  const space = d.createSpace(config);
  const given = req.skeleton ?? {};
  for (const k of ['inputShape', 'numClasses']) {
    if (k in given) throw new Error(`Ray Tune job: skeleton.${k} is read from the data; leave it out`);
  }
  const names = Object.keys(d.skeleton({})).filter((k) => k !== 'inputShape' && k !== 'numClasses');
  const unknown = Object.keys(given).filter((k) => !names.includes(k));
  if (unknown.length > 0) {
    throw new Error(`Ray Tune job: the ${id} skeleton has no setting ${unknown.map((k) => JSON.stringify(k)).join(', ')} (settings: ${names.join(', ')})`);
  }
  const full: object = d.skeleton(given);
  const settings = Object.entries(full).filter(([k]) => names.includes(k));
  const skeleton = Object.fromEntries(settings.map(([k, v]) => [configKey(k), v]));
  const choices = space.choices.map((c) => ({ key: configKey(c.name), options: [...c.options] }));
  const keys = [...choices.map((c) => c.key), ...Object.keys(skeleton), ...FIXED_KEYS];
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup !== undefined) throw new Error(`Ray Tune job: the config key ${JSON.stringify(dup)} would be used twice`);
  const part = RAY_TUNE_SPACES[id];
  return { id, title: part.title, config, choices, skeleton, decoder: part.decoder(config), network: part.network() };
}

/** The trial config keys of a space config's choices, in the engine space's choice order. */
export function rayTuneChoiceKeys(spaceConfig: SpaceConfig): string[] {
  const id: unknown = spaceConfig.space;
  if (!isSpaceId(id)) throw new Error(`Ray Tune job: unknown space ${JSON.stringify(id)} (known: ${RAY_TUNE_JOB_SPACES.join(', ')})`);
  return builtinSpace(id).createSpace(builtinSpace(id).parseConfig(spaceConfig)).choices.map((c) => configKey(c.name));
}

/** The job as one Python source file. Throws a specific message for a request it cannot generate. */
export function exportRayTuneJob(req: RayTuneJobRequest): string {
  const id: unknown = req.spaceConfig?.space;
  if (!isSpaceId(id)) throw new Error(`Ray Tune job: unknown space ${JSON.stringify(id)} (known: ${RAY_TUNE_JOB_SPACES.join(', ')})`);
  checkRecipe(req);
  const parts = spaceParts(id, req);
  const { epochs, batchSize, lr, weightDecay } = req.recipe;
  return `"""Ray Tune job for ${parts.title}, generated by NAS playground.

Each trial samples one genotype (one tune.choice per decision in CHOICES), trains build_net(genotype) from scratch with
SGD + cosine for up to ${epochs} epochs on the IDX dataset at --data-path and reports validation accuracy per epoch;
an ASHA scheduler stops weak trials early. Needs numpy and torch; main() also needs ray[tune].

    python3 nas_tune.py --data-path /data/mnist --num-samples 200 --address auto

The data path must be readable from every node of the cluster. trainable() runs without Ray too:
    trainable({**default_config(), **{k: CHOICES[k][0] for k in CHOICE_KEYS}, "data_path": "/data/mnist"}, report=print)
and build_net(genotype_from_config(config), num_classes, in_channels, **SKELETON) builds one trial's network.

CHOICES below lists the ${parts.choices.length} decisions (trial config keys) and their options.
"""
import argparse
import gzip
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SPACE = ${py(id)}
# The space config the choices come from (the playground's form).
SPACE_CONFIG = json.loads(${JSON.stringify(JSON.stringify(parts.config))})
# One decision per key, in the playground's choice order, and its options.
CHOICE_KEYS = ${py(parts.choices.map((c) => c.key))}
CHOICES = {
${parts.choices.map((c) => `    ${py(c.key)}: ${py(c.options)},`).join('\n')}
}
# The skeleton around the genotype (build_net's keyword arguments); input shape and classes come from the data.
SKELETON = ${py(parts.skeleton)}
EPOCHS = ${epochs}
BATCH_SIZE = ${batchSize}
LR = ${py(lr)}
WEIGHT_DECAY = ${py(weightDecay)}
SEED = ${req.seed ?? 0}
VALID_FRACTION = ${py(req.validFraction ?? 0.1)}


${parts.decoder}


${parts.network}


def count_params(net):
    return sum(p.numel() for p in net.parameters())


def search_space():
    """One tune.choice per decision of the space."""
    from ray import tune
    return {key: tune.choice(CHOICES[key]) for key in CHOICE_KEYS}


def default_config():
    """The fixed part of a trial's config (everything but the choices and data_path)."""
    return {**SKELETON, "epochs": EPOCHS, "batch_size": BATCH_SIZE, "lr": LR, "weight_decay": WEIGHT_DECAY,
            "seed": SEED, "valid_fraction": VALID_FRACTION}


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
    """Trains the genotype of config's choices (CHOICE_KEYS) on config["data_path"]; reports valid_acc every epoch."""
    report = report or default_report()
    cfg = {**default_config(), **config}
    missing = [key for key in CHOICE_KEYS + ["data_path"] if key not in cfg]
    if missing:
        raise KeyError("trial config lacks %s" % ", ".join(missing))
    genotype = genotype_from_config(cfg)
    skeleton = {key: int(cfg[key]) for key in SKELETON}
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
    net = build_net(genotype, num_classes, x.shape[1], **skeleton)
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
    parser = argparse.ArgumentParser(description="%s search with Ray Tune and ASHA" % SPACE)
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
                      "genotype": genotype_from_config(best.config)}))


if __name__ == "__main__":
    main()
`;
}
