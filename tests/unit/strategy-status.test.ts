import { describe, expect, it } from 'vitest';
import { createStrategy, STRATEGY_NAMES } from '../../src/engine/strategy/registry';
import { StrategyStateError, StrategyStatusError } from '../../src/engine/strategy/base';
import { runSearch, runSearchSync, SearchSetupError, type SearchCheckpoint } from '../../src/engine/search/loop';
import { nb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import type { Candidate, Strategy, StrategyState } from '../../src/engine/strategy/types';
import type { Evaluator, SyncEvaluator } from '../../src/engine/evaluator/types';
import { countTarget, drive, toyEvaluator, toySpace, type ToyGenotype } from '../helpers/strategy-toy';

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const OPTIONS: Record<string, object> = { random: {}, evolution: { populationSize: 6, sampleSize: 2 }, reinforce: { learningRate: 0.2 }, local: {} };
const fit = (g: Nb201Genotype) => g.ops.filter((o) => o === 'nor_conv_3x3').length + 0.1 * g.ops.filter((o) => o === 'skip_connect').length;
const metricsOf = (g: Nb201Genotype) => ({ valid_acc: 80 + fit(g), train_time_s: 10 });
const syncEval = (f: (c: Candidate<Nb201Genotype>) => Record<string, number>): SyncEvaluator<Nb201Genotype> => ({ evaluateSync: f, evaluate: async (c) => f(c) });

describe.each(STRATEGY_NAMES.map((n) => [n]))('%s: explicit status', (name) => {
  const make = (seed = 1): Strategy<Nb201Genotype> => createStrategy(name, nb201Space, OPTIONS[name], seed);

  it('legal transitions; ask() refuses unless running, with a message that says what to do', () => {
    const s = make();
    expect([s.status, s.stopCause, s.failure]).toEqual(['running', null, null]);
    drive(s, fit, 3);
    s.pause();
    expect(s.status).toBe('paused');
    expect(() => s.ask()).toThrow(new RegExp(`${name}: ask\\(\\) while paused; call resume\\(\\) first`));
    expect(s.canResume()).toBe(true);
    s.resume();
    expect(s.status).toBe('running');
    drive(s, fit, 2);
    s.pause();
    s.interrupt(); // paused -> interrupted is legal
    expect(s.status).toBe('interrupted');
    expect(() => s.ask()).toThrow(/ask\(\) while interrupted; call resume\(\) first/);
    s.resume();
    s.finish();
    expect([s.status, s.stopCause]).toEqual(['done', 'budget']);
    expect(() => s.ask()).toThrow(/ask\(\) while done \(budget spent\); call resume\(\) to extend it/);
    s.resume(); // a larger budget reopens it
    expect(s.ask()).not.toBeNull();
    s.fail('evaluator ran out of memory');
    expect([s.status, s.stopCause, s.failure]).toEqual(['failed', 'external', 'evaluator ran out of memory']);
    expect(() => s.ask()).toThrow(/ask\(\) while failed \(evaluator ran out of memory\)/);
    s.resume(); // an external failure can be retried
    expect(s.status).toBe('running');
  });

  it('illegal transitions are rejected and leave the status unchanged', () => {
    const s = make();
    expect(() => s.resume()).toThrow(/cannot resume\(\): it is already running/);
    s.pause();
    expect(() => s.pause()).toThrow(new RegExp(`${name}: cannot pause\\(\\) while paused; pause\\(\\) is allowed while running`));
    s.interrupt();
    expect(() => s.pause()).toThrow(StrategyStatusError);
    expect(() => s.interrupt()).toThrow(/cannot interrupt\(\) while interrupted; interrupt\(\) is allowed while running or paused/);
    expect(s.status).toBe('interrupted');
    s.finish();
    expect(() => s.finish()).toThrow(/cannot finish\(\) while done \(budget\)/);
    expect(() => s.interrupt()).toThrow(/cannot interrupt\(\) while done/);
    s.fail('x');
    expect(() => s.fail('y')).toThrow(/cannot fail\(\) while failed \(external\)/);
    expect(s.failure).toBe('x');
  });

  it('status, cause and failure are in the state dict and restored', () => {
    const s = make(4);
    drive(s, fit, 5);
    s.fail('disk full');
    const st = roundTrip(s.stateDict());
    expect(st).toMatchObject({ version: 2, status: 'failed', stopCause: 'external', failure: 'disk full', prerank: null });
    const t = make(99);
    t.loadStateDict(st);
    expect([t.status, t.stopCause, t.failure]).toEqual(['failed', 'external', 'disk full']);
    t.resume();
    expect(drive(t, fit, 5).hashes).toEqual((s.resume(), drive(s, fit, 5).hashes));
  });

  it('a version-1 state dict (no stopCause/failure/prerank, or no status at all) still loads', () => {
    const s = make(8);
    drive(s, fit, 7);
    const v2 = roundTrip(s.stateDict()) as Record<string, unknown>;
    const { stopCause: _c, failure: _f, prerank: _p, ...rest } = v2;
    const v1 = { ...rest, version: 1 } as StrategyState;
    const t = make(1);
    t.loadStateDict(v1);
    expect(t.status).toBe('running');
    const { status: _s, ...noStatus } = v1 as Record<string, unknown>;
    const u = make(2);
    u.loadStateDict(noStatus as StrategyState);
    expect(u.status).toBe('running');
    const expected = drive(s, fit, 10).hashes;
    expect(drive(t, fit, 10).hashes).toEqual(expected);
    expect(drive(u, fit, 10).hashes).toEqual(expected);
    // A v1 'done' meant the space was exhausted (final).
    const w = make(3);
    w.loadStateDict({ ...v1, status: 'done' } as unknown as StrategyState);
    expect([w.status, w.stopCause, w.canResume()]).toEqual(['done', 'exhausted', false]);
    expect(() => make(3).loadStateDict({ ...v2, version: 3 } as unknown as StrategyState)).toThrow(/unsupported state version 3 \(expected one of 1, 2\)/);
    expect(() => make(3).loadStateDict({ ...v2, status: 'done', stopCause: null } as unknown as StrategyState)).toThrow(StrategyStateError);
  });

  it('search loop: abort -> interrupted, resume -> identical trajectory; budget -> done (budget)', async () => {
    const evaluator: Evaluator<Nb201Genotype> = { evaluate: async (c) => metricsOf(c.genotype) };
    const ref = await runSearch({ space: nb201Space, strategy: make(21), evaluator, budget: { queries: 30 } });
    const ac = new AbortController();
    let cp: SearchCheckpoint | null = null;
    const s1 = make(21);
    const first = await runSearch({
      space: nb201Space, strategy: s1, evaluator, budget: { queries: 30 }, signal: ac.signal,
      save: ({ checkpoint: c }) => { cp = roundTrip(c); },
      onEvent: (e) => { if (e.type === 'candidate' && e.entry.id === 11) ac.abort(); },
    });
    expect(first.stopReason).toBe('aborted');
    expect(s1.status).toBe('interrupted');
    expect(cp!.strategy.status).toBe('interrupted');
    const s2 = make(777);
    const second = await runSearch({ space: nb201Space, strategy: s2, evaluator, budget: { queries: 30 }, resumeFrom: cp! });
    expect(roundTrip(second.log)).toEqual(roundTrip(ref.log));
    expect([s2.status, s2.stopCause]).toEqual(['done', 'budget']);
  });

  it('search loop: 3 failed evaluations in a row -> failed (external) in the final checkpoint; resuming goes on after them', async () => {
    const ref = runSearchSync({ space: nb201Space, strategy: make(5), evaluator: syncEval((c) => metricsOf(c.genotype)), budget: { queries: 25 } });
    let cp: SearchCheckpoint | null = null;
    const s1 = make(5);
    const failing = syncEval((c) => { if (c.id >= 9) throw new Error('GPU lost'); return metricsOf(c.genotype); });
    expect(() => runSearchSync({ space: nb201Space, strategy: s1, evaluator: failing, budget: { queries: 25 }, save: ({ checkpoint: c }) => { cp = roundTrip(c); } }))
      .toThrow(/^3 candidates in a row failed, so the run stopped .*the last: GPU lost$/);
    expect([s1.status, s1.stopCause]).toEqual(['failed', 'external']);
    expect(s1.failure).toMatch(/the last: GPU lost$/);
    expect(cp!.strategy).toMatchObject({ status: 'failed' });
    // The three failures are in the log (infeasible, with the reason), so a resume never proposes them again.
    expect(cp!.log!.slice(9).map((e) => [e.id, e.objective, e.error])).toEqual([9, 10, 11].map((id) => [id, null, 'GPU lost']));
    const second = runSearchSync({ space: nb201Space, strategy: make(1), evaluator: syncEval((c) => metricsOf(c.genotype)), budget: { queries: 25 }, resumeFrom: cp! });
    expect(roundTrip(second.log.slice(0, 9))).toEqual(roundTrip(ref.log.slice(0, 9)));
    expect(second.log).toHaveLength(25);
    expect(second.log.slice(12).every((e) => e.error === undefined)).toBe(true);
    expect(second.best?.error).toBeUndefined();
  });

  it("search loop: abortAs 'paused' pauses the strategy instead", async () => {
    const ac = new AbortController();
    ac.abort();
    const s = make(2);
    const r = await runSearch({ space: nb201Space, strategy: s, evaluator: { evaluate: async (c) => metricsOf(c.genotype) }, budget: { queries: 5 }, signal: ac.signal, abortAs: 'paused' });
    expect(r.stopReason).toBe('aborted');
    expect(s.status).toBe('paused');
    // Driving the paused strategy again resumes it (same object, no checkpoint).
    const again = await runSearch({ space: nb201Space, strategy: s, evaluator: { evaluate: async (c) => metricsOf(c.genotype) }, budget: { queries: 5 } });
    expect(again.log.map((e) => e.id)).toEqual([0, 1, 2, 3, 4]);
    expect([s.status, s.stopCause]).toEqual(['done', 'budget']);
  });
});

describe('internal failure', () => {
  it('a strategy that throws inside propose() is failed (internal): final, tell() refused, not resumable from a checkpoint', () => {
    const space = toySpace(3, 3);
    let broken = false;
    const bad = { ...space, sample: (rng: Parameters<typeof space.sample>[0]) => { if (broken) throw new Error('sampler broke'); return space.sample(rng); } };
    const s: Strategy<ToyGenotype> = createStrategy('random', bad, { dedupe: false }, 1);
    const c = s.ask()!;
    broken = true;
    expect(() => s.ask()).toThrow('sampler broke');
    expect([s.status, s.stopCause, s.failure]).toEqual(['failed', 'internal', 'sampler broke']);
    expect(s.canResume()).toBe(false);
    expect(() => s.resume()).toThrow(/cannot resume\(\): it failed inside the strategy \(sampler broke\); its state is not trusted/);
    expect(() => s.tell(c, { objective: 1, metrics: {} })).toThrow(/tell\(\) after the strategy failed/);
    const cp: SearchCheckpoint = { version: 2, nextId: 0, strategy: roundTrip(s.stateDict()), log: [] };
    expect(() => runSearchSync({ space, strategy: createStrategy('random', space, { dedupe: false }, 1), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 3 }, resumeFrom: cp }))
      .toThrow(SearchSetupError);
  });

  it('a checkpoint of an exhausted strategy resumes as exhausted (nothing is asked)', () => {
    const space = toySpace(2, 2);
    let cp: SearchCheckpoint | null = null;
    const r = runSearchSync({ space, strategy: createStrategy('random', space, {}, 1), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 10 }, save: ({ checkpoint: c }) => { cp = roundTrip(c); } });
    expect(r.stopReason).toBe('exhausted');
    expect(cp!.strategy).toMatchObject({ status: 'done', stopCause: 'exhausted' });
    const again = runSearchSync({ space, strategy: createStrategy('random', space, {}, 1), evaluator: toyEvaluator(countTarget(0)), budget: { queries: 10 }, resumeFrom: cp! });
    expect([again.stopReason, again.queries]).toEqual(['exhausted', 4]);
  });
});
