/**
 * The finalists stage, storage-free like the search cores: re-train each entry from scratch with one recipe
 * (retrain.ts), then read the locked test split once for it (evaluate-test.ts), in order. Entries are searched
 * finalists, hand-designed baselines or distilled students alike (model-source.ts), so one comparison table holds
 * them all. The host supplies the data, the test accessor and a store:
 *  - `store.result(key)`: a model already tested in an earlier session is reported from the store and NOT tested
 *    again (the test split stays read once per model across resumes);
 *  - `store.state(key)` / `saveState`: the re-training checkpoint after every epoch (resume after a reload);
 *  - `saveResult(key, report, net)`: called with the trained network still alive (a registry keeps its weights).
 * The learning-curve stop of an entry compares against the best validation accuracy of the entries before it
 * that opted in (`curveStop`), so a hopeless finalist stops early while baselines always train fully.
 * With the recipe's `hpo` enabled, each entry first gets its learning rate and weight decay by successive halving
 * on validation (hpo.ts; the test split is out of its reach), kept through `store.hpo` / `saveHpo` so a resumed
 * stage does not search again; the entry's report carries the trials and the choice.
 */
import type { TensorSplit } from '../evaluator/tensors';
import type { Network } from '../model/network';
import type { HpoReport, TrainedReport } from '../../shared/finalist-result';
import type { DatasetHint, FinalistRecipe } from '../../shared/finalist-recipe';
import type { AbortSignalLike } from '../util/abort';
import { evaluateOnTest, type EvaluateTestOptions } from './evaluate-test';
import { checkHpoReport, hpoReport, runHpo, withHpoChoice, type HpoTrial } from './hpo';
import type { ModelSource } from './model-source';
import { retrainFinalist, type EpochRecord, type RetrainReport, type RetrainState, type Teacher } from './retrain';
import type { WeightsSnapshot } from './retrain-state';
import type { TestEvaluation } from './evaluate-test';

export interface StageEntry {
  /** Stable across sessions: names the entry's checkpoint and result. */
  readonly key: string;
  readonly model: ModelSource;
  readonly seed: number;
  /** Whether the learning-curve stop may end this entry early (and whether it sets the bar for later ones). */
  readonly curveStop: boolean;
  /** A distilled student's teacher (distill-stage.ts); absent: trained on the hard labels alone. */
  readonly teacher?: Teacher;
}

type MaybePromise<T> = T | Promise<T>;

export interface StageStore {
  result(key: string): MaybePromise<TrainedReport | undefined>;
  state(key: string): MaybePromise<RetrainState | undefined>;
  saveState(key: string, state: RetrainState): MaybePromise<void>;
  /** The trained network is alive during the call and disposed after it. */
  saveResult(key: string, report: TrainedReport, net: Network): MaybePromise<void>;
  /** The entry's finished learning-rate / weight-decay search (recipe.hpo), if any. */
  hpo?(key: string): MaybePromise<HpoReport | undefined>;
  saveHpo?(key: string, report: HpoReport): MaybePromise<void>;
  /** The weights saved with a result, if the store keeps them (a distillation teacher tested in an earlier session). */
  weights?(key: string): MaybePromise<WeightsSnapshot | undefined>;
}

export type StageEvent =
  | { readonly kind: 'reused'; readonly key: string; readonly index: number; readonly report: TrainedReport }
  | { readonly kind: 'start'; readonly key: string; readonly index: number; readonly resumedAfterEpoch: number }
  | { readonly kind: 'epoch'; readonly key: string; readonly index: number; readonly record: EpochRecord }
  | { readonly kind: 'hpo-trial'; readonly key: string; readonly index: number; readonly trial: HpoTrial }
  | { readonly kind: 'hpo'; readonly key: string; readonly index: number; readonly hpo: HpoReport; readonly reused: boolean }
  | { readonly kind: 'tested'; readonly key: string; readonly index: number; readonly report: TrainedReport };

export interface StageOptions {
  readonly entries: readonly StageEntry[];
  /** Normalised train and validation tensors (never the test split). */
  readonly data: { readonly train: TensorSplit; readonly valid: TensorSplit };
  /** The locked test split, freshly materialised; called once per entry tested in this session, after its training. */
  readonly readTest: () => TensorSplit;
  readonly classes: readonly string[];
  readonly recipe: FinalistRecipe;
  readonly hint: DatasetHint;
  readonly store?: StageStore;
  readonly latency?: EvaluateTestOptions['latency'];
  readonly signal?: AbortSignalLike;
  readonly onEvent?: (e: StageEvent) => void;
}

