/**
 * Learning rate and weight decay by successive halving (engine/finalists/hpo.ts), with real tfjs training on a tiny
 * separable task: rung sizes 9 -> 3 (-> 1, the final training), promotions by validation accuracy, promoted
 * configurations continue their run, results repeat for a seed, tensors do not leak; in the stage the test split
 * is read once after the search and the final training, the final training uses the choice, and a resumed stage
 * reuses the stored search. Bad hpo settings get specific messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { counted, taskSplit, tinyModel, tinyRecipe } from '../helpers/finalists';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { DEFAULT_FINALIST_RECIPE, parseFinalistRecipe, type FinalistRecipeInput } from '../../src/shared/finalist-recipe';
import type { HpoReport, TrainedReport } from '../../src/shared/finalist-result';
import { checkHpoReport, drawConfigs, rankByValidation, runHpo, successiveHalving, type HpoResult } from '../../src/engine/finalists/hpo';
import { retrainFinalist, type RetrainState } from '../../src/engine/finalists/retrain';
import { runFinalistsStage, type StageEvent, type StageStore } from '../../src/engine/finalists/stage';

let tf: typeof tfType;
let train: TensorSplit;
let valid: TensorSplit;

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
  train = taskSplit('train');
  valid = taskSplit('valid');
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

const model = tinyModel();
// A wide learning-rate range so that rungs see clearly different validation accuracies.
const recipe = (r: FinalistRecipeInput = {}) => tinyRecipe({
  hpo: { enabled: true, configs: 9, eta: 3, minEpochs: 1, learningRate: { min: 1e-4, max: 1 }, weightDecay: { min: 1e-5, max: 1e-2 } },
  ...r,
});

/** An in-memory StageStore (deep copies through JSON would lose typed arrays; the engine never mutates them). */
function memoryStore(): StageStore & { hpos: Map<string, HpoReport>; states: Map<string, RetrainState> } {
  const results = new Map<string, TrainedReport>();
  const states = new Map<string, RetrainState>();
  const hpos = new Map<string, HpoReport>();
  return {
    hpos, states,
    result: (k) => results.get(k),
    state: (k) => states.get(k),
    saveState: (k, s) => { states.set(k, s); },
    saveResult: (k, r) => { results.set(k, r); },
    hpo: (k) => hpos.get(k),
    saveHpo: (k, r) => { hpos.set(k, JSON.parse(JSON.stringify(r)) as HpoReport); },
  };
}

