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

/** Config paths of the run config schema -> the form's labels (longest first, so `.margin` wins over `.curveStop`). */
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

/** A run config problem as the form says it: every config path it names replaced by the field's label in quotes. */
export function labelConfigIssue(issue: string): string {
  let out = issue;
  for (const [path, label] of CONFIG_PATH_LABELS) out = out.replace(new RegExp(`(^|[^\\w.])${escape(path)}(?![\\w])`, 'g'), `$1"${label}"`);
  return out;
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
