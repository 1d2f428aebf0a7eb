import { describe, expect, it } from 'vitest';
import { mobileCost, mobileCostGraph } from '../../src/engine/model/cost';
import { createMobileSpace, mobileSpace, type MobileGenotype } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

const two = createMobileSpace({ strides: [1, 2] });

describe('mobile cost', () => {
  it('hand-computed params and FLOPs of a ds stage and an mb6+SE stage', () => {
    const g = two.decode('ds_k3_w16_d1_s1|mb6_k5_se_w24_d2_s2');
    // stem conv3x3 stride 2: 32x32x3 -> 16x16x16
    const stem = { p: 27 * 16 + 2 * 16, f: 16 * 16 * 16 * 27 };
    // stage 1, ds k3, 16 -> 16, stride 1 (residual add, no weights)
    const ds = { p: (9 * 16 + 2 * 16) + (16 * 16 + 2 * 16), f: 256 * 16 * 9 + 256 * 16 * 16 };
    // stage 2 block 0: mb6, 16 -> hidden 96 -> 24, k5 stride 2 (16x16 -> 8x8), SE(96) squeeze to 24
    const mb0 = {
      p: (16 * 96 + 2 * 96) + (25 * 96 + 2 * 96) + (96 * 24 + 24 + 24 * 96 + 96) + (96 * 24 + 2 * 24),
      f: 256 * 16 * 96 + 64 * 96 * 25 + (96 * 24 + 24 * 96) + 64 * 96 * 24,
    };
    // stage 2 block 1: mb6, 24 -> hidden 144 -> 24, stride 1 (residual), SE(144) squeeze to 36
    const mb1 = {
      p: (24 * 144 + 2 * 144) + (25 * 144 + 2 * 144) + (144 * 36 + 36 + 36 * 144 + 144) + (144 * 24 + 2 * 24),
      f: 64 * 24 * 144 + 64 * 144 * 25 + (144 * 36 + 36 * 144) + 64 * 144 * 24,
    };
    // head conv1x1 24 -> 4 * 24 = 96 at 8x8, then GAP and dense 96 -> 10
    const head = { p: 24 * 96 + 2 * 96, f: 64 * 24 * 96 };
    const fc = { p: 96 * 10 + 10, f: 960 };
    const parts = [stem, ds, mb0, mb1, head, fc];
    const c = mobileCost(g);
    expect(c.params).toBe(parts.reduce((s, x) => s + x.p, 0));
    expect(c.params).toBe(37478);
    expect(c.flops).toBe(parts.reduce((s, x) => s + x.f, 0));
    expect(c.outputShape).toEqual([10]);
    // no head conv: drop it and the classifier shrinks to 24 -> 10
    const bare = mobileCost(g, { headMultiplier: 0 });
    expect(c.params - bare.params).toBe(head.p + fc.p - (24 * 10 + 10));
  });

  it('tiny network: hand-traced peak activation memory', () => {
    const one = createMobileSpace({ strides: [1] });
    const g = one.decode('ds_k3_w16_d1_s1');
    const c = mobileCost(g, { inputShape: [8, 8, 3], headMultiplier: 0 });
    // input 8x8x3 = 768 B, stem 4x4x16 = 1024 B; the ds block keeps its input for the residual:
    // pointwise step = block input + depthwise output + pointwise output = 3 * 1024.
    expect(c.peakActivationBytes).toBe(3 * 1024);
    expect(c.params).toBe((27 * 16 + 32) + (9 * 16 + 32) + (256 + 32) + (16 * 10 + 10));
  });

  it('adds a residual exactly when stride is 1 and the width is unchanged', () => {
    const g = two.decode('ds_k3_w24_d2_s1|mb3_k3_w24_d2_s2');
    const adds = mobileCostGraph(g).steps.filter((s) => s.kind === 'add').map((s) => s.name);
    // stage1 block0 16->24 (no), block1 24->24 s1 (yes); stage2 block0 stride 2 (no), block1 (yes)
    expect(adds).toEqual(['stage1.block1.residual', 'stage2.block1.residual']);
  });

  it('is monotone in width, depth, expansion, kernel and SE', () => {
    const rng = createRng(41);
    const bump = (g: MobileGenotype, s: number, patch: object): MobileGenotype => ({ stages: g.stages.map((x, i) => (i === s ? { ...x, ...patch } : x)) });
    for (let t = 0; t < 200; t++) {
      const g = mobileSpace.sample(rng);
      const base = mobileCost(g);
      const s = rng.int(6);
      const st = g.stages[s];
      const ups: object[] = [];
      if (st.width < 48) ups.push({ width: 48 });
      if (st.depth < 3) ups.push({ depth: 3 });
      if (st.block === 'mb' && st.expand < 6) ups.push({ expand: 6 });
      if (st.block === 'ds') ups.push({ block: 'mb', expand: 3 });
      if (st.kernel === 3) ups.push({ kernel: 5 });
      if (!st.se) ups.push({ se: true });
      for (const up of ups) {
        const c = mobileCost(bump(g, s, up));
        expect(c.params).toBeGreaterThan(base.params);
        expect(c.flops).toBeGreaterThan(base.flops);
        expect(c.peakActivationBytes).toBeGreaterThanOrEqual(base.peakActivationBytes);
      }
    }
  });

  it('rejects bad skeletons', () => {
    const g = mobileSpace.sample(createRng(1));
    expect(() => mobileCost(g, { stemStride: 3 as never })).toThrow('stemStride: must be 1 or 2');
    expect(() => mobileCost(g, { headMultiplier: -1 })).toThrow('headMultiplier: must be an integer in 0..64');
  });
});
