/**
 * DARTS-space supernet (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019;
 * quark0/darts `model_search.py` Network): stem conv3x3 + BN to stemMultiplier*C; `layers` search cells with
 * reductions at floor(layers/3) and floor(2*layers/3) doubling C; each cell preprocesses its inputs (cells k-2 and
 * k-1: FactorizedReduce after a reduction cell, else ReLU-conv1x1-BN; both affine=false), each of its 4 nodes sums a
 * MixedOp over every earlier state (14 edges; stride 2 on edges from the cell inputs of a reduction cell), and the
 * cell concatenates its 4 nodes; global average pooling, linear classifier. Ops come from DARTS_OP_FACTORIES with
 * affine-free BN, pooling followed by BN(affine=false) as model_search.py's MixedOp does.
 * Alphas: one [14, ops] matrix for normal cells and one for reduction cells.
 * PC-DARTS (Xu et al., ICLR 2020, model_search.py): partialChannels K puts C/K channels through each mixed op
 * (the rest bypass, max-pooled on stride-2 edges, then channel shuffle); edgeNormalization weighs each node's
 * incoming edges by softmax(betas) over them.
 * Fast path (fastPath option, default 'auto' = on the wasm backend): every edge runs through its FastMixedOp
 * (fast-mixed-op.ts: fused kernels, the same variables), in mixture mode (operation dropout and PC-DARTS partial
 * channels included) and single-path mode alike; the plain MixedOps elsewhere. Values, gradients and BN
 * statistics equal the plain ops' within float rounding (tests/unit/supernet-fast.test.ts), so checkpoints move
 * freely between the two.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DARTS_OP_FACTORIES, factorizedReduce, reluConvBn } from '../ops/darts-ops';
import { batchNorm, conv2d, dense, globalAvgPool } from '../ops/layers';
import { sequential, type Module } from '../ops/module';
import { checkDartsGenotype, DARTS_CONCAT, DARTS_STEPS, type DartsEdge, type DartsGenotype } from '../space/darts/genotype';
import { dartsToString } from '../space/darts/text';
import { dartsLayout, dartsOpStride } from '../space/darts/layout';
import { dartsSkeleton, type DartsSkeleton } from '../space/darts/skeleton';
import { DARTS_OPS, type DartsGenotypeOp, type DartsOp } from '../../shared/space-vocab';
import type { Rng } from '../util/rng';
import { dartsEdgeCount, dartsEdgeIndex, deriveDartsGenotype, normalizeDartsBetas, softmaxRows } from './derive';
import { checkFastPathOption, createFastMixedOp, fastPathActive, type FastMixedOp, type FastPathOption } from './fast-mixed-op';
import { createMixedOp, type MixedOp } from './mixed-op';
import { partialChannelEdge } from './partial-channel';
import { archVariable, sampleDropMask, unstack0, weightRows, type WeightRows } from './supernet-util';
import type { ArchGroup, DropMask, Supernet, SupernetMode, SupernetPath } from './types';

export interface DartsSupernetConfig {
  /** DARTS' search network: channels 16, layers 8, stemMultiplier 3. */
  readonly skeleton: Partial<DartsSkeleton> & Pick<DartsSkeleton, 'inputShape' | 'numClasses'>;
  /** Candidate ops per edge (default: the 8 DARTS primitives, 'none' included). */
  readonly ops?: readonly DartsOp[];
  /** BN affine parameters inside the cells (default false, as DARTS searches). */
  readonly affine?: boolean;
  /** Follow pooling ops with BN(affine=false) as model_search.py does (default true). */
  readonly poolBn?: boolean;
  /** PC-DARTS K (default 1). */
  readonly partialChannels?: number;
  /** PC-DARTS edge normalisation (default false). */
  readonly edgeNormalization?: boolean;
  /** Fused fast path: 'auto' (default: on wasm), 'on', 'off' (fast-mixed-op.ts). */
  readonly fastPath?: FastPathOption;
}

const EDGES = dartsEdgeCount();
/** [edge index] -> input state, and [node] -> edge indices. */
const EDGE_INPUT: number[] = [];
const NODE_EDGES: number[][] = [];
for (let k = 0; k < DARTS_STEPS; k++) {
  NODE_EDGES.push([]);
  for (let j = 0; j < k + 2; j++) {
    EDGE_INPUT.push(j);
    NODE_EDGES[k].push(dartsEdgeIndex(k, j));
  }
}
const EDGE_LABELS = EDGE_INPUT.map((j, e) => `${NODE_EDGES.findIndex((es) => es.includes(e)) + 2}<-${j}`);

interface SearchCell {
  readonly reduction: boolean;
  readonly pre0: Module;
  readonly pre1: Module;
  readonly edges: readonly MixedOp[];
  /** The fast twins of `edges` (same variables). */
  readonly fast: readonly FastMixedOp[];
  readonly C: number;
}

