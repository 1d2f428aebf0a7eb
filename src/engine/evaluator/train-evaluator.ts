/**
 * Evaluates a candidate by building it, training it on the train split for a short budget, scoring it on
 * the validation split, and measuring its inference latency on the live backend. Each candidate's
 * weights and batch order come from (run seed, candidate hash), so a genotype scores the same whatever
 * order a strategy proposes it in — unless curve stopping (curve-stop.ts) ends it early against the run's best so far.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../model/network';
import { DEFAULT_LATENCY_OPTIONS, measureLatency, type LatencyOptions } from '../profiler/latency';
import type { Candidate } from '../strategy/types';
import type { AbortSignalLike } from '../util/abort';
import { createRng, type Rng } from '../util/rng';
import { trainNetwork, type EpochReport, type TrainOptions } from './train';
import type { TensorSplit } from './tensors';
import type { EvaluationContext, Evaluator } from './types';
import type { CurveStopOptions } from './curve-stop';

export interface TrainEvaluatorConfig<G> {
  readonly train: TensorSplit;
  readonly valid: TensorSplit;
  readonly build: (g: G, rng: Rng) => Network;
  readonly trainOptions: TrainOptions;
  readonly seed: number;
  /** Omit to skip latency measurement. */
  readonly latency?: Partial<Omit<LatencyOptions, 'now'>> & { readonly now: () => number };
  /** Extra metrics computed from the genotype alone (params, FLOPs...). */
  readonly costs?: (g: G) => Record<string, number>;
  readonly yieldNow?: () => Promise<void>;
  readonly onEpoch?: (candidate: Candidate<G>, e: EpochReport) => void;
  /**
   * Stop hopeless candidates by learning-curve extrapolation (curve-stop.ts) against the search's best objective
   * (EvaluationContext). Absent: the metrics are exactly those of a run without the option.
   */
  readonly curveStop?: CurveStopOptions;
}

/** FNV-1a of a string, to mix a candidate's hash into its seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** With curve stopping on: whether the candidate was stopped and, if so, against what and out of how many epochs. */
function curveMetrics(bar: number | undefined, epochs: number): Record<string, number> {
  return bar === undefined ? { curve_stopped: 0 } : { curve_stopped: 1, curve_bar: bar, epochs_planned: epochs };
}

export class TrainEvaluator<G> implements Evaluator<G> {
  constructor(private readonly cfg: TrainEvaluatorConfig<G>) {}

  async evaluate(c: Candidate<G>, signal?: AbortSignalLike, context?: EvaluationContext): Promise<Record<string, number>> {
    const { cfg } = this;
    const rng = createRng((cfg.seed ^ hashString(c.hash)) >>> 0);
    const net = cfg.build(c.genotype, rng);
    try {
      const t0 = Date.now();
      const result = await trainNetwork(net, cfg.train, cfg.valid, cfg.trainOptions, rng, {
        signal,
        yieldNow: cfg.yieldNow,
        onEpoch: (e) => cfg.onEpoch?.(c, e),
        curveStop: cfg.curveStop ? { margin: cfg.curveStop.margin, bestSoFar: () => context?.bestObjective ?? null } : undefined,
      });
      const metrics: Record<string, number> = {
        valid_acc: result.validAcc * 100,
        train_loss: result.finalTrainLoss,
        epochs: result.epochs.length,
        params: net.countParams(),
        train_ms: Date.now() - t0,
        stopped_early: result.stoppedEarly ? 1 : 0,
        ...(result.predictedFinalAcc !== undefined ? { predicted_final_acc: result.predictedFinalAcc } : {}),
        ...(cfg.curveStop ? curveMetrics(result.curveBar, cfg.trainOptions.epochs) : {}),
        ...(cfg.costs?.(c.genotype) ?? {}),
      };
      if (cfg.latency) {
        const shape = cfg.train.x.shape.slice(1) as [number, number, number];
        const input = tf.zeros([1, ...shape]) as tf.Tensor4D;
        try {
          const m = await measureLatency(async () => {
            const y = tf.tidy(() => net.forward(input, false));
            await y.data();
            y.dispose();
          }, 1, { ...DEFAULT_LATENCY_OPTIONS, ...cfg.latency });
          Object.assign(metrics, { latency_ms: m.medianMs, latency_p10_ms: m.p10Ms, latency_p90_ms: m.p90Ms, latency_cv: m.cv, latency_first_ms: m.firstRunMs });
          // What one batch-1 inference really holds on this backend above the weights and data already resident:
          // tfjs keeps intermediates until the tidy ends, so this is several times the cost counter's
          // liveness estimate (peak_activation_bytes, an ideal runtime that frees each tensor after its last use).
          const before = tf.memory().numBytes;
          const info = await tf.profile(() => tf.tidy(() => net.forward(input, false)));
          tf.dispose(info.result as tf.Tensor);
          metrics.inference_peak_bytes = Math.max(0, info.peakBytes - before);
        } finally {
          input.dispose();
        }
      }
      return metrics;
    } finally {
      net.dispose();
    }
  }
}
