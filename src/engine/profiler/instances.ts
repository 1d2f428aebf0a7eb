/**
 * Op instances for a latency lookup table: the distinct (op, input shape, stride, output channels) pieces the
 * networks of a space contain for one skeleton, and the decomposition of one genotype's network into them.
 *
 * The pieces mirror the model builders exactly (model/nb201-network.ts, darts-network.ts, mobile-network.ts; the
 * skeletons of space/skeleton.ts), so the sum of the pieces runs the same kernels as the whole network:
 *  - NB201: stem (conv3x3 + BN), every cell op at each stage's width and resolution, the node sums (addN of 2 or 3
 *    inputs) and the all-zero output of a cell whose node 3 has no live input, the two ResNet reduction blocks,
 *    and the head (BN, ReLU, global average pool, dense). skip_connect is the identity: zero cost, no kernel.
 *  - DARTS: stem, each cell's two preprocessing ops (FactorizedReduce or ReLU-conv1x1-BN), every op at stride 1
 *    (normal cells, and reduction-cell ops on intermediate nodes) and stride 2 (reduction-cell ops on the cell
 *    inputs), the node sums, the concat of the four nodes, and the head (global average pool, dense).
 *  - mobile: stem (conv3x3 + BN + ReLU), every block configuration (ds / mb with each expansion, kernel, SE,
 *    input and output width) at its stage's stride and resolution, the head conv per last width, the classifier.
 * `opInstances` enumerates them for a whole space (its config may restrict the vocabulary); `genotypeInstances`
 * lists one genotype's pieces with multiplicity. Both produce keys with `instanceKey`, so a genotype of the
 * space always finds its pieces in a table built from `opInstances`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpaceId, SpaceTypes } from '../model/build';
import { DARTS_OP_FACTORIES, factorizedReduce, reluConvBn as dartsReluConvBn } from '../ops/darts-ops';
import { batchNorm, conv2d, dense, globalAvgPool } from '../ops/layers';
import { convBnAct, MOBILE_BLOCK_FACTORIES } from '../ops/mobile-ops';
import { collect, sequential, type Module } from '../ops/module';
import { NB201_OP_FACTORIES, reluConvBn as nb201ReluConvBn } from '../ops/nb201-ops';
import { parseDartsConfig, parseMobileConfig, parseNb201Config, type DartsSpaceConfig, type MobileSpaceConfig, type Nb201SpaceConfig } from '../../shared/space-config';
import { checkDartsGenotype, DARTS_STEPS, type DartsEdge, type DartsGenotype } from '../space/darts-genotype';
import type { MobileGenotype } from '../space/mobile';
import { NB201_EDGES, type Nb201Genotype } from '../space/nb201';
import { dartsReductionLayers, dartsSkeleton, mobileSkeleton, nb201Skeleton, type DartsSkeleton, type InputShape, type MobileSkeleton, type Nb201Skeleton } from '../space/skeleton';
import type { DartsGenotypeOp, MobileBlock, Nb201Op } from '../../shared/space-vocab';
import type { Rng } from '../util/rng';

export type { SpaceId, SpaceTypes } from '../model/build';
export type AnySkeleton = Nb201Skeleton | DartsSkeleton | MobileSkeleton;
export type AnySpaceConfig = Nb201SpaceConfig | DartsSpaceConfig | MobileSpaceConfig;

export type OpRole = 'stem' | 'cell-op' | 'node-sum' | 'zeros' | 'reduction' | 'preprocess' | 'concat' | 'block' | 'head-conv' | 'head';

/** One measurable piece of a network (plain JSON). */
export interface OpInstance {
  readonly key: string;
  /** Op name: a space's op (nor_conv_3x3, sep_conv_5x5, ds, mb...) or a skeleton part (stem, reduction, head...). */
  readonly op: string;
  readonly role: OpRole;
  /** [height, width, channels] of each input (batch axis excluded). */
  readonly inputShape: InputShape;
  /** Number of input tensors (node sums and concats take several of the same shape). */
  readonly inputs: number;
  readonly stride: number;
  readonly outChannels: number;
  /** The identity: no kernel runs, so it costs 0 and is not measured. */
  readonly zeroCost: boolean;
  /** Mobile blocks: depthwise kernel, expansion, squeeze-and-excitation and its reduction. */
  readonly kernel?: number;
  readonly expand?: number;
  readonly se?: boolean;
  readonly seReduction?: number;
  /** Heads: number of classes. */
  readonly classes?: number;
}

