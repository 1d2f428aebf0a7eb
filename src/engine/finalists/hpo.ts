/**
 * Learning rate and weight decay for one finalist by successive halving (Jamieson & Talwalkar, "Non-stochastic Best
 * Arm Identification and Hyperparameter Optimization", AISTATS 2016), run the way ASHA runs it (Li et al., "A
 * System for Massively Parallel Hyperparameter Tuning", MLSys 2020) but sequentially: `configs` pairs drawn
 * log-uniformly from the recipe's ranges with a seeded rng, rung k trains the survivors to minEpochs * eta^k epochs
 * (at most the recipe's epochs), and the best floor(size / eta) by VALIDATION accuracy are promoted. The function
 * gets train and validation tensors only: it has no way to reach the test split.
 *
 * A promoted configuration CONTINUES from its rung state (ASHA's rule), it does not restart with the bigger budget:
 *  - every trial runs the final training's own schedule (warm-up + cosine over the recipe's epochs) with the
 *    finalist's seed, paused after the rung's epochs (retrain.ts `stopAfterEpoch`); retrain resumes bit for bit,
 *    so a trial at rung k is exactly the final training of that configuration after those epochs, and the
 *    configuration is chosen on the trajectory it will be trained on;
 *  - it costs n r + (n / eta)(eta - 1) r + ... epochs instead of n r per rung (9 -> 3 at r = 1: 15 epochs, not 18).
 *  The price: early rungs rank models whose learning rate has barely decayed (successive halving's short-horizon
 *  bias); restarting each rung with a schedule annealed to its own budget would rank annealed models, at more cost
 *  and with a schedule the final training does not use.
 * The last rung of successive halving (one configuration at the full budget) is not run here: it is the stage's
 * final training, which starts again from scratch with the same seed (retracing the winner's epochs, bit for bit
 * when the recipe trains on 'train') so the stage keeps one checkpointed path. Trials always train on the train
 * split alone, whatever the recipe's trainOn, so validation stays unseen. All configurations share the seed
 * (same initial weights and batch order: common random numbers), so rungs compare the hyperparameters, not luck.
 * Ties in validation accuracy go to the configuration drawn first.
 */
import type { HpoReport } from '../../shared/finalist-result';
import type { DatasetHint, FinalistRecipe, HpoSettings } from '../../shared/finalist-recipe';
import type { TensorSplit } from '../evaluator/tensors';
import type { AbortSignalLike } from '../util/abort';
import { createRng, type Rng } from '../util/rng';
import type { ModelSource } from './model-source';
import { retrainFinalist, type RetrainState } from './retrain';

export interface HpoOptions {
  readonly model: ModelSource;
  /** Normalised train and validation tensors (never the test split). */
  readonly data: { readonly train: TensorSplit; readonly valid: TensorSplit };
  /** The final training's recipe; its `hpo` section sets the search. */
  readonly recipe: FinalistRecipe;
  readonly hint?: DatasetHint;
  /** The finalist's training seed (shared by every trial); the draws use a stream derived from it. */
  readonly seed: number;
  readonly signal?: AbortSignalLike;
  readonly onTrial?: (t: HpoTrial) => void;
}

export interface HpoTrial {
  readonly config: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly rung: number;
  /** Epochs trained when measured (fewer than the rung's budget only after early stopping on patience). */
  readonly epochs: number;
  /** Validation accuracy in [0, 1] of the weights retrain keeps (the best epoch's so far). */
  readonly validAcc: number;
}

export interface HpoResult {
  readonly trials: readonly HpoTrial[];
  /** The best configuration of the last rung run. */
  readonly chosen: HpoTrial;
}

export interface Rung {
  readonly configs: number;
  readonly epochs: number;
}

/**
 * The rungs run before the final training: sizes n, floor(n / eta), ... while the next rung would still hold
 * more than one configuration, budgets r eta^k capped at maxEpochs (a rung at the cap is the last).
 * (9, 3, 1, 9): [9 x 1, 3 x 3], and the one survivor is the final training.
 */
export function successiveHalving(n: number, eta: number, minEpochs: number, maxEpochs: number): Rung[] {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(eta) && eta >= 2 && Number.isInteger(minEpochs) && minEpochs >= 1 && minEpochs <= maxEpochs)) {
    throw new Error(`successive halving: need integers n >= 1, eta >= 2, 1 <= minEpochs <= maxEpochs; got n=${n}, eta=${eta}, minEpochs=${minEpochs}, maxEpochs=${maxEpochs}`);
  }
  const rungs: Rung[] = [];
  for (let size = n, budget = minEpochs; ; size = Math.floor(size / eta), budget *= eta) {
    const epochs = Math.min(budget, maxEpochs);
    rungs.push({ configs: size, epochs });
    if (Math.floor(size / eta) <= 1 || epochs >= maxEpochs) return rungs;
  }
}

