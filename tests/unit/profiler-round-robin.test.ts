/**
 * The round-robin measurement protocol (issue 16 item 4) with an injected fake clock, and the validation's
 * calibration on synthetic data: the median's confidence interval and the stability rule, one run per item per
 * round in seeded shuffled orders, stopping when stable / at the round cap / at the time cap, a slowdown of the
 * machine hitting every item alike, and recalibrating a and b on fit networks measured now.
 */
import { describe, expect, it } from 'vitest';
import { isStable, measureRoundRobin, medianCiRanks, medianWithCi, type RoundRobinItem, type RoundRobinSettings } from '../../src/engine/profiler/round-robin';
import { calibratedReport } from '../../src/engine/profiler/report';
import type { FitSample, OverheadFit } from '../../src/engine/profiler/lut';

describe('the median and its 95% confidence interval', () => {
  it('takes the order statistics n/2 ± 0.98·√n (0-based ranks, clamped)', () => {
    // n = 100: 50 ± 9.8 -> 1-based 40..60 -> 0-based 39..59
    expect(medianCiRanks(100)).toEqual([39, 59]);
    // n = 20: 10 ± 4.38 -> 1-based 5..15
    expect(medianCiRanks(20)).toEqual([4, 14]);
    expect(medianCiRanks(1)).toEqual([0, 0]);
    expect(medianCiRanks(3)).toEqual([0, 2]);
  });

  it('reports the relative half-width of the CI', () => {
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    const m = medianWithCi(xs);
    expect(m.medianMs).toBe(10.5);
    expect(m.ciLowMs).toBe(5);
    expect(m.ciHighMs).toBe(15);
    expect(m.ciHalfWidth).toBeCloseTo(5 / 10.5, 12);
  });

  it('stable = enough runs and a CI within ±target of the median', () => {
    const tight = Array.from({ length: 30 }, (_, i) => 1 + (i % 3) * 0.001);
    expect(isStable(tight, 20, 0.01)).toBe(true);
    expect(isStable(tight.slice(0, 10), 20, 0.01)).toBe(false); // too few runs
    const wide = Array.from({ length: 30 }, (_, i) => (i % 2 ? 1 : 2));
    expect(isStable(wide, 20, 0.1)).toBe(false);
  });
});

/** A fake machine: the clock moves only when an item runs, by its duration times the machine's current slowness. */
function machine(slowness: (t: number) => number = () => 1) {
  let t = 0;
  const log: string[] = [];
  const item = (label: string, ms: number | (() => number), inner = 1): RoundRobinItem => ({
    label, inner,
    run: async () => {
      log.push(label);
      t += (typeof ms === 'number' ? ms : ms()) * slowness(t);
    },
  });
  return { now: () => t, item, log };
}

const SETTINGS: RoundRobinSettings = { warmupRounds: 2, minRounds: 5, maxRounds: 50, ciHalfWidth: 0.02, maxMs: 1e9, seed: 7 };

