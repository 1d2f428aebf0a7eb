/**
 * Export a built network as a TensorFlow.js LayersModel: a Keras-style functional `model.json` (format
 * 'layers-model') plus one weight file, which stock `tf.loadLayersModel` (tfjs 4.22) loads with no code of ours.
 *
 * The graph is generated from the SAME layout walk the builder uses (space/<id>/layout.ts), declaring weighted
 * layers in the builder's creation order, so the i-th declared variable is the i-th of `network.params` /
 * `network.buffers` (checked by shape before anything is written, export/variables.ts, as the PyTorch exporter).
 * One emitter per space, in a table keyed by space id. Only layers tfjs-layers 4.22 deserializes are used; every
 * engine op maps to an exact equivalent (ops/layers.ts, nb201-ops.ts, darts-ops.ts, mobile-ops.ts, pooling.ts):
 *  - symmetric explicit padding: ZeroPadding2D then a 'valid' Conv2D / DepthwiseConv2D / SeparableConv2D
 *    (no bias); kernels keep the engine's layouts (HWIO, depthwise [k, k, c, 1]), so no transposes;
 *  - batch norm: BatchNormalization (epsilon 1e-5, momentum 0.9 = 1 - ours 0.1; inference reads the moving
 *    mean / variance, our running statistics); center/scale off for affine=false;
 *  - ReLU / ReLU6 / sigmoid: Activation layers (the same tfjs kernels the engine calls);
 *  - 3x3 stride-1 pools with count_include_pad=False: AveragePooling2D / MaxPooling2D padding 'same' — the very
 *    tfjs op the engine runs (tfjs 'same' pooling at stride 1 is symmetric and ignores the padding);
 *  - 3x3 stride-2 pools (DARTS reduction cells), PyTorch windows starting at row -1: the stride-1 'same' pool,
 *    then a 1x1 AveragePooling2D with stride 2 (a pure subsample x[:, ::2, ::2]). Window i of the result is
 *    centred on input row 2i, exactly PyTorch's, with the same count_include_pad=False divisor / max over real
 *    inputs; the engine computes the same values by padding (ops/pooling.ts), so results agree to rounding;
 *  - NB201's reduction shortcut: AveragePooling2D 2x2 stride 2 'valid' then Conv2D 1x1 (the engine's ops);
 *  - DARTS sep_conv / dil_conv: SeparableConv2D (depthwise then pointwise, no bias, dilation 2 for dil_conv)
 *    + BN; a strided dilated one runs at stride 1 and is subsampled (tfjs refuses stride > 1 with dilation > 1;
 *    the engine's own reformulation is the same sum);
 *  - FactorizedReduce: ReLU, Conv2D 1x1 stride 2 on x and on Cropping2D([[1, 0], [1, 0]])(x), Concatenate, BN;
 *  - 'none' edges are left out of their sums (they add zeros); a node or sum with no live input at all becomes a
 *    non-trainable 1x1 DepthwiseConv2D with zero weights (stride as the op's), which outputs exact zeros;
 *  - SE: GlobalAveragePooling2D, Dense(relu), Dense(sigmoid), Reshape [1, 1, c], Multiply (broadcast);
 *  - head: GlobalAveragePooling2D, Dense (bias, linear) -> logits.
 * Layers the walk declares but the graph never reaches (an NB201 edge out of an empty node) are checked but not
 * written. Input: NHWC float32 [N, H, W, C] as the engine's; output: logits [N, classes].
 *
 * Pure engine code: tfjs-core only (the variables' values are read with `data()`), no tfjs-layers, no DOM, no Node.
 */
import type { Network } from '../model/network';
import { builtinSpace, type GenotypeOf, type SkeletonOf, type SpaceId } from '../space/table';
import { NB201_EDGES } from '../../shared/space-vocab';
import type { Nb201Genotype } from '../space/nb201/space';
import type { MobileGenotype } from '../space/mobile/space';
import type { DartsEdge, DartsGenotype } from '../space/darts/genotype';
import type { Nb201Skeleton } from '../space/nb201/skeleton';
import type { DartsSkeleton } from '../space/darts/skeleton';
import { seChannels, type MobileSkeleton } from '../space/mobile/skeleton';
import { nb201Layout } from '../space/nb201/layout';
import { mobileLayout } from '../space/mobile/layout';
import { dartsLayout, dartsOpStride } from '../space/darts/layout';
import { checkNetworkVariables } from './variables';
import { Graph, type Apply, type KerasLayerJson, type GraphTensor } from './keras-graph';

