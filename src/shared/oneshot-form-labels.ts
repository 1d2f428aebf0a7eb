/**
 * The One-shot form's labels for the one-shot config's fields (./oneshot-config.ts names them by key), so a refused
 * configuration names each field as the form labels it. Plain data.
 */
import { labelPaths } from './search-form-check';

export const ONESHOT_PATH_LABELS: readonly (readonly [string, string])[] = [
  ['name', 'Name'], ['datasetId', 'Dataset'], ['seed', 'Seed'], ['epochs', 'Epochs'], ['batchSize', 'Batch size'], ['learningRate', 'Learning rate'],
  ['channels', 'Channels C'], ['cellsPerStage', 'Cells per stage N'], ['layers', 'Cells'], ['trainSamples', 'Train images'], ['validSamples', 'Validation images'],
  ['mobile.stages', 'Stages'], ['mobile.widths', 'Widths'], ['mobile.depths', 'Depths'],
  ['darts.partialChannels', 'Partial channels K'], ['darts.warmupEpochs', 'Warm-up epochs'], ['darts.entropyWeight', 'Entropy reg. λ'], ['darts.opDropout', 'Op dropout p'],
  ['darts.maxSkips', 'DARTS+ max skips'], ['darts.stableEpochs', 'DARTS+ stable epochs'], ['darts.earlyStopWarmup', 'DARTS+ warm-up epochs'],
  ['darts.eigenvalueEvery', 'Eigenvalue every k'], ['darts.eigenStopRatio', 'Stop ratio'],
  ['spos.subnets', 'Subnets N'], ['spos.flopsPenalty', 'FLOP penalty λ / MFLOP'], ['spos.topK', 'Top k'], ['spos.rankingCheck', 'Ranking check k'], ['spos.rankingCheckEpochs', 'Standalone epochs'],
];

/** A one-shot config problem in the One-shot form's words. */
export function labelOneShotIssue(issue: string): string {
  return labelPaths(issue, ONESHOT_PATH_LABELS);
}
