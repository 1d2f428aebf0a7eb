/** Every malformed fixture fails with its specific code and a message naming the file and the problem; good ones load. */
import { readFileSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePngForTests, type BadFixture, type GoodFixture } from '../../scripts/make-bad-fixtures';
import { loadCifarDataset } from '../../src/engine/data/cifar';
import { DatasetFormatError } from '../../src/engine/data/errors';
import { MNIST_CLASSES, loadIdxDataset, readIdxImages, readIdxLabels } from '../../src/engine/data/idx';
import { loadImageZip } from '../../src/engine/data/image-folder';
import type { ImageDataset } from '../../src/engine/data/types';

const root = path.resolve(__dirname, '../fixtures');
const badDir = path.join(root, 'bad-datasets');
const goodDir = path.join(root, 'good-datasets');
const bad = JSON.parse(readFileSync(path.join(badDir, 'manifest.json'), 'utf8')) as { fixtures: BadFixture[] };
const good = JSON.parse(readFileSync(path.join(goodDir, 'manifest.json'), 'utf8')) as { datasets: Record<string, GoodFixture> };
const read = (dir: string, f: string): Uint8Array => new Uint8Array(readFileSync(path.join(dir, f)));

const decode = async (bytes: Uint8Array): Promise<{ width: number; height: number; rgba: Uint8Array }> => decodePngForTests(bytes);

async function load(dir: string, format: string, file: string, extra?: string): Promise<ImageDataset> {
  switch (format) {
    case 'idx-images': {
      const img = await readIdxImages(read(dir, file), file);
      return { name: file, classes: ['x'], shape: [img.rows, img.cols, 1], count: img.count, images: img.pixels, labels: new Uint8Array(img.count) };
    }
    case 'idx-labels': {
      const labels = await readIdxLabels(read(dir, file), file);
      return { name: file, classes: ['x'], shape: [1, 1, 1], count: labels.length, images: new Uint8Array(labels.length), labels };
    }
    case 'idx-pair':
      return loadIdxDataset({ name: extra!, bytes: read(dir, extra!) }, { name: file, bytes: read(dir, file) }, 'pair', MNIST_CLASSES);
    case 'cifar10':
      return (await loadCifarDataset([{ name: file, bytes: read(dir, file) }], 'cifar')).dataset;
    case 'image-zip':
      return (await loadImageZip(read(dir, file), { name: file, decode, height: 8, width: 8 })).dataset;
    default:
      throw new Error(`unknown fixture format ${format}`);
  }
}

describe('bad dataset fixtures', () => {
  it('has at least 20 fixtures, all present, under 1 MB in total', () => {
    expect(bad.fixtures.length).toBeGreaterThanOrEqual(20);
    let total = 0;
    for (const d of [badDir, goodDir]) for (const f of readdirSync(d)) total += statSync(path.join(d, f)).size;
    expect(total).toBeLessThan(1_000_000);
    for (const f of bad.fixtures) expect(statSync(path.join(badDir, f.file)).isFile()).toBe(true);
    // A spread of distinct failure kinds, not 20 copies of one.
    expect(new Set(bad.fixtures.map((f) => f.code)).size).toBeGreaterThanOrEqual(12);
  });

  for (const fx of bad.fixtures) {
    it(`${fx.file} -> ${fx.code} (${fx.why})`, async () => {
      const err = await load(badDir, fx.format, fx.file, fx.images).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${fx.file} loaded without error`).toBeInstanceOf(DatasetFormatError);
      const e = err as DatasetFormatError;
      expect(e.code, e.message).toBe(fx.code);
      expect(e.message).toContain(fx.file);
      for (const m of fx.mentions) expect(e.message).toContain(m);
      expect(e.name).toBe('DatasetFormatError');
    });
  }
});

describe('good dataset fixtures', () => {
  for (const [key, g] of Object.entries(good.datasets)) {
    it(`${key} (${g.files.join(', ')}) loads with the expected content`, async () => {
      const ds = await load(goodDir, g.format, g.files[g.format === 'idx-pair' ? 1 : 0], g.format === 'idx-pair' ? g.files[0] : undefined);
      expect(ds.count).toBe(g.count);
      expect(ds.shape).toEqual(g.shape);
      expect(Array.from(ds.labels)).toEqual(g.labels);
      if (g.format !== 'idx-pair') expect(ds.classes).toEqual(g.classes);
      if (g.pixelSum >= 0) expect(ds.images.reduce((s, x) => s + x, 0)).toBe(g.pixelSum);
    });
  }
});
