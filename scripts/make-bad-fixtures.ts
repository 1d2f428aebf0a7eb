/**
 * Writes malformed dataset files to tests/fixtures/bad-datasets/ (each with the DatasetFormatError code
 * it must produce, in manifest.json) and a few small valid ones to tests/fixtures/good-datasets/.
 * Deterministic: running it twice gives identical bytes.
 *
 *   npx tsx scripts/make-bad-fixtures.ts
 *
 * Also exports the tiny PNG decoder the tests inject into the image-folder loader (the engine never
 * decodes images itself; in the app the worker uses createImageBitmap).
 */
import { gzipSync, unzlibSync } from 'fflate';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeCifarBatch } from '../src/engine/data/cifar';
import { encodePng, writeZip, type ZipInput } from '../src/engine/data/export';
import { encodeIdxImages, encodeIdxLabels } from '../src/engine/data/idx';
import { crc32 } from '../src/engine/data/zip';
import type { DatasetErrorCode } from '../src/engine/data/errors';

/** How a test should load a fixture. */
export type FixtureFormat = 'idx-images' | 'idx-labels' | 'idx-pair' | 'cifar10' | 'image-zip';

export interface BadFixture {
  file: string;
  format: FixtureFormat;
  /** For idx-pair: the images file (`file` is the labels file). */
  images?: string;
  code: DatasetErrorCode;
  /** Substrings the error message must contain (besides the file name). */
  mentions: string[];
  why: string;
}

export interface GoodFixture {
  files: string[];
  format: FixtureFormat;
  count: number;
  classes: string[];
  shape: [number, number, number];
  /** Label per image, in dataset order. */
  labels: number[];
  /** Sum of all pixel bytes (a cheap content check). */
  pixelSum: number;
}

// ---------------------------------------------------------------- tiny deterministic content

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

function pattern(n: number, seed: number): Uint8Array {
  const r = lcg(seed);
  return Uint8Array.from({ length: n }, () => r());
}

/** A w x h RGB image: a filled shape per class on a flat background. */
function shapeImage(kind: 'circle' | 'square' | 'cross', w: number, h: number, k: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - w / 2 + 0.5;
      const dy = y - h / 2 + 0.5;
      const inside =
        kind === 'circle' ? dx * dx + dy * dy < (w / 3) ** 2 : kind === 'square' ? Math.abs(dx) < w / 4 && Math.abs(dy) < h / 4 : Math.abs(dx) < 1.5 || Math.abs(dy) < 1.5;
      const o = (y * w + x) * 3;
      px[o] = inside ? 220 - 10 * k : 30 + 5 * k;
      px[o + 1] = inside ? 40 + 20 * k : 30;
      px[o + 2] = inside ? 90 : 60 + 7 * k;
    }
  }
  return px;
}

// ---------------------------------------------------------------- PNG decoding for tests

/** Decode an 8-bit, non-interlaced PNG (gray, RGB, gray+alpha, RGBA) to RGBA; throws on anything else. */
export function decodePngForTests(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || sig.some((b, i) => bytes[i] !== b)) throw new Error('not a PNG signature');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Uint8Array[] = [];
  while (o + 12 <= bytes.length) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    if (o + 12 + len > bytes.length) throw new Error(`PNG chunk ${type} runs past the end`);
    const data = bytes.subarray(o + 8, o + 8 + len);
    if (crc32(bytes.subarray(o + 4, o + 8 + len)) !== dv.getUint32(o + 8 + len)) throw new Error(`PNG chunk ${type} has a bad CRC`);
    if (type === 'IHDR') {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      if (data[8] !== 8) throw new Error(`bit depth ${data[8]} not supported`);
      colorType = data[9];
      if (data[12] !== 0) throw new Error('interlaced PNG not supported');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels || width === 0 || height === 0) throw new Error(`unsupported PNG (color type ${colorType}, ${width}x${height})`);
  const z = new Uint8Array(idat.reduce((s, d) => s + d.length, 0));
  let zo = 0;
  for (const d of idat) {
    z.set(d, zo);
    zo += d.length;
  }
  const raw = unzlibSync(z);
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data inflates to ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (f !== 0) throw new Error(`bad PNG filter type ${f}`);
      px[y * stride + x] = (src[x] + pred) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    const g = px[s];
    if (channels === 1) rgba.set([g, g, g, 255], i * 4);
    else if (channels === 2) rgba.set([g, g, g, px[s + 1]], i * 4);
    else if (channels === 3) rgba.set([px[s], px[s + 1], px[s + 2], 255], i * 4);
    else rgba.set(px.subarray(s, s + 4), i * 4);
  }
  return { width, height, rgba };
}

