/** Tiny learnable image datasets made in the test, for engine tests that need real training. */
import type { ImageDataset } from '../../src/engine/data/types';
import { channelStats, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { createRng } from '../../src/engine/util/rng';

/** Two classes: a bright square in the top-left vs the bottom-right quadrant, plus noise. */
export function quadrantDataset(count: number, size: number, seed: number): ImageDataset {
  const rng = createRng(seed);
  const images = new Uint8Array(count * size * size);
  const labels = new Uint8Array(count);
  const half = size >> 1;
  for (let n = 0; n < count; n++) {
    const label = n % 2;
    labels[n] = label;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const inSquare = label === 0 ? r < half && c < half : r >= half && c >= half;
        const v = (inSquare ? 170 : 60) + rng.normal() * 30;
        images[n * size * size + r * size + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { name: 'quadrants', classes: ['top-left', 'bottom-right'], shape: [size, size, 1], count, images, labels };
}

/**
 * quadrantDataset(count, 8, seed) as tensors: the first `trainCount` images for training, the rest for
 * validation, both normalised with the channel statistics of all `count` images. Needs a backend set.
 */
export function quadrantSplits(count: number, trainCount: number, seed: number): { train: TensorSplit; valid: TensorSplit } {
  const ds = quadrantDataset(count, 8, seed);
  const idx = Array.from({ length: count }, (_, i) => i);
  const stats = channelStats(ds, idx);
  return { train: toTensorSplit(ds, idx.slice(0, trainCount), stats), valid: toTensorSplit(ds, idx.slice(trainCount), stats) };
}

/** Deterministic pseudo-random values in [-amp, amp) from a linear congruential generator; `decimals`: rounded to that many. */
export function lcgValues(n: number, seed: number, amp = 1, decimals?: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = ((s / 2 ** 32) * 2 - 1) * amp;
    out[i] = decimals === undefined ? v : Math.round(v * 10 ** decimals) / 10 ** decimals;
  }
  return out;
}
