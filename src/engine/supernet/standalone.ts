/**
 * Standalone scores for the ranking check: train a genotype from scratch with the evaluator of the spine
 * (evaluator/train-evaluator.ts: seeded per (seed, hash), cosine SGD) and return its validation accuracy (%).
 * Kept apart from ranking-check.ts because the evaluator's module registers tfjs's gradients (a bundler-only import).
 */
import type { TensorSplit } from '../evaluator/tensors';
import { TrainEvaluator } from '../evaluator/train-evaluator';
import type { TrainOptions } from '../evaluator/train';
import type { Network } from '../model/network';
import type { SearchSpace } from '../space/types';
import type { AbortSignalLike } from '../util/abort';
import type { Rng } from '../util/rng';

export function standaloneScorer<G>(cfg: {
  readonly space: SearchSpace<G>;
  readonly build: (g: G, rng: Rng) => Network;
  readonly train: TensorSplit;
  readonly valid: TensorSplit;
  readonly trainOptions: TrainOptions;
  readonly seed: number;
  readonly signal?: AbortSignalLike;
}): (g: G, index: number) => Promise<number> {
  const evaluator = new TrainEvaluator<G>({ train: cfg.train, valid: cfg.valid, build: cfg.build, trainOptions: cfg.trainOptions, seed: cfg.seed });
  return async (g, index) => {
    const m = await evaluator.evaluate({ id: index, genotype: g, hash: cfg.space.hash(g) }, cfg.signal);
    return m.valid_acc;
  };
}
