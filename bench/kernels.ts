/**
 * Speed of the custom training kernels (src/engine/accel/kernels/), not a test:
 *   npx tsx bench/kernels.ts                 # wasm + cpu with our kernels, per-kernel timings
 *   npx tsx bench/kernels.ts --with-tfjs-cpu # also one step on cpu with tfjs's own kernels (~1-2 minutes)
 *
 * Workload: the small CNN of the backend notes, conv3x3(16)-relu-conv3x3(32)-relu-GAP-dense10 on 28x28x1,
 * batch 64, one step = forward + backward + SGD update. WASM without our kernels cannot train it at all
 * (Conv2DBackpropFilter is not registered there).
 */
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every gradient (and the cpu backend) in a way that loads under plain Node ESM.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { install, uninstall } from '../src/engine/accel';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

const BATCH = 64;
const withTfjsCpu = process.argv.includes('--with-tfjs-cpu');

function seeded(n: number, seed: number, amp: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * amp;
  }
  return out;
}

interface Model { vars: tf.Variable[]; loss: () => tf.Scalar; dispose: () => void }

function smallCnn(): Model {
  const v = (shape: number[], seed: number, amp: number) =>
    tf.tidy(() => tf.variable(tf.tensor(seeded(shape.reduce((a, b) => a * b), seed, amp), shape)));
  const w1 = v([3, 3, 1, 16], 1, 0.5);
  const b1 = v([16], 2, 0.05);
  const w2 = v([3, 3, 16, 32], 3, 0.1);
  const b2 = v([32], 4, 0.05);
  const wd = v([32, 10], 5, 0.3);
  const bd = v([10], 6, 0.05);
  const x = tf.tensor4d(seeded(BATCH * 28 * 28, 7, 1), [BATCH, 28, 28, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), 'int32'), 10).cast('float32'));
  const loss = () => {
    const h1 = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'valid'), b1));
    const h2 = tf.relu(tf.add(tf.conv2d(h1 as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid'), b2));
    const gap = tf.mean(h2, [1, 2]);
    return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(gap, wd as tf.Tensor2D), bd)) as tf.Scalar;
  };
  return { vars: [w1, b1, w2, b2, wd, bd], loss, dispose: () => tf.dispose([x, y, w1, b1, w2, b2, wd, bd]) };
}

async function stepTime(backend: 'wasm' | 'cpu', custom: boolean, warmup: number, steps: number): Promise<{ ms: number; loss: number }> {
  await tf.setBackend(backend);
  await tf.ready();
  if (custom) install();
  else uninstall();
  const model = smallCnn();
  const opt = tf.train.sgd(0.05);
  const step = async () => {
    const cost = opt.minimize(model.loss, true, model.vars)!;
    const l = (await cost.data())[0];
    cost.dispose();
    return l;
  };
  for (let i = 0; i < warmup; i++) await step();
  const t0 = performance.now();
  let loss = NaN;
  for (let i = 0; i < steps; i++) loss = await step();
  const ms = (performance.now() - t0) / steps;
  opt.dispose();
  model.dispose();
  return { ms, loss };
}

function timeKernel(f: () => tf.Tensor, reps: number): number {
  // (Never return a big TypedArray from tf.tidy: tidy walks it element by element looking for tensors.)
  const once = () => {
    const t = f();
    t.dataSync();
    t.dispose();
  };
  once();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) once();
  return (performance.now() - t0) / Math.max(1, reps);
}

/** The three conv kernels of the 16->32 layer (x 64x26x26x16, dy 64x24x24x32). */
async function kernelTimes(backend: 'wasm' | 'cpu', custom: boolean, reps: number, withFilter = true): Promise<string> {
  await tf.setBackend(backend);
  if (custom) install();
  else uninstall();
  const x = tf.tensor4d(seeded(64 * 26 * 26 * 16, 8, 1), [64, 26, 26, 16]);
  const w = tf.tensor4d(seeded(3 * 3 * 16 * 32, 9, 0.1), [3, 3, 16, 32]);
  const dy = tf.tensor4d(seeded(64 * 24 * 24 * 32, 10, 1), [64, 24, 24, 32]);
  const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined } as const;
  const fwd = timeKernel(() => tf.conv2d(x, w, 1, 'valid'), reps);
  const input = timeKernel(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w },
    { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor, reps);
  const hasFilter = tf.getKernel('Conv2DBackpropFilter', backend) != null;
  const filter = hasFilter && withFilter
    ? timeKernel(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
      { ...attrs, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor, reps).toFixed(0) + ' ms'
    : hasFilter ? 'skipped' : 'not registered';
  tf.dispose([x, w, dy]);
  return `Conv2D ${fwd.toFixed(0)} ms, Conv2DBackpropInput ${input.toFixed(0)} ms, Conv2DBackpropFilter ${filter}`;
}

function wasmHeapMiB(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return (b.wasm?.HEAPU8?.byteLength ?? 0) / 2 ** 20;
}

async function main(): Promise<void> {
  console.log(`small CNN conv3x3(16)-relu-conv3x3(32)-relu-GAP-dense10, 28x28x1, batch ${BATCH}; ms per SGD step`);
  const wasm = await stepTime('wasm', true, 3, 20);
  const heapBefore = wasmHeapMiB();
  await stepTime('wasm', true, 0, 30);
  const heapAfter = wasmHeapMiB();
  console.log(`  wasm, our kernels:        ${wasm.ms.toFixed(1)} ms/step (${(BATCH / wasm.ms * 1000).toFixed(0)} img/s), loss ${wasm.loss.toFixed(4)}; wasm heap ${heapBefore.toFixed(0)} -> ${heapAfter.toFixed(0)} MiB over 30 more steps`);
  console.log('  wasm, tfjs kernels:       cannot train (Conv2DBackpropFilter not registered for wasm)');
  const cpu = await stepTime('cpu', true, 1, 3);
  console.log(`  cpu, our kernels:         ${cpu.ms.toFixed(0)} ms/step (${(BATCH / cpu.ms * 1000).toFixed(0)} img/s), loss ${cpu.loss.toFixed(4)}`);
  if (withTfjsCpu) {
    const own = await stepTime('cpu', false, 0, 1);
    console.log(`  cpu, tfjs kernels:        ${own.ms.toFixed(0)} ms/step, loss ${own.loss.toFixed(4)}`);
  } else {
    console.log('  cpu, tfjs kernels:        skipped (pass --with-tfjs-cpu; one step takes about a minute)');
  }
  console.log('conv 16->32 layer kernels (x 64x26x26x16, dy 64x24x24x32), ms per call:');
  console.log(`  wasm, our kernels:  ${await kernelTimes('wasm', true, 5)}`);
  console.log(`  wasm, tfjs kernels: ${await kernelTimes('wasm', false, 3)}`);
  console.log(`  cpu, our kernels:   ${await kernelTimes('cpu', true, 2)}`);
  console.log(`  cpu, tfjs kernels:  ${await kernelTimes('cpu', false, 1, false)}`);
  install();
}

await main();
