import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, datasetErrorFromInfo } from '../../src/engine/data/errors';
import { readAll } from '../../src/engine/data/web-streams';
import { gunzip, isGzip, maybeGunzip } from '../../src/engine/data/gzip';
import {
  MNIST_CLASSES,
  encodeIdxImages,
  encodeIdxLabels,
  idxToDataset,
  loadIdxDataset,
  parseIdxImages,
  parseIdxLabels,
} from '../../src/engine/data/idx';

function tinyIdx(count = 5, rows = 4, cols = 3) {
  const pixels = new Uint8Array(count * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + 11) & 255;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = (i * 3) % 10;
  return { pixels, labels, images: encodeIdxImages(pixels, count, rows, cols), labelBytes: encodeIdxLabels(labels) };
}

function expectCode(fn: () => unknown, code: string, ...fragments: string[]): DatasetFormatError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetFormatError);
  const e = err as DatasetFormatError;
  expect(e.code).toBe(code);
  for (const f of fragments) expect(e.message).toContain(f);
  return e;
}

async function expectCodeAsync(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<DatasetFormatError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DatasetFormatError);
  const d = e as DatasetFormatError;
  expect(d.code).toBe(code);
  for (const f of fragments) expect(d.message).toContain(f);
  return d;
}

describe('IDX parser', () => {
  it('round-trips images and labels written in the real format', () => {
    const t = tinyIdx();
    expect(Array.from(t.images.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 3]);
    expect(Array.from(t.labelBytes.subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0, 5]);
    const img = parseIdxImages(t.images);
    expect(img).toMatchObject({ count: 5, rows: 4, cols: 3 });
    expect(Array.from(img.pixels)).toEqual(Array.from(t.pixels));
    const lab = parseIdxLabels(t.labelBytes);
    expect(Array.from(lab)).toEqual([0, 3, 6, 9, 2]);
    const ds = idxToDataset(img, lab, 'tiny', MNIST_CLASSES);
    expect(ds.shape).toEqual([4, 3, 1]);
    expect(ds.count).toBe(5);
    expect(ds.classes).toEqual(MNIST_CLASSES);
    expect(ds.images.length).toBe(60);
  });

  it('defaults class names to 0..max label', () => {
    const t = tinyIdx(3);
    const ds = idxToDataset(parseIdxImages(t.images), parseIdxLabels(t.labelBytes), 'x');
    expect(ds.classes).toEqual(['0', '1', '2', '3', '4', '5', '6']);
  });

  it('reports truncation with the header numbers and the real size', () => {
    const bytes = new Uint8Array(1_000_000);
    bytes.set([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]);
    expectCode(
      () => parseIdxImages(bytes, 'train-images.idx3-ubyte'),
      'truncated',
      'train-images.idx3-ubyte: truncated: header says 60,000 images of 28x28 (47,040,016 bytes) but the file has 1,000,000 bytes',
    );
  });

  it('rejects wrong magic, label-file-as-images, absurd dims, trailing bytes', () => {
    const t = tinyIdx();
    const bad = t.images.slice();
    bad[0] = 0x50;
    expectCode(() => parseIdxImages(bad, 'a.idx'), 'bad-magic', 'a.idx', '50 00 08 03');
    expectCode(() => parseIdxImages(t.labelBytes, 'l.idx'), 'bad-magic', 'looks like a label file');
    expectCode(() => parseIdxLabels(t.images, 'i.idx'), 'bad-magic', 'looks like an image file');
    const huge = encodeIdxImages(new Uint8Array(0), 0, 1, 1);
    huge.set([0, 0, 0x27, 0x10, 0, 0, 0x27, 0x10], 8);
    expectCode(() => parseIdxImages(huge, 'h.idx'), 'absurd-dimensions', '10,000x10,000');
    const big = t.images.slice();
    big.set([0x7f, 0xff, 0xff, 0xff], 4);
    big.set([0, 0, 1, 0, 0, 0, 1, 0], 8);
    expectCode(() => parseIdxImages(big, 'b.idx'), 'absurd-dimensions', 'over the');
    const extra = new Uint8Array(t.images.length + 7);
    extra.set(t.images);
    expectCode(() => parseIdxImages(extra, 'e.idx'), 'count-mismatch', '7 bytes extra');
    expectCode(() => parseIdxLabels(new Uint8Array(0), 'z.idx'), 'empty-file', 'z.idx');
    const float = t.images.slice();
    float[2] = 0x0d;
    expectCode(() => parseIdxImages(float, 'f.idx'), 'unsupported', 'float');
  });

  it('rejects image/label count mismatch and out-of-range labels', () => {
    const t = tinyIdx(5);
    const img = parseIdxImages(t.images);
    expectCode(() => idxToDataset(img, new Uint8Array(4), 'x', MNIST_CLASSES), 'count-mismatch', '4 labels', '5 images');
    expectCode(() => idxToDataset(img, new Uint8Array([0, 1, 2, 12, 1]), 'x', MNIST_CLASSES), 'bad-label', 'label 12 at index 3');
  });
});

