/**
 * buildNetwork dispatch over the three spaces (NAS-Bench-201, Dong & Yang 2020; DARTS, Liu et al. 2019; the mobile
 * macro space, MnasNet-style): each built network has the cost counter's params (model/cost.ts costOf) and
 * produces [N, classes] logits; an unknown space id is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { buildNetwork } from '../../src/engine/model/build';
import { costOf } from '../../src/engine/model/cost';
import { dartsSkeleton, dartsSpace, mobileSkeleton, mobileSpace, nb201Skeleton, nb201Space } from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

let tf: Awaited<ReturnType<typeof useBackend>>;
beforeAll(async () => { tf = await useBackend('cpu'); });
afterAll(() => { tf?.disposeVariables(); });

describe('buildNetwork', () => {
  it('builds each space with the cost counter\'s params and [N, classes] logits', () => {
    const rng = createRng(1);
    const nb = { g: nb201Space.sample(rng), sk: nb201Skeleton({ channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3], numClasses: 3 }) };
    const da = { g: dartsSpace.sample(rng), sk: dartsSkeleton({ channels: 4, layers: 3, inputShape: [8, 8, 3], numClasses: 3 }) };
    const mo = { g: mobileSpace.sample(rng), sk: mobileSkeleton({ stemChannels: 4, inputShape: [8, 8, 3], numClasses: 3 }) };
    const nets = [
      { net: buildNetwork('nb201', nb.g, nb.sk, createRng(2)), params: costOf({ space: 'nb201', genotype: nb.g, skeleton: nb.sk }).params },
      { net: buildNetwork('darts', da.g, da.sk, createRng(2)), params: costOf({ space: 'darts', genotype: da.g, skeleton: da.sk }).params },
      { net: buildNetwork('mobile', mo.g, mo.sk, createRng(2)), params: costOf({ space: 'mobile', genotype: mo.g, skeleton: mo.sk }).params },
    ];
    const x = tf.randomNormal([2, 8, 8, 3]) as Tensor4D;
    const before = tf.memory().numTensors;
    for (const { net, params } of nets) {
      expect(net.countParams()).toBe(params);
      expect(tf.tidy(() => net.forward(x, false).shape)).toEqual([2, 3]);
      net.dispose();
    }
    expect(tf.memory().numTensors).toBe(before - nets.reduce((n, { net }) => n + net.params.length + net.buffers.length, 0));
    x.dispose();
  });

  it('refuses an unknown space id', () => {
    expect(() => buildNetwork('resnet' as 'nb201', nb201Space.sample(createRng(1)), nb201Skeleton(), createRng(1))).toThrow('unknown space "resnet"');
  });
});
