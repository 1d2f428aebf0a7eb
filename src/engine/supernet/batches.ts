/**
 * Seeded mini-batch streams over a TensorSplit with a serialisable position, so that a search restored from a
 * checkpoint draws exactly the batches the uninterrupted one would have. Each pass over the data is a fresh
 * shuffle; the last batch of a pass may be smaller (PyTorch's DataLoader with drop_last=False).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorSplit } from '../evaluator/tensors';
import { createRng, createRngFromState, type Rng, type RngState } from '../util/rng';

export interface BatchStreamState {
  readonly rng: RngState;
  readonly order: number[];
  readonly pos: number;
  /** Completed passes over the data. */
  readonly passes: number;
}

export class BatchStream {
  private rng: Rng;
  private order: number[] = [];
  private pos = 0;
  private passes = -1;

  constructor(readonly count: number, readonly batchSize: number, seed: number) {
    if (!(count >= 1)) throw new Error(`BatchStream: the split is empty`);
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`BatchStream: batch size must be a positive integer, got ${batchSize}`);
    this.rng = createRng(seed);
  }

  /** Batches per pass. */
  get batchesPerPass(): number {
    return Math.ceil(this.count / this.batchSize);
  }

  /** Indices of the next batch. */
  next(): number[] {
    if (this.pos >= this.order.length) {
      this.order = this.rng.shuffle(Array.from({ length: this.count }, (_, i) => i));
      this.pos = 0;
      this.passes++;
    }
    const out = this.order.slice(this.pos, this.pos + this.batchSize);
    this.pos += out.length;
    return out;
  }

  state(): BatchStreamState {
    return { rng: this.rng.state(), order: this.order.slice(), pos: this.pos, passes: this.passes };
  }

  loadState(s: BatchStreamState): void {
    if (!Array.isArray(s.order) || !s.order.every((i) => Number.isInteger(i) && i >= 0 && i < this.count)) {
      throw new Error(`BatchStream.loadState: the stored order does not fit a split of ${this.count} samples`);
    }
    this.rng = createRngFromState(s.rng);
    this.order = s.order.slice();
    this.pos = s.pos;
    this.passes = s.passes;
  }
}

/** The samples at `indices` as [N, H, W, C] images and int32 labels (caller disposes). */
export function gatherBatch(split: TensorSplit, indices: readonly number[]): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const idx = tf.tensor1d(indices as number[], 'int32');
    return { x: tf.gather(split.x, idx) as tf.Tensor4D, y: tf.gather(split.y, idx) as tf.Tensor1D };
  });
}

/** Consecutive slices [start, start + size) of a split (evaluation order; caller disposes). */
export function sliceBatch(split: TensorSplit, start: number, size: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const n = Math.min(size, split.count - start);
  return tf.tidy(() => ({
    x: tf.slice(split.x, [start, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D,
    y: tf.slice(split.y, [start], [n]) as tf.Tensor1D,
  }));
}
