/**
 * The supernets' fused fast path (fastPath option; fast-mixed-op.ts) against their plain MixedOps, on the wasm
 * backend with tiny shapes: built from the same seed, a fast and a plain supernet hold the same variables, give the
 * same forward values and weight/alpha/beta gradients in every mode (mixture, operation dropout, PC-DARTS partial
 * channels + edge normalisation, single path), take the same DARTS steps (first and second order: losses, weights,
 * BN running statistics, alphas) and a checkpoint of one loads into the other and gives the same next step. The
 * fast path is really taken ('auto' on wasm: the fused kernels run), not on 'off' or on the cpu backend, and the
 * tensor count stays flat over fast steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantDataset } from '../helpers/synthetic';
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { buildDartsSupernet, type DartsSupernetConfig } from '../../src/engine/supernet/darts-supernet';
import { buildNb201Supernet, type Nb201SupernetConfig } from '../../src/engine/supernet/nb201-supernet';
import { fastPathActive } from '../../src/engine/supernet/fast-mixed-op';
import { checkpointFromJson, checkpointToJson } from '../../src/engine/supernet/state';
import type { Supernet, SupernetMode } from '../../src/engine/supernet/types';
import { DartsSearch, type DartsOptionsInput } from '../../src/engine/oneshot/darts';
import { crossEntropy } from '../../src/engine/supernet/loss';
import { gatherBatch } from '../../src/engine/supernet/batches';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
  const ds = quadrantDataset(32, 8, 7);
  const idx = Array.from({ length: 32 }, (_, i) => i);
  const stats = channelStats(ds, idx);
  train = toTensorSplit(ds, idx.slice(0, 16), stats);
  valid = toTensorSplit(ds, idx.slice(16), stats);
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

type AnyNet = Supernet<unknown>;
type Builder = (fastPath: 'on' | 'off' | 'auto') => AnyNet;

const nb201 = (cfg: Omit<Nb201SupernetConfig, 'skeleton'> = {}): Builder => (fastPath) => buildNb201Supernet({
  skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 4, cellsPerStage: 1 }, ...cfg, fastPath,
}, createRng(11)) as AnyNet;

/** 3 cells: normal, reduction, reduction (stride-2 edges, FactorizedReduce preprocessing). */
const darts = (cfg: Omit<DartsSupernetConfig, 'skeleton'> = {}): Builder => (fastPath) => buildDartsSupernet({
  skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 4, layers: 3, stemMultiplier: 1 }, ...cfg, fastPath,
}, createRng(12)) as AnyNet;

async function values(vars: readonly tfType.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
}

/** max |a - b| / (tol * max(1, |b|)) over all entries must stay below 1. */
function expectClose(a: Float32Array[], b: Float32Array[], tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let worst = 0;
  let where = '';
  a.forEach((x, i) => {
    expect(x.length, `${what} ${i}`).toBe(b[i].length);
    x.forEach((v, j) => {
      const r = Math.abs(v - b[i][j]) / (tol * Math.max(1, Math.abs(b[i][j])));
      if (!(r <= worst)) { worst = r; where = `${what}[${i}][${j}]: ${v} vs ${b[i][j]}`; }
    });
  });
  expect(worst, where).toBeLessThan(1);
}

function allVars(net: AnyNet): tfType.Variable[] {
  return [...net.weights, ...net.buffers, ...net.archParams];
}

/** Kernel names of one forward + backward. */
async function kernelNames(net: AnyNet, mode: SupernetMode): Promise<Set<string>> {
  const b = gatherBatch(train, [0, 1, 2, 3]);
  const saved = net.buffers.map((v) => tf.clone(v));
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(net.forward(b.x, mode, true), b.y), [...net.weights, ...net.archParams]);
    tf.dispose([value, ...Object.values(grads)]);
  });
  net.buffers.forEach((v, i) => v.assign(saved[i]));
  tf.dispose([...saved, b.x, b.y]);
  return new Set(info.kernels.map((k) => k.name));
}

