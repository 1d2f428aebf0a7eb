import { describe, expect, it } from 'vitest';
import {
  parseSpaceConfig, spaceFromConfig, SpaceConfigError, createNb201Space, createMobileSpace, createDartsSpace,
} from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';
import { DARTS_STEPS } from '../../src/engine/space/darts/genotype';
import { checkSpace, summarizeSpace } from '../../src/shared/space-check';
import { NB201_EDGES } from '../../src/shared/space-vocab';
import { SKELETON_DEFAULTS } from '../../src/shared/skeleton-rules';
import { dartsSkeleton } from '../../src/engine/space/darts/skeleton';
import { mobileSkeleton } from '../../src/engine/space/mobile/skeleton';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpaceConfigError);
    return (e as SpaceConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a SpaceConfigError');
}

describe('space configs', () => {
  it('builds each space from JSON (object or string) with defaults filled in', () => {
    const nb = spaceFromConfig('{"space": "nb201"}');
    expect(nb.id).toBe('nb201');
    expect(nb.size()).toBe(15625n);
    const darts = spaceFromConfig({ space: 'darts' });
    expect(darts.id).toBe('darts');
    expect(darts.config).toEqual({ space: 'darts', ops: ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] });
    const mobile = spaceFromConfig({ space: 'mobile' });
    expect(mobile.config).toEqual({
      space: 'mobile', stages: 6, strides: [1, 2, 2, 2, 1, 2], blocks: ['ds', 'mb'], expansions: [3, 4, 6],
      kernels: [3, 5], se: [false, true], widths: [16, 24, 32, 48], depths: [1, 2, 3],
    });
  });

  it('restricts the vocabulary and normalises order, so the stored config rebuilds the same space', () => {
    const space = spaceFromConfig({ space: 'nb201', ops: ['nor_conv_3x3', 'skip_connect'] });
    expect(space.config).toEqual({ space: 'nb201', ops: ['skip_connect', 'nor_conv_3x3'] });
    expect(space.size()).toBe(64n);
    const again = spaceFromConfig(JSON.parse(JSON.stringify(space.config)));
    const a = space.sample(createRng(1));
    expect(again.encode(a as never)).toBe(space.encode(a as never));
    const m = createMobileSpace({ widths: [48, 8], depths: [2], se: [true], blocks: ['mb'], expansions: [6], kernels: [5], strides: [2, 2] });
    expect(m.config.widths).toEqual([8, 48]);
    expect(m.size()).toBe(2n ** 2n);
    expect(createDartsSpace({ ops: ['sep_conv_3x3', 'none'] }).config.ops).toEqual(['none', 'sep_conv_3x3']);
  });

  it('reports every problem with its path', () => {
    expect(issuesOf(() => spaceFromConfig({ space: 'mobile', widths: [16, 'a', 0, 16], kernels: [7], foo: 1 }))).toEqual([
      'kernels[0]: 7 is not a valid kernel size (allowed: 3, 5)',
      'widths[1]: width must be a number, got "a"',
      'widths[2]: width must be at least 1, got 0',
      'foo: unknown setting (allowed: space, stages, strides, blocks, expansions, kernels, se, widths, depths)',
    ]);
    expect(issuesOf(() => spaceFromConfig({ space: 'mobile', widths: [16, 16] }))).toEqual(['widths: lists 16 more than once']);
    expect(issuesOf(() => spaceFromConfig({ space: 'mobile', stages: 4, strides: [1, 2] }))).toEqual([
      'strides: has 2 entries but stages is 4; give one stride per stage',
    ]);
    expect(issuesOf(() => spaceFromConfig({ space: 'mobile', blocks: ['ds'], expansions: [3] }))).toEqual([
      "expansions: only applies to 'mb' blocks, which blocks does not allow",
    ]);
    expect(issuesOf(() => spaceFromConfig({ space: 'mobile', stages: 13 }))).toEqual(['stages: must be at most 12, got 13']);
    expect(issuesOf(() => spaceFromConfig({ space: 'mobile', strides: [1, 3] }))).toEqual(['strides[1]: stride must be 1 or 2, got 3']);
    expect(issuesOf(() => spaceFromConfig({ space: 'mobile', se: ['on'] }))).toEqual(['se[0]: SE setting must be true or false, got "on"']);
    expect(issuesOf(() => spaceFromConfig({ space: 'nb201', ops: [] }))).toEqual(['ops: must list at least one NB201 op', "ops: must include at least one op other than 'none'"]);
    expect(issuesOf(() => spaceFromConfig({ space: 'nb201', ops: ['conv_5x5'] }))).toEqual([
      'ops[0]: "conv_5x5" is not a valid NB201 op (allowed: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)',
    ]);
    expect(issuesOf(() => spaceFromConfig({ space: 'darts', ops: 'sep_conv_3x3' }))).toEqual(['ops: must be an array, got "sep_conv_3x3"']);
    expect(issuesOf(() => spaceFromConfig({ space: 'darts', ops: ['none'] }))).toEqual([
      "ops: must include at least one op other than 'none' (derived genotypes never contain 'none')",
    ]);
    expect(issuesOf(() => spaceFromConfig({ space: 'nb201x' }))).toEqual(['space: must be one of nb201, darts, mobile; got "nb201x"']);
    expect(issuesOf(() => spaceFromConfig({}))).toEqual(['space: is required: one of nb201, darts, mobile']);
    expect(issuesOf(() => spaceFromConfig(5))).toEqual(['(config): must be an object with a "space" field, got 5']);
    expect(issuesOf(() => spaceFromConfig('{oops'))[0]).toMatch(/^\(config\): is not valid JSON/);
    expect(issuesOf(() => createNb201Space({ ops: ['bogus' as never] }))[0]).toMatch(/^ops\[0\]: "bogus" is not a valid NB201 op/);
  });

  it('SpaceConfigError.message lists all issues', () => {
    try {
      parseSpaceConfig({ space: 'mobile', depths: [0, 9] });
    } catch (e) {
      expect((e as Error).message).toBe('Invalid search-space config: depths[0]: depth must be at least 1, got 0; depths[1]: depth must be at most 8, got 9');
    }
  });

  it('the tab\'s own check (shared, no engine) gives the engine space\'s size, decisions and name', () => {
    expect(DARTS_STEPS).toBe(4); // shared/space-check.ts counts 4 intermediate nodes per DARTS cell
    const configs: unknown[] = [
      { space: 'nb201' }, { space: 'nb201', ops: ['none', 'nor_conv_3x3'] }, { space: 'nb201', ops: ['skip_connect'] },
      { space: 'darts' }, { space: 'darts', ops: ['none', 'skip_connect', 'sep_conv_3x3'] }, { space: 'darts', ops: ['max_pool_3x3'] },
      { space: 'mobile' }, { space: 'mobile', blocks: ['ds'], widths: [16, 24], stages: 2 }, { space: 'mobile', blocks: ['mb'], expansions: [6], se: [true], stages: 9 },
      '{"space": "mobile", "kernels": [5], "depths": [1, 2, 3, 4]}',
    ];
    for (const c of configs) {
      const space = spaceFromConfig(c);
      const s = summarizeSpace(space.config);
      expect(s.size).toBe(space.size());
      expect(s.optionCounts).toEqual(space.choices.map((ch) => ch.options.length));
      expect(s.name).toBe(space.name);
      const counts = space.choices.map((ch) => ch.options.length);
      const uniform = counts.every((n) => n === counts[0]);
      expect(checkSpace(c)).toEqual({ ok: true, config: space.config, issues: [], size: space.size().toString(), choices: space.choices.length, name: space.name, decisions: expect.any(String) });
      // The decisions in words agree with the engine's choices ("6 edges × 5 ops" for a NB201 cell).
      if (space.config.space === 'nb201') expect(checkSpace(c).decisions).toBe(`${counts.length} edges × ${counts[0]} op${counts[0] === 1 ? '' : 's'}`);
      else expect(checkSpace(c).decisions).toContain(String(uniform ? counts[0] : Math.max(...counts)));
    }
    for (const bad of [{ space: 'mobile', widths: [16, 'x'], depths: [] }, '{"space": "nb201",', { space: 'cnn' }, null, { space: 'darts', ops: ['none'] }]) {
      // The same issues as the engine's parser throws.
      let thrown: unknown;
      try { spaceFromConfig(bad); } catch (e) { thrown = e; }
      expect(thrown).toBeInstanceOf(Error);
      const issues = thrown instanceof SpaceConfigError ? thrown.issues : [{ path: '(config)', message: (thrown as Error).message }];
      expect(checkSpace(bad).issues).toEqual(issues);
      expect(checkSpace(bad).ok).toBe(false);
    }
  });

  it('the engine\'s skeletons default to the shared skeleton defaults', () => {
    // One source: each engine skeleton completes an empty setting with the shared defaults.
    expect({ nb201: nb201Skeleton(), darts: dartsSkeleton(), mobile: mobileSkeleton() }).toEqual(SKELETON_DEFAULTS);
  });
});
