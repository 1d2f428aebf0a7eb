/**
 * Cross-check: the cost counter's exact parameter counts against the NB201 network the model builder builds
 * (src/engine/model/nb201-network.ts). Default deadEdges 'keep' = every non-'none' edge has weights, as built.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNb201Network } from '../../src/engine/space/nb201/network';
import { nb201Cost } from '../../src/engine/model/cost';
import { nb201FromString, nb201Space } from '../../src/engine/space';
import { SKELETON_DEFAULTS } from '../../src/shared/skeleton-rules';
import { createRng } from '../../src/engine/util/rng';
import { useBackend } from '../helpers/tf-node';

let tf: Awaited<ReturnType<typeof useBackend>>;
beforeAll(async () => { tf = await useBackend('cpu'); });
afterAll(() => { tf?.disposeVariables(); });

const size = (vs: readonly { size: number }[]) => vs.reduce((n, v) => n + v.size, 0);

describe('NB201 cost vs the built network', () => {
  it('params and BN buffers match for random cells (small skeleton) and the all-conv3x3 benchmark network', () => {
    const rng = createRng(77);
    const cases = Array.from({ length: 12 }, () => nb201Space.sample(rng)).map((g) => ({ g, sk: { ...SKELETON_DEFAULTS.nb201, channels: 4, cellsPerStage: 2 } }));
    cases.push({ g: nb201FromString('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'), sk: SKELETON_DEFAULTS.nb201 });
    for (const { g, sk } of cases) {
      const netw = buildNb201Network(g, sk, createRng(1));
      try {
        const cost = nb201Cost(g, sk);
        expect(netw.countParams()).toBe(cost.params);
        expect(size(netw.buffers)).toBe(cost.nonTrainable);
      } finally {
        netw.dispose();
      }
    }
  });
});
