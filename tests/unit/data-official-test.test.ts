/**
 * Official test sets (engine/data/official-test.ts): IDX t10k-* pairs and CIFAR test_batch / test.bin are the
 * locked test split whole; train/validation come from the training files only; mismatches are named; the split
 * record says `test: 'official'` with the file names, and older split records are migrated on read.
 */
import 'fake-indexeddb/auto';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../../src/engine/data/errors';
import { encodeIdxImages, encodeIdxLabels } from '../../src/engine/data/idx';
import { isCifarTestName, isIdxTestName, loadCifarFiles, loadIdxFiles, officialSplitSpec } from '../../src/engine/data/official-test';
import { checkSplit, makeSplit, splitClassCounts, testOriginOf } from '../../src/engine/data/splits';
import { getSplitRecord, openDb, putDataset, SPLIT_RECORD_VERSION } from '../../src/db';
import { migrateSplitRecord } from '../../src/db/records';
import { cifarBatchBytes, idxPairBytes, ustar } from '../helpers/dataset-files';

const named = (name: string, bytes: Uint8Array) => ({ name, bytes });

function idxFiles(trainCount: number, testCount: number, gz = false) {
  const tr = idxPairBytes(trainCount, 6, 1);
  const te = idxPairBytes(testCount, 6, 2);
  const z = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  const sfx = gz ? '.gz' : '';
  return [
    named(`t10k-labels-idx1-ubyte${sfx}`, z(te.labels)),
    named(`train-images-idx3-ubyte${sfx}`, z(tr.images)),
    named(`t10k-images-idx3-ubyte${sfx}`, z(te.images)),
    named(`train-labels-idx1-ubyte${sfx}`, z(tr.labels)),
  ];
}

describe('recognising official test files', () => {
  it('by name', () => {
    expect(isIdxTestName('t10k-images-idx3-ubyte.gz')).toBe(true);
    expect(isIdxTestName('dir/t10k-labels.idx1-ubyte')).toBe(true);
    expect(isIdxTestName('emnist-letters-test-images-idx3-ubyte')).toBe(true);
    expect(isIdxTestName('train-images-idx3-ubyte')).toBe(false);
    expect(isCifarTestName('cifar-10-batches-bin/test_batch.bin')).toBe(true);
    expect(isCifarTestName('cifar-100-binary/test.bin')).toBe(true);
    expect(isCifarTestName('test_batch.bin.gz')).toBe(true);
    expect(isCifarTestName('data_batch_1.bin')).toBe(false);
  });
});

describe('IDX train pair + t10k pair', () => {
  for (const gz of [false, true]) {
    it(`takes all t10k images as the test split and carves train/validation from the training files${gz ? ' (gzip)' : ''}`, async () => {
      const r = await loadIdxFiles(idxFiles(40, 12, gz), 'quads');
      expect(r.dataset.count).toBe(52);
      expect(r.official).toEqual({ files: [`t10k-images-idx3-ubyte${gz ? '.gz' : ''}`, `t10k-labels-idx1-ubyte${gz ? '.gz' : ''}`], values: [1], count: 12 });
      const spec = officialSplitSpec(r.official!, 3, 0.25);
      const split = makeSplit(r.dataset, spec);
      checkSplit(split, r.dataset.count);
      // Test = exactly the t10k images (indices 40..51), in full; validation only from the training files.
      expect(Array.from(split.test)).toEqual(Array.from({ length: 12 }, (_, i) => 40 + i));
      expect(split.valid.length).toBe(10);
      expect(split.train.length).toBe(30);
      expect(Math.max(...split.valid, ...split.train)).toBeLessThan(40);
      // Stratified as today: 20 + 20 training images per class -> 5 + 5 validation images.
      expect(splitClassCounts(split, r.dataset.labels, 2).valid).toEqual([5, 5]);
      expect(testOriginOf(spec)).toEqual({ test: 'official', files: r.official!.files });
    });
  }

  it('a single pair has no official test (carved as before)', async () => {
    const r = await loadIdxFiles(idxFiles(20, 4).filter((f) => f.name.startsWith('train')), 'quads');
    expect(r.official).toBeUndefined();
    expect(r.dataset.count).toBe(20);
    expect(testOriginOf({ method: 'stratified', seed: 1, valid: 0.1, test: 0.1 })).toEqual({ test: 'carved' });
  });

  it('names a shape mismatch between train and test files', async () => {
    const files = idxFiles(10, 4);
    const te = idxPairBytes(4, 5, 2);
    files[2] = named('t10k-images-idx3-ubyte', te.images);
    const err = await loadIdxFiles(files, 'quads').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect((err as DatasetFormatError).code).toBe('train-test-mismatch');
    expect((err as Error).message).toContain('test images are 5x5x1 but the training images (train-images-idx3-ubyte + train-labels-idx1-ubyte) are 6x6x1');
  });

  it('names a test label outside the training classes', async () => {
    const files = idxFiles(10, 4);
    files[0] = named('t10k-labels-idx1-ubyte', encodeIdxLabels(Uint8Array.from([0, 1, 7, 1])));
    const err = await loadIdxFiles(files, 'quads').catch((e: unknown) => e);
    expect((err as DatasetFormatError).code).toBe('train-test-mismatch');
    expect((err as Error).message).toContain('test label 7 (image 2) is not one of the 2 classes of the training labels');
  });

  it('names a missing file of a pair and a corrupt test file', async () => {
    const files = idxFiles(10, 4);
    // files: [t10k-labels, train-images, t10k-images, train-labels]
    await expect(loadIdxFiles([files[1], files[3], files[2], named('t10k-images-2', files[2].bytes)], 'q')).rejects.toThrow(/two test images files \(t10k-images-idx3-ubyte and t10k-images-2\)/);
    await expect(loadIdxFiles([files[1], files[3], files[2], named('other-labels', files[0].bytes)], 'q')).rejects.toThrow(/of 4 IDX files, 2 must be the test pair named t10k-… or …-test-…; 1 are/);
    const three = files.slice(0, 3);
    await expect(loadIdxFiles(three, 'q')).rejects.toThrow(/pick 2 IDX files .* or 4 .*; got 3/);
    files[2] = named('t10k-images-idx3-ubyte', encodeIdxImages(new Uint8Array(36 * 4), 4, 6, 6).subarray(0, 100));
    await expect(loadIdxFiles(files, 'q')).rejects.toThrow(/^t10k-images-idx3-ubyte: truncated: header says 4 images of 6x6/);
  });
});

