/**
 * The latency-table pieces of mobile macro-space networks (MnasNet-style; Tan et al., CVPR 2019), read off the
 * layout walk (layout.ts) as network.ts builds it: stem (conv3x3 + BN + ReLU), every block configuration (ds /
 * mb with each expansion, kernel, SE, input and output width) at its stage's stride and resolution, the head conv
 * per last width, the classifier.
 */
import { convBnAct, MOBILE_BLOCK_FACTORIES } from '../../ops/mobile-ops';
import { headPiece, headRunner, inst, shape, singleRunner, type OpInstance, type OpRunner } from '../../profiler/op-instance';
import type { Rng } from '../../util/rng';
import type { MobileSpaceConfig } from '../../../shared/space-config';
import type { LatencyPieces } from '../descriptor';
import type { MobileGenotype } from './space';
import type { MobileSkeleton } from './skeleton';
import { MOBILE_BLOCKS, type MobileBlock } from '../../../shared/space-vocab';
import { mobileHead, mobileLayout, mobileStemOut, type MobileLayout } from './layout';

interface BlockChoice {
  readonly block: MobileBlock;
  readonly expand: number;
  readonly kernel: number;
  readonly se: boolean;
}

const down = (r: number, s: number): number => Math.ceil(r / s);

function stemPiece(sk: MobileSkeleton): OpInstance {
  const [h, w, c] = sk.inputShape;
  return inst({ op: 'stem', role: 'stem', inputShape: shape(h, w, c), inputs: 1, stride: sk.stemStride, outChannels: sk.stemChannels });
}

function blockPiece(b: BlockChoice, h: number, w: number, cIn: number, cOut: number, stride: number, sk: MobileSkeleton): OpInstance {
  return inst({
    op: b.block, role: 'block', inputShape: shape(h, w, cIn), inputs: 1, stride, outChannels: cOut,
    kernel: b.kernel, expand: b.block === 'ds' ? 1 : b.expand, se: b.se, ...(b.se ? { seReduction: sk.seReduction } : {}),
  });
}

function headPieces({ headConv, head }: Pick<MobileLayout, 'headConv' | 'head'>): OpInstance[] {
  const out: OpInstance[] = [];
  if (headConv) {
    const [h, w, c] = headConv.inputShape;
    out.push(inst({ op: 'head_conv', role: 'head-conv', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: headConv.outChannels }));
  }
  const [h, w, c] = head.inputShape;
  out.push(headPiece(h, w, c, head.classes));
  return out;
}

function ofGenotype(g: MobileGenotype, sk: MobileSkeleton): OpInstance[] {
  const layout = mobileLayout(g, sk);
  return [
    stemPiece(sk),
    ...layout.blocks.map(({ spec, stride, input: [h, w, c] }) => blockPiece(spec, h, w, c, spec.width, stride, sk)),
    ...headPieces(layout),
  ];
}

function all(sk: MobileSkeleton, cfg: MobileSpaceConfig): OpInstance[] {
  const blocks: BlockChoice[] = [];
  for (const block of cfg.blocks) {
    for (const expand of block === 'ds' ? [1] : cfg.expansions) {
      for (const kernel of cfg.kernels) for (const se of cfg.se) blocks.push({ block, expand, kernel, se });
    }
  }
  let [h, w] = mobileStemOut(sk);
  const out: OpInstance[] = [stemPiece(sk)];
  const deeper = cfg.depths.some((d) => d > 1);
  for (let s = 0; s < cfg.stages; s++) {
    const stride = cfg.strides[s];
    const inputs = s === 0 ? [sk.stemChannels] : cfg.widths;
    const [oh, ow] = [down(h, stride), down(w, stride)];
    for (const b of blocks) {
      for (const width of cfg.widths) {
        for (const cIn of inputs) out.push(blockPiece(b, h, w, cIn, width, stride, sk));
        if (deeper) out.push(blockPiece(b, oh, ow, width, width, 1, sk));
      }
    }
    [h, w] = [oh, ow];
  }
  for (const width of cfg.widths) out.push(...headPieces(mobileHead(sk, h, w, width)));
  return out;
}

function isBlock(op: string): op is MobileBlock {
  return (MOBILE_BLOCKS as readonly string[]).includes(op);
}

function build(instance: OpInstance, rng: Rng): OpRunner {
  const [, , cIn] = instance.inputShape;
  const cOut = instance.outChannels;
  switch (instance.role) {
    case 'head': return headRunner(instance, rng, false);
    case 'head-conv': return singleRunner(instance, convBnAct(cIn, cOut, 1, 1, 'relu', rng));
    case 'stem': return singleRunner(instance, convBnAct(cIn, cOut, 3, instance.stride, 'relu', rng));
    case 'block': {
      if (!isBlock(instance.op)) throw new Error(`unknown mobile block "${instance.op}"`);
      return singleRunner(instance, MOBILE_BLOCK_FACTORIES[instance.op]({
        cIn, cOut, kernel: instance.kernel ?? 3, stride: instance.stride, expand: instance.expand ?? 1,
        se: instance.se ?? false, seReduction: instance.seReduction ?? 4, rng,
      }));
    }
    default: throw new Error(`mobile networks have no "${instance.role}" piece (${instance.key})`);
  }
}

export const mobileLatencyPieces: LatencyPieces<MobileSpaceConfig, MobileGenotype, MobileSkeleton> = { all, ofGenotype, build };
