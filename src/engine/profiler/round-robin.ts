/**
 * The round-robin measurement protocol, robust to a busy machine (issue 16 item 4). Every item (table pieces and
 * whole networks alike) is built once and kept alive; each ROUND times ONE run of every item, in a fresh seeded
 * order, so a change of the machine's speed (other processes, frequency, thermal state) hits every item alike
 * instead of biasing whichever ran during it. Rounds continue until every item's median is stable — the
 * distribution-free 95% confidence interval of the median (order statistics) lies within ±`ciHalfWidth` of it —
 * or the time / round cap is reached; then the items still unstable are named in the record instead of silently
 * giving a figure. Whole-network items run one forward per timed run; pieces `inner` applications (calibrated so a
 * run lasts about `targetRunMs`, as in lut.ts) divided by `inner`.
 */
import type { AbortSignalLike } from '../util/abort';
import { throwIfAborted } from '../util/abort';
import { createRng, type Rng } from '../util/rng';
import { median } from '../util/stats';

/** One thing to time, alive for the whole measurement. `run` completes it, read-back included. */
export interface RoundRobinItem {
  readonly label: string;
  /** Applications of the piece per timed run (1 for a whole network). */
  readonly inner: number;
  run(): Promise<void>;
}

export interface RoundRobinSettings {
  /** Untimed rounds first (JIT, kernel caches, memory pools). */
  readonly warmupRounds: number;
  readonly minRounds: number;
  readonly maxRounds: number;
  /** Stop once every item's median 95% CI half-width is within this share of the median... */
  readonly ciHalfWidth: number;
  /** ...or after this long (wall-clock ms, warm-up included). */
  readonly maxMs: number;
  /** Seed of the per-round orders. */
  readonly seed: number;
}

export const DEFAULT_ROUND_ROBIN: RoundRobinSettings = { warmupRounds: 5, minRounds: 15, maxRounds: 400, ciHalfWidth: 0.015, maxMs: 60_000, seed: 0 };

export interface ItemTiming {
  readonly label: string;
  /** Per application (ms): median of the timed runs / inner. */
  readonly medianMs: number;
  /** The 95% CI of the median, per application. */
  readonly ciLowMs: number;
  readonly ciHighMs: number;
  /** (ciHigh - ciLow) / 2 / median. */
  readonly ciHalfWidth: number;
  readonly stable: boolean;
  readonly runs: number;
  readonly inner: number;
  /** Every timed run, per application (ms), in the order measured. */
  readonly samples: readonly number[];
}

/** What a measurement did, so a report can say how far to trust it. */
export interface RoundRobinRecord {
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly elapsedMs: number;
  /** Every item reached the CI target before the cap. */
  readonly stable: boolean;
  readonly stopReason: 'stable' | 'time' | 'rounds';
  readonly unstable: readonly string[];
  readonly ciTarget: number;
}

export interface RoundRobinEnv {
  /** The clock the runs are timed with (ms). */
  readonly now: () => number;
  /**
   * The clock of the time cap (default `now`). A host may time runs with a clock of the process's own CPU time,
   * which on a machine oversubscribed by other processes leaves out the time spent waiting for a core; the cap
   * stays on the wall clock.
   */
  readonly wallNow?: () => number;
  readonly signal?: AbortSignalLike;
  readonly yieldNow?: () => Promise<void>;
  /** After each round (timed rounds count from 1; warm-up rounds are reported as round 0). */
  readonly onRound?: (round: number, maxRounds: number, unstable: number) => void;
}

/**
 * Ranks (0-based, into the sorted samples) of the distribution-free 95% CI of the median: the binomial(n, 1/2)
 * order statistics by the normal approximation, n/2 ± 1.96·√n/2, clamped to the sample.
 */
export function medianCiRanks(n: number): [number, number] {
  if (n < 1) return [0, 0];
  const half = 0.98 * Math.sqrt(n);
  const lo = Math.max(0, Math.floor(n / 2 - half) - 1);
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half) - 1);
  return [lo, hi];
}

/** Median, its 95% CI and the CI's relative half-width of raw samples. */
export function medianWithCi(samples: readonly number[]): { medianMs: number; ciLowMs: number; ciHighMs: number; ciHalfWidth: number } {
  const s = samples.slice().sort((a, b) => a - b);
  const m = median(s);
  const [lo, hi] = medianCiRanks(s.length);
  const ciLowMs = s.length > 0 ? s[lo] : NaN;
  const ciHighMs = s.length > 0 ? s[hi] : NaN;
  return { medianMs: m, ciLowMs, ciHighMs, ciHalfWidth: m > 0 ? (ciHighMs - ciLowMs) / 2 / m : Infinity };
}

/** The stability rule: enough runs, and the median's CI within ±target of it. */
export function isStable(samples: readonly number[], minRuns: number, target: number): boolean {
  return samples.length >= minRuns && medianWithCi(samples).ciHalfWidth <= target;
}

const shuffled = (n: number, rng: Rng): number[] => rng.shuffle(Array.from({ length: n }, (_, i) => i));

/** Runs the protocol over `items` (see the file header). */
export async function measureRoundRobin(
  items: readonly RoundRobinItem[],
  s: RoundRobinSettings,
  env: RoundRobinEnv,
): Promise<{ timings: ItemTiming[]; record: RoundRobinRecord }> {
  if (!(s.minRounds >= 1 && s.maxRounds >= s.minRounds)) throw new Error(`rounds: need 1 <= minRounds <= maxRounds, got ${s.minRounds}..${s.maxRounds}`);
  if (!(s.ciHalfWidth > 0)) throw new Error(`ciHalfWidth must be > 0, got ${s.ciHalfWidth}`);
  const rng = createRng(s.seed);
  const samples: number[][] = items.map(() => []);
  const wall = env.wallNow ?? env.now;
  const started = wall();
  for (let r = 0; r < s.warmupRounds; r++) {
    for (const i of shuffled(items.length, rng)) {
      throwIfAborted(env.signal, 'Latency measurement');
      await items[i].run();
    }
    env.onRound?.(0, s.maxRounds, items.length);
    await env.yieldNow?.();
  }
  let rounds = 0;
  let stopReason: RoundRobinRecord['stopReason'] = 'rounds';
  const unstableNow = () => items.filter((_, i) => !isStable(samples[i], s.minRounds, s.ciHalfWidth)).length;
  while (rounds < s.maxRounds) {
    for (const i of shuffled(items.length, rng)) {
      throwIfAborted(env.signal, 'Latency measurement');
      const t0 = env.now();
      await items[i].run();
      samples[i].push((env.now() - t0) / items[i].inner);
    }
    rounds++;
    const unstable = rounds >= s.minRounds ? unstableNow() : items.length;
    env.onRound?.(rounds, s.maxRounds, unstable);
    await env.yieldNow?.();
    if (rounds >= s.minRounds && unstable === 0) {
      stopReason = 'stable';
      break;
    }
    if (wall() - started >= s.maxMs) {
      stopReason = 'time';
      break;
    }
  }
  const timings = items.map((item, i): ItemTiming => {
    const m = medianWithCi(samples[i]);
    return { label: item.label, ...m, stable: isStable(samples[i], s.minRounds, s.ciHalfWidth), runs: samples[i].length, inner: item.inner, samples: samples[i] };
  });
  const unstable = timings.filter((t) => !t.stable).map((t) => t.label);
  return {
    timings,
    record: { rounds, warmupRounds: s.warmupRounds, elapsedMs: wall() - started, stable: unstable.length === 0, stopReason, unstable, ciTarget: s.ciHalfWidth },
  };
}
