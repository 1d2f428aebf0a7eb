/**
 * The streaming importers (issue 14 item 7) against the whole-array parsers: every malformed fixture gives the
 * same error code and the very same message through a stream, every good fixture the same dataset. Each file is
 * read twice: as a Node Blob, and through a stream that hands out 5-byte chunks (headers and records split across
 * chunk boundaries). Only the point at which a decompression bomb is caught ("-> over N bytes") may differ.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { decodePngForTests, type BadFixture, type GoodFixture } from '../../scripts/make-bad-fixtures';
import { cifarBatchBytes, idxPairBytes, ustar } from '../helpers/dataset-files';
import type { BlobLike } from '../../src/engine/data/blob-source';
import { DatasetFormatError } from '../../src/engine/data/errors';
import { loadIdxTrainTest } from '../../src/engine/data/official-test';
import { MNIST_CLASSES, readIdxImages, readIdxLabels } from '../../src/engine/data/idx';
import { loadCifarDataset, type CifarLoadOptions } from '../../src/engine/data/cifar';
import { streamCifarDataset } from '../../src/engine/data/cifar-stream';
import { datasetToZip } from '../../src/engine/data/export';
import { loadImageZip } from '../../src/engine/data/image-folder';
import type { ImageDataset } from '../../src/engine/data/types';
import { findZipDirectory, listZip, ZIP_TAIL_BYTES } from '../../src/engine/data/zip';
import { streamIdxImages, streamIdxLabels, streamIdxTrainTest } from '../../src/engine/data/idx-stream';

const root = path.resolve(__dirname, '../fixtures');
const badDir = path.join(root, 'bad-datasets');
const goodDir = path.join(root, 'good-datasets');
const bad = JSON.parse(readFileSync(path.join(badDir, 'manifest.json'), 'utf8')) as { fixtures: BadFixture[] };
const good = JSON.parse(readFileSync(path.join(goodDir, 'manifest.json'), 'utf8')) as { datasets: Record<string, GoodFixture> };
const read = (dir: string, f: string): Uint8Array => new Uint8Array(readFileSync(path.join(dir, f)));

/** A Blob whose stream hands out `chunk`-byte pieces. */
export function chunkyBlob(bytes: Uint8Array, chunk: number): BlobLike {
  return {
    size: bytes.length,
    slice: (start = 0, end = bytes.length) => chunkyBlob(bytes.slice(start, end), chunk),
    arrayBuffer: async () => bytes.slice().buffer,
    stream: () => {
      let o = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (o >= bytes.length) c.close();
          else {
            c.enqueue(bytes.slice(o, o + chunk));
            o += chunk;
          }
        },
      });
    },
  };
}

type Blobber = (b: Uint8Array) => BlobLike;
const BLOBS: [string, Blobber][] = [
  ['Blob', (b) => new Blob([new Uint8Array(b)])],
  ['5-byte chunks', (b) => chunkyBlob(b, 5)],
];

/** What a load gives: the dataset's essentials or the error's code and message. */
async function outcome(work: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: summary(await work()) };
  } catch (e) {
    if (!(e instanceof DatasetFormatError)) throw e;
    // Where a bomb is caught depends on the decompressor's output chunks: "over N bytes" may differ.
    return { code: e.code, message: e.message.replace(/-> over [\d,]+ bytes/, '-> over N bytes') };
  }
}

function summary(x: unknown): unknown {
  if (x instanceof Uint8Array) return { bytes: x.length, sum: x.reduce((s, v) => s + v, 0) };
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, summary(v)]));
  return x;
}

function whole(dir: string, fx: { format: string; file: string; images?: string }): () => Promise<unknown> {
  const n = (f: string) => ({ name: f, bytes: read(dir, f) });
  switch (fx.format) {
    case 'idx-images':
      return () => readIdxImages(read(dir, fx.file), fx.file);
    case 'idx-labels':
      return () => readIdxLabels(read(dir, fx.file), fx.file);
    case 'idx-pair':
      return () => loadIdxTrainTest([n(fx.images!), n(fx.file)], undefined, 'pair', MNIST_CLASSES);
    case 'cifar10':
      return () => loadCifarDataset([n(fx.file)], 'cifar');
    case 'image-zip':
      return async () => (await loadImageZip(read(dir, fx.file), { name: fx.file, decode, height: 8, width: 8 })).dataset;
    default:
      throw new Error(`no whole-array loader for ${fx.format}`);
  }
}

function streamed(dir: string, fx: { format: string; file: string; images?: string }, blob: Blobber): () => Promise<unknown> {
  const n = (f: string) => ({ name: f, blob: blob(read(dir, f)) });
  switch (fx.format) {
    case 'idx-images':
      return () => streamIdxImages(n(fx.file));
    case 'idx-labels':
      return () => streamIdxLabels(n(fx.file));
    case 'idx-pair':
      return () => streamIdxTrainTest([n(fx.images!), n(fx.file)], undefined, 'pair', MNIST_CLASSES);
    case 'cifar10':
      return () => streamCifarDataset([n(fx.file)], 'cifar');
    case 'image-zip':
      return async () => (await loadImageZip(blob(read(dir, fx.file)), { name: fx.file, decode, height: 8, width: 8 })).dataset;
    default:
      throw new Error(`no streaming loader for ${fx.format}`);
  }
}

