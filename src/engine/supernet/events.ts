/**
 * Progress events of the one-shot searchers (SPOS, DARTS, PC-DARTS), a typed union for the worker to forward.
 * Everything is plain JSON data.
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
  | { readonly type: 'genotype'; readonly epoch: number; readonly genotype: G; readonly arch: string; readonly changed: boolean }
  /** RobustDARTS indicator: dominant eigenvalue of the validation-loss Hessian w.r.t. the alphas. */
  | { readonly type: 'eigenvalue'; readonly epoch: number; readonly value: number }
  | { readonly type: 'early-stop'; readonly epoch: number; readonly reason: string }
  /** One subnet scored with inherited weights (SPOS ranking). */
  | { readonly type: 'subnet'; readonly index: number; readonly total: number; readonly subnet: RankedSubnet<G> }
  /** Ranking done: every scored subnet best first, and the top k to re-train. */
  | { readonly type: 'ranked'; readonly ranked: RankedSubnet<G>[]; readonly topK: RankedSubnet<G>[] };

export type OneShotEventType = OneShotEvent<unknown>['type'];

export interface OneShotHooks<G> {
  readonly signal?: { readonly aborted: boolean };
  readonly onEvent?: (e: OneShotEvent<G>) => void;
  /** Lets the caller's event loop run (worker messages, cancel) between steps. */
  readonly yieldNow?: () => Promise<void>;
}
