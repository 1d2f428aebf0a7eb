/**
 * One-shot runs as run files (issue 13, items 7 and 8). Real tiny SPOS and DARTS searches run through the One-shot
 * worker's session (workers/oneshot-session.ts: engine core + IndexedDB via fake-indexeddb, CPU tfjs, a synthetic
 * 8x8 dataset) and store candidates with the space's canonical hash and the supernet they were ranked in; the run
 * exports to a run file, imports as a NEW run marked imported (same history and candidates, never resumable: no
 * supernet weights), and exports again identically. The schema accepts good files and black-box v1 files, and
 * names the bad field of a malformed one; a stored v2 record gets its candidates on read.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { quadrantDataset } from '../helpers/synthetic';
import {
  emptyOneShotHistory, exportOneShotRunFile, getOneShotCheckpoint, getOneShotRun, importOneShotRunFile, listOneShotRuns, oneShotRunFileName, openDb, putDataset, putOneShotRun, type Db,
} from '../../src/db';
import { ONESHOT_RUN_VERSION, type OneShotRunRecord } from '../../src/protocol/oneshot-api';
import { validateOneShotConfig, type OneShotConfig } from '../../src/shared/oneshot-config';
import { supernetConfigHash } from '../../src/shared/oneshot-lineage';
import { ONESHOT_FILE_NOTE, parseAnyRunFile, parseOneShotRunFile, parseOneShotRunFileText, type OneShotRunFile } from '../../src/shared/oneshot-run-file';
import { parseRunFile, RunFileError } from '../../src/shared/run-file';
import { createNb201Space } from '../../src/engine/space/nb201/space';
import { runOneShot } from '../../workers/oneshot-session';

let dbCount = 0;
const opened: Db[] = [];
async function freshDb(): Promise<Db> {
  const db = await openDb(`test-oneshot-run-file-${process.pid}-${++dbCount}`);
  opened.push(db);
  const ds = quadrantDataset(48, 8, 2);
  const ids = (from: number, to: number) => Uint32Array.from({ length: to - from }, (_, i) => from + i);
  await putDataset(db, 'user:quads', ds, { source: 'test', builtin: false, split: { method: 'test', seed: 1, train: ids(0, 16), valid: ids(16, 32), test: ids(32, 48) } });
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});
beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
});

const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
const tiny = (patch: Record<string, unknown>): OneShotConfig => validateOneShotConfig({
  ...example, name: 'tiny one-shot', space: 'nb201', datasetId: 'user:quads', channels: 2, epochs: 1, batchSize: 8, trainSamples: 16, validSamples: 16, backend: 'cpu', ...patch,
});
const SPOS = tiny({ method: 'spos', spos: { subnets: 4, flopsPenalty: 0.5, topK: 2, rankingCheck: 2, rankingCheckEpochs: 1 } });
const DARTS = tiny({ method: 'darts', epochs: 2 });
const NOW = new Date('2026-12-07T12:00:00.000Z');
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const nb201 = createNb201Space();

/** Creates and runs a one-shot run the way the worker does; returns the stored record. */
async function storeRun(db: Db, id: string, config: OneShotConfig): Promise<OneShotRunRecord> {
  const initial: OneShotRunRecord = {
    version: ONESHOT_RUN_VERSION, id, config, status: 'created', stopCause: null, epoch: 0, stepsPerEpoch: 0, phase: 'train',
    history: emptyOneShotHistory(), arch: null, candidates: [], createdAt: 1, updatedAt: 1,
  };
  await putOneShotRun(db, initial);
  const tensors = tf.memory().numTensors;
  const done = await runOneShot(db, initial, 'cpu', () => undefined, new AbortController().signal);
  expect(done.error).toBeUndefined();
  expect(tf.memory().numTensors).toBe(tensors);
  return (await getOneShotRun(db, id))!;
}

