/**
 * One measurable piece of a network for the latency lookup table (plain JSON), its one key function, and a
 * piece built to be timed. The pieces of each space are listed by its descriptor (space/<id>/lut-pieces.ts);
 * instances.ts dispatches to them through the space table.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, dense, globalAvgPool } from '../ops/layers';
import type { Module } from '../ops/module';
import type { InputShape } from '../space/skeleton-base';
import type { Rng } from '../util/rng';

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

export type InstanceSpec = Omit<OpInstance, 'key' | 'zeroCost'> & { readonly zeroCost?: boolean };

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

export function inst(spec: InstanceSpec): OpInstance {
  const full = { ...spec, zeroCost: spec.zeroCost ?? false };
  return { key: instanceKey(full), ...full };
}

export const shape = (h: number, w: number, c: number): InputShape => [h, w, c];

/** The sum of n same-shaped tensors (a node with several inputs). */
export const sumPiece = (n: number, h: number, w: number, c: number): OpInstance =>
  inst({ op: 'sum', role: 'node-sum', inputShape: shape(h, w, c), inputs: n, stride: 1, outChannels: c });

/** The all-zero output of a node without live inputs. */
export const zerosPiece = (h: number, w: number, c: number): OpInstance =>
  inst({ op: 'zeros', role: 'zeros', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: c });

/** The classifier head: global average pool and dense to `classes`. */
export const headPiece = (h: number, w: number, c: number, classes: number): OpInstance =>
  inst({ op: 'head', role: 'head', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: classes, classes });

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

export function runnerOf(instance: OpInstance, m: Module | null, apply: (xs: readonly tf.Tensor4D[]) => tf.Tensor): OpRunner {
  return {
    instance,
    apply,
    countParams: () => (m ? m.params.reduce((n, p) => n + p.size, 0) : 0),
    dispose: () => {
      if (m) for (const v of [...m.params, ...m.buffers]) v.dispose();
    },
  };
}

/** A one-input piece. */
export function singleRunner(instance: OpInstance, m: Module): OpRunner {
  return runnerOf(instance, m, (xs) => m.apply(xs[0], false));
}

/** The head piece: [BN, ReLU,] global average pool, dense. */
export function headRunner(instance: OpInstance, rng: Rng, withBnRelu: boolean): OpRunner {
  const c = instance.inputShape[2];
  const bn = withBnRelu ? batchNorm(c) : null;
  const classifier = dense(c, instance.classes ?? instance.outChannels, rng);
  const m: Module = { params: [...(bn?.params ?? []), ...classifier.params], buffers: bn?.buffers ?? [], apply: (x) => x };
  return runnerOf(instance, m, (xs) => {
    const h = bn ? tf.relu(bn.apply(xs[0], false)) : xs[0];
    return classifier.apply(globalAvgPool(h));
  });
}

/** Pieces of the generic roles (node sums, concats, zeros), which have no weights; null for any other role. */
export function genericRunner(instance: OpInstance): OpRunner | null {
  switch (instance.role) {
    case 'node-sum': return runnerOf(instance, null, (xs) => (xs.length === 2 ? tf.add(xs[0], xs[1]) : tf.addN(xs.slice())));
    case 'concat': return runnerOf(instance, null, (xs) => tf.concat(xs.slice(), 3));
    case 'zeros': return runnerOf(instance, null, (xs) => tf.zerosLike(xs[0]));
    default: return null;
  }
}

/** Distinct pieces by key, first occurrence order. */
export function dedupe(xs: readonly OpInstance[]): OpInstance[] {
  const seen = new Map<string, OpInstance>();
  for (const x of xs) if (!seen.has(x.key)) seen.set(x.key, x);
  return [...seen.values()];
}
