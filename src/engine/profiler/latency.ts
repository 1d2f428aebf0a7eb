/**
 * End-to-end latency measurement with an injected clock: warm-up runs (shader compilation, memory
 * pools), then repeated timed runs, each of which waits for the backend to finish by reading the
 * output back. Reports robust statistics and flags noisy measurements.
 */
import { summarize, type LatencySummary } from './stats';

export interface LatencyOptions {
  readonly warmup: number;
  readonly repeats: number;
  /** Monotonic milliseconds (performance.now in a worker; a fake clock in tests). */
  readonly now: () => number;
  /** Re-measure (up to this many extra rounds) while the coefficient of variation exceeds maxCv. */
  readonly maxCv: number;
  readonly maxRounds: number;
}

export const DEFAULT_LATENCY_OPTIONS: Omit<LatencyOptions, 'now'> = { warmup: 3, repeats: 15, maxCv: 0.15, maxRounds: 3 };

export interface LatencyMeasurement extends LatencySummary {
  readonly batchSize: number;
  readonly warmup: number;
  /** Time of the very first run (includes kernel compilation / first upload). */
  readonly firstRunMs: number;
  /** Rounds measured before the CV fell under maxCv (or maxRounds was reached). */
  readonly rounds: number;
  /** True when even the last round's CV exceeded maxCv. */
  readonly noisy: boolean;
}

/** `run` must complete the whole inference, including reading the result back. */
export async function measureLatency(run: () => Promise<void>, batchSize: number, o: LatencyOptions): Promise<LatencyMeasurement> {
  let t0 = o.now();
  await run();
  const firstRunMs = o.now() - t0;
  for (let i = 1; i < o.warmup; i++) await run();
  let summary: LatencySummary | null = null;
  let rounds = 0;
  while (rounds < o.maxRounds) {
    rounds++;
    const samples: number[] = [];
    for (let i = 0; i < o.repeats; i++) {
      t0 = o.now();
      await run();
      samples.push(o.now() - t0);
    }
    summary = summarize(samples);
    if (summary.cv <= o.maxCv) break;
  }
  const s = summary!;
  return { ...s, batchSize, warmup: o.warmup, firstRunMs, rounds, noisy: s.cv > o.maxCv };
}