export type { KerasLayerJson } from './keras-graph';

/** tfjs-layers' version this topology is written for (and loaded by in the tests). */
export const TFJS_LAYERS_KERAS_VERSION = 'tfjs-layers 4.22.0';
export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

/** One entry of a weightsManifest group (tf.io.WeightsManifestEntry). */
export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32';
}


export interface TfjsModelTopology {
  readonly class_name: 'Model';
  readonly config: {
    readonly name: string;
    readonly layers: readonly KerasLayerJson[];
    readonly input_layers: [string, number, number][];
    readonly output_layers: [string, number, number][];
  };
  readonly keras_version: string;
  readonly backend: 'tensor_flow.js';
}

/** The content of model.json (tf.io.ModelJSON). */
export interface TfjsModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: null;
  readonly modelTopology: TfjsModelTopology;
  readonly weightsManifest: { readonly paths: string[]; readonly weights: TfjsWeightSpec[] }[];
}

export interface TfjsLayersExport {
  /** model.json; its weightsManifest names `weightsFile` as the only path. */
  readonly modelJson: TfjsModelJson;
  /** The weight file's values: every weight of weightsManifest in order, contiguous float32 (little-endian as bytes). */
  readonly weightData: Float32Array;
}

// ---------------------------------------------------------------- NAS-Bench-201 (space/nb201/network.ts)

/** ReLU -> conv -> BN (ops/nb201-ops.ts reluConvBn). */
function nb201ReluConvBn(g: Graph, name: string, cIn: number, cOut: number, k: number, stride: number): Apply {
  const conv = g.conv(`${name}_conv`, cIn, cOut, k, stride);
  const bn = g.bn(`${name}_bn`, cOut);
  return (x) => bn(conv(g.act(x, 'relu')));
}

function emitNb201(g: Graph, gen: Nb201Genotype, sk: Nb201Skeleton): GraphTensor {
  const layout = nb201Layout(sk);
  const C = layout.stem.out.c;
  const x = g.input(layout.stem.inputShape);
  const stemConv = g.conv('stem_conv', layout.stem.inputShape[2], C, 3);
  const stemBn = g.bn('stem_bn', C);
  let h = stemBn(stemConv(x));
  for (const step of layout.body) {
    if (step.kind === 'reduction') {
      const p = `reduction${step.stage}`;
      const a = nb201ReluConvBn(g, `${p}_a`, step.from.c, step.to.c, 3, 2);
      const b = nb201ReluConvBn(g, `${p}_b`, step.to.c, step.to.c, 3, 1);
      const shortcut = g.conv(`${p}_shortcut`, step.from.c, step.to.c, 1);
      h = g.add([b(a(h)), shortcut(g.avgPoolValid(h, 2, 2))], `${p}_add`);
      continue;
    }
    const p = `cell${step.stage}_${step.index}`;
    const c = step.at.c;
    const edges = NB201_EDGES.map(([from, to], e) => {
      const op = gen.ops[e];
      const apply: Apply | null = op === 'nor_conv_1x1' ? nb201ReluConvBn(g, `${p}_e${e}`, c, c, 1, 1)
        : op === 'nor_conv_3x3' ? nb201ReluConvBn(g, `${p}_e${e}`, c, c, 3, 1)
          : op === 'avg_pool_3x3' ? (t) => g.poolSame(t, 'avg', 3)
            : op === 'skip_connect' ? (t) => t
              : null;
      if (op !== 'none' && apply === null) throw new Error(`tfjs export: unknown NB201 op ${JSON.stringify(op)}`);
      return { from, to, apply };
    });
    // node j = sum of its live edges from non-empty nodes (a node with none is all zeros and skipped), as nb201Cell.
    const nodes: (GraphTensor | null)[] = [h, null, null, null];
    for (let j = 1; j < 4; j++) {
      const terms = edges.filter((e) => e.to === j && e.apply !== null && nodes[e.from] !== null).map((e) => e.apply!(nodes[e.from]!));
      nodes[j] = terms.length === 0 ? null : g.add(terms, `${p}_n${j}`);
    }
    h = nodes[3] ?? g.zeros(h);
  }
  const lastBn = g.bn('head_bn', layout.head.at.c);
  const classifier = g.dense('classifier', layout.head.at.c, layout.head.classes);
  return classifier(g.gap(g.act(lastBn(h), 'relu')));
}

