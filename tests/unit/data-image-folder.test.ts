import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodePngForTests } from '../../scripts/make-bad-fixtures';
import { DatasetFormatError } from '../../src/engine/data/errors';
import { datasetToZip, encodePng, writeZip } from '../../src/engine/data/export';
import { probeImageSize, resizeRgba, sniffImageType } from '../../src/engine/data/image';
import { loadImageFolder, loadImageZip, planImageFolder, type ImageFileSource } from '../../src/engine/data/image-folder';
import { generatePaintDefects } from '../../src/engine/data/paint-defects';
import { listZip, readZipEntry } from '../../src/engine/data/zip';
import { readTar } from '../../src/engine/data/tar';
import { ustar } from '../helpers/dataset-files';
import { AbortedError } from '../../src/engine/util/abort';

const decode = async (bytes: Uint8Array) => decodePngForTests(bytes);

function rgbaOf(w: number, h: number, f: (x: number, y: number) => [number, number, number]): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set([...f(x, y), 255], (y * w + x) * 4);
  return out;
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<DatasetFormatError> {
  const e = await (typeof p === 'function' ? Promise.resolve().then(p) : p).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DatasetFormatError);
  return e as DatasetFormatError;
}

describe('resize', () => {
  it('keeps pixels at the same size and area-averages when shrinking', () => {
    const src = rgbaOf(4, 4, (x, y) => [x * 10, y * 10, (x + y) % 2 ? 255 : 0]);
    const same = resizeRgba(src, 4, 4, 4, 4, 3);
    for (let p = 0; p < 16; p++) expect(Array.from(same.subarray(p * 3, p * 3 + 3))).toEqual(Array.from(src.subarray(p * 4, p * 4 + 3)));
    const half = resizeRgba(src, 4, 4, 2, 2, 3);
    // Top-left output averages x,y in {0,1}: R = 5, G = 5, B = checker mean 127.5 -> 128.
    expect(Array.from(half.subarray(0, 3))).toEqual([5, 5, 128]);
    expect(Array.from(half.subarray(9, 12))).toEqual([25, 25, 128]);
  });

  it('interpolates bilinearly when enlarging and converts to luma for 1 channel', () => {
    const src = rgbaOf(2, 1, (x) => (x === 0 ? [0, 0, 0] : [200, 200, 200]));
    const up = resizeRgba(src, 2, 1, 4, 1, 3);
    // Output centres at source x = -0.25, 0.25, 0.75, 1.25 -> clamped 0, 0.25, 0.75, 1.
    expect([up[0], up[3], up[6], up[9]]).toEqual([0, 50, 150, 200]);
    const gray = resizeRgba(rgbaOf(1, 1, () => [255, 0, 0]), 1, 1, 1, 1, 1);
    expect(gray[0]).toBe(76);
  });

  it('center-crops to the target aspect ratio with fit=crop', () => {
    // 6x2 source: left and right thirds red, middle third green; crop to 1:1 keeps the middle 2x2.
    const src = rgbaOf(6, 2, (x) => (x >= 2 && x < 4 ? [0, 255, 0] : [255, 0, 0]));
    const out = resizeRgba(src, 6, 2, 2, 2, 3, 'crop');
    for (let p = 0; p < 4; p++) expect(Array.from(out.subarray(p * 3, p * 3 + 3))).toEqual([0, 255, 0]);
  });
});

describe('sniffing and header probing', () => {
  it('recognises formats by magic bytes and reads sizes without decoding', () => {
    const png = encodePng(new Uint8Array(7 * 5 * 3), 7, 5, 3);
    expect(sniffImageType(png)).toBe('png');
    expect(probeImageSize(png)).toEqual({ width: 7, height: 5 });
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0x01, 0x2c, 0x02, 0x80, 3, 0, 0, 0, 0]);
    expect(sniffImageType(jpeg)).toBe('jpeg');
    expect(probeImageSize(jpeg)).toEqual({ width: 640, height: 300 });
    const gif = Uint8Array.from([71, 73, 70, 56, 57, 97, 10, 0, 20, 0, 0, 0]);
    expect(probeImageSize(gif)).toEqual({ width: 10, height: 20 });
    const bmp = new Uint8Array(54);
    bmp.set([66, 77]);
    new DataView(bmp.buffer).setInt32(14, 40, true);
    new DataView(bmp.buffer).setInt32(18, 33, true);
    new DataView(bmp.buffer).setInt32(22, -17, true);
    expect(probeImageSize(bmp)).toEqual({ width: 33, height: 17 });
    const webp = new Uint8Array(30);
    webp.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
    webp.set([...'WEBPVP8X'].map((c) => c.charCodeAt(0)), 8);
    webp.set([99, 0, 0, 49, 0, 0], 24);
    expect(probeImageSize(webp)).toEqual({ width: 100, height: 50 });
    expect(sniffImageType(Uint8Array.from('hello', (c) => c.charCodeAt(0)))).toBeUndefined();
  });
});

