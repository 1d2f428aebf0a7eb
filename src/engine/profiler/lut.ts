/**
 * Latency lookup table (LUT) and predictor, for one (device fingerprint, backend, space, skeleton, batch size).
 *
 * The model:   t(g) ≈ a · Σ_{pieces p of g} lut[p] + b
 *  - lut[p] is the inference latency of piece p (instances.ts; each space lists them in space/<id>/lut-pieces.ts).
 *    A piece is a block as it executes, not one tfjs op: a ReLU-Conv-BN edge, a reduction block, the head's
 *    BN-ReLU-pool-dense, a node's sum. Each timed run applies the piece `inner` times to seeded random inputs
 *    (inside one tf.tidy) and reads the last result back; `inner` is calibrated so that a run lasts about
 *    `targetRunMs`, which spreads the one read-back thin, as in a whole network where dozens of pieces share one.
 *    The identity costs 0 and is not measured.
 *  - Σ counts a piece as often as the network runs it (cells repeat per stage).
 *  - a and b are fitted by least squares on the end-to-end latencies of `fitSamples` sampled genotypes (the
 *    search's latency_ms protocol: a batch-`batchSize` forward in inference mode, read back): a > 0 is the
 *    per-device scale (the share of the summed piece times a whole network pays), b >= 0 the per-network fixed
 *    overhead the pieces do not see (the read-back, dispatch between pieces). See fitOverhead.
 * Measurement protocol (round-robin.ts): after a warm-up on a whole network, the pieces AND the fit networks are
 * all built once and timed in the same rounds, one run each per round in a seeded shuffled order, until every
 * median is stable (its 95% confidence interval within ±ciHalfWidth) or the time cap; a load change during the
 * build hits pieces and networks alike, so the fit's scale absorbs it instead of the table carrying it. The record
 * says how many rounds ran and which items never became stable. Validation (report.ts) measures the fit networks
 * again in the same rounds as the fresh ones and recalibrates a and b on them.
 * A LUT is valid only on the fingerprint it was measured on (fingerprint.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../model/network';
import { spaceEntry, type SpaceId } from '../space/table';
import { throwIfAborted, type AbortSignalLike } from '../util/abort';
import { createRng } from '../util/rng';
import { fingerprintKey, type DeviceFingerprint } from './fingerprint';
import {
  buildOpInstance, genotypeKeyCounts, normalizeSkeleton, normalizeSpaceConfig, opInstances,
  type AnySkeleton, type AnySpaceConfig, type OpInstance,
} from './instances';
import { measureLatency, type LatencyMeasurement, type LatencyOptions } from './latency';
import { DEFAULT_ROUND_ROBIN, measureRoundRobin, type RoundRobinRecord, type RoundRobinSettings } from './round-robin';
import { profilerSpace, sampleDistinct } from './space';
import { summarize, type LatencySummary } from './stats';
import { liveAll, liveNetwork, livePiece, randomInputs, runOf, type LiveItem } from './timed-items';

export { randomInputs } from './timed-items';

/** 2: pieces and fit networks measured in the same rounds (round-robin.ts), with the record. */
export const LUT_FORMAT_VERSION = 2;

/**
 * How pieces are sized and the machine warmed up (recorded in the LUT). passes / warmup / repeats / maxCv drive
 * measureInterleaved (format-1 tables); format-2 tables are measured by the round-robin protocol (`rounds`).
 */
export interface LutMeasureSettings {
  /** Interleaved passes over all items. */
  readonly passes: number;
  /** Untimed runs per item and pass. */
  readonly warmup: number;
  /** Timed runs per item and pass. */
  readonly repeats: number;
  /** A result whose coefficient of variation exceeds this is flagged noisy. */
  readonly maxCv: number;
  /** Pieces: a timed run should last about this long (small pieces are applied several times per run). */
  readonly targetRunMs: number;
  readonly maxInner: number;
  /** Global warm-up before measuring (ms of forward passes of a sampled network). */
  readonly warmupMs: number;
}