type InstanceSpec = Omit<OpInstance, 'key' | 'zeroCost'> & { readonly zeroCost?: boolean };

/** The one key function: op, input shape (x inputs), stride, output channels and block details. */
export function instanceKey(i: Omit<OpInstance, 'key'>): string {
  const [h, w, c] = i.inputShape;
  let k = `${i.op}@${h}x${w}x${c}${i.inputs > 1 ? `*${i.inputs}` : ''}/s${i.stride}->${i.outChannels}`;
  if (i.kernel !== undefined) k += `/k${i.kernel}`;
  if (i.expand !== undefined) k += `/e${i.expand}`;
  if (i.se) k += `/se${i.seReduction ?? ''}`;
  if (i.classes !== undefined) k += `/n${i.classes}`;
  return k;
}

function inst(spec: InstanceSpec): OpInstance {
  const full = { ...spec, zeroCost: spec.zeroCost ?? false };
  return { key: instanceKey(full), ...full };
}

const down = (r: number, s: number): number => Math.ceil(r / s);
const shape = (h: number, w: number, c: number): InputShape => [h, w, c];

// ---------------------------------------------------------------- NB201

function nb201Stem(sk: Nb201Skeleton): OpInstance {
  const [h, w, c] = sk.inputShape;
  return inst({ op: 'stem', role: 'stem', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: sk.channels });
}

interface Nb201Stage { readonly h: number; readonly w: number; readonly c: number }

function nb201Stages(sk: Nb201Skeleton): Nb201Stage[] {
  const [h, w] = sk.inputShape;
  return [1, 2, 4].map((m, s) => ({ h: down(h, 2 ** s), w: down(w, 2 ** s), c: m * sk.channels }));
}

function nb201Reduction(from: Nb201Stage, to: Nb201Stage): OpInstance {
  return inst({ op: 'reduction', role: 'reduction', inputShape: shape(from.h, from.w, from.c), inputs: 1, stride: 2, outChannels: to.c });
}

function nb201Head(st: Nb201Stage, sk: Nb201Skeleton): OpInstance {
  return inst({ op: 'head', role: 'head', inputShape: shape(st.h, st.w, st.c), inputs: 1, stride: 1, outChannels: sk.numClasses, classes: sk.numClasses });
}

function nb201CellOp(op: Nb201Op, st: Nb201Stage): OpInstance {
  return inst({ op, role: 'cell-op', inputShape: shape(st.h, st.w, st.c), inputs: 1, stride: 1, outChannels: st.c, zeroCost: op === 'skip_connect' });
}

const sum = (n: number, h: number, w: number, c: number): OpInstance =>
  inst({ op: 'sum', role: 'node-sum', inputShape: shape(h, w, c), inputs: n, stride: 1, outChannels: c });

/** The pieces of one NB201 cell, exactly as model/nb201-network.ts's nb201Cell runs it. */
function nb201CellPieces(g: Nb201Genotype, st: Nb201Stage): OpInstance[] {
  const out: OpInstance[] = [];
  const live = [true, false, false, false];
  for (let j = 1; j < 4; j++) {
    let inputs = 0;
    NB201_EDGES.forEach(([from, to], e) => {
      if (to !== j || g.ops[e] === 'none' || !live[from]) return;
      out.push(nb201CellOp(g.ops[e], st));
      inputs++;
    });
    if (inputs >= 2) out.push(sum(inputs, st.h, st.w, st.c));
    live[j] = inputs > 0;
  }
  if (!live[3]) out.push(inst({ op: 'zeros', role: 'zeros', inputShape: shape(st.h, st.w, st.c), inputs: 1, stride: 1, outChannels: st.c }));
  return out;
}