export function buildDartsSupernet(cfg: DartsSupernetConfig, rng: Rng): Supernet<DartsGenotype> {
  const sk = dartsSkeleton(cfg.skeleton);
  const ops = (cfg.ops ?? DARTS_OPS).slice();
  if (ops.length === 0 || new Set(ops).size !== ops.length || !ops.every((o) => (DARTS_OPS as readonly string[]).includes(o))) {
    throw new Error(`DARTS supernet: ops must be distinct DARTS ops (${DARTS_OPS.join(', ')}), got ${JSON.stringify(ops)}`);
  }
  if (!ops.some((o) => o !== 'none')) throw new Error("DARTS supernet: needs at least one op besides 'none'");
  const K = cfg.partialChannels ?? 1;
  if (!Number.isInteger(K) || K < 1) throw new Error(`DARTS supernet: partialChannels must be an integer >= 1, got ${K}`);
  const affine = cfg.affine ?? false;
  const poolBn = cfg.poolBn ?? true;
  const edgeNorm = cfg.edgeNormalization ?? false;
  const fastPath = checkFastPathOption(cfg.fastPath, 'DARTS supernet');
  const layout = dartsLayout(sk);

  const stemC = layout.stem.channels;
  const stem = sequential(conv2d(layout.stem.inputShape[2], stemC, 3, rng), batchNorm(stemC));
  const cells: SearchCell[] = layout.cells.map((slot) => {
    const { C, reduction } = slot;
    if (C % K !== 0) throw new Error(`DARTS supernet: cell ${slot.index} has ${C} channels, not divisible by partialChannels K = ${K}`);
    const pre0 = slot.reductionPrev ? factorizedReduce(slot.in0[2], C, affine, rng) : reluConvBn(slot.in0[2], C, 1, 1, affine, rng);
    const pre1 = reluConvBn(slot.in1[2], C, 1, 1, affine, rng);
    const strides = EDGE_INPUT.map((input) => dartsOpStride(slot, input));
    const edges = strides.map((stride) => createMixedOp(ops, (op) => DARTS_OP_FACTORIES[op as DartsOp]({ C: C / K, stride, affine, rng, poolBn })));
    const fast = edges.map((m, e) => createFastMixedOp(m, { space: 'darts', channels: C / K, poolBn, stride: strides[e] }));
    return { reduction, pre0, pre1, edges, fast, C };
  });
  const cPrev = layout.head.inputShape[2];
  const classifier = dense(cPrev, sk.numClasses, rng);
  const parts = [stem, ...cells.flatMap((c) => [c.pre0, c.pre1, ...c.edges])];
  const weights = [...parts.flatMap((m) => m.params), ...classifier.params];
  const buffers = parts.flatMap((m) => m.buffers);

  const alphas: ArchGroup[] = (['normal', 'reduce'] as const).map((name) => ({ name, variable: archVariable([EDGES, ops.length], rng), edges: EDGE_LABELS }));
  const betas: ArchGroup[] = edgeNorm
    ? (['normal', 'reduce'] as const).map((name) => ({ name, variable: archVariable([EDGES], rng), edges: EDGE_LABELS }))
    : [];

  const checkPath = (path: SupernetPath): void => {
    const ok = path.length === 2 && path.every((row) => row.length === EDGES && row.every((k) => Number.isInteger(k) && k >= -1 && k < ops.length));
    if (!ok) throw new Error(`DARTS supernet: a path is [normal, reduce], each ${EDGES} op indices in -1..${ops.length - 1}, got ${JSON.stringify(path)}`);
  };

  const cellForward = (cell: SearchCell, cellIndex: number, s0: tf.Tensor4D, s1: tf.Tensor4D, mode: SupernetMode, training: boolean,
    w: WeightRows[] | null, b: tf.Scalar[][][] | null, fast: boolean): tf.Tensor4D => {
    const g = cell.reduction ? 1 : 0;
    const states: tf.Tensor4D[] = [cell.pre0.apply(s0, training), cell.pre1.apply(s1, training)];
    const [n, h, wd] = states[0].shape;
    const nodeShape: [number, number, number, number] = cell.reduction ? [n, Math.ceil(h / 2), Math.ceil(wd / 2), cell.C] : [n, h, wd, cell.C];
    const drop = mode.kind === 'mixture' ? mode.drop : undefined;
    for (let k = 0; k < DARTS_STEPS; k++) {
      const parts: tf.Tensor4D[] = [];
      NODE_EDGES[k].forEach((e, slot) => {
        const input = EDGE_INPUT[e];
        const stride = cell.reduction && input < 2 ? 2 : 1;
        const edge = fast ? cell.fast[e] : cell.edges[e];
        let out: tf.Tensor4D | null;
        if (mode.kind === 'path') {
          const op = mode.path[g][e];
          if (op < 0) return;
          out = K > 1 ? partialChannelEdge(states[input], K, stride, (p) => edge.single(p, op, training)) : edge.single(states[input], op, training);
        } else {
          const factors = drop?.factors[cellIndex][e];
          const mix = fast
            ? (p: tf.Tensor4D) => cell.fast[e].mix(p, w![g].row(e), training, factors)
            : (p: tf.Tensor4D) => cell.edges[e].mix(p, w![g].scalars(e), training, factors);
          out = K > 1 ? partialChannelEdge(states[input], K, stride, mix) : mix(states[input]);
          if (out && b) out = tf.mul(out, b[g][k][slot]) as tf.Tensor4D;
        }
        if (out) parts.push(out);
      });
      states.push(parts.length === 0 ? tf.zeros(nodeShape) : parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Tensor4D));
    }
    return tf.concat(DARTS_CONCAT.map((i) => states[i]), 3);
  };

  const forward = (x: tf.Tensor4D, mode: SupernetMode, training: boolean): tf.Tensor2D => {
    if (mode.kind === 'path') checkPath(mode.path);
    const fast = fastPathActive(fastPath);
    const w = mode.kind === 'mixture' ? alphas.map((a) => weightRows(tf.softmax(a.variable))) : null;
    const b = mode.kind === 'mixture' && edgeNorm
      ? betas.map((beta) => NODE_EDGES.map((es) => unstack0(tf.softmax(tf.slice(beta.variable, [es[0]], [es.length]))) as tf.Scalar[]))
      : null;
    let s0 = stem.apply(x, training);
    let s1 = s0;
    cells.forEach((cell, i) => { [s0, s1] = [s1, cellForward(cell, i, s0, s1, mode, training, w, b, fast)]; });
    return classifier.apply(globalAvgPool(s1));
  };

  const pathOf = (genotype: DartsGenotype): SupernetPath => {
    const g = checkDartsGenotype(genotype);
    return [g.normal, g.reduce].map((cell) => {
      const row = new Array<number>(EDGES).fill(-1);
      cell.forEach(([op, input], i) => {
        const k = ops.indexOf(op);
        if (k < 0) throw new Error(`DARTS supernet: op "${op}" is not a candidate (${ops.join(', ')})`);
        row[dartsEdgeIndex(i >> 1, input)] = k;
      });
      return row;
    });
  };

  const genotypeOf = (path: SupernetPath): DartsGenotype => {
    checkPath(path);
    const cell = (row: readonly number[], name: string): DartsEdge[] => {
      const out: DartsEdge[] = [];
      NODE_EDGES.forEach((es, k) => {
        const on = es.filter((e) => row[e] >= 0);
        if (on.length !== 2) throw new Error(`DARTS supernet: ${name} node ${k + 2} has ${on.length} active edges in the path; a genotype keeps exactly 2`);
        for (const e of on) {
          const op = ops[row[e]];
          if (op === 'none') throw new Error(`DARTS supernet: ${name} edge ${EDGE_LABELS[e]} is 'none', which a genotype cannot hold`);
          out.push([op as DartsGenotypeOp, EDGE_INPUT[e]]);
        }
      });
      return out;
    };
    return { normal: cell(path[0], 'normal'), normal_concat: DARTS_CONCAT.slice(), reduce: cell(path[1], 'reduce'), reduce_concat: DARTS_CONCAT.slice() };
  };

  return {
    space: 'darts',
    ops,
    weights,
    buffers,
    alphas,
    betas,
    archParams: [...alphas, ...betas].map((g) => g.variable),
    partialChannels: K,
    edgeNormalization: edgeNorm,
    forward,
    pathOf,
    genotypeOf,
    encode: dartsToString,
    derive: (weights, betaRows) => deriveDartsGenotype(
      { normal: weights[0], reduce: weights[1] },
      ops,
      betaRows && betaRows.length === 2 ? { normal: betaRows[0], reduce: betaRows[1] } : undefined,
    ),
    archWeights: async () => {
      const alphaRows = await Promise.all(alphas.map(async (a) => softmaxRows((await a.variable.array()) as number[][])));
      const betaRows = edgeNorm ? await Promise.all(betas.map(async (b) => normalizeDartsBetas((await b.variable.array()) as number[]))) : null;
      return { alphas: alphaRows, betas: betaRows };
    },
    sampleDropMask: (p, r, target = 'all'): DropMask => sampleDropMask(cells.map((c) => c.edges), p, r, target),
    dispose: () => tf.dispose([...weights, ...buffers, ...alphas.map((g) => g.variable), ...betas.map((g) => g.variable)]),
  };
}
