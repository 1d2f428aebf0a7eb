/**
 * Weight-sharing supernet of the mobile macro space (space/mobile/space.ts; MnasNet-style, Tan et al., CVPR 2019), for
 * single-path one-shot search (SPOS: Guo et al., "Single Path One-Shot Neural Architecture Search with Uniform
 * Sampling", ECCV 2020) with Once-for-All's elastic dimensions (Cai et al., "Once-for-All: Train One Network and
 * Specialize it for Efficient Deployment", ICLR 2020):
 *  - every stage holds max(depths) layers; each layer holds one choice block per block option of the space
 *    (ds, mb3, mb4, mb6: SPOS choice blocks, separate weights), each at the largest width of the space;
 *  - elastic depth: a subnet of depth d runs the first d layers of the stage;
 *  - elastic width: a subnet of width w uses the first w output channels (and the first cIn input channels) of
 *    the max-width weights, BN statistics included (supernet/elastic-layers.ts);
 *  - elastic kernel: k = 3 uses the centre 3x3 of the 5x5 depthwise kernel (OFA without its transform matrix);
 *  - SE on/off: the choice block's SE weights are used or skipped.
 * Built from the same block structure as model/mobile-network.ts (stem conv3x3+BN+ReLU, blocks of
 * ops/mobile-ops.ts, head conv1x1+BN+ReLU, pool, dense), so subnetWeights(g) loaded into buildMobileNetwork(g)
 * computes exactly the supernet's single path. A path is, per stage, the space's 5 choice indices
 * [block option, kernel, se, width, depth] (space.toIndices chunked by stage). There are no architecture
 * parameters: DARTS and PC-DARTS do not apply (mixture mode throws).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createMobileSpace, type MobileGenotype, type MobileSpace, type MobileStage } from '../space/mobile/space';
import type { MobileSpaceConfigInput } from '../../shared/space-config';
import { mobileLayout } from '../space/mobile/layout';
import { mobileSkeleton, seChannels, type MobileSkeleton } from '../space/mobile/skeleton';
import type { Rng } from '../util/rng';
import {
  elasticBatchNorm, elasticConv, elasticDense, elasticDepthwise, elasticSqueezeExcite, type Sliced,
} from './elastic-layers';
import type { DropMask, Supernet, SupernetMode, SupernetPath } from './types';

export interface MobileSupernetConfig {
  readonly skeleton: Partial<MobileSkeleton> & Pick<MobileSkeleton, 'inputShape' | 'numClasses'>;
  /** The space (default: the worked example's full space). */
  readonly space?: MobileSpaceConfigInput;
}

export interface MobileSupernet extends Supernet<MobileGenotype> {
  readonly space: 'mobile';
  readonly searchSpace: MobileSpace;
  readonly skeleton: MobileSkeleton;
  /**
   * The weights and BN statistics genotype g inherits (sliced copies; caller disposes), in the order of
   * buildMobileNetwork(g)'s params and buffers.
   */
  subnetWeights(g: MobileGenotype): Sliced;
}

/** What one layer of a subnet runs. */
interface LayerSpec {
  readonly kernel: number;
  readonly se: boolean;
  readonly cOut: number;
  readonly stride: number;
}

interface ChoiceBlock {
  readonly params: tf.Variable[];
  readonly buffers: tf.Variable[];
  apply(x: tf.Tensor4D, s: LayerSpec, training: boolean): tf.Tensor4D;
  slices(cIn: number, s: LayerSpec): Sliced;
}

const cat = (parts: Sliced[]): Sliced => ({ params: parts.flatMap((p) => p.params), buffers: parts.flatMap((p) => p.buffers) });
const residual = (x: tf.Tensor4D, y: tf.Tensor4D, s: LayerSpec): tf.Tensor4D =>
  (s.stride === 1 && x.shape[3] === s.cOut ? tf.add(x, y) : y);

