/**
 * Export a built network as PyTorch: a self-contained Python file (`class Net(torch.nn.Module)`, `def load(path)`)
 * plus its weights in a small binary the generated file reads with numpy and torch alone.
 *
 * The module is generated from the SAME layout walk the builder uses (space/<id>/layout.ts), layer by layer in the
 * builder's creation order, so the i-th weighted layer emitted here owns the i-th variables of `network.params` /
 * `network.buffers`; every shape is checked against the network before anything is written. One emitter per space,
 * in a table keyed by space id (no switch on the id). Semantics reproduced exactly (ops/layers.ts, nb201-ops.ts,
 * darts-ops.ts, mobile-ops.ts, pooling.ts):
 *  - convolutions without bias, explicit symmetric zero padding ((k-1)*dilation/2 each side) = PyTorch `padding=`;
 *  - batch norm eps 1e-5, momentum 0.1, evaluated with the running statistics (`net.eval()`, which `load` sets);
 *  - NB201 and DARTS average pools with count_include_pad=False, DARTS max pools with padding 1, NB201's
 *    reduction shortcut avgpool 2x2 stride 2 then conv1x1 (no BN); ReLU-conv-BN order; global average pooling; linear.
 *
 * Weight layout: converted AT EXPORT to PyTorch's layouts, so the Python loader only copies: conv HWIO
 * [k, k, in, out] -> OIHW [out, in, k, k]; depthwise [k, k, c, 1] -> [c, 1, k, k]; dense [in, out] -> Linear
 * [out, in]; vectors unchanged. Tensors are named by the module's `state_dict` keys. The generated model takes
 * NCHW float32 input (the engine's NHWC images transposed with `x.permute(0, 3, 1, 2)`).
 *
 * Weight file (`encodeWeights`), all little-endian:
 *   bytes 0..7    magic "NASPTW01"
 *   bytes 8..11   uint32 L: byte length of the JSON header that follows (space-padded so 12 + L is a multiple of 8)
 *   bytes 12..    UTF-8 JSON {"format": "nas-playground-pytorch-weights", "version": 1,
 *                             "tensors": [{"name", "shape", "dtype": "float32", "offset" (in elements)}]}
 *   then          the float32 data of every tensor, in manifest order, contiguous (C order).
 *
 * Pure engine code: tfjs-core only (the variables' values are read with `data()`), no DOM, no Node APIs.
 */
import type { Network } from '../model/network';
import { builtinSpace, type GenotypeOf, type SkeletonOf, type SpaceId } from '../space/table';
import { NB201_EDGES } from '../../shared/space-vocab';
import type { Nb201Genotype } from '../space/nb201/space';
import type { MobileGenotype } from '../space/mobile/space';
import type { DartsEdge, DartsGenotype } from '../space/darts/genotype';
import type { Nb201Skeleton } from '../space/nb201/skeleton';
import type { DartsSkeleton } from '../space/darts/skeleton';
import type { MobileSkeleton } from '../space/mobile/skeleton';
import { nb201Layout } from '../space/nb201/layout';
import { mobileLayout } from '../space/mobile/layout';
import { dartsLayout, dartsOpStride } from '../space/darts/layout';
import { checkNetworkVariables, type ExpectedVariable } from './variables';
import {
  isNb201Op, NB201_OP_KERNEL, nb201HeadExpr, nb201ParamFreeOpExpr, nb201ReductionExpr, nb201ReluConvBnExpr, nb201StemExpr,
} from './nb201-torch';
import { layerName, poolLinearHead, torchBn, torchConv, type TorchLayer, type TorchPiece } from './torch-layers';
import { dartsFactorizedReduce, dartsOpPiece, dartsReluConvBn, dartsStem } from './darts-torch';
import {
  mobileDepthwise, mobileExpand, mobileHeadConv, mobileHidden, mobilePointwise, mobileResidualExpr, mobileSe, mobileStem,
  pySeChannels,
} from './mobile-torch';

