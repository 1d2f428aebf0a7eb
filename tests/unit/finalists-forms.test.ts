/**
 * The Finalists panel's forms as data (src/shared/finalist-recipe-form.ts, finalist-extras-form.ts): the HPO
 * section maps to the recipe's `hpo` (and back), its problems are named by the recipe schema only while it is on;
 * the baseline choices are the engine's baseline families; bad distillation settings are named.
 */
import { describe, expect, it } from 'vitest';
import { checkRecipeForm, recipeToForm } from '../../src/shared/finalist-recipe-form';
import { BASELINE_CHOICES, DEFAULT_DISTILL_FORM, distillFormIssues } from '../../src/shared/finalist-extras-form';
import { parseBaselineName } from '../../src/shared/baselines';
import { DEFAULT_FINALIST_RECIPE } from '../../src/shared/finalist-recipe';

describe('finalists panel forms', () => {
  it('maps the HPO section to the recipe and names its problems only while it is on', () => {
    const form = recipeToForm();
    expect(form.hpoEnabled).toBe(false);
    expect([form.hpoConfigs, form.hpoEta, form.hpoLrMin, form.hpoWdMax]).toEqual([9, 3, 0.005, 0.01]);
    const on = checkRecipeForm({ ...form, hpoEnabled: true, hpoConfigs: 3, hpoEta: 3, hpoLrMin: 0.01, hpoLrMax: 0.2 });
    expect(on.ok && on.recipe.hpo).toEqual({ enabled: true, configs: 3, eta: 3, minEpochs: 1, learningRate: { min: 0.01, max: 0.2 }, weightDecay: { min: 1e-5, max: 1e-2 } });
    expect(on.ok && recipeToForm(on.recipe).hpoConfigs).toBe(3);
    const bad = checkRecipeForm({ ...form, hpoEnabled: true, hpoLrMin: 0.3, hpoLrMax: 0.1, hpoConfigs: 1 });
    expect(bad.ok ? [] : bad.issues).toEqual(['hpo.configs: hpo.configs must be >= 2']);
    const order = checkRecipeForm({ ...form, hpoEnabled: true, hpoLrMin: 0.3, hpoLrMax: 0.1 });
    expect(order.ok ? [] : order.issues).toEqual(['hpo.learningRate: min (0.3) must be <= max (0.1)']);
    // Off: its numbers are not used, so a bad one does not block the recipe.
    const off = checkRecipeForm({ ...form, hpoConfigs: 1 });
    expect(off.ok && off.recipe.hpo).toEqual(DEFAULT_FINALIST_RECIPE.hpo);
  });

  it('offers the engine\'s baselines and names bad distillation settings', () => {
    expect(BASELINE_CHOICES.map((c) => [c.label, parseBaselineName(c.family).family])).toEqual([['ResNet-like baseline', 'resnet'], ['MobileNet-like baseline', 'mobilenet']]);
    expect(distillFormIssues(DEFAULT_DISTILL_FORM)).toEqual([]);
    expect(distillFormIssues({ ...DEFAULT_DISTILL_FORM, enabled: true })).toEqual([]);
    expect(distillFormIssues({ ...DEFAULT_DISTILL_FORM, enabled: true, temperature: 0, alpha: Number.NaN })).toEqual(['temperature must be a number > 0', 'alpha must be a number in [0, 1]']);
    expect(distillFormIssues({ ...DEFAULT_DISTILL_FORM, enabled: false, temperature: 0 })).toEqual([]);
  });
});