function nb201Genotype(g: Nb201Genotype, sk: Nb201Skeleton): OpInstance[] {
  const stages = nb201Stages(sk);
  const out: OpInstance[] = [nb201Stem(sk)];
  stages.forEach((st, s) => {
    if (s > 0) out.push(nb201Reduction(stages[s - 1], st));
    const cell = nb201CellPieces(g, st);
    for (let i = 0; i < sk.cellsPerStage; i++) out.push(...cell);
  });
  out.push(nb201Head(stages[2], sk));
  return out;
}

function nb201All(sk: Nb201Skeleton, cfg: Nb201SpaceConfig): OpInstance[] {
  const stages = nb201Stages(sk);
  const out: OpInstance[] = [nb201Stem(sk)];
  stages.forEach((st, s) => {
    if (s > 0) out.push(nb201Reduction(stages[s - 1], st));
    for (const op of cfg.ops) if (op !== 'none') out.push(nb201CellOp(op, st));
    out.push(sum(2, st.h, st.w, st.c), sum(3, st.h, st.w, st.c));
    out.push(inst({ op: 'zeros', role: 'zeros', inputShape: shape(st.h, st.w, st.c), inputs: 1, stride: 1, outChannels: st.c }));
  });
  out.push(nb201Head(stages[2], sk));
  return out;
}

// ---------------------------------------------------------------- DARTS

interface DartsCellSlot {
  readonly reduction: boolean;
  readonly C: number;
  /** Resolution and channels of the cell's inputs s0 (cell k-2) and s1 (cell k-1). */
  readonly h0: number; readonly w0: number; readonly c0: number;
  readonly h1: number; readonly w1: number; readonly c1: number;
  readonly reductionPrev: boolean;
}

function dartsSlots(sk: DartsSkeleton): { slots: DartsCellSlot[]; stem: OpInstance; head: OpInstance } {
  const reductions = dartsReductionLayers(sk.layers);
  const [H, W, inC] = sk.inputShape;
  const stemC = sk.stemMultiplier * sk.channels;
  const stem = inst({ op: 'stem', role: 'stem', inputShape: shape(H, W, inC), inputs: 1, stride: 1, outChannels: stemC });
  let p0 = { h: H, w: W, c: stemC };
  let p1 = { h: H, w: W, c: stemC };
  let C = sk.channels;
  let reductionPrev = false;
  const slots: DartsCellSlot[] = [];
  for (let i = 0; i < sk.layers; i++) {
    const reduction = reductions.includes(i);
    if (reduction) C *= 2;
    slots.push({ reduction, C, h0: p0.h, w0: p0.w, c0: p0.c, h1: p1.h, w1: p1.w, c1: p1.c, reductionPrev });
    const s = reduction ? 2 : 1;
    p0 = p1;
    p1 = { h: down(p1.h, s), w: down(p1.w, s), c: 4 * C };
    reductionPrev = reduction;
  }
  const head = inst({ op: 'head', role: 'head', inputShape: shape(p1.h, p1.w, p1.c), inputs: 1, stride: 1, outChannels: sk.numClasses, classes: sk.numClasses });
  return { slots, stem, head };
}

function dartsFixed(slot: DartsCellSlot): OpInstance[] {
  const pre0 = slot.reductionPrev
    ? inst({ op: 'factorized_reduce', role: 'preprocess', inputShape: shape(slot.h0, slot.w0, slot.c0), inputs: 1, stride: 2, outChannels: slot.C })
    : inst({ op: 'relu_conv_bn_1x1', role: 'preprocess', inputShape: shape(slot.h0, slot.w0, slot.c0), inputs: 1, stride: 1, outChannels: slot.C });
  const pre1 = inst({ op: 'relu_conv_bn_1x1', role: 'preprocess', inputShape: shape(slot.h1, slot.w1, slot.c1), inputs: 1, stride: 1, outChannels: slot.C });
  return [pre0, pre1];
}

