/**
 * The generated Ray Tune job (src/engine/export/ray-tune.ts). Ray cannot be installed here, so: the script is
 * byte-compiled (python3 -m py_compile) and imported without Ray; with Debian's python3-torch, its trainable runs
 * for 2 epochs on a tiny IDX set (gzip images, plain labels) with a collecting `report`, `build_net` has the engine's
 * parameter count (costOf and a built network's countParams) for several genotypes, and `build_net` loaded with the
 * per-genotype PyTorch export's weights (pytorch.ts, same layer order) gives the engine's eval-mode logits, so the
 * genotype-parameterised network has the engine's op semantics. The CLI (scripts/ray-tune-job.ts) writes it.
 * Without torch those parts are skipped with a message.
 */
import { useBackend } from '../helpers/tf-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { exportRayTuneJob, rayTuneEdgeKey, type RayTuneJobRequest } from '../../src/engine/export/ray-tune';
import { encodeWeights, exportPytorch } from '../../src/engine/export/pytorch';
import { parseNb201Config } from '../../src/shared/space-config';
import { costOf } from '../../src/engine/model/cost';
import { buildNetwork } from '../../src/engine/model/build';
import { createRng } from '../../src/engine/util/rng';
import type { Nb201Genotype } from '../../src/engine/space/nb201/space';
import { idxPairBytes } from '../helpers/dataset-files';
import { caseInput, EXPORT_CASES, logitDiff, preparedNetwork, type ExportCase } from '../helpers/export-cases';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);
const torchProbe = hasPython ? spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 120_000 }) : null;
const hasTorch = torchProbe !== null && torchProbe.status === 0;
const SKIP_TORCH = `skipped: ${PYTHON} cannot import torch (install it with \`apt-get install -y python3-torch\`)`;
if (!hasTorch) console.warn(`export-ray-tune: trainable run and parameter counts ${SKIP_TORCH}`);
const itTorch = hasTorch ? it : it.skip;
const itPython = hasPython ? it : it.skip;

const SKELETON = { channels: 4, cellsPerStage: 1 };
const REQUEST: RayTuneJobRequest = {
  spaceConfig: parseNb201Config({}),
  skeleton: SKELETON,
  recipe: { epochs: 2, batchSize: 16, lr: 0.05, weightDecay: 5e-4 },
  datasetFormat: 'idx',
  seed: 3,
};

/** Imports the job from argv[1] and runs argv[2] (a JSON command); prints one JSON line. */
const DRIVER = `
import importlib.util, json, sys
import numpy as np
spec = importlib.util.spec_from_file_location("nas_tune", sys.argv[1])
job = importlib.util.module_from_spec(spec)
spec.loader.exec_module(job)
cmd = json.loads(sys.argv[2])
if cmd["kind"] == "import":
    job.default_report()({"valid_acc": 0.5, "epoch": 1})
    print(json.dumps({"edge_keys": job.EDGE_KEYS, "ops": job.OPS, "epochs": job.EPOCHS, "ray": "ray" in sys.modules}))
    sys.exit(0)
import torch
torch.set_num_threads(1)
if cmd["kind"] == "train":
    reports = []
    job.trainable(dict(cmd["config"]), report=reports.append)
    print(json.dumps({"reports": reports, "ray": "ray" in sys.modules}))
elif cmd["kind"] == "params":
    print(json.dumps([job.count_params(job.build_net(g, cmd["C"], cmd["N"], cmd["classes"], cmd["in_channels"])) for g in cmd["genotypes"]]))
elif cmd["kind"] == "logits":
    espec = importlib.util.spec_from_file_location("exported", cmd["exported"])
    exp = importlib.util.module_from_spec(espec)
    espec.loader.exec_module(exp)
    state = exp.read_weights(cmd["weights"])
    ref = [(k, v) for k, v in exp.Net().state_dict().items() if not k.endswith("num_batches_tracked")]
    net = job.build_net(cmd["genotype"], cmd["C"], cmd["N"], cmd["classes"], cmd["in_channels"])
    ours = [(k, v) for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")]
    assert len(ref) == len(ours), (len(ref), len(ours))
    mapped = {}
    for (rk, rv), (ok, ov) in zip(ref, ours):
        assert tuple(rv.shape) == tuple(ov.shape), (rk, ok, tuple(rv.shape), tuple(ov.shape))
        mapped[ok] = state[rk]
    net.load_state_dict(mapped, strict=False)
    net.eval()
    x = np.fromfile(cmd["inputs"], dtype="<f4").reshape(cmd["shape"])
    with torch.no_grad():
        y = net(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))
    print(json.dumps({"logits": y.tolist()}))
`;