export const DEFAULT_LUT_SETTINGS: LutMeasureSettings = { passes: 3, warmup: 2, repeats: 5, maxCv: 0.15, targetRunMs: 2, maxInner: 64, warmupMs: 1500 };
/** End-to-end measurements (fit and validation samples): one forward per timed run. */
export const DEFAULT_E2E_SETTINGS: LutMeasureSettings = { ...DEFAULT_LUT_SETTINGS, repeats: 7, targetRunMs: 0, maxInner: 1 };
export const DEFAULT_FIT_SAMPLES = 8;

export interface LutEntry {
  /** Latency of one application of the piece: median of the timed runs / inner. */
  readonly ms: number;
  readonly p10Ms: number;
  readonly p90Ms: number;
  readonly cv: number;
  readonly noisy: boolean;
  /** Timed runs behind the numbers. */
  readonly runs: number;
  /** First application (kernel compilation, first upload). */
  readonly firstRunMs: number;
  /** Applications per timed run (calibrated; 0 when not measured). */
  readonly inner: number;
  /** False for zero-cost pieces (the identity), which are not measured. */
  readonly measured: boolean;
  /** Relative half-width of the median's 95% CI (format 2). */
  readonly ciHalfWidth?: number;
}

export interface OverheadFit {
  readonly a: number;
  readonly b: number;
  /** End-to-end samples the fit used. */
  readonly n: number;
  /** Coefficient of determination on those samples (NaN when undefined). */
  readonly r2: number;
  /** Root-mean-square residual (ms) on those samples. */
  readonly rmseMs: number;
  /** least-squares: ordinary fit; through-origin: b = 0 (the ordinary b was negative); offset: a = 1; ratio: b = 0, a = mean ratio. */
  readonly method: 'least-squares' | 'through-origin' | 'offset' | 'ratio' | 'none';
}

export interface FitSample {
  readonly label: string;
  /** Σ lut over the genotype's pieces. */
  readonly sumMs: number;
  readonly measuredMs: number;
  readonly noisy: boolean;
}

/** A latency lookup table: plain JSON, stored in IndexedDB by the profile worker. */
export interface LatencyLut {
  readonly formatVersion: number;
  readonly fingerprint: DeviceFingerprint;
  readonly fingerprintKey: string;
  readonly spaceId: SpaceId;
  readonly skeleton: AnySkeleton;
  readonly spaceConfig: AnySpaceConfig;
  readonly batchSize: number;
  readonly settings: LutMeasureSettings;
  readonly seed: number;
  /** Piece key -> latency. */
  readonly entries: Readonly<Record<string, LutEntry>>;
  readonly fit: OverheadFit;
  readonly fitSamples: readonly FitSample[];
  /** Wall time the build took (ms). */
  readonly buildMs: number;
  /** The round-robin settings and what the measurement did (format 2; absent in format-1 tables). */
  readonly rounds?: RoundRobinSettings;
  readonly measurement?: RoundRobinRecord;
}

/** The round-robin settings of the profiler: a ±3% CI on every median, at most 45 s per measurement. */
export const DEFAULT_LUT_ROUNDS: RoundRobinSettings = { ...DEFAULT_ROUND_ROBIN, minRounds: 20, maxRounds: 400, ciHalfWidth: 0.03, maxMs: 45_000 };

/** The storage key of a LUT: fingerprint + space (+ its config) + skeleton + batch size. */
export function lutId(fpKey: string, spaceId: SpaceId, skeleton: AnySkeleton, spaceConfig: AnySpaceConfig, batchSize: number): string {
  const sk = skeleton as unknown as Record<string, unknown>;
  const skText = Object.keys(sk).sort().map((k) => `${k}=${JSON.stringify(sk[k])}`).join(',');
  let h = 0x811c9dc5;
  const cfg = JSON.stringify(spaceConfig);
  for (let i = 0; i < cfg.length; i++) h = Math.imul(h ^ cfg.charCodeAt(i), 0x01000193) >>> 0;
  return `${fpKey}|${spaceId}|${skText}|cfg:${h.toString(16).padStart(8, '0')}|b${batchSize}`;
}

