/** Small dataset files made in the test: IDX pairs from a learnable synthetic set, CIFAR batches, a ustar archive. */
import { encodeCifarBatch } from '../../src/engine/data/cifar';
import { encodeIdxImages, encodeIdxLabels } from '../../src/engine/data/idx';
import { quadrantDataset } from './synthetic';

/** quadrantDataset(count, size, seed) as an IDX images file and labels file. */
export function idxPairBytes(count: number, size: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const ds = quadrantDataset(count, size, seed);
  return { images: encodeIdxImages(ds.images, count, size, size), labels: encodeIdxLabels(ds.labels) };
}

/** A CIFAR-10 batch of `count` records whose labels are i % classes and pixels a function of (seed, i). */
export function cifarBatchBytes(count: number, seed: number, classes = 10): Uint8Array {
  const images = new Uint8Array(count * 3072);
  for (let i = 0; i < images.length; i++) images[i] = (i * 31 + seed * 17) & 0xff;
  const labels = Uint8Array.from({ length: count }, (_, i) => i % classes);
  return encodeCifarBatch(images, labels);
}

/** Minimal ustar writer. */
export function ustar(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const f of files) {
    const h = new Uint8Array(512);
    const put = (s: string, o: number): void => {
      for (let i = 0; i < s.length; i++) h[o + i] = s.charCodeAt(i);
    };
    put(f.name, 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(f.data.length.toString(8).padStart(11, '0') + '\0', 124);
    put('00000000000\0', 136);
    put('        ', 148);
    h[156] = 48;
    put('ustar\0', 257);
    put('00', 263);
    const sum = h.reduce((s, x) => s + x, 0);
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, f.data, new Uint8Array((512 - (f.data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
