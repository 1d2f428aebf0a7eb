/**
 * A search run's candidates as CSV (RFC 4180: comma-separated, CRLF line ends, a field with a comma, quote or line
 * break is quoted and its quotes doubled): the Candidates table's columns in the table's units, then what the
 * table only hints at — hash, status, failure reason, lineage and the backend. Pure.
 */
import type { CandidateRecord } from '../../protocol/run';

/** One field, quoted only when RFC 4180 needs it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** 'failed' (its error says why), 'stopped early' (learning-curve stop), 'infeasible' (breaks a hard constraint) or 'ok'. */
export function candidateStatus(c: CandidateRecord): 'failed' | 'stopped early' | 'infeasible' | 'ok' {
  if (c.error !== undefined || c.metrics.failed === 1) return 'failed';
  if (c.metrics.curve_stopped === 1) return 'stopped early';
  return c.feasible ? 'ok' : 'infeasible';
}

/** A number as stored (full precision, no thousands separators), or '' when missing or not finite. */
const num = (v: number | null | undefined, scale = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v / scale));

export const CANDIDATE_CSV_HEADER = [
  'id', 'genotype', 'val_acc_pct', 'params', 'mflops', 'latency_ms', 'latency_p10_ms', 'latency_p90_ms', 'objective', 'fits',
  'hash', 'status', 'failure_reason', 'parents', 'backend',
] as const;

export function candidatesCsv(candidates: readonly CandidateRecord[]): string {
  const rows = candidates.map((c) => [
    String(c.id), c.arch, num(c.metrics.valid_acc), num(c.metrics.params), num(c.metrics.flops, 1e6), num(c.metrics.latency_ms),
    num(c.metrics.latency_p10_ms), num(c.metrics.latency_p90_ms), num(c.objective), c.feasible ? 'yes' : 'no',
    c.hash, candidateStatus(c), c.error ?? '', c.parents.join(' '), c.backend,
  ]);
  return [CANDIDATE_CSV_HEADER, ...rows].map(csvLine).join('\r\n') + '\r\n';
}

/** "nb201-random-on-mnist.candidates.csv": the run's name made file-safe. */
export function candidatesCsvName(runName: string): string {
  const base = runName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return `${base}.candidates.csv`;
}
