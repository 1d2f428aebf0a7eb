import { describe, expect, it } from 'vitest';
import { nb201Cost, nb201CostGraph } from '../../src/engine/model/cost';
import { NB201_OPS, nb201FromString, nb201Space, type Nb201Genotype } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

const g = (s: string): Nb201Genotype => nb201FromString(s);
const ALL_NONE = g('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
const ALL_CONV3 = g('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');

// Default skeleton: C = 16, 5 cells per stage, input 32x32x3, 10 classes. Stages at 32x32 (C=16), 16x16 (32), 8x8 (64).
const SKELETON_PARAMS =
  (3 * 3 * 3 * 16 + 2 * 16) // stem conv3x3 3->16 (no bias) + BN gamma/beta
  + (3 * 3 * 16 * 32 + 2 * 32) + (3 * 3 * 32 * 32 + 2 * 32) + 16 * 32 // reduction 1: conv_a, conv_b, shortcut conv1x1
  + (3 * 3 * 32 * 64 + 2 * 64) + (3 * 3 * 64 * 64 + 2 * 64) + 32 * 64 // reduction 2
  + 2 * 64 // lastact BN
  + (64 * 10 + 10); // classifier with bias
const SKELETON_FLOPS =
  32 * 32 * 16 * (3 * 3 * 3) // stem
  + 16 * 16 * 32 * (3 * 3 * 16) + 16 * 16 * 32 * (3 * 3 * 32) + 16 * 16 * 32 * 16 // reduction 1 (outputs at 16x16)
  + 8 * 8 * 64 * (3 * 3 * 32) + 8 * 8 * 64 * (3 * 3 * 64) + 8 * 8 * 64 * 32 // reduction 2 (outputs at 8x8)
  + 64 * 10; // classifier
const SKELETON_BN = 16 + 32 + 32 + 64 + 64 + 64; // BN channels: stem, red1 a/b, red2 a/b, lastact

/** Per-cell cost at width c and h x h resolution, for conv edge counts n1 (1x1) and n3 (3x3). */
const cellParams = (c: number, n1: number, n3: number) => n1 * (c * c + 2 * c) + n3 * (9 * c * c + 2 * c);
const cellFlops = (c: number, hw: number, n1: number, n3: number) => hw * (n1 * c * c + n3 * 9 * c * c);
const net = (n1: number, n3: number) => ({
  params: SKELETON_PARAMS + 5 * (cellParams(16, n1, n3) + cellParams(32, n1, n3) + cellParams(64, n1, n3)),
  flops: SKELETON_FLOPS + 5 * (cellFlops(16, 32 * 32, n1, n3) + cellFlops(32, 16 * 16, n1, n3) + cellFlops(64, 8 * 8, n1, n3)),
});

describe('NB201 cost', () => {
  it('skeleton only (all-none cell)', () => {
    expect(SKELETON_PARAMS).toBe(73306);
    expect(SKELETON_FLOPS).toBe(7783040);
    const c = nb201Cost(ALL_NONE);
    expect(c.params).toBe(SKELETON_PARAMS);
    expect(c.flops).toBe(SKELETON_FLOPS);
    expect(c.nonTrainable).toBe(2 * SKELETON_BN);
    expect(c.outputShape).toEqual([10]);
    // Peak at reduction 1's conv_b: its input x (32x32x16, needed later by the shortcut), conv_a out and conv_b out
    // (16x16x32 each), 4 bytes each.
    expect(c.peakActivationBytes).toBe(4 * (32 * 32 * 16 + 2 * 16 * 16 * 32));
  });

  it('all nor_conv_3x3: 6 conv3x3 per cell (NAS-Bench-201 reports 1.53M params, 220M FLOPs for this cell)', () => {
    const c = nb201Cost(ALL_CONV3);
    expect(c.params).toBe(net(0, 6).params);
    expect(c.params).toBe(1531546);
    expect(c.flops).toBe(net(0, 6).flops);
    expect(c.flops).toBe(220119680);
    expect(c.nonTrainable).toBe(2 * (SKELETON_BN + 5 * 6 * (16 + 32 + 64)));
    // Peak in a stage-1 cell, at node 2's add: x and node 1 (both needed by node 3), the two edge outputs
    // into node 2, and node 2 itself: 5 tensors of 32x32x16 floats.
    expect(c.peakActivationBytes).toBe(5 * 4 * 32 * 32 * 16);
  });

  it('a mixed cell: one conv1x1 and one conv3x3, pool and skip add nothing', () => {
    const c = nb201Cost(g('|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|'));
    expect(c.params).toBe(net(1, 1).params);
    expect(c.params).toBe(73306 + 5 * ((10 * 256 + 4 * 16) + (10 * 1024 + 4 * 32) + (10 * 4096 + 4 * 64)));
    expect(c.flops).toBe(net(1, 1).flops);
    expect(c.flops).toBe(7783040 + 3 * 5 * (1024 * 10 * 256));
  });

  it('dead edges: kept by default (as the NB201 network builds them), dropped with deadEdges: prune', () => {
    // 0->1 conv: node 1 never reaches the output. 2->3 conv: node 2 has only none inputs (zeros).
    const x = g('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|');
    const keep = nb201Cost(x);
    const prune = nb201Cost(x, {}, { deadEdges: 'prune' });
    expect(keep.params).toBe(net(0, 2).params);
    expect(keep.flops).toBe(net(0, 2).flops);
    expect(prune.params).toBe(SKELETON_PARAMS);
    expect(prune.flops).toBe(SKELETON_FLOPS);
    // pruning the same cell by hand gives the same graph cost
    expect(nb201Cost(g('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'))).toEqual(prune);
  });

  it('scales FLOPs with the input area and params with the classes as computed by hand', () => {
    const a = nb201Cost(ALL_CONV3);
    const b = nb201Cost(ALL_CONV3, { inputShape: [64, 64, 3] });
    expect(b.params).toBe(a.params);
    expect(b.flops - 640).toBe(4 * (a.flops - 640));
    const c = nb201Cost(ALL_CONV3, { numClasses: 100 });
    expect(c.params - a.params).toBe(90 * 64 + 90);
    const d = nb201Cost(ALL_CONV3, { channels: 8, cellsPerStage: 1 });
    expect(d.params).toBe(
      (27 * 8 + 16) + (9 * 8 * 16 + 32) + (9 * 16 * 16 + 32) + 8 * 16 + (9 * 16 * 32 + 64) + (9 * 32 * 32 + 64) + 16 * 32 + 64 + (32 * 10 + 10)
      + 6 * ((9 * 64 + 16) + (9 * 256 + 32) + (9 * 1024 + 64)),
    );
  });

  it('is monotone: upgrading an edge to nor_conv_3x3, more channels, more cells, pruning', () => {
    const rng = createRng(8);
    for (let t = 0; t < 150; t++) {
      const x = nb201Space.sample(rng);
      const base = nb201Cost(x);
      const e = rng.int(6);
      const up = nb201Cost({ ops: x.ops.map((o, k) => (k === e ? 'nor_conv_3x3' : o)) });
      expect(up.params).toBeGreaterThanOrEqual(base.params);
      expect(up.flops).toBeGreaterThanOrEqual(base.flops);
      if (x.ops[e] !== 'nor_conv_3x3') expect(up.params).toBeGreaterThan(base.params);
      const wide = nb201Cost(x, { channels: 24 });
      expect(wide.params).toBeGreaterThan(base.params);
      expect(wide.flops).toBeGreaterThan(base.flops);
      expect(wide.peakActivationBytes).toBeGreaterThan(base.peakActivationBytes);
      const pruned = nb201Cost(x, {}, { deadEdges: 'prune' });
      expect(pruned.params).toBeLessThanOrEqual(base.params);
      expect(pruned.flops).toBeLessThanOrEqual(base.flops);
      if (x.ops.some((o) => o.startsWith('nor_conv'))) expect(nb201Cost(x, { cellsPerStage: 6 }).params).toBeGreaterThan(base.params);
    }
  });

  it('costs every op type as specified per edge', () => {
    const one = (op: string) => nb201Cost(g(`|${op}~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|`));
    const none = one('none');
    expect(one('skip_connect').params).toBe(none.params);
    expect(one('avg_pool_3x3').params).toBe(none.params);
    expect(one('nor_conv_1x1').params - none.params).toBe(5 * ((256 + 32) + (1024 + 64) + (4096 + 128)));
    expect(one('nor_conv_3x3').flops - none.flops).toBe(5 * (1024 * 9 * 256 + 256 * 9 * 1024 + 64 * 9 * 4096));
    expect(NB201_OPS.length).toBe(5);
  });

  it('names each step and rejects a skeleton whose input cannot be halved twice', () => {
    const steps = nb201CostGraph(ALL_CONV3).steps;
    expect(steps.filter((s) => s.kind === 'conv').length).toBe(1 + 2 * 3 + 3 * 5 * 6);
    expect(steps.map((s) => s.name)).toContain('stage2.cell4.edge2->3.nor_conv_3x3');
    expect(() => nb201Cost(ALL_CONV3, { inputShape: [30, 30, 3] })).toThrow('inputShape: height and width must be multiples of 4');
    expect(() => nb201Cost(ALL_CONV3, { channels: 0 })).toThrow('channels: must be an integer');
  });
});
