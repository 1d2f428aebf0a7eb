/**
 * The run file in IndexedDB (fake-indexeddb): a Search-tab run stored the way the search worker stores it
 * (every candidate with its checkpoint in one transaction, the core's checkpoint without its log) is exported,
 * validated, imported as a NEW run (never overwriting), exported again identically (but for ids and dates), and
 * resumed from the imported copy on the same trajectory as an uninterrupted run. Bad files get specific messages;
 * version-1 candidate records read with `parents: []`.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { commitCandidate, commitRunState, CANDIDATE_RECORD_VERSION, exportRunFile, getCheckpoint, importRunFile, listCandidates, listRuns, openDb, putRun, RUN_RECORD_VERSION, runFileName, type Db } from '../../src/db';
import { migrateCandidateRecord } from '../../src/db/runs';
import type { CandidateRecord, RunConfig, RunRecord } from '../../src/protocol/run';
import { parseRunConfig } from '../../src/shared/run-config';
import { parseRunFile, parseRunFileText, RunFileError, type RunFile } from '../../src/shared/run-file';
import { runSearchSync, type SavePoint } from '../../src/engine/search/loop';
import { createStrategy } from '../../src/engine/strategy/registry';
import { spaceFromConfig } from '../../src/engine/space/registry';
import type { SearchSpace } from '../../src/engine/space/types';
import type { SyncEvaluator } from '../../src/engine/evaluator/types';
import type { Candidate } from '../../src/engine/strategy/types';

let dbCount = 0;
const opened: Db[] = [];
async function freshDb(): Promise<Db> {
  const db = await openDb(`test-run-file-${process.pid}-${++dbCount}`);
  opened.push(db);
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

const config = parseRunConfig({
  version: 3, name: 'evo run', space: 'nb201', strategy: { name: 'evolution', options: { populationSize: 3, sampleSize: 2 } }, seed: 5, budget: { queries: 5 },
  evaluator: { kind: 'train', dataset: 'builtin:mnist-10k', backend: 'cpu' }, pareto: { accuracy: 'valid_acc', cost: 'params' },
}) as RunConfig;
const space = spaceFromConfig(config.space) as unknown as SearchSpace<unknown>;
/** A deterministic stand-in for training (the component under test is storage, not the trainer). */
function metricsOf(c: Candidate<unknown>): Record<string, number> {
  let h = 0;
  for (const ch of c.hash) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { valid_acc: 50 + (h % 400) / 10, params: 1000 + (h % 997), train_time_s: 1 };
}
const evaluator: SyncEvaluator<unknown> = { evaluate: (c) => Promise.resolve(metricsOf(c)), evaluateSync: metricsOf };
const strategy = () => createStrategy(config.strategy.name, space, config.strategy.options, config.seed);

/** Stores a run of `queries` candidates as the search worker does. */
async function storeRun(db: Db, id: string, queries: number): Promise<RunRecord> {
  let run: RunRecord = { version: RUN_RECORD_VERSION, id, config, status: 'created', createdAt: 1, updatedAt: 1, completed: 0, paretoIds: [], backend: 'cpu' };
  await putRun(db, run);
  const points: SavePoint<unknown>[] = [];
  runSearchSync({ space, strategy: strategy(), evaluator, budget: { queries }, checkpointEvery: 1, checkpointLog: false, abortAs: 'paused', save: (p) => { points.push(p); } });
  for (const p of points) {
    const cp = { ...p.checkpoint, runId: id, updatedAt: 2 };
    if (p.entry && p.candidate) {
      const e = p.entry;
      const rec: CandidateRecord = {
        version: CANDIDATE_RECORD_VERSION, runId: id, id: e.id, arch: e.arch, hash: e.hash, space: 'nb201', genotype: p.candidate.genotype, metrics: e.metrics,
        objective: e.objective, feasible: e.feasible, parents: e.parents ?? [], curve: [], backend: 'cpu', createdAt: 2,
      };
      run = { ...run, completed: p.checkpoint.nextId, updatedAt: 2 };
      await commitCandidate(db, run, rec, cp);
    } else {
      run = { ...run, status: 'paused', updatedAt: 3 };
      await commitRunState(db, run, cp);
    }
  }
  return run;
}

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const NOW = new Date('2026-12-07T12:00:00.000Z');

