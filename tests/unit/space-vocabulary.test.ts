/**
 * "Only ops the exporter can emit are offered": the space editor offers SPACE_VOCABULARY, which must be exactly
 * the keys of the OPS tables the model builder uses, and every offered op / block variant must build into a
 * network whose forward pass runs and whose parameter count matches the cost counter. Also: every normalised
 * space config parses to itself (what a run stores is what it rebuilds on resume).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { SPACE_VOCABULARY } from '../../src/shared/space-vocab';
import { NB201_OP_FACTORIES } from '../../src/engine/ops/nb201-ops';
import { DARTS_OP_FACTORIES } from '../../src/engine/ops/darts-ops';
import { MOBILE_BLOCK_FACTORIES } from '../../src/engine/ops/mobile-ops';
import { spaceFromConfig, type AnySpace } from '../../src/engine/space/registry';
import { parseSpaceConfig } from '../../src/shared/space-config';
import { checkSpace } from '../../src/shared/space-check';
import { spaceEntry } from '../../src/engine/space/table';
import { dartsSkeleton } from '../../src/engine/space/darts/skeleton';
import { mobileSkeleton } from '../../src/engine/space/mobile/skeleton';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
beforeAll(async () => {
  tf = await useBackend('cpu');
});

const SKELETONS = {
  nb201: nb201Skeleton({ channels: 4, cellsPerStage: 1, inputShape: [8, 8, 1], numClasses: 3 }),
  darts: dartsSkeleton({ channels: 4, layers: 3, stemMultiplier: 1, inputShape: [8, 8, 1], numClasses: 3 }),
  mobile: mobileSkeleton({ stemChannels: 4, headMultiplier: 2, inputShape: [8, 8, 1], numClasses: 3 }),
};

/** Builds the genotype whose every choice is the first option, runs it, and checks params against the counter. */
function buildsAndRuns(space: AnySpace): void {
  const g = space.fromIndices(space.choices.map(() => 0));
  const skeleton = SKELETONS[space.id];
  const net = spaceEntry(space.id).buildNetwork(g, skeleton, createRng(1));
  try {
    const y = tf.tidy(() => net.forward(tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 1) as tfType.Tensor4D, false));
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    expect(net.countParams()).toBe(spaceEntry(space.id).cost(g, skeleton).params);
  } finally {
    net.dispose();
  }
}

describe('space vocabulary = what the builder can emit', () => {
  it('offers exactly the keys of each OPS table', () => {
    expect([...SPACE_VOCABULARY.nb201.ops].sort()).toEqual(Object.keys(NB201_OP_FACTORIES).sort());
    expect([...SPACE_VOCABULARY.darts.ops].sort()).toEqual(Object.keys(DARTS_OP_FACTORIES).sort());
    expect([...SPACE_VOCABULARY.mobile.blocks].sort()).toEqual(Object.keys(MOBILE_BLOCK_FACTORIES).sort());
  });

  it('every NB201 op builds', () => {
    for (const op of SPACE_VOCABULARY.nb201.ops) {
      // 'none' alone is not a space (schema), so it goes with one real op; index 0 is still 'none'.
      buildsAndRuns(spaceFromConfig({ space: 'nb201', ops: op === 'none' ? ['none', 'skip_connect'] : [op] }));
    }
  });

  it("every DARTS op builds ('none' is for the supernet only and never in a genotype)", () => {
    for (const op of SPACE_VOCABULARY.darts.ops) {
      if (op === 'none') {
        expect(checkSpace({ space: 'darts', ops: ['none'] }).ok).toBe(false);
        continue;
      }
      buildsAndRuns(spaceFromConfig({ space: 'darts', ops: [op] }));
    }
  });

  it('every mobile block variant (block x expansion x kernel x SE) builds', () => {
    const v = SPACE_VOCABULARY.mobile;
    let n = 0;
    for (const block of v.blocks) {
      for (const expand of block === 'mb' ? v.expansions : [undefined]) {
        for (const kernel of v.kernels) {
          for (const se of [false, true]) {
            buildsAndRuns(spaceFromConfig({
              space: 'mobile', stages: 2, strides: [1, 2], blocks: [block], ...(expand ? { expansions: [expand] } : {}), kernels: [kernel], se: [se], widths: [4, 8], depths: [2],
            }));
            n++;
          }
        }
      }
    }
    expect(n).toBe((1 + v.expansions.length) * v.kernels.length * 2);
  });
});

describe('normalised space configs', () => {
  it('parse to themselves, including a ds-only mobile space (no expansions)', () => {
    for (const input of [
      { space: 'nb201' }, { space: 'nb201', ops: ['nor_conv_3x3', 'skip_connect'] }, { space: 'darts' }, { space: 'darts', ops: ['sep_conv_3x3'] },
      { space: 'mobile' }, { space: 'mobile', blocks: ['ds'], widths: [24, 16] }, { space: 'mobile', blocks: ['mb'], expansions: [6], stages: 3 },
    ]) {
      const once = parseSpaceConfig(input);
      expect(parseSpaceConfig(once)).toEqual(once);
      expect(spaceFromConfig(once).config).toEqual(once);
    }
    expect(parseSpaceConfig({ space: 'mobile', blocks: ['ds'] })).toMatchObject({ blocks: ['ds'], expansions: [] });
  });

  it('checkSpace gives the size or every issue with its path', () => {
    expect(checkSpace({ space: 'nb201' })).toMatchObject({ ok: true, size: '15625', choices: 6, issues: [] });
    expect(checkSpace({ space: 'mobile', blocks: ['ds'], widths: [16, 24] })).toMatchObject({ ok: true, size: String((1 * 2 * 2 * 2 * 3) ** 6) });
    const bad = checkSpace({ space: 'mobile', widths: [16, 'x'], depths: [], blocks: ['mb'], expansions: [] });
    expect(bad.ok).toBe(false);
    expect(bad.issues).toEqual(expect.arrayContaining([
      { path: 'widths[1]', message: 'width must be a number, got "x"' },
      { path: 'depths', message: 'must list at least one depth' },
    ]));
    expect(checkSpace({ space: 'mobile', blocks: ['mb'], expansions: [] }).issues).toEqual([{ path: 'expansions', message: "must list at least one expansion ratio (blocks allows 'mb')" }]);
    expect(checkSpace('{"space": "nb201",').issues[0].path).toBe('(config)');
  });
});
