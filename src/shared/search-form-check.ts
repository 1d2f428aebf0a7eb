/**
 * The Search tab's form checked before Start, in the words of its labels: each number against the limits its input
 * carries (min/max/step), and the subset sizes against the split of the chosen dataset. The run config schema
 * (./run-config.ts) checks the same fields again in the worker; its messages name config paths
 * (`budget.queries`, `evaluator.learningRate`), which `labelConfigIssue` rewrites into the form's labels.
 * Plain data: no DOM, no tfjs.
 */
import type { RunForm } from './run-form';
import { SKELETON_RULES } from './skeleton-rules';
import type { SpaceKind } from './space-config';
import { CURVE_STOP_MIN_EPOCHS } from './train-settings';

export interface NumberLimit {
  /** The field as its input is labelled. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
  /** The value must be above `min`, not equal to it (a learning rate of 0 trains nothing). */
  readonly minExclusive?: boolean;
  /** The input's step attribute. */
  readonly step: number | 'any';
}

type NumberField = 'seed' | 'budget' | 'channels' | 'cellsPerStage' | 'epochs' | 'batchSize' | 'learningRate' | 'trainSamples' | 'validSamples';

/** The limits of each numeric field: the run config schema's where it has one, else what a tab can finish. */
export const SEARCH_FORM_LIMITS: Readonly<Record<NumberField, NumberLimit>> = {
  seed: { label: 'Seed', min: 0, max: 0xffffffff, integer: true, step: 1 },
  // More than this many trained candidates is days of work in a tab; a NB201 space holds 15,625 cells.
  budget: { label: 'Candidates', min: 1, max: 10_000, integer: true, step: 1 },
  channels: { label: 'Channels C', min: 1, max: 256, integer: true, step: 1 },
  cellsPerStage: { label: 'Cells per stage N', min: 1, max: 20, integer: true, step: 1 },
  epochs: { label: 'Epochs', min: 1, max: 500, integer: true, step: 1 },
  batchSize: { label: 'Batch size', min: 1, max: 4096, integer: true, step: 1 },
  learningRate: { label: 'Learning rate', min: 0, max: 10, integer: false, minExclusive: true, step: 'any' },
  trainSamples: { label: 'Train images', min: 1, max: 10_000_000, integer: true, step: 1 },
  validSamples: { label: 'Validation images', min: 1, max: 10_000_000, integer: true, step: 1 },
};

/** Config paths of the run config schema -> the Search form's labels. */
const CONFIG_PATH_LABELS: readonly (readonly [string, string])[] = [
  ['evaluator.curveStop.margin', 'Margin (points)'],
  ['evaluator.curveStop', 'Stop hopeless candidates early'],
  ['budget.queries', 'Candidates'],
  ['evaluator.channels', 'Channels C'],
  ['evaluator.cellsPerStage', 'Cells per stage N'],
  ['evaluator.epochs', 'Epochs'],
  ['evaluator.batchSize', 'Batch size'],
  ['evaluator.learningRate', 'Learning rate'],
  ['evaluator.trainSamples', 'Train images'],
  ['evaluator.validSamples', 'Validation images'],
  ['evaluator.dataset', 'Dataset'],
  ['evaluator.backend', 'Backend'],
  ['objective.metric', 'Maximise'],
  ['strategy.options.prerank', 'Zero-cost warm start'],
  ['strategy.options', 'Strategy'],
  ['seed', 'Seed'],
  ['name', 'Name'],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A problem as a form says it: every config path of `labels` it names (`budget.queries`, `evaluator.epochs`)
 * replaced by the field's label in quotes, longest paths first; "path: path must ..." reads once.
 */
export function labelPaths(issue: string, labels: readonly (readonly [string, string])[]): string {
  // One pass over every path at once, so a label just written in ("Warm-up epochs") is never matched again.
  const byPath = new Map(labels);
  const alternatives = [...byPath.keys()].sort((x, y) => y.length - x.length).map(escape).join('|');
  const out = issue.replace(new RegExp(`(^|[^\\w.])(${alternatives})(?![\\w])`, 'g'), (_m, before: string, path: string) => `${before}"${byPath.get(path)}"`);
  return out.replace(/"([^"]+)": "\1" /g, '"$1" ');
}

