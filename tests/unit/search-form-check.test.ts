/**
 * The Search form checked before Start (src/shared/search-form-check.ts): out-of-range numbers named as the form
 * labels them, more images than the split holds said with the split's size, and the run config schema's own
 * messages (what the worker refuses with) rewritten from config paths into the form's labels.
 */
import { describe, expect, it } from 'vitest';
import { checkSearchForm, labelConfigIssue, numberProblem, SEARCH_FORM_LIMITS } from '../../src/shared/search-form-check';
import { formToRunConfig, RUN_FORM_VERSION, type RunForm } from '../../src/shared/run-form';
import { parseRunConfig, RunConfigError } from '../../src/shared/run-config';
import { parseSpaceConfig } from '../../src/shared/space-config';
import { labelOneShotIssue } from '../../src/shared/oneshot-form-labels';
import { OneShotConfigError, validateOneShotConfig } from '../../src/shared/oneshot-config';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const FORM: RunForm = {
  version: RUN_FORM_VERSION, name: 'f', datasetId: 'builtin:mnist-10k', space: parseSpaceConfig({ space: 'nb201' }), strategy: 'random', seed: 1, budget: 20,
  channels: 8, cellsPerStage: 1, epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 2048, validSamples: 512, backend: 'auto',
  objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops', prerank: null,
};
const SPLIT = { datasetName: 'MNIST (10k real digits)', train: 7000, valid: 1500 };

describe('Search form check', () => {
  it('passes the default form', () => {
    expect(checkSearchForm(FORM, 'nb201', SPLIT)).toEqual({ problems: [], notes: [] });
  });

  it('names out-of-range fields as labelled, never by their config names', () => {
    const { problems } = checkSearchForm({ ...FORM, budget: 1e12, learningRate: 1e9 }, 'nb201', SPLIT);
    expect(problems).toEqual([
      '"Candidates" must be a whole number from 1 to 10,000, got 1,000,000,000,000',
      '"Learning rate" must be above 0 and at most 10, got 1,000,000,000',
    ]);
    expect(problems.join(' ')).not.toMatch(/budget|learningRate/);
  });

  it('says which field is empty, fractional or zero', () => {
    const form = { ...FORM, epochs: null, batchSize: 2.5, learningRate: 0 } as unknown as RunForm;
    expect(checkSearchForm(form, 'nb201', null).problems).toEqual([
      '"Epochs" is empty: enter a number',
      '"Batch size" must be a whole number from 1 to 4,096, got 2.5',
      '"Learning rate" must be above 0 and at most 10, got 0',
    ]);
    expect(numberProblem(SEARCH_FORM_LIMITS.seed, Number.NaN)).toBe('"Seed" must be a number');
  });

  it('uses each space\'s labels for C and N, and its rule for C', () => {
    expect(checkSearchForm({ ...FORM, channels: 7, cellsPerStage: 99 }, 'darts', null).problems).toEqual([
      '"Cells N (reductions at N/3, 2N/3)" must be a whole number from 1 to 20, got 99',
      '"Channels C (per node, even)" must be a multiple of 2 in this space, got 7',
    ]);
    // The mobile space has no N input: its stale value is not an error.
    expect(checkSearchForm({ ...FORM, cellsPerStage: 99 }, 'mobile', null).problems).toEqual([]);
  });

  it('explains the combinations the run config refuses, before Start', () => {
    const form = { ...FORM, epochs: 2, curveStop: { enabled: true, margin: 2 }, objective: { metric: 'train_acc', penalties: [], constraints: [] } };
    expect(checkSearchForm(form, 'nb201', null).problems).toEqual([
      '"Stop hopeless candidates early" extrapolates the learning curve from 3 epochs, so it needs "Epochs" of at least 4, got 2',
      '"Stop hopeless candidates early" compares validation accuracy with the best objective, so it needs "Maximise" validation accuracy (valid_acc), got train_acc',
    ]);
    expect(checkSearchForm({ ...form, curveStop: { enabled: false, margin: 2 } }, 'nb201', null).problems).toEqual([]);
  });

  it('says before Start when more images are asked for than the split holds, naming its size', () => {
    const { problems, notes } = checkSearchForm({ ...FORM, trainSamples: 100_000, validSamples: 1500 }, 'nb201', SPLIT);
    expect(problems).toEqual([]);
    expect(notes).toEqual(['"Train images": 100,000 asked, but the train split of MNIST (10k real digits) holds 7,000 images; the run will use all 7,000.']);
    expect(checkSearchForm({ ...FORM, validSamples: 2000 }, 'nb201', SPLIT).notes[0]).toContain('the validation split of MNIST (10k real digits) holds 1,500 images');
  });

  it('rewrites what the run config schema (the worker\'s check) says into the form\'s labels', () => {
    const issuesOf = (form: RunForm): readonly string[] => {
      try {
        parseRunConfig(formToRunConfig(form));
      } catch (e) {
        if (e instanceof RunConfigError) return e.issues;
        throw e;
      }
      return [];
    };
    const range = issuesOf({ ...FORM, learningRate: 1e9 }).map(labelConfigIssue);
    const curve = issuesOf({ ...FORM, epochs: 2, curveStop: { enabled: true, margin: 2 } }).map(labelConfigIssue);
    expect(range).toEqual(['"Learning rate" must be <= 10']);
    expect(curve).toEqual(['"Stop hopeless candidates early": the learning curve is extrapolated from 3 epochs, so it needs "Epochs" >= 4, got 2']);
    expect([...range, ...curve].join(' ')).not.toMatch(/evaluator\.|budget\.|learningRate/);
    expect(labelConfigIssue('budget.queries must be >= 1')).toBe('"Candidates" must be >= 1');
    expect(labelConfigIssue('evaluator.curveStop.margin must be <= 100')).toBe('"Margin (points)" must be <= 100');
  });

  it('says a refused one-shot configuration in the One-shot form\'s words', () => {
    const example = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../examples/oneshot-darts.json'), 'utf8')) as Record<string, unknown>;
    let message = '';
    try {
      validateOneShotConfig({ ...validateOneShotConfig(example), epochs: 1e12, learningRate: 1e9, darts: { ...validateOneShotConfig(example).darts, warmupEpochs: -1 } });
    } catch (e) {
      if (!(e instanceof OneShotConfigError)) throw e;
      message = e.message;
    }
    expect(labelOneShotIssue(message)).toBe('Invalid one-shot configuration: "Epochs" must be at most 1000; "Learning rate" must be at most 10; "Warm-up epochs" must be at least 0');
    // A label just written in is not matched again ("DARTS+ stable epochs" holds the word epochs).
    expect(labelOneShotIssue('darts.stableEpochs: darts.stableEpochs must be a whole number; epochs: epochs must be a number')).toBe('"DARTS+ stable epochs" must be a whole number; "Epochs" must be a number');
  });
});