function dartsOp(op: DartsGenotypeOp, h: number, w: number, C: number, stride: number): OpInstance {
  return inst({ op, role: 'cell-op', inputShape: shape(h, w, C), inputs: 1, stride, outChannels: C, zeroCost: op === 'skip_connect' && stride === 1 });
}

function dartsOutRes(slot: DartsCellSlot): [number, number] {
  const s = slot.reduction ? 2 : 1;
  return [down(slot.h1, s), down(slot.w1, s)];
}

function dartsCellPieces(edges: readonly DartsEdge[], slot: DartsCellSlot): OpInstance[] {
  const out = dartsFixed(slot);
  const [oh, ow] = dartsOutRes(slot);
  edges.forEach(([op, input]) => {
    const stride = slot.reduction && input < 2 ? 2 : 1;
    // States 0 and 1 are at the inputs' resolution (after preprocessing); nodes at the output resolution.
    out.push(input < 2 ? dartsOp(op, slot.h1, slot.w1, slot.C, stride) : dartsOp(op, oh, ow, slot.C, 1));
  });
  for (let k = 0; k < DARTS_STEPS; k++) out.push(sum(2, oh, ow, slot.C));
  out.push(inst({ op: 'concat', role: 'concat', inputShape: shape(oh, ow, slot.C), inputs: 4, stride: 1, outChannels: 4 * slot.C }));
  return out;
}

function dartsGenotype(genotype: DartsGenotype, sk: DartsSkeleton): OpInstance[] {
  const g = checkDartsGenotype(genotype);
  const { slots, stem, head } = dartsSlots(sk);
  return [stem, ...slots.flatMap((slot) => dartsCellPieces(slot.reduction ? g.reduce : g.normal, slot)), head];
}

function dartsAll(sk: DartsSkeleton, cfg: DartsSpaceConfig): OpInstance[] {
  const ops = cfg.ops.filter((o): o is DartsGenotypeOp => o !== 'none');
  const { slots, stem, head } = dartsSlots(sk);
  const out: OpInstance[] = [stem];
  for (const slot of slots) {
    out.push(...dartsFixed(slot));
    const [oh, ow] = dartsOutRes(slot);
    for (const op of ops) {
      out.push(dartsOp(op, slot.h1, slot.w1, slot.C, slot.reduction ? 2 : 1));
      if (slot.reduction) out.push(dartsOp(op, oh, ow, slot.C, 1));
    }
    out.push(sum(2, oh, ow, slot.C));
    out.push(inst({ op: 'concat', role: 'concat', inputShape: shape(oh, ow, slot.C), inputs: 4, stride: 1, outChannels: 4 * slot.C }));
  }
  out.push(head);
  return out;
}

// ---------------------------------------------------------------- mobile

interface MobileBlockSpec {
  readonly block: MobileBlock;
  readonly expand: number;
  readonly kernel: number;
  readonly se: boolean;
}

function mobileStem(sk: MobileSkeleton): OpInstance {
  const [h, w, c] = sk.inputShape;
  return inst({ op: 'stem', role: 'stem', inputShape: shape(h, w, c), inputs: 1, stride: sk.stemStride, outChannels: sk.stemChannels });
}

function mobileBlock(b: MobileBlockSpec, h: number, w: number, cIn: number, cOut: number, stride: number, sk: MobileSkeleton): OpInstance {
  return inst({
    op: b.block, role: 'block', inputShape: shape(h, w, cIn), inputs: 1, stride, outChannels: cOut,
    kernel: b.kernel, expand: b.block === 'ds' ? 1 : b.expand, se: b.se, ...(b.se ? { seReduction: sk.seReduction } : {}),
  });
}

