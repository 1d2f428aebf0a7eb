/**
 * NAS-Bench-201 supernet (Dong & Yang, ICLR 2020, xautodl `TinyNetworkDarts` / `SearchCell`): the NB201 macro
 * skeleton of space/nb201/network.ts (the one layout walk of space/nb201/layout.ts: stem conv3x3 + BN; three stages of N cells at C, 2C, 4C with a ResNet basic
 * block between stages; BN-ReLU, global average pooling, linear classifier) whose cells hold a MixedOp on each of
 * the 6 edges, built from NB201_OP_FACTORIES with affine-free batch norm (search mode). One alpha matrix [6, ops]
 * is shared by every cell, as in the benchmark's DARTS/GDAS/SETN searches.
 * Options: partialChannels K (PC-DARTS: mixed ops work on C/K channels), edgeNormalization (PC-DARTS betas: node j
 * weighs its incoming edges by softmax over them).
 * Fast path (fastPath option, default 'auto' = on the wasm backend): every edge runs through its FastMixedOp
 * (fast-mixed-op.ts: fused kernels, the same variables) in mixture and single-path mode, the plain MixedOps
 * elsewhere; both give the same values, gradients and BN statistics (tests/unit/supernet-fast.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, conv2d, dense, globalAvgPool } from '../ops/layers';
import { collect, sequential, type Module } from '../ops/module';
import { NB201_OP_FACTORIES, type OpContext } from '../ops/nb201-ops';
import { NB201_EDGES, NB201_OPS, nb201ToString, type Nb201Genotype, type Nb201Op } from '../space/nb201/space';
import { nb201Layout, nb201Stages } from '../space/nb201/layout';
import { nb201ReductionBlock } from '../space/nb201/reduction-block';
import { nb201Skeleton, type Nb201Skeleton } from '../space/nb201/skeleton';
import type { Rng } from '../util/rng';
import { deriveNb201Genotype, softmax, softmaxRows } from './derive';
import { checkFastPathOption, createFastMixedOp, fastPathActive, type FastMixedOp, type FastPathOption } from './fast-mixed-op';
import { createMixedOp, type MixedOp } from './mixed-op';
import { partialChannelEdge } from './partial-channel';
import { archVariable, sampleDropMask, unstack0, weightRows, type WeightRows } from './supernet-util';
import type { ArchGroup, DropMask, Supernet, SupernetMode, SupernetPath } from './types';

export interface Nb201SupernetConfig {
  readonly skeleton: Partial<Nb201Skeleton> & Pick<Nb201Skeleton, 'inputShape' | 'numClasses'>;
  /** Candidate ops per edge (default: all 5 NB201 ops). */
  readonly ops?: readonly Nb201Op[];
  /** Batch-norm affine parameters inside the cells (default false, as DARTS searches). */
  readonly affine?: boolean;
  /** PC-DARTS K (default 1: every channel goes through the mixed op). */
  readonly partialChannels?: number;
  /** PC-DARTS edge normalisation (default false). */
  readonly edgeNormalization?: boolean;
  /** Fused fast path: 'auto' (default: on wasm), 'on', 'off' (fast-mixed-op.ts). */
  readonly fastPath?: FastPathOption;
}

/** Incoming edge indices of each node 1..3 (index 0 unused); consecutive in NB201_EDGES order. */
const INCOMING: readonly (readonly number[])[] = [0, 1, 2, 3].map((j) => NB201_EDGES.flatMap(([, to], e) => (to === j ? [e] : [])));
if (!INCOMING.every((es) => es.every((e, i) => e === es[0] + i))) throw new Error('NB201 supernet: incoming edges must be consecutive');

interface SearchCell extends Module {
  readonly edges: readonly MixedOp[];
  /** The fast twins of `edges` (same variables). */
  readonly fast: readonly FastMixedOp[];
}

