/**
 * Anti-collapse pieces: the RobustDARTS eigenvalue by power iteration on finite-difference Hessian-vector products
 * (a quadratic with a known Hessian, then the supernet's alphas: finite, variables restored); the entropy
 * regulariser; operation-dropout masks (seeded, rate p, parameter-free target).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { install } from '../../src/engine/accel';
import { quadrantSplits } from '../helpers/synthetic';
import { dominantEigenvalue, meanAlphaEntropy } from '../../src/engine/supernet/anti-collapse';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { DartsSearch } from '../../src/engine/oneshot/darts';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useBackend('cpu');
  install();
});

describe('dominant Hessian eigenvalue', () => {
  it('finds the largest eigenvalue of a quadratic with a known Hessian', async () => {
    // L(x, y) = 0.5 x^T A x + 0.5 y^T B y + c^T x with A (3x3, eigenvalues 5, 2, 1) and B = diag(0.5, 3).
    const q = tf.tensor2d([[1 / Math.sqrt(2), 1 / Math.sqrt(2), 0], [-1 / Math.sqrt(2), 1 / Math.sqrt(2), 0], [0, 0, 1]]);
    const A = tf.tidy(() => tf.matMul(tf.matMul(q, tf.diag(tf.tensor1d([5, 2, 1]))), q, false, true));
    const B = tf.tensor2d([[0.5, 0], [0, 3]]);
    const c = tf.tensor1d([0.3, -0.1, 0.2]);
    const x = tf.variable(tf.tensor1d([0.4, -0.3, 0.8]));
    const y = tf.variable(tf.tensor2d([[0.1], [0.2]]));
    const before = [Array.from(x.dataSync()), Array.from(y.dataSync())];
    const loss = () => tf.tidy(() => {
      const xc = tf.reshape(x, [3, 1]);
      return tf.add(
        tf.add(tf.mul(0.5, tf.sum(tf.mul(xc, tf.matMul(A, xc)))), tf.mul(0.5, tf.sum(tf.mul(y, tf.matMul(B, y))))),
        tf.sum(tf.mul(c, x)),
      ) as tfType.Scalar;
    });
    const grad = () => {
      const { value, grads } = tf.variableGrads(loss, [x, y]);
      value.dispose();
      return [grads[x.name], grads[y.name]];
    };
    const count = tf.memory().numTensors;
    const r = await dominantEigenvalue(grad, [x, y], { iterations: 100, rng: createRng(1), tol: 1e-5 });
    expect(r.value).toBeCloseTo(5, 3);
    expect(r.iterations).toBeLessThan(100);
    expect([Array.from(x.dataSync()), Array.from(y.dataSync())]).toEqual(before);
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([q, A, B, c, x, y]);
  });

  it('gives the eigenvalue of largest magnitude, with its sign', async () => {
    const x = tf.variable(tf.tensor1d([1, 1]));
    const D = tf.tensor1d([-4, 1]);
    const grad = () => [tf.mul(D, x)]; // gradient of 0.5 * sum(D x^2)
    const r = await dominantEigenvalue(grad, [x], { iterations: 200, rng: createRng(2), tol: 1e-8 });
    expect(r.value).toBeCloseTo(-4, 3);
    tf.dispose([x, D]);
  });

  it('on the supernet: finite, and leaves alphas and BN statistics unchanged', async () => {
    const { train, valid } = quadrantSplits(32, 16, 2);
    const net = buildNb201Supernet({ ops: ['none', 'skip_connect', 'nor_conv_3x3'], skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 2, cellsPerStage: 1 } }, createRng(3));
    const s = new DartsSearch(net, { train, valid }, { epochs: 1, batchSize: 8, antiCollapse: { eigenBatchSize: 16 } });
    const snap = () => [...net.archParams, ...net.buffers].map((v) => Array.from(v.dataSync()));
    const before = snap();
    const ev = await s.hessianEigenvalue(8);
    expect(Number.isFinite(ev)).toBe(true);
    expect(snap()).toEqual(before);
    s.dispose();
    net.dispose();
  });
});

describe('entropy regulariser and operation dropout', () => {
  it('mean entropy: log(K) for uniform rows, ~0 for one-hot rows', () => {
    const h = tf.tidy(() => meanAlphaEntropy([tf.zeros([6, 5]), tf.tensor2d([[50, 0, 0], [0, 50, 0]])]).dataSync()[0]);
    // 6 rows of log 5 and 2 rows of ~0, averaged over 8 edges.
    expect(h).toBeCloseTo((6 * Math.log(5)) / 8, 5);
  });

  it('drop masks are seeded, drop at rate p, scale kept ops by 1/(1-p), and can target parameter-free ops only', () => {
    const net = buildNb201Supernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 2, cellsPerStage: 1 } }, createRng(1));
    let dropped = 0;
    let total = 0;
    const rng = createRng(5);
    for (let i = 0; i < 200; i++) {
      const m = net.sampleDropMask(0.25, rng);
      for (const cell of m.factors) for (const edge of cell) edge.forEach((f, k) => {
        if (k === 0) { expect(f).toBe(1); return; } // 'none'
        total++;
        if (f === 0) dropped++; else expect(f).toBeCloseTo(1 / 0.75, 12);
      });
    }
    expect(dropped / total).toBeGreaterThan(0.23);
    expect(dropped / total).toBeLessThan(0.27);
    expect(net.sampleDropMask(0.5, createRng(9))).toEqual(net.sampleDropMask(0.5, createRng(9)));
    const pf = net.sampleDropMask(0.9, createRng(3), 'parameter-free');
    // ops: none, skip, conv1x1, conv3x3, avgpool -> only skip (1) and avgpool (4) may drop.
    for (const cell of pf.factors) for (const edge of cell) {
      expect([edge[0], edge[2], edge[3]]).toEqual([1, 1, 1]);
    }
    expect(() => net.sampleDropMask(1, createRng(1))).toThrow(/\[0, 1\)/);
    net.dispose();
  });
});