const STREAMED_FORMATS = new Set(['idx-images', 'idx-labels', 'idx-pair', 'cifar10', 'image-zip']);
const decode = async (bytes: Uint8Array): Promise<{ width: number; height: number; rgba: Uint8Array }> => decodePngForTests(bytes);

describe('streamed imports give the whole-array parsers\' results and messages', () => {
  for (const fx of bad.fixtures.filter((f) => STREAMED_FORMATS.has(f.format))) {
    it(`bad ${fx.file} (${fx.code})`, async () => {
      const want = await outcome(whole(badDir, fx));
      expect(want).toHaveProperty('code', fx.code);
      for (const [label, blob] of BLOBS) expect(await outcome(streamed(badDir, fx, blob)), label).toEqual(want);
    });
  }
  for (const [key, g] of Object.entries(good.datasets).filter(([, g]) => STREAMED_FORMATS.has(g.format))) {
    it(`good ${key}`, async () => {
      const fx = { format: g.format, file: g.files[g.format === 'idx-pair' ? 1 : 0], images: g.files[0] };
      const want = await outcome(whole(goodDir, fx));
      expect(want).toHaveProperty('ok');
      for (const [label, blob] of BLOBS) expect(await outcome(streamed(goodDir, fx, blob)), label).toEqual(want);
    });
  }
});

/** Files with several parts: tar and tar.gz layouts, train + test pairs, faults inside archives. */
const enc = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0));
const batch = (n: number, seed: number): Uint8Array => cifarBatchBytes(n, seed);
const badLabel = (): Uint8Array => {
  const b = batch(3, 5);
  b[2 * 3073] = 12;
  return b;
};
const official = ustar([
  { name: 'cifar-10-batches-bin/test_batch.bin', data: batch(2, 9) },
  { name: 'cifar-10-batches-bin/data_batch_2.bin', data: batch(3, 2) },
  { name: 'cifar-10-batches-bin/batches.meta.txt', data: enc('a0\na1\na2\na3\na4\na5\na6\na7\na8\na9\n') },
  { name: 'cifar-10-batches-bin/data_batch_1.bin', data: batch(4, 1) },
]);
const cut = (b: Uint8Array, n: number): Uint8Array => b.slice(0, b.length - n);
const sizeField = (t: Uint8Array): Uint8Array => {
  const c = t.slice();
  c.set(enc('12x4567'), 124);
  return c;
};
type Files = { name: string; bytes: Uint8Array }[];
const CIFAR_CASES: [string, Files, CifarLoadOptions?][] = [
  ['official tar', [{ name: 'cifar-10-binary.tar', bytes: official }]],
  ['official tar.gz', [{ name: 'cifar-10-binary.tar.gz', bytes: gzipSync(official) }]],
  ['loose .bin and .bin.gz', [{ name: 'data_batch_1.bin', bytes: batch(3, 3) }, { name: 'test_batch.bin.gz', bytes: gzipSync(batch(2, 4)) }]],
  ['CIFAR-100 fine', [{ name: 'train.bin', bytes: new Uint8Array(3074 * 2).fill(3) }], { variant: 'cifar100-fine' }],
  ['tar cut inside an entry', [{ name: 'c.tar', bytes: cut(official, 3000) }]],
  ['tar.gz cut inside an entry', [{ name: 'c.tar.gz', bytes: gzipSync(cut(official, 3000)) }]],
  ['gzip cut short', [{ name: 'c.tar.gz', bytes: cut(gzipSync(official), 100) }]],
  ['tar header corrupted (bad checksum)', [{ name: 'c.tar', bytes: sizeField(official) }]],
  ['tar without batches', [{ name: 'c.tar', bytes: ustar([{ name: 'readme.txt', data: enc('hi') }]) }]],
  ['batch in a tar not whole records', [{ name: 'c.tar.gz', bytes: gzipSync(ustar([{ name: 'd/data_batch_1.bin', data: cut(batch(2, 1), 5) }])) }]],
  ['label out of range in a tar', [{ name: 'c.tar', bytes: ustar([{ name: 'd/data_batch_1.bin', data: badLabel() }]) }]],
  ['label out of range, second file', [{ name: 'data_batch_1.bin', bytes: batch(2, 1) }, { name: 'data_batch_2.bin.gz', bytes: gzipSync(badLabel()) }]],
  ['too few class names', [{ name: 'data_batch_1.bin', bytes: batch(20, 1) }], { classes: ['a', 'b'] }],
];

describe('streamed CIFAR files give loadCifarDataset\'s results and messages', () => {
  for (const [what, files, opts] of CIFAR_CASES) {
    it(what, async () => {
      const want = await outcome(() => loadCifarDataset(files, 'cifar', opts));
      for (const [label, blob] of BLOBS) {
        expect(await outcome(() => streamCifarDataset(files.map((f) => ({ name: f.name, blob: blob(f.bytes) })), 'cifar', opts)), label).toEqual(want);
      }
    });
  }
});

