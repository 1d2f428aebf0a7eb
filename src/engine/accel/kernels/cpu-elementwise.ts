/**
 * Faster float32 broadcasting Add/Sub/Multiply/RealDiv and Sum/Mean for the CPU backend.
 *
 * Why: once the convs are GEMMs, a small CNN's CPU step is dominated by tfjs 4.22's generic CPU element-wise and
 * reduction kernels: a broadcast multiply (the GAP / mean gradient, [64,1,1,32] x [64,24,24,32]) takes ~0.35 s
 * and a sum over the outer axes (every bias gradient) ~0.25 s, because they convert each element's flat index to
 * coordinates and back, or transpose first. These walk the output (or input) in order with an odometer over
 * broadcast strides. Only float32 inputs take this path; everything else goes to the previous (tfjs) kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './tensor-util';

type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/** Row-major strides of `shape` right-aligned to `rank`, with 0 where the dimension is broadcast (size 1). */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1, d = rank - 1; i >= 0; i--, d--) {
    strides[d] = shape[i] === 1 && outShape[d] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

function run(op: BinaryOp, out: Float32Array, o: number, a: Float32Array, ai: number, as: number,
  b: Float32Array, bi: number, bs: number, n: number): void {
  switch (op) {
    case 'add': for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] + b[bi]; break;
    case 'sub': for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] - b[bi]; break;
    case 'mul': for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] * b[bi]; break;
    case 'div': for (let j = 0; j < n; j++, ai += as, bi += bs) out[o + j] = a[ai] / b[bi]; break;
  }
}

export function broadcastBinary(op: BinaryOp, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[]):
  { values: Float32Array; shape: number[] } {
  const shape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  const size = shape.reduce((x, y) => x * y, 1);
  const out = new Float32Array(size);
  if (size === 0) return { values: out, shape };
  if (a.length === size && b.length === size) {
    run(op, out, 0, a, 0, 1, b, 0, 1, size);
    return { values: out, shape };
  }
  if (b.length === 1 && a.length === size) {
    run(op, out, 0, a, 0, 1, b, 0, 0, size);
    return { values: out, shape };
  }
  if (a.length === 1 && b.length === size) {
    run(op, out, 0, a, 0, 0, b, 0, 1, size);
    return { values: out, shape };
  }
  const rank = shape.length;
  const as = broadcastStrides(aShape, shape);
  const bs = broadcastStrides(bShape, shape);
  const last = rank - 1;
  const inner = shape[last];
  const coord = new Array<number>(rank).fill(0);
  let ai = 0;
  let bi = 0;
  for (let o = 0; o < size; o += inner) {
    run(op, out, o, a, ai, as[last], b, bi, bs[last], inner);
    for (let d = last - 1; d >= 0; d--) {
      coord[d]++;
      ai += as[d];
      bi += bs[d];
      if (coord[d] < shape[d]) break;
      ai -= as[d] * shape[d];
      bi -= bs[d] * shape[d];
      coord[d] = 0;
    }
  }
  return { values: out, shape };
}

/** Sum (or mean) of a float32 array over `axes` (normalised, any order), accumulating in float64. */
export function reduceSum(x: Float32Array, shape: number[], axes: number[], mean: boolean): Float32Array {
  const rank = shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const ax of axes) reduced[ax] = true;
  const outStrides = new Array<number>(rank).fill(0);
  let outSize = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (!reduced[d]) {
      outStrides[d] = outSize;
      outSize *= shape[d];
    }
  }
  const acc = new Float64Array(outSize);
  const size = x.length;
  if (rank === 0 || size === 0) {
    if (size > 0) acc[0] = x[0];
  } else {
    const last = rank - 1;
    const inner = shape[last];
    const innerStep = outStrides[last];
    const coord = new Array<number>(rank).fill(0);
    let oi = 0;
    for (let i = 0; i < size; i += inner) {
      if (innerStep === 0) {
        let s = 0;
        for (let j = 0; j < inner; j++) s += x[i + j];
        acc[oi] += s;
      } else {
        for (let j = 0; j < inner; j++) acc[oi + j * innerStep] += x[i + j];
      }
      for (let d = last - 1; d >= 0; d--) {
        coord[d]++;
        oi += outStrides[d];
        if (coord[d] < shape[d]) break;
        oi -= outStrides[d] * shape[d];
        coord[d] = 0;
      }
    }
  }
  const count = outSize === 0 ? 1 : size / outSize;
  const out = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) out[i] = mean ? acc[i] / count : acc[i];
  return out;
}

const BINARY: ReadonlyArray<[string, BinaryOp]> = [
  [tf.Add, 'add'], [tf.Sub, 'sub'], [tf.Multiply, 'mul'], [tf.RealDiv, 'div'],
];

type Fallback = (kernelName: string) => tf.KernelConfig | undefined;

function delegate(fallback: Fallback, name: string, params: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const previous = fallback(name);
  if (previous == null) throw new Error(`${name} (cpu, custom): input not supported and no previous kernel`);
  return previous.kernelFunc(params);
}

/** Add, Sub, Multiply, RealDiv for the cpu backend (float32 only; other dtypes -> `fallback`). */
export function cpuBinaryConfigs(fallback: Fallback): tf.KernelConfig[] {
  return BINARY.map(([kernelName, op]) => ({
    kernelName,
    backendName: 'cpu',
    kernelFunc: (params) => {
      const a = asTensor<tf.Rank>(params.inputs.a, 'a');
      const b = asTensor<tf.Rank>(params.inputs.b, 'b');
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return delegate(fallback, kernelName, params);
      const r = broadcastBinary(op, a.dataSync() as Float32Array, a.shape, b.dataSync() as Float32Array, b.shape);
      return tf.tensor(r.values, r.shape, 'float32');
    },
  }));
}

/** Sum and Mean for the cpu backend (float32 only; other dtypes -> `fallback`). */
export function cpuReduceConfigs(fallback: Fallback): tf.KernelConfig[] {
  return ([[tf.Sum, false], [tf.Mean, true]] as const).map(([kernelName, mean]) => ({
    kernelName,
    backendName: 'cpu',
    kernelFunc: (params) => {
      const x = asTensor<tf.Rank>(params.inputs.x, 'x');
      if (x.dtype !== 'float32') return delegate(fallback, kernelName, params);
      const { axis, keepDims } = params.attrs as unknown as { axis: number | number[]; keepDims?: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const values = reduceSum(x.dataSync() as Float32Array, x.shape, axes, mean);
      const shape = keepDims
        ? x.shape.map((s, d) => (axes.includes(d) ? 1 : s))
        : x.shape.filter((_, d) => !axes.includes(d));
      return tf.tensor(values, shape, 'float32');
    },
  }));
}
