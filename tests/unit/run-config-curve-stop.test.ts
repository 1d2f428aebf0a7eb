/**
 * The run config's evaluator.curveStop (learning-curve stopping of a search's candidates): optional without a
 * default, so a config without it parses exactly as before; { enabled: true, margin: 2 } filled in when given; a
 * bad margin, too few epochs or another objective metric named with what is wrong; the Search tab's form maps it
 * to the config and back (ticked only: an unticked form gives the config it always gave).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { validateRunConfig } from '../../workers/run-config';
import { parseRunConfig, RunConfigError, type TrainEvaluatorConfig } from '../../src/shared/run-config';
import { formToRunConfig, RUN_FORM_VERSION, runConfigToForm, type RunForm, type TabRunConfig } from '../../src/shared/run-form';
import { parseSpaceConfig } from '../../src/shared/space-config';

const form: RunForm = {
  version: RUN_FORM_VERSION, name: 'x', datasetId: 'builtin:mnist-10k', space: parseSpaceConfig({ space: 'nb201' }), strategy: 'random', seed: 3, budget: 10,
  channels: 8, cellsPerStage: 1, epochs: 5, batchSize: 32, learningRate: 0.1, trainSamples: 512, validSamples: 256, backend: 'auto',
  objective: { metric: 'valid_acc', penalties: [{ metric: 'flops', lambda: 1e-8 }], constraints: [] }, paretoCost: 'flops',
};
const file = (evaluator: object, objective: object = {}) => ({ strategy: { name: 'random' }, budget: { queries: 3 }, objective, evaluator: { kind: 'train', epochs: 5, ...evaluator } });
const train = (c: { evaluator: unknown }) => c.evaluator as TrainEvaluatorConfig;

const issues = (input: unknown): string => {
  try {
    parseRunConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(RunConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a RunConfigError');
};

describe('evaluator.curveStop in the run config', () => {
  it('is absent unless given, and filled in with enabled true and margin 2 when given', () => {
    expect('curveStop' in train(parseRunConfig(file({})))).toBe(false);
    expect(train(parseRunConfig(file({ curveStop: {} }))).curveStop).toEqual({ enabled: true, margin: 2 });
    expect(train(parseRunConfig(file({ curveStop: { enabled: false, margin: 0.5 } }))).curveStop).toEqual({ enabled: false, margin: 0.5 });
    const parsed = parseRunConfig(file({ curveStop: { margin: 1 } }));
    expect(parseRunConfig(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed); // a run file round-trips
  });

  it('names a bad margin, an unknown field, too few epochs and another objective metric', () => {
    expect(issues(file({ curveStop: { margin: -1 } }))).toContain('evaluator.curveStop.margin: evaluator.curveStop.margin must be >= 0 (percentage points of validation accuracy)');
    expect(issues(file({ curveStop: { margin: 101 } }))).toContain('evaluator.curveStop.margin must be <= 100');
    expect(issues(file({ curveStop: { margin: '2' } }))).toContain('evaluator.curveStop.margin must be a number');
    expect(issues(file({ curveStop: { enabled: 'yes' } }))).toContain('evaluator.curveStop.enabled must be true or false');
    expect(issues(file({ curveStop: { margn: 2 } }))).toContain('evaluator.curveStop.margn: unknown evaluator.curveStop field');
    expect(issues(file({ epochs: 3, curveStop: {} }))).toContain('evaluator.curveStop: the learning curve is extrapolated from 3 epochs, so it needs evaluator.epochs >= 4, got 3');
    expect(issues(file({ curveStop: {} }, { metric: 'train_loss' }))).toContain('evaluator.curveStop: stopping hopeless candidates compares validation accuracy with the best objective, so it needs objective.metric "valid_acc", got "train_loss"');
    // Switched off, it asks nothing of the rest of the config.
    expect(train(parseRunConfig(file({ epochs: 1, curveStop: { enabled: false } }))).curveStop?.enabled).toBe(false);
  });

  it('comes from the Search tab\'s form only when ticked, and goes back to the form', () => {
    expect('curveStop' in train(formToRunConfig(form))).toBe(false);
    expect('curveStop' in train(formToRunConfig({ ...form, curveStop: { enabled: false, margin: 3 } }))).toBe(false);
    const ticked = validateRunConfig({ ...form, curveStop: { enabled: true, margin: 1.5 } }) as TabRunConfig;
    expect(ticked.evaluator.curveStop).toEqual({ enabled: true, margin: 1.5 });
    expect(runConfigToForm(ticked).curveStop).toEqual({ enabled: true, margin: 1.5 });
    expect(validateRunConfig(runConfigToForm(ticked))).toEqual(ticked);
    expect('curveStop' in runConfigToForm(validateRunConfig(form) as TabRunConfig)).toBe(false);
    expect(() => validateRunConfig({ ...form, epochs: 2, curveStop: { enabled: true, margin: 2 } })).toThrow(/needs evaluator.epochs >= 4, got 2/);
  });
});
