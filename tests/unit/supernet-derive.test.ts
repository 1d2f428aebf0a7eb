/** Genotype derivation from hand-set architecture weights (NB201 argmax; DARTS top-2 edges; PC-DARTS betas). */
import { describe, expect, it } from 'vitest';
import {
  dartsEdgeCount, dartsEdgeIndex, deriveDartsGenotype, deriveNb201Genotype, normalizeDartsBetas, softmaxRows,
} from '../../src/engine/supernet/derive';
import { rankingSignature, earlyStopCheck, NO_ANTI_COLLAPSE, normalCellSkips } from '../../src/engine/supernet/anti-collapse';
import { NB201_OPS } from '../../src/engine/space/nb201/space';
import { DARTS_OPS } from '../../src/shared/space-vocab';
import { dartsSpace } from '../../src/engine/space/darts/space';

const oneHotRow = (n: number, k: number, hi = 0.6): number[] => Array.from({ length: n }, (_, i) => (i === k ? hi : (1 - hi) / (n - 1)));

describe('NB201 derivation', () => {
  const ops = NB201_OPS; // none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3
  it('takes the argmax per edge, none included by default', () => {
    const w = [oneHotRow(5, 3), oneHotRow(5, 0), oneHotRow(5, 1), oneHotRow(5, 2), oneHotRow(5, 4), oneHotRow(5, 3)];
    expect(deriveNb201Genotype(w, ops).ops).toEqual(['nor_conv_3x3', 'none', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'nor_conv_3x3']);
  });
  it('can exclude none, falling back to the best other op', () => {
    const row = [0.5, 0.1, 0.15, 0.2, 0.05];
    const g = deriveNb201Genotype([row, row, row, row, row, row], ops, { excludeNone: true });
    expect(g.ops).toEqual(Array(6).fill('nor_conv_3x3'));
  });
  it('breaks ties towards the first op and respects a restricted op list', () => {
    expect(deriveNb201Genotype(Array(6).fill([0.5, 0.5]), ['skip_connect', 'nor_conv_3x3']).ops).toEqual(Array(6).fill('skip_connect'));
    expect(() => deriveNb201Genotype([[1]], ops)).toThrow(/6 edge rows/);
  });
  it('softmaxRows normalises logits', () => {
    const r = softmaxRows([[0, Math.log(3)]]);
    expect(r[0][0]).toBeCloseTo(0.25, 12);
    expect(r[0][1]).toBeCloseTo(0.75, 12);
  });
});

