/**
 * Gradients of the one-shot engine against central finite differences (CPU backend, tiny NB201 supernet):
 * the mixed op w.r.t. its alphas and weights, the first-order architecture gradient (with the entropy
 * regulariser), and the second-order (unrolled) DARTS gradient against finite differences of the whole unrolled
 * validation loss f(alpha) = L_val(w - xi * (grad_w L_train(w, alpha) + wd * w), alpha).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { NB201_OP_FACTORIES } from '../../src/engine/ops/nb201-ops';
import { createMixedOp } from '../../src/engine/supernet/mixed-op';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { meanAlphaEntropy } from '../../src/engine/supernet/anti-collapse';
import { crossEntropy } from '../../src/engine/supernet/loss';
import { gatherBatch } from '../../src/engine/supernet/batches';
import type { Supernet } from '../../src/engine/supernet/types';
import { firstOrderArchGrad, secondOrderArchGrad, valueAndGrads, type BilevelProblem } from '../../src/engine/oneshot/darts-architect';
import type { Nb201Genotype, Nb201Op } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  tf = await useBackend('cpu', { trainingKernels: true });
  ({ train, valid } = quadrantSplits(32, 16, 3));
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

/** Scalar value of f() (inside tidy). */
function value(f: () => tfType.Scalar): number {
  return tf.tidy(() => f().dataSync()[0]);
}

/** Central finite differences of f w.r.t. chosen entries of variable v. */
function finiteDiff(f: () => number, v: tfType.Variable, entries: number[], h: number): number[] {
  const base = v.dataSync().slice();
  const out = entries.map((i) => {
    const at = (d: number) => {
      const x = base.slice();
      x[i] += d;
      v.assign(tf.tensor(x, v.shape));
      return f();
    };
    return (at(h) - at(-h)) / (2 * h);
  });
  v.assign(tf.tensor(base, v.shape));
  return out;
}

const maxAbs = (xs: number[]) => Math.max(...xs.map(Math.abs));
const norm = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0));
/** ||a - b|| / ||b||. */
const relErr = (a: number[], b: number[]) => norm(a.map((x, i) => x - b[i])) / norm(b);
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

describe('mixed op', () => {
  it('gradient w.r.t. alphas and weights matches central differences', () => {
    const ops: Nb201Op[] = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
    const rng = createRng(5);
    const m = createMixedOp(ops, (op) => NB201_OP_FACTORIES[op as Nb201Op]({ channels: 3, rng, affine: false }));
    const alpha = tf.variable(tf.tensor1d([0.3, -0.2, 0.5, 0.1, -0.4]));
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 11) as tfType.Tensor4D;
    const r = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 12);
    const loss = () => tf.tidy(() => {
      const w = tf.unstack(tf.softmax(alpha)) as tfType.Scalar[];
      return tf.sum(tf.mul(m.mix(x, w, true)!, r)) as tfType.Scalar;
    });
    const vars = [alpha, ...m.params];
    const { value: v0, grads } = valueAndGrads(loss, vars);
    v0.dispose();
    const analytic = grads[0].dataSync();
    const fd = finiteDiff(() => value(loss), alpha, [0, 1, 2, 3, 4], 1e-2);
    expect(maxDiff(Array.from(analytic), fd)).toBeLessThan(2e-3 * Math.max(1, maxAbs(fd)));
    // 'none' has no output: its weight matters only through the softmax normalisation.
    // A few weights of each conv.
    m.params.forEach((p, k) => {
      const g = grads[1 + k].dataSync();
      const entries = [0, 3, Math.floor(p.size / 2)];
      const fdw = finiteDiff(() => value(loss), p, entries, 1e-2);
      expect(maxDiff(entries.map((i) => g[i]), fdw)).toBeLessThan(1e-2 * Math.max(1, maxAbs(fdw)));
    });
    tf.dispose([alpha, x, r, ...grads, ...m.params, ...m.buffers]);
  });
});

function tinySupernet(seed: number, ops?: Nb201Op[]): Supernet<Nb201Genotype> {
  return buildNb201Supernet({ ops, skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 2, cellsPerStage: 1 } }, createRng(seed));
}

/** Spreads the alphas so the gradient is not tiny, deterministically. */
function setAlphas(net: Supernet<Nb201Genotype>, seed: number): void {
  const a = net.alphas[0].variable;
  a.assign(tf.randomNormal(a.shape, 0, 0.7, 'float32', seed));
}

