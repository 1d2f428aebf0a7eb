/**
 * Latency tables in IndexedDB (fake-indexeddb): round trip, list newest first without entries, the lookup a search
 * uses (fingerprint + space + skeleton in any key order + batch size), attaching a report, and refusing a record of
 * an unknown version.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteLut, findLut, getLut, listLuts, LUT_RECORD_VERSION, openDb, putLut, putLutReport, type Db } from '../../src/db';
import type { LutRecord, PredictorReport } from '../../src/protocol/profile-api';

const opened: Db[] = [];
let n = 0;
async function freshDb(): Promise<Db> {
  const db = await openDb(`test-luts-${process.pid}-${++n}`);
  opened.push(db);
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function record(id: string, createdAt: number, over: Partial<LutRecord> = {}): LutRecord {
  return {
    version: LUT_RECORD_VERSION, id, createdAt, formatVersion: 1,
    fingerprint: { backend: 'wasm', adapter: 'wasm', software: false, wasmSimd: true, wasmThreads: 1, userAgent: 'ua', hardwareConcurrency: 2, tfjsVersion: '4.22.0' },
    fingerprintKey: 'wasm:0000abcd', spaceId: 'nb201',
    skeleton: { channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3], numClasses: 10 },
    spaceConfig: { space: 'nb201', ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] },
    batchSize: 1, seed: 0,
    settings: { passes: 1, warmup: 1, repeats: 1, maxCv: 0.15, targetRunMs: 1, maxInner: 1, warmupMs: 0 },
    entries: {
      'stem@8x8x3/s1->4': { ms: 0.5, p10Ms: 0.4, p90Ms: 0.6, cv: 0.3, noisy: true, runs: 3, firstRunMs: 2, inner: 1, measured: true },
      'skip_connect@8x8x4/s1->4': { ms: 0, p10Ms: 0, p90Ms: 0, cv: 0, noisy: false, runs: 0, firstRunMs: 0, inner: 0, measured: false },
    },
    fit: { a: 1.1, b: 0.2, n: 3, r2: 0.9, rmseMs: 0.1, method: 'least-squares' },
    fitSamples: [], buildMs: 1234,
    ...over,
  };
}

describe('luts store', () => {
  it('round trip, newest first, summaries without entries', async () => {
    const db = await freshDb();
    const s = await putLut(db, record('a', 1));
    expect(s).toMatchObject({ id: 'a', spaceId: 'nb201', backend: 'wasm', entries: 2, noisyEntries: 1, batchSize: 1 });
    await putLut(db, record('b', 2, { spaceId: 'darts' }));
    expect((await listLuts(db)).map((l) => l.id)).toEqual(['b', 'a']);
    expect(await getLut(db, 'a')).toEqual(record('a', 1));
    await deleteLut(db, 'b');
    expect((await listLuts(db)).map((l) => l.id)).toEqual(['a']);
  });

  it('findLut matches fingerprint, space, skeleton (any key order) and batch size; newest wins', async () => {
    const db = await freshDb();
    await putLut(db, record('old', 1));
    await putLut(db, record('new', 2));
    await putLut(db, record('batch4', 3, { batchSize: 4 }));
    await putLut(db, record('other-device', 4, { fingerprintKey: 'wasm:ffff0000' }));
    const q = { fingerprintKey: 'wasm:0000abcd', spaceId: 'nb201' as const, skeleton: { inputShape: [8, 8, 3], numClasses: 10, cellsPerStage: 1, channels: 4 } };
    expect((await findLut(db, q))?.id).toBe('new');
    expect((await findLut(db, { ...q, batchSize: 4 }))?.id).toBe('batch4');
    expect(await findLut(db, { ...q, skeleton: { ...q.skeleton, channels: 8 } })).toBeUndefined();
    expect(await findLut(db, { ...q, spaceId: 'mobile' })).toBeUndefined();
  });

  it('stores a validation report with its table', async () => {
    const db = await freshDb();
    await putLut(db, record('a', 1));
    const report: PredictorReport = { n: 1, within5: 1, within10: 1, meanAbsErrorPct: 1, medianAbsErrorPct: 1, maxAbsErrorPct: 1, kendallTau: NaN, worst: [], points: [{ label: 'x', predictedMs: 1.01, measuredMs: 1 }] };
    await putLutReport(db, 'a', report);
    expect((await listLuts(db))[0].report).toMatchObject({ n: 1, within10: 1 });
    await expect(putLutReport(db, 'missing', report)).rejects.toThrow(/not in this browser's storage/);
  });

  it('refuses a record of an unknown version by id and skips it in lists', async () => {
    const db = await freshDb();
    await db.put('luts', { ...record('future', 1), version: 99 } as LutRecord);
    await expect(getLut(db, 'future')).rejects.toThrow(/record version 99.*build it again/);
    expect(await listLuts(db)).toEqual([]);
  });
});
