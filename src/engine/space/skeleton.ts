/**
 * Macro skeletons: the fixed network around a genotype. Shared by the cost counters (model/cost*.ts) and the
 * model builder, so both build the same network. Shapes are NHWC without the batch axis: [height, width, channels].
 * Conventions common to all three networks (the cost counters count exactly these weights):
 *  - every conv has NO bias (each is followed by BatchNorm), except where stated;
 *  - BatchNorm: gamma + beta are trainable params; moving mean + variance are non-trainable (not "params",
 *    but tf.LayersModel.countParams() includes them: params + nonTrainable);
 *  - dense layers have a bias; spatial size after a stride-s layer is ceil(size / s) (same padding).
 *
 * NB201 network (Dong & Yang, ICLR 2020, TinyNetwork/InferTinyCellNet): stem conv3x3(C) + BN; three stages of
 * `cellsPerStage` cells at C, 2C, 4C; between stages a ResNet basic block: ReLU-conv3x3(stride 2)-BN,
 * ReLU-conv3x3-BN, plus shortcut avgpool2x2(stride 2) -> conv1x1 (no BN), summed; then BN-ReLU, global average
 * pool, dense. Cell edges: nor_conv_kxk = ReLU-conv kxk-BN; avg_pool_3x3 = stride-1 average pool (no params);
 * skip_connect = identity; none = zeros. node_j = sum of its incoming edges; cell output = node 3.
 *
 * DARTS network (Liu et al., ICLR 2019, NetworkCIFAR without auxiliary head): stem conv3x3(stemMultiplier*C) + BN;
 * `layers` cells, reduction cells at floor(layers/3) and floor(2*layers/3) double C. Cell k's inputs are the outputs
 * of cells k-2 and k-1 (both the stem for the first cell); preprocess0 = FactorizedReduce(C) if cell k-1 was a
 * reduction cell, else ReLU-conv1x1-BN; preprocess1 = ReLU-conv1x1-BN. In a reduction cell, ops reading state 0
 * or 1 have stride 2. Ops: sep_conv_kxk = twice (ReLU, depthwise kxk, pointwise 1x1, BN) (stride on the first
 * depthwise only); dil_conv_kxk = ReLU, depthwise kxk dilation 2, pointwise 1x1, BN; pools 3x3 (no params, no BN);
 * skip_connect = identity, or FactorizedReduce(C) at stride 2. FactorizedReduce(C) = ReLU, two conv1x1 stride 2
 * (C/2 channels each; the second on the input shifted by one pixel), concat, BN(C). A node sums its two ops;
 * the cell output concatenates the 4 nodes (4C channels). Then global average pool, dense (no final BN).
 *
 * Mobile network (the field guide's worked example, MnasNet-style): stem conv3x3 stride `stemStride` to
 * `stemChannels` + BN + ReLU; each stage = `depth` blocks, the first with the stage stride, all with the
 * stage width:
 *   ds block = depthwise kxk (stride) + BN + ReLU + [SE] + pointwise 1x1 + BN
 *   mb block = pointwise 1x1 expand (in * expand) + BN + ReLU6 + depthwise kxk (stride) + BN + ReLU6 + [SE]
 *              + pointwise 1x1 project + BN
 *   SE(c)    = global average pool -> dense(seChannels(c), bias) + ReLU -> dense(c, bias) + sigmoid -> multiply
 *   residual add when stride 1 and input channels == width (both block types);
 * head = conv1x1 to headMultiplier * last width + BN + ReLU (omitted when headMultiplier is 0), global average
 * pool, dense.
 */
export type InputShape = readonly [height: number, width: number, channels: number];