// ---------------------------------------------------------------- fixture content

const png = (kind: 'circle' | 'square' | 'cross', k: number, w = 8, h = 8): Uint8Array => encodePng(shapeImage(kind, w, h, k), w, h, 3);

function idxHeader(magic: number, dims: number[], payload = 0): Uint8Array {
  const b = new Uint8Array(4 + 4 * dims.length + payload);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, magic);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  return b;
}

function setByte(b: Uint8Array, i: number, v: number): Uint8Array {
  const c = b.slice();
  c[i] = v;
  return c;
}

/** A zip whose first entry is flagged as encrypted. */
function encryptedZip(): Uint8Array {
  const z = writeZip([{ name: 'cat/a.png', data: png('circle', 0), level: 0 }, { name: 'dog/b.png', data: png('square', 0), level: 0 }]);
  // Set general-purpose bit 0 in both the local and central headers of the first entry.
  const c = z.slice();
  c[6] |= 1;
  const dv = new DataView(c.buffer);
  const cdOffset = dv.getUint32(c.length - 22 + 16, true);
  c[cdOffset + 8] |= 1;
  return c;
}

function pngWithHeaderSize(w: number, h: number): Uint8Array {
  const p = png('circle', 1).slice();
  const dv = new DataView(p.buffer);
  dv.setUint32(16, w);
  dv.setUint32(20, h);
  dv.setUint32(29, crc32(p.subarray(12, 29)));
  return p;
}

function corruptPng(): Uint8Array {
  const p = png('square', 2).slice();
  // Scramble the IDAT payload (after IHDR: 8 + 25 bytes, then IDAT length+type) and fix its CRC so
  // only the deflate stream is wrong.
  const dv = new DataView(p.buffer);
  const idat = 33;
  const len = dv.getUint32(idat);
  for (let i = idat + 8 + 2; i < idat + 8 + len; i++) p[i] ^= 0x5a;
  dv.setUint32(idat + 8 + len, crc32(p.subarray(idat + 4, idat + 8 + len)));
  return p;
}

