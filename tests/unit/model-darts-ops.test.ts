/**
 * DARTS primitives (Liu et al., ICLR 2019, quark0/darts operations.py) against PyTorch: stride-2 pooling with
 * padding 1 (avg count_include_pad=False, max), the stride-2 dilated depthwise conv of dil_conv_kxk and
 * FactorizedReduce's shifted second conv, forward and gradients of sum(y * up), on the CPU and WASM backends.
 * The expected numbers were computed with torch (float64) by this script, run with /usr/bin/python3:
 *
 *   import torch, torch.nn.functional as F
 *   def seq(n, a, m, off, d): return torch.tensor([((i*a) % m - off)/d for i in range(n)], dtype=torch.float64)
 *   def inp(h, c=2): return seq(h*h*c, 37, 101, 50, 8).reshape(1, h, h, c)        # NHWC, distinct values
 *   nchw = lambda x: x.permute(0,3,1,2); nhwc = lambda x: x.permute(0,2,3,1)
 *   def case(name, x, f, w=None):                 # y = f(x, w); up = seq(y.numel(), 13, 17, 8, 4); d sum(y*up)
 *   avg_{h}_s2: nhwc(F.avg_pool2d(nchw(x), 3, stride=2, padding=1, count_include_pad=False)), h = 6, 5
 *   max_{h}_s2: nhwc(F.max_pool2d(nchw(x), 3, stride=2, padding=1)),                          h = 6, 5
 *   dil_{h}_k{k}: w = seq(k*k*2, 5, 11, 5, 4).reshape(k, k, 2, 1)   (tfjs layout [kh, kw, c, 1]);
 *                 nhwc(F.conv2d(nchw(x), w.permute(2,3,0,1), stride=2, padding=k-1, dilation=2, groups=2)),
 *                 (h, k) = (6, 3), (8, 5)
 *   fr_6: w1 = [[0.5, -1], [0.25, 2]], w2 = [[-0.75, 1.5], [1, 0.5]] ([cin, cout/2]); xr = relu(x);
 *         cat([conv1x1(xr, w1, stride 2), conv1x1(xr[:, :, 1:, 1:], w2, stride 2)]) / sqrt(1 + 1e-5)
 *         (BN in eval mode with fresh running statistics)
 */
import { describe, expect, it } from 'vitest';
// tfjs-core must load before the ESM gradient registrations (see kernels-torch.test.ts).
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { install } from '../../src/engine/accel';
import { DARTS_OP_FACTORIES, dilatedDepthwiseConv2d, factorizedReduce, subsample } from '../../src/engine/ops/darts-ops';
import type { Module } from '../../src/engine/ops/module';
import { poolModule, torchPool2d } from '../../src/engine/ops/pooling';
import { DARTS_OPS } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

type Tf = Awaited<ReturnType<typeof useBackend>>;
interface Fixture { shape: number[]; y: number[]; dx: number[]; dw?: number[] }

const seq = (n: number, a: number, m: number, off: number, d: number): number[] =>
  Array.from({ length: n }, (_, i) => (((i * a) % m) - off) / d);

