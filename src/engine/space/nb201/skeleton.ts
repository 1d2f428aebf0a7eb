/**
 * The NB201 network around a cell (Dong & Yang, ICLR 2020, TinyNetwork/InferTinyCellNet): stem conv3x3(C) + BN;
 * three stages of `cellsPerStage` cells at C, 2C, 4C; between stages a ResNet basic block: ReLU-conv3x3(stride 2)-BN,
 * ReLU-conv3x3-BN, plus shortcut avgpool2x2(stride 2) -> conv1x1 (no BN), summed; then BN-ReLU, global average
 * pool, dense. Cell edges: nor_conv_kxk = ReLU-conv kxk-BN; avg_pool_3x3 = stride-1 average pool (no params);
 * skip_connect = identity; none = zeros. node_j = sum of its incoming edges; cell output = node 3.
 * Conventions common to every skeleton: space/skeleton-base.ts.
 */
import { SKELETON_DEFAULTS } from '../../../shared/skeleton-rules';
import { checkInputShape, checkPositiveInt, type InputShape } from '../skeleton-base';

export interface Nb201Skeleton {
  /** C: channels of the first stage (then 2C, 4C). */
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

/** The skeleton validated and completed with the published defaults (shared/skeleton-rules.ts). */
export function nb201Skeleton(partial: Partial<Nb201Skeleton> = {}): Nb201Skeleton {
  const s = { ...SKELETON_DEFAULTS.nb201, ...partial };
  checkPositiveInt('channels', s.channels);
  checkPositiveInt('cellsPerStage', s.cellsPerStage, 1000);
  checkPositiveInt('numClasses', s.numClasses);
  return { ...s, inputShape: checkInputShape('inputShape', s.inputShape, 4) };
}