describe('gzip', () => {
  it('gunzips through DecompressionStream and detects the header', async () => {
    const data = new Uint8Array(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    const gz = gzipSync(data);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(data)).toBe(false);
    const out = await gunzip(gz);
    expect(out.length).toBe(data.length);
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    expect(await maybeGunzip(data)).toBe(data);
  });

  it('loads a gzip IDX pair and a plain one identically', async () => {
    const t = tinyIdx(20, 28, 28);
    const a = await loadIdxDataset({ name: 'i.gz', bytes: gzipSync(t.images) }, { name: 'l.gz', bytes: gzipSync(t.labelBytes) }, 'm', MNIST_CLASSES);
    const b = await loadIdxDataset({ name: 'i', bytes: t.images }, { name: 'l', bytes: t.labelBytes }, 'm', MNIST_CLASSES);
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it('classifies bad, truncated, bomb-like and non-gzip input', async () => {
    const gz = gzipSync(new Uint8Array(50_000).map((_, i) => (i * 13) & 255));
    await expectCodeAsync(gunzip(gz.subarray(0, gz.length - 30), { name: 't.gz' }), 'truncated', 't.gz');
    const corrupt = gz.slice();
    for (let i = 12; i < 40; i++) corrupt[i] ^= 0xa5;
    await expectCodeAsync(gunzip(corrupt, { name: 'c.gz' }), 'bad-gzip', 'c.gz: bad gzip: corrupt gzip data');
    await expectCodeAsync(gunzip(new Uint8Array([1, 2, 3]), { name: 'n.gz' }), 'bad-gzip', 'expected 1f 8b');
    await expectCodeAsync(gunzip(new Uint8Array(0), { name: 'e.gz' }), 'empty-file');
    const bomb = gzipSync(new Uint8Array(8_000_000), { level: 9 });
    await expectCodeAsync(gunzip(bomb, { name: 'b.gz' }), 'zip-bomb', 'b.gz');
    await expectCodeAsync(gunzip(gzipSync(new Uint8Array(5000).fill(1)), { name: 'm.gz', maxOutputBytes: 1000 }), 'zip-bomb', 'limit');
  });
});

describe('errors and byte sources', () => {
  it('survives a structured-clone round trip through toJSON', () => {
    const e = new DatasetFormatError('truncated', 'a.idx', 'header says 3 images');
    const info = structuredClone(e.toJSON());
    expect(info).toEqual({ name: 'DatasetFormatError', code: 'truncated', file: 'a.idx', message: 'a.idx: truncated: header says 3 images' });
    const back = datasetErrorFromInfo(info);
    expect(back).toBeInstanceOf(DatasetFormatError);
    expect(back.message).toBe(e.message);
    expect(back.code).toBe('truncated');
  });

  it('drains web ReadableStreams and async iterables of bytes', async () => {
    const parts = [Uint8Array.from([1, 2]), Uint8Array.from([3]), Uint8Array.from([4, 5, 6])];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(p);
        c.close();
      },
    });
    expect(Array.from(await readAll(stream))).toEqual([1, 2, 3, 4, 5, 6]);
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield* parts;
    }
    expect(Array.from(await readAll(gen()))).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(readAll(gen(), 4)).rejects.toThrow(/exceeds 4 bytes/);
  });
});
