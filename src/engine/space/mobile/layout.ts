/**
 * The mobile macro-space network layout (the field guide's worked example, MnasNet-style: Tan et al., CVPR 2019;
 * see space/mobile/skeleton.ts), walked ONCE here and read by the network builder (network.ts), the cost counter
 * (cost.ts) and the latency-table pieces (lut-pieces.ts): stem conv3x3 (stride stemStride); per stage `depth`
 * blocks, the first with the stage stride, all at the stage width; head conv1x1 to headMultiplier * last width
 * (none when headMultiplier is 0); global average pool; dense.
 */
import type { MobileGenotype, MobileStage } from './space';
import type { InputShape } from '../skeleton-base';
import type { MobileSkeleton } from './skeleton';

export interface MobileBlockSlot {
  /** Stage index (0-based) and block index within the stage. */
  readonly stage: number;
  readonly block: number;
  readonly spec: MobileStage;
  readonly stride: number;
  /** [h, w, channels] of the block input; output channels = spec.width. */
  readonly input: InputShape;
}

export interface MobileLayout {
  readonly stem: { readonly inputShape: InputShape; readonly stride: 1 | 2; readonly channels: number };
  readonly blocks: readonly MobileBlockSlot[];
  /** Input of the head conv, or null when the skeleton has none (headMultiplier 0). */
  readonly headConv: { readonly inputShape: InputShape; readonly outChannels: number } | null;
  /** Input of the classifier (global average pool, dense). */
  readonly head: { readonly inputShape: InputShape; readonly classes: number };
}

const down = (r: number, s: number): number => Math.ceil(r / s);

/** Input resolution after the stem. */
export function mobileStemOut(sk: MobileSkeleton): [number, number] {
  return [down(sk.inputShape[0], sk.stemStride), down(sk.inputShape[1], sk.stemStride)];
}

/** The head conv (when the skeleton has one) and the classifier after a last stage of `c` channels at h x w. */
export function mobileHead(sk: MobileSkeleton, h: number, w: number, c: number): Pick<MobileLayout, 'headConv' | 'head'> {
  const headConv = sk.headMultiplier > 0 ? { inputShape: [h, w, c] as const, outChannels: sk.headMultiplier * c } : null;
  return { headConv, head: { inputShape: [h, w, headConv ? headConv.outChannels : c], classes: sk.numClasses } };
}

export function mobileLayout(g: MobileGenotype, sk: MobileSkeleton): MobileLayout {
  const stages: unknown = g?.stages;
  if (!Array.isArray(stages) || stages.length === 0) throw new Error('mobile genotype needs a non-empty "stages" array');
  let [h, w] = mobileStemOut(sk);
  let c = sk.stemChannels;
  const blocks: MobileBlockSlot[] = [];
  g.stages.forEach((spec, stage) => {
    for (let block = 0; block < spec.depth; block++) {
      const stride = block === 0 ? spec.stride : 1;
      blocks.push({ stage, block, spec, stride, input: [h, w, c] });
      h = down(h, stride);
      w = down(w, stride);
      c = spec.width;
    }
  });
  return { stem: { inputShape: sk.inputShape, stride: sk.stemStride, channels: sk.stemChannels }, blocks, ...mobileHead(sk, h, w, c) };
}
