/**
 * The finalists of a run file (issue 13, item 8): the models re-trained from that run's candidates, as plain
 * JSON — candidate id, arch, hash, seed, recipe, the report (validation, re-training history, the TEST numbers
 * marked `split: 'test'`, targets), latency per backend and lineage. NO WEIGHTS: a file is for showing,
 * comparing and resuming a run; a model's weights leave the app through its tfjs / PyTorch export instead.
 * Each entry is a FinalistOutput (shared/finalist-result.ts, what `npm run search -- --out` writes) plus the
 * registry's fields (`seed`, `recipe`, `latencyMs`, lineage `parents`), optional because a file written before
 * them lacks them. Validated against the file's candidates (id present, same hash). Pure data: valibot.
 */
import * as v from 'valibot';
import { FinalistRecipeSchema, type FinalistRecipe } from './finalist-recipe';
import type { FinalistOutput } from './finalist-result';
import { hashJson } from './hash';

/** A FinalistOutput (its `seed` and `recipe` included) with the registry's latency map, lineage and classes. */
export interface RunFileFinalist extends Omit<FinalistOutput, 'lineage'> {
  /** Median batch-1 latency (ms) per backend it was measured on. */
  readonly latencyMs?: Readonly<Record<string, number>>;
  /** The run's candidates it was made from (evolution, local search); the supernet it was ranked in (one-shot). */
  readonly lineage?: { readonly parents?: readonly number[]; readonly supernet?: string };
  /** The classes of the data it was tested on, in label order (the report's per-class rows name them too). */
  readonly classes?: readonly string[];
}

const field = (what: string) => (issue: v.BaseIssue<unknown>) =>
  issue.expected === 'never' ? `unknown ${what} field` : issue.received === 'undefined' ? `required ${what} field is missing` : `${what} must be an object`;
const num = (key: string) => v.pipe(v.number(`${key} must be a number`), v.finite(`${key} must be finite`));
const nonNeg = (key: string) => v.pipe(num(key), v.minValue(0, `${key} must be >= 0`));
const count = (key: string) => v.pipe(num(key), v.integer(`${key} must be an integer`), v.minValue(0, `${key} must be >= 0`));
const frac = (key: string) => v.pipe(num(key), v.minValue(0, `${key} must be in 0..1`), v.maxValue(1, `${key} must be in 0..1`));

const TestSchema = v.object(
  {
    split: v.literal('test', 'test.split must be "test" (these are the numbers read once from the locked test split)'),
    count: count('test.count'),
    accuracy: frac('test.accuracy'),
    macro_recall: frac('test.macro_recall'),
    per_class: v.array(
      v.object({ class: v.string('class must be a name'), precision: frac('precision'), recall: frac('recall'), f1: frac('f1'), support: count('support') }, field('per-class row')),
      'test.per_class must be an array',
    ),
    confusion: v.array(v.array(count('confusion cell'), 'confusion rows must be arrays'), 'test.confusion must be an array of rows'),
    ece: frac('test.ece'),
    reliability: v.array(
      v.object({ lower: frac('lower'), upper: frac('upper'), count: count('count'), accuracy: frac('accuracy'), confidence: frac('confidence') }, field('reliability bin')),
      'test.reliability must be an array',
    ),
  },
  field('test'),
);

const RetrainSchema = v.object(
  {
    epochs: count('retrain.epochs'),
    best_epoch: count('retrain.best_epoch'),
    stop: v.string('retrain.stop must be text'),
    class_weights: v.array(num('class weight'), 'retrain.class_weights must be an array'),
    flip: v.boolean('retrain.flip must be true or false'),
    train_count: count('retrain.train_count'),
    history: v.array(
      v.object({ epoch: count('epoch'), trainLoss: v.number('trainLoss must be a number'), validAcc: frac('validAcc'), learningRate: nonNeg('learningRate') }, field('history row')),
      'retrain.history must be an array',
    ),
  },
  field('retrain'),
);

const HpoSchema = v.object(
  {
    configs: count('hpo.configs'),
    eta: count('hpo.eta'),
    min_epochs: count('hpo.min_epochs'),
    trials: v.array(
      v.object({ config: count('config'), learning_rate: nonNeg('learning_rate'), weight_decay: nonNeg('weight_decay'), rung: count('rung'), epochs: count('epochs'), valid_acc: frac('valid_acc') }, field('hpo trial')),
      'hpo.trials must be an array',
    ),
    chosen: v.object({ config: count('config'), learning_rate: nonNeg('learning_rate'), weight_decay: nonNeg('weight_decay'), valid_acc: frac('valid_acc') }, field('hpo.chosen')),
  },
  field('hpo'),
);

