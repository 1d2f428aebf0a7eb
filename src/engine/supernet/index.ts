/** One-shot NAS engine: supernets, their forward modes, anti-collapse measures, ranking check, checkpoints. */
export * from './types';
export * from './events';
export { createMixedOp, type MixedOp } from './mixed-op';
export { channelShuffle, channelShufflePermutation, partialChannelEdge } from './partial-channel';
export { buildNb201Supernet, type Nb201SupernetConfig } from './nb201-supernet';
export { buildDartsSupernet, type DartsSupernetConfig } from './darts-supernet';
export { buildMobileSupernet, type MobileSupernet, type MobileSupernetConfig } from './mobile-supernet';
export {
  countSkips, dartsEdgeCount, dartsEdgeIndex, deriveDartsGenotype, deriveNb201Genotype, normalizeDartsBetas, softmax, softmaxRows,
} from './derive';
export * from './anti-collapse';
export { recalibrateBatchNorm } from './bn-recalibrate';
export { BatchStream, gatherBatch, sliceBatch, type BatchStreamState } from './batches';
export {
  checkpointFromJson, checkpointToJson, CheckpointError,
  type JsonCheckpoint, type OneShotCheckpoint, type TensorData,
} from './state';
export * from './ranking-check';
