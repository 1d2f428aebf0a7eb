/**
 * The arithmetic of a finalist recipe (shared/finalist-recipe.ts holds the schema and defaults): the learning rate
 * at a step (linear warm-up, then cosine decay to zero: Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent
 * with Warm Restarts", ICLR 2017, without restarts; warm-up as in Goyal et al., "Accurate, Large Minibatch SGD",
 * 2017) and class weights by inverse class frequency, normalised so the mean weight per training image is 1
 * (w_c = N / (K n_c) with K the classes present, scikit-learn's class_weight="balanced"; a class with no images
 * gets weight 0).
 */
import type { FinalistRecipe } from '../../shared/finalist-recipe';

export { DEFAULT_FINALIST_RECIPE, flipEnabled, parseFinalistRecipe, RecipeError, type DatasetHint, type FinalistRecipe } from '../../shared/finalist-recipe';

/** Learning rate before step `step` (0-based) of `totalSteps`, with `warmupSteps` of linear warm-up. */
export function learningRateAt(base: number, step: number, totalSteps: number, warmupSteps: number): number {
  if (warmupSteps > 0 && step < warmupSteps) return (base * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  return 0.5 * base * (1 + Math.cos((Math.PI * (step - warmupSteps)) / span));
}

/** Per-class weights for the recipe: all 1 for 'none', else N / (K n_c) over the labels trained on (K: classes present). */
export function classWeightsFor(recipe: Pick<FinalistRecipe, 'classWeights'>, labels: ArrayLike<number>, numClasses: number): number[] {
  if (recipe.classWeights === 'none') return new Array<number>(numClasses).fill(1);
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) throw new Error(`class weights: label ${c} at index ${i} is outside 0..${numClasses - 1}`);
    counts[c]++;
  }
  const n = labels.length;
  // K counts the classes present, so the mean weight per image is exactly 1 even when a class has no images.
  const present = counts.filter((k) => k > 0).length;
  return counts.map((k) => (k === 0 ? 0 : n / (present * k)));
}
