import { describe, expect, it } from 'vitest';
import { dartsCost } from '../../src/engine/model/cost';
import { DARTS_V2, dartsSpace, type DartsEdge, type DartsGenotype } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

// Every node: max_pool from state 0 and avg_pool from state 1: no parameters inside the cells.
const POOLS: DartsEdge[] = Array.from({ length: 4 }, () => [['max_pool_3x3', 0], ['avg_pool_3x3', 1]] as DartsEdge[]).flat();
const POOL_NET: DartsGenotype = { normal: POOLS, normal_concat: [2, 3, 4, 5], reduce: POOLS, reduce_concat: [2, 3, 4, 5] };
const withEdge = (g: DartsGenotype, cell: 'normal' | 'reduce', i: number, e: DartsEdge): DartsGenotype => ({ ...g, [cell]: g[cell].map((x, k) => (k === i ? e : x)) });

// Default skeleton: C = 16, 8 layers (reductions at 2 and 5), stem 48 channels, 32x32x3 input, 10 classes.
// Cell i: (C, reduction, C_prev_prev, C_prev, preprocess0 type); cell outputs have 4C channels.
//  0: 16 normal, pp 48, p 48, relu-conv-bn      | 1: 16 normal, pp 48, p 64       | 2: 32 REDUCE, pp 64, p 64
//  3: 32 normal, pp 64, p 128, FactorizedReduce | 4: 32 normal, pp 128, p 128     | 5: 64 REDUCE, pp 128, p 128
//  6: 64 normal, pp 128, p 256, FactorizedReduce| 7: 64 normal, pp 256, p 256
const rcb = (cin: number, c: number) => cin * c + 2 * c; // relu-conv1x1-BN params
const fr = (cin: number, c: number) => 2 * cin * (c / 2) + 2 * c; // FactorizedReduce params

