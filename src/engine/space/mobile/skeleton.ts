/**
 * The mobile network around a genotype (the field guide's worked example, MnasNet-style): stem conv3x3 stride
 * `stemStride` to `stemChannels` + BN + ReLU; each stage = `depth` blocks, the first with the stage stride, all
 * with the stage width:
 *   ds block = depthwise kxk (stride) + BN + ReLU + [SE] + pointwise 1x1 + BN
 *   mb block = pointwise 1x1 expand (in * expand) + BN + ReLU6 + depthwise kxk (stride) + BN + ReLU6 + [SE]
 *              + pointwise 1x1 project + BN
 *   SE(c)    = global average pool -> dense(seChannels(c), bias) + ReLU -> dense(c, bias) + sigmoid -> multiply
 *   residual add when stride 1 and input channels == width (both block types);
 * head = conv1x1 to headMultiplier * last width + BN + ReLU (omitted when headMultiplier is 0), global average
 * pool, dense. Conventions common to every skeleton: space/skeleton-base.ts.
 */
import { SKELETON_DEFAULTS } from '../../../shared/skeleton-rules';
import { checkInputShape, checkPositiveInt, type InputShape } from '../skeleton-base';

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

/** SE squeeze width for c channels. */
export function seChannels(c: number, reduction: number): number {
  return Math.max(1, Math.floor(c / reduction));
}

/** The skeleton validated and completed with the published defaults (shared/skeleton-rules.ts). */
export function mobileSkeleton(partial: Partial<MobileSkeleton> = {}): MobileSkeleton {
  const s = { ...SKELETON_DEFAULTS.mobile, ...partial };
  checkPositiveInt('stemChannels', s.stemChannels);
  if (s.stemStride !== 1 && s.stemStride !== 2) throw new Error(`stemStride: must be 1 or 2, got ${JSON.stringify(s.stemStride)}`);
  if (typeof s.headMultiplier !== 'number' || !Number.isInteger(s.headMultiplier) || s.headMultiplier < 0 || s.headMultiplier > 64) {
    throw new Error(`headMultiplier: must be an integer in 0..64, got ${JSON.stringify(s.headMultiplier)}`);
  }
  checkPositiveInt('seReduction', s.seReduction, 1024);
  checkPositiveInt('numClasses', s.numClasses);
  return { ...s, inputShape: checkInputShape('inputShape', s.inputShape, 1) };
}
