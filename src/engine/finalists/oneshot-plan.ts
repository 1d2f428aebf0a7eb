/**
 * Finalists of a one-shot run (DARTS / PC-DARTS: Liu et al. 2019, Xu et al. 2020; SPOS: Guo et al. 2020), shared
 * by the headless runner (scripts/node/finalist-plan.ts) and the tab's finalists worker
 * (workers/finalists-oneshot.ts): which architectures are re-trained, and on which standalone skeleton. A one-shot
 * finalist is re-trained as the standalone network of the supernet's OWN skeleton (the space table's one-shot
 * bundle; the throwaway supernet's weights are freed at once), so the model tested is the one the supernet ranked.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OneShotConfig } from '../../shared/oneshot-config';
import type { OneShotCandidate } from '../../shared/oneshot-lineage';
import { spaceEntry, type ErasedOneShot } from '../space/table';
import { createRng } from '../util/rng';

export interface SkeletonInput {
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
}

/**
 * One-shot finalists: the candidates the run selected (DARTS's final cell, SPOS's top k) first, then the rest by
 * objective (SPOS) or latest epoch first (DARTS derives no objective), one per architecture, k in all.
 */
export function pickOneShot(candidates: readonly OneShotCandidate[], k: number): OneShotCandidate[] {
  const order = candidates.slice().sort((a, b) =>
    Number(b.selected) - Number(a.selected) || (b.objective ?? -Infinity) - (a.objective ?? -Infinity) || b.supernet.epoch - a.supernet.epoch || a.id - b.id);
  const seen = new Set<string>();
  const out: OneShotCandidate[] = [];
  for (const c of order) {
    const key = c.hash ?? c.arch;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length === k) break;
  }
  return out;
}

/** Whether the config's space has a supernet at all (a run file may name any space). */
export function hasSupernet(config: Pick<OneShotConfig, 'space'>): boolean {
  return spaceEntry(config.space).oneShot !== null;
}

/** The supernet bundle of a one-shot config at `channels`, for its standalone skeleton and search space (its weights are freed). */
export function withOneShotBundle<T>(config: OneShotConfig, io: SkeletonInput, channels: number, use: (b: ErasedOneShot) => T): T {
  const oneShot = spaceEntry(config.space).oneShot;
  if (!oneShot) throw new Error(`one-shot run: space "${config.space}" has no supernet`);
  const b = oneShot({ ...config, channels }, { inputShape: io.inputShape, numClasses: io.numClasses }, createRng(config.seed));
  try {
    return use(b);
  } finally {
    tf.dispose([...b.net.weights, ...b.net.buffers, ...b.net.archParams]);
  }
}

/** The standalone skeleton of the supernet a one-shot config trains (at `channels`, default the config's). */
export function oneShotSkeleton(config: OneShotConfig, io: SkeletonInput, channels: number = config.channels): unknown {
  return withOneShotBundle(config, io, channels, (b) => b.skeleton);
}

/** The cells per stage of the supernet (DARTS: its number of cells). */
export const oneShotDepth = (config: OneShotConfig): number => (config.space === 'darts' ? config.layers : config.cellsPerStage);
