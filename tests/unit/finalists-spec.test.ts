/**
 * The run config's `finalists` section (src/shared/finalists-spec.ts): defaults, a round trip through JSON of the
 * parsed config (what IndexedDB and run files store), and a specific message for every bad field.
 */
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/shared/run-config';

const base = {
  space: 'nb201', strategy: { name: 'random' }, budget: { queries: 2 },
  evaluator: { kind: 'train', dataset: 'builtin:mnist-10k', epochs: 1 },
};

describe('run config finalists section', () => {
  it('fills defaults and survives a JSON round trip', () => {
    const cfg = parseRunConfig({ ...base, finalists: { recipe: { epochs: 2, warmupEpochs: 0 }, targets: ['recall[3] >= 94%'], trainSamples: 100 } });
    expect(cfg.finalists).toMatchObject({ top: 3, pareto: false, targets: ['recall[3] >= 94%'], trainSamples: 100 });
    expect(cfg.finalists?.recipe.epochs).toBe(2);
    expect(cfg.finalists?.recipe.labelSmoothing).toBeGreaterThanOrEqual(0);
    expect(parseRunConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
    expect(parseRunConfig(base).finalists).toBeUndefined();
  });

  it('names every bad field', () => {
    const bad = () => parseRunConfig({ ...base, finalists: { top: 0, pareto: true, recipe: { epochs: -1 }, targets: ['accuracy >>= 1'], extra: 1, validSamples: 1.5 } });
    expect(bad).toThrow(/finalists\.extra: unknown field/);
    expect(bad).toThrow(/finalists\.top: must be an integer from 1 to 100, got 0/);
    expect(bad).toThrow(/finalists\.recipe: .*epochs/);
    expect(bad).toThrow(/finalists\.targets: /);
    expect(bad).toThrow(/finalists\.validSamples: must be an integer >= 1, got 1.5/);
    expect(() => parseRunConfig({ ...base, finalists: { pareto: true } })).toThrow(/finalists\.pareto: the config has no "pareto" axes/);
    expect(() => parseRunConfig({ ...base, finalists: [] })).toThrow(/finalists: must be an object/);
  });
});