describe('DARTS derivation', () => {
  const ops = DARTS_OPS; // none, max, avg, skip, sep3, sep5, dil3, dil5
  const K = ops.length;
  const idx = (op: string) => ops.indexOf(op as (typeof ops)[number]);
  /** Flat weights with 'none' dominant everywhere unless set. */
  function cell(set: Record<string, [string, number]>): number[][] {
    const rows = Array.from({ length: dartsEdgeCount() }, () => Array.from({ length: K }, (_, k) => (k === 0 ? 0.5 : 0.5 / (K - 1))));
    for (const [key, [op, w]] of Object.entries(set)) {
      const [node, input] = key.split('<-').map(Number);
      const e = dartsEdgeIndex(node - 2, input);
      rows[e] = rows[e].map((_, k) => (k === idx(op) ? w : k === 0 ? 0.9 - w : 0.1 / (K - 2)));
    }
    return rows;
  }

  it('edge indices follow DARTS order (node k reads states 0..k+1)', () => {
    expect(dartsEdgeCount()).toBe(14);
    expect([dartsEdgeIndex(0, 0), dartsEdgeIndex(0, 1), dartsEdgeIndex(1, 0), dartsEdgeIndex(1, 2), dartsEdgeIndex(2, 0), dartsEdgeIndex(3, 4)]).toEqual([0, 1, 2, 4, 5, 13]);
  });

  it('keeps the 2 strongest non-none edges per node, strongest first, with the argmax op excluding none', () => {
    const normal = cell({
      '2<-0': ['sep_conv_3x3', 0.6], '2<-1': ['skip_connect', 0.4],
      '3<-0': ['dil_conv_3x3', 0.3], '3<-1': ['sep_conv_5x5', 0.35], '3<-2': ['max_pool_3x3', 0.5],
      '4<-3': ['avg_pool_3x3', 0.45], '4<-1': ['sep_conv_3x3', 0.44], '4<-0': ['skip_connect', 0.1],
      '5<-4': ['dil_conv_5x5', 0.7], '5<-2': ['sep_conv_3x3', 0.3],
    });
    const reduce = cell({
      '2<-1': ['max_pool_3x3', 0.6], '2<-0': ['max_pool_3x3', 0.5],
      '3<-2': ['skip_connect', 0.5], '3<-0': ['avg_pool_3x3', 0.4],
      '4<-0': ['max_pool_3x3', 0.5], '4<-3': ['skip_connect', 0.45],
      '5<-2': ['skip_connect', 0.55], '5<-1': ['max_pool_3x3', 0.3],
    });
    const g = deriveDartsGenotype({ normal, reduce }, ops);
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 0], ['skip_connect', 1],
      ['max_pool_3x3', 2], ['sep_conv_5x5', 1],
      ['avg_pool_3x3', 3], ['sep_conv_3x3', 1],
      ['dil_conv_5x5', 4], ['sep_conv_3x3', 2],
    ]);
    expect(g.reduce).toEqual([
      ['max_pool_3x3', 1], ['max_pool_3x3', 0],
      ['skip_connect', 2], ['avg_pool_3x3', 0],
      ['max_pool_3x3', 0], ['skip_connect', 3],
      ['skip_connect', 2], ['max_pool_3x3', 1],
    ]);
    expect(() => dartsSpace.validate(g)).not.toThrow();
    expect(normalCellSkips(g)).toBe(1);
  });

  it('ignores none even when it dominates, and ties go to the lower input', () => {
    const uniform = Array.from({ length: 14 }, () => [0.9, ...Array(K - 1).fill(0.1 / (K - 1))]);
    const g = deriveDartsGenotype({ normal: uniform, reduce: uniform }, ops);
    for (let k = 0; k < 4; k++) {
      expect(g.normal[2 * k]).toEqual(['max_pool_3x3', 0]);
      expect(g.normal[2 * k + 1]).toEqual(['max_pool_3x3', 1]);
    }
  });

  it('PC-DARTS: edge weights (normalised betas) scale the edges before ranking', () => {
    const rows = cell({ '2<-0': ['sep_conv_3x3', 0.5], '2<-1': ['sep_conv_5x5', 0.4] });
    const plain = deriveDartsGenotype({ normal: rows, reduce: rows }, ops);
    expect(plain.normal.slice(0, 2)).toEqual([['sep_conv_3x3', 0], ['sep_conv_5x5', 1]]);
    // Node 2's betas favour input 1 strongly: 0.4 * 0.8 > 0.5 * 0.2.
    const betas = Array(14).fill(0);
    betas[dartsEdgeIndex(0, 1)] = Math.log(4);
    const nb = normalizeDartsBetas(betas);
    expect(nb[0] + nb[1]).toBeCloseTo(1, 12);
    expect(nb[1]).toBeCloseTo(0.8, 12);
    expect(nb.slice(2, 5)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const pc = deriveDartsGenotype({ normal: rows, reduce: rows }, ops, { normal: nb, reduce: nb });
    expect(pc.normal.slice(0, 2)).toEqual([['sep_conv_5x5', 1], ['sep_conv_3x3', 0]]);
  });
});