/** ds = depthwise + BN + ReLU + [SE] + pointwise + BN (+ residual), ops/mobile-ops.ts dsBlock. */
function dsChoice(cInMax: number, cOutMax: number, kMax: number, withSe: boolean, red: number, rng: Rng): ChoiceBlock {
  const dw = elasticDepthwise(cInMax, kMax, rng);
  const dwBn = elasticBatchNorm(cInMax);
  const se = withSe ? elasticSqueezeExcite(cInMax, seChannels(cInMax, red), rng) : null;
  const pw = elasticConv(cInMax, cOutMax, 1, rng);
  const pwBn = elasticBatchNorm(cOutMax);
  return {
    params: [...dw.params, ...dwBn.params, ...(se?.params ?? []), ...pw.params, ...pwBn.params],
    buffers: [...dwBn.buffers, ...pwBn.buffers],
    apply: (x, s, training) => {
      const c = x.shape[3];
      let h = tf.relu(dwBn.apply(dw.apply(x, s.kernel, s.stride), training));
      if (s.se) h = se!.apply(h, seChannels(c, red));
      return residual(x, pwBn.apply(pw.apply(h, s.cOut, 1), training), s);
    },
    slices: (cIn, s) => cat([
      dw.slices(cIn, s.kernel), dwBn.slices(cIn), ...(s.se ? [se!.slices(cIn, seChannels(cIn, red))] : []),
      pw.slices(cIn, s.cOut), pwBn.slices(s.cOut),
    ]),
  };
}

/** mb = expand 1x1 + BN + ReLU6 + depthwise + BN + ReLU6 + [SE] + project 1x1 + BN (+ residual), mbBlock. */
function mbChoice(cInMax: number, cOutMax: number, kMax: number, e: number, withSe: boolean, red: number, rng: Rng): ChoiceBlock {
  const hMax = cInMax * e;
  const ex = elasticConv(cInMax, hMax, 1, rng);
  const exBn = elasticBatchNorm(hMax);
  const dw = elasticDepthwise(hMax, kMax, rng);
  const dwBn = elasticBatchNorm(hMax);
  const se = withSe ? elasticSqueezeExcite(hMax, seChannels(hMax, red), rng) : null;
  const pj = elasticConv(hMax, cOutMax, 1, rng);
  const pjBn = elasticBatchNorm(cOutMax);
  return {
    params: [...ex.params, ...exBn.params, ...dw.params, ...dwBn.params, ...(se?.params ?? []), ...pj.params, ...pjBn.params],
    buffers: [...exBn.buffers, ...dwBn.buffers, ...pjBn.buffers],
    apply: (x, s, training) => {
      const hidden = x.shape[3] * e;
      let h = tf.relu6(exBn.apply(ex.apply(x, hidden, 1), training));
      h = tf.relu6(dwBn.apply(dw.apply(h, s.kernel, s.stride), training));
      if (s.se) h = se!.apply(h, seChannels(hidden, red));
      return residual(x, pjBn.apply(pj.apply(h, s.cOut, 1), training), s);
    },
    slices: (cIn, s) => {
      const hidden = cIn * e;
      return cat([
        ex.slices(cIn, hidden), exBn.slices(hidden), dw.slices(hidden, s.kernel), dwBn.slices(hidden),
        ...(s.se ? [se!.slices(hidden, seChannels(hidden, red))] : []), pj.slices(hidden, s.cOut), pjBn.slices(s.cOut),
      ]);
    },
  };
}

