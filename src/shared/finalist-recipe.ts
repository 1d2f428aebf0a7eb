/**
 * The re-training recipe of a search's finalists, as plain data (the headless runner's --recipe file, later the
 * app's form): epochs, batch size, SGD with momentum and weight decay, a cosine learning-rate schedule with an
 * optional linear warm-up, label smoothing, augmentation (random crop with zero padding, horizontal flip),
 * class-weighted cross-entropy, early stopping with patience on validation accuracy, learning-curve extrapolation
 * to stop hopeless finalists, whether to train on the train split or on train + validation, and an optional
 * search of the learning rate and weight decay by successive halving on validation (engine/finalists/hpo.ts).
 * Validated with valibot; every missing field takes its default; unknown fields are errors.
 */
import * as v from 'valibot';

export const FINALIST_RECIPE_VERSION = 1;

/** What the caller knows about the images: digit-like data (MNIST) must not be mirrored, natural photos may. */
export type DatasetHint = 'digit-like' | 'natural';

const num = (key: string) => v.pipe(v.number(`${key} must be a number`), v.finite(`${key} must be finite`));
const int = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.integer(`${key} must be an integer`), v.minValue(min, `${key} must be >= ${min}`), v.maxValue(max, `${key} must be <= ${max}`));
const unknownField = (what: string) => (issue: v.BaseIssue<unknown>) =>
  issue.expected === 'never' ? `unknown ${what} field` : `${what} must be an object`;

const AugmentSchema = v.strictObject(
  {
    /** Random crop after zero padding by `padding` pixels on each side (0: off). */
    cropPadding: v.optional(int('augment.cropPadding', 0, 16), 2),
    /** Horizontal flip with probability 1/2; absent: decided by the dataset hint (off for digit-like data). */
    flip: v.optional(v.boolean('augment.flip must be true or false')),
  },
  unknownField('augment'),
);

const positive = (key: string, max: number) =>
  v.pipe(num(key), v.gtValue(0, `${key} must be > 0`), v.maxValue(max, `${key} must be <= ${max}`));
/** A log-uniform range [min, max] (min = max: fixed). */
const range = (key: string, min: number, max: number, limit: number) => v.optional(
  v.strictObject({ min: v.optional(positive(`${key}.min`, limit), min), max: v.optional(positive(`${key}.max`, limit), max) }, unknownField(key)),
  {},
);

/**
 * Learning rate and weight decay per finalist by successive halving (ASHA-style) on validation accuracy:
 * `configs` pairs drawn log-uniformly from the ranges, rungs of minEpochs * eta^k epochs, the best 1/eta promoted.
 */
const HpoSchema = v.strictObject(
  {
    enabled: v.optional(v.boolean('hpo.enabled must be true or false'), false),
    configs: v.optional(int('hpo.configs', 2, 1000), 9),
    eta: v.optional(int('hpo.eta', 2, 100), 3),
    minEpochs: v.optional(int('hpo.minEpochs', 1, 1000), 1),
    learningRate: range('hpo.learningRate', 0.005, 0.5, 10),
    weightDecay: range('hpo.weightDecay', 1e-5, 1e-2, 1),
  },
  unknownField('hpo'),
);

export type HpoSettings = v.InferOutput<typeof HpoSchema>;

