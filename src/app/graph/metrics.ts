/**
 * How a metric is shown to a person: label, display unit and the factor from the stored value
 * (display = stored / scale). Stored metrics stay in base units — `flops` counts multiply-accumulates,
 * `params` parameters — so a penalty "0.01 per MFLOP" is lambda = 0.01 / 1e6 on `flops`, and a budget
 * "<= 8 ms" is 8 on `latency_ms`. fromDisplay/lambdaFromDisplay do those conversions.
 */

export interface MetricInfo {
  readonly key: string;
  readonly label: string;
  /** Display unit after the number ("MFLOPs", "ms", "%"); '' for a plain number. */
  readonly unit: string;
  /** One unit, for "per …" phrases ("MFLOP", "ms", "1k params"). */
  readonly per: string;
  readonly scale: number;
  readonly digits: number;
}

const KNOWN: Readonly<Record<string, Omit<MetricInfo, 'key'>>> = {
  valid_acc: { label: 'validation accuracy', unit: '%', per: 'point', scale: 1, digits: 2 },
  test_acc: { label: 'test accuracy', unit: '%', per: 'point', scale: 1, digits: 2 },
  train_acc: { label: 'training accuracy', unit: '%', per: 'point', scale: 1, digits: 2 },
  flops: { label: 'FLOPs (multiply-adds)', unit: 'MFLOPs', per: 'MFLOP', scale: 1e6, digits: 2 },
  mflops: { label: 'FLOPs (multiply-adds)', unit: 'MFLOPs', per: 'MFLOP', scale: 1, digits: 2 },
  params: { label: 'parameters', unit: 'k', per: '1k params', scale: 1e3, digits: 1 },
  params_m: { label: 'parameters', unit: 'M', per: 'M params', scale: 1, digits: 3 },
  latency_ms: { label: 'latency (median)', unit: 'ms', per: 'ms', scale: 1, digits: 2 },
  latency_p10_ms: { label: 'latency p10', unit: 'ms', per: 'ms', scale: 1, digits: 2 },
  latency_p90_ms: { label: 'latency p90', unit: 'ms', per: 'ms', scale: 1, digits: 2 },
  latency_first_ms: { label: 'first-run latency', unit: 'ms', per: 'ms', scale: 1, digits: 2 },
  latency_cv: { label: 'latency spread (CV)', unit: '', per: 'unit', scale: 1, digits: 3 },
  peak_activation_bytes: { label: 'peak activations (estimate, ideal runtime)', unit: 'kB', per: 'kB', scale: 1e3, digits: 1 },
  inference_peak_bytes: { label: 'inference memory measured here (batch 1)', unit: 'kB', per: 'kB', scale: 1e3, digits: 1 },
  train_ms: { label: 'training time here', unit: 's', per: 's', scale: 1e3, digits: 1 },
  train_time_s: { label: 'benchmark training time', unit: 's', per: 's', scale: 1, digits: 0 },
  train_loss: { label: 'final training loss', unit: '', per: 'unit', scale: 1, digits: 3 },
  epochs: { label: 'epochs trained', unit: '', per: 'epoch', scale: 1, digits: 0 },
  epochs_planned: { label: 'epochs planned', unit: '', per: 'epoch', scale: 1, digits: 0 },
  curve_stopped: { label: 'stopped by learning-curve extrapolation', unit: '', per: 'unit', scale: 1, digits: 0 },
  stopped_early: { label: 'stopped early', unit: '', per: 'unit', scale: 1, digits: 0 },
  predicted_final_acc: { label: 'predicted accuracy at the last epoch', unit: '%', per: 'point', scale: 1, digits: 2 },
  curve_bar: { label: 'best objective it was compared with', unit: '', per: 'unit', scale: 1, digits: 2 },
  zc_synflow: { label: 'zero-cost SynFlow', unit: '', per: 'unit', scale: 1, digits: 2 },
  zc_naswot: { label: 'zero-cost NASWOT (log|K_H|)', unit: '', per: 'unit', scale: 1, digits: 2 },
  zc_jacob_cov: { label: 'zero-cost jacob_cov', unit: '', per: 'unit', scale: 1, digits: 3 },
  zc_grad_norm: { label: 'zero-cost grad-norm', unit: '', per: 'unit', scale: 1, digits: 3 },
};

export function metricInfo(key: string): MetricInfo {
  const k = KNOWN[key];
  if (k) return { key, ...k };
  if (/_ms$/.test(key)) return { key, label: `${key.replace(/_ms$/, '').replace(/_/g, ' ')} latency`, unit: 'ms', per: 'ms', scale: 1, digits: 2 };
  if (/_acc(uracy)?$/.test(key)) return { key, label: key.replace(/_/g, ' '), unit: '%', per: 'point', scale: 1, digits: 2 };
  return { key, label: key.replace(/_/g, ' '), unit: '', per: 'unit', scale: 1, digits: 3 };
}

export const toDisplay = (key: string, stored: number): number => stored / metricInfo(key).scale;
export const fromDisplay = (key: string, shown: number): number => shown * metricInfo(key).scale;
/** lambda per display unit (0.01 per MFLOP) -> lambda per stored unit (1e-8 per MAC). */
export const lambdaFromDisplay = (key: string, perUnit: number): number => perUnit / metricInfo(key).scale;
export const lambdaToDisplay = (key: string, lambda: number): number => lambda * metricInfo(key).scale;

/** Rounds away binary noise from unit conversions (0.01 / 1e6 * 1e6 = 0.010000000000000002). */
export function tidy(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : x;
}

/** Metrics stored as 1/0 that mean yes/no. */
const YES_NO_METRICS: ReadonlySet<string> = new Set(['curve_stopped', 'stopped_early']);

/** "12.34 MFLOPs", "91.60 %", "yes"/"no" for a flag, "–" for a missing value. */
export function formatMetric(key: string, stored: number | null | undefined, withUnit = true): string {
  if (stored === null || stored === undefined || !Number.isFinite(stored)) return '–';
  if (YES_NO_METRICS.has(key)) return stored === 0 ? 'no' : 'yes';
  const info = metricInfo(key);
  const v = stored / info.scale;
  // Proxy scores such as SynFlow span many orders of magnitude: exponent form beyond 1e6.
  const text = Math.abs(v) >= 1e6 && info.unit === '' ? v.toExponential(3) : info.digits === 0 ? Math.round(v).toLocaleString('en-US') : v.toFixed(info.digits);
  return withUnit && info.unit ? `${text} ${info.unit}` : text;
}

/** Axis / column title: "FLOPs (multiply-adds) [MFLOPs]". */
export function metricTitle(key: string): string {
  const info = metricInfo(key);
  return info.unit ? `${info.label} [${info.unit}]` : info.label;
}

/** Metrics first in this order, then the rest alphabetically. */
const ORDER = ['valid_acc', 'test_acc', 'params', 'flops', 'latency_ms', 'latency_p10_ms', 'latency_p90_ms', 'latency_cv', 'latency_first_ms', 'peak_activation_bytes', 'train_loss', 'epochs', 'train_ms', 'train_time_s'];

export function orderedMetricKeys(metrics: Readonly<Record<string, number>>): string[] {
  const keys = Object.keys(metrics);
  const rank = (k: string) => {
    const i = ORDER.indexOf(k);
    return i < 0 ? ORDER.length : i;
  };
  return keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
