/**
 * Add, Sub, Multiply and RealDiv for the WASM backend when one float32 operand is the full output shape and the other
 * broadcasts over one middle block of axes with the trailing block intact (a per-channel bias or BN scale against an
 * NHWC activation; [N, 1, 1, C] against [N, H, W, C]) and the trailing block is a multiple of 4 floats: SIMD kernels
 * of wasm/elementwise-module.ts on the heap, split across the kernel pool's threads when the op is big and a pool
 * runs. Everything else runs the previous (tfjs) kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendLike } from '../wasm/backend-like';
import { LaneList } from '../pool/kernel-pool';
import { ELEMENTWISE_FUNCTIONS, elementwiseSimdFor, type BroadcastOp } from '../wasm/elementwise-module';
import { LANE_BYTES, POOL_MIN_BYTES } from './pooled-lanes';
import { modulePoolFor } from '../pool/registry';
import { asTensor } from './tensor-util';
import { delegate, type Fallback } from './wasm-delegate';
import { accelOptions } from '../options';

/** How many ops ran on the SIMD kernels (tests check which inputs take them). */
export const wasmBroadcastStats = { simdCalls: 0 };

/**
 * [outer, mid, inner] when `small` (left-padded with 1s to the rank of `full`) equals `full` on a leading and a trailing
 * block of axes and is 1 on the axes between them (where `full` is not 1), else null. mid == 1 means no broadcast.
 */
export function broadcastBlocks(full: readonly number[], small: readonly number[]): [number, number, number] | null {
  if (small.length > full.length) return null;
  const s = [...new Array<number>(full.length - small.length).fill(1), ...small];
  // 0: leading equal block, 1: broadcast block, 2: trailing equal block
  let phase = 0;
  const size = [1, 1, 1];
  for (let d = 0; d < full.length; d++) {
    if (full[d] === 1) { if (s[d] !== 1) return null; continue; }
    const kind = s[d] === full[d] ? 'eq' : s[d] === 1 ? 'one' : null;
    if (kind == null) return null;
    if (kind === 'one') {
      if (phase === 2) return null;
      phase = 1;
    } else if (phase === 1) {
      phase = 2;
    }
    size[phase === 0 && kind === 'eq' ? 0 : kind === 'one' ? 1 : 2] *= full[d];
  }
  return [size[0], size[1], size[2]];
}

const KERNELS: readonly [string, BroadcastOp, boolean][] = [
  [tf.Add, 'Add', true], [tf.Sub, 'Sub', false], [tf.Multiply, 'Mul', true], [tf.RealDiv, 'Div', false],
];

const ptr = (b: WasmBackendLike, info: tf.TensorInfo): number => heapOffset(b, info, 'wasm broadcast op');

/**
 * The lanes of a big broadcast op for the kernel pool: whole rows within one outer block (the broadcast operand's row
 * is fixed by the block), about LANE_BYTES each.
 */
export function broadcastLanes(name: string, pf: number, ps: number, po: number, outer: number, mid: number, ib: number): LaneList {
  const id = ELEMENTWISE_FUNCTIONS.indexOf(name);
  if (id < 0) throw new Error(`broadcastLanes: no kernel ${name}`);
  const rowsPerLane = Math.max(1, Math.floor(LANE_BYTES / ib));
  const list = new LaneList();
  for (let o = 0; o < outer; o++) {
    for (let m0 = 0; m0 < mid; m0 += rowsPerLane) {
      const at = (o * mid + m0) * ib;
      list.lane().call(id, pf + at, ps + o * ib, po + at, 1, Math.min(rowsPerLane, mid - m0), ib);
    }
  }
  return list;
}

/** The four kernels (see the file comment); `fallback` gives tfjs's. */
export function wasmBroadcastConfigs(fallback: Fallback): tf.KernelConfig[] {
  return KERNELS.map(([kernelName, op, commutative]) => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (params) => {
      const a = asTensor<tf.Rank>(params.inputs.a, 'a');
      const bt = asTensor<tf.Rank>(params.inputs.b, 'b');
      const b = params.backend as WasmBackendLike;
      const simd = accelOptions().wasmBroadcast && a.dtype === 'float32' && bt.dtype === 'float32' ? elementwiseSimdFor(b.wasm?.asm?.memory) : null;
      if (simd != null) {
        const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, bt.shape);
        const sameAs = (t: tf.Tensor) => t.shape.length === outShape.length && t.shape.every((v, i) => v === outShape[i]);
        // f: the full operand; the other broadcasts. Equal shapes (mid 1) stay with tfjs (XNNPACK's fast path).
        const [f, small, left] = sameAs(a) ? [a, bt, false] : sameAs(bt) ? [bt, a, true] : [null, null, false];
        const blocks = f && small ? broadcastBlocks(outShape, small.shape) : null;
        if (f && small && blocks && blocks[1] > 1 && blocks[2] % 4 === 0 && f.size > 0) {
          const out = b.makeOutput(outShape, 'float32');
          const name = `bc${op}${left && !commutative ? 'L' : ''}`;
          const [pf, ps, po] = [ptr(b, f), ptr(b, small), ptr(b, out)];
          const [outer, mid, ib] = [blocks[0], blocks[1], blocks[2] * 4];
          const pool = outer * mid * ib >= POOL_MIN_BYTES ? modulePoolFor(b.wasm?.asm?.memory, 'elementwise') : null;
          if (pool == null) {
            simd[name](pf, ps, po, outer, mid, ib);
          } else {
            const list = broadcastLanes(name, pf, ps, po, outer, mid, ib);
            pool.run(list);
          }
          wasmBroadcastStats.simdCalls++;
          return out;
        }
      }
      return delegate(fallback, kernelName, params);
    },
  }));
}
