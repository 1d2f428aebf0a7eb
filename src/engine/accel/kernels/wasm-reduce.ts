/**
 * Sum and Mean for the WASM backend over a contiguous block of axes followed by channels that are a multiple of 4
 * (a bias gradient: sum of dy over [N, H, W]; global average pooling: mean over [H, W]), as SIMD column sums on the
 * heap (wasm/fused-module.ts colSum). tfjs's wasm Sum/Mean first transpose the reduced axes innermost (a full copy), then
 * reduce with scalar code; on the small CNN training step that was ~10% of the step. Anything else (other axes,
 * other dtypes, no SIMD) runs the previous (tfjs) kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike as WasmLike } from '../wasm/backend-like';
import { simdKernelsFor } from '../wasm/fused-module';
import { asTensor } from './tensor-util';
import { delegate, type Fallback } from './wasm-delegate';
import { accelOptions } from '../options';


/**
 * Rows per chunk of a column sum over rows of `c` channels: ~32 KiB of input per chunk, which stays in cache across the
 * columns; the chunks' partial sums are then added in chunk order (a two-level, more accurate sum).
 */
export function columnSumChunkRows(c: number): number {
  return Math.max(1, Math.floor(8192 / c));
}

/** [outer, rows, c] when `axes` (sorted) are one contiguous block of `shape`, else null. */
export function reduceBlock(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  const prod = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  const [first, last] = [sorted[0], sorted[sorted.length - 1]];
  return [prod(0, first), prod(first, last + 1), prod(last + 1, shape.length)];
}

/** Sum and Mean for the wasm backend (see the file comment); `fallback` gives tfjs's kernel. */
export function wasmReduceConfigs(fallback: Fallback): tf.KernelConfig[] {
  return ([[tf.Sum, false], [tf.Mean, true]] as const).map(([kernelName, mean]) => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (params) => {
      const x = asTensor<tf.Rank>(params.inputs.x, 'x');
      const { axis, keepDims } = params.attrs as unknown as { axis: number | number[]; keepDims?: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const block = reduceBlock(x.shape, axes);
      const b = params.backend as WasmLike;
      const simd = accelOptions().wasmReduce && x.dtype === 'float32' ? simdKernelsFor(b.wasm?.asm?.memory) : null;
      if (simd == null || block == null || block[2] % 4 !== 0 || block[1] === 0) return delegate(fallback, kernelName, params);
      const [outer, rows, c] = block;
      const shape = keepDims ? x.shape.map((s, d) => (axes.includes(d) ? 1 : s)) : x.shape.filter((_, d) => !axes.includes(d));
      const out = b.makeOutput(shape, 'float32');
      const px = b.dataIdMap.get(x.dataId)?.memoryOffset;
      const po = b.dataIdMap.get(out.dataId)?.memoryOffset;
      if (px == null || po == null) throw new Error(`${kernelName} (wasm, custom): tensor is not on the wasm backend`);
      // colSum walks one 4-channel column at a time down all rows: sum chunks into a scratch of partial sums, then those.
      const chunk = columnSumChunkRows(c);
      const nChunks = Math.ceil(rows / chunk);
      const scratch = nChunks > 1 ? b.makeOutput([nChunks, c], 'float32') : null;
      const ps = scratch ? b.dataIdMap.get(scratch.dataId)?.memoryOffset ?? 0 : 0;
      for (let o = 0; o < outer; o++) {
        const base = px + o * rows * c * 4;
        if (scratch == null) {
          simd.colSum(base, po + o * c * 4, rows, c);
          continue;
        }
        for (let k = 0; k < nChunks; k++) simd.colSum(base + k * chunk * c * 4, ps + k * c * 4, Math.min(chunk, rows - k * chunk), c);
        simd.colSum(ps, po + o * c * 4, nChunks, c);
      }
      if (scratch) b.disposeData(scratch.dataId);
      if (mean) simd.scale(po, po, 1 / rows, outer * c);
      return out;
    },
  }));
}
