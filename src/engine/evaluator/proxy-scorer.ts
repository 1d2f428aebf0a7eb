/**
 * A zero-cost proxy as a plain function genotype -> score, for the warm start of the black-box
 * strategies (strategy/prerank.ts; Abdelfattah et al., ICLR 2021): every genotype is built at the
 * given skeleton with the SAME init seed and scored on the SAME batch, so a score depends on the
 * architecture only (not on the order of the pool), and is cached by genotype.
 *
 * The batch is either a real mini-batch of the run's training subset (train mode) or seeded standard-
 * normal images with uniform labels (tabular mode, as in tests/unit/zero-cost.test.ts). The caller owns
 * a batch it passes in; random inputs made here are freed by dispose().
 *
 * naswot reads ReLU activations through the activation tap, which only spaces whose descriptor has
 * buildTappedNetwork take (NB201); the other proxies work for every space of the space table (space/table.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplit, ImageDataset } from '../data/types';
import type { Nb201Skeleton } from '../space/nb201/skeleton';
import { spaceEntry, type GenotypeOf, type SkeletonOf, type SpaceId } from '../space/table';
import type { ZeroCostProxy } from '../strategy/prerank';
import { createRng } from '../util/rng';
import { NaswotTap, naswot } from './naswot';
import { proxySubsets } from './train-setup';
import { channelStats, toTensorSplit } from './tensors';
import { gradNorm, jacobCov, randomImages, randomLabels, synflow } from './zero-cost';

export interface ProxyBatch {
  readonly x: tf.Tensor4D;
  readonly y: readonly number[];
}

export interface ProxyScorerOptions<S extends SpaceId> {
  readonly proxy: ZeroCostProxy;
  readonly spaceId: S;
  readonly skeleton: SkeletonOf<S>;
  /** Network init and random-input seed. */
  readonly seed: number;
  /** A real mini-batch (owned by the caller); absent: `batchSize` seeded random images and labels. */
  readonly batch?: ProxyBatch;
  /** Random batch size (default 16; naswot and jacob_cov need >= 2). */
  readonly batchSize?: number;
}

export interface ProxyScorerHandle<G> {
  readonly score: (g: G) => number;
  /** Genotypes actually scored (cache misses). */
  readonly scored: () => number;
  dispose(): void;
}

/**
 * A real mini-batch for train mode: the first `n` images of the run's seeded training proxy subset,
 * normalised with that subset's statistics (exactly as training sees them). The caller disposes `x`.
 */
export function trainProxyBatch(ds: ImageDataset, split: DatasetSplit, s: { trainSamples: number; validSamples: number; seed: number }, n: number): ProxyBatch {
  const subsets = proxySubsets(split, s.trainSamples, s.validSamples, s.seed);
  const stats = channelStats(ds, subsets.train);
  const t = toTensorSplit(ds, subsets.train.slice(0, Math.min(n, subsets.train.length)), stats);
  const y = Array.from(t.y.dataSync());
  t.y.dispose();
  return { x: t.x, y };
}

/** The tiny skeleton tabular mode scores at (NB201 cell, C = 4, N = 1, 16x16x3 inputs, 10 classes). */
export const TINY_NB201_SKELETON: Nb201Skeleton = { inputShape: [16, 16, 3], numClasses: 10, channels: 4, cellsPerStage: 1 };

export function createProxyScorer<S extends SpaceId>(o: ProxyScorerOptions<S>): ProxyScorerHandle<GenotypeOf<S>> {
  const skeleton = o.skeleton;
  const entry = spaceEntry(o.spaceId);
  const tapped = o.proxy === 'naswot' ? entry.buildTappedNetwork : null;
  if (o.proxy === 'naswot' && !tapped) throw new Error(`warm start: the naswot proxy needs the NB201 network's ReLU tap; space "${o.spaceId}" can use synflow, jacob_cov or grad_norm`);
  let x: tf.Tensor4D;
  let y: readonly number[];
  let own = false;
  if (o.batch) {
    ({ x, y } = o.batch);
    const [, h, w, c] = x.shape;
    const [eh, ew, ec] = skeleton.inputShape;
    if (h !== eh || w !== ew || c !== ec) throw new Error(`warm start: batch images are ${h}x${w}x${c}, the skeleton takes ${eh}x${ew}x${ec}`);
  } else {
    const n = o.batchSize ?? 16;
    const rng = createRng(o.seed + 1);
    x = randomImages(rng, n, skeleton.inputShape);
    y = randomLabels(rng, n, skeleton.numClasses);
    own = true;
  }
  if ((o.proxy === 'naswot' || o.proxy === 'jacob_cov') && x.shape[0] < 2) throw new Error(`warm start: ${o.proxy} needs a batch of at least 2 images`);
  const cache = new Map<string, number>();
  const tap = o.proxy === 'naswot' ? new NaswotTap() : null;
  const score = (g: GenotypeOf<S>): number => {
    const key = JSON.stringify(g);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const rng = createRng(o.seed);
    const net = tapped && tap ? tapped(g, o.skeleton, rng, tap) : entry.buildNetwork(g, o.skeleton, rng);
    try {
      let s: number;
      switch (o.proxy) {
        case 'synflow': s = synflow(net, skeleton.inputShape); break;
        case 'naswot': s = naswot(net, tap as NaswotTap, x); break;
        case 'jacob_cov': s = jacobCov(net, x); break;
        case 'grad_norm': s = gradNorm(net, x, y); break;
      }
      cache.set(key, s);
      return s;
    } finally {
      net.dispose();
    }
  };
  return {
    score,
    scored: () => cache.size,
    dispose: () => {
      if (own) x.dispose();
    },
  };
}
