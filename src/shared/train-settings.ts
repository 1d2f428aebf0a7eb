/** A training-based search's settings; the app's RunForm and the run config's train evaluator extend them. */
export interface TrainSettings {
  readonly seed: number;
  /**
   * Skeleton sizes (space/run-skeleton.ts): C = NB201 first-stage channels / DARTS channels per node
   * (even) / mobile stem channels; N = NB201 cells per stage / DARTS number of cells / unused for mobile.
   */
  readonly channels: number;
  readonly cellsPerStage: number;
  /** Training budget per candidate. */
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Train/validation subset sizes drawn from the dataset's locked train/valid splits. */
  readonly trainSamples: number;
  readonly validSamples: number;
  /** Stop hopeless candidates early by learning-curve extrapolation; absent: every candidate trains all its epochs. */
  readonly curveStop?: CurveStopSettings;
}

/**
 * Learning-curve early stopping of a search's candidates (engine/evaluator/curve-stop.ts): after each epoch from
 * the third on, a candidate stops when neither its extrapolated final validation accuracy nor its best measured one,
 * plus `margin` (percentage points), reaches the best objective of the run so far.
 */
export interface CurveStopSettings {
  readonly enabled: boolean;
  /** Percentage points of validation accuracy granted to a candidate before it counts as hopeless. */
  readonly margin: number;
}

/** Default margin of the run config's `evaluator.curveStop` and of the Search tab's form. */
export const CURVE_STOP_DEFAULT_MARGIN = 2;
/** Epochs a candidate needs for curve stopping to act: three to extrapolate from and one left to save. */
export const CURVE_STOP_MIN_EPOCHS = 4;
