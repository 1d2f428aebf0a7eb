/**
 * The fused fast path computes the same values and gradients as the plain ops: every fused op
 * (src/engine/accel/fused/ops.ts, kernels in fused/kernels.ts / wasm/fused-module.ts; stride 2 in fused/strided.ts) and the fast mixed op
 * (src/engine/supernet/fast-mixed-op.ts) against the engine's plain modules, on wasm with the SIMD kernels, on wasm
 * with the plain-JS kernels, and on cpu; channel counts that are and are not multiples of 4 (SIMD needs 4).
 */
// tfjs-core must load before the ESM gradient registrations (see kernels-torch.test.ts).
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DARTS_OP_FACTORIES } from '../../src/engine/ops/darts-ops';
import { setAccelOptions } from '../../src/engine/accel';
import {
  fusedAvgPool3, fusedBatchNorm, fusedConvStage, fusedDepthwise, fusedMaxPool3, fusedPointwise, fusedPoolBn, fusedWeightedSum,
} from '../../src/engine/accel/fused/ops';
import { fusedSgdUpdate } from '../../bench/ops/fused-sgd';
import { fusedStridedDepthwise, fusedStridedPool3 } from '../../src/engine/accel/fused/strided';
import { dilatedDepthwiseConv2d } from '../../src/engine/ops/darts-ops';
import { simdKernelsStandalone } from '../../src/engine/accel/wasm/fused-module';
import { batchNorm, padInput } from '../../src/engine/ops/layers';
import { NB201_OP_FACTORIES } from '../../src/engine/ops/nb201-ops';
import { torchPool2d } from '../../src/engine/ops/pooling';
import { DARTS_OPS, NB201_OPS, type DartsOp, type Nb201Op } from '../../src/shared/space-vocab';
import { createFastMixedOp } from '../../src/engine/supernet/fast-mixed-op';
import { createMixedOp } from '../../src/engine/supernet/mixed-op';
import { createRng } from '../../src/engine/util/rng';

const MODES = [
  { name: 'wasm + SIMD kernels', backend: 'wasm' as const, simd: true },
  { name: 'wasm + JS kernels', backend: 'wasm' as const, simd: false },
  { name: 'cpu', backend: 'cpu' as const, simd: false },
];

function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * scale), shape);
}

async function close(actual: tf.Tensor, expected: tf.Tensor, tol = 2e-4): Promise<void> {
  expect(actual.shape).toEqual(expected.shape);
  const a = await actual.data();
  const e = await expected.data();
  let scale = 1e-3;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]));
  expect(worst / scale).toBeLessThan(tol);
}

