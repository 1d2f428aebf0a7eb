/**
 * The tiny task, model and recipe of the finalists engine tests (finalists-retrain, finalists-hpo): real tfjs
 * training on 128 quadrant images, one NB201 cell at C=4. The stored searched run of the worker-session tests is in
 * finalists-db.ts (it imports the search worker's modules, whose backend setup the engine tests must not load).
 */
import { quadrantDataset } from './synthetic';
import { channelStats, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { nb201FromString } from '../../src/engine/space/nb201/space';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';
import { genotypeSource, type ModelSource } from '../../src/engine/finalists/model-source';
import { parseFinalistRecipe, type FinalistRecipe, type FinalistRecipeInput } from '../../src/shared/finalist-recipe';

/** 128 quadrant images (8x8 grey, 2 classes): 0-63 train, 64-95 validation, 96-127 test; normalised with the train images' statistics. */
export const TASK = (() => {
  const ds = quadrantDataset(128, 8, 3);
  const idx = Array.from({ length: 128 }, (_, i) => i);
  return { ds, idx, stats: channelStats(ds, idx.slice(0, 64)) };
})();

const PARTS = { train: [0, 64], valid: [64, 96], test: [96, 128] } as const;

/** A part of the task as tensors (a backend must be set); the caller disposes it. */
export function taskSplit(part: keyof typeof PARTS): TensorSplit {
  const [from, to] = PARTS[part];
  return toTensorSplit(TASK.ds, TASK.idx.slice(from, to), TASK.stats);
}

/** The finalist the engine tests re-train: an NB201 cell, one per stage, at C=4 (`tinySkeleton`) on the task's images. */
export const tinyGenotype = () => nb201FromString('|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|');
export const tinySkeleton = (channels = 4) => nb201Skeleton({ inputShape: [8, 8, 1], numClasses: 2, channels, cellsPerStage: 1 });
export const tinyModel = (): ModelSource => genotypeSource('nb201', tinyGenotype(), tinySkeleton());

/** 4 epochs of batch 16, no early stop, no curve stop, crop and flip; `r` overrides. */
export const tinyRecipe = (r: FinalistRecipeInput = {}): FinalistRecipe => parseFinalistRecipe({
  epochs: 4, batchSize: 16, patience: 0, curveStop: { enabled: false }, augment: { cropPadding: 1, flip: true }, ...r,
});

/** A TensorSplit whose every read of x or y is logged under `name`. */
export function counted(split: TensorSplit, name: string, events: string[]): TensorSplit {
  return {
    get x() { events.push(name); return split.x; },
    get y() { events.push(name); return split.y; },
    count: split.count,
  };
}
