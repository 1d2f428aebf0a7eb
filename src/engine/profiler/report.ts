/**
 * How far to trust a latency predictor: predicted vs measured end-to-end latency on a sample of candidates that
 * the overhead fit did NOT see. validateLut measures them with the table's fit networks in the same rounds
 * (round-robin.ts) and recalibrates the per-device scale and fixed overhead (a, b) on those fit networks as
 * measured now, so a change of the device's speed since the build (load, frequency, warm-up) hits the calibration
 * and the fresh networks alike; the shares with the table's own (build-time) fit are reported beside it. Relative error e = (predicted - measured) / measured; shares of candidates with
 * |e| <= 5% and <= 10%; mean / median / max |e|; the worst cases; Kendall's tau-b between predicted and measured
 * (does the predictor rank candidates as the device does — what a search needs most).
 */
import { kendallTau, median } from '../util/stats';
import type { AbortSignalLike } from '../util/abort';
import { createRng } from '../util/rng';
import { checkRounds, DEFAULT_LUT_ROUNDS, fitOverhead, lutSum, measureLive, warmUpSpace, type LatencyLut, type LutMeasureSettings, type LutProgress, type OverheadFit } from './lut';
import type { RoundRobinRecord, RoundRobinSettings } from './round-robin';
import { liveNetwork } from './timed-items';
import { profilerSpace, sampleDistinct } from './space';

export interface ReportPoint {
  readonly label: string;
  readonly predictedMs: number;
  readonly measuredMs: number;
  /** The measurement's CV exceeded the limit even after re-measuring. */
  readonly noisy?: boolean;
}

export interface WorstCase extends ReportPoint {
  /** (predicted - measured) / measured, in percent. */
  readonly errorPct: number;
}

export interface PredictorReport {
  readonly n: number;
  /** Shares (0..1) of candidates with |relative error| <= 5% / 10%. */
  readonly within5: number;
  readonly within10: number;
  readonly meanAbsErrorPct: number;
  readonly medianAbsErrorPct: number;
  readonly maxAbsErrorPct: number;
  /** Kendall's tau-b between predicted and measured (NaN with fewer than 2 points or a constant side). */
  readonly kendallTau: number;
  /** Largest |error| first. */
  readonly worst: readonly WorstCase[];
  readonly points: readonly ReportPoint[];
  /** The fit the predictions used, when known. */
  readonly fit?: OverheadFit;
  /**
   * How fast the device is now compared with when the table was built: one of the fit's networks measured again
   * with the sample. A ratio far from 1 means the device changed state (other load, power saving, throttling),
   * which no table can predict: rebuild the table when the device is in the state you care about.
   */
  readonly drift?: { readonly label: string; readonly thenMs: number; readonly nowMs: number; readonly ratio: number };
  /** The shares with every prediction scaled by drift.ratio: the table's own error, without the device's drift. */
  readonly driftCorrected?: { readonly within5: number; readonly within10: number; readonly meanAbsErrorPct: number };
  /**
   * recalibrated: `fit` was fitted on the table's fit networks measured in the same rounds as the sample;
   * table: the table's own fit (fewer than 2 fit networks, or a report made before calibration existed).
   */
  readonly calibration?: 'recalibrated' | 'table';
  /** With the table's own, build-time fit instead: what a prediction without recalibration would have scored. */
  readonly withTableFit?: { readonly within5: number; readonly within10: number; readonly meanAbsErrorPct: number; readonly kendallTau: number; readonly fit: OverheadFit };
  /** How the sample was measured: rounds, time, and the items whose median never became stable. */
  readonly measurement?: RoundRobinRecord;
}

export function relativeError(predicted: number, measured: number): number {
  return (predicted - measured) / measured;
}

export function predictorReport(points: readonly ReportPoint[], worstCount = 5, fit?: OverheadFit, drift?: PredictorReport['drift']): PredictorReport {
  const n = points.length;
  const absErrors = (scale: number) => points.map((p) => Math.abs(relativeError(p.predictedMs * scale, p.measuredMs)) * 100);
  const abs = absErrors(1);
  const sorted = abs.slice().sort((x, y) => x - y);
  const shareOf = (errors: readonly number[], limit: number) => (n === 0 ? NaN : errors.filter((e) => e <= limit + 1e-9).length / n);
  const share = (limit: number) => shareOf(abs, limit);
  const corrected = drift ? absErrors(drift.ratio) : null;
  const worst = points
    .map((p): WorstCase => ({ ...p, errorPct: relativeError(p.predictedMs, p.measuredMs) * 100 }))
    .sort((x, y) => Math.abs(y.errorPct) - Math.abs(x.errorPct))
    .slice(0, worstCount);
  return {
    n,
    within5: share(5),
    within10: share(10),
    meanAbsErrorPct: n === 0 ? NaN : abs.reduce((a, b) => a + b, 0) / n,
    medianAbsErrorPct: median(abs),
    maxAbsErrorPct: n === 0 ? NaN : sorted[n - 1],
    kendallTau: n < 2 ? NaN : kendallTau(points.map((p) => p.predictedMs), points.map((p) => p.measuredMs)),
    worst,
    points: points.slice(),
    ...(fit ? { fit } : {}),
    ...(drift && corrected ? {
      drift,
      driftCorrected: { within5: shareOf(corrected, 5), within10: shareOf(corrected, 10), meanAbsErrorPct: n === 0 ? NaN : corrected.reduce((a, b) => a + b, 0) / n },
    } : {}),
  };
}