describe('streamed IDX train + test pairs', () => {
  const train = idxPairBytes(7, 5, 1);
  const test = idxPairBytes(3, 5, 2);
  const other = idxPairBytes(3, 6, 2);
  const pairs: [string, Files, Files][] = [
    ['plain', [{ name: 'train-images', bytes: train.images }, { name: 'train-labels', bytes: train.labels }], [{ name: 't10k-labels', bytes: test.labels }, { name: 't10k-images', bytes: test.images }]],
    ['gzip', [{ name: 'train-images.gz', bytes: gzipSync(train.images) }, { name: 'train-labels.gz', bytes: gzipSync(train.labels) }], [{ name: 't10k-images.gz', bytes: gzipSync(test.images) }, { name: 't10k-labels.gz', bytes: gzipSync(test.labels) }]],
    ['test images of another size', [{ name: 'train-images', bytes: train.images }, { name: 'train-labels', bytes: train.labels }], [{ name: 't10k-images', bytes: other.images }, { name: 't10k-labels', bytes: other.labels }]],
    ['test labels cut short (gzip)', [{ name: 'train-images', bytes: train.images }, { name: 'train-labels', bytes: train.labels }], [{ name: 't10k-images', bytes: test.images }, { name: 't10k-labels.gz', bytes: gzipSync(cut(test.labels, 1)) }]],
  ];
  for (const [what, tr, te] of pairs) {
    it(what, async () => {
      const want = await outcome(() => loadIdxTrainTest(tr, te, 'pair'));
      for (const [label, blob] of BLOBS) {
        const nb = (fs: Files) => fs.map((f) => ({ name: f.name, blob: blob(f.bytes) }));
        expect(await outcome(() => streamIdxTrainTest(nb(tr), nb(te), 'pair')), label).toEqual(want);
      }
    });
  }
});

describe('a zip read in place', () => {
  it('reads a central directory that starts before the last 64 KiB, as from the bytes', async () => {
    const count = 1500;
    const ds: ImageDataset = { name: 'many', classes: ['a', 'b'], shape: [2, 2, 3], count, images: Uint8Array.from({ length: count * 12 }, (_, i) => (i * 7) & 255), labels: Uint8Array.from({ length: count }, (_, i) => i % 2) };
    const zip = datasetToZip(ds);
    const dir = listZip(zip, 'many.zip');
    expect(dir.length).toBeGreaterThanOrEqual(count);
    expect(findZipDirectory(zip, 0, zip.length, zip.subarray(0, 4), 'many.zip').cdOffset).toBeLessThan(zip.length - ZIP_TAIL_BYTES);
    const opts = { name: 'many.zip', decode, height: 2, width: 2 };
    const want = await outcome(async () => (await loadImageZip(zip, opts)).dataset);
    expect(want).toHaveProperty('ok');
    expect(await outcome(async () => (await loadImageZip(new Blob([new Uint8Array(zip)]), opts)).dataset)).toEqual(want);
  });
});

describe('cancel and progress', () => {
  it('stops a streamed read when the signal aborts, and reports every byte read', async () => {
    const p = idxPairBytes(200, 8, 1);
    const files = [{ name: 'i.gz', blob: chunkyBlob(gzipSync(p.images), 64) }, { name: 'l', blob: chunkyBlob(p.labels, 64) }];
    let seen = 0;
    const done = await streamIdxTrainTest(files, undefined, 'x', undefined, { onBytes: (n) => (seen += n) });
    expect(done.dataset.count).toBe(200);
    expect(seen).toBe(files[0].blob.size + files[1].blob.size);
    const ctl = new AbortController();
    let after = 0;
    const err = await streamIdxTrainTest(files, undefined, 'x', undefined, {
      signal: ctl.signal,
      onBytes: () => {
        after++;
        if (after === 3) ctl.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(after).toBeLessThan(6);
  });
});

describe('unreadable files', () => {
  it('names the file when its bytes cannot be read (e.g. it changed on disk after it was picked)', async () => {
    const failing = (at: 'slice' | 'stream'): BlobLike => ({
      size: 100,
      slice: () => failing(at),
      arrayBuffer: async () => {
        if (at === 'slice') throw new Error('NotReadableError: the file changed');
        return new Uint8Array([0, 0, 8]).buffer;
      },
      stream: () => new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error('NotReadableError: the file changed')) }),
    });
    for (const at of ['slice', 'stream'] as const) {
      await expect(streamIdxImages({ name: 'gone-idx3-ubyte', blob: failing(at) })).rejects.toThrow('Could not read gone-idx3-ubyte: NotReadableError: the file changed');
    }
    // A zip is only ever sliced.
    await expect(loadImageZip(failing('slice'), { name: 'gone.zip', decode, height: 2, width: 2 })).rejects.toThrow('Could not read gone.zip: NotReadableError: the file changed');
  });
});
