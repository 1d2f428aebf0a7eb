/**
 * Import memory (issue 14 item 7): importing a dataset through the importer's path peaks below 1.5x its decoded
 * payload plus a constant, where the former whole-file path (the file read into one array, then parsed) goes over
 * the same bound. Measured in a process per import (bench/import-memory.ts: resident-set high-water mark, large
 * buffers mapped on their own, a GC every MiB read so garbage does not count); only memory is asserted, never time.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureImport, writeDatasetFiles, type DatasetFiles } from '../../bench/import-memory';

const MiB = 2 ** 20;
/** Stream chunks, the decompressor's buffers, GC granularity (~11 MiB measured for .gz). */
const CONSTANT = 16 * MiB;
const bound = (payload: number): number => 1.5 * payload + CONSTANT;

let files: DatasetFiles;
beforeAll(() => {
  // 60,000 x 28 x 28 (MNIST's size, 44.9 MiB decoded): twice the payload is clearly over the bound.
  // And 15,000 CIFAR-10 records in 5 batch files (44.0 MiB decoded).
  files = writeDatasetFiles(60_000, 15_000);
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('import peak memory', () => {
  it('streams a raw and a gzipped IDX pair under 1.5x the payload + a constant', () => {
    for (const pair of [[files.idx.images, files.idx.labels], [files.idx.imagesGz, files.idx.labelsGz]]) {
      const m = measureImport('idx', 'stream', pair);
      expect(m.payloadBytes).toBe(files.idx.payload);
      expect(m.peakBytes, `${pair[0]}: peak ${(m.peakBytes / MiB).toFixed(1)} MiB`).toBeLessThan(bound(m.payloadBytes));
      expect(m.peakBytes).toBeGreaterThan(m.payloadBytes * 0.9); // the measurement sees the payload itself
    }
  });

  it('streams CIFAR batches (two passes, one array) under the same bound', () => {
    const m = measureImport('cifar', 'stream', files.cifar!.batches);
    expect(m.payloadBytes).toBe(files.cifar!.payload);
    expect(m.peakBytes, `peak ${(m.peakBytes / MiB).toFixed(1)} MiB`).toBeLessThan(bound(m.payloadBytes));
  });

  it('the former whole-file path goes over that bound', () => {
    for (const [kind, batch, payload] of [['idx', [files.idx.images, files.idx.labels], files.idx.payload], ['cifar', files.cifar!.batches, files.cifar!.payload]] as const) {
      const m = measureImport(kind, 'whole', batch);
      expect(m.payloadBytes).toBe(payload);
      expect(m.peakBytes, `${kind}: peak ${(m.peakBytes / MiB).toFixed(1)} MiB`).toBeGreaterThan(bound(m.payloadBytes));
    }
  });
});
