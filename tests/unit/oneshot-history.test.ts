/** The one-shot run history reducer and repository (fake IndexedDB): folding events, run + checkpoint in one transaction. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  commitOneShotCheckpoint, deleteOneShotRun, getOneShotCheckpoint, getOneShotRun,
  listOneShotRuns, OneShotCheckpointRecordError, openDb, putOneShotRun, readOneShotCheckpoint,
} from '../../src/db';
import { emptyOneShotHistory, foldOneShotEvent, MAX_STEP_POINTS, normalizeOneShotHistory } from '../../src/shared/oneshot-history';
import { ONESHOT_CHECKPOINT_VERSION, ONESHOT_RUN_VERSION, type OneShotRunRecord, type OneShotUiEvent } from '../../src/protocol/oneshot-api';

const step = (globalStep: number, epoch = 0): OneShotUiEvent => ({ type: 'step', epoch, step: globalStep, globalStep, lr: 0.1, trainLoss: 2 - globalStep / 100, validLoss: 2.1, validAcc: 10 });

describe('foldOneShotEvent', () => {
  it('folds steps, epochs, alphas, genotypes, eigenvalues and early stops; replays replace, not duplicate', () => {
    let h = emptyOneShotHistory();
    for (let i = 0; i < 4; i++) h = foldOneShotEvent(h, step(i));
    h = foldOneShotEvent(h, { type: 'epoch', epoch: 0, lr: 0.1, trainLoss: 1.9, validLoss: 2, validAcc: 20 });
    h = foldOneShotEvent(h, { type: 'alphas', epoch: 0, alphas: [[0.5, 0.5]], edges: ['cell:0->1'], ops: ['none', 'skip_connect'] });
    h = foldOneShotEvent(h, { type: 'genotype', epoch: 0, genotype: { ops: ['none', 'none', 'none', 'none', 'none', 'none'] }, arch: 'a', changed: true });
    h = foldOneShotEvent(h, { type: 'eigenvalue', epoch: 0, value: 0.3 });
    expect(h.steps.map((s) => s.globalStep)).toEqual([0, 1, 2, 3]);
    // A resumed run re-emitting from step 2 (e.g. from a checkpoint mid-epoch) drops the later points first.
    h = foldOneShotEvent(h, step(2));
    expect(h.steps.map((s) => s.globalStep)).toEqual([0, 1, 2]);
    h = foldOneShotEvent(h, { type: 'epoch', epoch: 0, lr: 0.1, trainLoss: 1.8, validLoss: 2, validAcc: 21 });
    expect(h.epochs).toHaveLength(1);
    expect(h.epochs[0].trainLoss).toBe(1.8);
    expect(h.alphas).toHaveLength(1);
    expect(h.eigenvalues).toEqual([{ epoch: 0, value: 0.3 }]);
    h = foldOneShotEvent(h, { type: 'early-stop', epoch: 0, reason: 'DARTS+: 2 skips' });
    expect(h.earlyStop).toEqual({ epoch: 0, reason: 'DARTS+: 2 skips' });
    const same = foldOneShotEvent(h, { type: 'log', level: 'info', message: 'x' });
    expect(same).toBe(h);
  });

  it('folds SPOS subnets, the ranking and the ranking check', () => {
    let h = emptyOneShotHistory();
    const sub = (arch: string, accuracy: number) => ({ genotype: { ops: [] }, arch, accuracy, mflops: 1, objective: accuracy - 1 }) as never;
    h = foldOneShotEvent(h, { type: 'subnet', index: 0, total: 2, subnet: sub('a', 50) });
    h = foldOneShotEvent(h, { type: 'subnet', index: 1, total: 2, subnet: sub('b', 60) });
    expect(h.subnets).toHaveLength(2);
    expect(h.subnetTotal).toBe(2);
    h = foldOneShotEvent(h, { type: 'ranked', ranked: [sub('b', 60), sub('a', 50)], topK: [sub('b', 60)] });
    expect(h.topK).toEqual(['b']);
    h = foldOneShotEvent(h, { type: 'check-subnet', index: 0, total: 2, subnet: { arch: 'b', supernetScore: 60, standaloneScore: 70 } });
    expect(h.rankingCheckDone).toHaveLength(1);
    h = foldOneShotEvent(h, { type: 'ranking-check', result: { version: 1, n: 2, kendallTau: 1, spearman: 1, topK: 1, topKOverlap: 1, subnets: [] } });
    expect(h.rankingCheck?.kendallTau).toBe(1);
  });

  it('thins step points beyond the cap', () => {
    let h = emptyOneShotHistory();
    for (let i = 0; i < MAX_STEP_POINTS + 1; i++) h = foldOneShotEvent(h, step(i));
    expect(h.steps.length).toBeLessThanOrEqual(MAX_STEP_POINTS);
    expect(h.steps.at(-1)?.globalStep).toBe(MAX_STEP_POINTS);
  });

  it('normalizes a malformed stored history to empty fields', () => {
    const h = normalizeOneShotHistory({ steps: 'bad' as never, earlyStop: undefined });
    expect(h).toEqual(emptyOneShotHistory());
    expect(normalizeOneShotHistory(undefined)).toEqual(emptyOneShotHistory());
  });
});

describe('one-shot repository', () => {
  it('stores run + checkpoint together with typed-array tensors, lists newest first, deletes both', async () => {
    const db = await openDb(`test-oneshot-${process.pid}`);
    const run: OneShotRunRecord = {
      version: ONESHOT_RUN_VERSION, id: 'r1', config: {} as never, status: 'running', stopCause: null, epoch: 0, stepsPerEpoch: 4, phase: 'train', candidates: [],
      history: emptyOneShotHistory(), arch: null, createdAt: 1, updatedAt: 1,
    };
    await putOneShotRun(db, run);
    await putOneShotRun(db, { ...run, id: 'r2', updatedAt: 2 });
    expect((await listOneShotRuns(db)).map((r) => r.id)).toEqual(['r2', 'r1']);
    const tensors = { 'weight.0': { shape: [2], dtype: 'float32' as const, data: new Float32Array([1.5, -2]) } };
    await commitOneShotCheckpoint(db, { ...run, epoch: 1, updatedAt: 3 }, {
      version: ONESHOT_CHECKPOINT_VERSION, runId: 'r1', epoch: 1, globalStep: 4, meta: { strategy: 'darts', version: 1, epoch: 1 }, tensors, updatedAt: 3,
    });
    expect((await getOneShotRun(db, 'r1'))?.epoch).toBe(1);
    const cp = await getOneShotCheckpoint(db, 'r1');
    expect(cp?.tensors['weight.0'].data).toBeInstanceOf(Float32Array);
    expect(Array.from(cp!.tensors['weight.0'].data)).toEqual([1.5, -2]);
    await deleteOneShotRun(db, 'r1');
    expect(await getOneShotRun(db, 'r1')).toBeUndefined();
    expect(await getOneShotCheckpoint(db, 'r1')).toBeUndefined();
    db.close();
  });
});

describe('stored one-shot records are checked and migrated on read', () => {
  it('a damaged checkpoint record is refused with the field named; a version-1 run record reads with the shared status words', async () => {
    const good = { version: ONESHOT_CHECKPOINT_VERSION, runId: 'r', epoch: 1, globalStep: 4, meta: { strategy: 'spos', version: 1 }, tensors: {}, updatedAt: 1 };
    expect(readOneShotCheckpoint(good, 'r')).toBe(good);
    const cases: [unknown, RegExp][] = [
      [null, /damaged: it is not a record/],
      [{ ...good, version: 9 }, /"version" must be 1, got 9/],
      [{ ...good, runId: 'other' }, /"runId" is "other"/],
      [{ ...good, epoch: -1 }, /"epoch" must be a whole number >= 0, got -1/],
      [{ ...good, meta: { version: 1 } }, /"meta.strategy" must be text/],
      [{ ...good, meta: { strategy: 'spos', version: '1' } }, /"meta.version" must be a number/],
      [{ ...good, tensors: null }, /"tensors" must be an object/],
    ];
    for (const [record, message] of cases) {
      expect(() => readOneShotCheckpoint(record, 'r')).toThrow(message);
      expect(() => readOneShotCheckpoint(record, 'r')).toThrow(OneShotCheckpointRecordError);
    }
    const db = await openDb(`test-oneshot-read-${process.pid}`);
    const v1 = { version: 1, id: 'old', config: {}, status: 'stopped-early', epoch: 3, stepsPerEpoch: 2, phase: 'done', history: emptyOneShotHistory(), arch: null, createdAt: 0, updatedAt: 0 };
    await putOneShotRun(db, v1 as unknown as OneShotRunRecord);
    expect(await getOneShotRun(db, 'old')).toMatchObject({ version: 3, status: 'done', stopCause: 'early-stop', candidates: [] });
    db.close();
  });
});