describe('measureRoundRobin', () => {
  it('runs every item once per round in a seeded shuffled order, warm-up rounds untimed, and stops once stable', async () => {
    const m = machine();
    const items = [m.item('a', 1), m.item('b', 3), m.item('c', 8, 4), m.item('d', 2)];
    const rounds: number[] = [];
    const { timings, record } = await measureRoundRobin(items, SETTINGS, { now: m.now, onRound: (r) => rounds.push(r) });
    // constant durations: the CI has zero width, so it stops at minRounds
    expect(record).toMatchObject({ rounds: 5, warmupRounds: 2, stable: true, stopReason: 'stable', unstable: [], ciTarget: 0.02 });
    expect(rounds).toEqual([0, 0, 1, 2, 3, 4, 5]);
    expect(m.log).toHaveLength(7 * 4);
    const perRound = Array.from({ length: 7 }, (_, r) => m.log.slice(r * 4, r * 4 + 4));
    for (const order of perRound) expect(order.slice().sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(new Set(perRound.map((o) => o.join(''))).size).toBeGreaterThan(1); // the order changes between rounds
    expect(timings.map((t) => [t.label, t.medianMs, t.runs, t.stable])).toEqual([['a', 1, 5, true], ['b', 3, 5, true], ['c', 2, 5, true], ['d', 2, 5, true]]);
    expect(timings[2].samples).toEqual([2, 2, 2, 2, 2]); // per application: 8 ms / inner 4
    expect(record.elapsedMs).toBe(7 * (1 + 3 + 8 + 2));

    // same seed, same orders
    const again = machine();
    await measureRoundRobin([again.item('a', 1), again.item('b', 3), again.item('c', 8, 4), again.item('d', 2)], SETTINGS, { now: again.now });
    expect(again.log).toEqual(m.log);
  });

  it('names the items that never became stable when the round cap is reached', async () => {
    const m = machine();
    let k = 0;
    const items = [m.item('calm', 1), m.item('jumpy', () => (k++ % 2 ? 1 : 3))];
    const { timings, record } = await measureRoundRobin(items, { ...SETTINGS, maxRounds: 12 }, { now: m.now });
    expect(record).toMatchObject({ rounds: 12, stable: false, stopReason: 'rounds', unstable: ['jumpy'] });
    expect(timings.map((t) => t.stable)).toEqual([true, false]);
    expect(timings[1].runs).toBe(12);
  });

  it('stops at the time cap (warm-up included) and says so', async () => {
    const m = machine();
    let k = 0;
    const items = [m.item('jumpy', () => (k++ % 2 ? 1 : 3))];
    const { record } = await measureRoundRobin(items, { ...SETTINGS, warmupRounds: 1, maxMs: 20 }, { now: m.now });
    // 3 ms of warm-up, then 1 or 3 ms a round: past 20 ms after round 9 (3 + 1+3+1+3+1+3+1+3+1 = 20)
    expect(record).toMatchObject({ rounds: 9, stopReason: 'time', stable: false });
    expect(record.elapsedMs).toBeGreaterThanOrEqual(20);
  });

  it('times runs with `now` but caps on `wallNow` when the host gives both (a CPU-time clock on a busy machine)', async () => {
    const m = machine();
    let wall = 0;
    let k = 0;
    // every run waits 9x its own time for a core: the wall clock moves 10x the run clock
    const items = [m.item('jumpy', () => {
      const d = k++ % 2 ? 1 : 3;
      wall += 10 * d;
      return d;
    })];
    const { timings, record } = await measureRoundRobin(items, { ...SETTINGS, warmupRounds: 0, maxMs: 100 }, { now: m.now, wallNow: () => wall });
    // wall: 30, 40, 70, 80, 110 -> past 100 ms after round 5; the samples are run-clock times
    expect(record).toMatchObject({ rounds: 5, stopReason: 'time', elapsedMs: 110 });
    expect(timings[0].samples).toEqual([3, 1, 3, 1, 3]);
  });

  it('a slowdown of the whole machine mid-measurement hits every item alike: the ratios of the medians hold', async () => {
    // From t = 100 ms on, everything runs 2x slower (another process took half the CPU).
    const m = machine((t) => (t < 100 ? 1 : 2));
    const items = [m.item('small', 1), m.item('big', 3)];
    const { timings } = await measureRoundRobin(items, { ...SETTINGS, warmupRounds: 0, minRounds: 40, maxRounds: 40, ciHalfWidth: 1e-9 }, { now: m.now });
    expect(timings[1].medianMs / timings[0].medianMs).toBeCloseTo(3, 12);
    // each item saw both speeds
    for (const t of timings) expect(new Set(t.samples).size).toBe(2);
  });

  it('refuses settings that cannot stop', async () => {
    const m = machine();
    await expect(measureRoundRobin([m.item('a', 1)], { ...SETTINGS, minRounds: 10, maxRounds: 5 }, { now: m.now })).rejects.toThrow('minRounds <= maxRounds');
    await expect(measureRoundRobin([m.item('a', 1)], { ...SETTINGS, ciHalfWidth: 0 }, { now: m.now })).rejects.toThrow('ciHalfWidth must be > 0');
  });
});

describe('calibratedReport: the per-device scale and fixed overhead refitted on fit networks measured now', () => {
  // Built when the device ran t = 1.0·Σ + 0.1; now it runs 1.5x slower: t = 1.5·Σ + 0.15.
  const sums = [1, 2, 3, 4, 5, 6];
  const tableFit: OverheadFit = { a: 1, b: 0.1, n: 6, r2: 1, rmseMs: 0, method: 'least-squares' };
  const fitSamples: FitSample[] = sums.map((s, k) => ({ label: `fit${k}`, sumMs: s, measuredMs: s + 0.1, noisy: false }));
  const now = (s: number) => 1.5 * s + 0.15;
  const sample = [1.5, 2.5, 3.5, 4.5, 7].map((s, k) => ({ label: `g${k}`, sumMs: s, measuredMs: now(s), noisy: false }));

  it('recovers the new scale and overhead and predicts the fresh networks exactly; the table fit is 33% low', () => {
    const r = calibratedReport({ fit: tableFit, fitSamples }, sums.map((s) => ({ sumMs: s, nowMs: now(s) })), sample);
    expect(r.calibration).toBe('recalibrated');
    expect(r.fit!.a).toBeCloseTo(1.5, 10);
    expect(r.fit!.b).toBeCloseTo(0.15, 10);
    expect(r.within5).toBe(1);
    expect(r.within10).toBe(1);
    expect(r.maxAbsErrorPct).toBeCloseTo(0, 8);
    expect(r.kendallTau).toBeCloseTo(1, 12);
    expect(r.points.map((p) => p.predictedMs)).toEqual(sample.map((x) => expect.closeTo(x.measuredMs, 10)));
    // the table's own fit: predicted / measured = 1/1.5 -> -33%
    expect(r.withTableFit).toMatchObject({ within5: 0, within10: 0, fit: tableFit });
    expect(r.withTableFit!.meanAbsErrorPct).toBeCloseTo(100 / 3, 8);
    expect(r.drift!.ratio).toBeCloseTo(1.5, 12);
    expect(r.drift!.label).toBe('median of 6 fit networks');
  });

  it('keeps the table fit with fewer than 2 fit networks, and refuses a mismatched count', () => {
    const one = calibratedReport({ fit: tableFit, fitSamples: fitSamples.slice(0, 1) }, [{ sumMs: 1, nowMs: now(1) }], sample);
    expect(one.calibration).toBe('table');
    expect(one.fit).toEqual(tableFit);
    expect(() => calibratedReport({ fit: tableFit, fitSamples }, [{ sumMs: 1, nowMs: 1 }], sample)).toThrow('1 fit networks measured now, but the table has 6');
  });
});
