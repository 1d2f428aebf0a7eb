/**
 * The runner's --dataset / --test loader (scripts/node/dataset-file.ts) on real files written here: an IDX folder
 * with its t10k pair (found by name), CIFAR tar.gz and loose batches with --test, an image zip, image folders
 * joined by class name, and the errors for a mixed pick, a class the training set lacks and a test batch given twice.
 */
import { gzipSync } from 'fflate';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../../src/engine/data/errors';
import { datasetToZip, encodePng } from '../../src/engine/data/export';
import { checkSplit } from '../../src/engine/data/splits';
import { loadDatasetFiles } from '../../scripts/node/dataset-file';
import { cifarBatchBytes, idxPairBytes, ustar } from '../helpers/dataset-files';
import { quadrantDataset } from '../helpers/synthetic';

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'nas-dsfile-'));
}

function put(dir: string, name: string, bytes: Uint8Array): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return p;
}

/** A class-per-folder PNG tree of `n` images per class. */
function imageFolder(root: string, classes: readonly string[], n: number): string {
  classes.forEach((c, k) => {
    for (let i = 0; i < n; i++) put(root, `${c}/${i}.png`, encodePng(new Uint8Array(4 * 4 * 3).fill(40 * k + i), 4, 4, 3));
  });
  return root;
}

describe('loadDatasetFiles', () => {
  it('a folder with an IDX pair and a gzipped t10k pair: the t10k images are the official test split', async () => {
    const dir = tmp();
    const tr = idxPairBytes(30, 6, 1);
    const te = idxPairBytes(10, 6, 2);
    put(dir, 'train-images-idx3-ubyte', tr.images);
    put(dir, 'train-labels-idx1-ubyte', tr.labels);
    put(dir, 't10k-images-idx3-ubyte.gz', gzipSync(te.images));
    put(dir, 't10k-labels-idx1-ubyte.gz', gzipSync(te.labels));
    const d = await loadDatasetFiles([dir]);
    expect(d.ds.count).toBe(40);
    expect(d.testOrigin).toEqual({ test: 'official', files: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] });
    expect(Array.from(d.split.test)).toEqual(Array.from({ length: 10 }, (_, i) => 30 + i));
    checkSplit(d.split, d.ds.count);
    // Without the test pair: carved 10% / 10%, as the app suggests.
    const only = await loadDatasetFiles([path.join(dir, 'train-images-idx3-ubyte'), path.join(dir, 'train-labels-idx1-ubyte')]);
    expect(only.testOrigin).toEqual({ test: 'carved' });
    expect(only.split.test.length).toBe(3);
  });

  it('CIFAR: test_batch.bin found in a tar.gz; loose batches with --test; a test batch given twice is refused', async () => {
    const dir = tmp();
    const tgz = put(dir, 'cifar-10-binary.tar.gz', gzipSync(ustar([
      { name: 'cifar-10-batches-bin/data_batch_1.bin', data: cifarBatchBytes(40, 1) },
      { name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBatchBytes(20, 2) },
    ])));
    const a = await loadDatasetFiles([tgz]);
    expect(a.testOrigin).toEqual({ test: 'official', files: ['cifar-10-binary.tar.gz/cifar-10-batches-bin/test_batch.bin'] });
    expect(a.split.test.length).toBe(20);
    expect(a.ds.shape).toEqual([32, 32, 3]);
    const b1 = put(dir, 'loose/data_batch_1.bin', cifarBatchBytes(40, 1));
    const t = put(dir, 'held/test_batch.bin', cifarBatchBytes(20, 2));
    const b = await loadDatasetFiles([b1], [t]);
    expect(b.testOrigin).toEqual({ test: 'official', files: ['test_batch.bin'] });
    expect(Array.from(b.split.test)).toEqual(Array.from({ length: 20 }, (_, i) => 40 + i));
    await expect(loadDatasetFiles([tgz], [t])).rejects.toThrow(/train test mismatch: the training files already hold this test batch/);
  });

  it('an image zip (carved) and image folders with --test joined by class name', async () => {
    const dir = tmp();
    const ds = { ...quadrantDataset(20, 4, 3), shape: [4, 4, 1] as [number, number, number] };
    const zip = put(dir, 'quads.zip', datasetToZip(ds));
    const z = await loadDatasetFiles([zip]);
    expect(z.ds.count).toBe(20);
    expect(z.ds.classes).toEqual(['bottom-right', 'top-left']);
    expect(z.testOrigin).toEqual({ test: 'carved' });
    const train = imageFolder(path.join(dir, 'train'), ['cat', 'dog', 'eel'], 5);
    const test = imageFolder(path.join(dir, 'test'), ['eel', 'cat'], 2);
    const f = await loadDatasetFiles([train], [test]);
    expect(f.ds.classes).toEqual(['cat', 'dog', 'eel']);
    expect(f.ds.count).toBe(19);
    expect(f.testOrigin).toEqual({ test: 'official', files: ['test'] });
    // The test folder's classes (cat, eel) are mapped onto the training classes by name.
    expect(Array.from(f.split.test, (i) => f.ds.labels[i]).sort()).toEqual([0, 0, 2, 2]);
    const bad = imageFolder(path.join(dir, 'test2'), ['cat', 'fox'], 1);
    await expect(loadDatasetFiles([train], [bad])).rejects.toThrow(/test class "fox" is not a class of the training set \(train: cat, dog, eel\)/);
  });

  it('a pick that mixes kinds, and a file the runner does not read, are named', async () => {
    const dir = tmp();
    const tr = idxPairBytes(10, 6, 1);
    const img = put(dir, 'train-images-idx3-ubyte', tr.images);
    const bin = put(dir, 'data_batch_1.bin', cifarBatchBytes(2, 1));
    await expect(loadDatasetFiles([img, bin])).rejects.toThrow(/--dataset: mixes idx and cifar files/);
    const txt = put(dir, 'notes.csv', new TextEncoder().encode('a,b\n1,2\n'));
    const err = await loadDatasetFiles([txt]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect((err as Error).message).toContain('notes.csv: unsupported: not a dataset file the runner reads (looks like csv)');
  });
});