function badFixtures(): { fx: BadFixture; bytes: Uint8Array }[] {
  const out: { fx: BadFixture; bytes: Uint8Array }[] = [];
  const add = (fx: BadFixture, bytes: Uint8Array): void => {
    out.push({ fx, bytes });
  };
  const goodImages = encodeIdxImages(pattern(10 * 28 * 28, 1), 10, 28, 28);
  const goodLabels = encodeIdxLabels(Uint8Array.from({ length: 10 }, (_, i) => i % 10));

  // IDX
  add({ file: 'truncated-images.idx3-ubyte', format: 'idx-images', code: 'truncated', mentions: ['header says 100 images of 28x28 (78,416 bytes)', 'the file has 5,000 bytes'], why: 'header promises 100 images, file holds ~6' },
    (() => { const b = idxHeader(0x803, [100, 28, 28], 5000 - 16); b.set(pattern(5000 - 16, 2), 16); return b; })());
  add({ file: 'wrong-magic.idx3-ubyte', format: 'idx-images', code: 'bad-magic', mentions: ['magic number is 12 34 08 03', 'expected 00 00 08 03'], why: 'first two bytes not zero' },
    setByte(setByte(goodImages, 0, 0x12), 1, 0x34));
  add({ file: 'labels-given-as-images.idx3-ubyte', format: 'idx-images', code: 'bad-magic', mentions: ['looks like a label file'], why: 'a label file where images were expected' },
    goodLabels);
  add({ file: 'images-given-as-labels.idx1-ubyte', format: 'idx-labels', code: 'bad-magic', mentions: ['looks like an image file'], why: 'an image file where labels were expected' },
    goodImages);
  add({ file: 'absurd-side.idx3-ubyte', format: 'idx-images', code: 'absurd-dimensions', mentions: ['100,000x28', '1..4096'], why: 'rows = 100000' },
    (() => { const b = idxHeader(0x803, [1, 100000, 28], 64); return b; })());
  add({ file: 'absurd-total.idx3-ubyte', format: 'idx-images', code: 'absurd-dimensions', mentions: ['4,000,000,000 images', 'over the'], why: 'count*rows*cols > 2^31' },
    idxHeader(0x803, [4_000_000_000, 28, 28], 64));
  add({ file: 'float-elements.idx3-ubyte', format: 'idx-images', code: 'unsupported', mentions: ['float', 'only unsigned byte'], why: 'IDX element type 0x0d' },
    setByte(goodImages, 2, 0x0d));
  add({ file: 'empty.idx3-ubyte', format: 'idx-images', code: 'empty-file', mentions: ['empty'], why: '0 bytes' }, new Uint8Array(0));
  add({ file: 'truncated-labels.idx1-ubyte', format: 'idx-labels', code: 'truncated', mentions: ['header says 60,000 labels (60,008 bytes)', 'the file has 1,008 bytes'], why: 'label file cut short' },
    idxHeader(0x801, [60000], 1000));
  add({ file: 'trailing-garbage.idx1-ubyte', format: 'idx-labels', code: 'count-mismatch', mentions: ['header says 10 labels', '(5 bytes extra)'], why: 'extra bytes after the last label' },
    new Uint8Array([...goodLabels, 1, 2, 3, 4, 5]));
  add({ file: 'short-header.idx3-ubyte', format: 'idx-images', code: 'truncated', mentions: ['needs 16'], why: 'only the magic and count' },
    idxHeader(0x803, [5]));
  add({ file: 'mismatch-labels.idx1-ubyte', images: 'mismatch-images.idx3-ubyte', format: 'idx-pair', code: 'count-mismatch', mentions: ['has 9 labels', 'mismatch-images.idx3-ubyte has 10 images'], why: '10 images, 9 labels' },
    encodeIdxLabels(Uint8Array.from({ length: 9 }, (_, i) => i)));
  add({ file: 'label-out-of-range.idx1-ubyte', images: 'mismatch-images.idx3-ubyte', format: 'idx-pair', code: 'bad-label', mentions: ['label 77 at index 4', '10 classes'], why: 'label 77 for a 10-class dataset' },
    encodeIdxLabels(Uint8Array.from([0, 1, 2, 3, 77, 5, 6, 7, 8, 9])));

  // gzip
  const gz = gzipSync(goodImages, { level: 9, mtime: 0 });
  add({ file: 'bad-gzip.idx3-ubyte.gz', format: 'idx-images', code: 'bad-gzip', mentions: ['corrupt gzip data'], why: 'gzip header, scrambled deflate stream' },
    (() => { const b = gz.slice(); for (let i = 10; i < b.length - 8; i++) b[i] ^= 0x6b; return b; })());
  add({ file: 'truncated-gzip.idx3-ubyte.gz', format: 'idx-images', code: 'truncated', mentions: ['gzip stream ends early'], why: 'gzip cut in half' },
    gz.subarray(0, Math.floor(gz.length / 2)));
  add({ file: 'gzip-bad-crc.idx1-ubyte.gz', format: 'idx-labels', code: 'bad-gzip', mentions: ['corrupt gzip data'], why: 'gzip trailer CRC wrong' },
    (() => { const b = gzipSync(goodLabels, { mtime: 0 }).slice(); b[b.length - 8] ^= 0xff; return b; })());
  add({ file: 'gzip-bomb.idx3-ubyte.gz', format: 'idx-images', code: 'zip-bomb', mentions: ['expands more than 100x'], why: '4 MB of zeros in a 4 KB gzip' },
    gzipSync(idxHeader(0x803, [5000, 28, 28], 5000 * 28 * 28), { level: 9, mtime: 0 }));

  // CIFAR
  const rec = 3073;
  add({ file: 'cifar-wrong-length.bin', format: 'cifar10', code: 'truncated', mentions: ['not a whole number of 3,073-byte CIFAR-10 records', '3 records + 100 bytes'], why: '3 records and a partial one' },
    pattern(3 * rec + 100, 3).map((v, i) => (i % rec === 0 ? v % 10 : v)));
  add({ file: 'cifar-bad-label.bin', format: 'cifar10', code: 'bad-label', mentions: ['record 1', 'label 42', '0..9'], why: 'label byte 42' },
    (() => { const b = pattern(2 * rec, 4); b[0] = 3; b[rec] = 42; return b; })());
  add({ file: 'cifar-empty.bin', format: 'cifar10', code: 'empty-file', mentions: ['empty'], why: '0 bytes' }, new Uint8Array(0));

  // Image zips
  const two = (extra: ZipInput[] = []): ZipInput[] => [
    { name: 'cat/', level: 0 }, { name: 'cat/c1.png', data: png('circle', 0), level: 0 },
    { name: 'dog/', level: 0 }, { name: 'dog/d1.png', data: png('square', 0), level: 0 },
    ...extra,
  ];
  add({ file: 'zip-non-image-file.zip', format: 'image-zip', code: 'not-an-image', mentions: ['notes.txt', 'class folder "cat"'], why: 'a .txt in a class folder' },
    writeZip(two([{ name: 'cat/notes.txt', data: new Uint8Array([104, 105, 10]) }])));
  add({ file: 'zip-text-named-png.zip', format: 'image-zip', code: 'not-an-image', mentions: ['dog/fake.png', 'looks like text'], why: '.png name, text content (magic check)' },
    writeZip(two([{ name: 'dog/fake.png', data: Uint8Array.from('this is not a png at all', (c) => c.charCodeAt(0)) }])));
  add({ file: 'zip-bomb.zip', format: 'image-zip', code: 'zip-bomb', mentions: ['cat/huge.png', 'compression ratio', 'over the 100:1 limit'], why: '4 MiB of zeros deflated to ~4 KB' },
    writeZip(two([{ name: 'cat/huge.png', data: new Uint8Array(4 * 2 ** 20), level: 9 }])));
  add({ file: 'zip-empty-class.zip', format: 'image-zip', code: 'empty-class', mentions: ['class folder "horse" contains no images'], why: 'directory entry horse/ with nothing in it' },
    writeZip(two([{ name: 'horse/', level: 0 }])));
  add({ file: 'zip-no-class-folders.zip', format: 'image-zip', code: 'no-classes', mentions: ['no class folders', '3 files at the top level'], why: 'images at the top level only' },
    writeZip([{ name: 'a.png', data: png('circle', 0), level: 0 }, { name: 'b.png', data: png('square', 0), level: 0 }, { name: 'c.png', data: png('cross', 0), level: 0 }]));
  add({ file: 'zip-one-class.zip', format: 'image-zip', code: 'no-classes', mentions: ['only one class folder ("cat")'], why: 'a single class folder' },
    writeZip([{ name: 'data/cat/a.png', data: png('circle', 0), level: 0 }, { name: 'data/cat/b.png', data: png('circle', 1), level: 0 }]));
  add({ file: 'zip-nested-too-deep.zip', format: 'image-zip', code: 'too-deep', mentions: ['2 folders deep', 'pick the folder that holds the class folders'], why: 'root/{train,test}/class/image' },
    writeZip([
      { name: 'root/train/cat/a.png', data: png('circle', 0), level: 0 }, { name: 'root/train/dog/b.png', data: png('square', 0), level: 0 },
      { name: 'root/test/cat/c.png', data: png('circle', 1), level: 0 }, { name: 'root/test/dog/d.png', data: png('square', 1), level: 0 },
    ]));
  add({ file: 'zip-corrupt.zip', format: 'image-zip', code: 'bad-zip', mentions: ['not a zip archive'], why: 'random bytes with a .zip name' },
    pattern(3000, 5));
  add({ file: 'zip-truncated.zip', format: 'image-zip', code: 'truncated', mentions: ['no end-of-central-directory record'], why: 'a zip cut in half' },
    (() => { const z = writeZip(two()); return z.subarray(0, Math.floor(z.length / 2)); })());
  add({ file: 'zip-bad-crc.zip', format: 'image-zip', code: 'bad-zip', mentions: ['CRC mismatch'], why: 'one flipped byte in a stored entry' },
    (() => { const z = writeZip(two()).slice(); z[30 + 'cat/'.length + 30 + 'cat/c1.png'.length + 40] ^= 0x01; return z; })());
  add({ file: 'zip-encrypted.zip', format: 'image-zip', code: 'unsupported', mentions: ['encrypted'], why: 'encryption flag set' }, encryptedZip());
  add({ file: 'zip-absurd-png.zip', format: 'image-zip', code: 'absurd-dimensions', mentions: ['PNG header says 100,000x100,000'], why: 'PNG header claims 100000x100000' },
    writeZip(two([{ name: 'dog/giant.png', data: pngWithHeaderSize(100000, 100000), level: 0 }])));
  add({ file: 'zip-corrupt-png.zip', format: 'image-zip', code: 'decode-failed', mentions: ['cat/broken.png', 'could not be decoded'], why: 'PNG signature fine, image data scrambled' },
    writeZip(two([{ name: 'cat/broken.png', data: corruptPng(), level: 0 }])));
  add({ file: 'zip-empty.zip', format: 'image-zip', code: 'empty-file', mentions: ['empty'], why: '0 bytes' }, new Uint8Array(0));
  add({ file: 'zip-only-macos-junk.zip', format: 'image-zip', code: 'no-classes', mentions: ['no files'], why: 'only __MACOSX and .DS_Store entries' },
    writeZip([{ name: '__MACOSX/._a.png', data: new Uint8Array(8) }, { name: '.DS_Store', data: new Uint8Array(8) }]));
  return out;
}