/** The engine's reports as the JSON shape every host and view shares. */
export function trainedReport(retrain: RetrainReport, test: TestEvaluation, classes: readonly string[]): TrainedReport {
  return {
    params: test.params,
    macs: test.macs,
    ...(test.latencyMs !== undefined ? { latency_ms: test.latencyMs } : {}),
    backend: test.backend,
    valid_acc: retrain.validAcc,
    retrain: {
      epochs: retrain.history.length,
      best_epoch: retrain.epoch,
      stop: retrain.stop,
      class_weights: retrain.classWeights,
      flip: retrain.flip,
      train_count: retrain.trainCount,
      history: retrain.history,
    },
    test: {
      split: 'test',
      count: test.count,
      accuracy: test.accuracy,
      macro_recall: test.macroRecall,
      per_class: test.perClass.map((c, k) => ({ class: classes[k] ?? String(k), precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })),
      confusion: test.confusion,
      ece: test.ece,
      reliability: test.reliability,
    },
  };
}

/** The entry's stored HPO outcome, else a new search (saved before the final training starts). */
async function entryHpo(o: StageOptions, e: StageEntry, index: number): Promise<HpoReport> {
  const stored = await o.store?.hpo?.(e.key);
  if (stored !== undefined) {
    const hpo = checkHpoReport(stored, o.recipe.hpo, e.key);
    o.onEvent?.({ kind: 'hpo', key: e.key, index, hpo, reused: true });
    return hpo;
  }
  const result = await runHpo({
    model: e.model, data: o.data, recipe: o.recipe, hint: o.hint, seed: e.seed, signal: o.signal,
    onTrial: (trial) => o.onEvent?.({ kind: 'hpo-trial', key: e.key, index, trial }),
  });
  const hpo = hpoReport(result, o.recipe.hpo);
  await o.store?.saveHpo?.(e.key, hpo);
  o.onEvent?.({ kind: 'hpo', key: e.key, index, hpo, reused: false });
  return hpo;
}

/** Reports in entry order. */
export async function runFinalistsStage(o: StageOptions): Promise<TrainedReport[]> {
  const keys = new Set<string>();
  for (const e of o.entries) {
    if (keys.has(e.key)) throw new Error(`finalists stage: two entries share the key "${e.key}"`);
    keys.add(e.key);
  }
  const reports: TrainedReport[] = [];
  let bestValidPct = -Infinity;
  for (let index = 0; index < o.entries.length; index++) {
    const e = o.entries[index];
    const done = await o.store?.result(e.key);
    if (done) {
      if (e.curveStop) bestValidPct = Math.max(bestValidPct, done.valid_acc * 100);
      reports.push(done);
      o.onEvent?.({ kind: 'reused', key: e.key, index, report: done });
      continue;
    }
    const hpo = o.recipe.hpo.enabled ? await entryHpo(o, e, index) : undefined;
    const resumeFrom = await o.store?.state(e.key);
    o.onEvent?.({ kind: 'start', key: e.key, index, resumedAfterEpoch: resumeFrom?.epoch ?? 0 });
    const store = o.store;
    const { net, report: retrain } = await retrainFinalist({
      model: e.model,
      data: o.data,
      recipe: hpo ? withHpoChoice(o.recipe, hpo) : o.recipe,
      hint: o.hint,
      seed: e.seed,
      curveBestSoFar: e.curveStop && Number.isFinite(bestValidPct) ? bestValidPct : undefined,
      teacher: e.teacher,
      resumeFrom,
      save: store ? (s) => store.saveState(e.key, s) : undefined,
      signal: o.signal,
      onEpoch: (record) => o.onEvent?.({ kind: 'epoch', key: e.key, index, record }),
    });
    try {
      // The only read of the locked test split for this entry: once, after its training.
      const test = await evaluateOnTest({ net, model: e.model, readTest: o.readTest, batchSize: o.recipe.batchSize * 4, latency: o.latency });
      const report: TrainedReport = { ...trainedReport(retrain, test, o.classes), ...(hpo ? { hpo } : {}) };
      await store?.saveResult(e.key, report, net);
      if (e.curveStop) bestValidPct = Math.max(bestValidPct, report.valid_acc * 100);
      reports.push(report);
      o.onEvent?.({ kind: 'tested', key: e.key, index, report });
    } finally {
      net.dispose();
    }
  }
  return reports;
}
