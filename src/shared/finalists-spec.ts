/**
 * The finalists stage as part of a run config (`finalists` field): how many of the best candidates to re-train
 * (top k by objective, optionally plus the Pareto front of the run's axes), the re-training recipe
 * (finalist-recipe.ts) and deployment targets (targets.ts) to check on the test numbers. A config carrying it makes
 * the headless runner re-train and test the finalists right after the search (`npm run search -- --config`).
 * Plain data; every problem is reported with its `finalists.` path.
 */
import { parseFinalistRecipe, RecipeError, type FinalistRecipe } from './finalist-recipe';
import { parseTargets, TargetError } from './targets';

export interface FinalistsSpec {
  readonly top: number;
  /** Also re-train the run's Pareto front (needs the config's `pareto` axes). */
  readonly pareto: boolean;
  readonly recipe: FinalistRecipe;
  /** As written (checked with parseTargets), so a parsed config round-trips through JSON. */
  readonly targets: readonly string[];
  /** A seeded subset of the train / validation split (absent: all of it). */
  readonly trainSamples?: number;
  readonly validSamples?: number;
}

const FIELDS = ['top', 'pareto', 'recipe', 'targets', 'trainSamples', 'validSamples'];

/** The spec with defaults filled in, or the list of problems (paths start with `finalists`). */
export function finalistsSpecIssues(input: unknown): { spec?: FinalistsSpec; issues: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { issues: ['finalists: must be an object'] };
  const r = input as Record<string, unknown>;
  const issues: string[] = [];
  for (const k of Object.keys(r)) if (!FIELDS.includes(k)) issues.push(`finalists.${k}: unknown field (allowed: ${FIELDS.join(', ')})`);
  const top = r.top ?? 3;
  if (!(typeof top === 'number' && Number.isInteger(top) && top >= 1 && top <= 100)) issues.push(`finalists.top: must be an integer from 1 to 100, got ${JSON.stringify(r.top)}`);
  const pareto = r.pareto ?? false;
  if (typeof pareto !== 'boolean') issues.push('finalists.pareto: must be true or false');
  let recipe: FinalistRecipe | undefined;
  try {
    recipe = parseFinalistRecipe(r.recipe ?? {});
  } catch (e) {
    if (!(e instanceof RecipeError)) throw e;
    issues.push(...e.issues.map((i) => `finalists.recipe: ${i}`));
  }
  let targets: string[] = [];
  const rawTargets = r.targets ?? [];
  if (!Array.isArray(rawTargets) || !rawTargets.every((t) => typeof t === 'string')) issues.push('finalists.targets: must be a list of texts like "accuracy >= 0.9"');
  else {
    try {
      targets = parseTargets(rawTargets).map((t) => t.text);
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      issues.push(`finalists.targets: ${e.message}`);
    }
  }
  const samples: { trainSamples?: number; validSamples?: number } = {};
  for (const k of ['trainSamples', 'validSamples'] as const) {
    const n = r[k];
    if (n === undefined) continue;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1) samples[k] = n;
    else issues.push(`finalists.${k}: must be an integer >= 1, got ${JSON.stringify(n)}`);
  }
  if (issues.length > 0 || !recipe) return { issues };
  return { spec: { top: top as number, pareto: pareto as boolean, recipe, targets, ...samples }, issues };
}