function goodFixtures(): { name: string; bytes: Uint8Array }[] {
  const files: { name: string; bytes: Uint8Array }[] = [];
  // IDX pair (plain and gzip): 6 images of 5x4.
  const px = Uint8Array.from({ length: 6 * 5 * 4 }, (_, i) => (i * 41 + 7) & 255);
  const lab = Uint8Array.from([3, 1, 4, 1, 5, 9]);
  files.push({ name: 'tiny-images.idx3-ubyte', bytes: encodeIdxImages(px, 6, 5, 4) });
  files.push({ name: 'tiny-labels.idx1-ubyte', bytes: encodeIdxLabels(lab) });
  files.push({ name: 'tiny-images.idx3-ubyte.gz', bytes: gzipSync(encodeIdxImages(px, 6, 5, 4), { mtime: 0 }) });
  files.push({ name: 'tiny-labels.idx1-ubyte.gz', bytes: gzipSync(encodeIdxLabels(lab), { mtime: 0 }) });
  // CIFAR-10 batch: 4 records.
  const cimg = Uint8Array.from({ length: 4 * 3072 }, (_, i) => (i * 13 + (i >> 10)) & 255);
  files.push({ name: 'tiny_batch.bin', bytes: encodeCifarBatch(cimg, Uint8Array.from([0, 9, 3, 7])) });
  // Image zip: 3 classes, 8x8 PNGs (one 12x10 to exercise resizing), plus junk that must be ignored.
  files.push({
    name: 'tiny-shapes.zip',
    bytes: writeZip([
      { name: 'shapes/', level: 0 },
      { name: 'shapes/circle/', level: 0 },
      { name: 'shapes/circle/c0.png', data: png('circle', 0), level: 0 },
      { name: 'shapes/circle/c1.png', data: png('circle', 1), level: 0 },
      { name: 'shapes/cross/x0.png', data: png('cross', 0), level: 0 },
      { name: 'shapes/cross/x1.png', data: png('cross', 1, 12, 10), level: 0 },
      { name: 'shapes/square/s0.png', data: png('square', 0), level: 0 },
      { name: 'shapes/square/.DS_Store', data: new Uint8Array(16) },
      { name: '__MACOSX/shapes/circle/._c0.png', data: new Uint8Array(16) },
      { name: 'shapes/README.txt', data: Uint8Array.from('three classes of shapes', (c) => c.charCodeAt(0)) },
    ]),
  });
  return files;
}