let root = '';
let script = '';
let driver = '';

async function runDriverLines(cmd: object): Promise<string[]> {
  const { stdout } = await exec(PYTHON, [driver, script, JSON.stringify(cmd)], { timeout: 240_000 });
  return stdout.trim().split('\n');
}

async function runDriver<T>(cmd: object): Promise<T> {
  return JSON.parse((await runDriverLines(cmd)).pop() ?? '') as T;
}

beforeAll(async () => {
  await useBackend('cpu');
  root = mkdtempSync(path.join(tmpdir(), 'export-ray-tune-'));
  script = path.join(root, 'nas_tune.py');
  driver = path.join(root, 'driver.py');
  writeFileSync(script, exportRayTuneJob(REQUEST));
  writeFileSync(driver, DRIVER);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('Ray Tune job export (NB201)', () => {
  it('refuses requests it cannot generate, with a specific message', () => {
    expect(() => exportRayTuneJob({ ...REQUEST, recipe: { ...REQUEST.recipe, epochs: 0 } })).toThrow(/recipe\.epochs must be a positive integer/);
    expect(() => exportRayTuneJob({ ...REQUEST, recipe: { ...REQUEST.recipe, lr: -1 } })).toThrow(/recipe\.lr/);
    expect(() => exportRayTuneJob({ ...REQUEST, spaceConfig: { space: 'nb201', ops: [] } })).toThrow(/allows no op/);
  });

  it('puts the space config, the ASHA scheduler and the flags in the script', () => {
    const src = exportRayTuneJob({ ...REQUEST, spaceConfig: parseNb201Config({ ops: ['nor_conv_3x3', 'skip_connect'] }) });
    expect(src).toContain('OPS = ["skip_connect","nor_conv_3x3"]');
    expect(src).toContain('tune.choice(OPS)');
    expect(src).toMatch(/ASHAScheduler\(metric="valid_acc", mode="max", max_t=EPOCHS, grace_period=1\)/);
    for (const flag of ['--data-path', '--num-samples', '--address']) expect(src).toContain(`"${flag}"`);
  });

  it('the CLI writes the job and refuses a bad op or number (scripts/ray-tune-job.ts)', async () => {
    const cli = [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/ray-tune-job.ts'];
    const out = path.join(root, 'cli_tune.py');
    await exec(process.execPath, [...cli, '--out', out, '--ops', 'nor_conv_3x3,none', '--epochs', '4'], { cwd: ROOT, timeout: 120_000 });
    const src = readFileSync(out, 'utf8');
    expect(src).toContain('OPS = ["none","nor_conv_3x3"]');
    expect(src).toContain('EPOCHS = 4');
    if (hasPython) await exec(PYTHON, ['-m', 'py_compile', out], { timeout: 60_000 });
    const bad = spawnSync(process.execPath, [...cli, '--out', out, '--ops', 'conv9'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/"conv9" is not a valid NB201 op/);
    const badNum = spawnSync(process.execPath, [...cli, '--out', out, '--lr', 'fast'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(badNum.status).toBe(2);
    expect(badNum.stderr).toMatch(/--lr must be a number, got "fast"/);
  }, 300_000);

  itPython('generates Python that compiles (python3 -m py_compile)', async () => {
    await exec(PYTHON, ['-m', 'py_compile', script], { timeout: 60_000 });
  });

  itTorch(`imports without Ray and runs the trainable on a tiny IDX set${hasTorch ? '' : ` (${SKIP_TORCH})`}`, async () => {
    const lines = await runDriverLines({ kind: 'import' });
    expect(JSON.parse(lines[0])).toEqual({ valid_acc: 0.5, epoch: 1 }); // without Ray, default_report prints JSON
    const info = JSON.parse(lines[1]) as { edge_keys: string[]; ops: string[]; epochs: number; ray: boolean };
    expect(info.edge_keys).toEqual([0, 1, 2, 3, 4, 5].map(rayTuneEdgeKey));
    expect(info.ray).toBe(false);
    expect(info.epochs).toBe(2);
    const data = path.join(root, 'data');
    mkdirSync(data, { recursive: true });
    const { images, labels } = idxPairBytes(64, 8, 5);
    writeFileSync(path.join(data, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(path.join(data, 'train-labels-idx1-ubyte'), labels);
    const genotype = ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'nor_conv_3x3'];
    const config = { ...Object.fromEntries(genotype.map((op, e) => [rayTuneEdgeKey(e), op])), data_path: data, valid_fraction: 0.25 };
    const out = await runDriver<{ reports: { valid_acc: number; train_loss: number; epoch: number; params: number }[]; ray: boolean }>({ kind: 'train', config });
    console.log(`export-ray-tune: trainable reports ${JSON.stringify(out.reports)}`);
    expect(out.ray).toBe(false);
    expect(out.reports.map((r) => r.epoch)).toEqual([1, 2]);
    for (const r of out.reports) {
      expect(r.valid_acc).toBeGreaterThanOrEqual(0);
      expect(r.valid_acc).toBeLessThanOrEqual(1);
      expect(Number.isFinite(r.train_loss)).toBe(true);
    }
    expect(out.reports[1].train_loss).toBeLessThan(out.reports[0].train_loss); // seeded, single-threaded: it learns
    const sk = { ...SKELETON, inputShape: [8, 8, 1] as const, numClasses: 2 };
    expect(out.reports[0].params).toBe(costOf({ space: 'nb201', genotype: { ops: genotype } as Nb201Genotype, skeleton: sk }).params);
  }, 300_000);

  itTorch(`build_net has the engine's parameter count${hasTorch ? '' : ` (${SKIP_TORCH})`}`, async () => {
    const genotypes: Nb201Genotype['ops'][] = [
      ['nor_conv_3x3', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect', 'none', 'nor_conv_3x3'],
      ['none', 'nor_conv_3x3', 'none', 'avg_pool_3x3', 'nor_conv_1x1', 'skip_connect'],
      ['none', 'none', 'none', 'none', 'none', 'none'],
    ];
    const sk = { channels: 6, cellsPerStage: 2, inputShape: [8, 8, 3] as const, numClasses: 7 };
    const counts = await runDriver<number[]>({ kind: 'params', genotypes, C: 6, N: 2, classes: 7, in_channels: 3 });
    expect(counts).toEqual(genotypes.map((ops) => costOf({ space: 'nb201', genotype: { ops }, skeleton: sk }).params));
    const net = buildNetwork('nb201', { ops: genotypes[0] }, sk, createRng(1));
    try {
      expect(counts[0]).toBe(net.countParams());
    } finally {
      net.dispose();
    }
  }, 300_000);

  const nb201Cases = EXPORT_CASES.filter((c): c is ExportCase<'nb201'> => c.space === 'nb201');
  nb201Cases.forEach((c, index) => {
    itTorch(`build_net with the exported weights gives the engine's logits: ${c.label}${hasTorch ? '' : ` (${SKIP_TORCH})`}`, async () => {
      const before = tf.memory().numTensors;
      const net = preparedNetwork(c, 2000 + index);
      const dir = path.join(root, `logits-${index}`);
      mkdirSync(dir, { recursive: true });
      let ours: number[][];
      try {
        const x = caseInput(c);
        const y = tf.tidy(() => net.forward(x, false));
        ours = y.arraySync() as number[][];
        y.dispose();
        const xData = x.dataSync() as Float32Array;
        x.dispose();
        const exported = await exportPytorch(net, 'nb201', c.genotype, c.skeleton);
        writeFileSync(path.join(dir, 'net.py'), exported.source);
        writeFileSync(path.join(dir, 'weights.bin'), encodeWeights(exported.weights));
        writeFileSync(path.join(dir, 'inputs.bin'), new Uint8Array(xData.buffer, xData.byteOffset, xData.byteLength));
      } finally {
        net.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      const sk = c.skeleton;
      const out = await runDriver<{ logits: number[][] }>({
        kind: 'logits', exported: path.join(dir, 'net.py'), weights: path.join(dir, 'weights.bin'), inputs: path.join(dir, 'inputs.bin'),
        shape: [ours.length, ...sk.inputShape], genotype: c.genotype.ops, C: sk.channels, N: sk.cellsPerStage,
        classes: sk.numClasses, in_channels: sk.inputShape[2],
      });
      const { maxDiff, scale } = logitDiff(ours, out.logits);
      console.log(`export-ray-tune ${c.label}: max |logit diff| ${maxDiff.toExponential(2)} (scale ${scale.toFixed(3)})`);
      expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
    }, 300_000);
  });
});