export function buildNb201Supernet(cfg: Nb201SupernetConfig, rng: Rng): Supernet<Nb201Genotype> {
  const sk = nb201Skeleton(cfg.skeleton);
  const ops = (cfg.ops ?? NB201_OPS).slice();
  if (ops.length === 0 || new Set(ops).size !== ops.length || !ops.every((o) => (NB201_OPS as readonly string[]).includes(o))) {
    throw new Error(`NB201 supernet: ops must be distinct NB201 ops (${NB201_OPS.join(', ')}), got ${JSON.stringify(ops)}`);
  }
  const K = cfg.partialChannels ?? 1;
  if (!Number.isInteger(K) || K < 1) throw new Error(`NB201 supernet: partialChannels must be an integer >= 1, got ${K}`);
  const affine = cfg.affine ?? false;
  const edgeNorm = cfg.edgeNormalization ?? false;
  const fastPath = checkFastPathOption(cfg.fastPath, 'NB201 supernet');
  for (const { c } of nb201Stages(sk)) {
    if (c % K !== 0) throw new Error(`NB201 supernet: stage width ${c} is not divisible by partialChannels K = ${K}`);
  }

  const layout = nb201Layout(sk);
  const stem = sequential(conv2d(layout.stem.inputShape[2], layout.stem.out.c, 3, rng), batchNorm(layout.stem.out.c));
  const body: (Module | SearchCell)[] = [];
  const cells: SearchCell[] = [];
  for (const step of layout.body) {
    if (step.kind === 'reduction') {
      body.push(nb201ReductionBlock(step.from.c, step.to.c, rng));
      continue;
    }
    const ctx: OpContext = { channels: step.at.c / K, rng, affine };
    const edges = NB201_EDGES.map(() => createMixedOp(ops, (op) => NB201_OP_FACTORIES[op as Nb201Op](ctx)));
    const cell: SearchCell = {
      params: edges.flatMap((m) => m.params),
      buffers: edges.flatMap((m) => m.buffers),
      edges,
      fast: edges.map((m) => createFastMixedOp(m, { space: 'nb201', channels: step.at.c / K })),
      apply: () => { throw new Error('SearchCell.apply: cells run inside the supernet forward'); },
    };
    cells.push(cell);
    body.push(cell);
  }
  const lastBn = batchNorm(layout.head.at.c);
  const classifier = dense(layout.head.at.c, layout.head.classes, rng);
  const { params, buffers } = collect([stem, ...body, lastBn]);
  const weights = [...params, ...classifier.params];

  const alpha: ArchGroup = { name: 'cell', variable: archVariable([6, ops.length], rng), edges: NB201_EDGES.map(([i, j]) => `${i}->${j}`) };
  const betas: ArchGroup[] = edgeNorm ? [{ name: 'cell', variable: archVariable([6], rng), edges: alpha.edges }] : [];

  const cellForward = (cell: SearchCell, cellIndex: number, x: tf.Tensor4D, mode: SupernetMode, training: boolean,
    w: WeightRows | null, b: tf.Scalar[][] | null, fast: boolean): tf.Tensor4D => {
    const drop = mode.kind === 'mixture' ? mode.drop : undefined;
    const nodes: (tf.Tensor4D | null)[] = [x, null, null, null];
    for (let j = 1; j < 4; j++) {
      const parts: tf.Tensor4D[] = [];
      INCOMING[j].forEach((e, slot) => {
        const from = nodes[NB201_EDGES[e][0]]!;
        const edge = fast ? cell.fast[e] : cell.edges[e];
        let out: tf.Tensor4D | null;
        if (mode.kind === 'path') {
          const k = mode.path[0][e];
          if (k < 0) return;
          out = K > 1 ? partialChannelEdge(from, K, 1, (p) => edge.single(p, k, training)) : edge.single(from, k, training);
        } else {
          const factors = drop?.factors[cellIndex][e];
          const mix = fast
            ? (p: tf.Tensor4D) => cell.fast[e].mix(p, w!.row(e), training, factors)
            : (p: tf.Tensor4D) => cell.edges[e].mix(p, w!.scalars(e), training, factors);
          out = K > 1 ? partialChannelEdge(from, K, 1, mix) : mix(from);
          if (out && b) out = tf.mul(out, b[j][slot]) as tf.Tensor4D;
        }
        if (out) parts.push(out);
      });
      nodes[j] = parts.length === 0 ? tf.zerosLike(x) : parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Tensor4D);
    }
    return nodes[3]!;
  };

  const forward = (x: tf.Tensor4D, mode: SupernetMode, training: boolean): tf.Tensor2D => {
    if (mode.kind === 'path') checkPath(mode.path);
    const fast = fastPathActive(fastPath);
    const w = mode.kind === 'mixture' ? weightRows(tf.softmax(alpha.variable)) : null;
    let b: tf.Scalar[][] | null = null;
    if (mode.kind === 'mixture' && edgeNorm) {
      const beta = betas[0].variable;
      // Each node's incoming edges are consecutive in NB201_EDGES order; slice rather than gather (gather's gradient
      // needs UnsortedSegmentSum, which the wasm backend lacks).
      b = INCOMING.map((edgesIn) => (edgesIn.length === 0 ? [] : unstack0(tf.softmax(tf.slice(beta, [edgesIn[0]], [edgesIn.length]))) as tf.Scalar[]));
    }
    let h = stem.apply(x, training);
    let cellIndex = 0;
    for (const m of body) {
      h = 'edges' in m ? cellForward(m, cellIndex++, h, mode, training, w, b, fast) : m.apply(h, training);
    }
    h = tf.relu(lastBn.apply(h, training));
    return classifier.apply(globalAvgPool(h));
  };

  const checkPath = (path: SupernetPath): void => {
    if (path.length !== 1 || path[0].length !== 6 || !path[0].every((k) => Number.isInteger(k) && k >= -1 && k < ops.length)) {
      throw new Error(`NB201 supernet: a path is [[6 op indices in 0..${ops.length - 1}]], got ${JSON.stringify(path)}`);
    }
  };

  return {
    space: 'nb201',
    ops,
    weights,
    buffers,
    alphas: [alpha],
    betas,
    archParams: [alpha.variable, ...betas.map((g) => g.variable)],
    partialChannels: K,
    edgeNormalization: edgeNorm,
    forward,
    pathOf: (g) => [g.ops.map((o, e) => {
      const k = ops.indexOf(o);
      if (k < 0) throw new Error(`NB201 supernet: edge ${e} op "${o}" is not a candidate (${ops.join(', ')})`);
      return k;
    })],
    genotypeOf: (path) => {
      checkPath(path);
      return { ops: path[0].map((k, e) => {
        if (k < 0) throw new Error(`NB201 supernet: edge ${e} is off; NB201 genotypes use every edge ('none' for no op)`);
        return ops[k];
      }) };
    },
    encode: nb201ToString,
    derive: (weights, _betas, opts) => deriveNb201Genotype(weights[0], ops, opts),
    archWeights: async () => {
      const alphaRows = [softmaxRows((await alpha.variable.array()) as number[][])];
      if (!edgeNorm) return { alphas: alphaRows, betas: null };
      const raw = (await betas[0].variable.array()) as number[];
      const norm = new Array<number>(6).fill(0);
      for (const edgesIn of INCOMING) {
        if (edgesIn.length === 0) continue;
        softmax(edgesIn.map((e) => raw[e])).forEach((v, i) => { norm[edgesIn[i]] = v; });
      }
      return { alphas: alphaRows, betas: [norm] };
    },
    sampleDropMask: (p, r, target = 'all'): DropMask => sampleDropMask(cells.map((c) => c.edges), p, r, target),
    dispose: () => tf.dispose([...weights, ...buffers, alpha.variable, ...betas.map((g) => g.variable)]),
  };
}