/**
 * Measures `sampleSize` fresh genotypes (seeded; the fit's samples are left out) end to end on the current
 * backend, in the same rounds as the table's fit networks (round-robin.ts), recalibrates a and b on the fit
 * networks as measured now, and reports the fresh networks against the recalibrated predictions (and the table's
 * own fit beside them).
 */
export async function validateLut(
  lut: LatencyLut,
  o: {
    readonly sampleSize: number;
    readonly seed?: number;
    readonly now: () => number;
    readonly wallNow?: () => number;
    readonly settings?: Partial<LutMeasureSettings>;
    readonly rounds?: Partial<RoundRobinSettings>;
    readonly signal?: AbortSignalLike;
    readonly yieldNow?: () => Promise<void>;
    readonly onProgress?: (p: LutProgress) => void;
  },
): Promise<PredictorReport> {
  if (!Number.isInteger(o.sampleSize) || o.sampleSize < 1 || o.sampleSize > 1000) throw new Error(`sample size must be a whole number in 1..1000, got ${o.sampleSize}`);
  const space = profilerSpace(lut.spaceId, lut.spaceConfig);
  const fitLabels = new Set(lut.fitSamples.map((s) => s.label));
  // Candidates the fit saw are left out, so the report measures generalisation.
  const pool = sampleDistinct(space, o.sampleSize + fitLabels.size, createRng((o.seed ?? 1000) + 7919));
  const genotypes = pool.filter((g) => !fitLabels.has(space.encode(g))).slice(0, o.sampleSize);
  const fitGenotypes = lut.fitSamples.map((s) => space.decode(s.label));
  const settings: LutMeasureSettings = { ...lut.settings, ...o.settings };
  const rounds = checkRounds({ ...(lut.rounds ?? DEFAULT_LUT_ROUNDS), seed: (o.seed ?? 1000) + 1, ...o.rounds });
  const env = { now: o.now, wallNow: o.wallNow, signal: o.signal, yieldNow: o.yieldNow, onProgress: o.onProgress };
  const all = [...fitGenotypes, ...genotypes];
  const labels = all.map((g) => space.encode(g));
  o.onProgress?.({ phase: 'warmup' });
  if (all.length > 0) await warmUpSpace(lut.spaceId, all[0], lut.skeleton, lut.batchSize, settings.warmupMs, env);
  const { timings, record } = await measureLive(
    all.map((g, k) => ({ label: labels[k], make: () => liveNetwork(lut.spaceId, g, labels[k], lut.skeleton, lut.batchSize, lut.seed, env) })),
    rounds, env,
  );
  const nFit = fitGenotypes.length;
  const report = calibratedReport(
    lut,
    fitGenotypes.map((g, k) => ({ sumMs: lutSum(lut, g).sumMs, nowMs: timings[k].medianMs })),
    genotypes.map((g, k) => ({ label: labels[nFit + k], sumMs: lutSum(lut, g).sumMs, measuredMs: timings[nFit + k].medianMs, noisy: !timings[nFit + k].stable })),
  );
  return { ...report, measurement: record };
}

/**
 * The calibration step of a validation, pure: the fit networks' latencies as measured now (in the same rounds as
 * the sample) refit a and b when there are at least 2, and the sample is reported against that fit; the table's
 * own fit is scored beside it (withTableFit), and drift is the median now/then ratio of the fit networks.
 */
export function calibratedReport(
  lut: Pick<LatencyLut, 'fit' | 'fitSamples'>,
  fitNow: readonly { readonly sumMs: number; readonly nowMs: number }[],
  sample: readonly { readonly label: string; readonly sumMs: number; readonly measuredMs: number; readonly noisy: boolean }[],
): PredictorReport {
  if (fitNow.length !== lut.fitSamples.length) throw new Error(`calibratedReport: ${fitNow.length} fit networks measured now, but the table has ${lut.fitSamples.length}`);
  const nFit = fitNow.length;
  const fit = nFit >= 2 ? fitOverhead(fitNow.map((f) => f.sumMs), fitNow.map((f) => f.nowMs)) : lut.fit;
  const pointsWith = (f: OverheadFit) => sample.map((x): ReportPoint => ({ label: x.label, predictedMs: f.a * x.sumMs + f.b, measuredMs: x.measuredMs, noisy: x.noisy }));
  const drift = nFit > 0
    ? {
      label: `median of ${nFit} fit network${nFit === 1 ? '' : 's'}`,
      thenMs: median(lut.fitSamples.map((f) => f.measuredMs)),
      nowMs: median(fitNow.map((f) => f.nowMs)),
      ratio: median(fitNow.map((f, k) => f.nowMs / lut.fitSamples[k].measuredMs)),
    }
    : undefined;
  const table = predictorReport(pointsWith(lut.fit), 0, lut.fit);
  return {
    ...predictorReport(pointsWith(fit), 5, fit),
    ...(drift ? { drift } : {}),
    calibration: nFit >= 2 ? 'recalibrated' : 'table',
    withTableFit: { within5: table.within5, within10: table.within10, meanAbsErrorPct: table.meanAbsErrorPct, kendallTau: table.kendallTau, fit: lut.fit },
  };
}