describe('one-shot run file through IndexedDB', () => {
  it('SPOS: ranked candidates with canonical hashes and their supernet; export -> import (show only) -> export is identical', async () => {
    const db = await freshDb();
    const run = await storeRun(db, 'spos-run', SPOS);
    expect(run.status).toBe('done');
    const ranked = run.history.ranked!;
    expect(ranked).toHaveLength(4);
    // Lineage in the stored record: every ranked subnet, best first, with the space's own hash and the supernet
    // (this run, its config hash, the 1 epoch its weights trained) it was ranked in; the top 2 are selected.
    const supernet = { id: `spos-run/${supernetConfigHash(SPOS)}@1`, runId: 'spos-run', configHash: supernetConfigHash(SPOS), epoch: 1 };
    expect(run.candidates.map((c) => c.arch)).toEqual(ranked.map((r) => r.arch));
    for (const [i, c] of run.candidates.entries()) {
      expect(c).toMatchObject({ id: i, source: 'ranked', objective: ranked[i].objective, selected: i < 2, supernet });
      expect(c.hash).toBe(nb201.hash(nb201.decode(c.arch)));
      expect(c.metrics).toMatchObject({ supernet_valid_acc: ranked[i].accuracy, mflops: ranked[i].mflops });
    }
    expect(run.candidates.filter((c) => c.metrics.standalone_valid_acc !== undefined)).toHaveLength(2);

    const file = roundTrip(await exportOneShotRunFile(db, 'spos-run', NOW));
    expect(file).toMatchObject({ format: 'nas-playground-run', version: 2, kind: 'oneshot', supernetWeights: 'not-included', note: ONESHOT_FILE_NOTE, runId: 'spos-run', checkpoint: null });
    expect(file.config.seed).toBe(SPOS.seed);
    expect(parseOneShotRunFile(file)).toEqual(file);
    expect(parseAnyRunFile(file)).toEqual(file);
    expect(oneShotRunFileName(file)).toBe('tiny-one-shot.nas-run.json');

    const copy = await importOneShotRunFile(db, file, 'tiny.nas-run.json', () => 'copy', 10);
    expect(copy.id).toBe('copy');
    const stored = (await getOneShotRun(db, 'copy'))!;
    expect(stored.imported).toEqual({ from: 'spos-run', exportedAt: NOW.toISOString(), file: 'tiny.nas-run.json' });
    // The same records shown: history (ranking, ranking check) and candidates with the ORIGINAL run's lineage.
    expect(roundTrip(stored.history)).toEqual(roundTrip(run.history));
    expect(stored.candidates).toEqual(run.candidates);
    expect([stored.status, stored.epoch, stored.phase, stored.arch]).toEqual([run.status, run.epoch, run.phase, run.arch]);
    expect(await getOneShotCheckpoint(db, 'copy')).toBeUndefined();
    expect((await listOneShotRuns(db)).map((r) => r.id).sort()).toEqual(['copy', 'spos-run']);
    expect(roundTrip(await exportOneShotRunFile(db, 'copy', NOW))).toEqual(file);
    // Show and compare only: the worker refuses to run an imported copy, saying why.
    await expect(runOneShot(db, stored, 'cpu', () => undefined, new AbortController().signal)).rejects.toThrow(/Supernet weights are not in run files/);
  }, 120_000);

  it('DARTS: one derived candidate per epoch, each naming the supernet epoch it was derived from; the last is the result', async () => {
    const db = await freshDb();
    const run = await storeRun(db, 'darts-run', DARTS);
    expect(run.history.genotypes).toHaveLength(2);
    expect(run.candidates.map((c) => [c.source, c.supernet.epoch, c.selected])).toEqual([['derived', 1, false], ['derived', 2, true]]);
    for (const c of run.candidates) expect(c.hash).toBe(nb201.hash(nb201.decode(c.arch)));
    expect(run.candidates[1].arch).toBe(run.arch);
    expect(run.candidates[1].metrics.supernet_valid_acc).toBe(run.history.epochs.find((e) => e.epoch === 1)!.validAcc);
    const file = roundTrip(await exportOneShotRunFile(db, 'darts-run', NOW));
    const copy = await importOneShotRunFile(db, parseOneShotRunFileText(JSON.stringify(file)), 'd.json', () => 'copy', 10);
    expect(roundTrip((await getOneShotRun(db, copy.id))!.history)).toEqual(roundTrip(run.history));
  }, 120_000);

  it('a stored version-2 record (before lineage) gets its candidates on read, hash null where the history has none', async () => {
    const db = await freshDb();
    const h = emptyOneShotHistory();
    const g = nb201.decode('|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_3x3~2|');
    const v2 = {
      version: 2, id: 'old', config: DARTS, status: 'done', stopCause: 'exhausted', epoch: 1, stepsPerEpoch: 2, phase: 'done', arch: nb201.encode(g), createdAt: 0, updatedAt: 0,
      history: { ...h, genotypes: [{ epoch: 0, genotype: g, arch: nb201.encode(g), changed: true }], epochs: [{ epoch: 0, lr: 0.01, trainLoss: 1, validLoss: 0.9, validAcc: 55 }] },
    };
    await putOneShotRun(db, v2 as unknown as OneShotRunRecord);
    const read = (await getOneShotRun(db, 'old'))!;
    expect(read.version).toBe(ONESHOT_RUN_VERSION);
    expect(read.candidates).toEqual([{
      id: 0, source: 'derived', arch: nb201.encode(g), hash: null, genotype: g, metrics: { supernet_valid_acc: 55, supernet_valid_loss: 0.9 }, objective: null, selected: true,
      supernet: { id: `old/${supernetConfigHash(DARTS)}@1`, runId: 'old', configHash: supernetConfigHash(DARTS), epoch: 1 },
    }]);
    // ... and exports as a valid run file (hash null is allowed: unknown, not invented).
    expect(parseOneShotRunFile(roundTrip(await exportOneShotRunFile(db, 'old', NOW))).candidates[0].hash).toBeNull();
  });
});

