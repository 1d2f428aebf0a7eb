/**
 * Mini-batch assembly with augmentation, on the host: a random crop after zero padding (Krizhevsky et al. 2012;
 * the "pad 4, crop 32" of He et al., "Deep Residual Learning", CVPR 2016) and a horizontal flip with probability
 * 1/2. Zero is the normalised mean, so padding adds mean-grey borders. Every random draw comes from the rng
 * passed in, in a fixed order, so a resumed run draws the same crops and flips as an uninterrupted one.
 */
import type { Rng } from '../util/rng';

export interface HostImages {
  /** count * h * w * c normalised values, HWC per image. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly count: number;
  readonly shape: readonly [number, number, number];
}

export interface AugmentSettings {
  readonly cropPadding: number;
  readonly flip: boolean;
}

/** The images at `indices` as one [B, h, w, c] buffer, each randomly cropped and flipped per `aug`. */
export function assembleBatch(src: HostImages, indices: readonly number[], aug: AugmentSettings, rng: Rng): { x: Float32Array; y: Int32Array } {
  const [h, w, c] = src.shape;
  const size = h * w * c;
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  const p = aug.cropPadding;
  indices.forEach((idx, k) => {
    y[k] = src.y[idx];
    // Offsets into the padded image: 0..2p; dy = p is no shift.
    const dy = p > 0 ? rng.int(2 * p + 1) - p : 0;
    const dx = p > 0 ? rng.int(2 * p + 1) - p : 0;
    const flip = aug.flip && rng.next() < 0.5;
    const base = idx * size;
    const out = k * size;
    for (let r = 0; r < h; r++) {
      const sr = r + dy;
      if (sr < 0 || sr >= h) continue; // stays 0 (padding)
      for (let col = 0; col < w; col++) {
        const tc = flip ? w - 1 - col : col;
        const sc = tc + dx;
        if (sc < 0 || sc >= w) continue;
        const from = base + (sr * w + sc) * c;
        const to = out + (r * w + col) * c;
        for (let ch = 0; ch < c; ch++) x[to + ch] = src.x[from + ch];
      }
    }
  });
  return { x, y };
}
