/**
 * Latency measurement with an injected fake clock: each scripted run advances the clock by a scripted duration,
 * so the statistics (median, p10/p90 with numpy's linear interpolation, sample CV), the re-measuring rounds and
 * the noisy flag are exact. Also the per-application division of timeForward and the interleaved, calibrated
 * measurement the lookup tables use.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { measureLatency } from '../../src/engine/profiler/latency';
import { measureInterleaved, timeForward, type LutMeasureSettings } from '../../src/engine/profiler/lut';

let tf: Awaited<ReturnType<typeof useBackend>>;
beforeAll(async () => { tf = await useBackend('wasm', { trainingKernels: true }); });

/** A clock that only moves when a scripted run says so. */
function scripted(durations: number[]) {
  let t = 1000;
  let calls = 0;
  return {
    now: () => t,
    run: async () => {
      calls++;
      const d = durations.shift();
      if (d === undefined) throw new Error('script ran out');
      t += d;
    },
    get calls() { return calls; },
    left: () => durations.length,
  };
}

describe('measureLatency with a fake clock', () => {
  it('first run, warm-up and exact order statistics of one round', async () => {
    // first run 100 ms (compilation), 2 more warm-ups, then 5 timed runs
    const c = scripted([100, 50, 40, 5, 1, 4, 2, 3]);
    const m = await measureLatency(c.run, 4, { warmup: 3, repeats: 5, maxCv: 0.6, maxRounds: 3, now: c.now });
    expect(c.left()).toBe(0);
    expect(m.firstRunMs).toBe(100);
    expect(m.samples).toEqual([5, 1, 4, 2, 3]);
    expect(m.medianMs).toBe(3);
    expect(m.p10Ms).toBeCloseTo(1.4, 12); // numpy.quantile([1,2,3,4,5], 0.1)
    expect(m.p90Ms).toBeCloseTo(4.6, 12);
    expect(m.meanMs).toBe(3);
    expect(m.cv).toBeCloseTo(Math.sqrt(2.5) / 3, 12); // sample std / mean
    expect(m.rounds).toBe(1);
    expect(m.noisy).toBe(false);
    expect(m.batchSize).toBe(4);
    expect(m.warmup).toBe(3);
  });

  it('re-measures while the CV is above maxCv and keeps the last round', async () => {
    const c = scripted([9, /* round 1: noisy */ 1, 10, 1, 10, 1, /* round 2: calm */ 5, 5, 5, 5, 6]);
    const m = await measureLatency(c.run, 1, { warmup: 1, repeats: 5, maxCv: 0.1, maxRounds: 3, now: c.now });
    expect(c.left()).toBe(0);
    expect(m.rounds).toBe(2);
    expect(m.samples).toEqual([5, 5, 5, 5, 6]);
    expect(m.medianMs).toBe(5);
    expect(m.p90Ms).toBeCloseTo(5.6, 12);
    expect(m.cv).toBeCloseTo(Math.sqrt(0.2) / 5.2, 12);
    expect(m.noisy).toBe(false);
  });

  it('flags noisy when every round stays above maxCv', async () => {
    const c = scripted([2, 1, 3, 1, 3, 2, 8, 2, 8]);
    const m = await measureLatency(c.run, 1, { warmup: 1, repeats: 4, maxCv: 0.05, maxRounds: 2, now: c.now });
    expect(c.left()).toBe(0);
    expect(m.rounds).toBe(2);
    expect(m.noisy).toBe(true);
    expect(m.samples).toEqual([2, 8, 2, 8]);
    expect(m.medianMs).toBe(5);
    expect(m.p10Ms).toBeCloseTo(2, 12);
    expect(m.cv).toBeCloseTo(Math.sqrt(12) / 5, 12);
  });

  it('a single timed run has CV 0 (no spread to measure)', async () => {
    const c = scripted([3, 7]);
    const m = await measureLatency(c.run, 1, { warmup: 1, repeats: 1, maxCv: 0.1, maxRounds: 3, now: c.now });
    expect(m).toMatchObject({ firstRunMs: 3, medianMs: 7, p10Ms: 7, p90Ms: 7, cv: 0, rounds: 1, noisy: false });
  });
});

describe('timeForward and measureInterleaved', () => {
  it('timeForward divides by the applications per run and reads the result back', async () => {
    let t = 0;
    let applications = 0;
    const forward = () => { applications++; t += 1.5; return tf.zeros([2, 2]); };
    const before = tf.memory().numTensors;
    const m = await timeForward(forward, 1, 4, { warmup: 2, repeats: 3, maxCv: 0.1, maxRounds: 1, now: () => t });
    expect(applications).toBe(4 * (2 + 3));
    expect(m.firstRunMs).toBe(6); // the run, not per application
    expect(m.medianMs).toBe(1.5);
    expect(m.samples).toEqual([1.5, 1.5, 1.5]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('interleaves passes over all items, calibrates inner, and reports per application', async () => {
    let t = 0;
    const order: number[] = [];
    const cost = [1, 2, 0.25];
    const settings: LutMeasureSettings = { passes: 2, warmup: 1, repeats: 3, maxCv: 0.15, targetRunMs: 10, maxInner: 16, warmupMs: 0 };
    const res = await measureInterleaved(3, (i) => {
      order.push(i);
      return { forward: () => { t += cost[i]; return tf.zeros([1]); }, dispose: () => undefined };
    }, settings, { now: () => t });
    expect(order).toEqual([0, 1, 2, 0, 1, 2]);
    expect(res.map((r) => r.inner)).toEqual([10, 5, 16]); // ceil(10 / cost), at most maxInner
    expect(res.map((r) => r.medianMs)).toEqual([1, 2, 0.25]);
    expect(res.map((r) => r.samples.length)).toEqual([6, 6, 6]); // repeats x passes
    expect(res.map((r) => r.firstRunMs)).toEqual([1, 2, 0.25]);
    expect(res.every((r) => r.cv === 0 && !r.noisy)).toBe(true);
  });

  it('a cancelled signal stops the measurement', async () => {
    const signal = { aborted: true };
    await expect(measureInterleaved(1, () => ({ forward: () => tf.zeros([1]), dispose: () => undefined }),
      { passes: 1, warmup: 0, repeats: 1, maxCv: 1, targetRunMs: 0, maxInner: 1, warmupMs: 0 }, { now: () => 0, signal })).rejects.toThrow(/cancelled/);
  });
});
