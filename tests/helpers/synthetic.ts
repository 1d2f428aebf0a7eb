/** Tiny learnable image datasets made in the test, for engine tests that need real training. */
import type { ImageDataset } from '../../src/engine/data/types';
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
