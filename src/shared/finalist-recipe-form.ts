/**
 * The app's form for a finalist re-training recipe (src/shared/finalist-recipe.ts): one flat record of what the
 * user edits, its fields described as data (label, kind, help) so the form is generated from this list, and the
 * mapping to the recipe's input that the recipe schema then validates (every problem named with its field).
 */
import { DEFAULT_FINALIST_RECIPE, parseFinalistRecipe, RecipeError, type FinalistRecipe, type FinalistRecipeInput } from './finalist-recipe';

export interface RecipeForm {
  epochs: number;
  batchSize: number;
  learningRate: number;
  warmupEpochs: number;
  weightDecay: number;
  labelSmoothing: number;
  cropPadding: number;
  flip: 'auto' | 'on' | 'off';
  classWeights: 'none' | 'balanced';
  patience: number;
  curveStop: boolean;
  curveMargin: number;
  trainOn: FinalistRecipe['trainOn'];
  /** The learning-rate / weight-decay search by successive halving (recipe.hpo). */
  hpoEnabled: boolean;
  hpoConfigs: number;
  hpoEta: number;
  hpoMinEpochs: number;
  hpoLrMin: number;
  hpoLrMax: number;
  hpoWdMin: number;
  hpoWdMax: number;
}

type NumberKey = { [K in keyof RecipeForm]: RecipeForm[K] extends number ? K : never }[keyof RecipeForm];
type ChoiceKey = 'flip' | 'classWeights' | 'trainOn';

/** `section: 'hpo'`: shown in the search's own group, its numbers only editable while the search is on. */
export type RecipeField = { readonly section?: 'hpo' } & (
  | { readonly key: NumberKey; readonly kind: 'int' | 'number'; readonly label: string; readonly help: string; readonly step?: number }
  | { readonly key: ChoiceKey; readonly kind: 'choice'; readonly label: string; readonly help: string; readonly options: readonly { readonly value: string; readonly label: string }[] }
  | { readonly key: 'curveStop' | 'hpoEnabled'; readonly kind: 'check'; readonly label: string; readonly help: string });

export const RECIPE_FIELDS: readonly RecipeField[] = [
  { key: 'epochs', kind: 'int', label: 'Epochs', help: 'Full passes over the training images' },
  { key: 'batchSize', kind: 'int', label: 'Batch size', help: 'Images per SGD step' },
  { key: 'learningRate', kind: 'number', step: 0.005, label: 'Learning rate', help: 'Peak rate of the cosine schedule' },
  { key: 'warmupEpochs', kind: 'int', label: 'Warm-up epochs', help: 'Linear warm-up before the cosine decay' },
  { key: 'weightDecay', kind: 'number', step: 0.0001, label: 'Weight decay', help: 'L2 penalty on the weights' },
  { key: 'labelSmoothing', kind: 'number', step: 0.05, label: 'Label smoothing', help: 'Share of each target spread over all classes' },
  { key: 'cropPadding', kind: 'int', label: 'Crop padding (px)', help: 'Random crop after zero padding; 0 turns it off' },
  {
    key: 'flip', kind: 'choice', label: 'Horizontal flip', help: 'Auto: only for colour (natural) images, never for digits',
    options: [{ value: 'auto', label: 'auto' }, { value: 'on', label: 'on' }, { value: 'off', label: 'off' }],
  },
  {
    key: 'classWeights', kind: 'choice', label: 'Class weights', help: 'Balanced: each class weighted by N / (K n_c), for imbalanced data',
    options: [{ value: 'none', label: 'none' }, { value: 'balanced', label: 'balanced' }],
  },
  { key: 'patience', kind: 'int', label: 'Patience (epochs)', help: 'Stop when validation accuracy has not improved this long; 0: never' },
  { key: 'curveStop', kind: 'check', label: 'Learning-curve stop', help: 'Stop a finalist whose extrapolated accuracy cannot reach the best so far' },
  { key: 'curveMargin', kind: 'number', step: 0.5, label: 'Curve margin (points)', help: 'Percentage points of slack for the learning-curve stop' },
  {
    key: 'trainOn', kind: 'choice', label: 'Train on', help: 'train+validation: more data, the last epoch is kept (no early stopping)',
    options: [{ value: 'train', label: 'train' }, { value: 'train+valid', label: 'train + validation' }],
  },
  { section: 'hpo', key: 'hpoEnabled', kind: 'check', label: 'Search learning rate and weight decay', help: 'Per model, by successive halving (ASHA-style) on validation accuracy only, before its training' },
  { section: 'hpo', key: 'hpoConfigs', kind: 'int', label: 'Configurations', help: 'Learning-rate / weight-decay pairs drawn log-uniformly from the ranges' },
  { section: 'hpo', key: 'hpoEta', kind: 'int', label: 'Eta', help: 'Each rung keeps the best 1/eta and multiplies their epochs by eta' },
  { section: 'hpo', key: 'hpoMinEpochs', kind: 'int', label: 'Min epochs', help: 'Epochs of the first rung' },
  { section: 'hpo', key: 'hpoLrMin', kind: 'number', step: 0.001, label: 'LR min', help: 'Lowest learning rate drawn' },
  { section: 'hpo', key: 'hpoLrMax', kind: 'number', step: 0.01, label: 'LR max', help: 'Highest learning rate drawn' },
  { section: 'hpo', key: 'hpoWdMin', kind: 'number', step: 0.00001, label: 'WD min', help: 'Lowest weight decay drawn' },
  { section: 'hpo', key: 'hpoWdMax', kind: 'number', step: 0.001, label: 'WD max', help: 'Highest weight decay drawn' },
];