export function lutIdOf(lut: LatencyLut): string {
  return lutId(lut.fingerprintKey, lut.spaceId, lut.skeleton, lut.spaceConfig, lut.batchSize);
}

// ---------------------------------------------------------------- measuring

export interface MeasureEnv {
  /** Monotonic milliseconds (performance.now in a worker). */
  readonly now: () => number;
  /** The wall clock of the round-robin time cap, when `now` is another clock (round-robin.ts). */
  readonly wallNow?: () => number;
  readonly signal?: AbortSignalLike;
  /** Hands the event loop back between items (progress events, cancel). */
  readonly yieldNow?: () => Promise<void>;
}

/**
 * Times `forward` with measureLatency, `inner` applications per timed run (see runOf); statistics are per
 * application (divided by inner).
 */
export async function timeForward(
  forward: () => tf.Tensor,
  batchSize: number,
  inner: number,
  o: LatencyOptions,
  signal?: AbortSignalLike,
): Promise<LatencyMeasurement> {
  const m = await measureLatency(runOf(forward, inner, signal), batchSize, o);
  if (inner === 1) return m;
  const per = (x: number) => x / inner;
  return { ...m, samples: m.samples.map(per), medianMs: per(m.medianMs), p10Ms: per(m.p10Ms), p90Ms: per(m.p90Ms), meanMs: per(m.meanMs) };
}

/** Something to time: built on demand (each pass), disposed after its pass. */
export interface Timeable {
  forward(): tf.Tensor;
  dispose(): void;
}

export interface InterleavedResult extends LatencySummary {
  readonly firstRunMs: number;
  readonly inner: number;
  readonly noisy: boolean;
}

/**
 * Measures every item in `passes` interleaved passes (see the file header). Items are (re)built per pass by
 * `prepare`, so only one is alive at a time; `inner` is calibrated on the first pass (targetRunMs, maxInner) and
 * kept. Results are per application.
 */
export async function measureInterleaved(
  count: number,
  prepare: (index: number) => Timeable,
  s: LutMeasureSettings,
  env: MeasureEnv & { readonly onStep?: (done: number, total: number, index: number) => void },
): Promise<InterleavedResult[]> {
  const samples: number[][] = Array.from({ length: count }, () => []);
  const first: number[] = new Array<number>(count).fill(0);
  const inner: number[] = new Array<number>(count).fill(1);
  const total = count * s.passes;
  for (let pass = 0; pass < s.passes; pass++) {
    for (let i = 0; i < count; i++) {
      throwIfAborted(env.signal, 'Latency measurement');
      const item = prepare(i);
      try {
        const forward = () => item.forward();
        if (pass === 0) {
          const once = runOf(forward, 1, env.signal);
          let t0 = env.now();
          await once();
          first[i] = env.now() - t0;
          if (s.targetRunMs > 0 && s.maxInner > 1) {
            const calib: number[] = [];
            for (let k = 0; k < 3; k++) {
              t0 = env.now();
              await once();
              calib.push(env.now() - t0);
            }
            calib.sort((a, b) => a - b);
            inner[i] = Math.max(1, Math.min(s.maxInner, Math.ceil(s.targetRunMs / Math.max(calib[1], 1e-3))));
          }
        }
        const m = await measureLatency(runOf(forward, inner[i], env.signal), 1, { warmup: s.warmup, repeats: s.repeats, maxCv: Infinity, maxRounds: 1, now: env.now });
        for (const t of m.samples) samples[i].push(t / inner[i]);
      } finally {
        item.dispose();
      }
      env.onStep?.(pass * count + i + 1, total, i);
      await env.yieldNow?.();
    }
  }
  return samples.map((xs, i) => {
    const sum = summarize(xs);
    return { ...sum, firstRunMs: first[i], inner: inner[i], noisy: sum.cv > s.maxCv };
  });
}

