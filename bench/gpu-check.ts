/**
 * The accel layer's WebGPU kernels against the plain ops on the active backend (tests/e2e/webgpu-fused.test.ts runs
 * it in the benchmark page's worker on Chromium's software adapter): each case computes a loss, its gradients and
 * the BN running statistics twice on identical inputs and weights — with `fused.webgpu` on and off (off: the same
 * engine code takes its plain ops) — and reports the largest difference against the values' scale: the weighted sum,
 * batch norm with and without affine, a whole NB201 candidate and a whole NB201 supernet (fast edges). Also, with
 * the engine's kernels installed: AddN over many tensors against a JavaScript sum, and three supernet weight steps
 * against the cpu backend (both were wrong on webgpu before kernels/webgpu-addn.ts). Tiny shapes.
 * Only tfjs-core and the engine are imported.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedBatchNorm, fusedWeightedSum, withAccelOptions, type AccelOptionsInput } from '../src/engine/accel';
import { batchNorm } from '../src/engine/ops/layers';
import { buildWith } from '../src/engine/ops/training-impl';
import { FAST_TRAINING } from '../src/engine/model/fast-layers';
import { createRng, type Rng } from '../src/engine/util/rng';
import { CANDIDATE_GENOTYPE, createGpuStep } from './gpu-steps';
import { spaceEntry } from '../src/engine/space/table';
import { nb201FromString } from '../src/engine/space/nb201/space';
import { buildNb201Supernet } from '../src/engine/supernet/nb201-supernet';
import { crossEntropy } from '../src/engine/supernet/loss';
import { variableFrom } from '../src/engine/ops/init';

export interface CheckResult {
  readonly name: string;
  /** Values compared (loss, every gradient element, running statistics). */
  readonly count: number;
  readonly maxAbsDiff: number;
  /** max |value| over the plain results. */
  readonly scale: number;
}

const ON: AccelOptionsInput = { fused: { webgpu: true } };
const OFF: AccelOptionsInput = { fused: { webgpu: false } };

function randn(shape: number[], rng: Rng): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, () => rng.normal()), shape);
}

/** Loss + gradients w.r.t. `vars` + `extra` tensors read after the step, as flat arrays. */
async function outputs(vars: tf.Variable[], loss: () => tf.Scalar, extra: () => tf.Tensor[]): Promise<Float32Array[]> {
  const { value, grads } = tf.variableGrads(loss, vars);
  const out = [value, ...vars.map((v) => grads[v.name]), ...extra()];
  const arrays = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([value, ...Object.values(grads)]);
  return arrays;
}

/** Runs `body` under the fused and the plain options from the same state (buffers restored in between). */
async function compare(name: string, buffers: tf.Variable[], body: () => Promise<Float32Array[]>): Promise<CheckResult> {
  const saved = buffers.map((b) => tf.clone(b));
  const fused = await withAccelOptions(ON, body);
  buffers.forEach((b, i) => b.assign(saved[i]));
  const plain = await withAccelOptions(OFF, body);
  tf.dispose(saved);
  let maxAbsDiff = 0;
  let scale = 0;
  let count = 0;
  plain.forEach((p, i) => {
    const f = fused[i];
    if (f.length !== p.length) throw new Error(`${name}: output ${i} has ${f.length} values fused, ${p.length} plain`);
    for (let j = 0; j < p.length; j++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(f[j] - p[j]));
      scale = Math.max(scale, Math.abs(p[j]));
      count++;
    }
  });
  if (!Number.isFinite(maxAbsDiff)) maxAbsDiff = Infinity;
  return { name, count, maxAbsDiff, scale };
}

/** A fixed, non-trivial weighting of the output (so gradients differ per element). */
function weighted(y: tf.Tensor, probe: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, probe));
}

async function weightedSumCase(parts: number): Promise<CheckResult> {
  const rng = createRng(10 + parts);
  const shape = [2, 3, 3, 4];
  const xs = Array.from({ length: parts }, (_, j) => variableFrom(randn(shape, rng), true));
  const row = variableFrom(tf.softmax(randn([parts + 1], rng)), true);
  const probe = randn(shape, rng);
  // Every op but 'none' (index 0) contributes, as a DARTS edge with 8 ops does.
  const idx = xs.map((_, j) => j + 1);
  const r = await compare(`weighted sum of ${parts} parts (value, d parts, d weights)`, [],
    () => outputs([...xs, row], () => weighted(fusedWeightedSum(xs as tf.Tensor[] as tf.Tensor4D[], row as tf.Tensor as tf.Tensor1D, idx), probe), () => []));
  tf.dispose([...xs, row, probe]);
  return r;
}

