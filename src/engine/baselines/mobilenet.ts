/**
 * A small MobileNetV2 for the dataset's shape (Sandler, Howard, Zhu, Zhmoginov & Chen, "MobileNetV2: Inverted
 * Residuals and Linear Bottlenecks", CVPR 2018): stem conv3x3 + BN + ReLU6; inverted residual blocks = 1x1 expand
 * (t x input channels; omitted when t = 1) + BN + ReLU6, depthwise 3x3 (stride) + BN + ReLU6, 1x1 linear
 * projection + BN (no activation: the linear bottleneck), added to the input when stride 1 and the channels match;
 * head conv1x1 + BN + ReLU6; global average pool; dense. The paper's table 2 scaled down for small images:
 * rows (t, c, n, s) = (1, 8, 1, 1), (6, 16, n, 2), (6, 24, n, 2), stem 16, head 128, with n = depth (default 2);
 * a stride-2 row keeps stride 1 when the input is too small to halve again (size.ts). Widths times the multiplier.
 * The builder and the cost counter read the same layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CostGraph, summarize, type CostReport } from '../model/cost-graph';
import { networkFrom, type Network } from '../model/network';
import { dense, globalAvgPool } from '../ops/layers';
import { convBnAct, depthwiseBnAct } from '../ops/mobile-ops';
import { collect, sequential, type Module } from '../ops/module';
import type { Rng } from '../util/rng';
import { checkSize, planFor, scaled, type BaselineIo, type BaselineSize, type Plan } from './size';

/** (expansion t, width c, repeats n (null: the depth option), stride s) per row; stem and head widths. */
export const MOBILENET_ROWS = [
  { t: 1, c: 8, n: 1, s: 1 },
  { t: 6, c: 16, n: null, s: 2 },
  { t: 6, c: 24, n: null, s: 2 },
] as const;
export const MOBILENET_STEM = 16;
export const MOBILENET_HEAD = 128;

export interface InvertedResidualSpec {
  readonly row: number;
  readonly cIn: number;
  /** Expanded (hidden) channels = cIn * t. */
  readonly hidden: number;
  readonly expand: boolean;
  readonly cOut: number;
  readonly stride: 1 | 2;
  readonly residual: boolean;
}

export interface MobileNetLayout extends Plan {
  readonly stemChannels: number;
  readonly blocks: readonly InvertedResidualSpec[];
  readonly headChannels: number;
}

export function mobilenetLayout(io: BaselineIo, size: BaselineSize): MobileNetLayout {
  checkSize(size, 'mobilenet');
  const plan = planFor(io, MOBILENET_ROWS.filter((r) => r.s === 2).length, 'mobilenet');
  const depth = size.depth ?? 2;
  const stemChannels = scaled(MOBILENET_STEM, size.width);
  const blocks: InvertedResidualSpec[] = [];
  let c = stemChannels;
  let halvings = 0;
  MOBILENET_ROWS.forEach((r, row) => {
    const cOut = scaled(r.c, size.width);
    const rowStride = r.s === 2 && halvings < plan.halvings ? 2 : 1;
    if (rowStride === 2) halvings++;
    for (let b = 0; b < (r.n ?? depth); b++) {
      const stride = b === 0 ? rowStride : 1;
      blocks.push({ row, cIn: c, hidden: c * r.t, expand: r.t !== 1, cOut, stride, residual: stride === 1 && c === cOut });
      c = cOut;
    }
  });
  return { ...plan, stemChannels, blocks, headChannels: scaled(MOBILENET_HEAD, size.width) };
}

function invertedResidual(s: InvertedResidualSpec, rng: Rng): Module {
  const body = sequential(
    ...(s.expand ? [convBnAct(s.cIn, s.hidden, 1, 1, 'relu6', rng)] : []),
    depthwiseBnAct(s.hidden, 3, s.stride, 'relu6', rng),
    convBnAct(s.hidden, s.cOut, 1, 1, 'none', rng),
  );
  return s.residual ? { ...body, apply: (x, training) => tf.add(x, body.apply(x, training)) } : body;
}

export function buildMobileNet(layout: MobileNetLayout, rng: Rng): Network {
  const last = layout.blocks[layout.blocks.length - 1].cOut;
  const modules: Module[] = [
    convBnAct(layout.inputShape[2], layout.stemChannels, 3, layout.stemStride, 'relu6', rng),
    ...layout.blocks.map((b) => invertedResidual(b, rng)),
    convBnAct(last, layout.headChannels, 1, 1, 'relu6', rng),
  ];
  const classifier = dense(layout.headChannels, layout.numClasses, rng);
  const { params, buffers } = collect(modules);
  return networkFrom([...params, ...classifier.params], buffers, (x, training) => {
    const h = modules.reduce((t, m) => m.apply(t, training), x);
    return classifier.apply(globalAvgPool(h));
  });
}

export function mobilenetCost(layout: MobileNetLayout): CostReport {
  const G = new CostGraph();
  let x = G.conv('stem', G.input(layout.inputShape), { k: 3, stride: layout.stemStride, cout: layout.stemChannels, bn: true });
  layout.blocks.forEach((b, i) => {
    const name = `row${b.row + 1}.block${i}`;
    let h = b.expand ? G.conv(`${name}.expand`, x, { k: 1, cout: b.hidden, bn: true }) : x;
    h = G.conv(`${name}.dw`, h, { k: 3, stride: b.stride, depthwise: true, bn: true });
    h = G.conv(`${name}.project`, h, { k: 1, cout: b.cOut, bn: true });
    x = b.residual ? G.add(`${name}.residual`, [x, h]) : h;
  });
  x = G.conv('head', x, { k: 1, cout: layout.headChannels, bn: true });
  G.dense('classifier', G.gap('gap', x), layout.numClasses);
  return summarize(G.steps);
}