export interface PytorchTensorEntry {
  /** The generated module's state_dict key. */
  readonly name: string;
  /** PyTorch shape (OIHW convs, [out, in] linears). */
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

export interface PytorchWeights {
  readonly manifest: readonly PytorchTensorEntry[];
  /** Every tensor's values in manifest order, contiguous, in PyTorch layout. */
  readonly data: Float32Array;
}

export interface PytorchExport {
  /** A self-contained Python file defining `class Net(torch.nn.Module)` and `def load(path)`. */
  readonly source: string;
  readonly weights: PytorchWeights;
}

export const PYTORCH_WEIGHTS_MAGIC = 'NASPTW01';
export const PYTORCH_WEIGHTS_FORMAT = 'nas-playground-pytorch-weights';

/** How an engine variable becomes a PyTorch tensor. */
type Convert = 'conv' | 'depthwise' | 'dense' | 'none';

interface Slot extends ExpectedVariable {
  readonly convert: Convert;
}

const PERM: Readonly<Record<Convert, readonly number[] | null>> = {
  conv: [3, 2, 0, 1], // HWIO -> OIHW
  depthwise: [2, 3, 0, 1], // [k, k, c, 1] -> [c, 1, k, k]
  dense: [1, 0], // [in, out] -> [out, in]
  none: null,
};

/** Collects the generated module's layers (creation order = the builder's) and its forward pass. */
class Emitter {
  readonly init: string[] = [];
  readonly fwd: string[] = [];
  readonly params: Slot[] = [];
  readonly buffers: Slot[] = [];
  private names = new Set<string>();
  private tmp = 0;

  private layer(name: string, code: string): string {
    if (this.names.has(name)) throw new Error(`pytorch export: duplicate layer name ${name}`);
    this.names.add(name);
    this.init.push(`        self.${name} = ${code}`);
    return `self.${name}`;
  }

  /** A fresh Python variable name. */
  v(prefix = 't'): string {
    return `${prefix}${this.tmp++}`;
  }

  line(code: string): void {
    this.fwd.push(`        ${code}`);
  }

  /** Assigns `expr` to a fresh variable and returns its name. */
  let(expr: string, prefix = 't'): string {
    const name = this.v(prefix);
    this.line(`${name} = ${expr}`);
    return name;
  }

  conv(name: string, cIn: number, cOut: number, k: number, stride = 1, dilation = 1): string {
    const pad = ((k - 1) * dilation) >> 1;
    this.params.push({ name: `${name}.weight`, engineShape: [k, k, cIn, cOut], convert: 'conv' });
    return this.layer(name, torchConv(cIn, cOut, k, stride, pad, dilation));
  }

  depthwise(name: string, c: number, k: number, stride = 1, dilation = 1): string {
    const pad = ((k - 1) * dilation) >> 1;
    this.params.push({ name: `${name}.weight`, engineShape: [k, k, c, 1], convert: 'depthwise' });
    return this.layer(name, torchConv(c, c, k, stride, pad, dilation, c));
  }

  bn(name: string, c: number, affine = true): string {
    if (affine) {
      this.params.push({ name: `${name}.weight`, engineShape: [c], convert: 'none' });
      this.params.push({ name: `${name}.bias`, engineShape: [c], convert: 'none' });
    }
    this.buffers.push({ name: `${name}.running_mean`, engineShape: [c], convert: 'none' });
    this.buffers.push({ name: `${name}.running_var`, engineShape: [c], convert: 'none' });
    return this.layer(name, torchBn(c, affine));
  }

  linear(name: string, inF: number, outF: number): string {
    this.params.push({ name: `${name}.weight`, engineShape: [inF, outF], convert: 'dense' });
    this.params.push({ name: `${name}.bias`, engineShape: [outF], convert: 'none' });
    return this.layer(name, `nn.Linear(${inF}, ${outF}, bias=True)`);
  }