describe('zip reader', () => {
  it('lists and inflates stored and deflated entries, verifying CRCs', () => {
    const a = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 13);
    const z = writeZip([{ name: 'dir/', level: 0 }, { name: 'dir/a.bin', data: a, level: 9 }, { name: 'dir/ü.txt', data: Uint8Array.from([1, 2, 3]), level: 0 }]);
    const entries = listZip(z, 't.zip');
    expect(entries.map((e) => [e.name, e.isDirectory, e.method, e.size])).toEqual([
      ['dir/', true, 0, 0],
      ['dir/a.bin', false, 8, 5000],
      ['dir/ü.txt', false, 0, 3],
    ]);
    expect(Array.from(readZipEntry(z, entries[1], 't.zip'))).toEqual(Array.from(a));
    expect(Array.from(readZipEntry(z, entries[2], 't.zip'))).toEqual([1, 2, 3]);
  });

  it('stops an entry that inflates past its declared size', async () => {
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 2654435761) >>> 24);
    const z = writeZip([{ name: 'x.bin', data, level: 6 }]).slice();
    const dv = new DataView(z.buffer);
    // Lie about the uncompressed size (local header and central directory) so the ratio check passes.
    dv.setUint32(22, 100, true);
    const cd = dv.getUint32(z.length - 22 + 16, true);
    dv.setUint32(cd + 24, 100, true);
    const [entry] = listZip(z, 'liar.zip');
    const e = await codeOf(() => readZipEntry(z, entry, 'liar.zip'));
    expect(e.code).toBe('zip-bomb');
    expect(e.message).toContain('liar.zip/x.bin: zip bomb: inflates past its declared size of 100 bytes');
  });

  it('rejects two entries with the same name', async () => {
    const z = writeZip([{ name: 'img/a.png', data: new Uint8Array(4) }, { name: 'img/a.png', data: new Uint8Array(8) }]);
    const e = await codeOf(() => listZip(z, 'dup.zip'));
    expect(e.code).toBe('bad-zip');
    expect(e.message).toContain('dup.zip/img/a.png: ');
    expect(e.message).toContain('two entries named "img/a.png"');
  });

  it('names a tar header whose size field is not a number', async () => {
    const tar = ustar([{ name: 'data_batch_1.bin', data: new Uint8Array(10) }]);
    tar.set(Uint8Array.from('12x4567890a\0', (c) => c.charCodeAt(0)), 124);
    // A valid checksum, so the size field itself is what is wrong.
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : tar[i];
    tar.set(Uint8Array.from(`${sum.toString(8).padStart(6, '0')}\0 `, (c) => c.charCodeAt(0)), 148);
    const e = await codeOf(() => readTar(tar, 'cifar.tar'));
    expect(e.code).toBe('bad-zip');
    expect(e.message).toContain('tar header at byte 0 has a non-numeric size field "12x4567890a"');
  });

  it('enforces total-size and entry-count limits', async () => {
    const z = writeZip([{ name: 'a', data: new Uint8Array(600) }, { name: 'b', data: new Uint8Array(600) }]);
    expect((await codeOf(() => listZip(z, 'big.zip', { maxTotalBytes: 1000 }))).code).toBe('zip-bomb');
    const e = await codeOf(() => listZip(z, 'many.zip', { maxEntries: 1 }));
    expect(e.code).toBe('too-many-files');
    expect(e.message).toContain('2 entries; the limit is 1');
    expect(deflateSync(new Uint8Array(10)).length).toBeGreaterThan(0);
  });
});

