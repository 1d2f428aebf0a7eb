/**
 * A small ResNet for the dataset's shape (He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition",
 * CVPR 2016, section 4.2: the CIFAR-10 networks with 6n+2 layers): stem conv3x3 + BN + ReLU; stages of basic
 * residual blocks (conv3x3 + BN + ReLU, conv3x3 + BN, added to the shortcut, then ReLU) at widths 16, 32, 64; the
 * first block of each later stage downsamples with stride 2 and its shortcut is a 1x1 projection conv + BN (the
 * paper's option B); global average pool; dense. Depth = blocks per stage (n; default 1, ResNet-8), widths times the
 * width multiplier. The stage count follows the input (size.ts): 3 stages on 28x28 or 32x32, fewer on tiny inputs.
 * The builder and the cost counter read the same layout, so they cannot disagree.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CostGraph, summarize, type CostReport } from '../model/cost-graph';
import { networkFrom, type Network } from '../model/network';
import { dense, globalAvgPool } from '../ops/layers';
import { convBnAct } from '../ops/mobile-ops';
import { collect, type Module } from '../ops/module';
import type { Rng } from '../util/rng';
import { checkSize, planFor, scaled, type BaselineIo, type BaselineSize, type Plan } from './size';

/** The paper's CIFAR widths per stage. */
export const RESNET_WIDTHS = [16, 32, 64] as const;

export interface ResidualBlockSpec {
  readonly stage: number;
  readonly cIn: number;
  readonly cOut: number;
  readonly stride: 1 | 2;
  /** 1x1 projection shortcut (when the shape changes), else identity. */
  readonly projection: boolean;
}

export interface ResNetLayout extends Plan {
  readonly stemChannels: number;
  readonly blocks: readonly ResidualBlockSpec[];
  readonly features: number;
}

export function resnetLayout(io: BaselineIo, size: BaselineSize): ResNetLayout {
  checkSize(size, 'resnet');
  const plan = planFor(io, RESNET_WIDTHS.length - 1, 'resnet');
  const depth = size.depth ?? 1;
  const widths = RESNET_WIDTHS.slice(0, plan.halvings + 1).map((c) => scaled(c, size.width));
  const stemChannels = widths[0];
  const blocks: ResidualBlockSpec[] = [];
  let c = stemChannels;
  widths.forEach((cOut, stage) => {
    for (let b = 0; b < depth; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      blocks.push({ stage, cIn: c, cOut, stride, projection: stride !== 1 || c !== cOut });
      c = cOut;
    }
  });
  return { ...plan, stemChannels, blocks, features: c };
}

function basicBlock(s: ResidualBlockSpec, rng: Rng): Module {
  const first = convBnAct(s.cIn, s.cOut, 3, s.stride, 'relu', rng);
  const second = convBnAct(s.cOut, s.cOut, 3, 1, 'none', rng);
  const shortcut = s.projection ? convBnAct(s.cIn, s.cOut, 1, s.stride, 'none', rng) : null;
  const { params, buffers } = collect([first, second, ...(shortcut ? [shortcut] : [])]);
  return {
    params,
    buffers,
    apply: (x, training) => {
      const main = second.apply(first.apply(x, training), training);
      return tf.relu(tf.add(main, shortcut ? shortcut.apply(x, training) : x)) as tf.Tensor4D;
    },
  };
}

export function buildResNet(layout: ResNetLayout, rng: Rng): Network {
  const modules: Module[] = [convBnAct(layout.inputShape[2], layout.stemChannels, 3, layout.stemStride, 'relu', rng)];
  for (const b of layout.blocks) modules.push(basicBlock(b, rng));
  const classifier = dense(layout.features, layout.numClasses, rng);
  const { params, buffers } = collect(modules);
  return networkFrom([...params, ...classifier.params], buffers, (x, training) => {
    const h = modules.reduce((t, m) => m.apply(t, training), x);
    return classifier.apply(globalAvgPool(h));
  });
}

export function resnetCost(layout: ResNetLayout): CostReport {
  const G = new CostGraph();
  let x = G.conv('stem', G.input(layout.inputShape), { k: 3, stride: layout.stemStride, cout: layout.stemChannels, bn: true });
  layout.blocks.forEach((b, i) => {
    const name = `stage${b.stage + 1}.block${i}`;
    const h = G.conv(`${name}.conv1`, x, { k: 3, stride: b.stride, cout: b.cOut, bn: true });
    const main = G.conv(`${name}.conv2`, h, { k: 3, cout: b.cOut, bn: true });
    const short = b.projection ? G.conv(`${name}.shortcut`, x, { k: 1, stride: b.stride, cout: b.cOut, bn: true }) : x;
    x = G.add(`${name}.add`, [main, short]);
  });
  G.dense('classifier', G.gap('gap', x), layout.numClasses);
  return summarize(G.steps);
}