describe('successive halving plan', () => {
  it('shrinks rungs by eta and grows budgets by eta, leaving the last survivor to the final training', () => {
    expect(successiveHalving(9, 3, 1, 9)).toEqual([{ configs: 9, epochs: 1 }, { configs: 3, epochs: 3 }]);
    expect(successiveHalving(27, 3, 1, 30)).toEqual([{ configs: 27, epochs: 1 }, { configs: 9, epochs: 3 }, { configs: 3, epochs: 9 }]);
    expect(successiveHalving(8, 2, 2, 40)).toEqual([{ configs: 8, epochs: 2 }, { configs: 4, epochs: 4 }, { configs: 2, epochs: 8 }]);
    // The budget cap ends the search at the full budget.
    expect(successiveHalving(27, 3, 1, 2)).toEqual([{ configs: 27, epochs: 1 }, { configs: 9, epochs: 2 }]);
    expect(successiveHalving(9, 3, 4, 4)).toEqual([{ configs: 9, epochs: 4 }]);
    expect(successiveHalving(2, 3, 1, 4)).toEqual([{ configs: 2, epochs: 1 }]);
    expect(() => successiveHalving(9, 1, 1, 4)).toThrow(/eta >= 2/);
    expect(() => successiveHalving(9, 3, 5, 4)).toThrow(/minEpochs <= maxEpochs/);
  });

  it('draws log-uniformly inside the ranges, the same for a seed', () => {
    const s = recipe().hpo;
    const a = drawConfigs(s, 5);
    expect(a).toHaveLength(9);
    expect(drawConfigs(s, 5)).toEqual(a);
    expect(drawConfigs(s, 6)).not.toEqual(a);
    for (const c of a) {
      expect(c.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(c.learningRate).toBeLessThanOrEqual(1);
      expect(c.weightDecay).toBeGreaterThanOrEqual(1e-5);
      expect(c.weightDecay).toBeLessThanOrEqual(1e-2);
    }
    // Log-uniform over 4 decades: many draws land below 1e-2 (a uniform draw would almost never).
    const many = drawConfigs({ ...s, configs: 200 }, 1);
    expect(many.filter((c) => c.learningRate < 1e-2).length).toBeGreaterThan(60);
    expect(drawConfigs({ ...s, learningRate: { min: 0.1, max: 0.1 } }, 1).every((c) => c.learningRate === 0.1)).toBe(true);
  });
});

describe('runHpo', () => {
  let first: HpoResult;

  it('runs 9 -> 3 configurations, promotes by validation accuracy, continues the promoted runs, and leaks no tensor', async () => {
    const r = recipe();
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const reads: string[] = [];
    first = await runHpo({ model, data: { train, valid: counted(valid, 'valid', reads) }, recipe: r, seed: 17, onTrial: (t) => seen.push(t.config) });
    expect(tf.memory().numTensors).toBe(before);
    // Validation reads count the epochs trained: continuing the promoted runs costs 9 x 1 + 3 x (3 - 1) = 15
    // epochs (restarting them would cost 9 + 3 x 3 = 18).
    const perEpoch: string[] = [];
    (await retrainFinalist({ model, data: { train, valid: counted(valid, 'valid', perEpoch) }, recipe: r, seed: 17, stopAfterEpoch: 1 })).net.dispose();
    expect(perEpoch.length).toBeGreaterThan(0);
    expect(reads.length).toBe(15 * perEpoch.length);
    const rung0 = first.trials.filter((t) => t.rung === 0);
    const rung1 = first.trials.filter((t) => t.rung === 1);
    expect(first.trials).toHaveLength(12);
    expect(seen).toEqual(first.trials.map((t) => t.config));
    expect(rung0.map((t) => t.config)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rung0.every((t) => t.epochs === 1)).toBe(true);
    expect(rung1).toHaveLength(3);
    expect(rung1.every((t) => t.epochs === 3)).toBe(true);
    // The wide range gives different validation accuracies, so the promotion is a real choice.
    expect(new Set(rung0.map((t) => t.validAcc)).size).toBeGreaterThan(1);
    // Promoted: exactly the best three of rung 0 by validation accuracy (ties: drawn first).
    const promoted = new Set(rung1.map((t) => t.config));
    for (const a of rung0.filter((t) => promoted.has(t.config))) {
      for (const b of rung0.filter((t) => !promoted.has(t.config))) {
        expect(a.validAcc > b.validAcc || (a.validAcc === b.validAcc && a.config < b.config)).toBe(true);
      }
    }
    expect(first.chosen).toEqual(rankByValidation(rung1)[0]);
    expect(first.chosen.validAcc).toBeGreaterThanOrEqual(Math.max(...rung0.map((t) => t.validAcc)) - 1e-9);
    // Draws match the seed's configurations.
    const drawn = drawConfigs(r.hpo, 17);
    for (const t of first.trials) expect([t.learningRate, t.weightDecay]).toEqual([drawn[t.config].learningRate, drawn[t.config].weightDecay]);

    // A promoted configuration continued its run: rung 1 equals training it from scratch, paused after 3 epochs.
    const c = first.chosen;
    const scratch = await retrainFinalist({ model, data: { train, valid }, recipe: { ...r, learningRate: c.learningRate, weightDecay: c.weightDecay }, seed: 17, stopAfterEpoch: 3 });
    scratch.net.dispose();
    expect(scratch.report.history).toHaveLength(3);
    expect(scratch.report.validAcc).toBe(c.validAcc);
  });

  it('gives the same trials and choice for the same seed', async () => {
    const again = await runHpo({ model, data: { train, valid }, recipe: recipe(), seed: 17 });
    expect(again).toEqual(first);
  });
});

describe('HPO in the finalists stage', () => {
  // 4 configurations, eta 2, 2 epochs: rung 0 = 4 x 1 epoch, rung 1 = 2 x 2 epochs (the full budget).
  const small = () => recipe({ epochs: 2, hpo: { enabled: true, configs: 4, eta: 2, learningRate: { min: 1e-4, max: 1 } } });
  let uninterrupted: TrainedReport;

  it('searches on train/validation only, trains with the choice, then reads the test split once', async () => {
    const events: string[] = [];
    const kinds: StageEvent['kind'][] = [];
    let readTestCalls = 0;
    const store = memoryStore();
    const before = tf.memory().numTensors;
    const [report] = await runFinalistsStage({
      entries: [{ key: 'a', model, seed: 17, curveStop: false }],
      classes: ['zero', 'one'],
      hint: 'digit-like',
      data: { train: counted(train, 'train', events), valid: counted(valid, 'valid', events) },
      recipe: small(),
      store,
      onEvent: (e) => { kinds.push(e.kind); if (e.kind !== 'tested') events.push(e.kind); },
      readTest: () => { readTestCalls++; events.push('readTest'); return counted(taskSplit('test'), 'test', events); },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(readTestCalls).toBe(1);
    const firstTest = events.indexOf('readTest');
    expect(events.lastIndexOf('hpo-trial')).toBeLessThan(firstTest);
    expect(events.lastIndexOf('epoch')).toBeLessThan(firstTest);
    expect(events.slice(0, firstTest).every((e) => ['train', 'valid', 'hpo-trial', 'hpo', 'start', 'epoch'].includes(e))).toBe(true);
    expect(events.slice(firstTest + 1).every((e) => e === 'test')).toBe(true);
    expect(kinds).toEqual(['hpo-trial', 'hpo-trial', 'hpo-trial', 'hpo-trial', 'hpo-trial', 'hpo-trial', 'hpo', 'start', 'epoch', 'epoch', 'tested']);

    const hpo = report.hpo!;
    expect(hpo).toBeDefined();
    expect(store.hpos.get('a')).toEqual(hpo);
    expect(hpo).toMatchObject({ configs: 4, eta: 2, min_epochs: 1 });
    expect(hpo.trials.map((t) => [t.rung, t.epochs])).toEqual([[0, 1], [0, 1], [0, 1], [0, 1], [1, 2], [1, 2]]);
    const chosenTrial = hpo.trials.find((t) => t.rung === 0 && t.config === hpo.chosen.config)!;
    // The final training used the choice: same seed and values, so its first epoch is the chosen trial's rung 0,
    // and at the full budget it keeps what the chosen trial measured.
    expect(report.retrain.history[0].validAcc).toBe(chosenTrial.valid_acc);
    expect(report.valid_acc).toBe(hpo.chosen.valid_acc);
    expect(report.test.split).toBe('test');
    uninterrupted = report;
  });

  it('a resumed stage reuses the stored search and ends where the uninterrupted one ends', async () => {
    const store = memoryStore();
    const signal = { aborted: false };
    const saveState = store.saveState.bind(store);
    store.saveState = (k, s) => { saveState(k, s); if (s.epoch === 1) signal.aborted = true; };
    const stage = (onEvent?: (e: StageEvent) => void) => runFinalistsStage({
      entries: [{ key: 'a', model, seed: 17, curveStop: false }], classes: ['zero', 'one'], hint: 'digit-like',
      data: { train, valid }, recipe: small(), store, signal, onEvent, readTest: () => taskSplit('test'),
    });
    await expect(stage()).rejects.toThrow(/cancelled/);
    expect(store.hpos.has('a')).toBe(true);
    expect(store.states.get('a')?.epoch).toBe(1);

    signal.aborted = false;
    const kinds: StageEvent[] = [];
    const before = tf.memory().numTensors;
    const [report] = await stage((e) => kinds.push(e));
    expect(tf.memory().numTensors).toBe(before);
    expect(kinds.some((e) => e.kind === 'hpo-trial')).toBe(false);
    expect(kinds.filter((e) => e.kind === 'hpo').map((e) => e.kind === 'hpo' && e.reused)).toEqual([true]);
    expect(kinds.find((e) => e.kind === 'start')).toMatchObject({ resumedAfterEpoch: 1 });
    expect(report).toEqual(uninterrupted);
  });

  it('refuses a stored search made with other settings, saying which', async () => {
    const stored = uninterrupted.hpo!;
    const s = small().hpo;
    expect(checkHpoReport(stored, s, 'a')).toBe(stored);
    expect(() => checkHpoReport(stored, { ...s, eta: 3 }, 'a')).toThrow(/stored HPO outcome of "a" was made with configs=4, eta=2, minEpochs=1; the recipe says 4, 3, 1/);
    expect(() => checkHpoReport(stored, { ...s, learningRate: { min: 2, max: 3 } }, 'a')).toThrow(/lie outside the recipe's ranges/);
  });
});

describe('hpo settings in the recipe', () => {
  it('is off by default with ASHA-style defaults', () => {
    expect(DEFAULT_FINALIST_RECIPE.hpo).toEqual({
      enabled: false, configs: 9, eta: 3, minEpochs: 1, learningRate: { min: 0.005, max: 0.5 }, weightDecay: { min: 1e-5, max: 1e-2 },
    });
    expect(parseFinalistRecipe({ hpo: { enabled: true, learningRate: { max: 0.1 } } }).hpo).toMatchObject({ enabled: true, learningRate: { min: 0.005, max: 0.1 } });
  });

  it('names every bad field and rejects unknown ones', () => {
    const msg = (input: unknown) => {
      try {
        parseFinalistRecipe(input);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    const m = msg({ hpo: { enabled: 'yes', configs: 1, eta: 1, minEpochs: 0, learningRate: { min: 0, mx: 1 }, weightDecay: { max: 2 }, n: 9 } });
    expect(m).toMatch(/hpo.enabled: hpo.enabled must be true or false/);
    expect(m).toMatch(/hpo.configs: hpo.configs must be >= 2/);
    expect(m).toMatch(/hpo.eta: hpo.eta must be >= 2/);
    expect(m).toMatch(/hpo.minEpochs: hpo.minEpochs must be >= 1/);
    expect(m).toMatch(/hpo.learningRate.min: hpo.learningRate.min must be > 0/);
    expect(m).toMatch(/hpo.learningRate.mx: unknown hpo.learningRate field/);
    expect(m).toMatch(/hpo.weightDecay.max: hpo.weightDecay.max must be <= 1/);
    expect(m).toMatch(/hpo.n: unknown hpo field/);
    expect(msg({ hpo: 'on' })).toMatch(/hpo: hpo must be an object/);
    expect(msg({ hpo: { learningRate: { min: 0.5, max: 0.1 }, weightDecay: { min: 0.1, max: 0.01 } } }))
      .toMatch(/hpo.learningRate: min \(0.5\) must be <= max \(0.1\); hpo.weightDecay: min \(0.1\) must be <= max \(0.01\)/);
    expect(msg({ epochs: 3, hpo: { minEpochs: 4 } })).toMatch(/hpo.minEpochs \(4\) must be <= epochs \(3\)/);
  });
});