export const FinalistRecipeSchema = v.strictObject(
  {
    version: v.optional(v.literal(FINALIST_RECIPE_VERSION, `recipe.version must be ${FINALIST_RECIPE_VERSION}`), FINALIST_RECIPE_VERSION),
    epochs: v.optional(int('epochs', 1, 1000), 30),
    batchSize: v.optional(int('batchSize', 1, 4096), 64),
    learningRate: v.optional(v.pipe(num('learningRate'), v.gtValue(0, 'learningRate must be > 0'), v.maxValue(10, 'learningRate must be <= 10')), 0.05),
    /** Linear warm-up from 0 over this many epochs, then cosine decay to 0 over the rest. */
    warmupEpochs: v.optional(int('warmupEpochs', 0, 1000), 0),
    weightDecay: v.optional(v.pipe(num('weightDecay'), v.minValue(0, 'weightDecay must be >= 0'), v.maxValue(1, 'weightDecay must be <= 1')), 5e-4),
    momentum: v.optional(v.pipe(num('momentum'), v.minValue(0, 'momentum must be >= 0'), v.ltValue(1, 'momentum must be < 1')), 0.9),
    labelSmoothing: v.optional(v.pipe(num('labelSmoothing'), v.minValue(0, 'labelSmoothing must be >= 0'), v.ltValue(1, 'labelSmoothing must be < 1')), 0.1),
    augment: v.optional(AugmentSchema, {}),
    /** 'inverse-frequency': each class weighted by N / (K n_c) (mean weight per image 1); 'none': plain cross-entropy. */
    classWeights: v.optional(v.picklist(['none', 'inverse-frequency'], 'classWeights must be "none" or "inverse-frequency"'), 'inverse-frequency'),
    /** Stop when validation accuracy has not improved for this many epochs (0: never). */
    patience: v.optional(int('patience', 0, 1000), 5),
    /**
     * Learning-curve extrapolation (evaluator/learning-curve.ts): from the third epoch on, stop when the predicted
     * final validation accuracy plus `margin` (percentage points) is below the best finalist's so far.
     */
    curveStop: v.optional(
      v.strictObject(
        { enabled: v.optional(v.boolean('curveStop.enabled must be true or false'), true), margin: v.optional(v.pipe(num('curveStop.margin'), v.minValue(0, 'curveStop.margin must be >= 0')), 2) },
        unknownField('curveStop'),
      ),
      {},
    ),
    /**
     * 'train': validation selects the best epoch (early stopping, best weights restored). 'train+valid': trains on
     * both for the full epochs and keeps the last weights (validation accuracy is then measured on seen data).
     */
    trainOn: v.optional(v.picklist(['train', 'train+valid'], 'trainOn must be "train" or "train+valid"'), 'train'),
    /** Training batches that recompute batch-norm statistics before each validation (0: off). */
    bnRecalibrationBatches: v.optional(int('bnRecalibrationBatches', 0, 1000), 8),
    hpo: v.optional(HpoSchema, {}),
  },
  unknownField('recipe'),
);

export type FinalistRecipe = v.InferOutput<typeof FinalistRecipeSchema>;
export type FinalistRecipeInput = v.InferInput<typeof FinalistRecipeSchema>;

export class RecipeError extends Error {
  override readonly name = 'RecipeError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid re-training recipe: ${issues.join('; ')}`);
  }
}

/** The recipe with every default filled in; throws RecipeError listing each problem with its path. */
export function parseFinalistRecipe(input: unknown = {}): FinalistRecipe {
  const r = v.safeParse(FinalistRecipeSchema, input ?? {});
  if (!r.success) {
    throw new RecipeError(r.issues.map((i) => {
      const path = i.path?.map((p) => String(p.key)).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    }));
  }
  if (r.output.warmupEpochs >= r.output.epochs && r.output.warmupEpochs > 0) {
    throw new RecipeError([`warmupEpochs (${r.output.warmupEpochs}) must be less than epochs (${r.output.epochs})`]);
  }
  const { hpo, epochs } = r.output;
  const order = (key: 'learningRate' | 'weightDecay') =>
    (hpo[key].min <= hpo[key].max ? [] : [`hpo.${key}: min (${hpo[key].min}) must be <= max (${hpo[key].max})`]);
  const hpoIssues = [
    ...order('learningRate'),
    ...order('weightDecay'),
    ...(hpo.minEpochs <= epochs ? [] : [`hpo.minEpochs (${hpo.minEpochs}) must be <= epochs (${epochs}), the budget of the last rung`]),
  ];
  if (hpoIssues.length > 0) throw new RecipeError(hpoIssues);
  return r.output;
}

export const DEFAULT_FINALIST_RECIPE: FinalistRecipe = parseFinalistRecipe({});

/** Whether the recipe flips images: its own setting, else on only for natural images. */
export function flipEnabled(recipe: FinalistRecipe, hint: DatasetHint): boolean {
  return recipe.augment.flip ?? hint === 'natural';
}
