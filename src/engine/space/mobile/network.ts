/**
 * A mobile macro-space network (the field guide's worked example; MnasNet-style, Tan et al., CVPR 2019), exactly as
 * space/mobile/skeleton.ts describes it and cost.ts counts it (both walk layout.ts): stem conv3x3 (stride stemStride) + BN + ReLU;
 * per stage `depth` blocks (ops/mobile-ops.ts), the first with the stage stride, all at the stage width; head
 * conv1x1 to headMultiplier * last width + BN + ReLU (none when headMultiplier is 0); global average pool; dense.
 */
import { networkFrom, type Network } from '../../model/network';
import { FAST_TRAINING } from '../../model/fast-layers';
import { buildWith } from '../../ops/training-impl';
import { dense, globalAvgPool } from '../../ops/layers';
import { convBnAct, MOBILE_BLOCK_FACTORIES } from '../../ops/mobile-ops';
import { collect, type Module } from '../../ops/module';
import type { Rng } from '../../util/rng';
import type { MobileGenotype } from './space';
import { mobileSkeleton, type MobileSkeleton } from './skeleton';
import { mobileLayout } from './layout';

/**
 * Built inside buildWith(FAST_TRAINING) (ops/training-impl.ts, model/fast-layers.ts): training runs the fused fast path;
 * the weights, their seeded initialisation and inference are those of the plain ops.
 */
export function buildMobileNetwork(g: MobileGenotype, skeleton: MobileSkeleton, rng: Rng): Network {
  return buildWith(FAST_TRAINING, () => composeMobileNetwork(g, skeleton, rng));
}

function composeMobileNetwork(g: MobileGenotype, skeleton: MobileSkeleton, rng: Rng): Network {
  const sk = mobileSkeleton(skeleton);
  const layout = mobileLayout(g, sk);
  const modules: Module[] = [convBnAct(layout.stem.inputShape[2], layout.stem.channels, 3, layout.stem.stride, 'relu', rng)];
  for (const { stage, spec, stride, input } of layout.blocks) {
    const factory = MOBILE_BLOCK_FACTORIES[spec.block];
    if (!factory) throw new Error(`stages[${stage}].block: must be "ds" or "mb", got ${JSON.stringify(spec.block)}`);
    modules.push(factory({
      cIn: input[2], cOut: spec.width, kernel: spec.kernel, stride,
      expand: spec.expand, se: spec.se, seReduction: sk.seReduction, rng,
    }));
  }
  if (layout.headConv) modules.push(convBnAct(layout.headConv.inputShape[2], layout.headConv.outChannels, 1, 1, 'relu', rng));
  const classifier = dense(layout.head.inputShape[2], layout.head.classes, rng);
  const { params, buffers } = collect(modules);
  return networkFrom([...params, ...classifier.params], buffers, (x, training) => {
    const h = modules.reduce((t, m) => m.apply(t, training), x);
    return classifier.apply(globalAvgPool(h));
  });
}