  /**
   * Creates a shared piece's layers (torch-layers.ts; sizes must be numbers here) named `<prefix>_<layer>`, in the
   * piece's order; returns its forward pass, temporaries bound in this module's forward.
   */
  piece(prefix: string, p: TorchPiece): (x: string) => string {
    for (const l of p.layers) this.pieceLayer(layerName(prefix, l.name), l);
    return (x) => p.forward((n) => `self.${layerName(prefix, n)}`, x, this);
  }

  private pieceLayer(name: string, l: TorchLayer): void {
    const n = (v: number | string): number => {
      if (typeof v !== 'number') throw new Error(`pytorch export: layer ${name} has a symbolic size ${v}`);
      return v;
    };
    switch (l.kind) {
      case 'conv': this.conv(name, n(l.cIn), n(l.cOut), n(l.k), n(l.stride), n(l.dilation)); return;
      case 'depthwise': this.depthwise(name, n(l.c), n(l.k), n(l.stride), n(l.dilation)); return;
      case 'bn': this.bn(name, n(l.c)); return;
      case 'linear': this.linear(name, n(l.inF), n(l.outF)); return;
    }
  }
}

// ---------------------------------------------------------------- NAS-Bench-201 (space/nb201/network.ts)

/** ReLU -> conv -> BN (ops/nb201-ops.ts reluConvBn); returns the layer call on `x`. */
function nb201ReluConvBn(em: Emitter, name: string, cIn: number, cOut: number, k: number, stride: number) {
  const conv = em.conv(`${name}_conv`, cIn, cOut, k, stride);
  const bn = em.bn(`${name}_bn`, cOut);
  return (x: string): string => nb201ReluConvBnExpr(conv, bn, x);
}

/** The op semantics are shared with the Ray Tune job (nb201-torch.ts); this walk unrolls them for one genotype. */
function emitNb201(em: Emitter, g: Nb201Genotype, sk: Nb201Skeleton): void {
  const layout = nb201Layout(sk);
  const C = layout.stem.out.c;
  const stemConv = em.conv('stem_conv', layout.stem.inputShape[2], C, 3);
  const stemBn = em.bn('stem_bn', C);
  let h = em.let(nb201StemExpr(stemConv, stemBn, 'x'), 'h');
  for (const step of layout.body) {
    if (step.kind === 'reduction') {
      const p = `reduction${step.stage}`;
      const a = nb201ReluConvBn(em, `${p}_a`, step.from.c, step.to.c, 3, 2);
      const b = nb201ReluConvBn(em, `${p}_b`, step.to.c, step.to.c, 3, 1);
      const shortcut = em.conv(`${p}_shortcut`, step.from.c, step.to.c, 1);
      h = em.let(nb201ReductionExpr(b(a(h)), shortcut, h), 'h');
      continue;
    }
    const p = `cell${step.stage}_${step.index}`;
    const c = step.at.c;
    const edges = NB201_EDGES.map(([from, to], e) => {
      const op: string = g.ops[e];
      if (!isNb201Op(op)) throw new Error(`pytorch export: unknown NB201 op ${JSON.stringify(op)}`);
      const k = NB201_OP_KERNEL[op];
      const apply: ((x: string) => string) | null = k !== null ? nb201ReluConvBn(em, `${p}_e${e}`, c, c, k, 1)
        : op === 'none' ? null : (x) => nb201ParamFreeOpExpr(op, x) ?? x;
      return { from, to, apply };
    });
    // node j = sum of its live edges from non-empty nodes (a node with none is all zeros and skipped), as nb201Cell.
    const nodes: (string | null)[] = [h, null, null, null];
    for (let j = 1; j < 4; j++) {
      const terms = edges.filter((e) => e.to === j && e.apply !== null && nodes[e.from] !== null).map((e) => e.apply!(nodes[e.from]!));
      nodes[j] = terms.length === 0 ? null : em.let(terms.join(' + '), `${p}_n${j}_`);
    }
    h = nodes[3] ?? em.let(`torch.zeros_like(${h})`, 'h');
  }
  const lastBn = em.bn('head_bn', layout.head.at.c);
  const classifier = em.linear('classifier', layout.head.at.c, layout.head.classes);
  em.line(`return ${nb201HeadExpr(lastBn, classifier, h)}`);
}

// ---------------------------------------------------------------- mobile (space/mobile/network.ts)

/** The pieces are shared with the Ray Tune job (mobile-torch.ts); this walk unrolls them for one genotype. */
function emitMobile(em: Emitter, g: MobileGenotype, sk: MobileSkeleton): void {
  const layout = mobileLayout(g, sk);
  const stem = em.piece('stem', mobileStem(layout.stem.inputShape[2], layout.stem.channels, layout.stem.stride));
  let h = em.let(stem('x'), 'h');
  for (const { stage, block, spec, stride, input } of layout.blocks) {
    const p = `block${stage}_${block}`;
    const cIn = input[2];
    const cOut = spec.width;
    let t: string;
    if (spec.block === 'ds') {
      t = em.let(em.piece(p, mobileDepthwise(cIn, spec.kernel, stride, 'relu'))(h));
      if (spec.se) t = em.let(em.piece(`${p}_se`, mobileSe(cIn, pySeChannels(cIn, sk.seReduction)))(t));
      t = em.let(em.piece(p, mobilePointwise('pw', cIn, cOut))(t));
    } else if (spec.block === 'mb') {
      const hidden = mobileHidden(cIn, spec.expand);
      t = em.let(em.piece(p, mobileExpand(cIn, hidden))(h));
      t = em.let(em.piece(p, mobileDepthwise(hidden, spec.kernel, stride, 'relu6'))(t));
      if (spec.se) t = em.let(em.piece(`${p}_se`, mobileSe(hidden, pySeChannels(hidden, sk.seReduction)))(t));
      t = em.let(em.piece(p, mobilePointwise('project', hidden, cOut))(t));
    } else {
      throw new Error(`pytorch export: stages[${stage}].block must be "ds" or "mb", got ${JSON.stringify(spec.block)}`);
    }
    h = em.let(stride === 1 && cIn === cOut ? mobileResidualExpr(h, t) : t, 'h');
  }
  if (layout.headConv) {
    const head = em.piece('head', mobileHeadConv(layout.headConv.inputShape[2], layout.headConv.outChannels));
    h = em.let(head(h), 'h');
  }
  em.line(`return ${em.piece('', poolLinearHead(layout.head.inputShape[2], layout.head.classes))(h)}`);
}

// ---------------------------------------------------------------- DARTS (space/darts/network.ts)

/** The pieces are shared with the Ray Tune job (darts-torch.ts); this walk unrolls them for one genotype. */
function emitDarts(em: Emitter, g: DartsGenotype, sk: DartsSkeleton): void {
  const layout = dartsLayout(sk);
  const stem = em.let(em.piece('stem', dartsStem(layout.stem.inputShape[2], layout.stem.channels))('x'), 's');
  let s0 = stem;
  let s1 = stem;
  for (const slot of layout.cells) {
    const p = `cell${slot.index}`;
    const { C } = slot;
    const edges: readonly DartsEdge[] = slot.reduction ? g.reduce : g.normal;
    const concat = slot.reduction ? g.reduce_concat : g.normal_concat;
    const pre0 = em.piece(`${p}_pre0`, slot.reductionPrev ? dartsFactorizedReduce(slot.in0[2], C) : dartsReluConvBn(slot.in0[2], C));
    const pre1 = em.piece(`${p}_pre1`, dartsReluConvBn(slot.in1[2], C));
    const ops = edges.map(([op, input], e) => {
      try {
        return { input, apply: em.piece(`${p}_e${e}`, dartsOpPiece(op, C, dartsOpStride(slot, input))) };
      } catch (err) {
        throw new Error(`pytorch export: ${(err as Error).message}`);
      }
    });
    const states = [em.let(pre0(s0), `${p}_s`), em.let(pre1(s1), `${p}_s`)];
    for (let k = 0; k < ops.length / 2; k++) {
      const [a, b] = [ops[2 * k], ops[2 * k + 1]];
      states.push(em.let(`${a.apply(states[a.input])} + ${b.apply(states[b.input])}`, `${p}_s`));
    }
    const out = em.let(`torch.cat([${concat.map((i) => states[i]).join(', ')}], dim=1)`, 's');
    [s0, s1] = [s1, out];
  }
  em.line(`return ${em.piece('', poolLinearHead(layout.head.inputShape[2], layout.head.classes))(s1)}`);
}

// ---------------------------------------------------------------- the table and the export

type Emit<S extends SpaceId> = (em: Emitter, g: GenotypeOf<S>, sk: SkeletonOf<S>) => void;
const EMITTERS: { readonly [S in SpaceId]: Emit<S> } = { nb201: emitNb201, mobile: emitMobile, darts: emitDarts };

/** The spaces this exporter supports. */
export const PYTORCH_EXPORT_SPACES: readonly SpaceId[] = Object.keys(EMITTERS) as SpaceId[];

/** `data` (C order, `shape`) with its axes permuted: out axis i is in axis perm[i]. */
function transpose(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  const outShape = perm.map((p) => shape[p]);
  const strides = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i] * strides[i];
    out[o] = data[src];
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

const pyString = (s: string): string => JSON.stringify(s); // a JSON string literal is a valid Python literal here

function pythonSource(spaceId: string, genotype: unknown, skeleton: unknown, em: Emitter): string {
  const meta = JSON.stringify({ space: spaceId, genotype, skeleton });
  return `"""PyTorch module exported by NAS playground (space ${spaceId}).

Generated from the engine's layout walk; evaluates exactly the engine's network in eval mode (batch norm with its
running statistics). Input: float32 images in NCHW layout, [N, channels, height, width] (the engine's NHWC images
with x.permute(0, 3, 1, 2)); output: logits [N, classes].

Usage:
    net = load("weights.bin")   # builds Net(), loads the weights, calls net.eval()
    logits = net(images_nchw)

Weights file: b"${PYTORCH_WEIGHTS_MAGIC}", uint32 little-endian header length L, L bytes of UTF-8 JSON
{"format", "version", "tensors": [{"name", "shape", "dtype", "offset"}]}, then little-endian float32 data
(offsets in elements). Tensors are already in PyTorch layout (OIHW convs, [out, in] linears) and named by the
state_dict keys of Net. Needs only numpy and torch.
"""
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

META = json.loads(${pyString(meta)})


class Net(nn.Module):
    def __init__(self):
        super().__init__()
${em.init.length > 0 ? em.init.join('\n') : '        pass'}

    def forward(self, x):
${em.fwd.join('\n')}


def read_weights(path):
    """The weights file as a dict {state_dict key: float32 tensor}."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:8] != b"${PYTORCH_WEIGHTS_MAGIC}":
        raise ValueError("%s: not a NAS playground PyTorch weights file (bad magic)" % path)
    (length,) = struct.unpack("<I", blob[8:12])
    header = json.loads(blob[12:12 + length].decode("utf-8"))
    if header.get("format") != "${PYTORCH_WEIGHTS_FORMAT}" or header.get("version") != 1:
        raise ValueError("%s: unsupported weights format %r version %r" % (path, header.get("format"), header.get("version")))
    data = np.frombuffer(blob, dtype="<f4", offset=12 + length)
    out = {}
    for t in header["tensors"]:
        if t["dtype"] != "float32":
            raise ValueError("%s: tensor %s has dtype %s (expected float32)" % (path, t["name"], t["dtype"]))
        n = int(np.prod(t["shape"])) if len(t["shape"]) > 0 else 1
        chunk = data[t["offset"]:t["offset"] + n]
        if chunk.size != n:
            raise ValueError("%s: tensor %s is truncated" % (path, t["name"]))
        out[t["name"]] = torch.from_numpy(chunk.astype(np.float32).reshape(t["shape"]))
    return out


def load(path):
    """Net() with the weights of \`path\`, in eval mode."""
    net = Net()
    state = read_weights(path)
    result = net.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise ValueError("%s does not match Net: missing %s, unexpected %s" % (path, missing, result.unexpected_keys))
    net.eval()
    return net
`;
}

/**
 * Exports `network` (built by model/build.ts from `genotype` and `skeleton` of space `spaceId`) as PyTorch code and
 * weights. Throws when the network's variables do not match the layout walk (a network of another genotype or
 * skeleton). Async because the variables are read with `data()` (any backend).
 */
export async function exportPytorch<S extends SpaceId>(network: Network, spaceId: S, genotype: GenotypeOf<S>, skeleton: SkeletonOf<S>): Promise<PytorchExport> {
  const d = builtinSpace(spaceId);
  const g = d.checkGenotype(genotype);
  const sk = d.skeleton(skeleton);
  const em = new Emitter();
  (EMITTERS[spaceId] as Emit<S>)(em, g, sk);
  checkNetworkVariables('pytorch export', spaceId, 'params', em.params, network.params);
  checkNetworkVariables('pytorch export', spaceId, 'buffers', em.buffers, network.buffers);
  const slots = [...em.params, ...em.buffers];
  const values = await Promise.all([...network.params, ...network.buffers].map((v) => v.data() as Promise<Float32Array>));
  const total = slots.reduce((n, s) => n + s.engineShape.reduce((a, b) => a * b, 1), 0);
  const data = new Float32Array(total);
  const manifest: PytorchTensorEntry[] = [];
  let offset = 0;
  slots.forEach((slot, i) => {
    const perm = PERM[slot.convert];
    const v = Float32Array.from(values[i]);
    data.set(perm ? transpose(v, slot.engineShape, perm) : v, offset);
    offset += v.length;
    manifest.push({ name: slot.name, shape: perm ? perm.map((p) => slot.engineShape[p]) : [...slot.engineShape], dtype: 'float32' });
  });
  return { source: pythonSource(spaceId, g, sk, em), weights: { manifest, data } };
}

/** The weights as the documented binary file (see the top of this file). */
export function encodeWeights(w: PytorchWeights): Uint8Array {
  let offset = 0;
  const tensors = w.manifest.map((t) => {
    const entry = { name: t.name, shape: t.shape, dtype: t.dtype, offset };
    offset += t.shape.reduce((a, b) => a * b, 1);
    return entry;
  });
  if (offset !== w.data.length) throw new Error(`pytorch export: the manifest holds ${offset} values, the data ${w.data.length}`);
  // ASCII-only JSON (non-ASCII escaped as \uXXXX, still valid UTF-8 JSON): no TextEncoder needed in the engine.
  const json = JSON.stringify({ format: PYTORCH_WEIGHTS_FORMAT, version: 1, tensors })
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const padded = Math.ceil((12 + json.length) / 8) * 8 - 12;
  const header = new Uint8Array(padded).fill(0x20);
  for (let i = 0; i < json.length; i++) header[i] = json.charCodeAt(i);
  const out = new Uint8Array(12 + header.length + 4 * w.data.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = PYTORCH_WEIGHTS_MAGIC.charCodeAt(i);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  const base = 12 + header.length;
  for (let i = 0; i < w.data.length; i++) view.setFloat32(base + 4 * i, w.data[i], true);
  return out;
}