describe('DARTS cost', () => {
  it('pool-only cells: stem, preprocessing and classifier params', () => {
    const params =
      (27 * 48 + 2 * 48) // stem conv3x3 3->48 + BN
      + rcb(48, 16) + rcb(48, 16)
      + rcb(48, 16) + rcb(64, 16)
      + rcb(64, 32) + rcb(64, 32)
      + fr(64, 32) + rcb(128, 32)
      + rcb(128, 32) + rcb(128, 32)
      + rcb(128, 64) + rcb(128, 64)
      + fr(128, 64) + rcb(256, 64)
      + rcb(256, 64) + rcb(256, 64)
      + (256 * 10 + 10); // classifier
    expect(params).toBe(100730);
    const flops =
      32 * 32 * 48 * 27 // stem
      + 32 * 32 * (48 * 16 + 48 * 16) // cell 0 preprocess at 32x32
      + 32 * 32 * (48 * 16 + 64 * 16) // cell 1
      + 32 * 32 * (64 * 32 + 64 * 32) // cell 2 (preprocess runs before the stride-2 ops)
      + 16 * 16 * (2 * 64 * 16) + 16 * 16 * 128 * 32 // cell 3: FR (two 64->16 convs, stride 2 from 32x32) + conv
      + 16 * 16 * (128 * 32 + 128 * 32) // cell 4
      + 16 * 16 * (128 * 64 + 128 * 64) // cell 5
      + 8 * 8 * (2 * 128 * 32) + 8 * 8 * 256 * 64 // cell 6
      + 8 * 8 * (256 * 64 + 256 * 64) // cell 7
      + 256 * 10;
    const c = dartsCost(POOL_NET);
    expect(c.params).toBe(params);
    expect(c.flops).toBe(flops);
    expect(c.outputShape).toEqual([10]);
  });

  it('a sep_conv_3x3 in the normal cell adds 2 x (depthwise 9C + pointwise C^2 + BN 2C) per normal cell', () => {
    const base = dartsCost(POOL_NET);
    const c = dartsCost(withEdge(POOL_NET, 'normal', 0, ['sep_conv_3x3', 0]));
    // two normal cells at each of C = 16 (32x32), 32 (16x16), 64 (8x8)
    const sep = (C: number) => 2 * (9 * C + C * C + 2 * C);
    const sepFlops = (C: number, hw: number) => 2 * hw * (9 * C + C * C);
    expect(c.params - base.params).toBe(2 * (sep(16) + sep(32) + sep(64)));
    expect(c.params - base.params).toBe(26432);
    expect(c.flops - base.flops).toBe(2 * (sepFlops(16, 1024) + sepFlops(32, 256) + sepFlops(64, 64)));
  });

  it('dil_conv and sep_conv 5x5 and the reduction cell\'s stride-2 skip (FactorizedReduce)', () => {
    const base = dartsCost(POOL_NET);
    const dil5 = dartsCost(withEdge(POOL_NET, 'normal', 1, ['dil_conv_5x5', 1]));
    expect(dil5.params - base.params).toBe(2 * [16, 32, 64].reduce((s, C) => s + 25 * C + C * C + 2 * C, 0));
    expect(dil5.flops - base.flops).toBe(2 * (1024 * (25 * 16 + 256) + 256 * (25 * 32 + 1024) + 64 * (25 * 64 + 4096)));
    // reduce cells at C = 32 (output 16x16) and C = 64 (output 8x8): skip from state 0 becomes FR(C, C)
    const skip = dartsCost(withEdge(POOL_NET, 'reduce', 0, ['skip_connect', 0]));
    expect(skip.params - base.params).toBe((32 * 32 + 64) + (64 * 64 + 128));
    expect(skip.flops - base.flops).toBe(16 * 16 * 32 * 32 + 8 * 8 * 64 * 64);
    // a skip from an intermediate node is an identity even in a reduction cell
    const id = dartsCost(withEdge(POOL_NET, 'reduce', 2, ['skip_connect', 2]));
    expect(id.params).toBe(base.params);
    expect(id.flops).toBe(base.flops);
    // the sep_conv 5x5 stride-2 in a reduce cell works at the reduced resolution
    const sep5 = dartsCost(withEdge(POOL_NET, 'reduce', 1, ['sep_conv_5x5', 1]));
    expect(sep5.flops - base.flops).toBe(256 * (25 * 32 + 1024) * 2 + 64 * (25 * 64 + 4096) * 2);
  });

  it('DARTS_V2 at the paper\'s evaluation size (C=36, 20 cells, no auxiliary head) has 3,349,342 params', () => {
    // quark0/darts train.py logs "param size = 3.349342MB" for DARTS_V2 (auxiliary head excluded from the count).
    expect(dartsCost(DARTS_V2, { channels: 36, layers: 20 }).params).toBe(3349342);
  });

  it('tiny network: hand-traced params and peak activation memory', () => {
    // layers = 1: one reduction cell (floor(1/3) = floor(2/3) = 0); C = 2 -> 4 in the cell; stem 1 * 2 channels.
    const c = dartsCost(POOL_NET, { channels: 2, layers: 1, stemMultiplier: 1, inputShape: [4, 4, 1] });
    expect(c.params).toBe((9 * 1 * 2 + 4) + (2 * 4 + 8) + (2 * 4 + 8) + (16 * 10 + 10));
    // bytes: input 4x4x1 = 64, stem 4x4x2 = 128, preprocess 4x4x4 = 256 each, pool/add outputs 2x2x4 = 64.
    // Node 4's add: p0 + p1 (needed by node 5) + nodes 2, 3 + two op outputs + the sum = 256*2 + 64*5.
    expect(c.peakActivationBytes).toBe(2 * 256 + 5 * 64);
  });

  it('is monotone in layers and channels, and a conv never costs less than a pool', () => {
    const rng = createRng(31);
    for (let t = 0; t < 40; t++) {
      const g = dartsSpace.sample(rng);
      const base = dartsCost(g);
      const deeper = dartsCost(g, { layers: 11 });
      const wider = dartsCost(g, { channels: 24 });
      expect(deeper.params).toBeGreaterThan(base.params);
      expect(deeper.flops).toBeGreaterThan(base.flops);
      expect(wider.params).toBeGreaterThan(base.params);
      expect(wider.flops).toBeGreaterThan(base.flops);
      expect(wider.peakActivationBytes).toBeGreaterThan(base.peakActivationBytes);
      const i = rng.int(8);
      const [op, input] = g.normal[i];
      if (op.includes('pool')) {
        const up = dartsCost(withEdge(g, 'normal', i, ['sep_conv_3x3', input]));
        expect(up.params).toBeGreaterThan(base.params);
        expect(up.flops).toBeGreaterThan(base.flops);
      }
    }
  });

  it('rejects skeletons the network cannot build', () => {
    expect(() => dartsCost(DARTS_V2, { channels: 15 })).toThrow('channels: must be even');
    expect(() => dartsCost(DARTS_V2, { inputShape: [30, 30, 3] })).toThrow('inputShape: height and width must be multiples of 4');
  });
});