/** Runs forward passes of a network for at least `ms` (and 10 runs), so JIT and kernel caches are warm. */
export async function warmUp(net: Network, inputShape: readonly number[], batchSize: number, ms: number, env: MeasureEnv): Promise<void> {
  const [x] = randomInputs(1, batchSize, inputShape, 0);
  try {
    const run = runOf(() => net.forward(x, false), 1, env.signal);
    const t0 = env.now();
    for (let k = 0; k < 10 || env.now() - t0 < ms; k++) {
      await run();
      if (k % 20 === 19) await env.yieldNow?.();
      if (k > 100_000) break;
    }
  } finally {
    x.dispose();
  }
}

/** Builds a network of the space and warms the backend and the JavaScript engine up on it. */
export async function warmUpSpace(spaceId: SpaceId, genotype: unknown, skeleton: AnySkeleton, batchSize: number, ms: number, env: MeasureEnv): Promise<void> {
  if (ms <= 0) return;
  const net = spaceEntry(spaceId).buildNetwork(genotype, skeleton, createRng(0));
  try {
    await warmUp(net, skeleton.inputShape, batchSize, ms, env);
  } finally {
    net.dispose();
  }
}

const ZERO_ENTRY: LutEntry = { ms: 0, p10Ms: 0, p90Ms: 0, cv: 0, noisy: false, runs: 0, firstRunMs: 0, inner: 0, measured: false };

// ---------------------------------------------------------------- predictor

/**
 * Least squares t ≈ a·s + b with a > 0 and b >= 0 (a network cannot take less than nothing): the ordinary fit,
 * or, when its intercept comes out negative, the constrained optimum on the boundary b = 0 (through the
 * origin). Without a usable slope (fewer than 2 points, equal sums, slope <= 0): a = 1 and b = the mean residual,
 * or, if that is negative, b = 0 and a = mean(t) / mean(s).
 */
export function fitOverhead(sums: readonly number[], measured: readonly number[]): OverheadFit {
  if (sums.length !== measured.length) throw new Error(`fitOverhead: ${sums.length} sums but ${measured.length} measurements`);
  const n = sums.length;
  if (n === 0) return { a: 1, b: 0, n: 0, r2: NaN, rmseMs: NaN, method: 'none' };
  const mx = sums.reduce((p, x) => p + x, 0) / n;
  const my = measured.reduce((p, y) => p + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let xx = 0;
  let xy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (sums[i] - mx) ** 2;
    sxy += (sums[i] - mx) * (measured[i] - my);
    syy += (measured[i] - my) ** 2;
    xx += sums[i] ** 2;
    xy += sums[i] * measured[i];
  }
  const tiny = 1e-12 * Math.max(1, Math.abs(my));
  let a: number;
  let b: number;
  let method: OverheadFit['method'];
  if (n >= 2 && sxx > 1e-12 * Math.max(1, mx * mx) && sxy > 0) {
    a = sxy / sxx;
    b = my - a * mx;
    method = 'least-squares';
    if (b < -tiny) {
      a = xy / xx;
      b = 0;
      method = 'through-origin';
    }
  } else {
    a = 1;
    b = my - mx;
    method = 'offset';
    if (b < -tiny && mx > 0) {
      a = my / mx;
      b = 0;
      method = 'ratio';
    }
  }
  b = Math.max(0, b);
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += (measured[i] - (a * sums[i] + b)) ** 2;
  return { a, b, n, r2: syy > 0 ? 1 - ssRes / syy : NaN, rmseMs: Math.sqrt(ssRes / n), method };
}

