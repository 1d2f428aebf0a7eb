/**
 * The ResNet basic block between NAS-Bench-201 stages (Dong & Yang, ICLR 2020, xautodl ResNetBasicblock):
 * ReLU-conv3x3(stride 2)-BN, ReLU-conv3x3-BN, plus the shortcut avgpool2x2(stride 2) -> conv1x1 (no BN), summed.
 * Written once for the standalone network, the supernet and the latency-table piece.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationTap } from '../../ops/activation-tap';
import { conv2d } from '../../ops/layers';
import { collect, type Module } from '../../ops/module';
import { reluConvBn, type OpContext } from '../../ops/nb201-ops';
import type { Rng } from '../../util/rng';

/** `tap` (optional) receives the block's ReLU outputs (the NASWOT proxy). */
export function nb201ReductionBlock(cIn: number, cOut: number, rng: Rng, tap?: ActivationTap): Module {
  const ctx: OpContext = { channels: cIn, rng, affine: true, tap };
  const convA = reluConvBn(cIn, cOut, 3, 2, ctx);
  const convB = reluConvBn(cOut, cOut, 3, 1, ctx);
  const shortcut = conv2d(cIn, cOut, 1, rng);
  const { params, buffers } = collect([convA, convB, shortcut]);
  return {
    params,
    buffers,
    apply: (x, training) => {
      const main = convB.apply(convA.apply(x, training), training);
      const skip = shortcut.apply(tf.avgPool(x, 2, 2, 'valid'), training);
      return tf.add(main, skip);
    },
  };
}
