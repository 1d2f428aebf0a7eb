/**
 * Latency tables as files (src/shared/lut-file.ts, src/db/lut-file.ts) through fake-indexeddb: export -> import on
 * a fresh browser gives the same table (and the lookup a search uses finds it); a table already stored is never
 * replaced; a bad file is refused naming its field, and nothing is stored.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { exportLutFile, findLut, getLut, importLutFile, listLuts, LUT_RECORD_VERSION, openDb, putLut, type Db } from '../../src/db';
import { lutFileName, parseLutFileText } from '../../src/shared/lut-file';
import type { LutRecord } from '../../src/protocol/profile-api';

const opened: Db[] = [];
let n = 0;
async function freshDb(): Promise<Db> {
  const db = await openDb(`test-lut-file-${process.pid}-${++n}`);
  opened.push(db);
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

const RECORD: LutRecord = {
  version: LUT_RECORD_VERSION, id: 'wasm:0000abcd|nb201|b1', createdAt: 1_700_000_000_000, formatVersion: 1,
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
  fitSamples: [{ label: '|x|', sumMs: 1, measuredMs: 1.3, noisy: false }], buildMs: 1234,
};

const fileText = async (db: Db) => JSON.stringify(await exportLutFile(db, RECORD.id, new Date('2026-12-08T00:00:00Z')));

describe('latency table files', () => {
  it('export -> import on another browser: the same table, found by the lookup a search uses', async () => {
    const from = await freshDb();
    await putLut(from, RECORD);
    const text = await fileText(from);
    const file = parseLutFileText(text);
    expect(file).toMatchObject({ format: 'nas-playground-latency-table', version: 1, exportedAt: '2026-12-08T00:00:00.000Z' });
    expect(lutFileName(file.table)).toBe('latency-table-nb201-wasm-b1.json');

    const to = await freshDb();
    const summary = await importLutFile(to, file);
    expect(summary).toMatchObject({ id: RECORD.id, spaceId: 'nb201', entries: 2, createdAt: RECORD.createdAt });
    expect(await getLut(to, RECORD.id)).toEqual(RECORD);
    expect((await findLut(to, { fingerprintKey: 'wasm:0000abcd', spaceId: 'nb201', skeleton: RECORD.skeleton }))?.id).toBe(RECORD.id);

    // Importing it again never replaces what is stored.
    await expect(importLutFile(to, file)).rejects.toThrow('this browser already holds the table for this device, space, skeleton and batch size (nb201, batch 1); delete it first');
    expect(await listLuts(to)).toHaveLength(1);
  });

  it('keeps fields it does not read (a newer measuring protocol) and refuses a record version it cannot read', async () => {
    const db = await freshDb();
    const newer = JSON.stringify({ format: 'nas-playground-latency-table', version: 1, exportedAt: 'x', table: { ...RECORD, formatVersion: 2, measurement: { rounds: 7 } } });
    await importLutFile(db, parseLutFileText(newer));
    expect(await getLut(db, RECORD.id)).toMatchObject({ formatVersion: 2, measurement: { rounds: 7 } });
    const other = parseLutFileText(JSON.stringify({ format: 'nas-playground-latency-table', version: 1, exportedAt: 'x', table: { ...RECORD, id: 'v9', version: 9 } }));
    await expect(importLutFile(db, other)).rejects.toThrow('table.version is 9; this app reads latency tables of version 1');
  });

  it('names the bad field of a malformed file', () => {
    const withTable = (patch: Record<string, unknown>) => JSON.stringify({ format: 'nas-playground-latency-table', version: 1, exportedAt: 'x', table: { ...RECORD, ...patch } });
    expect(() => parseLutFileText('{')).toThrow(/^Not a latency table file this app can import: not valid JSON/);
    expect(() => parseLutFileText(JSON.stringify({ format: 'nas-playground-run', version: 2 }))).toThrow('format: format must be "nas-playground-latency-table" (is this a latency table exported by the Profiler tab?)');
    expect(() => parseLutFileText(withTable({ entries: { a: { ms: -1 } } }))).toThrow('table.entries.a.ms: an entry\'s ms must be >= 0');
    expect(() => parseLutFileText(withTable({ entries: {} }))).toThrow('table.entries: table.entries is empty');
    expect(() => parseLutFileText(withTable({ fit: { a: 1, n: 1 } }))).toThrow('table.fit.b: required field "b" is missing');
    expect(() => parseLutFileText(withTable({ spaceId: 'vgg' }))).toThrow('table.spaceId: table.spaceId must be one of nb201, darts, mobile');
    expect(() => parseLutFileText(withTable({ batchSize: 0 }))).toThrow('table.batchSize: table.batchSize must be >= 1');
  });
});
