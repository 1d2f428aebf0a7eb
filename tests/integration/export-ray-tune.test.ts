/**
 * The generated Ray Tune job (src/engine/export/ray-tune.ts) for each space (NB201, DARTS, mobile). Ray cannot be
 * installed here, so: each script is byte-compiled (python3 -m py_compile) and imported without Ray; with Debian's
 * python3-torch, its trainable runs on a tiny IDX set (gzip images, plain labels) with a collecting `report`
 * (NB201 for 2 epochs and must learn; DARTS and mobile 1 epoch), its choices are the engine space's and decode
 * (`genotype_from_config`) to the engine's genotypes of seeded samples, `build_net` has the engine's parameter count
 * (the cost counter and a built network's countParams), and `build_net` loaded with the per-genotype PyTorch export's
 * weights (pytorch.ts, same layer order) gives the engine's eval-mode logits on every export case, so the
 * genotype-parameterised network has the engine's op semantics. The CLI (scripts/ray-tune-job.ts) writes it for any
 * space. Without torch those parts are skipped with a message.
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
import {
  configKey, exportRayTuneJob, RAY_TUNE_JOB_SPACES, rayTuneChoiceKeys, type RayTuneJobRequest,
} from '../../src/engine/export/ray-tune';
import { encodeWeights, exportPytorch } from '../../src/engine/export/pytorch';
import { parseDartsConfig, parseMobileConfig, parseNb201Config, type SpaceConfig } from '../../src/shared/space-config';
import { spaceEntry, type SpaceId } from '../../src/engine/space/table';
import { createRng } from '../../src/engine/util/rng';
import { idxPairBytes } from '../helpers/dataset-files';
import { caseInput, EXPORT_CASES, logitDiff, preparedNetwork } from '../helpers/export-cases';

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

const RECIPE = { epochs: 2, batchSize: 16, lr: 0.05, weightDecay: 5e-4 };

/** One job per space: a small space config, a tiny skeleton, and the epochs its trainable runs here. */
interface JobCase {
  readonly space: SpaceId;
  readonly spaceConfig: SpaceConfig;
  /** The space's skeleton settings (no inputShape / numClasses: the data gives them). */
  readonly skeleton: Readonly<Record<string, number>>;
  readonly epochs: number;
}
const JOBS: readonly JobCase[] = [
  { space: 'nb201', spaceConfig: parseNb201Config({}), skeleton: { channels: 4, cellsPerStage: 1 }, epochs: 2 },
  { space: 'darts', spaceConfig: parseDartsConfig({}), skeleton: { channels: 4, layers: 3, stemMultiplier: 1 }, epochs: 1 },
  {
    space: 'mobile',
    spaceConfig: parseMobileConfig({ stages: 2, strides: [1, 2], expansions: [3], widths: [4, 8], depths: [1, 2] }),
    skeleton: { stemChannels: 4, stemStride: 2, headMultiplier: 2, seReduction: 2 },
    epochs: 1,
  },
];
const NB201_JOB = JOBS[0];
const request = (job: JobCase): RayTuneJobRequest => ({
  spaceConfig: job.spaceConfig, skeleton: job.skeleton, recipe: { ...RECIPE, epochs: job.epochs }, datasetFormat: 'idx', seed: 3,
});
const REQUEST = request(NB201_JOB);
/** build_net's keyword arguments for a skeleton (snake_case fields, without inputShape / numClasses). */
const pyKwargs = (sk: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(sk).filter(([k]) => k !== 'inputShape' && k !== 'numClasses').map(([k, v]) => [configKey(k), v]));

/** A trial config choosing genotype g (the engine space's choice options at g's indices). */
function configOf(job: JobCase, g: unknown): Record<string, string> {
  const space = spaceEntry(job.space).open(job.spaceConfig);
  const keys = rayTuneChoiceKeys(job.spaceConfig);
  return Object.fromEntries(space.toIndices(g).map((i, c) => [keys[c], space.choices[c].options[i]]));
}

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
    print(json.dumps({"choice_keys": job.CHOICE_KEYS, "choices": job.CHOICES, "skeleton": job.SKELETON, "epochs": job.EPOCHS, "ray": "ray" in sys.modules}))
    sys.exit(0)
import torch
torch.set_num_threads(1)
if cmd["kind"] == "train":
    reports = []
    job.trainable(dict(cmd["config"]), report=reports.append)
    print(json.dumps({"reports": reports, "ray": "ray" in sys.modules}))
elif cmd["kind"] == "genotypes":
    out = []
    for cfg in cmd["configs"]:
        g = job.genotype_from_config(cfg)
        out.append({"genotype": g, "params": job.count_params(job.build_net(g, cmd["classes"], cmd["in_channels"], **cmd["skeleton"]))})
    print(json.dumps(out))
