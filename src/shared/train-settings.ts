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
}