function mobileHead(h: number, w: number, c: number, sk: MobileSkeleton): OpInstance[] {
  const out: OpInstance[] = [];
  if (sk.headMultiplier > 0) {
    out.push(inst({ op: 'head_conv', role: 'head-conv', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: sk.headMultiplier * c }));
    c *= sk.headMultiplier;
  }
  out.push(inst({ op: 'head', role: 'head', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: sk.numClasses, classes: sk.numClasses }));
  return out;
}

function mobileGenotype(g: MobileGenotype, sk: MobileSkeleton): OpInstance[] {
  const stages: unknown = g?.stages;
  if (!Array.isArray(stages) || stages.length === 0) throw new Error('mobile genotype needs a non-empty "stages" array');
  let [h, w] = sk.inputShape;
  const out: OpInstance[] = [mobileStem(sk)];
  h = down(h, sk.stemStride);
  w = down(w, sk.stemStride);
  let c = sk.stemChannels;
  for (const st of g.stages) {
    for (let b = 0; b < st.depth; b++) {
      const stride = b === 0 ? st.stride : 1;
      out.push(mobileBlock(st, h, w, c, st.width, stride, sk));
      h = down(h, stride);
      w = down(w, stride);
      c = st.width;
    }
  }
  out.push(...mobileHead(h, w, c, sk));
  return out;
}

function mobileAll(sk: MobileSkeleton, cfg: MobileSpaceConfig): OpInstance[] {
  const blocks: MobileBlockSpec[] = [];
  for (const block of cfg.blocks) {
    for (const expand of block === 'ds' ? [1] : cfg.expansions) {
      for (const kernel of cfg.kernels) for (const se of cfg.se) blocks.push({ block, expand, kernel, se });
    }
  }
  let [h, w] = sk.inputShape;
  const out: OpInstance[] = [mobileStem(sk)];
  h = down(h, sk.stemStride);
  w = down(w, sk.stemStride);
  const deeper = cfg.depths.some((d) => d > 1);
  for (let s = 0; s < cfg.stages; s++) {
    const stride = cfg.strides[s];
    const inputs = s === 0 ? [sk.stemChannels] : cfg.widths;
    const [oh, ow] = [down(h, stride), down(w, stride)];
    for (const b of blocks) {
      for (const width of cfg.widths) {
        for (const cIn of inputs) out.push(mobileBlock(b, h, w, cIn, width, stride, sk));
        if (deeper) out.push(mobileBlock(b, oh, ow, width, width, 1, sk));
      }
    }
    [h, w] = [oh, ow];
  }
  for (const width of cfg.widths) out.push(...mobileHead(h, w, width, sk));
  return out;
}

// ---------------------------------------------------------------- public

function dedupe(xs: readonly OpInstance[]): OpInstance[] {
  const seen = new Map<string, OpInstance>();
  for (const x of xs) if (!seen.has(x.key)) seen.set(x.key, x);
  return [...seen.values()];
}

/** The skeleton validated and completed with defaults (what a LUT stores). */
export function normalizeSkeleton<S extends SpaceId>(spaceId: S, skeleton: Partial<SpaceTypes[S]['skeleton']>): SpaceTypes[S]['skeleton'];
export function normalizeSkeleton(spaceId: SpaceId, skeleton: unknown): AnySkeleton {
  switch (spaceId) {
    case 'nb201': return nb201Skeleton(skeleton as Partial<Nb201Skeleton>);
    case 'darts': return dartsSkeleton(skeleton as Partial<DartsSkeleton>);
    case 'mobile': return mobileSkeleton(skeleton as Partial<MobileSkeleton>);
    default: throw new Error(`unknown space ${JSON.stringify(spaceId)} (expected nb201, darts or mobile)`);
  }
}

