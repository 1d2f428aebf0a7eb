/**
 * The search worker's session (workers/search-session.ts) on a user-restricted DARTS space, under Node with
 * fake-indexeddb and the cpu backend: the run stores its normalised space, stops after a candidate and
 * resumes with the same space (no candidate twice, every genotype inside the restriction), records the space
 * on each candidate, and reads a latency lookup table for the run's OWN space and skeleton (latency_pred_ms).
 */
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { runSearchSession } from '../../workers/search-session';
import { deviceFingerprint } from '../../workers/backend';
import { validateRunConfig } from '../../workers/run-config';
import { getCheckpoint, getRun, listCandidates, openDb, putDataset, putLut, RUN_RECORD_VERSION } from '../../src/db';
import type { RunRecord } from '../../src/protocol/run';
import { RUN_FORM_VERSION } from '../../src/shared/run-form';
import type { LutRecord } from '../../src/protocol/profile-api';
import type { SearchEvent } from '../../src/protocol/events';
import { fingerprintKey } from '../../src/engine/profiler/fingerprint';
import { opInstances } from '../../src/engine/profiler/instances';
import { predictLatency } from '../../src/engine/profiler/lut';
import { runSkeleton } from '../../src/engine/space/run-skeleton';
import { spaceFromConfig } from '../../src/engine/space/registry';
import type { DartsGenotype } from '../../src/engine/space/darts/genotype';
import { CHECKPOINT_VERSION } from '../../src/engine/search/checkpoint';

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true }); // workers/backend.ts points the wasm backend at the app's bundled .wasm URLs
  // Node 20 has no navigator; the device fingerprint reads these two fields.
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node-test', hardwareConcurrency: 1 };
});