/** A run config problem (the worker's check) in the Search form's words. */
export function labelConfigIssue(issue: string): string {
  return labelPaths(issue, CONFIG_PATH_LABELS);
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 6 });

/** What is wrong with one number of the form, or null. `value` is what the input holds (null when it is empty). */
export function numberProblem(limit: NumberLimit, value: unknown): string | null {
  const { label, min, max, integer, minExclusive } = limit;
  if (value === null || value === undefined || value === '') return `"${label}" is empty: enter a number`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `"${label}" must be a number`;
  const range = minExclusive ? `above ${fmt(min)} and at most ${fmt(max)}` : `from ${fmt(min)} to ${fmt(max)}`;
  if (integer && !Number.isInteger(value)) return `"${label}" must be a whole number ${range}, got ${fmt(value)}`;
  if (value < min || value > max || (minExclusive && value === min)) return `"${label}" must be ${integer ? 'a whole number ' : ''}${range}, got ${fmt(value)}`;
  return null;
}

/** The locked split of the chosen dataset: images in its train and validation parts. */
export interface SplitSizes {
  readonly datasetName: string;
  readonly train: number;
  readonly valid: number;
}

export interface FormCheck {
  /** Problems that keep Start from starting, each naming its field as labelled. */
  readonly problems: readonly string[];
  /** Settings the run will use differently from what the form says (e.g. fewer images than asked for). */
  readonly notes: readonly string[];
}

/**
 * Every problem of the form at once, and what it will use differently: more train/validation images than the
 * dataset's split holds are not an error (the run uses the whole part) but the user is told, with the split's size.
 */
export function checkSearchForm(form: RunForm, kind: SpaceKind, split: SplitSizes | null): FormCheck {
  const problems: string[] = [];
  const rule = SKELETON_RULES[kind];
  for (const [field, limit] of Object.entries(SEARCH_FORM_LIMITS) as [NumberField, NumberLimit][]) {
    // C and N are labelled per space; a space without N (mobile) has no such input.
    if (field === 'cellsPerStage' && rule.cells === null) continue;
    const label = field === 'channels' ? rule.channels : field === 'cellsPerStage' && rule.cells ? rule.cells : limit.label;
    const p = numberProblem({ ...limit, label }, form[field]);
    if (p) problems.push(p);
  }
  // The combinations the run config refuses, said before Start (the worker checks them again).
  if (form.curveStop?.enabled) {
    if (typeof form.epochs === 'number' && form.epochs < CURVE_STOP_MIN_EPOCHS) {
      problems.push(`"Stop hopeless candidates early" extrapolates the learning curve from 3 epochs, so it needs "Epochs" of at least ${CURVE_STOP_MIN_EPOCHS}, got ${fmt(form.epochs)}`);
    }
    if (form.objective.metric !== 'valid_acc') {
      problems.push(`"Stop hopeless candidates early" compares validation accuracy with the best objective, so it needs "Maximise" validation accuracy (valid_acc), got ${form.objective.metric}`);
    }
  }
  if (Number.isInteger(form.channels) && form.channels % rule.channelsStep !== 0) {
    problems.push(`"${rule.channels}" must be a multiple of ${rule.channelsStep} in this space, got ${fmt(form.channels)}`);
  }
  const notes: string[] = [];
  if (split) {
    for (const [field, part, have] of [['trainSamples', 'train', split.train], ['validSamples', 'validation', split.valid]] as const) {
      const asked = form[field];
      if (typeof asked === 'number' && Number.isFinite(asked) && asked > have) {
        notes.push(`"${SEARCH_FORM_LIMITS[field].label}": ${fmt(asked)} asked, but the ${part} split of ${split.datasetName} holds ${fmt(have)} images; the run will use all ${fmt(have)}.`);
      }
    }
  }
  return { problems, notes };
}
