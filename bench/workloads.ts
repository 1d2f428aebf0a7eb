/**
 * The benchmark workloads, shared by Node (bench/run.ts) and the browser worker (bench/browser/worker.ts): only
 * tfjs-core and the engine are imported here, no Node or DOM APIs. Every workload is built from a seed with the
 * engine's seeded initialisers, so its initial weights and data are bit-identical on every backend and can be
 * handed to PyTorch (bench/torch_workloads.py) through {@link Workload.exportTensors}.
 *
 * A step = forward + backward + plain SGD update (lr 0.01, no momentum) of every trainable tensor (the DARTS
 * cells' architecture logits included), loss = mean softmax cross-entropy.
 *  - cnn:        conv3x3(16)+b - relu - conv3x3(32)+b - relu - GAP - dense10 ('valid' convs), 28x28x1;
 *  - darts-mix:  DARTS search cell in mixture mode: stem conv3x3(3C)+BN(affine), preprocess ReLU-conv1x1-BN for
 *                both cell inputs, 4 nodes over 14 mixed edges of the 8 DARTS ops (pools followed by
 *                BN(affine=false) as model_search.py), softmax(alpha)-weighted, concat of the 4 nodes, GAP, dense;
 *  - darts-spos: the same cell, one uniformly drawn op per edge per step (SPOS), from a fixed path sequence;
 *  - nb201-mix:  NB201 search cell (6 edges x 5 ops) after a stem conv3x3(C)+BN, BN-ReLU, GAP, dense;
 *  - darts-supernet / nb201-supernet: the engine's supernets and the DARTS searcher's weight step
 *                (bench/supernet-workload.ts; momentum SGD, weight decay, gradient clipping instead of plain SGD).
 * `impl: 'fast'` runs the same computation through the engine's fused fast path (src/engine/supernet/fast-*.ts; for
 * the cnn: the engine's conv + bias + ReLU layer, bench/ops/conv-bias-relu.ts, and the fused SGD update).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DARTS_OP_FACTORIES, reluConvBn } from '../src/engine/ops/darts-ops';
import { heNormal, variableFrom } from '../src/engine/ops/init';
import { batchNorm, conv2d, dense } from '../src/engine/ops/layers';
import { sequential } from '../src/engine/ops/module';
import { NB201_OP_FACTORIES } from '../src/engine/ops/nb201-ops';
import { NB201_EDGES } from '../src/engine/space/nb201/space';
import { DARTS_OPS, NB201_OPS, type DartsOp, type Nb201Op } from '../src/shared/space-vocab';
import { createMixedOp, type MixedOp } from '../src/engine/supernet/mixed-op';
import { createFastMixedOp, type FastMixedOp } from '../src/engine/supernet/fast-mixed-op';
import { fusedSgdUpdate } from './ops/fused-sgd';
import { conv2dBiasRelu } from './ops/conv-bias-relu';
import { createRng, type Rng } from '../src/engine/util/rng';
import { createSupernetWorkload } from './supernet-workload';

export type WorkloadKind = 'cnn' | 'darts-mix' | 'darts-spos' | 'nb201-mix' | 'darts-supernet' | 'nb201-supernet';
export type Impl = 'plain' | 'fast';

export interface WorkloadSpec {
  readonly kind: WorkloadKind;
  /** Input height = width. */
  readonly size: number;
  readonly batch: number;
  /** Cell channels C (ignored by cnn). */
  readonly channels: number;
  readonly impl: Impl;
  readonly seed: number;
  /** Supernet kinds: DARTS cells / NB201 cells per stage. */
  readonly layers?: number;
}

export interface NamedTensor {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array;
}

export interface StepProfile {
  /** Kernels launched by one step (tf.profile; kernels run inside our composite kernels count too). */
  readonly kernels: number;
  /** tf.profile peakBytes of one step. */
  readonly peakBytes: number;
  /** The 8 kernel names with the most launches. */
  readonly topKernels: [string, number][];
}

export interface Workload {
  readonly spec: WorkloadSpec;
  readonly label: string;
  /** Loss of a forward pass (training mode, no update) at the current weights. */
  loss(): Promise<number>;
  /** One SGD step; `index` picks the SPOS path (paths[index % paths.length]). Returns the loss. */
  step(index: number): Promise<number>;
  profileStep(index: number): Promise<StepProfile>;
  /** Data, labels, weights (tfjs layouts) and SPOS paths, for PyTorch. */
  exportTensors(): Promise<{ tensors: NamedTensor[]; paths: number[][] | null; ops: string[] }>;
  /** Inference (training=false) forward on the batch, read back. */
  infer(): Promise<void>;
  dispose(): void;
}