describe('search session on a custom DARTS space', () => {
  it('stops, resumes with the same space, and predicts latency from the run space\'s table', async () => {
    const db = await openDb(`search-session-${process.pid}`);
    const ds = quadrantDataset(64, 8, 3);
    const idx = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
    await putDataset(db, 'user:quadrants', ds, { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, train: idx(0, 40), valid: idx(40, 16), test: idx(56, 8) } });

    const config = validateRunConfig({
      version: RUN_FORM_VERSION, name: 'darts custom', datasetId: 'user:quadrants', space: { space: 'darts', ops: ['sep_conv_3x3', 'skip_connect'] },
      strategy: 'random', seed: 4, budget: 3, channels: 4, cellsPerStage: 3, epochs: 1, batchSize: 8, learningRate: 0.05,
      trainSamples: 32, validSamples: 16, backend: 'cpu', objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
    });
    expect(config.space).toEqual({ space: 'darts', ops: ['skip_connect', 'sep_conv_3x3'] });

    // A latency table for this device, the DARTS space and the run's skeleton: 1 ms per piece, a = 1, b = 0.5.
    const skeleton = runSkeleton('darts', config.evaluator, [8, 8, 1], 2);
    const fp = await deviceFingerprint('cpu');
    const entries = Object.fromEntries(opInstances('darts', skeleton, config.space).map((i) => [i.key, { ms: 1, p10Ms: 1, p90Ms: 1, cv: 0, noisy: false, runs: 1, firstRunMs: 1, inner: 1, measured: true }]));
    const lut = {
      version: 1, id: 'lut-darts', createdAt: 1, formatVersion: 1, fingerprint: fp, fingerprintKey: fingerprintKey(fp), spaceId: 'darts', skeleton,
      spaceConfig: config.space, batchSize: 1, seed: 0, settings: { passes: 1, warmup: 0, repeats: 1, maxCv: 1, targetRunMs: 0, maxInner: 1, warmupMs: 0 },
      entries, fit: { a: 1, b: 0.5, n: 2, r2: 1, rmseMs: 0, method: 'lsq' }, fitSamples: [], buildMs: 0,
    } as unknown as LutRecord;
    await putLut(db, lut);

    const now = Date.now();
    const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'run-darts', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
    const stopper = new AbortController();
    const events: SearchEvent[] = [];
    const paused = await runSearchSession(db, run, 'cpu', (e) => {
      events.push(e);
      if (e.type === 'candidate') stopper.abort();
    }, stopper.signal);
    expect(paused.error).toBeUndefined();
    expect(paused.status).toBe('paused');
    expect(paused.completed).toBe(1);

    const stored = await getRun(db, 'run-darts');
    expect(stored?.config.space).toEqual(config.space);
    const done = await runSearchSession(db, stored!, 'cpu', () => undefined, new AbortController().signal);
    expect(done.status).toBe('done');

    const cands = await listCandidates(db, 'run-darts');
    expect(cands.map((c) => c.id)).toEqual([0, 1, 2]);
    expect(new Set(cands.map((c) => c.hash)).size).toBe(3);
    const space = spaceFromConfig(config.space);
    for (const c of cands) {
      expect(c.space).toBe('darts');
      const g = space.validate(c.genotype) as DartsGenotype; // throws on an op outside the restriction
      for (const [op] of [...g.normal, ...g.reduce]) expect(['skip_connect', 'sep_conv_3x3']).toContain(op);
      expect(c.arch).toBe(space.encode(g as never));
      expect(c.metrics.latency_pred_ms).toBeCloseTo(predictLatency(lut, g), 9);
      expect(c.metrics.latency_pred_ms).toBeGreaterThan(0.5);
      expect(c.metrics.peak_activation_bytes).toBeGreaterThan(0);
    }
    expect(events.some((e) => e.type === 'candidate-start')).toBe(true);
    db.close();
  }, 180_000);

  it('warm-starts from a zero-cost ranked pool and keeps the strategy status in the checkpoint', async () => {
    const db = await openDb(`search-session-warm-${process.pid}`);
    const ds = quadrantDataset(64, 8, 3);
    const idx = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
    await putDataset(db, 'user:quadrants', ds, { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, train: idx(0, 40), valid: idx(40, 16), test: idx(56, 8) } });
    const config = validateRunConfig({
      version: RUN_FORM_VERSION, name: 'warm', datasetId: 'user:quadrants', space: 'nb201', strategy: 'random', seed: 2, budget: 3,
      channels: 2, cellsPerStage: 1, epochs: 1, batchSize: 8, learningRate: 0.05, trainSamples: 32, validSamples: 16, backend: 'cpu',
      objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops', prerank: { proxy: 'synflow', pool: 6, keep: 3 },
    });
    const now = Date.now();
    const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'run-warm', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
    const stopper = new AbortController();
    const paused = await runSearchSession(db, run, 'cpu', (e) => { if (e.type === 'candidate') stopper.abort(); }, stopper.signal);
    expect(paused.status).toBe('paused');
    // The user's stop is the strategy's pause, saved with the checkpoint; the warm start's pool is in it too.
    const cp1 = await getCheckpoint(db, 'run-warm');
    expect(cp1!.strategy.status).toBe('paused');
    const done = await runSearchSession(db, (await getRun(db, 'run-warm'))!, 'cpu', () => undefined, new AbortController().signal);
    expect(done.status).toBe('done');
    expect((await getCheckpoint(db, 'run-warm'))!.strategy.status).toBe('done');
    // The first `keep` candidates are the pool's best by SynFlow, best first, each with its score stored.
    const cands = await listCandidates(db, 'run-warm');
    expect(cands).toHaveLength(3);
    const scores = cands.map((c) => c.metrics.zc_synflow);
    for (const sc of scores) expect(Number.isFinite(sc)).toBe(true);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    db.close();
  }, 180_000);

  it('records diverging candidates as failed with the reason, fails the run after 3 in a row, and resumes past them', async () => {
    const db = await openDb(`search-session-diverge-${process.pid}`);
    const ds = quadrantDataset(64, 8, 3);
    const idx = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);
    await putDataset(db, 'user:quadrants', ds, { source: 'test', builtin: false, split: { method: 'stratified', seed: 0, train: idx(0, 40), valid: idx(40, 16), test: idx(56, 8) } });
    // Learning rate 10 (the most a config allows): every candidate's loss blows up (a DivergedError from the real trainer).
    const config = validateRunConfig({
      version: RUN_FORM_VERSION, name: 'diverge', datasetId: 'user:quadrants', space: 'nb201', strategy: 'random', seed: 2, budget: 5,
      channels: 8, cellsPerStage: 1, epochs: 2, batchSize: 2, learningRate: 10, trainSamples: 32, validSamples: 16, backend: 'cpu',
      objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
    });
    const now = Date.now();
    const run: RunRecord = { version: RUN_RECORD_VERSION, id: 'run-diverge', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] };
    const failed = await runSearchSession(db, run, 'cpu', () => undefined, new AbortController().signal);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^3 candidates in a row failed, so the run stopped .*the last: Training diverged at epoch 1/);
    expect(failed.completed).toBe(3);
    const cands = await listCandidates(db, 'run-diverge');
    expect(cands.map((c) => c.id)).toEqual([0, 1, 2]);
    for (const c of cands) {
      expect(c).toMatchObject({ objective: null, feasible: false });
      expect(c.error).toMatch(/^Training diverged at epoch 1, step \d+: loss became .*Lower the learning rate/);
      expect(c.metrics.failed).toBe(1);
    }
    expect(failed.paretoIds).toEqual([]);
    // Resume: the stored state has all three; new candidates (ids 3, 4) are proposed, none of the failed ones again.
    const again = await runSearchSession(db, (await getRun(db, 'run-diverge'))!, 'cpu', () => undefined, new AbortController().signal);
    const all = await listCandidates(db, 'run-diverge');
    expect(all.map((c) => c.id)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(all.map((c) => c.hash)).size).toBe(5);
    expect(again.status).toBe('done'); // 2 more failures, under the limit of 3 in a row, and the budget of 5 is spent
    db.close();
  }, 180_000);

  it('reads a version-1 checkpoint record ({nextId, strategyState}) as the search core\'s checkpoint', async () => {
    const db = await openDb(`search-session-v1-${process.pid}`);
    const strategyState = { version: 2, status: 'paused' };
    await db.put('checkpoints', { version: 1, runId: 'old', nextId: 7, strategyState, updatedAt: 5 } as never);
    expect(CHECKPOINT_VERSION).toBe(2); // the version src/db/runs.ts migrates v1 records to
    expect(await getCheckpoint(db, 'old')).toEqual({ version: CHECKPOINT_VERSION, runId: 'old', nextId: 7, strategy: strategyState, updatedAt: 5 });
    db.close();
  });
});
