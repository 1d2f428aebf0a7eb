/**
 * Progress events of the one-shot searchers (SPOS, DARTS, PC-DARTS) and of the supernet ranking check, as plain
 * JSON data: the engine emits them (engine/supernet/events.ts, ranking-check.ts), the worker forwards them and
 * folds them into the stored history, the app folds them into its live charts (./oneshot-history.ts).
 */

export interface RankedSubnet<G> {
  readonly genotype: G;
  /** The space's text form of the genotype. */
  readonly arch: string;
  /** Validation accuracy (%) with inherited weights after batch-norm recalibration. */
  readonly accuracy: number;
  /** Cost used by the penalty (MFLOPs); 0 when no cost function was given. */
  readonly mflops: number;
  /** accuracy - lambda * mflops: what the ranking sorts by (descending). */
  readonly objective: number;
  /** The space's canonical hash of the genotype (set by the one-shot run core; absent in runs stored before it). */
  readonly hash?: string;
}

export type OneShotEvent<G> =
  /** One search step. validLoss/validAcc: the validation batch of the architecture step (DARTS), null for SPOS. */
  | { readonly type: 'step'; readonly epoch: number; readonly step: number; readonly globalStep: number; readonly lr: number;
      readonly trainLoss: number; readonly validLoss: number | null; readonly validAcc: number | null }
  /** End of an epoch: mean losses/accuracies over its steps. */
  | { readonly type: 'epoch'; readonly epoch: number; readonly lr: number; readonly trainLoss: number;
      readonly validLoss: number | null; readonly validAcc: number | null }
  /**
   * Softmaxed alphas, one row per edge (groups concatenated: NB201 'cell'; DARTS 'normal' then 'reduce'),
   * labels `group:edge`; betas (normalised per node, same row order) when edge normalisation is on.
   */
  | { readonly type: 'alphas'; readonly epoch: number; readonly alphas: number[][]; readonly edges: string[];
      readonly ops: string[]; readonly betas?: number[] }
  /** hash: the space's canonical hash (set by the one-shot run core, engine/search/oneshot-run.ts). */
  | { readonly type: 'genotype'; readonly epoch: number; readonly genotype: G; readonly arch: string; readonly changed: boolean; readonly hash?: string }
  /** RobustDARTS indicator: dominant eigenvalue of the validation-loss Hessian w.r.t. the alphas. */
  | { readonly type: 'eigenvalue'; readonly epoch: number; readonly value: number }
  | { readonly type: 'early-stop'; readonly epoch: number; readonly reason: string }
  /** One subnet scored with inherited weights (SPOS ranking). */
  | { readonly type: 'subnet'; readonly index: number; readonly total: number; readonly subnet: RankedSubnet<G> }
  /** Ranking done: every scored subnet best first, and the top k to re-train. */
  | { readonly type: 'ranked'; readonly ranked: RankedSubnet<G>[]; readonly topK: RankedSubnet<G>[] };

export type OneShotEventType = OneShotEvent<unknown>['type'];

/** A supernet-vs-standalone ranking check's scores for one subnet (Yu et al., ICLR 2020). */
export interface RankingCheckSubnet {
  readonly arch: string;
  readonly supernetScore: number;
  readonly standaloneScore: number;
}

export interface RankingCheckResult {
  readonly version: number;
  readonly n: number;
  readonly kendallTau: number;
  readonly spearman: number;
  readonly topK: number;
  /** |supernet top k ∩ standalone top k| / k. */
  readonly topKOverlap: number;
  readonly subnets: RankingCheckSubnet[];
}

/** The events that carry chart data: the searcher's, plus the ranking check's progress and result. */
export type OneShotChartEvent<G> =
  | OneShotEvent<G>
  | { readonly type: 'check-subnet'; readonly index: number; readonly total: number; readonly subnet: RankingCheckSubnet }
  | { readonly type: 'ranking-check'; readonly result: RankingCheckResult };

/** The worker's notes that carry no chart data (their full shapes: src/protocol/oneshot-api.ts OneShotUiEvent). */
export interface OneShotNoteEvent {
  readonly type: 'run' | 'backend' | 'checkpoint' | 'log' | 'backend-lost';
  readonly [field: string]: unknown;
}
