/**
 * Import size limits (issue 14, item 7): a file over the per-file cap, or files over the per-import cap together,
 * are refused with the file named and the sizes in the message. checkFileSizes is what the importer's read path
 * (workers/data.worker.ts) and the runner's (scripts/node/dataset-file.ts) call before reading a byte.
 */
import { describe, expect, it } from 'vitest';
import { checkFileSizes, DatasetFormatError, LIMITS } from '../../src/engine/data/errors';

const GiB = 2 ** 30;

describe('import size limits', () => {
  it('keeps one file under 1 GiB and one import under 1.5 GiB', () => {
    expect(LIMITS.maxFileBytes).toBe(GiB);
    expect(LIMITS.maxImportBytes).toBe(1.5 * GiB);
    expect(LIMITS.maxImportBytes).toBeLessThan(2 * GiB); // the structured-clone payload limit of a worker message
    expect(() => checkFileSizes([{ name: 'train-images-idx3-ubyte', size: 47_040_016 }, { name: 'train-labels-idx1-ubyte', size: 60_008 }])).not.toThrow();
  });

  it('names the file that is too large, and a set of files too large together', () => {
    let e: unknown;
    try { checkFileSizes([{ name: 'ok.bin', size: 10 }, { name: 'huge.tar', size: 3 * GiB }]); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(DatasetFormatError);
    expect((e as DatasetFormatError).code).toBe('too-large');
    expect((e as DatasetFormatError).message).toBe('huge.tar: too large: is 3.00 GiB; one file may be at most 1.00 GiB (split it, or import a subset)');
    expect(() => checkFileSizes([{ name: 'a.bin', size: 0.9 * GiB }, { name: 'b.bin', size: 0.9 * GiB }]))
      .toThrow('a.bin, b.bin: too large: are 1.80 GiB together; one import may be at most 1.50 GiB');
    expect(() => checkFileSizes([{ name: 'x', size: 11 }], { maxFileBytes: 10, maxImportBytes: 100 })).toThrow(/^x: too large: /);
  });
});