describe('image folders', () => {
  const files = (spec: Record<string, Uint8Array>): ImageFileSource[] =>
    Object.entries(spec).map(([p, bytes]) => ({ path: p, size: bytes.length, read: async () => bytes }));
  const img = (v: number, w = 6, h = 4): Uint8Array => encodePng(new Uint8Array(w * h * 3).fill(v), w, h, 3);

  it('plans classes from folders, strips the picked root and ignores junk', () => {
    const plan = planImageFolder(
      ['pets/dog/b.png', 'pets/cat/a.jpg', 'pets/cat/.DS_Store', 'pets/readme.md', '__MACOSX/pets/cat/._a.jpg', 'pets/cat/c.PNG'],
      [],
    );
    expect(plan.root).toBe('pets');
    expect(plan.classes).toEqual(['cat', 'dog']);
    expect(plan.files).toEqual([
      { path: 'pets/cat/a.jpg', label: 0 },
      { path: 'pets/cat/c.PNG', label: 0 },
      { path: 'pets/dog/b.png', label: 1 },
    ]);
    expect(plan.ignored.map((i) => i.path).sort()).toEqual(['__MACOSX/pets/cat/._a.jpg', 'pets/cat/.DS_Store', 'pets/readme.md']);
  });

  it('loads a picked folder, resizing to the target size, hands the decoder the file bytes, reports progress', async () => {
    const seen: string[] = [];
    const progress: number[] = [];
    const src = files({ 'pick/b/x.png': img(200, 12, 8), 'pick/a/y.png': img(10), 'pick/a/z.png': img(90) });
    const r = await loadImageFolder(src, {
      name: 'pick',
      height: 2,
      width: 3,
      decode: async (bytes, name, type) => {
        seen.push(`${name}:${type}:${bytes.length}`);
        return decodePngForTests(bytes);
      },
      concurrency: 2,
      onProgress: (d) => progress.push(d),
    });
    expect(r.dataset.classes).toEqual(['a', 'b']);
    expect(r.dataset.shape).toEqual([2, 3, 3]);
    expect(Array.from(r.dataset.labels)).toEqual([0, 0, 1]);
    expect(r.paths).toEqual(['pick/a/y.png', 'pick/a/z.png', 'pick/b/x.png']);
    expect(r.dataset.images.subarray(0, 18).every((v) => v === 10)).toBe(true);
    expect(r.dataset.images.subarray(36).every((v) => v === 200)).toBe(true);
    expect(seen.sort()).toEqual([`pick/pick/a/y.png:png:${img(10).length}`, `pick/pick/a/z.png:png:${img(90).length}`, `pick/pick/b/x.png:png:${img(200, 12, 8).length}`]);
    expect(progress.sort()).toEqual([1, 2, 3]);
  });

  it('detects empty class folders passed as directories, skips non-images on request, and can be aborted', async () => {
    const src = files({ 'a/1.png': img(1), 'b/2.png': img(2), 'b/notes.txt': new Uint8Array([1]) });
    const e = await codeOf(loadImageFolder(src, { decode, directories: ['a', 'b', 'c'], onNonImage: 'skip' }));
    expect(e.code).toBe('empty-class');
    expect(e.message).toContain('class folder "c" contains no images');
    const skipped = await loadImageFolder(src, { decode, onNonImage: 'skip' });
    expect(skipped.dataset.count).toBe(2);
    expect(skipped.ignored).toEqual([{ path: 'b/notes.txt', reason: 'not an image (by extension)' }]);
    const aborted = await loadImageFolder(src, { decode, onNonImage: 'skip', signal: { aborted: true } }).catch((x: unknown) => x);
    expect(aborted).toBeInstanceOf(AbortedError);
    const many = await codeOf(loadImageFolder(src, { decode, onNonImage: 'skip', maxFiles: 2 }));
    expect(many.code).toBe('too-many-files');
    const twoChannels = await codeOf(loadImageFolder(src, { decode, onNonImage: 'skip', channels: 2 as 1 }));
    expect(twoChannels.code).toBe('absurd-dimensions');
    expect(twoChannels.message).toContain('channels must be 1 (greyscale) or 3 (RGB), got 2');
  });

  it('turns a decoder failure into decode-failed naming the file', async () => {
    const e = await codeOf(
      loadImageFolder(files({ 'a/1.png': img(1), 'b/2.png': img(2) }), {
        name: 'mine',
        decode: async (_b, name) => {
          if (name.endsWith('2.png')) throw new Error('createImageBitmap: The source image could not be decoded.');
          return decodePngForTests(_b);
        },
      }),
    );
    expect(e.code).toBe('decode-failed');
    expect(e.message).toBe('mine/b/2.png: decode failed: the PNG could not be decoded: createImageBitmap: The source image could not be decoded.');
  });

  it('round-trips a generated dataset through datasetToZip and loadImageZip', async () => {
    const ds = generatePaintDefects({ seed: 3, count: 40, height: 12, width: 16 });
    const zip = datasetToZip(ds);
    const r = await loadImageZip(zip, { name: 'paint.zip', decode, height: 12, width: 16 });
    expect(r.dataset.name).toBe('paint');
    expect(r.dataset.classes).toEqual([...ds.classes].sort());
    expect(r.dataset.count).toBe(40);
    const per = 12 * 16 * 3;
    for (let k = 0; k < r.dataset.count; k++) {
      const i = Number(/(\d+)\.png$/.exec(r.paths[k])![1]);
      expect(r.dataset.classes[r.dataset.labels[k]]).toBe(ds.classes[ds.labels[i]]);
      expect(Buffer.from(r.dataset.images.subarray(k * per, (k + 1) * per)).equals(Buffer.from(ds.images.subarray(i * per, (i + 1) * per)))).toBe(true);
    }
  });
});
