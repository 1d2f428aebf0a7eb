/**
 * One-shot searcher state (CPU backend, tiny NB201 supernet): the shared status vocabulary (pause / resume /
 * done with a cause), version-1 checkpoints (old status and phase words) still loading, and corrupt checkpoints
 * rejected with a CheckpointError that names the bad field, leaving the searcher untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { quadrantDataset, quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { migrateOneShotMeta } from '../../src/engine/oneshot/checkpoint-meta';
import { DartsSearch } from '../../src/engine/oneshot/darts';
import { validateOneShotConfig } from '../../src/engine/search/oneshot-config';
import { runOneShotSearch, type OneShotRunHost, type OneShotSavePoint } from '../../src/engine/search/oneshot-run';
import { SposSearch } from '../../src/engine/oneshot/spos';
import { createNb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { CheckpointError, type OneShotCheckpoint } from '../../src/engine/supernet/state';
import { StrategyStatusError } from '../../src/engine/strategy/status';
import { createRng } from '../../src/engine/util/rng';

let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  ({ train, valid } = quadrantSplits(32, 16, 5));
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

const skeleton = { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 2, cellsPerStage: 1 };
const ops = ['none', 'skip_connect', 'nor_conv_3x3'] as const;

function darts(seed = 1): DartsSearch<Nb201Genotype> {
  return new DartsSearch(buildNb201Supernet({ skeleton, ops }, createRng(seed)), { train, valid }, { epochs: 2, batchSize: 8 });
}

function spos(seed = 1): SposSearch<Nb201Genotype> {
  const space = createNb201Space({ ops });
  return new SposSearch(buildNb201Supernet({ skeleton, ops }, createRng(seed)), space, { train, valid },
    { epochs: 1, batchSize: 8, subnets: 3, topK: 1, calibrationBatches: 1, calibrationBatchSize: 8, evalBatchSize: 16 });
}

const free = (s: DartsSearch<Nb201Genotype> | SposSearch<Nb201Genotype>) => { s.dispose(); s.supernet.dispose(); };
const withMeta = (c: OneShotCheckpoint, patch: Record<string, unknown>): OneShotCheckpoint => ({ ...c, meta: { ...c.meta, ...patch } });
const weights = (s: DartsSearch<Nb201Genotype> | SposSearch<Nb201Genotype>) => s.supernet.weights.map((w) => Array.from(w.dataSync()));

describe('one-shot searchers share the status vocabulary', () => {
  it('DARTS: pause stops stepping until resume; the paused status is in the checkpoint and restored', async () => {
    const a = darts();
    await a.step();
    a.pause();
    expect(a.status).toBe('paused');
    await expect(a.step()).rejects.toThrow(StrategyStatusError);
    await expect(a.step()).rejects.toThrow(/the search is paused; call resume\(\) first/);
    expect(() => a.pause()).toThrow(/cannot pause\(\) while paused/);
    const c = await a.stateDict();
    expect(c.meta).toMatchObject({ version: 2, status: 'paused', stopCause: null, failure: null });
    const b = darts(7);
    b.loadStateDict(c);
    expect([b.status, b.canResume()]).toEqual(['paused', true]);
    b.resume();
    expect((await b.step()).globalStep).toBe(1);
    // The schedule's end: done (exhausted), final.
    while (b.status === 'running') await b.step();
    expect([b.status, b.stopCause, b.canResume()]).toEqual(['done', 'exhausted', false]);
    expect(() => b.resume()).toThrow(/cannot resume\(\)/);
    free(a); free(b);
  });

  it('SPOS: running through train and rank, then done (exhausted); the phase is only train | rank', async () => {
    const s = spos();
    expect([s.status, s.phase]).toEqual(['running', 'train']);
    await s.trainSupernet();
    expect([s.status, s.phase]).toEqual(['running', 'rank']);
    s.pause();
    await expect(s.rank()).rejects.toThrow(/SPOS: rank\(\) while paused; call resume\(\) first/);
    s.resume();
    const res = await s.rank();
    expect(res.ranked).toHaveLength(3);
    expect([s.status, s.stopCause, s.phase]).toEqual(['done', 'exhausted', 'rank']);
    expect((await s.stateDict()).meta).toMatchObject({ version: 2, phase: 'rank', status: 'done', stopCause: 'exhausted' });
    await expect(s.step()).rejects.toThrow(/step\(\) while done \(exhausted\)/);
    free(s);
  });
});

describe('version-1 one-shot checkpoints still load (old status words migrated)', () => {
  it('migrates DARTS running | done | stopped and SPOS train | rank | done', () => {
    const d = (status: string) => migrateOneShotMeta({ strategy: 'darts', version: 1, status });
    expect(d('running')).toMatchObject({ version: 2, status: 'running', stopCause: null, failure: null });
    expect(d('done')).toMatchObject({ version: 2, status: 'done', stopCause: 'exhausted' });
    expect(d('stopped')).toMatchObject({ version: 2, status: 'done', stopCause: 'early-stop' });
    const s = (phase: string) => migrateOneShotMeta({ strategy: 'spos', version: 1, phase });
    expect(s('train')).toMatchObject({ version: 2, phase: 'train', status: 'running', stopCause: null });
    expect(s('rank')).toMatchObject({ version: 2, phase: 'rank', status: 'running' });
    expect(s('done')).toMatchObject({ version: 2, phase: 'rank', status: 'done', stopCause: 'exhausted' });
    const current = { strategy: 'darts', version: 2, status: 'running' };
    expect(migrateOneShotMeta(current)).toBe(current);
  });

  it('a DARTS version-1 checkpoint (status "stopped") loads as done (early-stop); a running one resumes identically', async () => {
    const a = darts();
    await a.step();
    const c = await a.stateDict();
    const { stopCause: _c, failure: _f, ...rest } = c.meta;
    const v1 = (status: string): OneShotCheckpoint => ({ ...c, meta: { ...rest, version: 1, status } });
    const b = darts(5);
    b.loadStateDict(v1('stopped'));
    expect([b.status, b.stopCause]).toEqual(['done', 'early-stop']);
    b.loadStateDict(v1('running'));
    expect(b.status).toBe('running');
    const [ra, rb] = [await a.step(), await b.step()];
    expect(Math.abs(ra.trainLoss - rb.trainLoss)).toBeLessThan(1e-6);
    free(a); free(b);
  });

  it('an SPOS version-1 checkpoint with phase "done" loads as done (exhausted) with its ranking', async () => {
    const a = spos();
    await a.run();
    const c = await a.stateDict();
    const { status: _s, stopCause: _c, failure: _f, ...rest } = c.meta;
    const b = spos(3);
    b.loadStateDict({ ...c, meta: { ...rest, version: 1, phase: 'done' } });
    expect([b.status, b.stopCause, b.phase]).toEqual(['done', 'exhausted', 'rank']);
    expect((await b.rank()).ranked.map((r) => r.arch)).toEqual(a.result().ranked.map((r) => r.arch));
    free(a); free(b);
  });
});

describe('corrupt one-shot checkpoints are rejected, naming the field', () => {
  it('DARTS', async () => {
    const a = darts();
    await a.step();
    const c = await a.stateDict();
    const b = darts(9);
    const before = weights(b);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ version: 3 }, /version 3 is not supported \(expected one of 1, 2\)/],
      [{ status: 'stopped' }, /"status" must be one of running, paused, interrupted, done, failed/],
      [{ status: 'done', stopCause: null }, /"stopCause" must be a cause with status "done"/],
      [{ stopCause: 'tired' }, /"stopCause" must be null or one of/],
      [{ epoch: -1 }, /"epoch" must be a whole number >= 0, got -1/],
      [{ globalStep: '3' }, /"globalStep" must be a whole number/],
      [{ options: 'fast' }, /"options" must be an object/],
      [{ options: { epochs: 0 } }, /"options": DARTS option epochs: must be an integer >= 1/],
      [{ rng: [1, 2] }, /"rng" must be an array of 4 uint32/],
      [{ trainStream: { ...(c.meta.trainStream as object), order: [0, 1, 999] } }, /"trainStream" must be a batch stream state .* over \d+ samples/],
      [{ sums: { train: 1 } }, /"sums" must be an object of numbers \{train, valid, correct, seen, steps\}/],
      [{ history: [{ epoch: 0 }] }, /"history" must be an array of epoch records/],
      [{ earlyStop: null }, /"earlyStop" must be an early-stop state/],
      [{ sgdBuffers: [true] }, /"sgdBuffers" must be an array of \d+ booleans, one per supernet weight/],
      [{ space: 'darts' }, /saved for a darts supernet, this one is nb201/],
    ];
    for (const [patch, message] of cases) {
      expect(() => b.loadStateDict(withMeta(c, patch)), JSON.stringify(patch)).toThrow(message);
      expect(() => b.loadStateDict(withMeta(c, patch))).toThrow(CheckpointError);
    }
    const t0 = c.tensors['weight.0'];
    expect(() => b.loadStateDict({ ...c, tensors: { ...c.tensors, 'weight.0': { ...t0, data: t0.data.slice(1) } } }))
      .toThrow(/tensor "weight.0" must hold \d+ float32 values, got \d+/);
    expect(() => b.loadStateDict({ ...c, tensors: { ...c.tensors, 'adam.m.0': { ...t0, shape: [1] } } })).toThrow(/tensor "adam.m.0" has shape \[1\]/);
    const { 'sgd.0': _gone, ...noBuf } = c.tensors;
    expect(() => b.loadStateDict({ ...c, tensors: noBuf })).toThrow(/tensor "sgd.0" is missing/);
    expect(() => b.loadStateDict({ meta: c.meta } as unknown as OneShotCheckpoint)).toThrow(/must be \{meta, tensors\}/);
    // Nothing was changed by the rejected loads.
    expect(weights(b)).toEqual(before);
    expect([b.status, b.progress.globalStep]).toEqual(['running', 0]);
    free(a); free(b);
  });

  it('SPOS', async () => {
    const a = spos();
    await a.trainSupernet();
    await a.rank({ yieldNow: async () => undefined, signal: { aborted: false } });
    const c = await a.stateDict();
    const ranking = c.meta.ranking as { archs: string[]; calibration: number[]; results: unknown[] };
    const b = spos(9);
    const before = weights(b);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ phase: 'done' }, /"phase" must be 'train' or 'rank'/],
      [{ status: 'finished' }, /"status" must be one of/],
      [{ ranking: { ...ranking, calibration: [0, 10_000] } }, /"ranking" must be null or a ranking .*calibration indices below \d+/],
      [{ ranking: { ...ranking, results: [...ranking.results, ...ranking.results] } }, /"ranking" must be null or a ranking/],
      [{ ranking: { ...ranking, archs: ['|bogus~0|', ...ranking.archs.slice(1)] } }, /"ranking.archs" holds "\|bogus~0\|", not a genotype of this space/],
      [{ stream: { rng: [0, 0, 0, 0], order: [], pos: -1, passes: 0 } }, /"stream" must be a batch stream state/],
      [{ sums: { loss: 0, correct: 0, seen: 0 } }, /"sums" must be an object of numbers \{loss, correct, seen, steps\}/],
      [{ history: 'none' }, /"history" must be an array of epoch records/],
      [{ options: { subnets: 0 } }, /"options": SPOS option subnets: must be an integer >= 1/],
    ];
    for (const [patch, message] of cases) {
      expect(() => b.loadStateDict(withMeta(c, patch)), JSON.stringify(patch)).toThrow(message);
      expect(() => b.loadStateDict(withMeta(c, patch))).toThrow(CheckpointError);
    }
    expect(weights(b)).toEqual(before);
    expect([b.status, b.phase]).toEqual(['running', 'train']);
    free(a); free(b);
  });
});

describe('runOneShotSearch speaks the shared status words', () => {
  const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8'));
  const config = validateOneShotConfig({ ...example, space: 'nb201', channels: 2, epochs: 2, batchSize: 8, trainSamples: 16, validSamples: 16 });
  const dataset = quadrantDataset(48, 8, 2);
  const ids = (from: number, to: number) => Uint32Array.from({ length: to - from }, (_, i) => from + i);
  const split = { train: ids(0, 16), valid: ids(16, 32), test: ids(32, 48) };
  const host = (signal: { aborted: boolean }, saves: { point: OneShotSavePoint; state: OneShotCheckpoint }[], abortAfterSave = false): OneShotRunHost => ({
    signal, onEvent: () => undefined, yieldNow: async () => undefined,
    save: async (point) => {
      saves.push({ point, state: await point.state() });
      if (abortAfterSave) signal.aborted = true;
    },
  });

  it('a stopped run pauses the searcher (checkpoint status paused); resuming runs it to done (exhausted)', async () => {
    const saves: { point: OneShotSavePoint; state: OneShotCheckpoint }[] = [];
    const first = await runOneShotSearch({ config, dataset, split }, host({ aborted: false }, saves, true));
    expect([first.status, first.stopCause, first.epoch]).toEqual(['paused', null, 1]);
    const last = saves.at(-1)!;
    expect([last.point.status, last.point.stopCause, last.state.meta.status]).toEqual(['paused', null, 'paused']);
    const resumed: typeof saves = [];
    const second = await runOneShotSearch({ config, dataset, split, checkpoint: last.state }, host({ aborted: false }, resumed));
    expect([second.status, second.stopCause, second.epoch]).toEqual(['done', 'exhausted', 2]);
    expect(resumed.at(-1)!.state.meta).toMatchObject({ status: 'done', stopCause: 'exhausted' });
    // A checkpoint of a search that failed inside the searcher is refused.
    const failed = { ...last.state, meta: { ...last.state.meta, status: 'failed', stopCause: 'internal', failure: 'loss became NaN' } };
    await expect(runOneShotSearch({ config, dataset, split, checkpoint: failed }, host({ aborted: false }, [])))
      .rejects.toThrow(/darts: the checkpoint is of a search that failed \(loss became NaN\); start a new run/);
  }, 60_000);
});