// prettier-ignore
const TORCH: Record<string, Fixture> = {
  avg_6_s2: {
    shape: [1, 3, 3, 2],
    y: [-2.28125, -0.8125, 0.020833, 0.4375, -0.416667, 0, -0.041667, 0.375, 1.20833, 0.222222, 0.069444, 0.486111, 1.54167, -0.145833, -0.013889, -1, 0.25, -0.736111],
    dx: [-0.5, 0.3125, -0.458333, 0.1875, 0.041667, -0.125, -0.25, 0.125, -0.291667, 0.25, -0.291667, 0.25, -0.416667, 0.229167, -0.541667, 0.298611, -0.125, 0.069444, -0.333333, 0.291667, -0.208333, 0.222222, -0.208333, 0.222222, 0.083333, -0.083333, -0.083333, 0.111111, -0.166667, 0.194444, -0.083333, 0.166667, 0.083333, -0.027778, 0.083333, -0.027778, -0.125, 0.25, -0.180556, 0.444444, -0.055556, 0.194444, -0.083333, -0.055556, -0.027778, -0.25, -0.027778, -0.25, -0.208333, 0.333333, -0.097222, 0.333333, 0.111111, 0, 0, -0.222222, -0.111111, -0.222222, -0.111111, -0.222222, -0.208333, 0.333333, -0.097222, 0.333333, 0.111111, 0, 0, -0.222222, -0.111111, -0.222222, -0.111111, -0.222222],
  },
  max_6_s2: {
    shape: [1, 3, 3, 2],
    y: [3, 3.375, 4.625, 5.875, 5.5, 5.875, 5.375, 5, 6.25, 5.875, 6.25, 5.875, 6.125, 5.75, 5.375, 4, 5.25, 4.875],
    dx: [0, 0, -2, 0, 0, 0, 0, 0, -1.75, 0, 0, 0, 0, 1.25, 0, 0, 0.25, 0, 0, 2.25, 0, 0, 0, 0, 0, 0, 0, -0.5, 0, 0, -0.75, 0, 0, 0, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, -2, 0, 0, -1.25, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0],
  },
  avg_5_s2: {
    shape: [1, 3, 3, 2],
    y: [-0.59375, -2.28125, -0.395833, 0.020833, 1.90625, 0.21875, 0.395833, -1.29167, -0.458333, -0.041667, 0.791667, 1.20833, 2.4375, -2.40625, -0.520833, -0.104167, 1.78125, 0.09375],
    dx: [-0.5, 0.3125, -0.458333, 0.1875, 0.041667, -0.125, -0.395833, 0.25, -0.4375, 0.375, -0.416667, 0.229167, -0.541667, 0.298611, -0.125, 0.069444, -0.4375, 0.402778, -0.3125, 0.333333, 0.083333, -0.083333, -0.083333, 0.111111, -0.166667, 0.194444, -0.041667, 0.152778, 0.125, -0.041667, -0.229167, 0.416667, -0.229167, 0.611111, 0, 0.194444, -0.125, -0.347222, -0.125, -0.541667, -0.3125, 0.5, -0.145833, 0.5, 0.166667, 0, -0.083333, -0.5, -0.25, -0.5],
  },
  max_5_s2: {
    shape: [1, 3, 3, 2],
    y: [3, 3.375, 4.625, 4.25, 5.5, 5.875, 6.25, 3.375, 4.625, 5, 5.375, 5.875, 6.25, 3.25, 4.5, 4.125, 5.375, 5.75],
    dx: [0, 0, -2, 0, 0, -0.75, 0, 0, -1.75, 0, 0, 0, 0, 0.75, 0, 0, -1.25, 0, 0, 1.25, 0, 0, 0, 0, 0, 0, 0, 1.75, 0, 0, -0.75, 0, 0, 0, 0, 0, 0, 0, -0.25, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, -2],
  },
  dil_6_k3: {
    shape: [1, 3, 3, 2],
    y: [-2.65625, -6.71875, -4.1875, -7.4375, 1.75, -3.78125, -4.53125, 5.5, 16.1562, 18, 6.46875, 8.15625, 0.84375, -4.25, -7.46875, -7.25, 3.25, -2.84375],
    dx: [1.6875, -0.5625, 0, 0, -4, -2.125, 0, 0, -1.375, -1.375, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -3.1875, -1, 0, 0, 2.125, 0.125, 0, 0, 0.0625, -0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.3125, 0, 0, -0.4375, 0.0625, 0, 0, 0.3125, 3.0625, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    dw: [15.8438, -7.15625, -9, 10.625, -1.8125, -3.25, -2.03125, 1.75, 4.03125, -0.96875, 3.59375, -4.59375, 0.28125, 15.9375, -4.09375, -20.0625, 3.53125, 14.9062],
  },
  dil_8_k5: {
    shape: [1, 4, 4, 2],
    y: [1.75, -10.875, 11.0625, 0.9375, 16.5625, -2.6875, -17.4062, 6.21875, 0.625, 12.0625, -17.125, -5.625, 6, 4.6875, 0.5, -13.75, 1.34375, -15.3125, 7.75, -16.2812, 9.21875, 13.2812, 8.03125, 4.1875, -7.53125, 14.7812, -2, 5.9375, -15.4062, -7.65625, 8.40625, 2.34375],
    dx: [0.5, -0.0625, 0, 0, -1.5, 4.8125, 0, 0, -1.4375, 4.3125, 0, 0, 0.4375, 2.125, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.3125, 2.125, 0, 0, -0.5625, -4.875, 0, 0, 1.5, 0.375, 0, 0, 2.625, -1.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.125, 2.125, 0, 0, -0.5625, -3.375, 0, 0, -1.9375, 4.625, 0, 0, -2.25, 2.8125, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.5625, -0.0625, 0, 0, -1.5, 0.875, 0, 0, -0.875, -3.8125, 0, 0, 1.0625, -1.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    dw: [-4.34375, 12.125, 10.7188, -19.875, -18.4375, 26, 14.8125, -20.5, -16.375, 14.75, 10.125, -1.65625, 5.375, 12.875, 3.25, -3.625, 9.84375, 23.0312, -8.71875, -0.65625, 16.1562, -30.0625, -13.7812, 26.8125, 10.6875, -47.25, -2.6875, 29.6562, -6.875, -18.5938, 4.78125, -4.0625, -14, 12.3438, 9.90625, -1.125, -6.5625, -4.8125, 6.4375, 1.09375, 10.625, 8.375, -20.375, -21.3125, 22, 15.25, -26, -11.0625, 12.25, 4.59375],
  },
  fr_6: {
    shape: [1, 3, 3, 4],
    y: [0, 0, 0, 0, 1.06249, 8.49996, 4.93748, 4.81248, 2.74999, -5.49997, 0, 0, 1.87499, -3.74998, -4.03123, 8.06246, 0.406248, 3.24998, 3.24998, 1.62499, 1.43749, -2.87499, -3.37498, 6.74997, 1.99999, 10.3749, -2.06249, 4.12498, 0, 0, 0.624997, 0.312498, 1.34374, 9.49995, -1.40624, 2.81249],
    dx: [0, 0, 0, 0, 0, 2.56249, 0, 0, -2.49999, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1.12499, 0.249999, 0, 0, 0, 0, -2.62499, 0, 0, 0, 0, -4.24998, 0, 0, 1.37499, 0, 0, 0, 0, 0, -0.749996, 0, 0, 0, 0, 1.37499, 0, 0, -0.374998, 0, 1.24999, -3.12498, 0, 0, 0, 0, 0, 0, 0.999995, -1.99999, 0, 0, 0, 0, -0.187499, 0, 0, 0, 0, 2.49999, 0, 0, 3.37498, 0],
  },
};

function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > 1e-4 * scale) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, PyTorch ${expected[i]}`);
    }
  }
}

/** Forward and gradients of sum(m(x) * up) w.r.t. x and the module's params. */
async function run(tf: Tf, m: Module, h: number, fx: Fixture, training = false) {
  const x0 = tf.tensor4d(seq(h * h * 2, 37, 101, 50, 8), [1, h, h, 2]);
  const x = tf.variable(x0);
  x0.dispose();
  const n = fx.shape.reduce((a, b) => a * b, 1);
  const up = tf.tensor(seq(n, 13, 17, 8, 4), fx.shape);
  const y = tf.tidy(() => m.apply(x as unknown as Tensor4D, training));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(m.apply(x as unknown as Tensor4D, training), up)), [x, ...m.params]);
  const out = {
    shape: y.shape,
    y: await y.data(),
    dx: await grads[x.name].data(),
    dw: m.params.length > 0 ? await grads[m.params[0].name].data() : undefined,
  };
  tf.dispose([x, up, y, value, ...Object.values(grads) as Tensor[]]);
  return out;
}

function check(r: Awaited<ReturnType<typeof run>>, fx: Fixture, name: string): void {
  expect(r.shape, `${name} shape`).toEqual(fx.shape);
  expectClose(r.y, fx.y, `${name} y`);
  expectClose(r.dx, fx.dx, `${name} dx`);
  if (fx.dw) expectClose(r.dw!, fx.dw, `${name} dw`);
}

describe.each(['cpu', 'wasm'] as const)('DARTS primitives vs PyTorch on %s', (backend) => {
  it.each([['avg', 6], ['max', 6], ['avg', 5], ['max', 5]] as const)('%s_pool_3x3 stride 2, padding 1 on a %i-pixel square', async (kind, h) => {
    const tf = await useBackend(backend);
    install();
    const before = tf.memory().numTensors;
    check(await run(tf, poolModule(kind, 3, 2), h, TORCH[`${kind}_${h}_s2`]), TORCH[`${kind}_${h}_s2`], `${kind}_${h}_s2`);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('differs from tfjs\'s own strided "same" pooling (which pads at the end only)', async () => {
    const tf = await useBackend(backend);
    const x = tf.tensor4d(seq(72, 37, 101, 50, 8), [1, 6, 6, 2]);
    const ours = tf.tidy(() => torchPool2d(x, 'max', 3, 2, 1).dataSync());
    const theirs = tf.tidy(() => tf.maxPool(x, 3, 2, 'same').dataSync());
    expect(Array.from(ours)).not.toEqual(Array.from(theirs));
    x.dispose();
  });

  it.each([[6, 3], [8, 5]] as const)('dilated depthwise on a %i-pixel square, k=%i, stride 2, dilation 2 (dil_conv)', async (h, k) => {
    const tf = await useBackend(backend);
    install();
    const m = dilatedDepthwiseConv2d(2, k, 2, 2, createRng(1));
    m.params[0].assign(tf.tensor4d(seq(k * k * 2, 5, 11, 5, 4), [k, k, 2, 1]));
    const fx = TORCH[`dil_${h}_k${k}`];
    check(await run(tf, m, h, fx), fx, `dil_${h}_k${k}`);
    // The fallback (dilation not a multiple of the stride: subsample the stride-1 output) agrees too.
    const odd = dilatedDepthwiseConv2d(2, k, 2, 3, createRng(1));
    const ref = dilatedDepthwiseConv2d(2, k, 1, 3, createRng(1));
    const x = tf.tensor4d(seq(h * h * 2, 37, 101, 50, 8), [1, h, h, 2]);
    const [a, b] = tf.tidy(() => [odd.apply(x, false).arraySync(), subsample(ref.apply(x, false), 2).arraySync()]);
    expect(a).toEqual(b);
    tf.dispose([x, ...m.params, ...odd.params, ...ref.params]);
  });

  it('FactorizedReduce: second conv on the input shifted by one pixel', async () => {
    const tf = await useBackend(backend);
    install();
    const m = factorizedReduce(2, 4, true, createRng(1));
    m.params[0].assign(tf.tensor4d([0.5, -1, 0.25, 2], [1, 1, 2, 2]));
    m.params[1].assign(tf.tensor4d([-0.75, 1.5, 1, 0.5], [1, 1, 2, 2]));
    check(await run(tf, m, 6, TORCH.fr_6), TORCH.fr_6, 'fr_6');
    tf.dispose([...m.params, ...m.buffers]);
  });
});

describe('DARTS OPS table (cpu)', () => {
  it('every op maps [2, 8, 8, C] to [2, 8 / stride, 8 / stride, C] with the expected weights', async () => {
    const tf = await useBackend('cpu');
    const C = 6;
    const x = tf.randomNormal([2, 8, 8, C], 0, 1, 'float32', 3) as Tensor4D;
    const before = tf.memory().numTensors;
    const paramCounts: Record<string, number> = {};
    for (const op of DARTS_OPS) {
      for (const stride of [1, 2]) {
        for (const poolBn of [false, true]) {
          const m = DARTS_OP_FACTORIES[op]({ C, stride, affine: true, rng: createRng(2), poolBn });
          const shape = tf.tidy(() => m.apply(x, true).shape);
          expect(shape, `${op} stride ${stride}`).toEqual([2, 8 / stride, 8 / stride, C]);
          const isPool = op.endsWith('pool_3x3');
          expect(m.buffers.reduce((n, v) => n + v.size, 0), `${op} buffers`).toBe(
            isPool ? (poolBn ? 2 * C : 0) : m.params.filter((p) => p.shape.length === 1).reduce((n, v) => n + v.size, 0),
          );
          if (!poolBn) paramCounts[`${op}/${stride}`] = m.params.reduce((n, v) => n + v.size, 0);
          tf.dispose([...m.params, ...m.buffers]);
        }
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    // quark0/darts: SepConv = 2 x (k*k*C + C*C + 2C); DilConv = k*k*C + C*C + 2C; FactorizedReduce = 2 * C * C/2 + 2C.
    const sep = (k: number) => 2 * (k * k * C + C * C + 2 * C);
    const dil = (k: number) => k * k * C + C * C + 2 * C;
    expect(paramCounts).toEqual({
      'none/1': 0, 'none/2': 0, 'max_pool_3x3/1': 0, 'max_pool_3x3/2': 0, 'avg_pool_3x3/1': 0, 'avg_pool_3x3/2': 0,
      'skip_connect/1': 0, 'skip_connect/2': C * C + 2 * C,
      'sep_conv_3x3/1': sep(3), 'sep_conv_3x3/2': sep(3), 'sep_conv_5x5/1': sep(5), 'sep_conv_5x5/2': sep(5),
      'dil_conv_3x3/1': dil(3), 'dil_conv_3x3/2': dil(3), 'dil_conv_5x5/1': dil(5), 'dil_conv_5x5/2': dil(5),
    });
    x.dispose();
  });

  it('none is all zeros; pools with poolBn normalise without affine weights', async () => {
    const tf = await useBackend('cpu');
    const x = tf.randomNormal([2, 8, 8, 4], 3, 2, 'float32', 5) as Tensor4D;
    const z = DARTS_OP_FACTORIES.none({ C: 4, stride: 2, affine: true, rng: createRng(1) });
    const zs = tf.tidy(() => z.apply(x, true).arraySync());
    expect((zs as number[][][][]).flat(3).every((v) => v === 0)).toBe(true);
    const p = DARTS_OP_FACTORIES.avg_pool_3x3({ C: 4, stride: 1, affine: true, rng: createRng(1), poolBn: true });
    expect(p.params).toHaveLength(0);
    const mean = tf.tidy(() => tf.mean(p.apply(x, true)).dataSync()[0]);
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    tf.dispose([x, ...p.buffers]);
  });
});
