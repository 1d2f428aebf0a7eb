/**
 * The DARTS evaluation network (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019;
 * quark0/darts `model.py`, NetworkCIFAR without the auxiliary head), exactly as space/darts/skeleton.ts describes it and
 * space/darts/cost.ts counts it (both walk layout.ts): stem conv3x3 + BN; `layers` cells, reductions at floor(layers/3) and
 * floor(2*layers/3) doubling C; each cell preprocesses its two inputs (cells k-2 and k-1), every node sums two ops
 * on earlier states, and the cell concatenates its concat nodes; global average pool, dense.
 * Optional drop-path (model.py's drop_path: per-sample Bernoulli mask scaled by 1/keep, on every non-identity op,
 * training only), seeded.
 */
import * as tf from '@tensorflow/tfjs-core';
import { networkFrom, type Network } from '../../model/network';
import { FAST_TRAINING } from '../../model/fast-layers';
import { buildWith } from '../../ops/training-impl';
import { DARTS_OP_FACTORIES, factorizedReduce, isIdentityOp, reluConvBn } from '../../ops/darts-ops';
import { batchNorm, conv2d, dense, globalAvgPool } from '../../ops/layers';
import { collect, sequential } from '../../ops/module';
import { createRng, type Rng } from '../../util/rng';
import { checkDartsGenotype, type DartsEdge, type DartsGenotype } from './genotype';
import { dartsSkeleton, type DartsSkeleton } from './skeleton';
import { dartsLayout, dartsOpStride } from './layout';

/** Applied to an op's output during training (drop-path); identity when not dropping. */
export type DropPath = (h: tf.Tensor4D) => tf.Tensor4D;

export interface DartsCellSpec {
  /** Channels of the cell's inputs: cell k-2's output and cell k-1's output. */
  readonly cPrevPrev: number;
  readonly cPrev: number;
  /** C: channels of every node. */
  readonly C: number;
  readonly reduction: boolean;
  /** Cell k-1 was a reduction cell: s0 is twice as large as s1 and goes through FactorizedReduce. */
  readonly reductionPrev: boolean;
  /** BN affine (default true). */
  readonly affine?: boolean;
}

/** A DARTS cell: two inputs, one output of concat.length * C channels. */
export interface DartsCell {
  readonly params: readonly tf.Variable[];
  readonly buffers: readonly tf.Variable[];
  readonly outChannels: number;
  apply(s0: tf.Tensor4D, s1: tf.Tensor4D, training: boolean, dropPath?: DropPath): tf.Tensor4D;
}

/** One discrete DARTS cell (model.py's Cell) for the edges and concat list of a genotype's normal or reduce cell. */
export function dartsCell(edges: readonly DartsEdge[], concat: readonly number[], spec: DartsCellSpec, rng: Rng): DartsCell {
  const { C } = spec;
  const affine = spec.affine ?? true;
  const pre0 = spec.reductionPrev ? factorizedReduce(spec.cPrevPrev, C, affine, rng) : reluConvBn(spec.cPrevPrev, C, 1, 1, affine, rng);
  const pre1 = reluConvBn(spec.cPrev, C, 1, 1, affine, rng);
  const ops = edges.map(([op, input]) => {
    const stride = dartsOpStride(spec, input);
    return { input, module: DARTS_OP_FACTORIES[op]({ C, stride, affine, rng }), identity: isIdentityOp(op, stride) };
  });
  const { params, buffers } = collect([pre0, pre1, ...ops.map((o) => o.module)]);
  return {
    params,
    buffers,
    outChannels: concat.length * C,
    apply: (s0, s1, training, dropPath) => {
      const states: tf.Tensor4D[] = [pre0.apply(s0, training), pre1.apply(s1, training)];
      for (let k = 0; k < ops.length / 2; k++) {
        const [h1, h2] = [ops[2 * k], ops[2 * k + 1]].map((o) => {
          const h = o.module.apply(states[o.input], training);
          return training && dropPath && !o.identity ? dropPath(h) : h;
        });
        states.push(tf.add(h1, h2));
      }
      return tf.concat(concat.map((i) => states[i]), 3);
    },
  };
}

export interface DartsBuildOptions {
  /** Initial drop-path probability (default 0; DARTS ramps it to 0.2 over training via `dropPathProb`). */
  readonly dropPathProb?: number;
  /** Source of the drop-path masks; default: a child of `rng` drawn after all weights are initialised. */
  readonly dropPathRng?: Rng;
}

/** A DARTS network whose drop-path probability can be changed between steps (model.drop_path_prob). */
export interface DartsNetwork extends Network {
  dropPathProb: number;
}

function checkDropProb(p: number): number {
  if (!(typeof p === 'number' && p >= 0 && p < 1)) throw new Error(`dropPathProb: must be in [0, 1), got ${p}`);
  return p;
}

/**
 * Built inside buildWith(FAST_TRAINING) (ops/training-impl.ts, model/fast-layers.ts): training runs the fused fast path;
 * the weights, their seeded initialisation and inference are those of the plain ops.
 */
export function buildDartsNetwork(genotype: DartsGenotype, skeleton: DartsSkeleton, rng: Rng, options: DartsBuildOptions = {}): DartsNetwork {
  return buildWith(FAST_TRAINING, () => composeDartsNetwork(genotype, skeleton, rng, options));
}

function composeDartsNetwork(genotype: DartsGenotype, skeleton: DartsSkeleton, rng: Rng, options: DartsBuildOptions = {}): DartsNetwork {
  const g = checkDartsGenotype(genotype);
  const layout = dartsLayout(dartsSkeleton(skeleton));
  const stemC = layout.stem.channels;
  const stem = sequential(conv2d(layout.stem.inputShape[2], stemC, 3, rng), batchNorm(stemC));
  const cells = layout.cells.map((slot) => {
    const spec: DartsCellSpec = { cPrevPrev: slot.in0[2], cPrev: slot.in1[2], C: slot.C, reduction: slot.reduction, reductionPrev: slot.reductionPrev };
    return slot.reduction ? dartsCell(g.reduce, g.reduce_concat, spec, rng) : dartsCell(g.normal, g.normal_concat, spec, rng);
  });
  const cPrev = layout.head.inputShape[2];
  const classifier = dense(cPrev, layout.head.classes, rng);
  const dropRng = options.dropPathRng ?? createRng(rng.seed());
  let dropProb = checkDropProb(options.dropPathProb ?? 0);

  const dropPath: DropPath = (h) => {
    const keep = 1 - dropProb;
    const n = h.shape[0];
    const mask = new Float32Array(n);
    for (let i = 0; i < n; i++) mask[i] = dropRng.next() < keep ? 1 / keep : 0;
    return tf.mul(h, tf.tensor4d(mask, [n, 1, 1, 1]));
  };

  const net = networkFrom(
    [...stem.params, ...cells.flatMap((c) => c.params), ...classifier.params],
    [...stem.buffers, ...cells.flatMap((c) => c.buffers)],
    (x, training) => {
      let s0 = stem.apply(x, training);
      let s1 = s0;
      const drop = training && dropProb > 0 ? dropPath : undefined;
      for (const cell of cells) [s0, s1] = [s1, cell.apply(s0, s1, training, drop)];
      return classifier.apply(globalAvgPool(s1));
    },
  );
  return {
    ...net,
    get dropPathProb() { return dropProb; },
    set dropPathProb(p: number) { dropProb = checkDropProb(p); },
  };
}