describe('DARTS architecture gradient', () => {
  it('first order (with entropy regularisation) matches central differences of the validation loss', () => {
    const net = tinySupernet(1);
    setAlphas(net, 3);
    const tb = gatherBatch(train, [0, 1, 2, 3, 4, 5, 6, 7]);
    const vb = gatherBatch(valid, [0, 1, 2, 3, 4, 5, 6, 7]);
    const lambda = 0.3;
    const mode = { kind: 'mixture' } as const;
    const problem: BilevelProblem = {
      weights: net.weights,
      arch: net.archParams,
      trainLoss: () => crossEntropy(net.forward(tb.x, mode, true), tb.y),
      validLoss: () => tf.add(crossEntropy(net.forward(vb.x, mode, true), vb.y), tf.mul(meanAlphaEntropy([net.alphas[0].variable]), lambda)) as tfType.Scalar,
    };
    const g = firstOrderArchGrad(problem);
    const analytic = Array.from(g.grads[0].dataSync());
    const entries = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 === 0);
    const fd = finiteDiff(() => value(problem.validLoss), net.alphas[0].variable, entries, 3e-3);
    // ReLUs make the loss only piecewise smooth in alpha: compare as vectors.
    expect(norm(fd)).toBeGreaterThan(1e-2);
    expect(relErr(entries.map((i) => analytic[i]), fd)).toBeLessThan(0.06);
    tf.dispose([g.loss, ...g.grads, tb.x, tb.y, vb.x, vb.y]);
    net.dispose();
  });

  it('second order matches finite differences of the whole unrolled validation loss (smooth toy problem)', () => {
    // A smooth bilevel problem (no ReLU kinks, so finite differences of the unrolled loss are accurate):
    // h = sum_k softmax(alpha)_k op_k(x) over {none, tanh(x W1), x W2, sigmoid(x W3)}, logits = tanh(h) V.
    const rnd = (shape: number[], seed: number, std = 0.8) => tf.randomNormal(shape, 0, std, 'float32', seed);
    const W = [tf.variable(rnd([3, 4], 1)), tf.variable(rnd([3, 4], 2)), tf.variable(rnd([3, 4], 3)), tf.variable(rnd([4, 2], 4))];
    const alpha = tf.variable(rnd([4], 5, 0.5));
    const batch = (seed: number) => ({ x: rnd([6, 3], seed, 1), y: tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32') });
    const tb = batch(6);
    const vb = batch(7);
    const loss = (b: { x: tfType.Tensor; y: tfType.Tensor1D }) => (): tfType.Scalar => {
      const [w1, w2, w3, v] = W as tfType.Tensor2D[];
      const p = tf.unstack(tf.softmax(alpha));
      const x = b.x as tfType.Tensor2D;
      const h = tf.addN([tf.mul(tf.tanh(tf.matMul(x, w1)), p[1]), tf.mul(tf.matMul(x, w2), p[2]), tf.mul(tf.sigmoid(tf.matMul(x, w3)), p[3])]);
      return crossEntropy(tf.matMul(tf.tanh(h), v) as tfType.Tensor2D, b.y);
    };
    const problem: BilevelProblem = { weights: W, arch: [alpha], trainLoss: loss(tb), validLoss: loss(vb) };
    const xi = 0.5;
    const wd = 1e-2;
    const momentum = 0.9;
    const bufs = W.map((w, i) => rnd(w.shape, 20 + i, 0.1));
    const second = secondOrderArchGrad(problem, { xi, momentum, weightDecay: wd, momentumBuffers: bufs });
    const g2 = Array.from(second.grads[0].dataSync());

    // f(alpha) = L_val(w - xi * (momentum * buf + grad_w L_train(w, alpha) + wd * w), alpha), directly.
    const saved = W.map((w) => tf.clone(w));
    const toUnrolled = () => {
      const { value: l, grads } = valueAndGrads(problem.trainLoss, W);
      l.dispose();
      tf.tidy(() => W.forEach((w, i) => w.assign(tf.sub(saved[i], tf.mul(tf.addN([tf.mul(bufs[i], momentum), grads[i], tf.mul(saved[i], wd)]), xi)))));
      tf.dispose(grads);
    };
    const restore = () => W.forEach((w, i) => w.assign(saved[i]));
    const unrolled = (): number => {
      toUnrolled();
      const v = value(problem.validLoss);
      restore();
      return v;
    };
    // grad_alpha L_val(w', alpha) alone: what the second-order term corrects.
    toUnrolled();
    const atUnrolled = firstOrderArchGrad(problem);
    const g1 = Array.from(atUnrolled.grads[0].dataSync());
    restore();

    const fd = finiteDiff(unrolled, alpha, [0, 1, 2, 3], 1e-2);
    const err2 = relErr(g2, fd);
    const err1 = relErr(g1, fd);
    expect(norm(fd)).toBeGreaterThan(1e-2);
    if (process.env.SHOW_GRAD_ERRORS) console.log(`second order: relative error ${err2.toExponential(2)}; without the implicit term ${err1.toExponential(2)}`);
    expect(err2).toBeLessThan(5e-3);
    // The implicit (Hessian-vector) term matters here and is what closes the gap.
    expect(err1).toBeGreaterThan(0.05);
    tf.dispose([second.loss, ...second.grads, atUnrolled.loss, ...atUnrolled.grads, ...saved, ...bufs, ...W, alpha, tb.x, tb.y, vb.x, vb.y]);
  });

  it('second order on the supernet tends to the first-order gradient as xi -> 0, and restores the weights', () => {
    const net = tinySupernet(2, ['none', 'skip_connect', 'nor_conv_3x3', 'avg_pool_3x3']);
    setAlphas(net, 4);
    const tb = gatherBatch(train, [0, 1, 2, 3, 4, 5, 6, 7]);
    const vb = gatherBatch(valid, [0, 1, 2, 3, 4, 5, 6, 7]);
    const mode = { kind: 'mixture' } as const;
    const problem: BilevelProblem = {
      weights: net.weights,
      arch: net.archParams,
      trainLoss: () => crossEntropy(net.forward(tb.x, mode, true), tb.y),
      validLoss: () => crossEntropy(net.forward(vb.x, mode, true), vb.y),
    };
    const before = net.weights.map((w) => Array.from(w.dataSync()));
    const first = firstOrderArchGrad(problem);
    const second = secondOrderArchGrad(problem, { xi: 1e-6, momentum: 0, weightDecay: 0, momentumBuffers: net.weights.map(() => null) });
    const a = Array.from(first.grads[0].dataSync());
    const b = Array.from(second.grads[0].dataSync());
    expect(relErr(b, a)).toBeLessThan(1e-3);
    const after = net.weights.map((w) => Array.from(w.dataSync()));
    expect(after).toEqual(before);
    tf.dispose([first.loss, ...first.grads, second.loss, ...second.grads, tb.x, tb.y, vb.x, vb.y]);
    net.dispose();
  });
});