function goodManifest(): Record<string, GoodFixture> {
  const px = Uint8Array.from({ length: 6 * 5 * 4 }, (_, i) => (i * 41 + 7) & 255);
  const cimg = Uint8Array.from({ length: 4 * 3072 }, (_, i) => (i * 13 + (i >> 10)) & 255);
  const sum = (b: Uint8Array): number => b.reduce((s, x) => s + x, 0);
  return {
    idx: { files: ['tiny-images.idx3-ubyte', 'tiny-labels.idx1-ubyte'], format: 'idx-pair', count: 6, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], shape: [5, 4, 1], labels: [3, 1, 4, 1, 5, 9], pixelSum: sum(px) },
    idxGz: { files: ['tiny-images.idx3-ubyte.gz', 'tiny-labels.idx1-ubyte.gz'], format: 'idx-pair', count: 6, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], shape: [5, 4, 1], labels: [3, 1, 4, 1, 5, 9], pixelSum: sum(px) },
    cifar: { files: ['tiny_batch.bin'], format: 'cifar10', count: 4, classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'], shape: [32, 32, 3], labels: [0, 9, 3, 7], pixelSum: sum(cimg) },
    zip: { files: ['tiny-shapes.zip'], format: 'image-zip', count: 5, classes: ['circle', 'cross', 'square'], shape: [8, 8, 3], labels: [0, 0, 1, 1, 2], pixelSum: -1 },
  };
}

