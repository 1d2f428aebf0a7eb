/** Turning a stored uint8 dataset into normalised float tensors, once per evaluator. */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataset } from '../data/types';

export interface TensorSplit {
  readonly x: tf.Tensor4D;
  /** int32 class indices. */
  readonly y: tf.Tensor1D;
  readonly count: number;
}

/** Per-channel mean and std of the given images (0..1 scale), for normalisation. */
export function channelStats(ds: ImageDataset, indices: ArrayLike<number>): { mean: number[]; std: number[] } {
  const [h, w, c] = ds.shape;
  const px = h * w;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let k = 0; k < indices.length; k++) {
    const base = indices[k] * px * c;
    for (let p = 0; p < px; p++) {
      for (let ch = 0; ch < c; ch++) {
        const v = ds.images[base + p * c + ch] / 255;
        sum[ch] += v;
        sq[ch] += v * v;
      }
    }
  }
  const n = Math.max(1, indices.length * px);
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, ch) => Math.sqrt(Math.max(1e-8, s / n - mean[ch] * mean[ch])));
  return { mean, std };
}

export function toTensorSplit(ds: ImageDataset, indices: ArrayLike<number>, stats: { mean: number[]; std: number[] }): TensorSplit {
  const [h, w, c] = ds.shape;
  const size = h * w * c;
  const values = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * size;
    labels[k] = ds.labels[indices[k]];
    for (let i = 0; i < size; i++) {
      const ch = i % c;
      values[k * size + i] = (ds.images[src + i] / 255 - stats.mean[ch]) / stats.std[ch];
    }
  }
  return {
    x: tf.tensor4d(values, [indices.length, h, w, c]),
    y: tf.tensor1d(labels, 'int32'),
    count: indices.length,
  };
}

export function disposeSplit(s: TensorSplit): void {
  s.x.dispose();
  s.y.dispose();
}
