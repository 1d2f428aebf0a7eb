/**
 * End-to-end use of the custom training kernels: tf.fused.conv2d with bias trains on WASM with the same gradients
 * as the CPU backend; a small conv -> relu -> maxPool -> conv -> avgPool -> dense net trained with
 * tf.train.sgd().minimize gives the same loss trajectory on WASM and CPU; tf.memory().numTensors stays flat
 * over 50 steps; and every custom kernel passes the engine's per-kernel internal-leak check (IS_TEST).
 * (IS_TEST is not left on for the training run: tfjs's own fused-conv customGrad trips it on WASM, because WASM's
 * Identity copies the tensors the forward saves — a false positive that happens without our kernels too.)
 */
import { describe, expect, it } from 'vitest';
// tfjs-core must load before the ESM gradient registrations (see kernels-torch.test.ts).
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { lcgValues } from '../helpers/synthetic';
import type { Tensor, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import { install, uninstall } from '../../src/engine/accel';

type Tf = Awaited<ReturnType<typeof useBackend>>;

const values = (n: number, seed: number, amp = 1) => lcgValues(n, seed, amp);

const BATCH = 8;
const CLASSES = 4;

interface Net { vars: Variable[]; loss: (x: Tensor4D, y: Tensor2D) => Tensor }

/** conv3x3(4, same)+relu -> maxPool 3x3 s1 same -> conv3x3(8, s2, same, fused bias+relu) -> avgPool 3x3 s1 same -> dense. */
function buildNet(tf: Tf): Net {
  const v = (shape: number[], seed: number, amp: number) =>
    tf.tidy(() => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b), seed, amp), shape)));
  const w1 = v([3, 3, 1, 4], 11, 0.5);
  const w2 = v([3, 3, 4, 8], 12, 0.3);
  const b2 = v([8], 13, 0.1);
  const wd = v([4 * 4 * 8, CLASSES], 14, 0.2);
  const bd = v([CLASSES], 15, 0.1);
  const loss = (x: Tensor4D, y: Tensor2D) => {
    const h1 = tf.relu(tf.conv2d(x, w1 as unknown as Tensor4D, 1, 'same'));
    const p1 = tf.maxPool(h1, 3, 1, 'same');
    const h2 = tf.fused.conv2d({ x: p1, filter: w2 as unknown as Tensor4D, strides: 2, pad: 'same', bias: b2, activation: 'relu' });
    const p2 = tf.avgPool(h2, 3, 1, 'same');
    const logits = tf.add(tf.matMul(tf.reshape(p2, [BATCH, -1]), wd as unknown as Tensor2D), bd);
    return tf.losses.softmaxCrossEntropy(y, logits);
  };
  return { vars: [w1, w2, b2, wd, bd], loss };
}

function data(tf: Tf): { x: Tensor4D; y: Tensor2D } {
  const x = tf.tensor4d(values(BATCH * 8 * 8, 21), [BATCH, 8, 8, 1]);
  const labels = Array.from({ length: BATCH }, (_, i) => (i * 3) % CLASSES);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), 'float32')) as Tensor2D;
  return { x, y };
}

async function trajectory(backend: 'wasm' | 'cpu', steps: number): Promise<{ losses: number[]; tensorCounts: number[] }> {
  const tf = await useBackend(backend);
  install();
  const { x, y } = data(tf);
  const net = buildNet(tf);
  const opt = tf.train.sgd(0.3);
  const losses: number[] = [];
  const tensorCounts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const cost = opt.minimize(() => net.loss(x, y) as unknown as import('@tensorflow/tfjs-core').Scalar, true, net.vars);
    losses.push((await cost!.data())[0]);
    cost!.dispose();
    tensorCounts.push(tf.memory().numTensors);
  }
  opt.dispose();
  tf.dispose([x, y, ...net.vars]);
  return { losses, tensorCounts };
}