/** Value and gradients (w.r.t. every input) of sum(f(inputs) * r), for a fixed random r. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed = 99): { value: tf.Tensor; grads: (tf.Tensor | null)[] } {
  // (clone: an op may return its input itself, e.g. skip_connect, which the caller disposes later)
  const value = tf.tidy(() => tf.clone(f(...inputs)));
  const r = randn(value.shape, seed);
  // allowNoGradients: a single op leaves the other ops' weights without a gradient.
  const res = tf.engine().gradients(() => tf.sum(tf.mul(f(...inputs), r)) as tf.Scalar, inputs, undefined, true);
  res.value.dispose();
  r.dispose();
  return { value, grads: res.grads as (tf.Tensor | null)[] };
}

const live = (ts: (tf.Tensor | null)[]): tf.Tensor[] => ts.filter((t): t is tf.Tensor => t !== null);

async function compare(fast: (...xs: tf.Tensor[]) => tf.Tensor, plain: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], tol = 2e-4): Promise<void> {
  const a = valueAndGrads(fast, inputs);
  const b = valueAndGrads(plain, inputs);
  await close(a.value, b.value, tol);
  for (let i = 0; i < inputs.length; i++) {
    expect(a.grads[i] === null).toBe(b.grads[i] === null);
    if (a.grads[i] && b.grads[i]) await close(a.grads[i]!, b.grads[i]!, tol);
  }
  tf.dispose([a.value, b.value, ...live(a.grads), ...live(b.grads)]);
}

describe('fused wasm SIMD module', () => {
  it('assembles and validates', () => {
    expect(simdKernelsStandalone(4)).not.toBeNull();
  });
});

for (const mode of MODES) {
  describe(`fused ops on ${mode.name}`, () => {
    beforeAll(async () => {
      await useBackend(mode.backend, { trainingKernels: true });
      setAccelOptions({ fused: { simd: mode.simd } });
    });
    afterAll(() => { setAccelOptions(); });

    for (const c of [8, 6]) {
      for (const [k, d] of [[3, 1], [5, 1], [3, 2], [5, 2]]) {
        it(`depthwise ${k}x${k} dilation ${d}, ${c} channels`, async () => {
          const x = randn([3, 7, 6, c], 1);
          const w = randn([k, k, c, 1], 2, 0.3);
          await compare((xi, wi) => fusedDepthwise(xi as tf.Tensor4D, wi as tf.Tensor4D, d),
            (xi, wi) => tf.depthwiseConv2d(padInput(xi as tf.Tensor4D, ((k - 1) * d) >> 1), wi as tf.Tensor4D, 1, 'valid', 'NHWC', d), [x, w]);
          tf.dispose([x, w]);
        });
      }

      for (const [k, d] of [[3, 1], [5, 1], [3, 2], [5, 2]]) {
        it(`strided depthwise ${k}x${k} stride 2 dilation ${d}, ${c} channels (= darts-ops dilatedDepthwiseConv2d)`, async () => {
          for (const [h, w] of [[8, 6], [7, 5]]) {
            const x = randn([2, h, w, c], 1);
            const plain = dilatedDepthwiseConv2d(c, k, 2, d, createRng(3));
            const wt = plain.params[0];
            wt.assign(randn([k, k, c, 1], 2, 0.3));
            await compare((xi, wi) => fusedStridedDepthwise(xi as tf.Tensor4D, wi as tf.Tensor4D, 2, d), (xi) => plain.apply(xi as tf.Tensor4D, true), [x, wt]);
            tf.dispose([x, wt]);
          }
        });
      }

      it(`strided 3x3 pools (stride 2, padding 1) with ties, ${c} channels`, async () => {
        for (const [h, w] of [[6, 6], [7, 5]]) {
          const x = tf.round(randn([2, h, w, c], 6, 2));
          await compare((xi) => fusedStridedPool3(xi as tf.Tensor4D, 'max', 2), (xi) => torchPool2d(xi as tf.Tensor4D, 'max', 3, 2, 1), [x]);
          await compare((xi) => fusedStridedPool3(xi as tf.Tensor4D, 'avg', 2), (xi) => torchPool2d(xi as tf.Tensor4D, 'avg', 3, 2, 1), [x]);
          x.dispose();
        }
      });

      it(`pointwise, ${c} channels`, async () => {
        const x = randn([3, 5, 4, c], 3);
        const w = randn([1, 1, c, c + 2], 4, 0.4);
        await compare((xi, wi) => fusedPointwise(xi as tf.Tensor4D, wi as tf.Tensor4D), (xi, wi) => tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'valid'), [x, w]);
        tf.dispose([x, w]);
      });

      it(`pointwise in the matMul form (wasm's default is the conv kernels), ${c} channels`, async () => {
        const x = randn([3, 5, 4, c], 3);
        const w = randn([1, 1, c, c + 2], 4, 0.4);
        setAccelOptions({ fused: { simd: mode.simd, pointwiseAsConv: false } });
        try {
          await compare((xi, wi) => fusedPointwise(xi as tf.Tensor4D, wi as tf.Tensor4D), (xi, wi) => tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'valid'), [x, w]);
        } finally {
          setAccelOptions({ fused: { simd: mode.simd } });
        }
        tf.dispose([x, w]);
      });

      it(`batch norm (affine=false), ${c} channels, with running statistics`, async () => {
        const x = tf.add(randn([4, 5, 3, c], 5, 2), 0.7) as tf.Tensor4D;
        const plainBn = batchNorm(c, false);
        const mean = tf.variable(tf.zeros([c]), false);
        const variance = tf.variable(tf.ones([c]), false);
        await compare((xi) => fusedBatchNorm(xi as tf.Tensor4D, mean, variance, true), (xi) => plainBn.apply(xi as tf.Tensor4D, true), [x]);
        // compare() ran each forward twice (value, gradient); the running statistics moved alike.
        await close(mean, plainBn.runningMean, 1e-5);
        await close(variance, plainBn.runningVar, 1e-5);
        await close(tf.tidy(() => fusedBatchNorm(x, mean, variance, false)), tf.tidy(() => plainBn.apply(x, false)));
        tf.dispose([x, mean, variance, ...plainBn.buffers]);
      });

      it(`3x3 pools with ties, ${c} channels`, async () => {
        // Integers make ties in the max-pool windows: the first maximum (row-major) takes the gradient, as PyTorch.
        const x = tf.round(randn([2, 6, 5, c], 6, 2));
        await compare((xi) => fusedMaxPool3(xi as tf.Tensor4D), (xi) => torchPool2d(xi as tf.Tensor4D, 'max', 3, 1, 1), [x]);
        await compare((xi) => fusedAvgPool3(xi as tf.Tensor4D), (xi) => torchPool2d(xi as tf.Tensor4D, 'avg', 3, 1, 1), [x]);
        x.dispose();
      });

      for (const [k, d, reluIn] of [[3, 1, true], [5, 2, true], [5, 1, false]] as const) {
        it(`conv stage ${k}x${k} dilation ${d}${reluIn ? ' after ReLU' : ''}, ${c} channels (values, gradients, running statistics)`, async () => {
          const x = randn([3, 6, 5, c], 31);
          const dw = randn([k, k, c, 1], 32, 0.3);
          const pw = randn([1, 1, c, c], 33, 0.4);
          const [m1, v1, m2, v2] = [tf.variable(tf.zeros([c]), false), tf.variable(tf.ones([c]), false), tf.variable(tf.zeros([c]), false), tf.variable(tf.ones([c]), false)];
          const plainBn = (t: tf.Tensor4D, m: tf.Variable, v: tf.Variable) => {
            const { mean, variance } = tf.moments(t, [0, 1, 2]);
            const n = t.shape[0] * t.shape[1] * t.shape[2];
            m.assign(tf.tidy(() => tf.add(tf.mul(m, 0.9), tf.mul(mean, 0.1))));
            v.assign(tf.tidy(() => tf.add(tf.mul(v, 0.9), tf.mul(variance, 0.1 * n / (n - 1)))));
            return tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, 1e-5))) as tf.Tensor4D;
          };
          const pad = ((k - 1) * d) >> 1;
          await compare(
            (xi, dwi, pwi) => fusedConvStage(xi as tf.Tensor4D, dwi as tf.Tensor4D, pwi as tf.Tensor4D, m1, v1, true, { dilation: d, reluIn }),
            (xi, dwi, pwi) => plainBn(tf.conv2d(tf.depthwiseConv2d(padInput((reluIn ? tf.relu(xi) : xi) as tf.Tensor4D, pad), dwi as tf.Tensor4D, 1, 'valid', 'NHWC', d), pwi as tf.Tensor4D, 1, 'valid'), m2, v2),
            [x, dw, pw]);
          await close(m1, m2, 1e-5);
          await close(v1, v2, 1e-5);
          tf.dispose([x, dw, pw, m1, v1, m2, v2]);
        });
      }

      it(`pool + batch norm, ${c} channels`, async () => {
        const x = tf.round(randn([2, 5, 6, c], 34, 2));
        for (const kind of ['max', 'avg'] as const) {
          const bnA = batchNorm(c, false);
          const [m, v] = [tf.variable(tf.zeros([c]), false), tf.variable(tf.ones([c]), false)];
          await compare((xi) => fusedPoolBn(xi as tf.Tensor4D, kind, m, v, true), (xi) => bnA.apply(torchPool2d(xi as tf.Tensor4D, kind, 3, 1, 1), true), [x]);
          await close(m, bnA.runningMean, 1e-5);
          await close(v, bnA.runningVar, 1e-5);
          tf.dispose([m, v, ...bnA.buffers]);
        }
        x.dispose();
      });

      it(`weighted sum, ${c} channels`, async () => {
        const parts = [randn([2, 3, 3, c], 7), randn([2, 3, 3, c], 8), randn([2, 3, 3, c], 9)];
        const w = tf.softmax(randn([5], 10)) as tf.Tensor1D;
        const idx = [4, 1, 2];
        await compare((wi, ...ps) => fusedWeightedSum(ps as tf.Tensor4D[], wi as tf.Tensor1D, idx),
          (wi, ...ps) => tf.addN(ps.map((p, j) => tf.mul(p, tf.slice(wi, [idx[j]], [1])))), [w, ...parts]);
        tf.dispose([...parts, w]);
      });
    }

    it('fused SGD update', async () => {
      const ps = [tf.variable(randn([3, 5], 11)), tf.variable(randn([7], 12)), tf.variable(randn([2], 13))];
      const gs = [randn([3, 5], 14), randn([7], 15), null];
      const expected = ps.map((p, i) => (gs[i] ? tf.sub(p, tf.mul(gs[i]!, 0.1)) : tf.clone(p)));
      tf.tidy(() => fusedSgdUpdate(ps, gs, 0.1));
      for (let i = 0; i < ps.length; i++) await close(ps[i], expected[i], 1e-6);
      tf.dispose([...ps, ...gs.filter((g): g is tf.Tensor => g !== null), ...expected]);
    });

    for (const [space, stride] of [['darts', 1], ['darts', 2], ['nb201', 1]] as const) {
      it(`fast mixed op = MixedOp (${space}, stride ${stride}): mixture (with operation dropout) and every single op, values, gradients, running statistics`, async () => {
        const C = 8;
        const rng = createRng(21);
        const ops = (space === 'darts' ? DARTS_OPS : NB201_OPS).slice() as string[];
        const mixed = createMixedOp(ops, (op) => space === 'darts'
          ? DARTS_OP_FACTORIES[op as DartsOp]({ C, stride, affine: false, rng, poolBn: true })
          : NB201_OP_FACTORIES[op as Nb201Op]({ channels: C, rng, affine: false }));
        const fast = createFastMixedOp(mixed, { space, channels: C, poolBn: true, stride });
        // Every op but 'none' has a fused form (none runs its plain module).
        expect(fast.fused).toEqual(ops.map((op) => op !== 'none'));
        const x = randn([4, 6, 6, C], 22);
        const w = tf.softmax(randn([ops.length], 23)) as tf.Tensor1D;
        const params = [...mixed.params] as tf.Tensor[];
        const snapshot = () => mixed.buffers.map((b) => tf.clone(b));
        const restore = (s: tf.Tensor[]) => { mixed.buffers.forEach((b, i) => b.assign(s[i])); tf.dispose(s); };
        const check = async (fastF: (x: tf.Tensor4D) => tf.Tensor4D | null, plainF: (x: tf.Tensor4D) => tf.Tensor4D | null) => {
          const before = snapshot();
          const a = valueAndGrads((xi, wi, ...ps) => fastF(xi as tf.Tensor4D) ?? tf.zerosLike(xi), [x, w, ...params]);
          const afterFast = snapshot();
          restore(before.map((t) => tf.clone(t)));
          const b = valueAndGrads((xi, wi, ...ps) => plainF(xi as tf.Tensor4D) ?? tf.zerosLike(xi), [x, w, ...params]);
          await close(a.value, b.value, 5e-4);
          for (let i = 0; i < a.grads.length; i++) {
            expect(a.grads[i] === null).toBe(b.grads[i] === null);
            if (a.grads[i] && b.grads[i]) await close(a.grads[i]!, b.grads[i]!, 5e-4);
          }
          for (let i = 0; i < afterFast.length; i++) await close(afterFast[i], mixed.buffers[i], 1e-4);
          restore(before);
          tf.dispose([a.value, b.value, ...live(a.grads), ...live(b.grads), ...afterFast]);
        };
        const wRow = tf.unstack(w);
        await check((xi) => fast.mix(xi, w, true), (xi) => mixed.mix(xi, tf.unstack(w) as tf.Scalar[], true));
        const factors = ops.map((_, k) => [1, 0, 2.5][k % 3]);
        await check((xi) => fast.mix(xi, w, true, factors), (xi) => mixed.mix(xi, tf.unstack(w) as tf.Scalar[], true, factors));
        for (let k = 0; k < ops.length; k++) {
          await check((xi) => fast.single(xi, k, true), (xi) => mixed.single(xi, k, true));
        }
        // inference mode (running statistics)
        await close(tf.tidy(() => fast.mix(x as tf.Tensor4D, w, false)!), tf.tidy(() => mixed.mix(x as tf.Tensor4D, tf.unstack(w) as tf.Scalar[], false)!), 5e-4);
        tf.dispose([x, w, ...wRow, ...mixed.params, ...mixed.buffers]);
      });
    }
  });
}
