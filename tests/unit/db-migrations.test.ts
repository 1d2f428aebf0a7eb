/**
 * Migrations (issue 14 item 10): a database left by each older version (1..5) with records in every store, in the
 * record versions current then (tests/helpers/db-fixtures.ts, captured from the old builds), opened by the current
 * openDb and read through the app's own read functions: every record readable, migrated fields right, counts equal,
 * and the stored runs and one-shot runs resume exactly as the workers resume them (getRun -> checkStoredRun ->
 * runSearchSession; getOneShotRun -> runOneShot), writing v6 records. Plus v6 -> v6 is a no-op. fake-indexeddb,
 * real tfjs (cpu) on tiny shapes.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { decodePlain, FIXTURE_IDS, OLD_DB_VERSIONS, oldDb, seedOldDb, type OldDb, type OldDbVersion } from '../helpers/db-fixtures';
import {
  CANDIDATE_RECORD_VERSION, DATASET_RECORD_VERSION, DB_VERSION, deleteRun, getCheckpoint, getLut, getOneShotCheckpoint, getOneShotRun, getRun,
  deleteOneShotRun, exportOneShotRunFile, exportRunFile, getSplitRecord, getTable, importOneShotRunFile, importRunFile, runsUsingDataset, listCandidates, listLuts, listOneShotRuns, listRuns, listStoredDatasets, listTables, loadDataset, loadSplit, openDb,
  SPLIT_RECORD_VERSION, type Db,
} from '../../src/db';
import { FULL_NB201_SPACE_CONFIG } from '../../src/db/runs';
import { checkStoredRun } from '../../workers/run-config';
import { runSearchSession } from '../../workers/search-session';
import { runOneShot } from '../../workers/oneshot-session';
import { RUN_CONFIG_VERSION } from '../../src/shared/run-config';
import { CHECKPOINT_VERSION, migrateSearchCheckpoint } from '../../src/engine/search/checkpoint';
import { createStrategy } from '../../src/engine/strategy/registry';
import { spaceFromConfig } from '../../src/engine/space/registry';
import type { SearchSpace } from '../../src/engine/space/types';
import { predictLatency } from '../../src/engine/profiler/lut';
import { ONESHOT_CONFIG_VERSION, ONESHOT_RUN_VERSION } from '../../src/protocol/oneshot-api';
import type { RunRecord } from '../../src/protocol/run';

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  // Node 20 has no navigator; the search session's device fingerprint reads these two fields.
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

const opened: Db[] = [];
afterAll(() => {
  for (const db of opened) db.close();
});

let count = 0;
async function openOld(version: OldDbVersion): Promise<{ db: Db; fixture: OldDb }> {
  const fixture = oldDb(version, `migrations-v${version}-${process.pid}-${++count}`);
  await seedOldDb(fixture);
  const db = await openDb(fixture.name);
  opened.push(db);
  return { db, fixture };
}

type Rec = Record<string, unknown>;
const recs = (f: OldDb, store: string) => decodePlain(f.records[store] ?? []) as readonly Rec[];
const never = new AbortController().signal;

/** Every store and index of the current schema (src/db/schema.ts). */
const CURRENT_STORES: Record<string, readonly string[]> = {
  datasets: [], datasetChunks: ['byDataset'], splits: [], runs: ['byUpdated'], candidates: ['byRun'], checkpoints: [], tables: ['byCreated'],
  luts: ['byCreated'], oneshotRuns: ['byUpdated'], oneshotCheckpoints: [], finalistJobs: ['byRun'], finalistStates: ['byJob'],
  models: ['byCreated', 'byJob'], modelWeights: [],
};