elif cmd["kind"] == "logits":
    espec = importlib.util.spec_from_file_location("exported", cmd["exported"])
    exp = importlib.util.module_from_spec(espec)
    espec.loader.exec_module(exp)
    state = exp.read_weights(cmd["weights"])
    ref = [(k, v) for k, v in exp.Net().state_dict().items() if not k.endswith("num_batches_tracked")]
    net = job.build_net(cmd["genotype"], cmd["classes"], cmd["in_channels"], **cmd["skeleton"])
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
let driver = '';
const scriptOf = (space: SpaceId): string => path.join(root, `nas_tune_${space}.py`);

async function runDriverLines(space: SpaceId, cmd: object): Promise<string[]> {
  const { stdout } = await exec(PYTHON, [driver, scriptOf(space), JSON.stringify(cmd)], { timeout: 240_000 });
  return stdout.trim().split('\n');
}

async function runDriver<T>(space: SpaceId, cmd: object): Promise<T> {
  return JSON.parse((await runDriverLines(space, cmd)).pop() ?? '') as T;
}

/** A tiny IDX set (gzip images, plain labels) of 8x8 one-channel images; returns its folder and class count. */
function writeTinyIdx(): { dir: string; classes: number } {
  const dir = path.join(root, 'data');
  mkdirSync(dir, { recursive: true });
  const { images, labels } = idxPairBytes(64, 8, 5);
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labels);
  return { dir, classes: Math.max(...labels.subarray(8)) + 1 };
}