describe('one-shot run file schema', () => {
  const candidate = (runId: string, config: OneShotConfig) => ({
    id: 0, source: 'derived', arch: '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|', hash: 'abc', genotype: { ops: [] }, metrics: { supernet_valid_acc: 50 }, objective: null, selected: true,
    supernet: { id: `${runId}/${supernetConfigHash(config)}@2`, runId, configHash: supernetConfigHash(config), epoch: 2 },
  });
  const good = (): OneShotRunFile & Record<string, unknown> => roundTrip({
    format: 'nas-playground-run', version: 2, kind: 'oneshot', exportedAt: NOW.toISOString(), supernetWeights: 'not-included', note: ONESHOT_FILE_NOTE, runId: 'r',
    config: DARTS, backend: 'wasm', status: 'done', stopCause: 'exhausted', epoch: 2, stepsPerEpoch: 2, phase: 'done', arch: candidate('r', DARTS).arch,
    candidates: [candidate('r', DARTS)], history: emptyOneShotHistory(), checkpoint: null,
  }) as OneShotRunFile & Record<string, unknown>;
  const bad = (patch: (f: OneShotRunFile & Record<string, unknown>) => unknown) => () => parseOneShotRunFile(patch(good()));

  it('accepts a good file, tells the two kinds apart, and still reads a black-box version-1 file', () => {
    expect(parseOneShotRunFile(good())).toEqual(good());
    // JSON writes a NaN tau (tied scores) or a diverged loss as null: still a good file.
    const nan = { ...good(), history: { ...good().history, rankingCheck: { version: 1, n: 2, kendallTau: null, spearman: null, topK: 1, topKOverlap: 1, subnets: [] } } };
    expect(parseOneShotRunFile(nan).history.rankingCheck?.kendallTau).toBeNull();
    expect(() => parseRunFile(good())).toThrow('kind: this is a one-shot run file (DARTS / PC-DARTS / SPOS): the One-shot tab imports it');
    const v1 = {
      format: 'nas-playground-run', version: 1, exportedAt: NOW.toISOString(), backend: null, status: 'done', checkpoint: null,
      config: { version: 3, name: 'r', space: 'nb201', strategy: { name: 'random', options: {} }, seed: 1, budget: { queries: 1 }, evaluator: { kind: 'tabular', table: 't.csv' } },
      candidates: [{ id: 0, arch: 'a', hash: 'h', metrics: { valid_acc: 1 }, objective: 1, feasible: true, parents: [] }],
    };
    expect(parseAnyRunFile(v1)).toMatchObject({ version: 2, kind: 'search', candidates: [{ arch: 'a' }] });
    expect(() => parseOneShotRunFile(v1)).toThrow('kind: this is a black-box search run file: the Search tab imports it');
  });

  it('names the bad field of a malformed file', () => {
    expect(bad((f) => ({ ...f, supernetWeights: 'included' }))).toThrow('supernetWeights: supernetWeights must be "not-included" (run files never hold supernet weights)');
    expect(bad((f) => ({ ...f, checkpoint: {} }))).toThrow('checkpoint: checkpoint must be null (a one-shot run file holds no supernet weights to resume from)');
    expect(bad((f) => ({ ...f, version: 1 }))).toThrow('version: version must be 2 for a one-shot run file');
    expect(bad((f) => ({ ...f, candidates: [{ ...f.candidates[0], supernet: { ...f.candidates[0].supernet, epoch: -1 } }] }))).toThrow('candidates.0.supernet.epoch: supernet.epoch must be >= 0');
    expect(bad((f) => ({ ...f, candidates: [{ ...f.candidates[0], id: 3 }] }))).toThrow('candidates.0.id: must be 0 (ids are 0..n-1 in order), got 3');
    expect(bad((f) => ({ ...f, candidates: [candidate('other', DARTS)] }))).toThrow('candidates.0.supernet.runId: is "other" but the file\'s runId is "r"');
    expect(bad((f) => ({ ...f, config: { ...f.config, epochs: 3 } }))).toThrow(/candidates\.0\.supernet\.configHash: is [0-9a-f]{16} but the config hashes to [0-9a-f]{16} \(the config was edited after the run\)/);
    expect(bad((f) => ({ ...f, config: { ...f.config, method: 'darts', space: 'mobile' } }))).toThrow('config: DARTS needs a cell space');
    expect(bad((f) => ({ ...f, history: { ...f.history, epochs: [{ epoch: 0, lr: 'fast' }] } }))).toThrow('history.epochs.0.lr: lr must be a number');
    expect(bad((f) => ({ ...f, extra: 1 }))).toThrow('extra: unknown one-shot run file field');
    expect(bad((f) => ({ ...f, candidates: [{ ...f.candidates[0], hash: '' }] }))).toThrow(RunFileError);
    expect(() => parseOneShotRunFileText('{"kind":')).toThrow(/Invalid run file: not valid JSON/);
  });
});