describe.each(OLD_DB_VERSIONS)('a database left at version %i', (version) => {
  it('opens at the current version with every store, and every record reads back migrated', async () => {
    const { db, fixture } = await openOld(version);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(Object.keys(CURRENT_STORES).sort());
    const tx = db.transaction([...db.objectStoreNames], 'readonly');
    for (const [store, indexes] of Object.entries(CURRENT_STORES)) expect([...tx.objectStore(store as 'runs').indexNames].sort()).toEqual([...indexes].sort());

    // Datasets: every one listed with its class counts and split, pixels and split intact.
    const datasets = await listStoredDatasets(db);
    expect(datasets.length).toBe(recs(fixture, 'datasets').length);
    for (const old of recs(fixture, 'datasets')) {
      const id = old.id as string;
      const listed = datasets.find((d) => d.meta.id === id);
      expect(listed?.meta).toMatchObject({ version: DATASET_RECORD_VERSION, name: old.name, count: old.count, classCounts: [12, 12] });
      expect(listed?.split?.version).toBe(SPLIT_RECORD_VERSION);
      // The upgrade rewrote v1 records in place (not only on read).
      expect((await db.get('datasets', id))?.version).toBe(DATASET_RECORD_VERSION);
      const ds = await loadDataset(db, id);
      const chunks = recs(fixture, 'datasetChunks').filter((c) => c.datasetId === id).sort((a, b) => (a.index as number) - (b.index as number));
      expect(ds.count).toBe(old.count);
      expect(Array.from(ds.images)).toEqual(chunks.flatMap((c) => Array.from(c.images as Uint8Array)));
      expect(Array.from(ds.labels)).toEqual(chunks.flatMap((c) => Array.from(c.labels as Uint8Array)));
      const oldSplit = recs(fixture, 'splits').find((s) => s.datasetId === id)!;
      const split = await loadSplit(db, id);
      for (const part of ['train', 'valid', 'test'] as const) expect(Array.from(split![part])).toEqual(Array.from(oldSplit[part] as Uint32Array));
      const record = await getSplitRecord(db, id);
      const counts = (part: 'train' | 'valid' | 'test') => [0, 1].map((c) => (oldSplit[part] as Uint32Array).filter((i) => ds.labels[i] === c).length);
      expect(record?.counts).toEqual({ train: counts('train'), valid: counts('valid'), test: counts('test') });
      // A split whose spec fixed the test part by a field (a CIFAR test_batch) is the dataset's official test set.
      expect(record?.testOrigin).toEqual(id === FIXTURE_IDS.quadrantsTestBatch ? { test: 'official', files: [] } : { test: 'carved' });
    }

    // Runs: listed, their configs the current version and accepted by the check a resume makes.
    const runs = await listRuns(db);
    expect(runs.map((r) => r.id).sort()).toEqual(recs(fixture, 'runs').map((r) => r.id as string).sort());
    for (const old of recs(fixture, 'runs')) {
      const run = (await getRun(db, old.id as string))!;
      expect(run.config.version).toBe(RUN_CONFIG_VERSION);
      expect(run).toMatchObject({ status: old.status, completed: old.completed, paretoIds: old.paretoIds });
      const checked = checkStoredRun(run).config;
      const oldConfig = old.config as Rec;
      expect(checked.name).toBe(oldConfig.name);
      if (oldConfig.version === 1) {
        expect(checked.space).toEqual(FULL_NB201_SPACE_CONFIG);
        expect(checked).toMatchObject({ strategy: { name: oldConfig.strategy, options: {} }, seed: oldConfig.seed, budget: { queries: oldConfig.budget }, objective: oldConfig.objective });
        expect(checked.evaluator).toMatchObject({ dataset: oldConfig.datasetId, channels: oldConfig.channels, epochs: oldConfig.epochs, trainSamples: oldConfig.trainSamples });
        expect(checked.pareto.cost).toBe(oldConfig.paretoCost);
      }

      const candidates = await listCandidates(db, run.id);
      const oldCandidates = recs(fixture, 'candidates').filter((c) => c.runId === run.id);
      expect(candidates.length).toBe(oldCandidates.length);
      for (const c of candidates) {
        const o = oldCandidates.find((x) => x.id === c.id)!;
        expect(c).toMatchObject({ version: CANDIDATE_RECORD_VERSION, arch: o.arch, hash: o.hash, metrics: o.metrics, objective: o.objective, feasible: o.feasible });
        expect(c.parents).toEqual(o.parents ?? []);
        // Curves were not recorded before candidate record version 3.
        expect(c.curve).toEqual([]);
      }

      // The checkpoint parses as the search core's format and its strategy state loads into the run's strategy.
      const cp = (await getCheckpoint(db, run.id))!;
      expect(cp.version).toBe(CHECKPOINT_VERSION);
      expect(cp.nextId).toBe(candidates.length);
      const parsed = migrateSearchCheckpoint({ ...cp, log: candidates });
      const space = spaceFromConfig(checked.space) as unknown as SearchSpace<unknown>;
      // The stored arch text still decodes, to the stored genotype and hash (the strategy's de-duplication relies on it).
      for (const c of candidates) {
        expect(space.encode(space.decode(c.arch))).toBe(c.arch);
        expect(space.hash(space.decode(c.arch))).toBe(c.hash);
        expect(space.decode(c.arch)).toEqual(c.genotype);
      }
      const strategy = createStrategy(checked.strategy.name, space, checked.strategy.options, checked.seed);
      strategy.loadStateDict(parsed.strategy);
      if (strategy.status !== 'running') strategy.resume(); // what the search core does with a paused checkpoint
      const seen = new Set(candidates.map((c) => c.hash));
      const next = strategy.ask();
      expect(next?.id).toBe(cp.nextId);
      expect(seen.has(next!.hash)).toBe(false);

      // The run exports as a run file and that file imports as a new run with the same candidates.
      const file = JSON.parse(JSON.stringify(await exportRunFile(db, run.id))) as unknown;
      const copy = await importRunFile(db, file, () => `${run.id}-copy`);
      expect((await listCandidates(db, copy.id)).map((c) => c.arch)).toEqual(candidates.map((c) => c.arch));
      await deleteRun(db, copy.id);
      expect((await runsUsingDataset(db, checked.evaluator.dataset)).map((r) => r.id)).toContain(run.id);
    }

    // Tables and latency tables: listed and readable (their CSV text and entries intact).
    expect((await listTables(db)).map((t) => t.id)).toEqual(recs(fixture, 'tables').map((t) => t.id));
    for (const t of recs(fixture, 'tables')) expect((await getTable(db, t.id as string))?.text).toBe(t.text);
    expect((await listLuts(db)).map((l) => l.id)).toEqual(recs(fixture, 'luts').map((l) => l.id));
    for (const l of recs(fixture, 'luts')) {
      const lut = (await getLut(db, l.id as string))!;
      expect(lut.entries).toEqual(l.entries);
      expect(Number.isFinite(predictLatency(lut, { ops: ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'none', 'skip_connect'] }))).toBe(true);
    }

    // One-shot runs: listed with the shared status words, config v2, candidates; checkpoints readable.
    const oneshot = await listOneShotRuns(db);
    expect(oneshot.map((r) => r.id).sort()).toEqual(recs(fixture, 'oneshotRuns').map((r) => r.id as string).sort());
    for (const r of oneshot) {
      const old = recs(fixture, 'oneshotRuns').find((x) => x.id === r.id)!;
      // Version 1's 'stopped-early' is 'done' with the cause 'early-stop'; a v1 'done' ran its whole schedule.
      const status = old.status === 'stopped-early' ? { status: 'done', stopCause: 'early-stop' } : old.status === 'done' ? { status: 'done', stopCause: 'exhausted' } : { status: old.status, stopCause: null };
      expect(r).toMatchObject({ version: ONESHOT_RUN_VERSION, ...status, epoch: old.epoch, phase: old.phase, arch: old.arch });
      expect(r.config.version).toBe(ONESHOT_CONFIG_VERSION);
      expect(r.history.epochs).toEqual((old.history as Rec).epochs);
      expect(r.history.earlyStop).toEqual((old.history as Rec).earlyStop);
      if (r.config.method === 'darts') expect(r.candidates.map((c) => c.arch)).toContain(old.arch);
      const ranked = (old.history as { ranked: { arch: string }[] | null }).ranked;
      if (ranked) expect(r.candidates.map((c) => c.arch)).toEqual(expect.arrayContaining(ranked.map((x) => x.arch)));
      const cp = (await getOneShotCheckpoint(db, r.id))!;
      const oldCp = recs(fixture, 'oneshotCheckpoints').find((x) => x.runId === r.id)!;
      expect(cp).toMatchObject({ epoch: oldCp.epoch, globalStep: oldCp.globalStep, meta: oldCp.meta });
      expect(Object.keys(cp.tensors)).toEqual(Object.keys(oldCp.tensors as Rec));
      const file = JSON.parse(JSON.stringify(await exportOneShotRunFile(db, r.id))) as unknown;
      const copy = await importOneShotRunFile(db, file, 'old.nas-run.json', () => `${r.id}-copy`);
      expect(copy.candidates.map((c) => c.arch)).toEqual(r.candidates.map((c) => c.arch));
      await deleteOneShotRun(db, copy.id);
    }
  });

  it('resumes every stored run and one-shot run as the workers do, writing v6 records', async () => {
    const { db, fixture } = await openOld(version);
    for (const old of recs(fixture, 'runs')) {
      const stored = (await getRun(db, old.id as string))!;
      const before = await listCandidates(db, stored.id);
      const done: RunRecord = await runSearchSession(db, checkStoredRun(stored), 'cpu', () => undefined, never);
      expect(done.error).toBeUndefined();
      expect(done.status).toBe('done');
      const after = await listCandidates(db, stored.id);
      expect(after.length).toBe(stored.config.budget.queries);
      // Nothing lost: the old candidates are still there as they were; the new ones continue the ids, never a duplicate.
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.map((c) => c.id)).toEqual(after.map((_, i) => i));
      expect(new Set(after.map((c) => c.hash)).size).toBe(after.length);
      expect(after.at(-1)).toMatchObject({ version: CANDIDATE_RECORD_VERSION, space: stored.config.space.space });
      expect((await getCheckpoint(db, stored.id))?.nextId).toBe(after.length);
    }
    for (const old of recs(fixture, 'oneshotRuns')) {
      const stored = (await getOneShotRun(db, old.id as string))!;
      if (stored.status === 'done') continue; // the worker's resume hands a done run back as it is
      const done = await runOneShot(db, stored, 'cpu', () => undefined, never);
      expect(done.error).toBeUndefined();
      expect(done.status).toBe('done');
      expect(done.epoch).toBe(stored.config.epochs);
      expect(done.history.epochs.slice(0, stored.history.epochs.length)).toEqual(stored.history.epochs);
      expect((await getOneShotRun(db, stored.id))?.version).toBe(ONESHOT_RUN_VERSION);
    }
    // The v6 stores work on the migrated database: a run deletes with its (empty) finalists jobs, the rest stays.
    const runs = await listRuns(db);
    const freed = await deleteRun(db, runs[0].id);
    expect(freed).toBeGreaterThan(0);
    expect((await listRuns(db)).length).toBe(runs.length - 1);
    expect((await listStoredDatasets(db)).length).toBe(recs(fixture, 'datasets').length);
  });
});

describe('a database already at the current version', () => {
  it('opens again without changing a record (v6 -> v6 is a no-op)', async () => {
    const { db, fixture } = await openOld(5);
    const dump = async (d: Db) => {
      const out: Record<string, unknown[]> = {};
      for (const store of [...d.objectStoreNames]) out[store] = await d.getAll(store);
      return out;
    };
    const first = await dump(db);
    db.close();
    const again = await openDb(fixture.name);
    opened.push(again);
    expect(again.version).toBe(DB_VERSION);
    expect(await dump(again)).toEqual(first);
  });
});
