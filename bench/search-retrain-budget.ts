/**
 * How the "search + re-train" row spends one side's wall-clock budget: the search gets a share of it (killed once its
 * time is up and a candidate is saved in its checkpoint), and the finalists' re-training the rest, as a number of
 * epochs. The finalists stage has no wall-clock stop (its recipe fixes the epochs, and the cosine schedule needs them
 * in advance), so the epochs come from a short calibration run of the same stage on a subset (its second epoch,
 * timed from its log lines, at the machine's current load), scaled to the full re-training set; the real time is
 * reported beside the estimate.
 */

/**
 * Share of the budget the search gets by default; the re-training gets the rest. Measured on the 2-core machine, the
 * re-training's epochs limit the finalist's accuracy more than the number of candidates searched (one re-training
 * epoch of the 7,000 train images takes 0.5-2 min there), so the search gets the smaller part.
 */
export const DEFAULT_SEARCH_SHARE = 0.3;
/** A forward-only image (validation, batch-norm recalibration) costs about this share of a training image. */
export const FORWARD_SHARE = 1 / 3;
/** Seconds the finalists subprocess spends outside the epochs: start-up, data, test evaluation, latency. */
export const RETRAIN_FIXED_S = 15;

/** What one re-training epoch processes. */
export interface EpochWork {
  readonly trainImages: number;
  /** Validation images plus batch-norm recalibration images (forward only). */
  readonly forwardImages: number;
}

/** An epoch's work in training-image units. */
export const epochUnits = (w: EpochWork): number => w.trainImages + FORWARD_SHARE * w.forwardImages;

export interface EpochPlan {
  readonly epochs: number;
  /** Estimated seconds of the whole stage with those epochs. */
  readonly estimatedS: number;
  readonly secondsPerEpoch: number;
}

/**
 * Epochs for every finalist so that the stage fits `remainingS` (at least 1, at most `maxEpochs`). `calibration` is
 * one timed epoch of the first finalist on a subset; `scale[i]` is finalist i's cost relative to the first (its
 * search-time train_ms over the first's; [1] for one finalist). Finalists train one after another.
 */
export function planRetrainEpochs(o: {
  readonly remainingS: number;
  readonly calibration: { readonly seconds: number; readonly work: EpochWork };
  readonly full: EpochWork;
  readonly scale: readonly number[];
  readonly maxEpochs?: number;
}): EpochPlan {
  if (o.scale.length === 0) throw new Error('search-retrain: no finalist to plan re-training for');
  const calUnits = epochUnits(o.calibration.work);
  if (!(o.calibration.seconds > 0 && calUnits > 0 && epochUnits(o.full) > 0)) throw new Error('search-retrain: the calibration epoch and the image counts must be positive');
  for (const s of o.scale) if (!(Number.isFinite(s) && s > 0)) throw new Error(`search-retrain: a finalist has no usable relative cost (${s})`);
  const perFirst = (o.calibration.seconds / calUnits) * epochUnits(o.full);
  const secondsPerEpoch = o.scale.reduce((a, s) => a + s * perFirst, 0);
  const fit = Math.floor((o.remainingS - RETRAIN_FIXED_S) / secondsPerEpoch);
  const epochs = Math.min(o.maxEpochs ?? 1000, Math.max(1, fit));
  return { epochs, estimatedS: RETRAIN_FIXED_S + epochs * secondsPerEpoch, secondsPerEpoch };
}