describe('run file: export and import through IndexedDB', () => {
  it('export -> import (a new run, the original untouched) -> export is identical; the copy resumes on the same trajectory', async () => {
    const db = await freshDb();
    await storeRun(db, 'orig', 5);
    const before = await listCandidates(db, 'orig');
    const file = roundTrip(await exportRunFile(db, 'orig', NOW));
    expect(parseRunFile(file)).toEqual(file);
    expect(file.candidates).toHaveLength(5);
    expect(file.candidates.slice(3).every((c) => c.parents.length === 1 && c.parents[0] < c.id)).toBe(true);
    expect(file.checkpoint?.nextId).toBe(5);
    expect(runFileName(file)).toBe('evo-run.nas-run.json');

    const copy = await importRunFile(db, file, () => 'copy', 10);
    expect(copy.id).toBe('copy');
    expect((await listRuns(db)).map((r) => r.id).sort()).toEqual(['copy', 'orig']);
    expect(await listCandidates(db, 'orig')).toEqual(before);
    const copied = await listCandidates(db, 'copy');
    expect(copied.map(({ runId: _r, createdAt: _c, ...rest }) => rest)).toEqual(before.map(({ runId: _r, createdAt: _c, ...rest }) => rest));
    expect(copy.status).toBe('paused');
    expect(copy.completed).toBe(5);
    expect(copy.paretoIds.length).toBeGreaterThan(0);
    expect(roundTrip(await exportRunFile(db, 'copy', NOW))).toEqual(file);

    // Resume the copy as the worker does: its checkpoint with its candidates as the log.
    const cp = (await getCheckpoint(db, 'copy'))!;
    const resumed = runSearchSync({ space, strategy: strategy(), evaluator, budget: { queries: 9 }, resumeFrom: { ...cp, log: copied } });
    const whole = runSearchSync({ space, strategy: strategy(), evaluator, budget: { queries: 9 } });
    expect(roundTrip(resumed.log)).toEqual(roundTrip(whole.log));
  });

  it('never overwrites: an id that is taken is drawn again, and the stored run stays as it was', async () => {
    const db = await freshDb();
    await storeRun(db, 'orig', 3);
    const file = await exportRunFile(db, 'orig', NOW);
    const ids = ['orig', 'orig', 'fresh'];
    const copy = await importRunFile(db, roundTrip(file), () => ids.shift()!, 10);
    expect(copy.id).toBe('fresh');
    const orig = (await listRuns(db)).find((r) => r.id === 'orig')!;
    expect(orig.createdAt).toBe(1);
    expect((await listCandidates(db, 'orig')).every((c) => c.runId === 'orig' && c.createdAt === 2)).toBe(true);
  });

  it('rejects bad files with messages that name the path', async () => {
    const db = await freshDb();
    await storeRun(db, 'orig', 4);
    const good = roundTrip(await exportRunFile(db, 'orig', NOW));
    const bad = (patch: (f: RunFile & Record<string, unknown>) => unknown) => () => parseRunFile(patch(roundTrip(good) as RunFile & Record<string, unknown>));
    expect(bad((f) => ({ ...f, format: 'zip' }))).toThrow('format: format must be "nas-playground-run"');
    expect(bad((f) => ({ ...f, version: 3 }))).toThrow('version: version must be 1 or 2');
    // A version-1 file (before one-shot files: no kind) still reads, as version 2.
    const { kind: _kind, ...v1 } = { ...roundTrip(good), version: 1 };
    expect(parseRunFile(v1)).toEqual(good);
    // The headless runner's fields beside the run (a --dataset run's data, the finalists stage) are allowed.
    expect(parseRunFile({ ...good, dataset: { name: 'quads' }, finalists: [] })).toMatchObject({ kind: 'search' });
    expect(bad((f) => ({ ...f, kind: 'oneshot' }))).toThrow('kind: this is a one-shot run file (DARTS / PC-DARTS / SPOS): the One-shot tab imports it');
    expect(bad((f) => ({ ...f, extra: 1 }))).toThrow('extra: unknown run file field');
    expect(bad((f) => ({ ...f, candidates: f.candidates.map((c, i) => (i === 2 ? { ...c, objective: 'high' } : c)) }))).toThrow('candidates.2.objective: objective must be a number or null');
    expect(bad((f) => ({ ...f, candidates: f.candidates.map((c, i) => (i === 1 ? { ...c, id: 7 } : c)) }))).toThrow('candidates.1.id: must be 1 (ids are 0..n-1 in order), got 7');
    expect(bad((f) => ({ ...f, candidates: f.candidates.map((c, i) => (i === 3 ? { ...c, parents: [3] } : c)) }))).toThrow('candidates.3.parents: must name earlier candidates (ids < 3), got [3]');
    expect(bad((f) => ({ ...f, candidates: f.candidates.slice(0, 3) }))).toThrow('checkpoint.nextId: is 4 but the file holds 3 candidates');
    expect(bad((f) => ({ ...f, config: { ...f.config, seed: -1 } }))).toThrow('config.seed: seed must be >= 0');
    expect(bad((f) => ({ ...f, candidates: f.candidates.map(({ parents: _p, ...c }) => c) }))).toThrow('candidates.0.parents: required candidate field is missing');
    expect(() => parseRunFileText('{"format":')).toThrow(RunFileError);
    expect(() => parseRunFileText('{"format":')).toThrow(/Invalid run file: not valid JSON/);
    const tabular = { ...good, config: { ...good.config, evaluator: { kind: 'tabular', table: 'x.csv' } } };
    await expect(importRunFile(db, tabular)).rejects.toThrow('config.evaluator.kind: the Search tab trains its candidates; a tabular run file resumes in the headless runner');
    await expect(importRunFile(db, { ...good, format: 'zip' })).rejects.toThrow(RunFileError);
    expect((await listRuns(db)).map((r) => r.id)).toEqual(['orig']);
  });

  it('a version-1 candidate record (before lineage) is read with parents: [] and curve: []', () => {
    const v1 = { version: 1, runId: 'r', id: 0, arch: 'a', hash: 'h', space: 'nb201' as const, genotype: null, metrics: {}, objective: 1, feasible: true, backend: 'cpu' as const, createdAt: 0 };
    expect(migrateCandidateRecord(v1)).toEqual({ ...v1, version: CANDIDATE_RECORD_VERSION, parents: [], curve: [] });
  });

  it('a version-2 candidate record (before curves) keeps its parents and is read with curve: []', () => {
    const v2 = { version: 2, runId: 'r', id: 1, arch: 'a', hash: 'h', space: 'nb201' as const, genotype: null, metrics: {}, objective: 1, feasible: true, parents: [0], backend: 'cpu' as const, createdAt: 0 };
    expect(migrateCandidateRecord(v2)).toEqual({ ...v2, version: CANDIDATE_RECORD_VERSION, curve: [] });
  });
});