export interface Nb201Skeleton {
  /** C: channels of the first stage (then 2C, 4C). */
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

export interface DartsSkeleton {
  /** C: channels per node of the first cells (doubled at each reduction). */
  readonly channels: number;
  /** Number of cells. */
  readonly layers: number;
  /** Stem width = stemMultiplier * C. */
  readonly stemMultiplier: number;
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

export interface MobileSkeleton {
  readonly stemChannels: number;
  readonly stemStride: 1 | 2;
  /** Head conv width = headMultiplier * last stage width; 0 = no head conv. */
  readonly headMultiplier: number;
  /** SE squeeze channels = max(1, floor(c / seReduction)). */
  readonly seReduction: number;
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

export const DEFAULT_NB201_SKELETON: Nb201Skeleton = { channels: 16, cellsPerStage: 5, inputShape: [32, 32, 3], numClasses: 10 };
export const DEFAULT_DARTS_SKELETON: DartsSkeleton = { channels: 16, layers: 8, stemMultiplier: 3, inputShape: [32, 32, 3], numClasses: 10 };
export const DEFAULT_MOBILE_SKELETON: MobileSkeleton = {
  stemChannels: 16, stemStride: 2, headMultiplier: 4, seReduction: 4, inputShape: [32, 32, 3], numClasses: 10,
};

/** Indices of DARTS reduction cells: floor(layers/3) and floor(2*layers/3), as NetworkCIFAR. */
export function dartsReductionLayers(layers: number): number[] {
  return [...new Set([Math.floor(layers / 3), Math.floor((2 * layers) / 3)])];
}

/** SE squeeze width for c channels. */
export function seChannels(c: number, reduction: number): number {
  return Math.max(1, Math.floor(c / reduction));
}

const posInt = (path: string, x: unknown, max = 1 << 20): void => {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > max) throw new Error(`${path}: must be an integer in 1..${max}, got ${JSON.stringify(x)}`);
};

function checkInput(path: string, shape: unknown, divisor: number): InputShape {
  if (!Array.isArray(shape) || shape.length !== 3) throw new Error(`${path}: must be [height, width, channels], got ${JSON.stringify(shape)}`);
  shape.forEach((d, i) => posInt(`${path}[${i}]`, d, 1 << 14));
  if (divisor > 1 && (shape[0] % divisor !== 0 || shape[1] % divisor !== 0)) {
    throw new Error(`${path}: height and width must be multiples of ${divisor} (the network halves them ${Math.log2(divisor)} times), got ${shape[0]}x${shape[1]}`);
  }
  return [shape[0], shape[1], shape[2]];
}

export function nb201Skeleton(partial: Partial<Nb201Skeleton> = {}): Nb201Skeleton {
  const s = { ...DEFAULT_NB201_SKELETON, ...partial };
  posInt('channels', s.channels);
  posInt('cellsPerStage', s.cellsPerStage, 1000);
  posInt('numClasses', s.numClasses);
  return { ...s, inputShape: checkInput('inputShape', s.inputShape, 4) };
}

export function dartsSkeleton(partial: Partial<DartsSkeleton> = {}): DartsSkeleton {
  const s = { ...DEFAULT_DARTS_SKELETON, ...partial };
  posInt('channels', s.channels);
  if (s.channels % 2 !== 0) throw new Error(`channels: must be even (FactorizedReduce splits it in halves), got ${s.channels}`);
  posInt('layers', s.layers, 1000);
  posInt('stemMultiplier', s.stemMultiplier, 64);
  posInt('numClasses', s.numClasses);
  const reductions = dartsReductionLayers(s.layers).length;
  return { ...s, inputShape: checkInput('inputShape', s.inputShape, 2 ** reductions) };
}

export function mobileSkeleton(partial: Partial<MobileSkeleton> = {}): MobileSkeleton {
  const s = { ...DEFAULT_MOBILE_SKELETON, ...partial };
  posInt('stemChannels', s.stemChannels);
  if (s.stemStride !== 1 && s.stemStride !== 2) throw new Error(`stemStride: must be 1 or 2, got ${JSON.stringify(s.stemStride)}`);
  if (typeof s.headMultiplier !== 'number' || !Number.isInteger(s.headMultiplier) || s.headMultiplier < 0 || s.headMultiplier > 64) {
    throw new Error(`headMultiplier: must be an integer in 0..64, got ${JSON.stringify(s.headMultiplier)}`);
  }
  posInt('seReduction', s.seReduction, 1024);
  posInt('numClasses', s.numClasses);
  return { ...s, inputShape: checkInput('inputShape', s.inputShape, 1) };
}
