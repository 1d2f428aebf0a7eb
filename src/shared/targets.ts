/**
 * Deployment targets a finalist is checked against, written as text: "accuracy >= 0.9", "recall[scratch] >= 0.94",
 * "recall[scratch] >= 94%", "latency_ms <= 8", "params <= 100000". A target names a metric (a plain metric of the
 * record, or precision / recall / f1 of one class by its name), a comparison (>=, <=, >, <) and a number; a
 * trailing % divides the number by 100. Pure data and text: the app's form and the headless runner share it.
 */

export type TargetOp = '>=' | '<=' | '>' | '<';
export const PER_CLASS_METRICS = ['precision', 'recall', 'f1'] as const;
export type PerClassMetric = (typeof PER_CLASS_METRICS)[number];

export interface Target {
  /** The text it was parsed from, trimmed. */
  readonly text: string;
  readonly metric: string;
  /** Set for a per-class metric: the class name. */
  readonly className?: string;
  readonly op: TargetOp;
  readonly value: number;
}

/** What targets are checked against: plain metrics, and per-class metrics keyed by class name. */
export interface TargetMetrics {
  readonly scalars: Readonly<Record<string, number | undefined>>;
  readonly perClass?: Readonly<Record<string, Readonly<Record<PerClassMetric, number>>>>;
}

export interface TargetResult {
  readonly target: string;
  /** null when the metric was not measured (e.g. no latency on this run). */
  readonly actual: number | null;
  readonly met: boolean;
  /** Why it is not met when `actual` is null. */
  readonly reason?: string;
}

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

const TARGET_RE = /^([A-Za-z_][A-Za-z0-9_.]*)(?:\[([^\]]+)\])?\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)$/;

export function parseTarget(input: string): Target {
  if (typeof input !== 'string') throw new TargetError(`a target must be text like "accuracy >= 0.9", got ${typeof input}`);
  const text = input.trim();
  if (text === '') throw new TargetError('a target is empty: write one like "accuracy >= 0.9" or "recall[scratch] >= 94%"');
  const m = TARGET_RE.exec(text);
  if (!m) {
    let hint = 'write it like "accuracy >= 0.9", "recall[scratch] >= 94%" or "latency_ms <= 8"';
    if (/=>|=<|==|!=|(?<![<>])=(?!=)/.test(text)) hint = 'the comparison must be one of >=, <=, >, <';
    else if (/\[[^\]]*$/.test(text)) hint = 'the class name is missing its closing "]"';
    else if (!/\d/.test(text)) hint = 'the value must be a number';
    throw new TargetError(`target "${text}": ${hint}`);
  }
  const [, metric, rawClass, op, num, percent] = m;
  const className = rawClass?.trim();
  if (rawClass !== undefined) {
    if (!(PER_CLASS_METRICS as readonly string[]).includes(metric)) {
      throw new TargetError(`target "${text}": only ${PER_CLASS_METRICS.join(', ')} take a class in brackets, not "${metric}"`);
    }
    if (!className) throw new TargetError(`target "${text}": the class name in brackets is empty`);
  }
  const value = Number(num) / (percent ? 100 : 1);
  return { text, metric, ...(className ? { className } : {}), op: op as TargetOp, value };
}

/** Parses every target; the error lists all the bad ones. */
export function parseTargets(inputs: readonly string[]): Target[] {
  const out: Target[] = [];
  const bad: string[] = [];
  for (const t of inputs) {
    try {
      out.push(parseTarget(t));
    } catch (e) {
      bad.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (bad.length > 0) throw new TargetError(bad.join('; '));
  return out;
}

const compare = (x: number, op: TargetOp, v: number): boolean => (op === '>=' ? x >= v : op === '<=' ? x <= v : op === '>' ? x > v : x < v);

/** Checks one target; a class name the record does not have is an error (a typo must not pass silently). */
export function checkTarget(t: Target, metrics: TargetMetrics): TargetResult {
  let actual: number | undefined;
  if (t.className !== undefined) {
    const per = metrics.perClass ?? {};
    const row = per[t.className];
    if (!row) {
      const names = Object.keys(per);
      throw new TargetError(`target "${t.text}": no class named "${t.className}" (classes: ${names.length ? names.join(', ') : 'none'})`);
    }
    actual = row[t.metric as PerClassMetric];
  } else {
    actual = metrics.scalars[t.metric];
  }
  if (actual === undefined || !Number.isFinite(actual)) {
    return { target: t.text, actual: null, met: false, reason: `${t.metric} was not measured` };
  }
  return { target: t.text, actual, met: compare(actual, t.op, t.value) };
}

export function checkTargets(targets: readonly Target[], metrics: TargetMetrics): TargetResult[] {
  return targets.map((t) => checkTarget(t, metrics));
}
