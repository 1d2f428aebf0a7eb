/**
 * A faster Transpose for the CPU backend.
 *
 * Why: the tfjs 4.22 CPU Transpose converts every element's flat index to coordinates and back (~100+ ns per
 * element), and the conv gradients (conv-backprop-filter.ts) transpose whole activations twice per step, which cost
 * ~0.4 s of a small CNN's CPU step. This one walks the output in order with an odometer over the input strides
 * (a few ns per element). Numeric and bool tensors only; anything else goes to the previous (tfjs) kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './tensor-util';

type Numeric = Float32Array | Int32Array | Uint8Array;

export function transposeValues<T extends Numeric>(x: T, shape: number[], perm: number[], out: T): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d];
  }
  const outShape = perm.map((p) => shape[p]);
  const step = perm.map((p) => inStrides[p]); // input offset change per unit of each output axis
  const last = rank - 1;
  const inner = outShape[last];
  const innerStep = step[last];
  const coord = new Array<number>(rank).fill(0);
  const total = out.length;
  let src = 0;
  for (let o = 0; o < total; o += inner) {
    if (innerStep === 1) {
      for (let j = 0; j < inner; j++) out[o + j] = x[src + j];
    } else {
      for (let j = 0, k = src; j < inner; j++, k += innerStep) out[o + j] = x[k];
    }
    // Advance the odometer over the outer output axes.
    for (let d = last - 1; d >= 0; d--) {
      coord[d]++;
      src += step[d];
      if (coord[d] < outShape[d]) break;
      src -= step[d] * outShape[d];
      coord[d] = 0;
    }
  }
}

/** `Transpose` for the cpu backend; `fallback` returns the kernel to use for dtypes this one does not handle. */
export function cpuTransposeConfig(fallback: () => tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Transpose,
    backendName: 'cpu',
    kernelFunc: (params) => {
      const x = asTensor<tf.Rank>(params.inputs.x, 'x');
      const perm = (params.attrs as unknown as { perm: number[] }).perm;
      if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') {
        const previous = fallback();
        if (previous == null) throw new Error(`Transpose (cpu, custom): dtype ${x.dtype} unsupported`);
        return previous.kernelFunc(params);
      }
      const values = x.dataSync() as Numeric;
      const out = new (values.constructor as new (n: number) => Numeric)(values.length);
      transposeValues(values, x.shape, perm, out);
      return tf.tensor(out, perm.map((p) => x.shape[p]), x.dtype);
    },
  };
}
