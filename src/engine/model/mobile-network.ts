/**
 * A mobile macro-space network (the field guide's worked example; MnasNet-style, Tan et al., CVPR 2019), exactly as
 * space/skeleton.ts describes it and model/cost-mobile.ts counts it: stem conv3x3 (stride stemStride) + BN + ReLU;
 * per stage `depth` blocks (ops/mobile-ops.ts), the first with the stage stride, all at the stage width; head
 * conv1x1 to headMultiplier * last width + BN + ReLU (none when headMultiplier is 0); global average pool; dense.
 */
import { dense, globalAvgPool } from '../ops/layers';
import { convBnAct, MOBILE_BLOCK_FACTORIES } from '../ops/mobile-ops';
import { collect, type Module } from '../ops/module';
import type { MobileGenotype } from '../space/mobile';
import { mobileSkeleton, type MobileSkeleton } from '../space/skeleton';
import type { Rng } from '../util/rng';
import { networkFrom, type Network } from './network';

export function buildMobileNetwork(g: MobileGenotype, skeleton: MobileSkeleton, rng: Rng): Network {
  const sk = mobileSkeleton(skeleton);
  const stages: unknown = g?.stages;
  if (!Array.isArray(stages) || stages.length === 0) throw new Error('mobile genotype needs a non-empty "stages" array');
  const modules: Module[] = [convBnAct(sk.inputShape[2], sk.stemChannels, 3, sk.stemStride, 'relu', rng)];
  let c = sk.stemChannels;
  g.stages.forEach((st, s) => {
    const factory = MOBILE_BLOCK_FACTORIES[st.block];
    if (!factory) throw new Error(`stages[${s}].block: must be "ds" or "mb", got ${JSON.stringify(st.block)}`);
    for (let b = 0; b < st.depth; b++) {
      modules.push(factory({
        cIn: c, cOut: st.width, kernel: st.kernel, stride: b === 0 ? st.stride : 1,
        expand: st.expand, se: st.se, seReduction: sk.seReduction, rng,
      }));
      c = st.width;
    }
  });
  if (sk.headMultiplier > 0) {
    modules.push(convBnAct(c, sk.headMultiplier * c, 1, 1, 'relu', rng));
    c *= sk.headMultiplier;
  }
  const classifier = dense(c, sk.numClasses, rng);
  const { params, buffers } = collect(modules);
  return networkFrom([...params, ...classifier.params], buffers, (x, training) => {
    const h = modules.reduce((t, m) => m.apply(t, training), x);
    return classifier.apply(globalAvgPool(h));
  });
}
