/**
 * The finalists of a run file (shared/run-file-finalists.ts, db/run-file-models.ts): the schema (a good file, bad
 * entries with the path and the reason, an older file without finalists), the headless runner's merge on
 * --resume, and the round trip through IndexedDB (fake-indexeddb): a Search-tab run with two re-trained models
 * (stored as the finalists worker stores them, weights included) is exported — reports with TEST numbers, recipe,
 * seed, latency per backend, lineage, no weights — imported as a new run whose models are marked imported with
 * the same reports and no weights, exported again to the same finalists, and never duplicated; a one-shot run
 * file does the same (its finalists name the supernet they were ranked in).
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  commitCandidate, commitModel, emptyOneShotHistory, exportOneShotRunFile, exportRunFile, getModelWeights, importOneShotRunFile, importRunFile, listModels, listRuns, openDb, putOneShotRun, putRun,
  CANDIDATE_RECORD_VERSION, RUN_RECORD_VERSION, type Db,
  isSearchedModel,
} from '../../src/db';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ONESHOT_RUN_VERSION } from '../../src/protocol/oneshot-api';
import { validateOneShotConfig } from '../../src/shared/oneshot-config';
import { supernetConfigHash, type OneShotCandidate } from '../../src/shared/oneshot-lineage';
import { parseOneShotRunFile } from '../../src/shared/oneshot-run-file';
import { IMPORTED_MODEL_REASON } from '../../src/db/run-file-models';
import { FINALIST_JOB_VERSION, MODEL_RECORD_VERSION, MODEL_WEIGHTS_VERSION, type FinalistJobRecord, type FinalistModelRecord } from '../../src/protocol/finalists-api';
import type { CandidateRecord, RunConfig, RunRecord } from '../../src/protocol/run';
import { parseFinalistRecipe } from '../../src/shared/finalist-recipe';
import { parseRunConfig } from '../../src/shared/run-config';
import { parseRunFile, type RunFile } from '../../src/shared/run-file';
import { mergeRunFileFinalists, recipeHash, type RunFileFinalist } from '../../src/shared/run-file-finalists';

let dbCount = 0;
const opened: Db[] = [];
async function freshDb(): Promise<Db> {
  const db = await openDb(`test-run-file-finalists-${process.pid}-${++dbCount}`);
  opened.push(db);
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

const config = parseRunConfig({
  version: 3, name: 'fin run', space: 'nb201', strategy: { name: 'random' }, seed: 7, budget: { queries: 3 },
  evaluator: { kind: 'train', dataset: 'builtin:mnist-10k', backend: 'cpu' }, pareto: { accuracy: 'valid_acc', cost: 'params' },
}) as RunConfig;
const recipe = parseFinalistRecipe({ epochs: 2, batchSize: 16 });
const longer = parseFinalistRecipe({ epochs: 3, batchSize: 16 });
const NOW = new Date('2026-12-07T12:00:00.000Z');
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const candidate = (id: number, parents: number[]): CandidateRecord => ({
  version: CANDIDATE_RECORD_VERSION, runId: 'orig', id, arch: `arch-${id}`, hash: `hash-${id}`, space: 'nb201', genotype: { ops: [id] },
  metrics: { valid_acc: 60 + id, params: 1000 + id }, objective: 0.6 + id / 100, feasible: true, parents, curve: [], backend: 'cpu', createdAt: 2,
});

function model(candidateId: number, r = recipe, createdAt = 5): FinalistModelRecord {
  const acc = 0.8 + candidateId / 100;
  return {
    version: MODEL_RECORD_VERSION, kind: 'finalist', id: `job:finalist-${candidateId}:${r.epochs}:${createdAt}`, jobId: 'job', key: `finalist-${candidateId}`, runId: 'orig', runName: 'fin run',
    candidateId, space: 'nb201', genotype: { ops: [candidateId] }, arch: `arch-${candidateId}`, hash: `hash-${candidateId}`, skeleton: { channels: 4 },
    datasetId: 'builtin:mnist-10k', classes: ['a', 'b'], seed: 100 + candidateId, recipe: r, latencyMs: { wasm: 1.5, cpu: 4 }, source: 'search', lineage: { parents: candidateId === 2 ? [0] : [] }, createdAt,
    report: {
      params: 500, macs: 9000, latency_ms: 1.5, backend: 'wasm', valid_acc: 0.75,
      retrain: { epochs: r.epochs, best_epoch: 1, stop: 'epochs', class_weights: [1, 1], flip: false, train_count: 32, history: [{ epoch: 0, trainLoss: 1.2, validAcc: 0.6, learningRate: 0.05 }] },
      test: {
        split: 'test', count: 20, accuracy: acc, macro_recall: acc, ece: 0.05, confusion: [[9, 1], [2, 8]],
        per_class: [{ class: 'a', precision: 0.82, recall: 0.9, f1: 0.86, support: 10 }, { class: 'b', precision: 0.89, recall: 0.8, f1: 0.84, support: 10 }],
        reliability: [{ lower: 0, upper: 0.5, count: 3, accuracy: 0.33, confidence: 0.4 }, { lower: 0.5, upper: 1, count: 17, accuracy: 0.88, confidence: 0.9 }],
      },
      targets: [{ target: 'recall[a] >= 94%', actual: 0.9, met: false }],
    },
  };
}

/** A run of three candidates and two re-trained models (plus an older re-training of the same candidate and recipe), stored as the workers store them. */
async function storeRun(db: Db): Promise<void> {
  let run: RunRecord = { version: RUN_RECORD_VERSION, id: 'orig', config, status: 'created', createdAt: 1, updatedAt: 1, completed: 0, paretoIds: [], backend: 'cpu' };
  await putRun(db, run);
  for (const c of [candidate(0, []), candidate(1, []), candidate(2, [0])]) {
    run = { ...run, completed: c.id + 1, status: c.id === 2 ? 'done' : 'running' };
    await commitCandidate(db, run, c, { version: 1, nextId: c.id + 1, strategy: { strategy: 'random', version: 1 }, runId: 'orig', updatedAt: 2 });
  }
  const job: FinalistJobRecord = {
    version: FINALIST_JOB_VERSION, id: 'job', runId: 'orig', runName: 'fin run', request: { runId: 'orig', top: 2, pareto: false, recipe: {}, targets: [], backend: 'auto' },
    recipe, entries: [], status: 'done', createdAt: 3, updatedAt: 4,
  };
  const weights = (id: string) => ({ version: MODEL_WEIGHTS_VERSION, modelId: id, params: [new Float32Array([1, 2])], buffers: [] } as const);
  for (const m of [model(2, recipe, 4), model(2), model(0, longer)]) await commitModel(db, job, m, weights(m.id));
}

