/**
 * How far to trust a latency predictor: predicted vs measured end-to-end latency on a sample of candidates that
 * the overhead fit did NOT see. Relative error e = (predicted - measured) / measured; shares of candidates with
 * |e| <= 5% and <= 10%; mean / median / max |e|; the worst cases; Kendall's tau-b between predicted and measured
 * (does the predictor rank candidates as the device does — what a search needs most).
 */
import { kendallTau, median } from '../util/stats';
import type { AbortSignalLike } from '../util/abort';
import { createRng } from '../util/rng';
import { DEFAULT_E2E_SETTINGS, lutSum, measureGenotypes, warmUpSpace, type LatencyLut, type LutMeasureSettings, type OverheadFit } from './lut';
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
 * backend, with the LUT's protocol (global warm-up, interleaved passes), and reports them against the LUT's
 * predictions.
 */
export async function validateLut(
  lut: LatencyLut,
  o: {
    readonly sampleSize: number;
    readonly seed?: number;
    readonly now: () => number;
    readonly settings?: Partial<LutMeasureSettings>;
    readonly signal?: AbortSignalLike;
    readonly yieldNow?: () => Promise<void>;
    readonly onProgress?: (done: number, total: number) => void;
  },
): Promise<PredictorReport> {
  if (!Number.isInteger(o.sampleSize) || o.sampleSize < 1 || o.sampleSize > 1000) throw new Error(`sample size must be a whole number in 1..1000, got ${o.sampleSize}`);
  const space = profilerSpace(lut.spaceId, lut.spaceConfig);
  const fitLabels = new Set(lut.fitSamples.map((s) => s.label));
  // Candidates the fit saw are left out, so the report measures generalisation.
  const pool = sampleDistinct(space, o.sampleSize + fitLabels.size, createRng((o.seed ?? 1000) + 7919));
  const genotypes = pool.filter((g) => !fitLabels.has(space.encode(g))).slice(0, o.sampleSize);
  const settings: LutMeasureSettings = { ...lut.settings, repeats: Math.max(lut.settings.repeats, DEFAULT_E2E_SETTINGS.repeats), ...o.settings };
  const env = { now: o.now, signal: o.signal, yieldNow: o.yieldNow };
  // The first fit network is measured again, interleaved with the sample, to see whether the device drifted.
  const reference = lut.fitSamples[0];
  const all = reference ? [space.decode(reference.label), ...genotypes] : genotypes;
  if (all.length > 0) await warmUpSpace(lut.spaceId, all[0], lut.skeleton, lut.batchSize, settings.warmupMs, env);
  const measured = await measureGenotypes(lut.spaceId, all, lut.skeleton, { batchSize: lut.batchSize, seed: lut.seed, settings }, {
    ...env,
    onStep: (done, total) => o.onProgress?.(done, total),
  });
  const offset = reference ? 1 : 0;
  const points = genotypes.map((g, k): ReportPoint => ({
    label: space.encode(g),
    predictedMs: lut.fit.a * lutSum(lut, g).sumMs + lut.fit.b,
    measuredMs: measured[k + offset].medianMs,
    noisy: measured[k + offset].noisy,
  }));
  const drift = reference
    ? { label: reference.label, thenMs: reference.measuredMs, nowMs: measured[0].medianMs, ratio: measured[0].medianMs / reference.measuredMs }
    : undefined;
  return predictorReport(points, 5, lut.fit, drift);
}
