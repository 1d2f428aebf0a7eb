/**
 * The engine's conv + bias + ReLU layer (bench/ops/conv-bias-relu.ts) against relu(conv2d + bias) composed of
 * plain tfjs ops on the CPU backend: the output and the gradients of x, filter and bias, on WASM (where the fused
 * kernels run: seen in tf.profile) and on CPU (composed ops), including a bias sum over several chunks of rows and a
 * channel count the SIMD kernels do not take. The kernels and their gradient are the benchmark's own (registered when
 * the op is imported), not the engine's: install() / uninstall() leave them alone.
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { lcgValues } from '../helpers/synthetic';
import { conv2dBiasRelu } from '../../bench/ops/conv-bias-relu';
import { ENGINE_CONV_BIAS_RELU, ENGINE_RELU_GRAD_BIAS_SUM, convBiasReluGradConfig } from '../../bench/ops/conv-bias-relu-kernels';
import { install, trainingKernelManifest, uninstall } from '../../src/engine/accel';
import { columnSumChunkRows } from '../../src/engine/accel/kernels/wasm-reduce';

type Tf = Awaited<ReturnType<typeof useBackend>>;
interface Case { name: string; x: [number, number, number, number]; w: [number, number, number, number]; s: number; pad: 'valid' | 'same' }
const CASES: Case[] = [
  { name: 'cin 8 -> 16, 3x3 s1 valid (Winograd conv)', x: [4, 10, 9, 8], w: [3, 3, 8, 16], s: 1, pad: 'valid' },
  { name: 'cin 1 -> 16, 3x3 s1 valid (the small CNN\'s first layer)', x: [3, 9, 8, 1], w: [3, 3, 1, 16], s: 1, pad: 'valid' },
  { name: 'cin 4 -> 8, 3x3 s2 same', x: [2, 8, 8, 4], w: [3, 3, 4, 8], s: 2, pad: 'same' },
  { name: 'cin 4 -> 4 on 26x26: the bias sum over 3 chunks of rows', x: [8, 26, 26, 4], w: [3, 3, 4, 4], s: 1, pad: 'valid' },
  { name: 'cin 8 -> 6 (not a multiple of 4: composed ops)', x: [2, 6, 6, 8], w: [1, 1, 8, 6], s: 1, pad: 'valid' },
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** y and d/d(x, w, b) of sum(y * r) for a fixed random r, by the engine's layer or by plain tfjs ops. */
async function run(tf: Tf, c: Case, fused: boolean): Promise<{ out: Float32Array[]; kernels: string[] }> {
  const x = tf.tensor4d(lcgValues(size(c.x), 71), c.x);
  const w = tf.tensor4d(lcgValues(size(c.w), 72, 0.5), c.w);
  const b = tf.tensor1d(lcgValues(c.w[3], 73, 0.3));
  const layer = (xi: Tensor, wi: Tensor, bi: Tensor) => (fused
    ? conv2dBiasRelu(xi as Tensor4D, wi as Tensor4D, bi as Tensor1D, c.s, c.pad)
    : tf.relu(tf.add(tf.conv2d(xi as Tensor4D, wi as Tensor4D, c.s, c.pad), bi)));
  const yShape = tf.tidy(() => layer(x, w, b).shape);
  const r = tf.tensor(lcgValues(size(yShape), 74), yShape);
  const once = (): Float32Array[] => {
    const y = tf.tidy(() => layer(x, w, b));
    const grads = tf.grads((xi: Tensor, wi: Tensor, bi: Tensor) => tf.sum(tf.mul(layer(xi, wi, bi), r)))([x, w, b]);
    const values = [y, ...grads].map((t) => t.dataSync() as Float32Array);
    tf.dispose([y, ...grads]);
    return values;
  };
  const before = tf.memory().numTensors;
  const out = once();
  expect(tf.memory().numTensors, 'no tensor left behind').toBe(before);
  const info = await tf.profile(() => { once(); });
  tf.dispose([x, w, b, r]);
  return { out, kernels: info.kernels.map((k) => k.name) };
}

function expectClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const scale = Math.max(1e-3, ...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale, `${label}: max error / max |reference|`).toBeLessThan(2e-5);
}

describe('conv + bias + ReLU layer', () => {
  it('registers its kernels and gradient itself, outside the engine\'s install()', async () => {
    const tf = await useBackend('wasm');
    expect(trainingKernelManifest().gradients).not.toContain(ENGINE_CONV_BIAS_RELU);
    for (const step of [uninstall, install]) {
      step();
      expect(tf.getKernel(ENGINE_CONV_BIAS_RELU, 'wasm'), step.name).toBeDefined();
      expect(tf.getKernel(ENGINE_RELU_GRAD_BIAS_SUM, 'wasm'), step.name).toBeDefined();
      expect(tf.getGradient(ENGINE_CONV_BIAS_RELU), step.name).toBe(convBiasReluGradConfig);
    }
  });

  it('chunks the bias sum by about 32 KiB of rows', () => {
    expect(columnSumChunkRows(4)).toBe(2048);
    expect(columnSumChunkRows(32)).toBe(256);
    expect(columnSumChunkRows(16384)).toBe(1);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: output and gradients equal plain tfjs ops (wasm kernels, cpu ops)', async (_n, c) => {
    let tf = await useBackend('cpu', { trainingKernels: true });
    const ref = await run(tf, c, false);
    const onCpu = await run(tf, c, true);
    ['y', 'dx', 'dw', 'db'].forEach((name, i) => expectClose(onCpu.out[i], ref.out[i], `cpu ${name}`));
    tf = await useBackend('wasm', { trainingKernels: true });
    const ours = await run(tf, c, true);
    const fusedKernels = c.w[3] % 4 === 0;
    expect(ours.kernels.includes(ENGINE_CONV_BIAS_RELU), 'forward kernel ran').toBe(fusedKernels);
    expect(ours.kernels.includes(ENGINE_RELU_GRAD_BIAS_SUM), 'gradient kernel ran').toBe(fusedKernels);
    ['y', 'dx', 'dw', 'db'].forEach((name, i) => expectClose(ours.out[i], ref.out[i], `wasm ${name}`));
  });

  it('wasm: a first layer (gradients of filter and bias only) never computes the input gradient', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    const x = tf.tensor4d(lcgValues(2 * 10 * 10 * 8, 81), [2, 10, 10, 8]);
    const w = tf.variable(tf.tensor4d(lcgValues(3 * 3 * 8 * 8, 82, 0.5), [3, 3, 8, 8]));
    const b = tf.variable(tf.tensor1d(lcgValues(8, 83, 0.3)));
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(conv2dBiasRelu(x, w as unknown as Tensor4D, b as unknown as Tensor1D, 1, 'valid')), [w, b]);
      expect(Object.keys(grads).sort()).toEqual([b.name, w.name].sort());
      tf.dispose([value, ...Object.values(grads)]);
    });
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain(ENGINE_RELU_GRAD_BIAS_SUM);
    expect(names).toContain('Conv2DBackpropFilter');
    expect(names).not.toContain('Conv2DBackpropInput');
    tf.dispose([x, w, b]);
  });
});