// ---------------------------------------------------------------- mobile (space/mobile/network.ts)

function emitMobile(g: Graph, gen: MobileGenotype, sk: MobileSkeleton): GraphTensor {
  const layout = mobileLayout(gen, sk);
  const x = g.input(layout.stem.inputShape);
  const stemConv = g.conv('stem_conv', layout.stem.inputShape[2], layout.stem.channels, 3, layout.stem.stride);
  const stemBn = g.bn('stem_bn', layout.stem.channels);
  let h = g.act(stemBn(stemConv(x)), 'relu');
  /** Squeeze-and-excitation (ops/mobile-ops.ts squeezeExcite); declared when called, as the builder does. */
  const se = (p: string, c: number): Apply => {
    const sq = seChannels(c, sk.seReduction);
    const reduce = g.dense(`${p}_se_reduce`, c, sq, 'relu');
    const expand = g.dense(`${p}_se_expand`, sq, c, 'sigmoid');
    return (t) => g.scale(t, expand(reduce(g.gap(t))));
  };
  for (const { stage, block, spec, stride, input } of layout.blocks) {
    const p = `block${stage}_${block}`;
    const cIn = input[2];
    const cOut = spec.width;
    let body: Apply;
    if (spec.block === 'ds') {
      const dw = g.depthwise(`${p}_dw`, cIn, spec.kernel, stride);
      const dwBn = g.bn(`${p}_dw_bn`, cIn);
      const seApply = spec.se ? se(p, cIn) : null;
      const pw = g.conv(`${p}_pw`, cIn, cOut, 1);
      const pwBn = g.bn(`${p}_pw_bn`, cOut);
      body = (t) => {
        let y = g.act(dwBn(dw(t)), 'relu');
        if (seApply) y = seApply(y);
        return pwBn(pw(y));
      };
    } else if (spec.block === 'mb') {
      const hidden = cIn * spec.expand;
      const ex = g.conv(`${p}_expand`, cIn, hidden, 1);
      const exBn = g.bn(`${p}_expand_bn`, hidden);
      const dw = g.depthwise(`${p}_dw`, hidden, spec.kernel, stride);
      const dwBn = g.bn(`${p}_dw_bn`, hidden);
      const seApply = spec.se ? se(p, hidden) : null;
      const pr = g.conv(`${p}_project`, hidden, cOut, 1);
      const prBn = g.bn(`${p}_project_bn`, cOut);
      body = (t) => {
        let y = g.act(exBn(ex(t)), 'relu6');
        y = g.act(dwBn(dw(y)), 'relu6');
        if (seApply) y = seApply(y);
        return prBn(pr(y));
      };
    } else {
      throw new Error(`tfjs export: stages[${stage}].block must be "ds" or "mb", got ${JSON.stringify(spec.block)}`);
    }
    const out = body(h);
    h = stride === 1 && cIn === cOut ? g.add([h, out], `${p}_residual`) : out;
  }
  if (layout.headConv) {
    const conv = g.conv('head_conv', layout.headConv.inputShape[2], layout.headConv.outChannels, 1);
    const bn = g.bn('head_bn', layout.headConv.outChannels);
    h = g.act(bn(conv(h)), 'relu');
  }
  const classifier = g.dense('classifier', layout.head.inputShape[2], layout.head.classes);
  return classifier(g.gap(h));
}

// ---------------------------------------------------------------- DARTS (space/darts/network.ts)