/** The space config validated and completed with defaults (the full published space when omitted). */
export function normalizeSpaceConfig(spaceId: SpaceId, config?: unknown): AnySpaceConfig {
  const input = config ?? {};
  switch (spaceId) {
    case 'nb201': return parseNb201Config(input);
    case 'darts': return parseDartsConfig(input);
    case 'mobile': return parseMobileConfig(input);
    default: throw new Error(`unknown space ${JSON.stringify(spaceId)} (expected nb201, darts or mobile)`);
  }
}

/**
 * Every distinct op instance the networks of a space contain for this skeleton (first occurrence order:
 * stem, stage by stage, head). `spaceConfig` restricts the vocabulary (default: the full space).
 */
export function opInstances<S extends SpaceId>(spaceId: S, skeleton: Partial<SpaceTypes[S]['skeleton']>, spaceConfig?: unknown): OpInstance[] {
  const cfg = normalizeSpaceConfig(spaceId, spaceConfig);
  switch (spaceId) {
    case 'nb201': return dedupe(nb201All(normalizeSkeleton('nb201', skeleton as Partial<Nb201Skeleton>), cfg as Nb201SpaceConfig));
    case 'darts': return dedupe(dartsAll(normalizeSkeleton('darts', skeleton as Partial<DartsSkeleton>), cfg as DartsSpaceConfig));
    default: return dedupe(mobileAll(normalizeSkeleton('mobile', skeleton as Partial<MobileSkeleton>), cfg as MobileSpaceConfig));
  }
}

/** The pieces of one genotype's network, in execution order, with multiplicity. */
export function genotypeInstances<S extends SpaceId>(spaceId: S, genotype: SpaceTypes[S]['genotype'], skeleton: Partial<SpaceTypes[S]['skeleton']>): OpInstance[];
export function genotypeInstances(spaceId: SpaceId, genotype: unknown, skeleton: unknown): OpInstance[] {
  switch (spaceId) {
    case 'nb201': return nb201Genotype(genotype as Nb201Genotype, normalizeSkeleton('nb201', skeleton as Partial<Nb201Skeleton>));
    case 'darts': return dartsGenotype(genotype as DartsGenotype, normalizeSkeleton('darts', skeleton as Partial<DartsSkeleton>));
    case 'mobile': return mobileGenotype(genotype as MobileGenotype, normalizeSkeleton('mobile', skeleton as Partial<MobileSkeleton>));
    default: throw new Error(`unknown space ${JSON.stringify(spaceId)} (expected nb201, darts or mobile)`);
  }
}