export function writeFixtures(root: string): { bad: number; good: number; bytes: number } {
  const badDir = path.join(root, 'bad-datasets');
  const goodDir = path.join(root, 'good-datasets');
  for (const d of [badDir, goodDir]) {
    mkdirSync(d, { recursive: true });
    for (const f of readdirSync(d)) rmSync(path.join(d, f));
  }
  let bytes = 0;
  const bad = badFixtures();
  // The image file of the idx-pair fixtures.
  const pairImages = encodeIdxImages(pattern(10 * 28 * 28, 1), 10, 28, 28);
  writeFileSync(path.join(badDir, 'mismatch-images.idx3-ubyte'), pairImages);
  bytes += pairImages.length;
  for (const { fx, bytes: b } of bad) {
    writeFileSync(path.join(badDir, fx.file), b);
    bytes += b.length;
  }
  const names = new Set(bad.map((b) => b.fx.file));
  if (names.size !== bad.length) throw new Error('duplicate fixture names');
  writeFileSync(
    path.join(badDir, 'manifest.json'),
    JSON.stringify({ version: 1, note: 'Generated by scripts/make-bad-fixtures.ts; each file must fail with `code`.', fixtures: bad.map((b) => b.fx) }, null, 2) + '\n',
  );
  const good = goodFixtures();
  for (const g of good) {
    writeFileSync(path.join(goodDir, g.name), g.bytes);
    bytes += g.bytes.length;
  }
  writeFileSync(path.join(goodDir, 'manifest.json'), JSON.stringify({ version: 1, datasets: goodManifest() }, null, 2) + '\n');
  return { bad: bad.length, good: good.length, bytes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../tests/fixtures');
  const r = writeFixtures(root);
  console.log(`wrote ${r.bad} bad and ${r.good} good fixture files (${r.bytes.toLocaleString('en-US')} bytes) under ${root}`);
}