/** Best first; ties: the configuration drawn first. */
export function rankByValidation(trials: readonly HpoTrial[]): HpoTrial[] {
  return trials.slice().sort((a, b) => b.validAcc - a.validAcc || a.config - b.config);
}

function logUniform(rng: Rng, { min, max }: { readonly min: number; readonly max: number }): number {
  const u = rng.next();
  return min === max ? min : Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
}

/** The configurations a seed draws (learning rate, then weight decay, per configuration). */
export function drawConfigs(settings: HpoSettings, seed: number): { learningRate: number; weightDecay: number }[] {
  const rng = createRng((seed ^ 0x4a5f0b2d) >>> 0);
  return Array.from({ length: settings.configs }, () => ({ learningRate: logUniform(rng, settings.learningRate), weightDecay: logUniform(rng, settings.weightDecay) }));
}

export async function runHpo(o: HpoOptions): Promise<HpoResult> {
  const { hpo } = o.recipe;
  const rungs = successiveHalving(hpo.configs, hpo.eta, hpo.minEpochs, o.recipe.epochs);
  const configs = drawConfigs(hpo, o.seed);
  const states = new Map<number, RetrainState>();
  const trials: HpoTrial[] = [];
  let alive = configs.map((_, i) => i);
  let ranked: HpoTrial[] = [];
  for (let rung = 0; rung < rungs.length; rung++) {
    const measured: HpoTrial[] = [];
    for (const config of alive) {
      const { learningRate, weightDecay } = configs[config];
      const { net, report } = await retrainFinalist({
        model: o.model,
        data: o.data,
        recipe: { ...o.recipe, learningRate, weightDecay, trainOn: 'train' },
        hint: o.hint,
        seed: o.seed,
        resumeFrom: states.get(config),
        stopAfterEpoch: rungs[rung].epochs,
        save: (s) => { states.set(config, s); },
        signal: o.signal,
      });
      net.dispose();
      const trial: HpoTrial = { config, learningRate, weightDecay, rung, epochs: report.history.length, validAcc: report.validAcc };
      measured.push(trial);
      trials.push(trial);
      o.onTrial?.(trial);
    }
    ranked = rankByValidation(measured);
    const next = rungs[rung + 1];
    alive = next ? ranked.slice(0, next.configs).map((t) => t.config).sort((a, b) => a - b) : [];
    for (const config of states.keys()) if (!alive.includes(config)) states.delete(config);
  }
  return { trials, chosen: ranked[0] };
}

/** The result as the report's JSON shape (shared/finalist-result.ts). */
export function hpoReport(r: HpoResult, settings: HpoSettings): HpoReport {
  const t = (x: HpoTrial) => ({ config: x.config, learning_rate: x.learningRate, weight_decay: x.weightDecay, rung: x.rung, epochs: x.epochs, valid_acc: x.validAcc });
  const { config, learning_rate, weight_decay, valid_acc } = t(r.chosen);
  return { configs: settings.configs, eta: settings.eta, min_epochs: settings.minEpochs, trials: r.trials.map(t), chosen: { config, learning_rate, weight_decay, valid_acc } };
}

/** A stored outcome checked against the recipe's settings; throws naming what does not fit. */
export function checkHpoReport(r: HpoReport, settings: HpoSettings, key: string): HpoReport {
  const what = `stored HPO outcome of "${key}"`;
  if (r === null || typeof r !== 'object' || r.chosen === null || typeof r.chosen !== 'object' || !Array.isArray(r.trials)) {
    throw new Error(`${what} must be an object with "trials" and "chosen"`);
  }
  if (r.configs !== settings.configs || r.eta !== settings.eta || r.min_epochs !== settings.minEpochs) {
    throw new Error(`${what} was made with configs=${r.configs}, eta=${r.eta}, minEpochs=${r.min_epochs}; the recipe says ${settings.configs}, ${settings.eta}, ${settings.minEpochs}`);
  }
  const inRange = (x: unknown, { min, max }: { min: number; max: number }) => typeof x === 'number' && x >= min && x <= max;
  if (!inRange(r.chosen.learning_rate, settings.learningRate) || !inRange(r.chosen.weight_decay, settings.weightDecay)) {
    throw new Error(`${what}: chosen learning rate ${r.chosen.learning_rate} / weight decay ${r.chosen.weight_decay} lie outside the recipe's ranges`);
  }
  return r;
}

/** The final training's recipe: the chosen learning rate and weight decay. */
export function withHpoChoice(recipe: FinalistRecipe, r: HpoReport): FinalistRecipe {
  return { ...recipe, learningRate: r.chosen.learning_rate, weightDecay: r.chosen.weight_decay };
}