/** Loss and gradients (weights, alphas, betas) of one training-mode forward, then BN statistics. */
async function lossAndGrads(net: AnyNet, mode: SupernetMode): Promise<Float32Array[]> {
  const b = gatherBatch(train, [0, 1, 2, 3, 4, 5, 6, 7]);
  const vars = [...net.weights, ...net.archParams];
  const out = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(net.forward(b.x, mode, true), b.y), vars);
    return [value, ...vars.map((v) => grads[v.name] ?? tf.zerosLike(v))];
  });
  const r = [...await values(out), ...await values(net.buffers)];
  tf.dispose([...out, b.x, b.y]);
  return r;
}

async function compareModes(build: Builder, modes: ((net: AnyNet) => SupernetMode)[]): Promise<void> {
  const fast = build('on');
  const plain = build('off');
  expect(fast.weights.map((v) => v.shape)).toEqual(plain.weights.map((v) => v.shape));
  expect(fast.buffers.map((v) => v.shape)).toEqual(plain.buffers.map((v) => v.shape));
  expectClose(await values(allVars(fast)), await values(allVars(plain)), 1e-7, 'initial variables');
  for (const [i, mode] of modes.entries()) {
    const mf = mode(fast);
    const mp = mode(plain);
    expectClose(await lossAndGrads(fast, mf), await lossAndGrads(plain, mp), 2e-4, `mode ${i}`);
    // Inference with the (updated) running statistics too.
    const b = gatherBatch(valid, [0, 1, 2, 3]);
    const [yf, yp] = [tf.tidy(() => fast.forward(b.x, mf, false)), tf.tidy(() => plain.forward(b.x, mp, false))];
    expectClose(await values([yf]), await values([yp]), 2e-4, `mode ${i} inference`);
    tf.dispose([yf, yp, b.x, b.y]);
  }
  fast.dispose();
  plain.dispose();
}

const mixture: (net: AnyNet) => SupernetMode = () => ({ kind: 'mixture' });
const dropout = (seed: number) => (net: AnyNet): SupernetMode => ({ kind: 'mixture', drop: net.sampleDropMask(0.4, createRng(seed)) });
const randomPath = (seed: number) => (net: AnyNet): SupernetMode => {
  const rng = createRng(seed);
  return { kind: 'path', path: net.alphas.map((a) => a.variable.shape[0]).map((edges) => Array.from({ length: edges }, () => rng.int(net.ops.length))) };
};

