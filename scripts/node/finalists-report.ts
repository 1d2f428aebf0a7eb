/**
 * What the headless finalists runner (finalists-run.ts) says and writes: one stderr line per stage event, the TEST
 * comparison table of every model tested, and the JSON output (finalists, baselines, distillation, each report
 * with the --target checks).
 */
import type { FinalistRecipe } from '../../src/shared/finalist-recipe';
import type { Target } from '../../src/shared/targets';
import { withTargets, type FinalistOutput, type TrainedReport } from '../../src/shared/finalist-result';
import { formatComparisonTable, type ComparisonRow } from '../../src/shared/comparison-table';
import type { DistillationOutcome } from '../../src/engine/finalists/distill-stage';
import type { BaselineModel } from '../../src/engine/baselines/source';
import type { StageEntry, StageEvent } from '../../src/engine/finalists/stage';
import type { LoggedCandidate } from '../../src/engine/search/types';
import { STUDENT_KEYS } from '../../src/engine/finalists/plan-extras';
import type { FinalistPlan } from './finalist-plan';

export interface BaselineOutput extends TrainedReport {
  readonly name: string;
  readonly description: string;
}

export interface DistillationOutput {
  readonly teacher: string;
  readonly student: { readonly description: string };
  readonly alone: TrainedReport;
  readonly distilled: TrainedReport;
}

export interface FinalistsOutput {
  readonly run: { readonly strategy: string; readonly seed: number; readonly candidates: number };
  readonly dataset: { readonly name: string; readonly train: number; readonly valid: number; readonly test: number };
  readonly backend: string;
  readonly recipe: FinalistRecipe;
  readonly finalists: FinalistOutput[];
  readonly baselines: BaselineOutput[];
  readonly distillation?: DistillationOutput;
}

/** The stage's key of a searched candidate (its checkpoint files are named by it). */
export const finalistKey = (id: number) => `finalist-${id}`;

/** An entry's name in the log and the table, by its stage key ("candidate 3", "baseline resnet", "student (alone)"). */
export function entryNames(finalistIds: readonly number[], baselines: readonly { readonly key: string; readonly model: BaselineModel }[]): (key: string) => string {
  const names = new Map<string, string>([
    ...finalistIds.map((id) => [finalistKey(id), `candidate ${id}`] as const),
    ...baselines.map((b) => [b.key, `baseline ${b.model.name}`] as const),
    [STUDENT_KEYS.alone, 'student (alone)'], [STUDENT_KEYS.distilled, 'student (distilled)'],
  ]);
  return (key) => names.get(key) ?? key;
}

/**
 * The stderr line of a stage event. `id` names the entry ("candidate 3", "baseline resnet"); `arch` is a searched
 * candidate's genotype ('' for the others).
 */
export function stageEventLine(ev: StageEvent, id: string, arch: string, epochs: number): string {
  if (ev.kind === 'reused') return `finalists: ${id} was re-trained and tested before; reusing its result`;
  if (ev.kind === 'start') {
    return ev.resumedAfterEpoch > 0
      ? `finalists: resuming ${id} ${arch} after epoch ${ev.resumedAfterEpoch} of ${epochs}`
      : `finalists: re-training ${id} ${arch} (${epochs} epochs)`;
  }
  if (ev.kind === 'hpo-trial') {
    const t = ev.trial;
    return `finalists:   ${id} HPO rung ${t.rung} config ${t.config}: lr ${t.learningRate.toPrecision(3)}, wd ${t.weightDecay.toPrecision(3)}, ${t.epochs} epochs, valid ${(t.validAcc * 100).toFixed(1)}%`;
  }
  if (ev.kind === 'hpo') {
    const c = ev.hpo.chosen;
    return `finalists: ${id} ${ev.reused ? 'reuses its stored HPO choice' : 'HPO chose'} lr ${c.learning_rate.toPrecision(3)}, wd ${c.weight_decay.toPrecision(3)} (valid ${(c.valid_acc * 100).toFixed(1)}% at its last rung)`;
  }
  if (ev.kind === 'epoch') {
    const h = ev.record;
    return `finalists:   ${id} epoch ${h.epoch + 1}/${epochs}: loss ${h.trainLoss.toFixed(4)}, valid ${(h.validAcc * 100).toFixed(1)}%`;
  }
  const t = ev.report.test;
  return `finalists: ${id}: TEST accuracy ${(t.accuracy * 100).toFixed(2)}%, macro recall ${(t.macro_recall * 100).toFixed(2)}%, ECE ${t.ece.toFixed(4)}, ${ev.report.params} params`;
}

export interface ReportInput {
  readonly plan: Pick<FinalistPlan, 'strategy' | 'seed' | 'candidates' | 'lineage'>;
  readonly picked: readonly LoggedCandidate[];
  /** The stage's entries (the picked finalists, then the baselines) and their reports in the same order. */
  readonly entries: readonly StageEntry[];
  readonly reports: readonly TrainedReport[];
  readonly baselines: readonly { readonly model: BaselineModel }[];
  readonly distillation: DistillationOutcome | undefined;
  /** An entry's name in the table. */
  readonly say: (key: string) => string;
  readonly dataset: FinalistsOutput['dataset'];
  readonly backend: string;
  readonly recipe: FinalistRecipe;
  readonly targets: readonly Target[];
  readonly log: (line: string) => void;
}

/** Logs the TEST comparison table of every model tested and returns the runner's output. */
export function finalistsReport(r: ReportInput): FinalistsOutput {
  const { picked, reports, distillation } = r;
  const rows: ComparisonRow[] = r.entries.map((e, i) => ({ model: r.say(e.key), report: reports[i] }));
  if (distillation) rows.push({ model: r.say(STUDENT_KEYS.alone), report: distillation.alone }, { model: r.say(STUDENT_KEYS.distilled), report: distillation.distilled });
  r.log(`finalists: TEST comparison (each model tested once on ${r.dataset.test} images)\n${formatComparisonTable(rows)}`);
  const finalists: FinalistOutput[] = picked.map((e, i) => withTargets({
    id: e.id,
    arch: e.arch,
    hash: e.hash,
    seed: r.entries[i].seed,
    recipe: r.recipe,
    ...reports[i],
    search: { objective: e.objective, ...(Number.isFinite(e.metrics.valid_acc) ? { valid_acc: e.metrics.valid_acc } : {}) },
    ...(r.plan.lineage?.has(e.id) ? { lineage: r.plan.lineage.get(e.id) } : {}),
  }, r.targets));
  return {
    run: { strategy: r.plan.strategy, seed: r.plan.seed, candidates: r.plan.candidates },
    dataset: r.dataset,
    backend: r.backend,
    recipe: r.recipe,
    finalists,
    baselines: r.baselines.map(({ model: b }, i) => withTargets({ name: b.name, description: b.description, ...reports[picked.length + i] }, r.targets)),
    ...(distillation ? {
      distillation: {
        ...distillation,
        alone: withTargets(distillation.alone, r.targets),
        distilled: withTargets(distillation.distilled, r.targets),
      },
    } : {}),
  };
}
