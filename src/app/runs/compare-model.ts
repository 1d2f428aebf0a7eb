/**
 * What the Compare view draws for two or more Search-tab runs (pure): each run's best-so-far validation accuracy
 * by candidate, its accuracy-vs-cost Pareto front, its best candidate (drawn as a cell), and its settings side by
 * side with the rows that differ marked.
 */
import type { CandidateRecord, RunConfig } from '../../protocol/run';
import { frontIds } from '../graph/pareto-view';
import { STRATEGY_LABELS } from '../../shared/strategies';

export interface XY {
  readonly x: number;
  readonly y: number;
}

/** Best validation accuracy so far after each candidate (x = the candidate's id, as in the Candidates table). */
export function bestSoFarPoints(candidates: readonly CandidateRecord[]): XY[] {
  let best = -Infinity;
  const out: XY[] = [];
  for (const c of [...candidates].sort((a, b) => a.id - b.id)) {
    const acc = c.metrics.valid_acc;
    if (acc !== undefined && Number.isFinite(acc)) best = Math.max(best, acc);
    if (Number.isFinite(best)) out.push({ x: c.id, y: best });
  }
  return out;
}

/** The non-dominated candidates (max validation accuracy, min `cost`), by ascending cost; x = cost, y = accuracy. */
export function frontPoints(candidates: readonly CandidateRecord[], cost: string): (XY & { readonly id: number })[] {
  const pts = candidates.map((c) => ({ id: c.id, acc: c.metrics.valid_acc ?? NaN, cost: c.metrics[cost] ?? NaN }));
  const byId = new Map(pts.map((p) => [p.id, p]));
  return frontIds(pts).map((id) => {
    const p = byId.get(id)!;
    return { id, x: p.cost, y: p.acc };
  });
}

/** The candidate the run would hand on: best objective, then best accuracy, then the earliest. */
export function bestCandidate(candidates: readonly CandidateRecord[]): CandidateRecord | null {
  let best: CandidateRecord | null = null;
  const key = (c: CandidateRecord) => [c.objective ?? -Infinity, c.metrics.valid_acc ?? -Infinity];
  for (const c of candidates) {
    if (!best) { best = c; continue; }
    const [o, a] = key(c);
    const [bo, ba] = key(best);
    if (o > bo || (o === bo && a > ba)) best = c;
  }
  return best;
}

export interface SettingRow {
  readonly label: string;
  readonly values: readonly string[];
  /** Not every run has the same value. */
  readonly differs: boolean;
}

const json = (x: unknown) => JSON.stringify(x ?? null);

/** The settings of each run, one row per setting, as text; `datasetName` names a dataset id for a person. */
export function settingRows(configs: readonly RunConfig[], datasetName: (id: string) => string): SettingRow[] {
  const rows: [string, (c: RunConfig) => string][] = [
    ['Dataset', (c) => datasetName(c.evaluator.dataset)],
    ['Space', (c) => json(c.space)],
    ['Strategy', (c) => STRATEGY_LABELS[c.strategy.name]?.title ?? c.strategy.name],
    ['Strategy options', (c) => json(c.strategy.options)],
    ['Seed', (c) => String(c.seed)],
    ['Candidates', (c) => String(c.budget.queries)],
    ['Objective', (c) => json(c.objective)],
    ['Pareto cost', (c) => c.pareto.cost],
    ['Channels C', (c) => String(c.evaluator.channels)],
    ['Cells per stage N', (c) => String(c.evaluator.cellsPerStage)],
    ['Epochs', (c) => String(c.evaluator.epochs)],
    ['Batch', (c) => String(c.evaluator.batchSize)],
    ['Learning rate', (c) => String(c.evaluator.learningRate)],
    ['Train images', (c) => String(c.evaluator.trainSamples)],
    ['Validation images', (c) => String(c.evaluator.validSamples)],
    ['Backend', (c) => c.evaluator.backend],
    ['Curve stopping', (c) => (c.evaluator.curveStop?.enabled ? `on, margin ${c.evaluator.curveStop.margin}` : 'off')],
  ];
  return rows.map(([label, get]) => {
    const values = configs.map(get);
    return { label, values, differs: values.some((v) => v !== values[0]) };
  });
}

/** Marker shapes, in the order runs are drawn (every other one hollow): a run is told apart by shape and label, not by colour alone. */
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star'] as const;
export type Marker = (typeof MARKERS)[number];
export const SERIES_COLORS = ['#1d3557', '#e63946', '#2a9d8f', '#8d5a97', '#e09f3e', '#5c677d'] as const;

/** An SVG path of `marker` centred on (x, y) with radius r. */
export function markerPath(marker: Marker, x: number, y: number, r: number): string {
  const f = (n: number) => n.toFixed(1);
  switch (marker) {
    case 'circle': return `M${f(x - r)},${f(y)}a${f(r)},${f(r)} 0 1,0 ${f(2 * r)},0a${f(r)},${f(r)} 0 1,0 ${f(-2 * r)},0Z`;
    case 'square': return `M${f(x - r)},${f(y - r)}h${f(2 * r)}v${f(2 * r)}h${f(-2 * r)}Z`;
    case 'triangle': return `M${f(x)},${f(y - r * 1.2)}L${f(x + r * 1.1)},${f(y + r * 0.9)}L${f(x - r * 1.1)},${f(y + r * 0.9)}Z`;
    case 'diamond': return `M${f(x)},${f(y - r * 1.3)}L${f(x + r)},${f(y)}L${f(x)},${f(y + r * 1.3)}L${f(x - r)},${f(y)}Z`;
    case 'cross': { const t = r * 0.4; return `M${f(x - t)},${f(y - r)}h${f(2 * t)}v${f(r - t)}h${f(r - t)}v${f(2 * t)}h${f(t - r)}v${f(r - t)}h${f(-2 * t)}v${f(t - r)}h${f(t - r)}v${f(-2 * t)}h${f(r - t)}Z`; }
    case 'star': {
      const pts = Array.from({ length: 10 }, (_, i) => {
        const a = (Math.PI / 5) * i - Math.PI / 2;
        const rr = i % 2 === 0 ? r * 1.3 : r * 0.55;
        return `${f(x + rr * Math.cos(a))},${f(y + rr * Math.sin(a))}`;
      });
      return `M${pts.join('L')}Z`;
    }
  }
}