describe('fast vs plain supernet: forward values, gradients, BN statistics', () => {
  it('NB201: mixture, operation dropout, single path', async () => {
    await compareModes(nb201(), [mixture, dropout(3), randomPath(4), randomPath(5)]);
  });
  it('NB201 PC-DARTS (K=2, edge normalisation)', async () => {
    await compareModes(nb201({ partialChannels: 2, edgeNormalization: true }), [mixture, dropout(6), randomPath(7)]);
  });
  it('DARTS with reduction cells (stride-2 edges): mixture, operation dropout, single path', async () => {
    await compareModes(darts(), [mixture, dropout(8), randomPath(9)]);
  });
  it('DARTS PC-DARTS (K=2, edge normalisation) and affine BN (plain modules inside fast edges)', async () => {
    await compareModes(darts({ partialChannels: 2, edgeNormalization: true }), [mixture, randomPath(10)]);
    await compareModes(darts({ affine: true, ops: ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_5x5'] }), [mixture]);
  });
});

async function snapshot(net: AnyNet): Promise<Float32Array[]> {
  return values(allVars(net));
}

async function searchCheck(build: Builder, options: DartsOptionsInput): Promise<void> {
  const make = (fp: 'on' | 'off') => new DartsSearch(build(fp), { train, valid }, options);
  const fast = make('on');
  const plain = make('off');
  for (let i = 0; i < 3; i++) {
    const [rf, rp] = [await fast.step(), await plain.step()];
    expect(Math.abs(rf.trainLoss - rp.trainLoss), `step ${i} train loss`).toBeLessThan(1e-4);
    expect(Math.abs(rf.validLoss - rp.validLoss), `step ${i} valid loss`).toBeLessThan(1e-4);
  }
  expectClose(await snapshot(fast.supernet), await snapshot(plain.supernet), 1e-4, 'after 3 steps');
  // Checkpoints cross over: fast -> plain and plain -> fast give the step the saver takes next.
  const fromFast = JSON.stringify(checkpointToJson(await fast.stateDict()));
  const fromPlain = JSON.stringify(checkpointToJson(await plain.stateDict()));
  const plain2 = make('off');
  plain2.loadStateDict(checkpointFromJson(JSON.parse(fromFast)));
  const fast2 = make('on');
  fast2.loadStateDict(checkpointFromJson(JSON.parse(fromPlain)));
  const [nf, np, nf2, np2] = [await fast.step(), await plain.step(), await fast2.step(), await plain2.step()];
  expect(Math.abs(np2.trainLoss - nf.trainLoss)).toBeLessThan(1e-5);
  expect(Math.abs(nf2.trainLoss - np.trainLoss)).toBeLessThan(1e-5);
  expectClose(await snapshot(plain2.supernet), await snapshot(fast.supernet), 2e-5, 'plain loaded from fast');
  expectClose(await snapshot(fast2.supernet), await snapshot(plain.supernet), 2e-5, 'fast loaded from plain');
  for (const s of [fast, plain, fast2, plain2]) { s.dispose(); s.supernet.dispose(); }
}

describe('fast vs plain supernet: DARTS search steps and checkpoints', () => {
  const base: DartsOptionsInput = { epochs: 2, batchSize: 8 };
  it('NB201, first order', async () => {
    await searchCheck(nb201(), { ...base, order: 'first' });
  });
  it('NB201, second order, operation dropout + entropy', async () => {
    await searchCheck(nb201(), { ...base, order: 'second', antiCollapse: { opDropout: 0.3, entropyWeight: 0.1 } });
  });
  it('DARTS space with reductions, second order', async () => {
    await searchCheck(darts({ ops: ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3'] }), { ...base, order: 'second' });
  });
  it('DARTS space PC-DARTS, first order', async () => {
    await searchCheck(darts({ partialChannels: 2, edgeNormalization: true }), { ...base, order: 'first' });
  });
});

describe('fast path selection', () => {
  it("'auto' runs the fused kernels on wasm; 'off' and the cpu backend do not", async () => {
    const auto = darts()('auto');
    const off = darts()('off');
    expect(fastPathActive('auto')).toBe(true);
    const autoKernels = await kernelNames(auto, mixture(auto));
    expect(autoKernels.has('NasWeightedSum')).toBe(true);
    expect(autoKernels.has('NasConvStage')).toBe(true);
    expect((await kernelNames(auto, randomPath(1)(auto))).has('NasBnTrain')).toBe(true);
    const offKernels = await kernelNames(off, mixture(off));
    expect([...offKernels].some((k) => k.startsWith('Nas'))).toBe(false);
    await tf.setBackend('cpu');
    try {
      expect(fastPathActive('auto')).toBe(false);
      expect(fastPathActive('on')).toBe(true);
      expect([...(await kernelNames(auto, mixture(auto)))].some((k) => k.startsWith('Nas'))).toBe(false);
    } finally {
      await tf.setBackend('wasm');
    }
    auto.dispose();
    off.dispose();
    expect(() => buildNb201Supernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2 }, fastPath: 'yes' as 'on' }, createRng(1)))
      .toThrow(/fastPath must be 'auto', 'on' or 'off'/);
  });

  it('tensor count stays flat over fast DARTS steps', async () => {
    const s = new DartsSearch(darts({ partialChannels: 2, edgeNormalization: true })('on'), { train, valid }, { epochs: 3, batchSize: 8, order: 'second', antiCollapse: { opDropout: 0.2 } });
    await s.step();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await s.step();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    s.dispose();
    s.supernet.dispose();
  });
});