describe('CIFAR official test batch', () => {
  it('test_batch.bin inside the tar.gz is the test split, whole', async () => {
    const tgz = gzipSync(ustar([
      { name: 'cifar-10-batches-bin/data_batch_1.bin', data: cifarBatchBytes(30, 1) },
      { name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBatchBytes(10, 2) },
      { name: 'cifar-10-batches-bin/data_batch_2.bin', data: cifarBatchBytes(20, 3) },
    ]));
    const r = await loadCifarFiles([named('cifar-10-binary.tar.gz', tgz)], 'C10');
    expect(r.official).toEqual({ files: ['cifar-10-binary.tar.gz/cifar-10-batches-bin/test_batch.bin'], values: [2], count: 10 });
    const split = makeSplit(r.dataset, officialSplitSpec(r.official!, 1, 0.1));
    checkSplit(split, r.dataset.count);
    expect(Array.from(split.test)).toEqual(Array.from({ length: 10 }, (_, i) => 50 + i));
    // 10 classes of 5 training images: every class keeps one validation image (as for a carved split).
    expect(split.valid.length).toBe(10);
    expect(split.train.length).toBe(40);
  });

  it('separate files: test.bin (CIFAR-100) next to train.bin; a lone test file is not an official split', async () => {
    const rec = (n: number) => {
      const b = new Uint8Array(n * 3074);
      for (let i = 0; i < n; i++) b[i * 3074 + 1] = i % 5;
      return b;
    };
    const r = await loadCifarFiles([named('test.bin', rec(6)), named('train.bin', rec(15))], 'C100', { variant: 'cifar100-fine' });
    expect(r.official).toEqual({ files: ['test.bin'], values: [0], count: 6 });
    const lone = await loadCifarFiles([named('test_batch.bin', cifarBatchBytes(5, 1))], 'C10');
    expect(lone.official).toBeUndefined();
  });
});

describe('split record v3', () => {
  it('stores test: official with the file names; a v2 record is migrated on read', async () => {
    const r = await loadIdxFiles(idxFiles(20, 6), 'quads');
    const spec = officialSplitSpec(r.official!, 1, 0.2);
    const split = makeSplit(r.dataset, spec);
    const db = await openDb(`official-${Date.now()}`);
    await putDataset(db, 'user:q', r.dataset, { source: 'test', builtin: false, split: { method: 'stratified', seed: 1, ...split, spec } });
    const rec = await getSplitRecord(db, 'user:q');
    expect(rec).toMatchObject({ version: SPLIT_RECORD_VERSION, testOrigin: { test: 'official', files: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] } });
    expect(rec!.test.length).toBe(6);
    // A v2 record (before test origins) read back through the migration.
    const { testOrigin: _drop, ...v2 } = rec!;
    await db.put('splits', { ...v2, version: 2, spec: { method: 'stratified', seed: 1, valid: 0.1, test: 0.1 } } as typeof rec & object);
    expect(await getSplitRecord(db, 'user:q')).toMatchObject({ version: SPLIT_RECORD_VERSION, testOrigin: { test: 'carved' } });
    const cifarV2 = migrateSplitRecord({ ...v2, version: 2, spec: { method: 'stratified', seed: 1, valid: 0.1, test: 0, testField: 'file', testValues: [5] } }, 2);
    expect(cifarV2.testOrigin).toEqual({ test: 'official', files: [] });
    db.close();
  });
});