/** FactorizedReduce (ops/darts-ops.ts): ReLU, two 1x1 stride-2 convs (the second on x[:, 1:, 1:]), concat, BN. */
function dartsFactorizedReduce(g: Graph, name: string, cIn: number, cOut: number): Apply {
  const c1 = g.conv(`${name}_conv1`, cIn, cOut / 2, 1, 2);
  const c2 = g.conv(`${name}_conv2`, cIn, cOut / 2, 1, 2);
  const bn = g.bn(`${name}_bn`, cOut);
  return (x) => {
    const r = g.act(x, 'relu');
    return bn(g.concat([c1(r), c2(g.crop(r))]));
  };
}

function dartsReluConvBn(g: Graph, name: string, cIn: number, cOut: number): Apply {
  const conv = g.conv(`${name}_conv`, cIn, cOut, 1);
  const bn = g.bn(`${name}_bn`, cOut);
  return (x) => bn(conv(g.act(x, 'relu')));
}

/** One DARTS op (DARTS_OP_FACTORIES) on C channels; null for 'none' (left out of its sum). */
function dartsOp(g: Graph, name: string, op: string, C: number, stride: number): Apply | null {
  const sep = (k: number): Apply => {
    const s1 = g.separable(`${name}_sep1`, C, C, k, stride, 1);
    const bn1 = g.bn(`${name}_bn1`, C);
    const s2 = g.separable(`${name}_sep2`, C, C, k, 1, 1);
    const bn2 = g.bn(`${name}_bn2`, C);
    return (x) => bn2(s2(g.act(bn1(s1(g.act(x, 'relu'))), 'relu')));
  };
  const dil = (k: number): Apply => {
    const s = g.separable(`${name}_dil`, C, C, k, stride, 2);
    const bn = g.bn(`${name}_bn`, C);
    return (x) => bn(s(g.act(x, 'relu')));
  };
  switch (op) {
    case 'none': return null;
    case 'max_pool_3x3': return (x) => g.torchPool(x, 'max', 3, stride);
    case 'avg_pool_3x3': return (x) => g.torchPool(x, 'avg', 3, stride);
    case 'skip_connect': return stride === 1 ? (x) => x : dartsFactorizedReduce(g, name, C, C);
    case 'sep_conv_3x3': return sep(3);
    case 'sep_conv_5x5': return sep(5);
    case 'dil_conv_3x3': return dil(3);
    case 'dil_conv_5x5': return dil(5);
    default: throw new Error(`tfjs export: unknown DARTS op ${JSON.stringify(op)}`);
  }
}

function emitDarts(g: Graph, gen: DartsGenotype, sk: DartsSkeleton): GraphTensor {
  const layout = dartsLayout(sk);
  const stemC = layout.stem.channels;
  const x = g.input(layout.stem.inputShape);
  const stemConv = g.conv('stem_conv', layout.stem.inputShape[2], stemC, 3);
  const stemBn = g.bn('stem_bn', stemC);
  const stem = stemBn(stemConv(x));
  let s0 = stem;
  let s1 = stem;
  for (const slot of layout.cells) {
    const p = `cell${slot.index}`;
    const { C } = slot;
    const edges: readonly DartsEdge[] = slot.reduction ? gen.reduce : gen.normal;
    const concat = slot.reduction ? gen.reduce_concat : gen.normal_concat;
    const pre0 = slot.reductionPrev ? dartsFactorizedReduce(g, `${p}_pre0`, slot.in0[2], C) : dartsReluConvBn(g, `${p}_pre0`, slot.in0[2], C);
    const pre1 = dartsReluConvBn(g, `${p}_pre1`, slot.in1[2], C);
    const ops = edges.map(([op, input], e) => {
      const stride = dartsOpStride(slot, input);
      return { input, stride, apply: dartsOp(g, `${p}_e${e}`, op, C, stride) };
    });
    const states = [pre0(s0), pre1(s1)];
    for (let k = 0; k < ops.length / 2; k++) {
      const pair = [ops[2 * k], ops[2 * k + 1]];
      const terms = pair.filter((o) => o.apply !== null).map((o) => o.apply!(states[o.input]));
      states.push(terms.length > 0 ? g.add(terms, `${p}_s${k + 2}`) : g.zeros(states[pair[0].input], pair[0].stride));
    }
    [s0, s1] = [s1, g.concat(concat.map((i) => states[i]))];
  }
  const classifier = g.dense('classifier', layout.head.inputShape[2], layout.head.classes);
  return classifier(g.gap(s1));
}

