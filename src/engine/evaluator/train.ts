/**
 * Short-budget training of one candidate (the performance estimator of the spine): seeded mini-batch
 * SGD with momentum and cosine learning-rate decay, cross-entropy loss, validation accuracy per epoch,
 * optional early stopping on validation accuracy, and a clear error when the loss diverges.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; training needs all of them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { Network } from '../model/network';
import { Sgd } from '../optim/sgd';
import { curveStopDecision } from './curve-stop';
import { recalibrateBatchNorm } from '../supernet/bn-recalibrate';
import { throwIfAborted, type AbortSignalLike } from '../util/abort';
import type { Rng } from '../util/rng';
import type { TensorSplit } from './tensors';

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** Stop when validation accuracy has not improved for this many epochs (0 = never). */
  readonly patience: number;
  /**
   * Training batches used to recompute batch-norm statistics before each validation. With a proxy budget
   * of a few dozen steps, running averages (momentum 0.1) still remember their initial values and
   * validation accuracy would measure that rather than the weights; 0 turns recalibration off.
   */
  readonly bnRecalibrationBatches?: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 2,
  batchSize: 64,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  patience: 0,
};

export interface TrainHooks {
  readonly signal?: AbortSignalLike;
  /** Lets the caller's event loop run (worker messages, cancel) between batches. */
  readonly yieldNow?: () => Promise<void>;
  readonly onEpoch?: (e: EpochReport) => void;
  /**
   * Learning-curve early stopping (curve-stop.ts): after each epoch from the third on, stop when the extrapolated
   * final validation accuracy (%) and the best measured one, plus `margin`, are below `bestSoFar()` (null: no bar).
   */
  readonly curveStop?: { readonly margin: number; readonly bestSoFar: () => number | null };
}

export interface EpochReport {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validAcc: number;
}

export interface TrainResult {
  readonly epochs: EpochReport[];
  /** Best validation accuracy in [0, 1]. */
  readonly validAcc: number;
  readonly finalTrainLoss: number;
  readonly stoppedEarly: boolean;
  /** Set when the learning-curve rule stopped training: the predicted final accuracy (%). */
  readonly predictedFinalAcc?: number;
  /** Set when the learning-curve rule stopped training: the bar it was compared with. */
  readonly curveBar?: number;
}

export class DivergedError extends Error {
  constructor(readonly epoch: number, readonly step: number, readonly loss: number) {
    super(`Training diverged at epoch ${epoch + 1}, step ${step + 1}: loss became ${loss}. Lower the learning rate or the batch size.`);
    this.name = 'DivergedError';
  }
}


export async function trainNetwork(
  net: Network,
  train: TensorSplit,
  valid: TensorSplit,
  opts: TrainOptions,
  rng: Rng,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const optimizer = new Sgd(net.params, opts);
  const stepsPerEpoch = Math.max(1, Math.ceil(train.count / opts.batchSize));
  const totalSteps = stepsPerEpoch * opts.epochs;
  const epochs: EpochReport[] = [];
  let best = -1;
  let sinceBest = 0;
  let stoppedEarly = false;
  let lastLoss = NaN;
  let predictedFinalAcc: number | undefined;
  let curveBar: number | undefined;
  try {
    let step = 0;
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const order = rng.shuffle(Array.from({ length: train.count }, (_, i) => i));
      let lossSum = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        throwIfAborted(hooks.signal, 'Training');
        // Cosine decay from the base rate to zero over the whole budget.
        optimizer.learningRate = 0.5 * opts.learningRate * (1 + Math.cos((Math.PI * step) / totalSteps));
        const idx = tf.tensor1d(order.slice(b * opts.batchSize, (b + 1) * opts.batchSize), 'int32');
        let loss: number;
        try {
          loss = await optimizer.step(() => {
            const x = tf.gather(train.x, idx) as tf.Tensor4D;
            const labels = tf.gather(train.y, idx) as tf.Tensor1D;
            const logits = net.forward(x, true);
            return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
          });
        } finally {
          idx.dispose();
        }
        if (!Number.isFinite(loss) || loss > 1e4) throw new DivergedError(epoch, b, loss);
        lossSum += loss;
        lastLoss = loss;
        step++;
        if (hooks.yieldNow) await hooks.yieldNow();
      }
      const calib = Math.min(opts.bnRecalibrationBatches ?? 8, stepsPerEpoch);
      recalibrateBatchNorm(net.buffers, calib, (i) => {
        const start = (i * opts.batchSize) % Math.max(1, train.count - opts.batchSize + 1);
        net.forward(tf.slice(train.x, [start, 0, 0, 0], [Math.min(opts.batchSize, train.count), -1, -1, -1]) as tf.Tensor4D, true);
      });
      const validAcc = await accuracy(net, valid, opts.batchSize * 4);
      const report = { epoch, trainLoss: lossSum / stepsPerEpoch, validAcc };
      epochs.push(report);
      hooks.onEpoch?.(report);
      if (validAcc > best) { best = validAcc; sinceBest = 0; } else sinceBest++;
      if (opts.patience > 0 && sinceBest >= opts.patience && epoch < opts.epochs - 1) { stoppedEarly = true; break; }
      if (hooks.curveStop) {
        const stop = curveStopDecision(epochs.map((r) => r.validAcc * 100), hooks.curveStop.bestSoFar(), opts.epochs, hooks.curveStop.margin);
        if (stop) {
          stoppedEarly = true;
          predictedFinalAcc = stop.predictedFinalAcc;
          curveBar = stop.bar;
          break;
        }
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { epochs, validAcc: best, finalTrainLoss: lastLoss, stoppedEarly, predictedFinalAcc, curveBar };
}

/** Top-1 accuracy in inference mode (running batch-norm statistics). */
export async function accuracy(net: Network, split: TensorSplit, batchSize = 256): Promise<number> {
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    const hits = tf.tidy(() => {
      const x = tf.slice(split.x, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D;
      const y = tf.slice(split.y, [start], [size]);
      const pred = tf.argMax(net.forward(x, false), 1);
      return tf.sum(tf.cast(tf.equal(pred, y), 'int32'));
    });
    correct += (await hits.data())[0];
    hits.dispose();
  }
  return split.count === 0 ? 0 : correct / split.count;
}
