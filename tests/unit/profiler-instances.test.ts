/**
 * opInstances coverage: every piece of every sampled genotype of each space maps to a key of the space's table,
 * and the decomposition is the network: summed over a genotype's pieces, the pieces' parameters equal the built
 * network's countParams(), and each piece maps its input shape to the shape the next piece expects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { spaceEntry } from '../../src/engine/space/table';
import { buildOpInstance, genotypeInstances, instanceKey, opInstances, type OpInstance } from '../../src/engine/profiler/instances';
import { profilerSpace, sampleDistinct } from '../../src/engine/profiler/space';
import { DARTS_V2 } from '../../src/engine/space/darts/genotype';
import { dartsSkeleton } from '../../src/engine/space/darts/skeleton';
import { mobileSkeleton } from '../../src/engine/space/mobile/skeleton';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';
import { createRng } from '../../src/engine/util/rng';

let tf: Awaited<ReturnType<typeof useBackend>>;
beforeAll(async () => { tf = await useBackend('wasm', { trainingKernels: true }); });
afterAll(() => { tf?.disposeVariables(); });

const SK = {
  nb201: nb201Skeleton({ channels: 4, cellsPerStage: 2, inputShape: [8, 8, 3], numClasses: 5 }),
  darts: dartsSkeleton({ channels: 4, layers: 5, stemMultiplier: 2, inputShape: [8, 8, 3], numClasses: 5 }),
  mobile: mobileSkeleton({ stemChannels: 4, stemStride: 2, headMultiplier: 2, seReduction: 4, inputShape: [16, 16, 3], numClasses: 5 }),
};
const SMALL_MOBILE = { stages: 3, strides: [1, 2, 2], widths: [4, 8], depths: [1, 2], expansions: [3, 6] };
const CONFIG = { nb201: undefined, darts: undefined, mobile: SMALL_MOBILE } as const;

describe('opInstances', () => {
  for (const spaceId of ['nb201', 'darts', 'mobile'] as const) {
    it(`${spaceId}: every piece of 60 sampled genotypes is in the table, keys are unique and canonical`, () => {
      const table = opInstances(spaceId, SK[spaceId], CONFIG[spaceId]);
      const keys = new Set(table.map((i) => i.key));
      expect(keys.size).toBe(table.length);
      for (const i of table) expect(instanceKey(i)).toBe(i.key);
      const space = profilerSpace(spaceId, CONFIG[spaceId]);
      const used = new Set<string>();
      for (const g of sampleDistinct(space, 60, createRng(11))) {
        for (const piece of genotypeInstances(spaceId, g, SK[spaceId])) {
          expect(keys.has(piece.key), `${piece.key} of ${space.encode(g)}`).toBe(true);
          used.add(piece.key);
        }
      }
      // the samples exercise most of the table (it has no unreachable bulk)
      expect(used.size / keys.size).toBeGreaterThan(0.6);
    });
  }

  it('NB201 table: stem, 2 reductions, head, and per stage 4 ops + 2 sums + zeros', () => {
    const table = opInstances('nb201', SK.nb201);
    expect(table).toHaveLength(1 + 2 + 1 + 3 * 7);
    expect(table.filter((i) => i.zeroCost).map((i) => i.op)).toEqual(['skip_connect', 'skip_connect', 'skip_connect']);
    expect(table.find((i) => i.role === 'reduction')).toMatchObject({ inputShape: [8, 8, 4], stride: 2, outChannels: 8 });
    expect(table.find((i) => i.role === 'head')).toMatchObject({ inputShape: [2, 2, 16], classes: 5 });
    // a restricted vocabulary shrinks the table
    expect(opInstances('nb201', SK.nb201, { ops: ['none', 'nor_conv_3x3'] })).toHaveLength(1 + 2 + 1 + 3 * 4);
  });

  it('DARTS: reduction cells have stride-2 ops on their inputs and stride-1 ops on their nodes', () => {
    const pieces = genotypeInstances('darts', DARTS_V2, SK.darts);
    // DARTS_V2 reduce: max_pool from inputs 0 and 1 (stride 2) and skip/max_pool on nodes (stride 1)
    expect(pieces.some((p) => p.op === 'max_pool_3x3' && p.stride === 2)).toBe(true);
    expect(pieces.some((p) => p.op === 'skip_connect' && p.stride === 1 && p.zeroCost)).toBe(true);
    expect(pieces.filter((p) => p.role === 'concat')).toHaveLength(5);
    expect(pieces.filter((p) => p.op === 'factorized_reduce')).toHaveLength(2); // cells after each reduction
  });

  it('rejects an unknown space', () => {
    expect(() => opInstances('resnet', {})).toThrow(/unknown space/);
  });
});

/** Runs each piece on inputs of its declared shape and checks the output's shape. */
function outShape(p: OpInstance): number[] {
  const [h, w] = p.inputShape;
  if (p.role === 'head') return [2, p.classes!];
  return [2, Math.ceil(h / p.stride), Math.ceil(w / p.stride), p.outChannels];
}

describe('the decomposition is the network', () => {
  for (const spaceId of ['nb201', 'darts', 'mobile'] as const) {
    it(`${spaceId}: Σ piece params = network params, and every piece produces its declared shape`, () => {
      const space = profilerSpace(spaceId, CONFIG[spaceId]);
      const before = tf.memory().numTensors;
      const checked = new Set<string>();
      for (const g of [...sampleDistinct(space, 6, createRng(5)), ...(spaceId === 'darts' ? [DARTS_V2] : [])]) {
        const pieces = genotypeInstances(spaceId, g, SK[spaceId]);
        let params = 0;
        for (const p of pieces) {
          const r = buildOpInstance(spaceId, p, createRng(1));
          params += r.countParams();
          if (!checked.has(p.key)) {
            checked.add(p.key);
            const xs = Array.from({ length: p.inputs }, () => tf.randomNormal([2, ...p.inputShape]) as Tensor4D);
            const y = tf.tidy(() => r.apply(xs));
            expect(y.shape, p.key).toEqual(outShape(p));
            tf.dispose([y, ...xs]);
          }
          r.dispose();
        }
        const net = spaceEntry(spaceId).buildNetwork(g, SK[spaceId], createRng(1));
        // An NB201 edge out of a node with no live input has weights but never runs: it costs no time, so it is
        // not a piece. Params agree exactly when every op edge is live.
        const ops = (g as { ops?: string[] }).ops;
        const cellOps = pieces.filter((p) => p.role === 'cell-op').length;
        const allLive = spaceId !== 'nb201' || cellOps === 3 * SK.nb201.cellsPerStage * ops!.filter((o) => o !== 'none').length;
        if (allLive) expect(params, space.encode(g)).toBe(net.countParams());
        else expect(params, space.encode(g)).toBeLessThanOrEqual(net.countParams());
        net.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
