/**
 * What the finalists stage reports for each model it re-trained and tested, as plain JSON (the headless runner's
 * output, the model registry's record, the app's tables): params, MACs, measured latency, the kept weights'
 * validation accuracy, the re-training history, and the TEST numbers (marked `split: 'test'`, read once).
 * A searched finalist adds its candidate id, arch, hash and what the search measured.
 */
import type { FinalistRecipe } from './finalist-recipe';
import { checkTargets, type Target, type TargetResult } from './targets';

export interface EpochReport {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validAcc: number;
  readonly learningRate: number;
}

export interface ClassReport {
  readonly class: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface ReliabilityReport {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly accuracy: number;
  readonly confidence: number;
}

export interface TestReport {
  readonly split: 'test';
  readonly count: number;
  readonly accuracy: number;
  readonly macro_recall: number;
  readonly per_class: readonly ClassReport[];
  readonly confusion: readonly (readonly number[])[];
  readonly ece: number;
  readonly reliability: readonly ReliabilityReport[];
}

export interface RetrainSummary {
  readonly epochs: number;
  readonly best_epoch: number;
  readonly stop: string;
  readonly class_weights: readonly number[];
  readonly flip: boolean;
  readonly train_count: number;
  readonly history: readonly EpochReport[];
}

/** One configuration trained to one rung of the learning-rate / weight-decay search (validation only). */
export interface HpoTrialReport {
  /** Index of the configuration in the order it was drawn. */
  readonly config: number;
  readonly learning_rate: number;
  readonly weight_decay: number;
  /** 0-based rung of successive halving. */
  readonly rung: number;
  /** Epochs trained when measured (the rung's budget, or fewer after early stopping). */
  readonly epochs: number;
  /** Validation accuracy (0..1) of the weights kept at the end of the rung. */
  readonly valid_acc: number;
}

/** The search of learning rate and weight decay that chose the final training's values (engine/finalists/hpo.ts). */
export interface HpoReport {
  readonly configs: number;
  readonly eta: number;
  readonly min_epochs: number;
  readonly trials: readonly HpoTrialReport[];
  readonly chosen: { readonly config: number; readonly learning_rate: number; readonly weight_decay: number; readonly valid_acc: number };
}

/** One re-trained and tested model. */
export interface TrainedReport {
  readonly params: number;
  readonly macs: number;
  /** Median batch-1 latency on the backend that trained it. */
  readonly latency_ms?: number;
  readonly backend: string;
  /** Validation accuracy (0..1) of the re-trained weights kept. */
  readonly valid_acc: number;
  readonly retrain: RetrainSummary;
  readonly test: TestReport;
  readonly targets?: readonly TargetResult[];
  /** Present when the recipe's hpo section chose this model's learning rate and weight decay. */
  readonly hpo?: HpoReport;
}

/** A searched candidate, re-trained and tested. */
export interface FinalistOutput extends TrainedReport {
  readonly id: number;
  readonly arch: string;
  readonly hash: string;
  /** What the search measured (its proxy budget), for comparison. */
  readonly search: { readonly objective: number | null; readonly valid_acc?: number };
  /** The seed its weights and batch order were drawn from (absent in output written before it was recorded). */
  readonly seed?: number;
  /** The recipe it was re-trained with, every default filled in (absent in output written before it was recorded). */
  readonly recipe?: FinalistRecipe;
  /** A one-shot finalist: the supernet it was derived or ranked in (`run/configHash@epoch`). */
  readonly lineage?: { readonly supernet: string };
}

/** The report with its targets checked (none given: unchanged). */
export function withTargets<R extends TrainedReport>(r: R, targets: readonly Target[]): R {
  if (targets.length === 0) return r;
  const t = r.test;
  return {
    ...r,
    targets: checkTargets(targets, {
      scalars: { accuracy: t.accuracy, macro_recall: t.macro_recall, ece: t.ece, params: r.params, macs: r.macs, latency_ms: r.latency_ms, valid_acc: r.valid_acc },
      perClass: Object.fromEntries(t.per_class.map((c) => [c.class, { precision: c.precision, recall: c.recall, f1: c.f1 }])),
    }),
  };
}