describe('DARTS+ early-stopping rules', () => {
  it('stop at 2 skip connections in the normal cell', () => {
    const opts = { ...NO_ANTI_COLLAPSE, maxSkips: 2 };
    const one = { ops: ['skip_connect', 'nor_conv_3x3', 'nor_conv_3x3', 'none', 'none', 'none'] };
    const two = { ops: ['skip_connect', 'nor_conv_3x3', 'skip_connect', 'none', 'none', 'none'] };
    let s = earlyStopCheck(opts, { signature: null, stable: 0, eigenvalues: [] }, { genotype: one, signature: 'a', eigenvalue: null, epochsDone: 9 });
    expect(s.reason).toBeNull();
    s = earlyStopCheck(opts, s.state, { genotype: two, signature: 'a', eigenvalue: null, epochsDone: 9 });
    expect(s.reason).toMatch(/2 skip connections/);
  });
  it('warm-up: neither DARTS+ rule fires before earlyStopWarmup epochs, even on a 2-skip cell', () => {
    expect(NO_ANTI_COLLAPSE.earlyStopWarmup).toBe(5);
    const opts = { ...NO_ANTI_COLLAPSE, maxSkips: 2, stableEpochs: 1, earlyStopWarmup: 3 };
    const two = { ops: ['skip_connect', 'nor_conv_3x3', 'skip_connect', 'none', 'none', 'none'] };
    let st = { signature: null as string | null, stable: 0, eigenvalues: [] as number[] };
    const reasons: (string | null)[] = [];
    for (let e = 1; e <= 4; e++) {
      const r = earlyStopCheck(opts, st, { genotype: two, signature: 'same', eigenvalue: null, epochsDone: e });
      st = { ...r.state };
      reasons.push(r.reason);
    }
    expect(reasons.slice(0, 2)).toEqual([null, null]);
    expect(reasons[2]).toMatch(/2 skip connections/);
    // The stability count went on during the warm-up.
    expect(st.stable).toBe(3);
    const noSkip = { ...opts, maxSkips: 0 };
    expect(earlyStopCheck(noSkip, { signature: 'same', stable: 1, eigenvalues: [] }, { genotype: two, signature: 'same', eigenvalue: null, epochsDone: 2 }).reason).toBeNull();
    expect(earlyStopCheck(noSkip, { signature: 'same', stable: 1, eigenvalues: [] }, { genotype: two, signature: 'same', eigenvalue: null, epochsDone: 3 }).reason).toMatch(/stable for 2 epochs/);
  });
  it('stop when the ranking has been stable for K epochs', () => {
    const opts = { ...NO_ANTI_COLLAPSE, stableEpochs: 2 };
    const w = [[[0.1, 0.5, 0.4], [0.2, 0.2, 0.6]]];
    const sig = rankingSignature(w, ['none', 'a', 'b']);
    expect(sig).toBe('1,2;2,1');
    const g = { ops: [] };
    let s = earlyStopCheck(opts, { signature: null, stable: 0, eigenvalues: [] }, { genotype: g, signature: sig, eigenvalue: null, epochsDone: 9 });
    s = earlyStopCheck(opts, s.state, { genotype: g, signature: sig, eigenvalue: null, epochsDone: 9 });
    expect(s.reason).toBeNull();
    s = earlyStopCheck(opts, s.state, { genotype: g, signature: sig, eigenvalue: null, epochsDone: 9 });
    expect(s.reason).toMatch(/stable for 2 epochs/);
    s = earlyStopCheck(opts, { ...s.state, stable: 0 }, { genotype: g, signature: 'other', eigenvalue: null, epochsDone: 9 });
    expect(s.state.stable).toBe(0);
  });
  it('DARTS-ES: stop when the dominant eigenvalue grows by more than 1/0.75', () => {
    const opts = { ...NO_ANTI_COLLAPSE, eigenStopRatio: 0.75, eigenWindow: 2, eigenLag: 2 };
    let st = { signature: null as string | null, stable: 0, eigenvalues: [] as number[] };
    const reasons: (string | null)[] = [];
    for (const v of [1, 1, 1.1, 1.2, 1.5, 2]) {
      const r = earlyStopCheck(opts, st, { genotype: { ops: [] }, signature: 's' + v, eigenvalue: v, epochsDone: 9 });
      st = { ...r.state };
      reasons.push(r.reason);
    }
    // windows: [1,1] vs [1.1,1.2] -> 0.87; [1,1.1] vs [1.2,1.5] -> 0.78; [1.1,1.2] vs [1.5,2] -> 0.66 < 0.75
    expect(reasons.slice(0, 5).every((r) => r === null)).toBe(true);
    expect(reasons[5]).toMatch(/DARTS-ES/);
  });
});