/** Σ lut over a genotype's pieces, and the keys the table lacks (a genotype from another space or skeleton). */
export function lutSum(lut: Pick<LatencyLut, 'spaceId' | 'skeleton' | 'entries'>, genotype: unknown): { sumMs: number; missing: string[] } {
  const counts = genotypeKeyCounts(lut.spaceId, genotype, lut.skeleton);
  let sumMs = 0;
  const missing: string[] = [];
  for (const [key, count] of counts) {
    const e = lut.entries[key];
    if (!e) missing.push(key);
    else sumMs += count * e.ms;
  }
  return { sumMs, missing };
}

/**
 * Predicted end-to-end latency (ms) of a genotype on the LUT's device, backend, skeleton and batch size:
 * a · Σ lut + b. Throws when the genotype has a piece the table lacks.
 */
export function predictLatency(lut: Pick<LatencyLut, 'spaceId' | 'skeleton' | 'entries' | 'fit'>, genotype: unknown): number {
  const { sumMs, missing } = lutSum(lut, genotype);
  if (missing.length > 0) {
    throw new Error(`The latency table (${lut.spaceId}) has no entry for ${missing.length} piece(s) of this genotype, e.g. ${missing[0]}: it was built for another space config or skeleton`);
  }
  return lut.fit.a * sumMs + lut.fit.b;
}

// ---------------------------------------------------------------- building a whole table

export interface LutBuildSpec {
  readonly spaceId: SpaceId;
  readonly skeleton: Partial<AnySkeleton>;
  readonly spaceConfig?: unknown;
  readonly fingerprint: DeviceFingerprint;
  readonly batchSize?: number;
  readonly settings?: Partial<LutMeasureSettings>;
  /** The round-robin protocol (default DEFAULT_LUT_ROUNDS; its seed defaults to `seed`). */
  readonly rounds?: Partial<RoundRobinSettings>;
  /** End-to-end samples for the overhead fit (0: a = 1, b = 0). */
  readonly fitSamples?: number;
  readonly seed?: number;
}

/** Progress of a measurement: warm-up, building the items to time, then the rounds. */
export type LutProgress =
  | { readonly phase: 'warmup' }
  | { readonly phase: 'prepare'; readonly done: number; readonly total: number; readonly label: string }
  | { readonly phase: 'rounds'; readonly round: number; readonly maxRounds: number; readonly unstable: number; readonly items: number };

function checkInt(name: string, x: number, min: number, max: number): number {
  if (!Number.isInteger(x) || x < min || x > max) throw new Error(`${name} must be a whole number in ${min}..${max}, got ${x}`);
  return x;
}

/** The round-robin settings validated (each field named as the spec names it). */
export function checkRounds(r: RoundRobinSettings): RoundRobinSettings {
  checkInt('rounds.warmupRounds', r.warmupRounds, 0, 10_000);
  checkInt('rounds.minRounds', r.minRounds, 1, 100_000);
  checkInt('rounds.maxRounds', r.maxRounds, r.minRounds, 100_000);
  if (!(r.ciHalfWidth > 0 && r.ciHalfWidth < 1)) throw new Error(`rounds.ciHalfWidth must be a share in (0, 1), e.g. 0.03 for ±3%, got ${r.ciHalfWidth}`);
  if (!(r.maxMs > 0)) throw new Error(`rounds.maxMs must be > 0 ms, got ${r.maxMs}`);
  return r;
}

/**
 * Builds live items (reporting each as 'prepare'), runs the round-robin protocol over them and frees them.
 * Shared by the table build and its validation.
 */
export async function measureLive(
  makers: readonly { readonly label: string; readonly make: () => Promise<LiveItem> }[],
  rounds: RoundRobinSettings,
  env: MeasureEnv & { readonly onProgress?: (p: LutProgress) => void },
): Promise<{ live: { firstRunMs: number }[]; timings: Awaited<ReturnType<typeof measureRoundRobin>>['timings']; record: RoundRobinRecord }> {
  const total = makers.length;
  const live = await liveAll(makers.map((m, k) => async () => {
    throwIfAborted(env.signal, 'Latency measurement');
    const l = await m.make();
    env.onProgress?.({ phase: 'prepare', done: k + 1, total, label: m.label });
    await env.yieldNow?.();
    return l;
  }));
  try {
    const { timings, record } = await measureRoundRobin(live.map((l) => l.item), rounds, {
      now: env.now, wallNow: env.wallNow, signal: env.signal, yieldNow: env.yieldNow,
      onRound: (round, maxRounds, unstable) => env.onProgress?.({ phase: 'rounds', round, maxRounds, unstable, items: total }),
    });
    return { live: live.map((l) => ({ firstRunMs: l.firstRunMs })), timings, record };
  } finally {
    for (const l of live) l.dispose();
  }
}

