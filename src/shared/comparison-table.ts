/**
 * The one comparison table of a finalists stage (issue 13, item 5): searched finalists, hand-designed baselines and
 * distilled students side by side on the same TEST metrics (accuracy, macro recall, expected calibration error) and
 * costs (params, MACs, latency measured on this device), as plain text rows. Pure: the headless runner prints it,
 * a view may reuse the cells.
 */
import type { TrainedReport } from './finalist-result';

export interface ComparisonRow {
  /** What the row is: "finalist 12", "baseline resnet", "student (distilled)". */
  readonly model: string;
  readonly report: TrainedReport;
}

export const COMPARISON_COLUMNS = ['model', 'test acc', 'macro recall', 'ECE', 'params', 'MACs', 'latency ms'] as const;

/** The cells of one row, formatted. */
export function comparisonCells(r: ComparisonRow): string[] {
  const t = r.report.test;
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    r.model, pct(t.accuracy), pct(t.macro_recall), t.ece.toFixed(4), String(r.report.params), String(r.report.macs),
    r.report.latency_ms === undefined ? '-' : r.report.latency_ms.toFixed(2),
  ];
}

/** Header, rule and rows, columns padded (the first left-aligned, the numbers right-aligned). */
export function formatComparisonTable(rows: readonly ComparisonRow[]): string {
  const table = [COMPARISON_COLUMNS.slice(), ...rows.map(comparisonCells)];
  const widths = COMPARISON_COLUMNS.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const line = (cells: readonly string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  return [line(table[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n');
}
