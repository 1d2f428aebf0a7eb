import { describe, expect, it } from 'vitest';
import { CandidatesFailingError, runSearch, runSearchSync, SearchSetupError, type LoggedCandidate, type SearchCheckpoint, type SearchEvent } from '../../src/engine/search/loop';
import { createStrategy, STRATEGY_NAMES } from '../../src/engine/strategy/registry';
import { nb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import type { Candidate } from '../../src/engine/strategy/types';
import type { AbortSignalLike, Evaluator } from '../../src/engine/evaluator/types';
import { AbortedError } from '../../src/engine/util/abort';
import { parseObjectiveSpec } from '../../src/engine/strategy/objective';
import { toyEvaluator, toySpace, countTarget, type ToyGenotype } from '../helpers/strategy-toy';

// A real AbortSignal must fit the engine's structural type.
const _signalFits: AbortSignalLike = new AbortController().signal;
void _signalFits;

/** Deterministic fake metrics for NB201 genotypes, with some latency-infeasible ones. */
function fakeMetrics(g: Nb201Genotype): Record<string, number> {
  const conv = g.ops.filter((o) => o === 'nor_conv_3x3').length;
  const c1 = g.ops.filter((o) => o === 'nor_conv_1x1').length;
  const skip = g.ops.filter((o) => o === 'skip_connect').length;
  return { valid_acc: 80 + 2 * conv + c1 + 0.3 * skip, test_acc: 79 + 2 * conv + c1, train_time_s: 100 + 10 * conv, latency_ms: 2 + 1.5 * conv + 0.5 * c1 };
}

/** Async evaluator that records every call and can be made to fail or hang. */
class FakeEvaluator implements Evaluator<Nb201Genotype> {
  calls: number[] = [];
  completed: number[] = [];
  failAt: number | null = null;
  /** Every candidate from this id on fails. */
  failFrom: number | null = null;
  hangAt: number | null = null;
  async evaluate(c: Candidate<Nb201Genotype>, signal?: AbortSignal): Promise<Record<string, number>> {
    this.calls.push(c.id);
    await Promise.resolve();
    if (this.failAt === c.id || (this.failFrom !== null && c.id >= this.failFrom)) throw new Error(`out of memory on candidate ${c.id}`);
    if (this.hangAt === c.id) {
      await new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new AbortedError(`candidate ${c.id}`)), { once: true });
      });
    }
    this.completed.push(c.id);
    return fakeMetrics(c.genotype);
  }
}

const OPTIONS: Record<string, object> = { random: {}, evolution: { populationSize: 8, sampleSize: 3 }, reinforce: { learningRate: 0.2 }, local: {} };
const objective = parseObjectiveSpec({ penalties: [{ metric: 'latency_ms', lambda: 0.2 }], constraints: ['latency_ms <= 9'] });
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const N = 60;