export function buildMobileSupernet(cfg: MobileSupernetConfig, rng: Rng): MobileSupernet {
  const sk = mobileSkeleton(cfg.skeleton);
  const space = createMobileSpace(cfg.space ?? {});
  const { stages: n, blocks, expansions, kernels, se: seList, widths, depths } = space.config;
  const options = [...(blocks.includes('ds') ? [{ block: 'ds' as const, expand: 1 }] : []),
    ...(blocks.includes('mb') ? expansions.map((e) => ({ block: 'mb' as const, expand: e })) : [])];
  const kMax = Math.max(...kernels);
  if (kernels.some((k) => (kMax - k) % 2 !== 0)) throw new Error(`mobile supernet: kernels ${kernels.join(', ')} must all be odd (centre crops of ${kMax})`);
  const wMax = Math.max(...widths);
  const dMax = Math.max(...depths);
  const withSe = seList.includes(true);

  const stemConv = elasticConv(sk.inputShape[2], sk.stemChannels, 3, rng);
  const stemBn = elasticBatchNorm(sk.stemChannels);
  /** layers[stage][layer][option] */
  const layers: ChoiceBlock[][][] = [];
  for (let s = 0; s < n; s++) {
    const stage: ChoiceBlock[][] = [];
    for (let l = 0; l < dMax; l++) {
      const cInMax = l > 0 ? wMax : s === 0 ? sk.stemChannels : wMax;
      stage.push(options.map((o) => (o.block === 'ds'
        ? dsChoice(cInMax, wMax, kMax, withSe, sk.seReduction, rng)
        : mbChoice(cInMax, wMax, kMax, o.expand, withSe, sk.seReduction, rng))));
    }
    layers.push(stage);
  }
  const hm = sk.headMultiplier;
  const head = hm > 0 ? { conv: elasticConv(wMax, hm * wMax, 1, rng), bn: elasticBatchNorm(hm * wMax) } : null;
  const classifier = elasticDense(hm > 0 ? hm * wMax : wMax, sk.numClasses, rng);
  const blocksFlat = layers.flat(2);
  const weights = [...stemConv.params, ...stemBn.params, ...blocksFlat.flatMap((b) => b.params),
    ...(head ? [...head.conv.params, ...head.bn.params] : []), ...classifier.params];
  const buffers = [...stemBn.buffers, ...blocksFlat.flatMap((b) => b.buffers), ...(head?.bn.buffers ?? [])];

  const checkPath = (path: SupernetPath): MobileGenotype => {
    if (!Array.isArray(path) || path.length !== n || !path.every((p) => Array.isArray(p) && p.length === 5)) {
      throw new Error(`mobile supernet: a path is ${n} stages of [block, kernel, se, width, depth] choice indices, got ${JSON.stringify(path)}`);
    }
    return space.fromIndices(path.flat());
  };
  const optionOf = (st: MobileStage) => options.findIndex((o) => o.block === st.block && o.expand === st.expand);
  const specs = (st: MobileStage, b: number): LayerSpec => ({ kernel: st.kernel, se: st.se, cOut: st.width, stride: b === 0 ? st.stride : 1 });

  const forward = (x: tf.Tensor4D, mode: SupernetMode, training: boolean): tf.Tensor2D => {
    if (mode.kind !== 'path') throw new Error('mobile supernet: only single-path forwards (SPOS); DARTS mixtures need a cell space');
    const g = checkPath(mode.path);
    let h = tf.relu(stemBn.apply(stemConv.apply(x, sk.stemChannels, sk.stemStride), training)) as tf.Tensor4D;
    g.stages.forEach((st, s) => {
      const o = optionOf(st);
      for (let b = 0; b < st.depth; b++) h = layers[s][b][o].apply(h, specs(st, b), training);
    });
    if (head) h = tf.relu(head.bn.apply(head.conv.apply(h, hm * h.shape[3], 1), training)) as tf.Tensor4D;
    return classifier.apply(tf.mean(h, [1, 2]) as tf.Tensor2D, sk.numClasses);
  };

  /** The subnet's own layout (space/mobile/layout.ts, as buildMobileNetwork walks it) picks the slices. */
  const subnetWeights = (g0: MobileGenotype): Sliced => {
    const g = space.validate(g0);
    const layout = mobileLayout(g, sk);
    const parts: Sliced[] = [stemConv.slices(layout.stem.inputShape[2], layout.stem.channels), stemBn.slices(layout.stem.channels)];
    for (const { stage, block, spec, input } of layout.blocks) parts.push(layers[stage][block][optionOf(spec)].slices(input[2], specs(spec, block)));
    if (head && layout.headConv) parts.push(head.conv.slices(layout.headConv.inputShape[2], layout.headConv.outChannels), head.bn.slices(layout.headConv.outChannels));
    parts.push(classifier.slices(layout.head.inputShape[2], layout.head.classes));
    return cat(parts);
  };

  const pathOf = (g: MobileGenotype): SupernetPath => {
    const idx = space.toIndices(g);
    return Array.from({ length: n }, (_, s) => idx.slice(5 * s, 5 * s + 5));
  };

  return {
    space: 'mobile',
    searchSpace: space,
    skeleton: sk,
    ops: options.map((o) => (o.block === 'ds' ? 'ds' : `mb${o.expand}`)),
    weights,
    buffers,
    alphas: [],
    betas: [],
    archParams: [],
    partialChannels: 1,
    edgeNormalization: false,
    forward,
    pathOf,
    genotypeOf: checkPath,
    encode: space.encode,
    archWeights: async () => ({ alphas: [], betas: null }),
    derive: () => { throw new Error('mobile supernet: no architecture weights to derive a genotype from (SPOS ranks subnets instead)'); },
    sampleDropMask: (): DropMask => { throw new Error('mobile supernet: operation dropout applies to DARTS mixtures, not to single-path SPOS'); },
    subnetWeights,
    dispose: () => tf.dispose([...weights, ...buffers]),
  };
}
