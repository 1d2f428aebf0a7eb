/**
 * The app's pure presentation helpers: cell-diagram layouts (NB201 liveness, DARTS layering, mobile
 * stages), label separation, metric unit conversions, the scatter's Pareto front, and the benchmark
 * lab's curve aggregation. Known answers are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import {
  anyOverlap,
  dartsLayers,
  formatMetric,
  frontIds,
  lambdaFromDisplay,
  lambdaToDisplay,
  layoutDartsCell,
  layoutGenotype,
  layoutMobile,
  layoutNb201,
  nb201Liveness,
  scatterData,
  separateLabels,
  tidy,
  fromDisplay,
  type LabelBox,
} from '../../src/app/graph';
import { aggregateCurves, bestPerStrategy, makeGrid, meanStd, stepValueAt, summarize, yRange } from '../../src/app/tabular/curves';
import type { LabRunResult } from '../../src/protocol/tabular-api';
import { NB201_OPS } from '../../src/shared/space-vocab';
import { DARTS_GENOTYPE_OPS, DARTS_V2 } from '../../src/engine/space/darts/genotype';
import { nb201LiveEdges } from '../../src/engine/space/nb201/canonical';
import { NB201_SIZE, nb201FromIndex } from '../../src/engine/space/nb201/arch-index';

describe('NB201 cell diagram', () => {
  it('draws the shared op list, and marks dead exactly the edges the engine prunes (all 15,625 cells)', () => {
    expect(layoutNb201({ ops: ['none', 'none', 'none', 'none', 'none', 'none'] }).legendOps).toEqual([...NB201_OPS]);
    for (let i = 0; i < NB201_SIZE; i++) {
      const g = nb201FromIndex(i);
      expect(nb201Liveness(g.ops).edges.map((e) => e === 'live')).toEqual(nb201LiveEdges(g));
    }
  });

  it('lays out 4 nodes and 6 labelled edges in arch-string order', () => {
    const d = layoutNb201({ ops: ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'nor_conv_3x3'] });
    expect(d.nodes.map((n) => n.id)).toEqual(['0', '1', '2', '3']);
    expect(d.edges.map((e) => e.id)).toEqual(['0-1', '0-2', '1-2', '0-3', '1-3', '2-3']);
    expect(d.edges.map((e) => e.label)).toEqual(['conv 3×3', 'skip', 'conv 1×1', 'avg pool', 'none', 'conv 3×3']);
    expect(d.edges[4].state).toBe('none');
    expect(d.edges[4].dashed).toBe(true);
    expect(d.edges.filter((e) => e.state === 'live')).toHaveLength(5);
    expect(d.hasDead).toBe(false);
    expect(d.description).toContain('edge 1 to 3: none');
    const boxes = d.edges.map((e) => ({ x: e.labelAt.x, y: e.labelAt.y, w: e.labelWidth, h: 16 }));
    expect(anyOverlap(boxes)).toBe(false);
    for (const b of boxes) {
      expect(b.x - b.w / 2).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w / 2).toBeLessThanOrEqual(d.width);
      expect(b.y - 8).toBeGreaterThanOrEqual(0);
      expect(b.y + 8).toBeLessThanOrEqual(d.height);
    }
  });

  it('greys edges whose result cannot reach the output, or whose input is always zero', () => {
    // 0->1 conv, 0->2 none, 1->2 none, 0->3 skip, 1->3 none, 2->3 conv:
    // node 1 is fed but reaches nothing (1->2, 1->3 are none): 0->1 is dead.
    // node 2 gets only zero inputs: 2->3 is dead. Only 0->3 is live.
    const live = nb201Liveness(['nor_conv_3x3', 'none', 'none', 'skip_connect', 'none', 'nor_conv_3x3']);
    expect(live.edges).toEqual(['dead', 'none', 'none', 'live', 'none', 'dead']);
    expect(live.fed).toEqual([true, true, false, true]);
    expect(live.reaches).toEqual([true, false, true, true]);
    expect(live.connected).toBe(true);
    const d = layoutNb201({ ops: ['nor_conv_3x3', 'none', 'none', 'skip_connect', 'none', 'nor_conv_3x3'] });
    expect(d.hasDead).toBe(true);
    expect(d.nodes.map((n) => n.dead)).toEqual([false, true, true, false]);
    expect(d.edges[0].title).toContain('dead');
  });

  it('notes a cell with no path from input to output', () => {
    const live = nb201Liveness(['skip_connect', 'skip_connect', 'none', 'none', 'none', 'none']);
    expect(live.connected).toBe(false);
    expect(live.edges).toEqual(['dead', 'dead', 'none', 'none', 'none', 'none']);
    expect(layoutNb201({ ops: ['skip_connect', 'skip_connect', 'none', 'none', 'none', 'none'] }).note).toMatch(/outputs zeros/);
  });

  it('rejects a genotype of the wrong shape with a readable message', () => {
    expect(() => layoutNb201({ ops: ['none'] })).toThrow(/6 op names/);
    expect(() => layoutGenotype('nb201', null)).toThrow(/6 op names/);
    expect(() => layoutGenotype('nasbench101', {})).toThrow(/no diagram for search space "nasbench101"/);
  });
});

describe('DARTS cell diagram', () => {
  it('layers nodes by longest path from the inputs', () => {
    // DARTS_V2 normal: node0 <- (0,1); node1 <- (0,1); node2 <- (1,0); node3 <- (0, state 2 = node0)
    expect(dartsLayers(DARTS_V2.normal)).toEqual([0, 0, 1, 1, 1, 2]);
    // reduce: node0 <- (0,1); node1 <- (2,1) -> 2; node2 <- (0,2) -> 2; node3 <- (2,1) -> 2
    expect(dartsLayers(DARTS_V2.reduce)).toEqual([0, 0, 1, 2, 2, 2]);
  });

  it('draws both cells with inputs, 4 nodes, the concat output and 8 labelled edges each', () => {
    const panels = layoutGenotype('darts', DARTS_V2);
    expect(panels.map((p) => p.heading)).toEqual(['Normal cell', 'Reduction cell']);
    for (const { diagram: d } of panels) {
      if (d.kind !== 'cell') throw new Error('expected a cell');
      expect(d.nodes.map((n) => n.id)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 'out']);
      const ops = d.edges.filter((e) => e.op !== null);
      const concat = d.edges.filter((e) => e.op === null);
      expect(ops).toHaveLength(8);
      expect(concat.map((e) => e.from)).toEqual(['s2', 's3', 's4', 's5']);
      expect(anyOverlap(ops.map((e) => ({ x: e.labelAt.x, y: e.labelAt.y, w: e.labelWidth, h: 16 })))).toBe(false);
      // inputs left of every intermediate node, output right of all
      const x = Object.fromEntries(d.nodes.map((n) => [n.id, n.x]));
      for (const k of ['s2', 's3', 's4', 's5']) {
        expect(x[k]).toBeGreaterThan(x.s0);
        expect(x.out).toBeGreaterThan(x[k]);
      }
      expect(d.legendOps).toEqual([...DARTS_GENOTYPE_OPS]);
    }
    const normal = layoutDartsCell(DARTS_V2, 'normal');
    expect(normal.edges.find((e) => e.id === 'normal:7')?.title).toBe('node 0 → node 3: dil_conv_3x3');
    expect(normal.description).toContain('node 3 = skip_connect(c_{k-2}) + dil_conv_3x3(node 0)');
    expect(layoutGenotype('darts', DARTS_V2, 'reduce')).toHaveLength(1);
  });

  it('rejects an edge whose input does not exist yet', () => {
    const bad = { ...DARTS_V2, normal: [...DARTS_V2.normal.slice(0, 7), ['skip_connect', 5]] };
    expect(() => layoutDartsCell(bad, 'normal')).toThrow(/normal\[7\] must be \[op, input\] with input 0\.\.4/);
  });
});

describe('mobile stage diagram', () => {
  const g = {
    stages: [
      { block: 'ds', expand: 1, kernel: 3, se: false, width: 16, depth: 1, stride: 1 },
      { block: 'mb', expand: 6, kernel: 5, se: true, width: 48, depth: 3, stride: 2 },
      { block: 'mb', expand: 3, kernel: 3, se: false, width: 24, depth: 2, stride: 2 },
    ],
  };
  it('draws one box per stage, left to right, with width fractions and downsampling', () => {
    const d = layoutMobile(g);
    expect(d.boxes.map((b) => b.title)).toEqual(['DS conv', 'MBConv6', 'MBConv3']);
    expect(d.boxes.map((b) => b.widthFrac)).toEqual([16 / 48, 1, 0.5]);
    expect(d.boxes.map((b) => b.downsample)).toEqual([1, 2, 4]);
    for (let i = 1; i < d.boxes.length; i++) expect(d.boxes[i].x).toBeGreaterThan(d.boxes[i - 1].x + d.boxes[i - 1].w);
    expect(d.arrows).toHaveLength(4);
    expect(d.description).toContain('stage 2: MBConv6, kernel 5x5, with squeeze-and-excitation, width 48, depth 3, stride 2');
  });
  it('names the field that is wrong', () => {
    expect(() => layoutMobile({ stages: [{ block: 'mb', expand: 6, kernel: '5', se: true, width: 1, depth: 1, stride: 1 }] })).toThrow(/stages\[0\]\.kernel must be a number/);
  });
});

describe('label separation', () => {
  it('pushes overlapping boxes apart and leaves separate ones alone', () => {
    const boxes: LabelBox[] = [
      { x: 100, y: 50, w: 60, h: 16 },
      { x: 110, y: 55, w: 60, h: 16 },
      { x: 300, y: 50, w: 60, h: 16 },
    ];
    separateLabels(boxes);
    expect(anyOverlap(boxes)).toBe(false);
    expect(boxes[2]).toEqual({ x: 300, y: 50, w: 60, h: 16 });
    expect(boxes[0].y).toBeLessThan(50);
    expect(boxes[1].y).toBeGreaterThan(55);
  });
});

describe('metric units', () => {
  it('converts a penalty per MFLOP to lambda on flops (counted in multiply-adds) and back', () => {
    expect(lambdaFromDisplay('flops', 0.01)).toBeCloseTo(1e-8, 20);
    expect(tidy(lambdaToDisplay('flops', 1e-8))).toBe(0.01);
    expect(lambdaFromDisplay('latency_ms', 0.5)).toBe(0.5);
    expect(fromDisplay('flops', 12.5)).toBe(12_500_000);
    expect(fromDisplay('latency_ms', 8)).toBe(8);
    expect(formatMetric('flops', 12_345_678)).toBe('12.35 MFLOPs');
    expect(formatMetric('pixel3_ms', 3.60585)).toBe('3.61 ms');
    expect(formatMetric('valid_acc', undefined)).toBe('–');
  });
});

describe('accuracy-vs-cost scatter', () => {
  const pts = [
    { id: 0, acc: 80, cost: 10 },
    { id: 1, acc: 85, cost: 20 },
    { id: 2, acc: 82, cost: 25 }, // dominated by 1
    { id: 3, acc: 90, cost: 40 },
    { id: 4, acc: 79, cost: 10 }, // dominated by 0
    { id: 5, acc: 85, cost: 20 }, // equal to 1: both stay
  ];
  it('finds the non-dominated points by ascending cost', () => {
    expect(frontIds(pts)).toEqual([0, 1, 5, 3]);
  });
  it('uses the run front on its own axis and recomputes it on another', () => {
    const cands = pts.map((p) => ({ id: p.id, feasible: p.id !== 3, metrics: { valid_acc: p.acc, flops: p.cost * 1e6, latency_ms: 50 - p.cost } }));
    const own = scatterData(cands, 'flops', 'valid_acc', { cost: 'flops', ids: [0, 1, 3] });
    expect(own.fromRun).toBe(true);
    // equal costs are nudged apart (uPlot needs strictly increasing x), invisibly
    expect(own.x.map((x) => Number(x.toFixed(6)))).toEqual([10, 10, 20, 20, 25, 40]);
    for (let i = 1; i < own.x.length; i++) expect(own.x[i]).toBeGreaterThan(own.x[i - 1]);
    expect(own.ids).toEqual([4, 0, 1, 5, 2, 3]);
    expect(own.front).toEqual([null, 80, 85, null, null, 90]);
    expect(own.infeasible).toEqual([null, null, null, null, null, 90]);
    const other = scatterData(cands, 'latency_ms', 'valid_acc', { cost: 'flops', ids: [0, 1, 3] });
    expect(other.fromRun).toBe(false);
    // latency = 50 - cost: the most accurate (id 3, 10 ms) dominates everything
    expect(other.frontCount).toBe(1);
  });
});

describe('benchmark-lab curves', () => {
  const run = (strategy: 'random' | 'evolution', seed: number, t: number[], valid: number[], extra: Partial<LabRunResult> = {}): LabRunResult => ({
    strategy,
    seed,
    stopReason: 'budget',
    queries: 10,
    simulatedSeconds: t[t.length - 1] ?? 0,
    curve: { t, q: t.map((_, i) => i + 1), valid, objective: valid },
    best: valid.length ? { arch: `a${seed}`, hash: `h${valid[valid.length - 1]}`, genotype: { ops: [] }, metrics: { valid_acc: valid[valid.length - 1], test_acc: valid[valid.length - 1] - 1 }, objective: valid[valid.length - 1], foundAt: valid.length } : null,
    ...extra,
  });

  it('reads a step function', () => {
    expect(stepValueAt([10, 20, 30], [1, 2, 3], 5)).toBeNull();
    expect(stepValueAt([10, 20, 30], [1, 2, 3], 10)).toBe(1);
    expect(stepValueAt([10, 20, 30], [1, 2, 3], 29.9)).toBe(2);
    expect(stepValueAt([10, 20, 30], [1, 2, 3], 1e9)).toBe(3);
  });

  it('makes grids', () => {
    expect(makeGrid(5, 'queries')).toEqual([1, 2, 3, 4, 5]);
    const g = makeGrid(10_000, 'queries', 100);
    expect(g).toHaveLength(100);
    expect(g[g.length - 1]).toBe(10_000);
    expect(makeGrid(2, 'time', 4)).toEqual([0.5, 1, 1.5, 2]);
    expect(makeGrid(0, 'time')).toEqual([]);
  });

  it('averages seeds on one grid, carrying a finished run forward', () => {
    // Two random runs in hours: A improves at 1h (80) and 2h (90); B at 1h (84), ends at 1h.
    const runs = [run('random', 0, [3600, 7200], [80, 90]), run('random', 1, [3600], [84])];
    const b = aggregateCurves(runs, ['random'], 'time', 'valid', 4); // grid 0.5, 1, 1.5, 2 h
    expect(b.x).toEqual([0.5, 1, 1.5, 2]);
    const s = b.series[0];
    expect(s.mean).toEqual([null, 82, 82, 87]);
    // std of (90, 84) = sqrt(18) ≈ 4.2426
    expect(s.hi[3]).toBeCloseTo(87 + Math.sqrt(18), 6);
    expect(s.lo[1]).toBeCloseTo(82 - Math.sqrt(8), 6);
    // y range skips the first quarter here (x = 0.5 h), includes the 95 ceiling, pads 6%, caps at 100
    const [lo, hi] = yRange(b, 95, 0.25, 100)!;
    expect(lo).toBeCloseTo(82 - Math.sqrt(8) - 0.06 * (95 - (82 - Math.sqrt(8))), 6);
    expect(hi).toBeCloseTo(95 + 0.06 * (95 - (82 - Math.sqrt(8))), 6);
    expect(yRange(aggregateCurves([], ['random'], 'time'), null)).toBeNull();
  });

  it('summarises picks and names each strategy\'s best cell', () => {
    const runs = [run('random', 0, [1, 2], [80, 90]), run('random', 1, [1], [84]), run('evolution', 0, [1], [91]), run('evolution', 1, [], [])];
    const oracle = { arch: 'x', hash: 'h91', genotype: { ops: [] }, metrics: { valid_acc: 91 }, objective: 91, foundAt: 0 };
    const [r, e] = summarize(runs, ['random', 'evolution'], oracle);
    expect(r.valid).toEqual(meanStd([90, 84]));
    expect(r.test?.mean).toBe(86);
    expect(e.runs).toBe(2);
    expect(e.noFeasible).toBe(1);
    expect(e.foundOracle).toBe(1);
    const best = bestPerStrategy(runs, ['random', 'evolution']);
    expect(best.map((x) => [x.strategy, x.seed, x.pick.objective, x.count])).toEqual([['random', 0, 90, 1], ['evolution', 0, 91, 1]]);
    expect(meanStd([5])).toEqual({ mean: 5, std: 0, n: 1 });
    expect(meanStd([])).toBeNull();
  });
});
