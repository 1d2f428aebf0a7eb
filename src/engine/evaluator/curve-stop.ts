/**
 * Stopping a search's hopeless candidates early by learning-curve extrapolation.
 *
 * After Domhan, Springenberg & Hutter, "Speeding up automatic hyperparameter optimization of deep neural networks
 * by extrapolation of learning curves" (IJCAI 2015): while a candidate trains for its proxy epochs, its validation
 * curve is extrapolated after each epoch (from the third on: learning-curve.ts fits three parameters) to the last
 * epoch, and training stops when the candidate predictably cannot beat the best of the run so far.
 *
 * The bar is the search's best OBJECTIVE so far (loop.ts passes it to the evaluator with each candidate, see
 * EvaluationContext), not its best accuracy: the objective is validation accuracy minus non-negative cost
 * penalties (the run config requires objective.metric "valid_acc" for curve stopping), so a candidate whose
 * accuracy stays below the best objective cannot win even if it were cheaper, while one with a lower accuracy but
 * a smaller penalty might — comparing with the best accuracy would stop it wrongly. Infeasible candidates never
 * set the bar (their objective is -Infinity), and while nothing is feasible nothing is stopped.
 *
 * The rule: stop when BOTH the predicted final accuracy and the best accuracy measured so far, plus `margin`
 * percentage points, are below the bar. A stopped candidate is logged with its honest measured metrics: valid_acc
 * is the best validation accuracy of the epochs it trained (not the prediction: every valid_acc in a log is a
 * measurement), plus `curve_stopped` 1, `predicted_final_acc`, `curve_bar` and `epochs_planned` (`epochs` holds
 * the epochs it did train). Requiring the measured accuracy below the bar too is what keeps its objective honest in
 * the ranking: its valid_acc (hence its objective) is below the best objective of the run when it stopped, so a
 * stopped candidate can never become the run's best or rank above the candidate that set the bar, while a
 * candidate that has already measured above the bar is never called hopeless. Domhan et al. report the predicted
 * value to the optimiser instead; we keep the measured one and log the prediction beside it.
 *
 * Which candidates stop depends on the order the strategy proposes them in (the bar rises during a run); it is
 * still deterministic: the same config and seed give the same log, also across a stop and resume, since the bar
 * is recomputed from the logged candidates.
 */
import { predictFinal } from './learning-curve';

export interface CurveStopOptions {
  /** Percentage points of validation accuracy granted before a candidate counts as hopeless. */
  readonly margin: number;
}

/** Why a candidate was stopped (accuracies in percent). */
export interface CurveStopDecision {
  /** The extrapolated validation accuracy at the last planned epoch. */
  readonly predictedFinalAcc: number;
  /** The best objective of the run it was compared with. */
  readonly bar: number;
}

/**
 * Whether to stop after the epochs in `curve` (validation accuracy in percent per epoch) out of `finalEpoch`:
 * the decision, or null to go on (fewer than 3 epochs, the last epoch reached, or no finite bar).
 */
export function curveStopDecision(curve: readonly number[], bar: number | null, finalEpoch: number, margin: number): CurveStopDecision | null {
  if (bar === null || !Number.isFinite(bar) || curve.length < 3 || curve.length >= finalEpoch) return null;
  const measured = Math.max(...curve);
  if (measured + margin >= bar) return null;
  const predicted = predictFinal(curve, finalEpoch).mean;
  return predicted + margin < bar ? { predictedFinalAcc: predicted, bar } : null;
}