describe.each(STRATEGY_NAMES.map((n) => [n]))('async loop with %s', (name) => {
  const setup = (seed: number) => ({ space: nb201Space, strategy: createStrategy(name, nb201Space, OPTIONS[name], seed), budget: { queries: N }, objective, pareto: { accuracy: 'valid_acc', cost: 'latency_ms' } });

  it('abort after k candidates, resume from the saved checkpoint: same log as uninterrupted, nothing evaluated twice', async () => {
    const ref = await runSearch({ ...setup(7), evaluator: new FakeEvaluator() });
    expect(ref.stopReason).toBe('budget');
    expect(ref.log.length).toBe(N);

    const ev = new FakeEvaluator();
    const ac = new AbortController();
    const saved: SearchCheckpoint[] = [];
    const first = await runSearch({
      ...setup(7),
      evaluator: ev,
      signal: ac.signal,
      checkpointEvery: 10,
      save: ({ checkpoint: cp }) => { saved.push(roundTrip(cp)); },
      onEvent: (e) => { if (e.type === 'candidate' && e.entry.id === 22) ac.abort(); },
    });
    expect(first.stopReason).toBe('aborted');
    expect(first.log.length).toBe(23);
    expect(saved.map((cp) => cp.log?.length)).toEqual([10, 20, 23]); // periodic + on stop

    const second = await runSearch({ ...setup(12345), evaluator: ev, resumeFrom: saved[saved.length - 1] });
    expect(second.stopReason).toBe('budget');
    expect(roundTrip(second.log)).toEqual(roundTrip(ref.log));
    expect(ev.calls).toEqual(ref.log.map((e) => e.id));
    expect(roundTrip(second.pareto)).toEqual(roundTrip(ref.pareto));
    expect(second.best?.id).toBe(ref.best?.id);
  });

  it('abort during an evaluation: the in-flight candidate is not logged and is evaluated (once, completely) after resume', async () => {
    const ref = await runSearch({ ...setup(3), evaluator: new FakeEvaluator() });
    const ev = new FakeEvaluator();
    ev.hangAt = 31;
    const ac = new AbortController();
    let last: SearchCheckpoint | null = null;
    const events: SearchEvent[] = [];
    const run = runSearch({ ...setup(3), evaluator: ev, signal: ac.signal, save: ({ checkpoint: cp }) => { last = roundTrip(cp); }, onEvent: (e) => events.push(e) });
    while (!ev.calls.includes(31)) await new Promise((r) => setTimeout(r, 0));
    ac.abort();
    const first = await run;
    expect(first.stopReason).toBe('aborted');
    expect(first.log.length).toBe(31);
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'aborted', queries: 31 });
    ev.hangAt = null;
    const second = await runSearch({ ...setup(0), evaluator: ev, resumeFrom: last! });
    expect(roundTrip(second.log)).toEqual(roundTrip(ref.log));
    expect(ev.completed).toEqual(ref.log.map((e) => e.id));
  });

  it('crash: resume from the last periodic checkpoint continues the same trajectory', async () => {
    const ref = await runSearch({ ...setup(5), evaluator: new FakeEvaluator() });
    const ev = new FakeEvaluator();
    ev.failFrom = 27;
    const saved: SearchCheckpoint[] = [];
    const events: SearchEvent[] = [];
    // Three failed candidates in a row fail the run; the third is saved with the run's failed state.
    await expect(runSearch({ ...setup(5), evaluator: ev, checkpointEvery: 10, save: ({ checkpoint: cp }) => { saved.push(roundTrip(cp)); }, onEvent: (e) => events.push(e) }))
      .rejects.toThrow(CandidatesFailingError);
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'failed', queries: 30 });
    expect((events.at(-1) as { error: string }).error).toMatch(/^3 candidates in a row failed, so the run stopped .*the last: out of memory on candidate 29$/);
    expect(saved.map((cp) => cp.log?.length)).toEqual([10, 20, 30, 30]);
    expect(saved[3].log?.slice(27).map((e) => e.error)).toEqual([27, 28, 29].map((id) => `out of memory on candidate ${id}`));
    // As if the tab died before the final save: resume from the periodic checkpoint at 20.
    const second = await runSearch({ ...setup(99), evaluator: new FakeEvaluator(), resumeFrom: saved[1] });
    expect(roundTrip(second.log)).toEqual(roundTrip(ref.log));
  });

  it('a failing candidate is logged as failed (reason kept, infeasible, never best) and the search goes on', async () => {
    const ev = new FakeEvaluator();
    ev.failAt = 5;
    const saved: SearchCheckpoint[] = [];
    const r = await runSearch({ ...setup(5), evaluator: ev, checkpointEvery: 1, save: ({ checkpoint: cp }) => { saved.push(roundTrip(cp)); } });
    expect(r.stopReason).toBe('budget');
    expect(r.log).toHaveLength(N);
    const failed = r.log[5];
    expect(failed).toMatchObject({ id: 5, objective: null, feasible: false, error: 'out of memory on candidate 5' });
    expect(failed.metrics.failed).toBe(1);
    expect(r.log.every((e) => e.best_id !== 5)).toBe(true);
    expect(r.log.filter((e) => e.error !== undefined)).toHaveLength(1);
    // A resume after it never proposes candidate 5 again.
    const again = new FakeEvaluator();
    const resumed = await runSearch({ ...setup(5), evaluator: again, resumeFrom: saved[6] });
    expect(again.calls[0]).toBe(saved[6].nextId);
    expect(again.calls).not.toContain(5);
    expect(roundTrip(resumed.log)).toEqual(roundTrip(r.log));
  });

  it('a candidate whose save fails: the run fails and no checkpoint is written past the last stored candidate', async () => {
    const saved: number[] = [];
    await expect(runSearch({
      ...setup(5), evaluator: new FakeEvaluator(), checkpointEvery: 1,
      save: ({ checkpoint: cp, entry }) => {
        if (entry?.id === 7) throw new Error('QuotaExceededError');
        saved.push(cp.nextId);
      },
    })).rejects.toThrow(/^saving candidate 7 failed \(QuotaExceededError\); the run stays at its last saved state/);
    expect(saved).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('search loop', () => {
  it('emits candidate and progress events per candidate and done last; log is plain JSON', async () => {
    const events: SearchEvent[] = [];
    const r = await runSearch({
      space: nb201Space, strategy: createStrategy('evolution', nb201Space, {}, 1), evaluator: new FakeEvaluator(),
      budget: { queries: 40 }, objective: parseObjectiveSpec({ constraints: ['latency_ms <= 5'] }), onEvent: (e) => events.push(e),
    });
    expect(events.filter((e) => e.type === 'candidate').length).toBe(40);
    const progress = events.filter((e) => e.type === 'progress').map((e) => (e as { fraction: number }).fraction);
    expect(progress.length).toBe(40);
    expect(progress.at(-1)).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'budget', queries: 40 });
    // best_so_far is the running max of the objective; infeasible entries have objective null
    let best: number | null = null;
    for (const e of r.log) {
      if (e.objective !== null && (best === null || e.objective > best)) best = e.objective;
      expect(e.best_so_far).toBe(best);
      expect(e.feasible).toBe(e.metrics.latency_ms <= 5);
    }
    expect(r.log.some((e) => e.objective === null)).toBe(true);
    expect(roundTrip(r.log)).toEqual(r.log);
    expect(r.log[0].arch).toBe(nb201Space.encode(nb201Space.decode(r.log[0].arch)));
  });

  it('stops as exhausted when the strategy runs out of genotypes', () => {
    const r = runSearchSync({ space: toySpace(3, 2), strategy: createStrategy('random', toySpace(3, 2), {}, 1), evaluator: toyEvaluator(countTarget(1)), budget: { queries: 100 } });
    expect(r.stopReason).toBe('exhausted');
    expect(r.queries).toBe(8);
    expect(r.best?.metrics.valid_acc).toBe(3);
  });

  it('sync and async loops give the same log', async () => {
    const space = toySpace(6, 3);
    const a = runSearchSync({ space, strategy: createStrategy('reinforce', space, {}, 2), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 50 } });
    const b = await runSearch({ space, strategy: createStrategy('reinforce', space, {}, 2), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 50 } });
    expect(b.log).toEqual(a.log);
  });

  it('a version-1 checkpoint ({strategy, log}, no nextId) resumes like the version-2 one it migrates to', async () => {
    const space = toySpace(6, 3);
    const ref = runSearchSync({ space, strategy: createStrategy('evolution', space, {}, 4), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 30 } });
    let cp: SearchCheckpoint | null = null;
    runSearchSync({ space, strategy: createStrategy('evolution', space, {}, 4), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 12 }, save: ({ checkpoint }) => { cp = roundTrip(checkpoint); } });
    expect(cp!).toMatchObject({ version: 2, nextId: 12 });
    const v1 = { version: 1, strategy: cp!.strategy, log: cp!.log } as unknown as SearchCheckpoint;
    const resumed = runSearchSync({ space, strategy: createStrategy('evolution', space, {}, 99), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 30 }, resumeFrom: v1 });
    expect(roundTrip(resumed.log)).toEqual(roundTrip(ref.log));
  });

  it('save hook: each candidate with the checkpoint after it, awaited before the next evaluation starts; then the stop', async () => {
    const space = toySpace(6, 3);
    const points: { id: number | null; nextId: number; stop: string | null; hasLog: boolean }[] = [];
    const events: string[] = [];
    let saving = false;
    const evaluator: Evaluator<ToyGenotype> = {
      evaluate: async (c) => {
        expect(saving).toBe(false); // the previous candidate is stored before this one starts
        return toyEvaluator(countTarget(0)).evaluateSync(c);
      },
    };
    const r = await runSearch({
      space, strategy: createStrategy('evolution', space, {}, 3), evaluator, budget: { queries: 5 }, checkpointEvery: 1, checkpointLog: false,
      onEvent: (e) => { if (e.type === 'start' || e.type === 'candidate') events.push(`${e.type} ${e.type === 'start' ? e.id : e.entry.id}`); },
      save: async (p) => {
        saving = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        expect(p.candidate?.id ?? null).toBe(p.entry?.id ?? null);
        points.push({ id: p.entry?.id ?? null, nextId: p.checkpoint.nextId, stop: p.stop, hasLog: p.checkpoint.log !== undefined });
        saving = false;
      },
    });
    expect(points).toEqual([...[0, 1, 2, 3, 4].map((id) => ({ id, nextId: id + 1, stop: null, hasLog: false })), { id: null, nextId: 5, stop: 'budget', hasLog: false }]);
    expect(events.slice(0, 4)).toEqual(['start 0', 'candidate 0', 'start 1', 'candidate 1']);
    expect(events.filter((e) => e.startsWith('start'))).toHaveLength(5);
    expect(r.log.map((e) => e.arch)).toEqual(r.log.map((e) => space.encode(space.decode(e.arch))));
  });

  it('a checkpoint saved without its log resumes with the host\'s stored candidates as the log: same trajectory', async () => {
    const space = toySpace(6, 3);
    const ref = runSearchSync({ space, strategy: createStrategy('reinforce', space, {}, 8), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 30 } });
    let cp: SearchCheckpoint | null = null;
    const stored: LoggedCandidate[] = [];
    runSearchSync({
      space, strategy: createStrategy('reinforce', space, {}, 8), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 11 }, checkpointEvery: 1, checkpointLog: false,
      save: ({ checkpoint, entry }) => {
        cp = roundTrip(checkpoint);
        // What a host keeps per candidate (the worker's CandidateRecord has these fields).
        if (entry) stored.push(roundTrip({ id: entry.id, arch: entry.arch, hash: entry.hash, metrics: entry.metrics, objective: entry.objective, feasible: entry.feasible, parents: entry.parents }));
      },
    });
    expect(cp!.log).toBeUndefined();
    const resumed = runSearchSync({ space, strategy: createStrategy('reinforce', space, {}, 1), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 30 }, resumeFrom: { ...cp!, log: stored } });
    expect(roundTrip(resumed.log)).toEqual(roundTrip(ref.log));
  });

  it('an already-aborted signal evaluates nothing', async () => {
    const ev = new FakeEvaluator();
    const ac = new AbortController();
    ac.abort();
    const r = await runSearch({ space: nb201Space, strategy: createStrategy('random', nb201Space, {}, 1), evaluator: ev, budget: { queries: 5 }, signal: ac.signal });
    expect(r.stopReason).toBe('aborted');
    expect(ev.calls).toEqual([]);
  });

  it('rejects bad setups with specific messages', async () => {
    const base = { space: nb201Space, strategy: createStrategy('random', nb201Space, {}, 1), evaluator: new FakeEvaluator() };
    await expect(runSearch({ ...base, budget: {} })).rejects.toThrow(SearchSetupError);
    await expect(runSearch({ ...base, budget: {} })).rejects.toThrow('budget needs "queries" or "simulatedSeconds"');
    await expect(runSearch({ ...base, budget: { queries: 1.5 } })).rejects.toThrow('budget.queries must be an integer >= 0, got 1.5');
    await expect(runSearch({ ...base, budget: { queries: 5 }, resumeFrom: { version: 3, nextId: 0, strategy: base.strategy.stateDict(), log: [] } })).rejects.toThrow('checkpoint version 3 is not supported (expected 1 or 2)');
    await expect(runSearch({ ...base, budget: { queries: 5 }, resumeFrom: { version: 2, nextId: 1, strategy: base.strategy.stateDict(), log: [] } })).rejects.toThrow("checkpoint.log holds 0 candidates but the checkpoint's nextId is 1");
    await expect(runSearch({ ...base, budget: { queries: 5 }, resumeFrom: { version: 2, nextId: 0, strategy: base.strategy.stateDict() } })).rejects.toThrow('needs the stored candidates as its log');
    await expect(runSearch({ ...base, budget: { queries: 5 }, objective: parseObjectiveSpec({ metric: 'top1' }) })).rejects.toThrow('objective: objective metric "top1" is missing');
    const space = toySpace(2, 2);
    expect(() => runSearchSync({ space, strategy: createStrategy('random', space, {}, 1), evaluator: { evaluateSync: () => ({ valid_acc: 1 }), evaluate: async () => ({ valid_acc: 1 }) }, budget: { simulatedSeconds: 10 } }))
      .toThrow('simulated-time budget: candidate 0 has no valid "train_time_s" metric (got undefined)');
  });
});