export const LEARNING_RATE = 0.01;
export const SPOS_PATHS = 64;

export function workloadLabel(s: WorkloadSpec): string {
  if (s.kind === 'cnn') return `cnn-b${s.batch}`;
  return `${s.kind}-${s.size}x${s.size}-b${s.batch}-c${s.channels}${s.layers !== undefined ? `-l${s.layers}` : ''}`;
}

/** Uniform floats in [-1, 1) from our rng (inputs). */
function uniform(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

interface Net {
  readonly params: tf.Variable[];
  readonly names: string[];
  readonly buffers: tf.Variable[];
  readonly paths: number[][] | null;
  readonly ops: string[];
  logits(x: tf.Tensor4D, training: boolean, pathIndex: number): tf.Tensor2D;
}

function namedParams(entries: [string, readonly tf.Variable[]][]): { params: tf.Variable[]; names: string[] } {
  const params: tf.Variable[] = [];
  const names: string[] = [];
  for (const [prefix, vars] of entries) {
    vars.forEach((v, i) => {
      params.push(v);
      names.push(vars.length === 1 ? prefix : `${prefix}.${i}`);
    });
  }
  return { params, names };
}

/**
 * What tf.profile records for one step (kernels launched, peak bytes), without tf.profile itself: tfjs 4.22 computes
 * its peakBytes as `Math.max(...kernels)`, which overflows Chromium's call stack past ~65k kernels (a plain DARTS
 * supernet step launches 71k). Same engine switch as tf.profile (`state.profiling`), peak taken in a loop.
 */
export async function profileKernels(run: () => Promise<void>): Promise<StepProfile> {
  const engine = tf.engine() as unknown as { state: { profiling: boolean; activeProfile: { kernels: { name: string; totalBytesSnapshot: number }[] } } };
  engine.state.profiling = true;
  engine.state.activeProfile.kernels = [];
  try {
    await run();
  } finally {
    engine.state.profiling = false;
  }
  const kernels = engine.state.activeProfile.kernels;
  engine.state.activeProfile.kernels = [];
  let peakBytes = 0;
  const counts = new Map<string, number>();
  for (const k of kernels) {
    if (k.totalBytesSnapshot > peakBytes) peakBytes = k.totalBytesSnapshot;
    counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  }
  return { kernels: kernels.length, peakBytes, topKernels: [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8) };
}

function smallCnn(rng: Rng, fast: boolean): Net {
  const w1 = variableFrom(heNormal([3, 3, 1, 16], 9, rng), true);
  const b1 = variableFrom(tf.tensor1d(uniform(16, rng).map((v) => v * 0.05)), true);
  const w2 = variableFrom(heNormal([3, 3, 16, 32], 144, rng), true);
  const b2 = variableFrom(tf.tensor1d(uniform(32, rng).map((v) => v * 0.05)), true);
  const fc = dense(32, 10, rng);
  const { params, names } = namedParams([['conv1.w', [w1]], ['conv1.b', [b1]], ['conv2.w', [w2]], ['conv2.b', [b2]], ['fc.w', [fc.params[0]]], ['fc.b', [fc.params[1]]]]);
  return {
    params, names, buffers: [], paths: null, ops: [],
    logits: (x) => {
      const layer = (h: tf.Tensor4D, w: tf.Variable, b: tf.Variable): tf.Tensor4D => (fast
        ? conv2dBiasRelu(h, w as tf.Tensor4D, b as tf.Tensor1D, 1, 'valid')
        : tf.relu(tf.add(tf.conv2d(h, w as tf.Tensor4D, 1, 'valid'), b)) as tf.Tensor4D);
      const h1 = layer(x, w1, b1);
      const h2 = layer(h1, w2, b2);
      return fc.apply(tf.mean(h2, [1, 2]) as tf.Tensor2D);
    },
  };
}

/** Edge e of a DARTS cell reads state DARTS_EDGE_INPUT[e]; node k (0..3) sums edges DARTS_NODE_EDGES[k]. */
export const DARTS_EDGE_INPUT: number[] = [];
export const DARTS_NODE_EDGES: number[][] = [];
for (let k = 0, e = 0; k < 4; k++) {
  DARTS_NODE_EDGES.push([]);
  for (let j = 0; j < k + 2; j++, e++) {
    DARTS_EDGE_INPUT.push(j);
    DARTS_NODE_EDGES[k].push(e);
  }
}

function dartsCell(spec: WorkloadSpec, rng: Rng): Net {
  const C = spec.channels;
  const ops = DARTS_OPS.slice() as string[];
  const stem = sequential(conv2d(3, 3 * C, 3, rng), batchNorm(3 * C));
  const pre0 = reluConvBn(3 * C, C, 1, 1, false, rng);
  const pre1 = reluConvBn(3 * C, C, 1, 1, false, rng);
  const edges: MixedOp[] = DARTS_EDGE_INPUT.map(() =>
    createMixedOp(ops, (op) => DARTS_OP_FACTORIES[op as DartsOp]({ C, stride: 1, affine: false, rng, poolBn: true })));
  const fast: FastMixedOp[] | null = spec.impl === 'fast' ? edges.map((m) => createFastMixedOp(m, { space: 'darts', channels: C, poolBn: true })) : null;
  const cls = dense(4 * C, 10, rng);
  const alpha = variableFrom(tf.tensor2d(Array.from({ length: 14 * ops.length }, () => 1e-3 * rng.normal()), [14, ops.length]), true);
  const spos = spec.kind === 'darts-spos';
  const paths = spos ? Array.from({ length: SPOS_PATHS }, () => Array.from({ length: 14 }, () => rng.int(ops.length))) : null;
  const { params, names } = namedParams([
    ['stem', stem.params], ['pre0', pre0.params], ['pre1', pre1.params],
    ...edges.flatMap((m, e) => m.modules.map((mod, k): [string, readonly tf.Variable[]] => [`edge${e}.${ops[k]}`, mod?.params ?? []])),
    ['cls', cls.params], ...(spos ? [] : [['alpha', [alpha]] as [string, tf.Variable[]]]),
  ]);
  const buffers = [stem, pre0, pre1, ...edges].flatMap((m) => [...m.buffers]);
  return {
    params, names, buffers, paths, ops,
    logits: (x, training, pathIndex) => {
      const s = stem.apply(x, training);
      const states: tf.Tensor4D[] = [pre0.apply(s, training), pre1.apply(s, training)];
      const path = paths ? paths[pathIndex % paths.length] : null;
      const w = path ? null : tf.softmax(alpha);
      const rows = w && !fast ? tf.unstack(w).map((r) => tf.unstack(r) as tf.Scalar[]) : null;
      const wRows = w && fast ? tf.unstack(w) as tf.Tensor1D[] : null;
      for (let k = 0; k < 4; k++) {
        const parts: tf.Tensor4D[] = [];
        for (const e of DARTS_NODE_EDGES[k]) {
          const input = states[DARTS_EDGE_INPUT[e]];
          let out: tf.Tensor4D | null;
          if (path) out = fast ? fast[e].single(input, path[e], training) : edges[e].single(input, path[e], training);
          else out = fast ? fast[e].mix(input, wRows![e], training) : edges[e].mix(input, rows![e], training);
          if (out) parts.push(out);
        }
        states.push(parts.length === 0 ? tf.zerosLike(states[0]) : parts.length === 1 ? parts[0] : tf.addN(parts) as tf.Tensor4D);
      }
      return cls.apply(tf.mean(tf.concat(states.slice(2), 3), [1, 2]) as tf.Tensor2D);
    },
  };
}

function nb201Cell(spec: WorkloadSpec, rng: Rng): Net {
  const C = spec.channels;
  const ops = NB201_OPS.slice() as string[];
  const stem = sequential(conv2d(3, C, 3, rng), batchNorm(C));
  const edges: MixedOp[] = NB201_EDGES.map(() => createMixedOp(ops, (op) => NB201_OP_FACTORIES[op as Nb201Op]({ channels: C, rng, affine: false })));
  const fast = spec.impl === 'fast' ? edges.map((m) => createFastMixedOp(m, { space: 'nb201', channels: C })) : null;
  const lastBn = batchNorm(C);
  const cls = dense(C, 10, rng);
  const alpha = variableFrom(tf.tensor2d(Array.from({ length: 6 * ops.length }, () => 1e-3 * rng.normal()), [6, ops.length]), true);
  const { params, names } = namedParams([
    ['stem', stem.params],
    ...edges.flatMap((m, e) => m.modules.map((mod, k): [string, readonly tf.Variable[]] => [`edge${e}.${ops[k]}`, mod?.params ?? []])),
    ['lastbn', lastBn.params], ['cls', cls.params], ['alpha', [alpha]],
  ]);
  const buffers = [stem, ...edges, lastBn].flatMap((m) => [...m.buffers]);
  return {
    params, names, buffers, paths: null, ops,
    logits: (x, training) => {
      const w = tf.softmax(alpha);
      const rows = fast ? null : tf.unstack(w).map((r) => tf.unstack(r) as tf.Scalar[]);
      const wRows = fast ? tf.unstack(w) as tf.Tensor1D[] : null;
      const nodes: tf.Tensor4D[] = [stem.apply(x, training)];
      for (let j = 1; j < 4; j++) {
        const parts: tf.Tensor4D[] = [];
        NB201_EDGES.forEach(([from, to], e) => {
          if (to !== j) return;
          const out = fast ? fast[e].mix(nodes[from], wRows![e], training) : edges[e].mix(nodes[from], rows![e], training);
          if (out) parts.push(out);
        });
        nodes.push(parts.length === 0 ? tf.zerosLike(nodes[0]) : parts.length === 1 ? parts[0] : tf.addN(parts) as tf.Tensor4D);
      }
      return cls.apply(tf.mean(tf.relu(lastBn.apply(nodes[3], training)), [1, 2]) as tf.Tensor2D);
    },
  };
}

export function createWorkload(spec: WorkloadSpec): Workload {
  if (spec.kind === 'darts-supernet' || spec.kind === 'nb201-supernet') return createSupernetWorkload(spec, workloadLabel(spec));
  const rng = createRng(spec.seed);
  const inC = spec.kind === 'cnn' ? 1 : 3;
  const x = tf.tensor4d(uniform(spec.batch * spec.size * spec.size * inC, rng), [spec.batch, spec.size, spec.size, inC]);
  const labels = Array.from({ length: spec.batch }, (_, i) => i % 10);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32'));
  const net = spec.kind === 'cnn' ? smallCnn(rng, spec.impl === 'fast') : spec.kind === 'nb201-mix' ? nb201Cell(spec, rng) : dartsCell(spec, rng);
  const lossFn = (pathIndex: number) => () =>
    tf.losses.softmaxCrossEntropy(y, net.logits(x, true, pathIndex)) as tf.Scalar;
  const fast = spec.impl === 'fast';
  const runStep = (index: number): tf.Scalar => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossFn(index), net.params);
    if (fast) {
      fusedSgdUpdate(net.params, net.params.map((p) => grads[p.name] ?? null), LEARNING_RATE);
    } else {
      for (const p of net.params) {
        const g = grads[p.name];
        if (g) p.assign(tf.sub(p, tf.mul(g, LEARNING_RATE)));
      }
    }
    return value;
  });
  return {
    spec,
    label: workloadLabel(spec),
    async loss() {
      // Forward in training mode updates BN running statistics; restore them so the weights stay as exported.
      const saved = net.buffers.map((b) => tf.clone(b));
      const l = tf.tidy(() => lossFn(0)());
      const v = (await l.data())[0];
      l.dispose();
      net.buffers.forEach((b, i) => b.assign(saved[i]));
      tf.dispose(saved);
      return v;
    },
    async step(index) {
      const l = runStep(index);
      const v = (await l.data())[0];
      l.dispose();
      return v;
    },
    async profileStep(index) {
      return profileKernels(async () => {
        const l = runStep(index);
        await l.data();
        l.dispose();
      });
    },
    async exportTensors() {
      const tensors: NamedTensor[] = [
        { name: 'x', shape: x.shape.slice(), data: (await x.data()) as Float32Array },
        { name: 'labels', shape: [spec.batch], data: Float32Array.from(labels) },
      ];
      for (let i = 0; i < net.params.length; i++) {
        tensors.push({ name: net.names[i], shape: net.params[i].shape.slice(), data: (await net.params[i].data()) as Float32Array });
      }
      return { tensors, paths: net.paths, ops: net.ops };
    },
    async infer() {
      const out = tf.tidy(() => net.logits(x, false, 0));
      await out.data();
      out.dispose();
    },
    dispose() {
      tf.dispose([x, y, ...net.params, ...net.buffers]);
    },
  };
}