async function batchNormCase(affine: boolean): Promise<CheckResult> {
  const rng = createRng(affine ? 21 : 20);
  const shape = [2, 4, 4, 8];
  const x = variableFrom(tf.add(tf.mul(randn(shape, rng), 3), 1.5), true);
  const probe = randn(shape, rng);
  // affine: the candidates' BN module built with their fast path; affine-free: the supernets' fusedBatchNorm.
  const bn = buildWith(FAST_TRAINING, () => batchNorm(8, affine));
  const [mean, variance] = bn.buffers;
  // Gamma and beta away from 1 and 0, so their part of the gradient shows.
  for (const p of bn.params) p.assign(tf.tidy(() => tf.add(p, randn(p.shape, rng))));
  const forward = (): tf.Tensor => (affine ? bn.apply(x as tf.Tensor as tf.Tensor4D, true) : fusedBatchNorm(x as tf.Tensor as tf.Tensor4D, mean, variance, true));
  const r = await compare(`batch norm ${affine ? 'with' : 'without'} affine (value, d x${affine ? ', d gamma, d beta' : ''}, running mean and variance)`,
    [...bn.buffers], () => withAccelOptions({ fused: { candidate: true } }, () => outputs([x, ...bn.params], () => weighted(forward(), probe), () => [mean, variance])));
  tf.dispose([x, probe, ...bn.params, ...bn.buffers]);
  return r;
}

/** Inputs and labels of a tiny batch. */
function batch(rng: Rng, n: number, h: number, c: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return { x: randn([n, h, h, c], rng) as tf.Tensor4D, y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32') };
}

/** A whole network's loss, every weight's gradient and the BN running statistics (fused path vs plain ops). */
async function networkCase(name: string, vars: tf.Variable[], buffers: tf.Variable[], loss: () => tf.Scalar): Promise<CheckResult> {
  return compare(name, buffers, () => outputs(vars, loss, () => buffers));
}

async function candidateCase(): Promise<CheckResult> {
  const entry = spaceEntry('nb201');
  const net = entry.buildNetwork(nb201FromString(CANDIDATE_GENOTYPE), entry.runSkeleton({ channels: 4, cellsPerStage: 1 }, [8, 8, 1], 10), createRng(7));
  const { x, y } = batch(createRng(8), 4, 8, 1);
  const r = await withAccelOptions({ fused: { candidate: true } }, () => networkCase(`NB201 candidate (${CANDIDATE_GENOTYPE}, C4 N1, 8x8x1, batch 4): loss, gradients, running statistics`,
    [...net.params], [...net.buffers], () => crossEntropy(net.forward(x, true), y)));
  net.dispose();
  tf.dispose([x, y]);
  return r;
}

async function supernetCase(cells = 1, n = 4): Promise<CheckResult> {
  const net = buildNb201Supernet({ skeleton: { channels: 4, cellsPerStage: cells, inputShape: [8, 8, 3], numClasses: 10 }, fastPath: 'on' }, createRng(4));
  const { x, y } = batch(createRng(5), n, 8, 3);
  const r = await networkCase(`NB201 supernet (fast edges, C4 N${cells}, 8x8x3, batch ${n}, mixture): loss, gradients, running statistics`,
    [...net.weights], [...net.buffers], () => crossEntropy(net.forward(x, { kind: 'mixture' }, true), y));
  net.dispose();
  tf.dispose([x, y]);
  return r;
}

/** AddN of more tensors than one shader may bind (tfjs-backend-webgpu's own kernel wrote garbage), against a JS sum. */
async function addNCase(count: number): Promise<CheckResult> {
  const rng = createRng(30);
  const xs = Array.from({ length: count }, () => randn([3, 5], rng));
  const sum = tf.addN(xs);
  const got = (await sum.data()) as Float32Array;
  const values = await Promise.all(xs.map(async (x) => (await x.data()) as Float32Array));
  let maxAbsDiff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    const want = values.reduce((a, v) => a + v[i], 0);
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - want));
    scale = Math.max(scale, Math.abs(want));
  }
  tf.dispose([...xs, sum]);
  return { name: `addN of ${count} tensors against a JavaScript sum`, count: got.length, maxAbsDiff: Number.isFinite(maxAbsDiff) ? maxAbsDiff : Infinity, scale };
}

/** Three weight steps (gradient clipping, momentum SGD) of the tiny NB201 supernet: this backend against cpu. */
async function supernetStepsCase(): Promise<CheckResult> {
  const losses = async (): Promise<number[]> => {
    const s = createGpuStep({ kind: 'nb201-supernet', variant: 'fused', size: 'tiny' });
    try {
      return [await s.step(), await s.step(), await s.step()];
    } finally {
      s.dispose();
    }
  };
  const backend = tf.getBackend();
  const here = await losses();
  await tf.setBackend('cpu');
  const cpu = await losses().finally(() => tf.setBackend(backend));
  const maxAbsDiff = Math.max(...here.map((v, i) => Math.abs(v - cpu[i])));
  return { name: `NB201 supernet, 3 weight steps (C4 N2, 8x8x3, batch 2): losses ${here.map((v) => v.toFixed(5)).join(' ')} on ${backend}, ${cpu.map((v) => v.toFixed(5)).join(' ')} on cpu`,
    count: 3, maxAbsDiff: Number.isFinite(maxAbsDiff) ? maxAbsDiff : Infinity, scale: Math.max(...cpu.map(Math.abs)) };
}

export async function runGpuChecks(): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const parts of [3, 7]) out.push(await weightedSumCase(parts));
  for (const affine of [false, true]) out.push(await batchNormCase(affine));
  out.push(await candidateCase());
  out.push(await supernetCase(2, 2));
  out.push(await addNCase(20));
  out.push(await supernetStepsCase());
  return out;
}