beforeAll(async () => {
  await useBackend('cpu');
  root = mkdtempSync(path.join(tmpdir(), 'export-ray-tune-'));
  driver = path.join(root, 'driver.py');
  for (const job of JOBS) writeFileSync(scriptOf(job.space), exportRayTuneJob(request(job)));
  writeFileSync(driver, DRIVER);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('Ray Tune job export', () => {
  it('covers every built-in space', () => {
    expect([...RAY_TUNE_JOB_SPACES].sort()).toEqual(['darts', 'mobile', 'nb201']);
  });

  it('refuses requests it cannot generate, with a specific message', () => {
    expect(() => exportRayTuneJob({ ...REQUEST, recipe: { ...REQUEST.recipe, epochs: 0 } })).toThrow(/recipe\.epochs must be a positive integer/);
    expect(() => exportRayTuneJob({ ...REQUEST, recipe: { ...REQUEST.recipe, lr: -1 } })).toThrow(/recipe\.lr/);
    expect(() => exportRayTuneJob({ ...REQUEST, spaceConfig: { space: 'nb201', ops: [] } })).toThrow(/ops: must list at least one NB201 op/);
    expect(() => exportRayTuneJob({ ...request(JOBS[1]), skeleton: { channels: 3 } })).toThrow(/channels: must be even/);
    expect(() => exportRayTuneJob({ ...request(JOBS[2]), skeleton: { cellsPerStage: 2 } })).toThrow(/the mobile skeleton has no setting "cellsPerStage" \(settings: stemChannels, stemStride, headMultiplier, seReduction\)/);
    expect(() => exportRayTuneJob({ ...REQUEST, skeleton: { inputShape: [8, 8, 1] } })).toThrow(/skeleton\.inputShape is read from the data/);
  });

  it('puts the space config, the ASHA scheduler and the flags in the script', () => {
    const src = exportRayTuneJob({ ...REQUEST, spaceConfig: parseNb201Config({ ops: ['nor_conv_3x3', 'skip_connect'] }) });
    expect(src).toContain('"edge_0_1": ["skip_connect", "nor_conv_3x3"],');
    expect(src).toContain('tune.choice(CHOICES[key])');
    expect(src).toMatch(/ASHAScheduler\(metric="valid_acc", mode="max", max_t=EPOCHS, grace_period=1\)/);
    for (const flag of ['--data-path', '--num-samples', '--address']) expect(src).toContain(`"${flag}"`);
    const mobile = exportRayTuneJob({ ...request(JOBS[2]), spaceConfig: parseMobileConfig({ stages: 2, strides: [2, 1], blocks: ['mb'], expansions: [4, 6], widths: [8] }) });
    expect(mobile).toContain('"stage_1_block": ["mb4", "mb6"],');
    expect(mobile).toContain('"stage_2_width": ["8"],');
    expect(mobile).toContain('STRIDES = [2, 1]');
    const darts = exportRayTuneJob({ ...request(JOBS[1]), spaceConfig: parseDartsConfig({ ops: ['none', 'skip_connect', 'sep_conv_3x3'] }) });
    expect(darts).toContain('"normal_node_2_op_1": ["skip_connect", "sep_conv_3x3"],'); // derived genotypes never hold none
    expect(darts).toContain('"reduce_node_3_inputs": ["0,1", "0,2", "1,0", "1,2", "2,0", "2,1"],');
    expect(darts).toContain('SKELETON = {"channels": 4, "layers": 3, "stem_multiplier": 1}');
  });

  it('the CLI writes the job for each space and refuses a bad op, number or skeleton (scripts/ray-tune-job.ts)', async () => {
    const cli = [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/ray-tune-job.ts'];
    const out = path.join(root, 'cli_tune.py');
    await exec(process.execPath, [...cli, '--out', out, '--ops', 'nor_conv_3x3,none', '--epochs', '4'], { cwd: ROOT, timeout: 120_000 });
    let src = readFileSync(out, 'utf8');
    expect(src).toContain('"edge_2_3": ["none", "nor_conv_3x3"],');
    expect(src).toContain('EPOCHS = 4');
    expect(src).toContain('SKELETON = {"channels": 16, "cells_per_stage": 5}');
    await exec(process.execPath, [...cli, '--out', out, '--space', 'darts', '--ops', 'skip_connect,dil_conv_3x3', '--channels', '8', '--cells', '6'], { cwd: ROOT, timeout: 120_000 });
    src = readFileSync(out, 'utf8');
    expect(src).toContain('SPACE = "darts"');
    expect(src).toContain('"normal_node_5_op_2": ["skip_connect", "dil_conv_3x3"],');
    expect(src).toContain('SKELETON = {"channels": 8, "layers": 6, "stem_multiplier": 3}');
    if (hasPython) await exec(PYTHON, ['-m', 'py_compile', out], { timeout: 60_000 });
    // A run config gives the space and C (examples/mobile-train-random.json: 3 stages, widths 8/16, C = 8).
    await exec(process.execPath, [...cli, '--out', out, '--config', 'examples/mobile-train-random.json', '--skeleton', '{"headMultiplier": 2}'], { cwd: ROOT, timeout: 120_000 });
    src = readFileSync(out, 'utf8');
    expect(src).toContain('SPACE = "mobile"');
    expect(src).toContain('"stage_3_width": ["8", "16"],');
    expect(src).toContain('SKELETON = {"stem_channels": 8, "stem_stride": 2, "head_multiplier": 2, "se_reduction": 4}');
    const spaceFile = path.join(root, 'space.json');
    writeFileSync(spaceFile, JSON.stringify({ space: 'mobile', stages: 1, strides: [2], blocks: ['ds'], widths: [12] }));
    await exec(process.execPath, [...cli, '--out', out, '--space-config', spaceFile], { cwd: ROOT, timeout: 120_000 });
    expect(readFileSync(out, 'utf8')).toContain('"stage_1_block": ["ds"],');
    const fail = (args: string[]) => spawnSync(process.execPath, [...cli, '--out', out, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const bad = fail(['--ops', 'conv9']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/"conv9" is not a valid NB201 op/);
    const badNum = fail(['--lr', 'fast']);
    expect(badNum.status).toBe(2);
    expect(badNum.stderr).toMatch(/--lr must be a number, got "fast"/);
    const badSkeleton = fail(['--space', 'darts', '--skeleton', '{"stemChannels": 4}']);
    expect(badSkeleton.status).toBe(2);
    expect(badSkeleton.stderr).toMatch(/the darts skeleton has no setting "stemChannels"/);
    const badSpace = fail(['--space', 'resnet']);
    expect(badSpace.status).toBe(2);
    expect(badSpace.stderr).toMatch(/space: must be one of nb201, darts, mobile; got "resnet"/);
  }, 600_000);

  JOBS.forEach((job) => {
    describe(job.space, () => {
      itPython('generates Python that compiles (python3 -m py_compile)', async () => {
        await exec(PYTHON, ['-m', 'py_compile', scriptOf(job.space)], { timeout: 60_000 });
      });

      itTorch(`imports without Ray and runs the trainable on a tiny IDX set${hasTorch ? '' : ` (${SKIP_TORCH})`}`, async () => {
        const lines = await runDriverLines(job.space, { kind: 'import' });
        expect(JSON.parse(lines[0])).toEqual({ valid_acc: 0.5, epoch: 1 }); // without Ray, default_report prints JSON
        const info = JSON.parse(lines[1]) as { choice_keys: string[]; choices: Record<string, string[]>; skeleton: object; epochs: number; ray: boolean };
        const space = spaceEntry(job.space).open(job.spaceConfig);
        expect(info.choice_keys).toEqual(rayTuneChoiceKeys(job.spaceConfig));
        expect(info.choice_keys.map((k) => info.choices[k])).toEqual(space.choices.map((c) => c.options)); // the engine's choices
        expect(info.skeleton).toEqual(pyKwargs(job.skeleton));
        expect(info.ray).toBe(false);
        expect(info.epochs).toBe(job.epochs);
        const data = writeTinyIdx();
        const genotype: unknown = job.space === NB201_JOB.space
          ? { ops: ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'nor_conv_3x3'] }
          : space.sample(createRng(11));
        const config = { ...configOf(job, genotype), data_path: data.dir, valid_fraction: 0.25 };
        const out = await runDriver<{ reports: { valid_acc: number; train_loss: number; epoch: number; params: number }[]; ray: boolean }>(job.space, { kind: 'train', config });
        console.log(`export-ray-tune ${job.space}: trainable reports ${JSON.stringify(out.reports)}`);
        expect(out.ray).toBe(false);
        expect(out.reports.map((r) => r.epoch)).toEqual(Array.from({ length: job.epochs }, (_, i) => i + 1));
        for (const r of out.reports) {
          expect(r.valid_acc).toBeGreaterThanOrEqual(0);
          expect(r.valid_acc).toBeLessThanOrEqual(1);
          expect(Number.isFinite(r.train_loss)).toBe(true);
        }
        if (job.epochs > 1) expect(out.reports[1].train_loss).toBeLessThan(out.reports[0].train_loss); // seeded, single-threaded: it learns
        const sk = { ...job.skeleton, inputShape: [8, 8, 1], numClasses: data.classes };
        expect(out.reports[0].params).toBe(spaceEntry(job.space).cost(genotype, sk).params);
      }, 300_000);

      itTorch(`decodes trial configs to the engine's genotypes, built with the engine's parameter count${hasTorch ? '' : ` (${SKIP_TORCH})`}`, async () => {
        const entry = spaceEntry(job.space);
        const space = entry.open(job.spaceConfig);
        const rng = createRng(21);
        const genotypes = Array.from({ length: 4 }, () => space.sample(rng));
        const sk = { ...job.skeleton, inputShape: [8, 8, 3], numClasses: 7 };
        const out = await runDriver<{ genotype: unknown; params: number }[]>(job.space, {
          kind: 'genotypes', configs: genotypes.map((g) => configOf(job, g)), classes: 7, in_channels: 3, skeleton: pyKwargs(job.skeleton),
        });
        expect(out.map((o) => o.genotype)).toEqual(genotypes);
        expect(out.map((o) => o.params)).toEqual(genotypes.map((g) => entry.cost(g, sk).params));
        const net = entry.buildNetwork(genotypes[0], sk, createRng(1));
        try {
          expect(out[0].params).toBe(net.countParams());
        } finally {
          net.dispose();
        }
      }, 300_000);

      EXPORT_CASES.filter((c) => c.space === job.space).forEach((c, index) => {
        itTorch(`build_net with the exported weights gives the engine's logits: ${c.label}${hasTorch ? '' : ` (${SKIP_TORCH})`}`, async () => {
          const before = tf.memory().numTensors;
          const net = preparedNetwork(c, 2000 + index);
          const dir = path.join(root, `logits-${job.space}-${index}`);
          mkdirSync(dir, { recursive: true });
          let ours: number[][];
          try {
            const x = caseInput(c);
            const y = tf.tidy(() => net.forward(x, false));
            ours = y.arraySync() as number[][];
            y.dispose();
            const xData = x.dataSync() as Float32Array;
            x.dispose();
            const exported = await exportPytorch(net, c.space, c.genotype, c.skeleton);
            writeFileSync(path.join(dir, 'net.py'), exported.source);
            writeFileSync(path.join(dir, 'weights.bin'), encodeWeights(exported.weights));
            writeFileSync(path.join(dir, 'inputs.bin'), new Uint8Array(xData.buffer, xData.byteOffset, xData.byteLength));
          } finally {
            net.dispose();
          }
          expect(tf.memory().numTensors).toBe(before);
          const sk = c.skeleton;
          const out = await runDriver<{ logits: number[][] }>(job.space, {
            kind: 'logits', exported: path.join(dir, 'net.py'), weights: path.join(dir, 'weights.bin'), inputs: path.join(dir, 'inputs.bin'),
            shape: [ours.length, ...sk.inputShape], genotype: c.genotype, classes: sk.numClasses, in_channels: sk.inputShape[2],
            skeleton: pyKwargs(sk),
          });
          const { maxDiff, scale } = logitDiff(ours, out.logits);
          console.log(`export-ray-tune ${c.label}: max |logit diff| ${maxDiff.toExponential(2)} (scale ${scale.toFixed(3)})`);
          expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
        }, 300_000);
      });
    });
  });
});
