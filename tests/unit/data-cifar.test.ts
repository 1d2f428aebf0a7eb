import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, encodeCifarBatch, loadCifarDataset, parseCifarBatch } from '../../src/engine/data/cifar';
import { DatasetFormatError } from '../../src/engine/data/errors';
import { sniffDatasetFile } from '../../src/engine/data/sniff';
import { ustar } from '../helpers/dataset-files';

/** A raw CIFAR-10 record built by hand: label, then the R plane, G plane, B plane (each 32x32 row-major). */
function record(label: number, r: (p: number) => number, g: (p: number) => number, b: (p: number) => number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  for (let p = 0; p < 1024; p++) {
    rec[1 + p] = r(p);
    rec[1 + 1024 + p] = g(p);
    rec[1 + 2048 + p] = b(p);
  }
  return rec;
}

const tar = ustar;

describe('CIFAR binary batches', () => {
  it('converts CHW planes to HWC', () => {
    // Pixel p = y*32+x: R = x*8, G = y*8, B = 200 everywhere except pixel (y=3, x=5) where B = 7.
    const rec = record(6, (p) => (p % 32) * 8, (p) => (p >> 5) * 8, (p) => (p === 3 * 32 + 5 ? 7 : 200));
    const b = parseCifarBatch(rec, 'one.bin');
    expect(b.count).toBe(1);
    expect(b.labels[0]).toBe(6);
    const at = (y: number, x: number): number[] => Array.from(b.images.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([0, 0, 200]);
    expect(at(3, 5)).toEqual([40, 24, 7]);
    expect(at(31, 31)).toEqual([248, 248, 200]);
  });

  it('round-trips encode/parse and concatenates several files in order', async () => {
    const mk = (n: number, seed: number): { images: Uint8Array; labels: Uint8Array } => ({
      images: Uint8Array.from({ length: n * 3072 }, (_, i) => (i * seed + (i >> 7)) & 255),
      labels: Uint8Array.from({ length: n }, (_, i) => (i * seed) % 10),
    });
    const a = mk(3, 7);
    const b = mk(2, 11);
    const fileA = encodeCifarBatch(a.images, a.labels);
    expect(fileA.length).toBe(3 * 3073);
    const parsed = parseCifarBatch(fileA);
    expect(Buffer.from(parsed.images).equals(Buffer.from(a.images))).toBe(true);
    const { dataset, sources } = await loadCifarDataset(
      [{ name: 'data_batch_1.bin', bytes: fileA }, { name: 'test_batch.bin.gz', bytes: gzipSync(encodeCifarBatch(b.images, b.labels)) }],
      'cifar-mini',
    );
    expect(dataset.count).toBe(5);
    expect(dataset.shape).toEqual([32, 32, 3]);
    expect(dataset.classes).toEqual(CIFAR10_CLASSES);
    expect(Array.from(dataset.labels)).toEqual([...a.labels, ...b.labels]);
    expect(Buffer.from(dataset.images.subarray(3 * 3072)).equals(Buffer.from(b.images))).toBe(true);
    expect(Array.from(dataset.fields!.file)).toEqual([0, 0, 0, 1, 1]);
    expect(sources).toEqual([
      { name: 'data_batch_1.bin', start: 0, count: 3 },
      { name: 'test_batch.bin.gz', start: 3, count: 2 },
    ]);
  });

  it('reads the official tar.gz layout in batch order, with class names from batches.meta.txt', async () => {
    const one = (label: number): Uint8Array => record(label, () => label, () => 0, () => 0);
    const names = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'];
    const archive = tar([
      { name: 'cifar-10-batches-bin/test_batch.bin', data: one(9) },
      { name: 'cifar-10-batches-bin/data_batch_2.bin', data: one(2) },
      { name: 'cifar-10-batches-bin/batches.meta.txt', data: Uint8Array.from(names.join('\n') + '\n\n', (c) => c.charCodeAt(0)) },
      { name: 'cifar-10-batches-bin/data_batch_1.bin', data: one(1) },
    ]);
    const gz = gzipSync(archive);
    expect(sniffDatasetFile('cifar-10-binary.tar.gz', gz)).toBe('gzip');
    expect(sniffDatasetFile('cifar-10-binary.tar', archive)).toBe('tar');
    const { dataset, sources } = await loadCifarDataset([{ name: 'cifar-10-binary.tar.gz', bytes: gz }]);
    expect(Array.from(dataset.labels)).toEqual([1, 2, 9]);
    expect(dataset.classes).toEqual(names);
    expect(sources.map((s) => s.name)).toEqual([
      'cifar-10-binary.tar.gz/cifar-10-batches-bin/data_batch_1.bin',
      'cifar-10-binary.tar.gz/cifar-10-batches-bin/data_batch_2.bin',
      'cifar-10-binary.tar.gz/cifar-10-batches-bin/test_batch.bin',
    ]);
    expect(dataset.images[(2 * 1024 + 17) * 3]).toBe(9);
  });

  it('supports CIFAR-100 fine and coarse labels', () => {
    const rec = new Uint8Array(3074 * 2);
    rec[0] = 4; // coarse
    rec[1] = 87; // fine
    rec[3074] = 19;
    rec[3075] = 2;
    expect(Array.from(parseCifarBatch(rec, 'train.bin', 'cifar100-fine').labels)).toEqual([87, 2]);
    expect(Array.from(parseCifarBatch(rec, 'train.bin', 'cifar100-coarse').labels)).toEqual([4, 19]);
  });

  it('names the file and the arithmetic when the length is wrong', () => {
    let err: unknown;
    try {
      parseCifarBatch(new Uint8Array(3074 * 2), 'train.bin');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect((err as DatasetFormatError).code).toBe('truncated');
    expect((err as DatasetFormatError).message).toBe(
      'train.bin: truncated: the file has 6,148 bytes, not a whole number of 3,073-byte CIFAR-10 records (2 records + 2 bytes) (its length fits CIFAR-100 records of 3,074 bytes)',
    );
  });
});