export function recipeToForm(r: FinalistRecipe = DEFAULT_FINALIST_RECIPE): RecipeForm {
  return {
    epochs: r.epochs, batchSize: r.batchSize, learningRate: r.learningRate, warmupEpochs: r.warmupEpochs, weightDecay: r.weightDecay,
    labelSmoothing: r.labelSmoothing, cropPadding: r.augment.cropPadding, flip: r.augment.flip === undefined ? 'auto' : r.augment.flip ? 'on' : 'off',
    classWeights: r.classWeights === 'none' ? 'none' : 'balanced', patience: r.patience, curveStop: r.curveStop.enabled,
    curveMargin: r.curveStop.margin, trainOn: r.trainOn,
    hpoEnabled: r.hpo.enabled, hpoConfigs: r.hpo.configs, hpoEta: r.hpo.eta, hpoMinEpochs: r.hpo.minEpochs,
    hpoLrMin: r.hpo.learningRate.min, hpoLrMax: r.hpo.learningRate.max, hpoWdMin: r.hpo.weightDecay.min, hpoWdMax: r.hpo.weightDecay.max,
  };
}

export function formToRecipeInput(f: RecipeForm): FinalistRecipeInput {
  return {
    epochs: f.epochs, batchSize: f.batchSize, learningRate: f.learningRate, warmupEpochs: f.warmupEpochs, weightDecay: f.weightDecay,
    labelSmoothing: f.labelSmoothing,
    augment: { cropPadding: f.cropPadding, ...(f.flip === 'auto' ? {} : { flip: f.flip === 'on' }) },
    classWeights: f.classWeights === 'none' ? 'none' : 'inverse-frequency',
    patience: f.patience, curveStop: { enabled: f.curveStop, margin: f.curveMargin }, trainOn: f.trainOn,
    // Off: the search's numbers are not used, so they are not checked either.
    hpo: !f.hpoEnabled ? { enabled: false } : {
      enabled: true, configs: f.hpoConfigs, eta: f.hpoEta, minEpochs: f.hpoMinEpochs,
      learningRate: { min: f.hpoLrMin, max: f.hpoLrMax }, weightDecay: { min: f.hpoWdMin, max: f.hpoWdMax },
    },
  };
}

/** The form's recipe, or every problem the recipe schema found (empty number fields arrive as null/NaN and are named). */
export function checkRecipeForm(f: RecipeForm): { readonly ok: true; readonly recipe: FinalistRecipe } | { readonly ok: false; readonly issues: readonly string[] } {
  try {
    return { ok: true, recipe: parseFinalistRecipe(formToRecipeInput(f)) };
  } catch (e) {
    return { ok: false, issues: e instanceof RecipeError ? e.issues : [e instanceof Error ? e.message : String(e)] };
  }
}
