/**
 * How the "search + re-train" row spends one side's wall-clock budget: the search gets a share of it (killed once its
 * time is up and a candidate is saved in its checkpoint), and the finalists' re-training the rest, as a
 * number of epochs estimated from what the search measured. The finalists stage has no wall-clock stop (its recipe
 * fixes the epochs, and the cosine schedule needs them in advance), so the epochs come from each finalist's own
 * search-time training speed (train_ms over the images it trained on) scaled to the re-training set; the real time
 * is reported beside the estimate.
 */

/**
 * Share of the budget the search gets by default; the re-training gets the rest. Measured on the 2-core machine, the
 * re-training's epochs limit the finalist's accuracy more than the number of candidates searched (one re-training
 * epoch of the 7,000 train images takes 1-2 min there), so the search gets the smaller part.
 */
export const DEFAULT_SEARCH_SHARE = 0.3;
/** Re-training costs more per image than the search's proxy training: augmentation, validation every epoch, BN recalibration. */
export const RETRAIN_OVERHEAD = 1.25;
/** Seconds the finalists subprocess spends outside the epochs: start-up, data, test evaluation, latency. */
export const RETRAIN_FIXED_S = 15;

export interface FinalistSpeed {
  /** The candidate's search-time training wall time (its `train_ms` metric). */
  readonly trainMs: number;
}

export interface EpochPlan {
  readonly epochs: number;
  /** Estimated seconds of the whole stage with those epochs. */
  readonly estimatedS: number;
  readonly secondsPerEpoch: number;
}

/**
 * Epochs for every finalist so that the stage fits `remainingS` (at least 1, at most `maxEpochs`): each finalist's
 * seconds per image in the search (trainMs / (searchImages x searchEpochs)) times the re-training images, times
 * RETRAIN_OVERHEAD, summed over the finalists, which train one after another.
 */
export function planRetrainEpochs(o: {
  readonly remainingS: number;
  readonly finalists: readonly FinalistSpeed[];
  readonly searchImages: number;
  readonly searchEpochs: number;
  readonly retrainImages: number;
  readonly maxEpochs?: number;
}): EpochPlan {
  if (o.finalists.length === 0) throw new Error('search-retrain: no finalist to plan re-training for');
  if (!(o.searchImages > 0 && o.searchEpochs > 0 && o.retrainImages > 0)) throw new Error('search-retrain: image and epoch counts must be positive');
  let secondsPerEpoch = 0;
  for (const f of o.finalists) {
    if (!(Number.isFinite(f.trainMs) && f.trainMs > 0)) throw new Error(`search-retrain: a finalist has no usable train_ms (${f.trainMs})`);
    secondsPerEpoch += (f.trainMs / 1000 / (o.searchImages * o.searchEpochs)) * o.retrainImages * RETRAIN_OVERHEAD;
  }
  const fit = Math.floor((o.remainingS - RETRAIN_FIXED_S) / secondsPerEpoch);
  const epochs = Math.min(o.maxEpochs ?? 1000, Math.max(1, fit));
  return { epochs, estimatedS: RETRAIN_FIXED_S + epochs * secondsPerEpoch, secondsPerEpoch };
}