/** Key -> how many times the genotype's network runs that piece. */
export function genotypeKeyCounts<S extends SpaceId>(spaceId: S, genotype: SpaceTypes[S]['genotype'], skeleton: Partial<SpaceTypes[S]['skeleton']>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of genotypeInstances(spaceId, genotype, skeleton)) counts.set(i.key, (counts.get(i.key) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------- building one piece to time it

/** A built op instance: its variables and a forward pass from its inputs (inference mode). */
export interface OpRunner {
  readonly instance: OpInstance;
  /** Call inside tf.tidy. */
  apply(xs: readonly tf.Tensor4D[]): tf.Tensor;
  /** Trainable scalars of the piece (Σ over a genotype's pieces = the network's countParams()). */
  countParams(): number;
  dispose(): void;
}

function runnerOf(instance: OpInstance, m: Module | null, apply: (xs: readonly tf.Tensor4D[]) => tf.Tensor): OpRunner {
  return {
    instance,
    apply,
    countParams: () => (m ? m.params.reduce((n, p) => n + p.size, 0) : 0),
    dispose: () => {
      if (m) for (const v of [...m.params, ...m.buffers]) v.dispose();
    },
  };
}

function single(instance: OpInstance, m: Module): OpRunner {
  return runnerOf(instance, m, (xs) => m.apply(xs[0], false));
}

/** NB201's ResNet basic block between stages (model/nb201-network.ts). */
function nb201ReductionModule(cIn: number, cOut: number, rng: Rng): Module {
  const ctx = { channels: cIn, rng, affine: true };
  const convA = nb201ReluConvBn(cIn, cOut, 3, 2, ctx);
  const convB = nb201ReluConvBn(cOut, cOut, 3, 1, ctx);
  const shortcut = conv2d(cIn, cOut, 1, rng);
  const { params, buffers } = collect([convA, convB, shortcut]);
  return {
    params,
    buffers,
    apply: (x, training) => tf.add(convB.apply(convA.apply(x, training), training), shortcut.apply(tf.avgPool(x, 2, 2, 'valid'), training)),
  };
}

function headRunner(instance: OpInstance, rng: Rng, withBnRelu: boolean): OpRunner {
  const c = instance.inputShape[2];
  const bn = withBnRelu ? batchNorm(c) : null;
  const classifier = dense(c, instance.classes ?? instance.outChannels, rng);
  const m: Module = { params: [...(bn?.params ?? []), ...classifier.params], buffers: bn?.buffers ?? [], apply: (x) => x };
  return runnerOf(instance, m, (xs) => {
    const h = bn ? tf.relu(bn.apply(xs[0], false)) : xs[0];
    return classifier.apply(globalAvgPool(h));
  });
}

/**
 * Builds one op instance of a space with weights from `rng`, from the same op tables and layers as the model
 * builders. Throws on an op the space does not have.
 */
export function buildOpInstance(spaceId: SpaceId, instance: OpInstance, rng: Rng): OpRunner {
  const [, , cIn] = instance.inputShape;
  const cOut = instance.outChannels;
  switch (instance.role) {
    case 'node-sum':
      return runnerOf(instance, null, (xs) => (xs.length === 2 ? tf.add(xs[0], xs[1]) : tf.addN(xs.slice())));
    case 'concat':
      return runnerOf(instance, null, (xs) => tf.concat(xs.slice(), 3));
    case 'zeros':
      return runnerOf(instance, null, (xs) => tf.zerosLike(xs[0]));
    case 'head':
      return headRunner(instance, rng, spaceId === 'nb201');
    case 'head-conv':
      return single(instance, convBnAct(cIn, cOut, 1, 1, 'relu', rng));
    case 'stem':
      return single(instance, spaceId === 'mobile'
        ? convBnAct(cIn, cOut, 3, instance.stride, 'relu', rng)
        : sequential(conv2d(cIn, cOut, 3, rng), batchNorm(cOut)));
    case 'reduction':
      return single(instance, nb201ReductionModule(cIn, cOut, rng));
    case 'preprocess':
      return single(instance, instance.op === 'factorized_reduce' ? factorizedReduce(cIn, cOut, true, rng) : dartsReluConvBn(cIn, cOut, 1, 1, true, rng));
    case 'block': {
      const factory = MOBILE_BLOCK_FACTORIES[instance.op as MobileBlock];
      if (!factory) throw new Error(`unknown mobile block "${instance.op}"`);
      return single(instance, factory({
        cIn, cOut, kernel: instance.kernel ?? 3, stride: instance.stride, expand: instance.expand ?? 1,
        se: instance.se ?? false, seReduction: instance.seReduction ?? 4, rng,
      }));
    }
    case 'cell-op': {
      if (spaceId === 'nb201') {
        const f = NB201_OP_FACTORIES[instance.op as Nb201Op];
        if (!f) throw new Error(`unknown NB201 op "${instance.op}"`);
        return single(instance, f({ channels: cIn, rng, affine: true }));
      }
      const f = DARTS_OP_FACTORIES[instance.op as DartsGenotypeOp];
      if (!f) throw new Error(`unknown DARTS op "${instance.op}"`);
      return single(instance, f({ C: cIn, stride: instance.stride, affine: true, rng }));
    }
  }
}
