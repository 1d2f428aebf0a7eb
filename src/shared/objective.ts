/**
 * The scalar a strategy maximises, built from an evaluator's metrics (hardware-aware NAS):
 *
 *   objective = metrics[metric] - sum_k lambda_k * metrics[penalty_k]      (soft: e.g. 0.01 per MFLOP)
 *   objective = -Infinity when a hard constraint fails (e.g. latency_ms <= 8)
 *
 * Infeasible candidates are still recorded by the search loop (and drawn on the Pareto plot); they just
 * never win. Cost metrics are whatever the evaluator reports, by name; conventional names are
 * `mflops` (millions of FLOPs), `params_m` (millions of parameters) and `latency_ms` (measured or
 * predicted), and a tabular benchmark reports its own latency columns (`pixel3_ms`, ...).
 *
 * Pure (shared layer): the run config validates an objective with it, the engine computes it.
 */
import * as v from 'valibot';

export interface Penalty {
  readonly metric: string;
  /** Objective units per unit of the metric (e.g. 0.01 accuracy-% per MFLOP). */
  readonly lambda: number;
}

export type ConstraintOp = '<=' | '>=';

export interface Constraint {
  readonly metric: string;
  readonly op: ConstraintOp;
  readonly value: number;
}

export interface ObjectiveSpec {
  /** Metric to maximise (default `valid_acc`). */
  readonly metric: string;
  readonly penalties: readonly Penalty[];
  readonly constraints: readonly Constraint[];
}

export interface ObjectiveValue {
  /** Finite, or -Infinity when infeasible. */
  readonly objective: number;
  readonly feasible: boolean;
  /** Sum of lambda * cost over the penalties (0 without penalties). */
  readonly penalty: number;
  /** One line per failed constraint, e.g. "latency_ms = 9.2 > 8". */
  readonly violations: readonly string[];
}

export const DEFAULT_OBJECTIVE: ObjectiveSpec = { metric: 'valid_acc', penalties: [], constraints: [] };

/** A metric the objective needs is missing from (or not a number in) a candidate's metrics. */
export class ObjectiveError extends Error {
  override readonly name = 'ObjectiveError';
}

function metricValue(metrics: Readonly<Record<string, number>>, name: string, role: string): number {
  const x = metrics[name];
  if (typeof x !== 'number' || Number.isNaN(x)) {
    const have = Object.keys(metrics).sort().join(', ') || 'none';
    throw new ObjectiveError(`objective: ${role} metric "${name}" is ${x === undefined ? 'missing' : `not a number (${String(x)})`} (metrics: ${have})`);
  }
  return x;
}

export function computeObjective(spec: ObjectiveSpec, metrics: Readonly<Record<string, number>>): ObjectiveValue {
  const base = metricValue(metrics, spec.metric, 'objective');
  let penalty = 0;
  for (const p of spec.penalties) penalty += p.lambda * metricValue(metrics, p.metric, 'penalty');
  const violations: string[] = [];
  for (const c of spec.constraints) {
    const x = metricValue(metrics, c.metric, 'constraint');
    const ok = c.op === '<=' ? x <= c.value : x >= c.value;
    if (!ok) violations.push(`${c.metric} = ${x} ${c.op === '<=' ? '>' : '<'} ${c.value}`);
  }
  const feasible = violations.length === 0;
  return { objective: feasible ? base - penalty : -Infinity, feasible, penalty, violations };
}

/** A function metrics -> objective, for the search loop. */
export function objectiveFn(spec: ObjectiveSpec): (metrics: Readonly<Record<string, number>>) => number {
  return (m) => computeObjective(spec, m).objective;
}

const CONSTRAINT_RE = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

/** Parses "latency_ms <= 8" / "valid_acc >= 90". */
export function parseConstraint(text: string): Constraint {
  const m = CONSTRAINT_RE.exec(text);
  if (!m) throw new ObjectiveError(`constraint "${text}" must look like "metric <= number" or "metric >= number"`);
  return { metric: m[1], op: m[2] as ConstraintOp, value: Number(m[3]) };
}

export function formatConstraint(c: Constraint): string {
  return `${c.metric} ${c.op} ${c.value}`;
}

const MetricName = (what: string) => v.pipe(v.string(`${what} must be a string`), v.regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, `${what} must be a metric name like "latency_ms"`));

const ConstraintSchema = v.union(
  [
    v.pipe(
      v.string(),
      v.regex(CONSTRAINT_RE, 'a constraint string must look like "latency_ms <= 8"'),
      v.transform((s) => parseConstraint(s)),
    ),
    v.strictObject({
      metric: MetricName('constraint metric'),
      op: v.picklist(['<=', '>='], 'constraint op must be "<=" or ">="'),
      value: v.pipe(v.number('constraint value must be a number'), v.finite('constraint value must be finite')),
    }),
  ],
  'a constraint must be a string like "latency_ms <= 8" or {metric, op, value}',
);

export const ObjectiveSpecSchema = v.strictObject(
  {
    metric: v.optional(MetricName('objective metric'), DEFAULT_OBJECTIVE.metric),
    penalties: v.optional(
      v.array(
        v.strictObject({
          metric: MetricName('penalty metric'),
          lambda: v.pipe(v.number('penalty lambda must be a number'), v.finite('penalty lambda must be finite'), v.minValue(0, 'penalty lambda must be >= 0')),
        }, (issue) => (issue.expected === 'never' ? 'unknown penalty field' : 'a penalty must be {metric, lambda}')),
        'penalties must be an array',
      ),
      [],
    ),
    constraints: v.optional(v.array(ConstraintSchema, 'constraints must be an array'), []),
  },
  (issue) => (issue.expected === 'never' ? 'unknown objective field' : issue.received === 'undefined' && issue.path ? 'required objective field is missing' : 'objective must be an object'),
);

/** Validates a plain-JSON objective spec (missing fields default); throws ObjectiveError naming the problems. */
export function parseObjectiveSpec(input: unknown): ObjectiveSpec {
  const res = v.safeParse(ObjectiveSpecSchema, input ?? {});
  if (!res.success) {
    throw new ObjectiveError(res.issues.map((i) => `objective${v.getDotPath(i) ? `.${v.getDotPath(i)}` : ''}: ${i.message}`).join('; '));
  }
  return res.output;
}
