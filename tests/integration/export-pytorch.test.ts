/**
 * The PyTorch export (src/engine/export/pytorch.ts) against the engine's own forward pass: for each supported space a
 * tiny network is built from a fixed genotype and seed, its batch-norm running statistics are moved by training-mode
 * forward passes and its vectors (BN gamma/beta, biases) perturbed, then the exported module is run by Debian's
 * python3-torch (/usr/bin/python3) on the same inputs and must give the engine's eval-mode logits.
 * Without python3-torch the comparisons are skipped with a message; the generated source is still byte-compiled.
 */
import { useBackend } from '../helpers/tf-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { encodeWeights, exportPytorch, PYTORCH_EXPORT_SPACES } from '../../src/engine/export/pytorch';
import { buildNetwork, type SpaceId } from '../../src/engine/model/build';
import { caseInput, EXPORT_BATCH, EXPORT_CASES, preparedNetwork, type ExportCase } from '../helpers/export-cases';
import { createRng } from '../../src/engine/util/rng';

const exec = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);
const torchProbe = hasPython ? spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 120_000 }) : null;
const hasTorch = torchProbe !== null && torchProbe.status === 0;
const SKIP_TORCH = `skipped: ${PYTHON} cannot import torch (install it with \`apt-get install -y python3-torch\`)`;
if (!hasTorch) console.warn(`export-pytorch: logit comparisons ${SKIP_TORCH}`);

const itTorch = hasTorch ? it : it.skip;
const itPython = hasPython ? it : it.skip;

const CASES = EXPORT_CASES;
const BATCH = EXPORT_BATCH;

/** Python driver: imports the generated file, loads the weights, runs the NHWC inputs as NCHW, prints JSON logits. */
const DRIVER = `
import importlib.util, json, sys
import numpy as np
import torch
torch.set_num_threads(1)
spec = importlib.util.spec_from_file_location("exported_net", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
net = mod.load(sys.argv[2])
shape = json.loads(sys.argv[4])
x = np.fromfile(sys.argv[3], dtype="<f4").reshape(shape)
with torch.no_grad():
    y = net(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))
print(json.dumps({"logits": y.tolist(), "training": net.training}))
`;

interface Prepared {
  readonly dir: string;
  readonly logits: number[][];
  readonly inputShape: number[];
  readonly manifestNames: string[];
}

let root = '';

async function prepare<S extends SpaceId>(c: ExportCase<S>, index: number): Promise<Prepared> {
  // Non-trivial BN running statistics and perturbed vectors (tests/helpers/export-cases.ts).
  const net = preparedNetwork(c, 1000 + index);
  try {
    const [h, w, ch] = c.skeleton.inputShape;
    const inputShape: [number, number, number, number] = [BATCH, h, w, ch];
    const x = caseInput(c);
    const logits = tf.tidy(() => net.forward(x, false)).arraySync() as number[][];
    const xData = x.dataSync() as Float32Array;
    x.dispose();
    const exported = await exportPytorch(net, c.space, c.genotype, c.skeleton);
    const dir = path.join(root, `${c.space}-${index}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'net.py'), exported.source);
    writeFileSync(path.join(dir, 'weights.bin'), encodeWeights(exported.weights));
    writeFileSync(path.join(dir, 'inputs.bin'), new Uint8Array(xData.buffer, xData.byteOffset, xData.byteLength));
    writeFileSync(path.join(dir, 'driver.py'), DRIVER);
    return { dir, logits, inputShape, manifestNames: exported.weights.manifest.map((m) => m.name) };
  } finally {
    net.dispose();
  }
}

beforeAll(async () => {
  await useBackend('cpu');
  root = mkdtempSync(path.join(tmpdir(), 'export-pytorch-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('PyTorch export', () => {
  it('covers every built-in space', () => {
    expect([...PYTORCH_EXPORT_SPACES].sort()).toEqual(['darts', 'mobile', 'nb201']);
  });

  it('refuses a network built from another genotype', async () => {
    const sk = { channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3] as const, numClasses: 3 };
    const net = buildNetwork('nb201', { ops: ['nor_conv_3x3', 'none', 'none', 'none', 'none', 'none'] }, sk, createRng(1));
    try {
      await expect(exportPytorch(net, 'nb201', { ops: ['nor_conv_1x1', 'none', 'none', 'none', 'none', 'none'] }, sk)).rejects.toThrow(/shape/);
      await expect(exportPytorch(net, 'nb201', { ops: ['none', 'none', 'none', 'none', 'none', 'none'] }, sk)).rejects.toThrow(/params/);
    } finally {
      net.dispose();
    }
  });

  CASES.forEach((c, index) => {
    describe(c.label, () => {
      let prepared: Prepared;
      beforeAll(async () => { prepared = await prepare(c, index); });

      it('names every tensor once', () => {
        expect(new Set(prepared.manifestNames).size).toBe(prepared.manifestNames.length);
      });

      itPython('generates Python that compiles (python3 -m py_compile)', async () => {
        await exec(PYTHON, ['-m', 'py_compile', path.join(prepared.dir, 'net.py')], { timeout: 60_000 });
      });

      itTorch(`gives the engine's logits under python3-torch${hasTorch ? '' : ` (${SKIP_TORCH})`}`, async () => {
        const { stdout } = await exec(PYTHON, [
          path.join(prepared.dir, 'driver.py'), path.join(prepared.dir, 'net.py'), path.join(prepared.dir, 'weights.bin'),
          path.join(prepared.dir, 'inputs.bin'), JSON.stringify(prepared.inputShape),
        ], { timeout: 120_000 });
        const out = JSON.parse(stdout) as { logits: number[][]; training: boolean };
        expect(out.training).toBe(false);
        const ours = prepared.logits;
        expect(out.logits.length).toBe(ours.length);
        const scale = Math.max(1, ...ours.flat().map(Math.abs));
        let maxDiff = 0;
        ours.forEach((row, i) => {
          expect(out.logits[i].length).toBe(row.length);
          row.forEach((v, j) => { maxDiff = Math.max(maxDiff, Math.abs(v - out.logits[i][j])); });
        });
        console.log(`export-pytorch ${c.label}: max |logit diff| ${maxDiff.toExponential(2)} (logit scale ${scale.toFixed(3)})`);
        expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
        // The logits must not be trivially equal (e.g. all zero).
        expect(Math.max(...ours.flat()) - Math.min(...ours.flat())).toBeGreaterThan(1e-3);
      });
    });
  });
});