/** Measures every piece of the space and the fit networks in the same rounds, and fits the overhead. */
export async function buildLatencyLut(spec: LutBuildSpec, env: MeasureEnv & { readonly onProgress?: (p: LutProgress) => void }): Promise<LatencyLut> {
  const started = env.now();
  const spaceId = spec.spaceId;
  const skeleton = normalizeSkeleton(spaceId, spec.skeleton);
  const spaceConfig = normalizeSpaceConfig(spaceId, spec.spaceConfig);
  const batchSize = checkInt('batch size', spec.batchSize ?? 1, 1, 4096);
  const settings: LutMeasureSettings = { ...DEFAULT_LUT_SETTINGS, ...spec.settings };
  checkInt('settings.maxInner', settings.maxInner, 1, 100_000);
  const seed = spec.seed ?? 0;
  const rounds = checkRounds({ ...DEFAULT_LUT_ROUNDS, seed, ...spec.rounds });
  const fitN = checkInt('fit samples', spec.fitSamples ?? DEFAULT_FIT_SAMPLES, 0, 1000);

  const space = profilerSpace(spaceId, spaceConfig);
  const genotypes = sampleDistinct(space, fitN, createRng(seed + 1));
  env.onProgress?.({ phase: 'warmup' });
  await warmUpSpace(spaceId, genotypes[0] ?? space.sample(createRng(seed)), skeleton, batchSize, settings.warmupMs, env);

  const instances = opInstances(spaceId, skeleton, spaceConfig);
  const timed = instances.filter((i) => !i.zeroCost);
  const labels = genotypes.map((g) => space.encode(g));
  const { live, timings, record } = await measureLive([
    ...timed.map((inst) => ({ label: inst.key, make: () => livePiece(spaceId, inst, batchSize, seed, settings, env) })),
    ...genotypes.map((g, k) => ({ label: labels[k], make: () => liveNetwork(spaceId, g, labels[k], skeleton, batchSize, seed, env) })),
  ], rounds, env);

  const entries: Record<string, LutEntry> = {};
  for (const i of instances) if (i.zeroCost) entries[i.key] = ZERO_ENTRY;
  timed.forEach((inst, k) => {
    const t = timings[k];
    const sum = summarize(t.samples);
    entries[inst.key] = {
      ms: t.medianMs, p10Ms: sum.p10Ms, p90Ms: sum.p90Ms, cv: sum.cv, noisy: !t.stable, runs: t.runs,
      firstRunMs: live[k].firstRunMs, inner: t.inner, measured: true, ciHalfWidth: t.ciHalfWidth,
    };
  });
  const base = { spaceId, skeleton, entries };
  const fitSamples: FitSample[] = genotypes.map((g, k) => {
    const t = timings[timed.length + k];
    return { label: labels[k], sumMs: lutSum(base, g).sumMs, measuredMs: t.medianMs, noisy: !t.stable };
  });
  const fit = fitOverhead(fitSamples.map((s) => s.sumMs), fitSamples.map((s) => s.measuredMs));
  return {
    formatVersion: LUT_FORMAT_VERSION,
    fingerprint: spec.fingerprint,
    fingerprintKey: fingerprintKey(spec.fingerprint),
    spaceId, skeleton, spaceConfig, batchSize, settings, seed, entries, fit, fitSamples,
    buildMs: env.now() - started,
    rounds, measurement: record,
  };
}