// ---------------------------------------------------------------- the table and the export

type Emit<S extends SpaceId> = (g: Graph, gen: GenotypeOf<S>, sk: SkeletonOf<S>) => GraphTensor;
const EMITTERS: { readonly [S in SpaceId]: Emit<S> } = { nb201: emitNb201, mobile: emitMobile, darts: emitDarts };

/** The spaces this exporter supports. */
export const TFJS_EXPORT_SPACES: readonly SpaceId[] = Object.keys(EMITTERS) as SpaceId[];

/**
 * Exports `network` (built by model/build.ts from `genotype` and `skeleton` of space `spaceId`) as a tfjs
 * LayersModel: model.json (naming `weightsFile`) and the weight file's float32 values. Throws when the network's
 * variables do not match the layout walk. Async because the variables are read with `data()` (any backend).
 */
export async function exportTfjsLayers<S extends SpaceId>(
  network: Network, spaceId: S, genotype: GenotypeOf<S>, skeleton: SkeletonOf<S>, weightsFile = TFJS_WEIGHTS_FILE,
): Promise<TfjsLayersExport> {
  if (!/^[A-Za-z0-9._-]+$/.test(weightsFile) || weightsFile === 'model.json' || /^\.+$/.test(weightsFile)) {
    throw new Error(`tfjs export: the weight file name must be a plain file name beside model.json (letters, digits, '.', '_', '-'), got ${JSON.stringify(weightsFile)}`);
  }
  const d = builtinSpace(spaceId);
  const gen = d.checkGenotype(genotype);
  const sk = d.skeleton(skeleton);
  const g = new Graph();
  const out = (EMITTERS[spaceId] as Emit<S>)(g, gen, sk);
  checkNetworkVariables('tfjs export', spaceId, 'params', g.params, network.params);
  checkNetworkVariables('tfjs export', spaceId, 'buffers', g.buffers, network.buffers);
  const values = await Promise.all(g.weights.map((w) => ('constant' in w.source
    ? Promise.resolve(w.source.constant)
    : (w.source.list === 'params' ? network.params : network.buffers)[w.source.index].data() as Promise<Float32Array>)));
  const total = values.reduce((n, v) => n + v.length, 0);
  const weightData = new Float32Array(total);
  let offset = 0;
  values.forEach((v) => { weightData.set(v, offset); offset += v.length; });
  const modelTopology: TfjsModelTopology = {
    class_name: 'Model',
    config: { name: `nas_${spaceId}`, layers: g.layers, input_layers: [['input', 0, 0]], output_layers: [[out.ref, 0, 0]] },
    keras_version: TFJS_LAYERS_KERAS_VERSION,
    backend: 'tensor_flow.js',
  };
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `NAS playground (space ${spaceId}, genotype ${JSON.stringify(gen)})`,
      convertedBy: null,
      modelTopology,
      weightsManifest: [{ paths: [weightsFile], weights: g.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' })) }],
    },
    weightData,
  };
}

/**
 * The export as the files a user downloads, to be put in one folder: `model.json` (JSON text) and the weight file
 * (bytes). `tf.loadLayersModel('<folder URL>/model.json')` loads them.
 */
export function tfjsExportFiles(e: TfjsLayersExport): { readonly name: string; readonly data: string | Uint8Array }[] {
  return [
    { name: 'model.json', data: JSON.stringify(e.modelJson) },
    { name: e.modelJson.weightsManifest[0].paths[0], data: tfjsWeightBytes(e) },
  ];
}

/** The weight file's bytes (little-endian float32, as tfjs reads them). */
export function tfjsWeightBytes(e: TfjsLayersExport): Uint8Array {
  const out = new Uint8Array(4 * e.weightData.length);
  const view = new DataView(out.buffer);
  e.weightData.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}
