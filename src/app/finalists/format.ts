/** Number formats of the finalists views. */
import type { FinalistRecipe } from '../../shared/finalist-recipe';
import type { ModelRecord } from '../../protocol/finalists-api';
export const pct = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`);
export const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`);
/** Latency per backend: "wasm 1.23 ms · webgl 0.80 ms" ('–' when none was measured). */
export const latencies = (byBackend: Readonly<Record<string, number>>): string => Object.entries(byBackend).map(([b, v]) => `${b} ${ms(v)}`).join(' · ') || '–';
export const count = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)}k` : String(x));

/** One line of a recipe as it was used. */
export function recipeLine(r: FinalistRecipe): string {
  const flip = r.augment.flip === undefined ? 'auto' : r.augment.flip ? 'on' : 'off';
  return [
    `${r.epochs} epochs`, `batch ${r.batchSize}`, `lr ${r.learningRate}${r.warmupEpochs ? ` (warm-up ${r.warmupEpochs})` : ''}`, `wd ${r.weightDecay}`,
    `smoothing ${r.labelSmoothing}`, `crop pad ${r.augment.cropPadding}`, `flip ${flip}`, `class weights ${r.classWeights === 'none' ? 'none' : 'balanced'}`,
    `patience ${r.patience || 'off'}`, `curve stop ${r.curveStop.enabled ? `on (${r.curveStop.margin} pts)` : 'off'}`, `on ${r.trainOn}`,
    // Recipes stored before the HPO section have none.
    ...(r.hpo?.enabled ? [`HPO ${r.hpo.configs} configs, eta ${r.hpo.eta}, lr ${r.hpo.learningRate.min}-${r.hpo.learningRate.max}, wd ${r.hpo.weightDecay.min}-${r.hpo.weightDecay.max}`] : []),
  ].join(' · ');
}

/** What a registry model is, in a table cell: "#12", "baseline resnet", "student (distilled)". */
export function modelLabel(m: ModelRecord): string {
  if (m.kind === 'finalist') return `#${m.candidateId}`;
  if (m.kind === 'baseline') return `baseline ${m.baseline}`;
  return `student (${m.student.distilled ? 'distilled' : 'alone'})`;
}