async function goodFile(): Promise<RunFile> {
  const db = await freshDb();
  await storeRun(db);
  return roundTrip(await exportRunFile(db, 'orig', NOW));
}

describe('run file finalists: schema', () => {
  it('reads a file with finalists, and an older file without them', async () => {
    const file = await goodFile();
    expect(parseRunFile(file)).toEqual(file);
    const { finalists: _f, ...old } = file;
    const parsed = parseRunFile(old);
    expect(parsed.finalists).toBeUndefined();
    expect('finalists' in parsed).toBe(false);
    expect(parseRunFile({ ...old, finalists: [] }).finalists).toEqual([]);
    // What `npm run search -- --out` wrote before seed, recipe and latency map were recorded still reads.
    const { seed: _s, recipe: _r, latencyMs: _l, lineage: _g, classes: _c, ...cliEntry } = file.finalists![0];
    expect(parseRunFile({ ...file, finalists: [cliEntry] }).finalists).toEqual([cliEntry]);
  });

  it('rejects bad finalists with the path and the reason', async () => {
    const file = await goodFile();
    const bad = (patch: (f: RunFileFinalist & Record<string, unknown>) => unknown) => () =>
      parseRunFile({ ...file, finalists: file.finalists!.map((f, i) => (i === 1 ? patch(roundTrip(f) as RunFileFinalist & Record<string, unknown>) : f)) });
    expect(bad((f) => ({ ...f, test: { ...f.test, split: 'valid' } }))).toThrow('finalists.1.test.split: test.split must be "test"');
    expect(bad((f) => ({ ...f, weights: [1, 2] }))).toThrow('finalists.1.weights: unknown finalist field');
    expect(bad((f) => ({ ...f, id: 9 }))).toThrow('finalists.1.id: candidate 9 is not in the file (it holds 3 candidates)');
    expect(bad((f) => ({ ...f, hash: 'other' }))).toThrow('finalists.1.hash: is "other" but candidate 2\'s hash is "hash-2"');
    expect(bad((f) => ({ ...f, recipe: { ...f.recipe, epochs: 0 } }))).toThrow('finalists.1.recipe.epochs: epochs must be >= 1');
    expect(bad((f) => ({ ...f, test: { ...f.test, accuracy: 1.5 } }))).toThrow('finalists.1.test.accuracy: test.accuracy must be in 0..1');
    expect(bad((f) => ({ ...f, lineage: { parents: [2] } }))).toThrow('finalists.1.lineage.parents: must name earlier candidates (ids < 2), got [2]');
    expect(bad(({ test: _t, ...f }) => f)).toThrow('finalists.1.test: required finalist field is missing');
    expect(() => parseRunFile({ ...file, finalists: {} })).toThrow('finalists: finalists must be an array of re-trained models');
  });

  it('a resumed file keeps its finalists; a fresh one of the same candidate and recipe replaces the old', async () => {
    const [a, b] = (await goodFile()).finalists!;
    const freshB = { ...b, test: { ...b.test, accuracy: 0.99 } };
    const c = { ...a, recipe: recipe, retrain: { ...a.retrain, epochs: 2 } };
    expect(mergeRunFileFinalists([a, b], [])).toEqual([a, b]);
    expect(mergeRunFileFinalists([a, b], [freshB, c])).toEqual([a, freshB, c]);
    expect(recipeHash(roundTrip(recipe))).toBe(recipeHash(recipe));
    expect(recipeHash(longer)).not.toBe(recipeHash(recipe));
  });
});

