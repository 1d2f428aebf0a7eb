import { describe, expect, it } from 'vitest';
import { createMobileSpace, mobileFromString, mobileSpace, type MobileGenotype } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

const TEXT = 'ds_k3_w16_d1_s1|mb6_k5_se_w24_d2_s2|mb3_k3_w32_d3_s2|mb4_k5_se_w48_d1_s2|ds_k5_se_w48_d2_s1|mb6_k3_w32_d3_s2';

describe('mobile genotype text', () => {
  it('parses and prints', () => {
    const g = mobileSpace.decode(TEXT);
    expect(g.stages[1]).toEqual({ block: 'mb', expand: 6, kernel: 5, se: true, width: 24, depth: 2, stride: 2 });
    expect(g.stages[0]).toEqual({ block: 'ds', expand: 1, kernel: 3, se: false, width: 16, depth: 1, stride: 1 });
    expect(mobileSpace.encode(g)).toBe(TEXT);
    expect(mobileSpace.decode(TEXT.split('|').join(' | '))).toEqual(g);
  });

  it.each([
    ['ds_k3_w16_d1_s1', 'stages: this space has 6 stages, got 1'],
    [TEXT.replace('mb6_k5_se_w24', 'mb5_k5_se_w24'), 'stages[1].expand: 5 is not allowed (allowed: 3, 4, 6)'],
    [TEXT.replace('mb3_k3_w32', 'mb3_k7_w32'), 'stages[2].kernel: 7 is not allowed (allowed: 3, 5)'],
    [TEXT.replace('w48_d1', 'w40_d1'), 'stages[3].width: 40 is not allowed (allowed: 16, 24, 32, 48)'],
    [TEXT.replace('w48_d2', 'w48_d4'), 'stages[4].depth: 4 is not allowed (allowed: 1, 2, 3)'],
    [TEXT.replace('ds_k3_w16_d1_s1', 'ds_k3_w16_d1_s2'), "stages[0].stride: this space fixes stage 1's stride to 1, got 2"],
    [TEXT.replace('ds_k3_w16', 'dw_k3_w16'), 'mobile stage 1 "dw_k3_w16_d1_s1" must look like'],
    [TEXT.replace('_s1|', '_s3|'), 'stride must be 1 or 2, got 3'],
  ])('rejects %s', (text, message) => {
    expect(() => mobileSpace.decode(text)).toThrow(message);
  });

  it('validate checks block/expand consistency and allowed values', () => {
    const g = mobileSpace.decode(TEXT);
    const withStage = (s: object) => ({ stages: g.stages.map((x, i) => (i === 0 ? { ...x, ...s } : x)) });
    expect(() => mobileSpace.validate(withStage({ expand: 3 }))).toThrow('stages[0].expand: a ds block has expand 1, got 3');
    expect(() => mobileSpace.validate(withStage({ block: 'conv' }))).toThrow('stages[0].block: must be "ds" or "mb", got "conv"');
    expect(() => mobileSpace.validate(withStage({ se: 'yes' }))).toThrow('stages[0].se: must be true or false, got "yes"');
    expect(() => createMobileSpace({ blocks: ['mb'] }).validate(g)).toThrow('stages[0].block: "ds" is not allowed in this space (allowed: mb)');
    expect(() => createMobileSpace({ se: [true] }).validate(g)).toThrow('stages[0].se: false is not allowed in this space (allowed: true)');
  });
});

describe('mobile space', () => {
  it('has per stage: block in {ds, mb3, mb4, mb6}, kernel, SE, width, depth; 60 neighbours', () => {
    expect(mobileSpace.choices.length).toBe(30);
    expect(mobileSpace.choices[0].options).toEqual(['ds', 'mb3', 'mb4', 'mb6']);
    expect(mobileSpace.strides).toEqual([1, 2, 2, 2, 1, 2]);
    expect(mobileSpace.size()).toBe((4n * 2n * 2n * 4n * 3n) ** 6n);
    expect(mobileSpace.neighbours(mobileSpace.decode(TEXT)).length).toBe(6 * (3 + 1 + 1 + 3 + 2));
  });

  it('size() equals a brute-force enumeration of a small space, and every genotype is distinct', () => {
    const space = createMobileSpace({ strides: [2, 1], expansions: [3, 6], widths: [16, 32], depths: [1, 2] });
    const seen = new Set<string>();
    const hashes = new Set<string>();
    const radix = space.choices.map((c) => c.options.length);
    const total = radix.reduce((a, b) => a * b, 1);
    for (let n = 0; n < total; n++) {
      let r = n;
      const idx = radix.map((k) => { const v = r % k; r = Math.floor(r / k); return v; });
      const g = space.fromIndices(idx);
      seen.add(space.encode(g));
      hashes.add(space.hash(g));
    }
    // per stage: blocks ds, mb3, mb6 (3) x kernels 2 x SE 2 x widths 2 x depths 2 = 48; two stages
    expect(total).toBe(48 * 48);
    expect(seen.size).toBe(total);
    expect(hashes.size).toBe(total);
    expect(space.size()).toBe(BigInt(seen.size));
  });

  it('copies the stride schedule of the space into every genotype', () => {
    const space = createMobileSpace({ strides: [2, 2, 1] });
    const g: MobileGenotype = space.sample(createRng(4));
    expect(g.stages.map((s) => s.stride)).toEqual([2, 2, 1]);
    expect(mobileFromString(space.encode(g))).toEqual(g);
  });

  it('the default schedule for other stage counts is the 6-stage one cut or padded with stride 1', () => {
    expect(createMobileSpace({ stages: 3 }).strides).toEqual([1, 2, 2]);
    expect(createMobileSpace({ stages: 8 }).strides).toEqual([1, 2, 2, 2, 1, 2, 1, 1]);
  });
});