describe('fused conv2d with bias', () => {
  it('has the same gradients on WASM (custom kernels) as on the CPU backend (tfjs kernels)', async () => {
    const run = async (backend: 'wasm' | 'cpu') => {
      const tf = await useBackend(backend);
      if (backend === 'wasm') install();
      return tf.tidy(() => {
        const x = tf.tensor4d(values(2 * 6 * 6 * 3, 1), [2, 6, 6, 3]);
        const w = tf.tensor4d(values(3 * 3 * 3 * 5, 2), [3, 3, 3, 5]);
        const b = tf.tensor1d(values(5, 3));
        const f = (a: Tensor, c: Tensor, d: Tensor) => tf.sum(tf.square(
          tf.fused.conv2d({ x: a as Tensor4D, filter: c as Tensor4D, strides: 2, pad: 'same', bias: d })));
        return tf.grads(f)([x, w, b]).map((g) => Array.from(g.dataSync()));
      });
    };
    const wasm = await run('wasm');
    // CPU reference with tfjs's own kernels.
    uninstall();
    const cpu = await run('cpu');
    install();
    expect(wasm.map((g) => g.length)).toEqual([2 * 6 * 6 * 3, 3 * 3 * 3 * 5, 5]);
    for (let k = 0; k < 3; k++) {
      const scale = Math.max(...cpu[k].map(Math.abs));
      expect(scale).toBeGreaterThan(0.1);
      const worst = Math.max(...wasm[k].map((v, i) => Math.abs(v - cpu[k][i])));
      expect(worst / scale).toBeLessThan(1e-5);
    }
  });
});

describe('a small CNN trained with sgd().minimize', () => {
  it('gives the same loss trajectory on WASM and CPU, and learns', async () => {
    const wasm = await trajectory('wasm', 12);
    const cpu = await trajectory('cpu', 12);
    for (let i = 0; i < wasm.losses.length; i++) {
      expect(Math.abs(wasm.losses[i] - cpu.losses[i]) / cpu.losses[i], `step ${i}`).toBeLessThan(1e-4);
    }
    expect(cpu.losses[0]).toBeGreaterThan(1);
    expect(wasm.losses.at(-1)!).toBeLessThan(wasm.losses[0] * 0.8);
  });

  it.each(['wasm', 'cpu'] as const)('keeps tf.memory().numTensors flat over 50 steps on %s', async (backend) => {
    const tf = await useBackend(backend);
    const start = tf.memory().numTensors;
    const { tensorCounts, losses } = await trajectory(backend, 50);
    expect(losses.every(Number.isFinite)).toBe(true);
    // After the first step (optimizer state is created then), the count must not move at all.
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('the engine\'s internal-leak check (IS_TEST)', () => {
  it.each(['wasm', 'cpu'] as const)('passes for every custom kernel and gradient on %s', async (backend) => {
    const tf = await useBackend(backend);
    install();
    const wasOn = tf.env().getBool('IS_TEST');
    tf.env().set('IS_TEST', true);
    try {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.tensor4d(values(2 * 7 * 7 * 3, 31), [2, 7, 7, 3]);
        const w = tf.tensor4d(values(3 * 3 * 3 * 4, 32), [3, 3, 3, 4]);
        const dw = tf.tensor4d(values(3 * 3 * 3 * 2, 33), [3, 3, 3, 2]);
        const loss = (a: Tensor, b: Tensor, c: Tensor) => {
          const a4 = a as Tensor4D;
          return tf.addN([
            tf.sum(tf.conv2d(a4, b as Tensor4D, 2, 'same')),
            tf.sum(tf.square(tf.conv2d(a4, b as Tensor4D, 1, 'same', 'NHWC', 2))),
            tf.sum(tf.square(tf.depthwiseConv2d(a4, c as Tensor4D, 2, 'same'))),
            tf.sum(tf.square(tf.depthwiseConv2d(a4, c as Tensor4D, 1, 'same', 'NHWC', 2))),
            tf.sum(tf.square(tf.maxPool(a4, 3, 1, 'same'))),
            tf.sum(tf.square(tf.maxPool(a4, 2, 2, 'valid'))),
            tf.sum(tf.square(tf.avgPool(a4, 3, 1, 'same'))),
            tf.sum(tf.square(tf.conv2dTranspose(tf.conv2d(a4, b as Tensor4D, 2, 'same'), b as Tensor4D, [2, 7, 7, 3], 2, 'same'))),
          ]);
        };
        const grads = tf.grads(loss)([x, w, dw]);
        for (const g of grads) expect(g.dataSync().some((v) => v !== 0)).toBe(true);
      });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.env().set('IS_TEST', wasOn);
    }
  });
});