describe('run file finalists: export and import through IndexedDB', () => {
  it('export -> import: the same reports shown as imported models without weights; export again is identical; never duplicated', async () => {
    const db = await freshDb();
    await storeRun(db);
    const file = roundTrip(await exportRunFile(db, 'orig', NOW));
    // One per candidate and recipe (the newest of candidate 2's two re-trainings), ordered by candidate.
    expect(file.finalists!.map((f) => [f.id, f.recipe?.epochs])).toEqual([[0, 3], [2, 2]]);
    const f2 = file.finalists![1];
    expect(f2).toMatchObject({ arch: 'arch-2', hash: 'hash-2', seed: 102, latencyMs: { wasm: 1.5, cpu: 4 }, lineage: { parents: [0] }, search: { objective: 0.62, valid_acc: 62 } });
    expect(f2.test.split).toBe('test');
    expect(JSON.stringify(file)).not.toContain('modelWeights');
    expect(Object.keys(f2)).not.toContain('params_data');

    const copy = await importRunFile(db, file, () => 'copy', 10);
    const imported = (await listModels(db)).filter(isSearchedModel).filter((m) => m.runId === 'copy').sort((a, b) => a.candidateId - b.candidateId);
    expect(imported.map((m) => m.candidateId)).toEqual([0, 2]);
    const originals = [model(0, longer), model(2)];
    imported.forEach((m, i) => {
      expect(m.report).toEqual(originals[i].report);
      expect(m.report.test.split).toBe('test');
      expect(m).toMatchObject({ runName: 'fin run', seed: originals[i].seed, recipe: originals[i].recipe, latencyMs: originals[i].latencyMs, lineage: originals[i].lineage, classes: ['a', 'b'] });
      expect(m.imported).toEqual({ exportedAt: NOW.toISOString(), reason: IMPORTED_MODEL_REASON });
    });
    expect(await getModelWeights(db, imported[0].id)).toBeUndefined();
    // The worker refuses to build (export, measure) an imported model, saying why.
    const { networkOfModel } = await import('../../workers/finalist-export');
    await expect(networkOfModel(db, imported[0].id)).rejects.toThrow(`Model of candidate 0 of "fin run" was ${IMPORTED_MODEL_REASON}`);
    expect(roundTrip(await exportRunFile(db, copy.id, NOW))).toEqual(file);

    // A file that lists a model twice stores it once; importing the file again makes a new run with its models once.
    const doubled = { ...file, finalists: [...file.finalists!, ...file.finalists!] };
    const again = await importRunFile(db, doubled, () => 'again', 11);
    expect((await listModels(db)).filter((m) => m.runId === again.id)).toHaveLength(2);
    expect((await listModels(db)).filter((m) => m.runId === 'copy')).toHaveLength(2);
    expect((await listModels(db)).filter((m) => m.runId === 'orig')).toHaveLength(3);
    expect((await listRuns(db)).map((r) => r.id).sort()).toEqual(['again', 'copy', 'orig']);

    // An entry without seed or recipe (written before they were recorded) is left out of the registry.
    const { seed: _s, ...noSeed } = file.finalists![0];
    await importRunFile(db, { ...file, finalists: [noSeed, file.finalists![1]] }, () => 'partial', 12);
    expect((await listModels(db)).filter(isSearchedModel).filter((m) => m.runId === 'partial').map((m) => m.candidateId)).toEqual([2]);
  });
});

