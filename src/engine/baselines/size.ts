/**
 * Sizing a hand-designed baseline for a dataset's shape: how many times the network may halve the input (so the
 * last feature map stays at least 4 pixels wide, as the CIFAR-size ResNets of He et al. end at 8x8 and MNIST-size
 * ones at 7x7), whether the stem already strides (inputs wider than 32 pixels), and channel widths scaled by a
 * width multiplier (Howard et al., "MobileNets", 2017: every layer's width times alpha, at least 1 channel).
 */
import { checkInputShape, checkPositiveInt, type InputShape } from '../space/skeleton-base';

export interface BaselineIo {
  readonly inputShape: InputShape;
  readonly numClasses: number;
}

export interface BaselineSize {
  /** Width multiplier (0 < width <= 4; 1 = the published table, 0.5 = half the channels everywhere). */
  readonly width: number;
  /** Blocks per stage (default: the family's own). */
  readonly depth?: number;
}

export interface Plan {
  readonly inputShape: InputShape;
  readonly numClasses: number;
  /** Stride of the stem conv (2 for inputs wider than 32 pixels, else 1). */
  readonly stemStride: 1 | 2;
  /** Stride-2 downsamplings after the stem (0..maxHalvings). */
  readonly halvings: number;
}

/** Checks the io and decides the stem stride and how many stride-2 stages fit (at most `maxHalvings`). */
export function planFor(io: BaselineIo, maxHalvings: number, path: string): Plan {
  const inputShape = checkInputShape(`${path}.inputShape`, io.inputShape, 1);
  checkPositiveInt(`${path}.numClasses`, io.numClasses);
  const side = Math.min(inputShape[0], inputShape[1]);
  const stemStride = side > 32 ? 2 : 1;
  let s = Math.ceil(side / stemStride);
  let halvings = 0;
  while (halvings < maxHalvings && Math.ceil(s / 2) >= 4) {
    s = Math.ceil(s / 2);
    halvings++;
  }
  return { inputShape, numClasses: io.numClasses, stemStride, halvings };
}

export function checkSize(size: BaselineSize, path: string): void {
  if (!(typeof size.width === 'number' && Number.isFinite(size.width) && size.width > 0 && size.width <= 4)) {
    throw new Error(`${path}.width: must be a number in (0, 4], got ${JSON.stringify(size.width)}`);
  }
  if (size.depth !== undefined) checkPositiveInt(`${path}.depth`, size.depth, 16);
}

/** A published width times the multiplier, rounded, at least 1. */
export function scaled(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}
