/**
 * The NAS-Bench-201 macro skeleton (Dong & Yang, ICLR 2020, `xautodl/models/cell_infers/tiny_network.py`):
 * stem conv3x3 + BN, three stages of N cells at C, 2C, 4C channels with a ResNet basic block
 * (stride 2) between stages, then BN-ReLU, global average pooling and a linear classifier.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, conv2d, dense, globalAvgPool } from '../../ops/layers';
import { collect, sequential, type Module } from '../../ops/module';
import { NB201_OP_FACTORIES, type OpContext } from '../../ops/nb201-ops';
import { tappedRelu, type ActivationTap } from '../../ops/activation-tap';
import { networkFrom, type Network } from '../../model/network';
import { FAST_TRAINING } from '../../model/fast-layers';
import { buildWith } from '../../ops/training-impl';
import type { Rng } from '../../util/rng';
import { NB201_EDGES, type Nb201Genotype } from './space';
import type { Nb201Skeleton } from './skeleton';
import { nb201Layout } from './layout';
import { nb201ReductionBlock } from './reduction-block';

/** The NB201 skeleton (input, classes, C, N) shared with the cost counters. */
export type Nb201NetworkConfig = Nb201Skeleton;

export const NB201_BENCHMARK_CONFIG: Omit<Nb201NetworkConfig, 'inputShape' | 'numClasses'> = { channels: 16, cellsPerStage: 5 };

/** One NB201 cell: node j = sum_{i<j} op_ij(node_i); 'none' edges are skipped (they add zeros). */
export function nb201Cell(g: Nb201Genotype, channels: number, rng: Rng, affine = true, tap?: ActivationTap): Module {
  const ctx: OpContext = { channels, rng, affine, tap };
  const edges = NB201_EDGES.map(([from, to], e) => ({ from, to, op: g.ops[e], module: NB201_OP_FACTORIES[g.ops[e]](ctx) }));
  const live = edges.filter((e) => e.op !== 'none');
  const { params, buffers } = collect(live.map((e) => e.module));
  return {
    params,
    buffers,
    apply: (x, training) => {
      const nodes: (tf.Tensor4D | null)[] = [x, null, null, null];
      for (let j = 1; j < 4; j++) {
        const inputs = live.filter((e) => e.to === j && nodes[e.from] !== null).map((e) => e.module.apply(nodes[e.from]!, training));
        nodes[j] = inputs.length === 0 ? null : inputs.length === 1 ? inputs[0] : (tf.addN(inputs) as tf.Tensor4D);
      }
      // A node with no live input is all zeros.
      return nodes[3] ?? tf.zerosLike(x);
    },
  };
}

/**
 * `tap` (optional) receives every ReLU output (the NASWOT proxy); without it nothing changes.
 * Built inside buildWith(FAST_TRAINING) (ops/training-impl.ts, model/fast-layers.ts): training runs the fused fast path;
 * the weights, their seeded initialisation and inference are those of the plain ops.
 */
export function buildNb201Network(g: Nb201Genotype, cfg: Nb201NetworkConfig, rng: Rng, tap?: ActivationTap): Network {
  return buildWith(FAST_TRAINING, () => composeNb201Network(g, cfg, rng, tap));
}

function composeNb201Network(g: Nb201Genotype, cfg: Nb201NetworkConfig, rng: Rng, tap?: ActivationTap): Network {
  const layout = nb201Layout(cfg);
  const C = layout.stem.out.c;
  const stem = sequential(conv2d(layout.stem.inputShape[2], C, 3, rng), batchNorm(C));
  const body = layout.body.map((step) => (step.kind === 'reduction'
    ? nb201ReductionBlock(step.from.c, step.to.c, rng, tap)
    : nb201Cell(g, step.at.c, rng, true, tap)));
  const lastBn = batchNorm(layout.head.at.c);
  const classifier = dense(layout.head.at.c, layout.head.classes, rng);
  const modules = [stem, ...body, lastBn];
  const { params, buffers } = collect(modules);
  return networkFrom([...params, ...classifier.params], buffers, (x, training) => {
    let h = stem.apply(x, training);
    for (const m of body) h = m.apply(h, training);
    h = tappedRelu(lastBn.apply(h, training), tap);
    return classifier.apply(globalAvgPool(h));
  });
}