describe('run file finalists: a one-shot run', () => {
  it('exports its registry models with the supernet lineage and imports them as imported models of the new run', async () => {
    const db = await freshDb();
    const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
    const cfg = validateOneShotConfig({ ...example, name: 'os run', space: 'nb201', datasetId: 'user:quads', method: 'spos', spos: { subnets: 4, flopsPenalty: 0.5, topK: 2, rankingCheck: 0, rankingCheckEpochs: 1 } });
    const hash = supernetConfigHash(cfg);
    const supernet = { id: `os/${hash}@1`, runId: 'os', configHash: hash, epoch: 1 };
    const candidates: OneShotCandidate[] = [0, 1].map((id) => ({
      id, source: 'ranked', arch: `arch-${id}`, hash: `hash-${id}`, genotype: { ops: [id] }, metrics: { supernet_valid_acc: 50 + id }, objective: 0.5 + id / 10, selected: true, supernet,
    }));
    await putOneShotRun(db, {
      version: ONESHOT_RUN_VERSION, id: 'os', config: cfg, status: 'done', stopCause: null, epoch: 1, stepsPerEpoch: 2, phase: 'done',
      history: emptyOneShotHistory(), arch: 'arch-1', candidates, createdAt: 1, updatedAt: 1,
    });
    const job: FinalistJobRecord = {
      version: FINALIST_JOB_VERSION, id: 'osjob', runId: 'os', runName: 'os run', request: { runId: 'os', top: 1, pareto: false, recipe: {}, targets: [], backend: 'auto' },
      recipe, entries: [], status: 'done', createdAt: 3, updatedAt: 4,
    };
    const trained = { ...model(1), id: 'osjob:finalist-1', jobId: 'osjob', runId: 'os', runName: 'os run' };
    await commitModel(db, job, trained, { version: MODEL_WEIGHTS_VERSION, modelId: trained.id, params: [], buffers: [] });

    const file = roundTrip(await exportOneShotRunFile(db, 'os', NOW));
    expect(parseOneShotRunFile(file)).toEqual(file);
    expect(file.finalists).toHaveLength(1);
    expect(file.finalists![0]).toMatchObject({ id: 1, hash: 'hash-1', lineage: { parents: [], supernet: supernet.id }, search: { objective: 0.6 } });
    expect(() => parseOneShotRunFile({ ...file, finalists: [{ ...file.finalists![0], hash: 'x' }] })).toThrow('finalists.0.hash: is "x" but candidate 1\'s hash is "hash-1"');

    const copy = await importOneShotRunFile(db, file, 'os.nas-run.json', () => 'os-copy', 10);
    const imported = (await listModels(db)).filter((m) => m.runId === copy.id);
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({ candidateId: 1, space: 'nb201', datasetId: 'user:quads', runName: 'os run', imported: { exportedAt: NOW.toISOString() } });
    expect(imported[0].report).toEqual(trained.report);
    expect(roundTrip(await exportOneShotRunFile(db, copy.id, NOW)).finalists).toEqual(file.finalists);
  });
});