const FinalistSchema = v.strictObject(
  {
    id: count('id'),
    arch: v.string('arch must be a string'),
    hash: v.pipe(v.string('hash must be a string'), v.minLength(1, 'hash must not be empty')),
    params: count('params'),
    macs: count('macs'),
    latency_ms: v.optional(nonNeg('latency_ms')),
    backend: v.string('backend must be a backend name'),
    valid_acc: frac('valid_acc'),
    retrain: RetrainSchema,
    test: TestSchema,
    targets: v.optional(v.array(
      v.object({
        target: v.string('target must be text'), actual: v.nullable(v.number('actual must be a number or null')), met: v.boolean('met must be true or false'),
        reason: v.optional(v.string('reason must be text')),
      }, field('target result')),
      'targets must be an array',
    )),
    hpo: v.optional(HpoSchema),
    search: v.object({ objective: v.nullable(v.number('search.objective must be a number or null')), valid_acc: v.optional(v.number('search.valid_acc must be a number')) }, field('search')),
    seed: v.optional(v.pipe(count('seed'), v.maxValue(0xffffffff, 'seed must be < 2^32'))),
    recipe: v.optional(FinalistRecipeSchema),
    latencyMs: v.optional(v.record(v.string(), nonNeg('latencyMs values'), 'latencyMs must be an object of backend: ms')),
    lineage: v.optional(v.strictObject(
      { parents: v.optional(v.array(count('parent id'), 'lineage.parents must be an array of candidate ids')), supernet: v.optional(v.string('lineage.supernet must be text')) },
      field('lineage'),
    )),
    classes: v.optional(v.array(v.string('classes must be names'), 'classes must be an array of names')),
  },
  field('finalist'),
);

const FinalistsSchema = v.array(FinalistSchema, 'finalists must be an array of re-trained models');

/**
 * Validates a run file's `finalists` (absent: none) against its candidates. Returns the entries, or the issues
 * as `finalists.i.path: message`.
 */
export function checkRunFileFinalists(
  input: unknown,
  candidates: readonly { readonly id: number; readonly hash: string | null }[],
): { readonly finalists?: readonly RunFileFinalist[]; readonly issues: readonly string[] } {
  if (input === undefined) return { issues: [] };
  const res = v.safeParse(FinalistsSchema, input);
  if (!res.success) {
    return { issues: res.issues.map((i) => { const p = v.getDotPath(i); return p ? `finalists.${p}: ${i.message}` : `finalists: ${i.message}`; }) };
  }
  const issues: string[] = [];
  res.output.forEach((f, i) => {
    const c = candidates[f.id];
    if (c === undefined || c.id !== f.id) issues.push(`finalists.${i}.id: candidate ${f.id} is not in the file (it holds ${candidates.length} candidates)`);
    else if (c.hash !== null && c.hash !== f.hash) issues.push(`finalists.${i}.hash: is "${f.hash}" but candidate ${f.id}'s hash is "${c.hash}"`);
    const late = (f.lineage?.parents ?? []).filter((p) => p >= f.id);
    if (late.length > 0) issues.push(`finalists.${i}.lineage.parents: must name earlier candidates (ids < ${f.id}), got ${JSON.stringify(late)}`);
  });
  const finalists: readonly RunFileFinalist[] = res.output;
  return issues.length > 0 ? { issues } : { finalists, issues };
}

/** A short stable hash of a recipe (key order does not matter): with the run and candidate, a model's identity. */
export function recipeHash(recipe: FinalistRecipe): string {
  return hashJson(recipe);
}

/** Where a model is one (candidate, recipe) pair; an entry without its recipe is its own. */
const identity = (f: RunFileFinalist, i: number): string => (f.recipe ? `${f.id}:${recipeHash(f.recipe)}` : `${f.id}:no-recipe:${i}`);

/**
 * A rewritten run file's finalists: the ones it held (kept, in order), each replaced by a fresh one of the same
 * candidate and recipe, then the fresh ones that are new.
 */
export function mergeRunFileFinalists(kept: readonly RunFileFinalist[], fresh: readonly RunFileFinalist[]): RunFileFinalist[] {
  const byKey = new Map(fresh.map((f, i) => [identity(f, i), f] as const));
  const out = kept.map((f, i) => {
    const k = identity(f, i);
    const next = byKey.get(k);
    if (next === undefined) return f;
    byKey.delete(k);
    return next;
  });
  return [...out, ...byKey.values()];
}
