/**
 * Re-training one finalist from scratch (issue 13, item 1): the network built through the space table, the
 * engine's SGD with momentum and weight decay, the recipe's warm-up + cosine schedule, label smoothing (Szegedy et
 * al., "Rethinking the Inception Architecture", CVPR 2016) and class-weighted cross-entropy in the loss, random
 * crop / flip augmentation, early stopping with patience on validation accuracy, and learning-curve extrapolation
 * (Domhan et al., IJCAI 2015; evaluator/learning-curve.ts) to stop a finalist that cannot beat the best so far.
 *
 * Storage-free like the search cores: the host gets `save(state)` after every epoch (awaited) and hands a state
 * back as `resumeFrom`; the resumed run ends with the same weights and metrics as an uninterrupted one, because
 * weights, momentum buffers and the rng stream (batch order, crops, flips) are all in the state.
 * With trainOn 'train' the best-validation weights are restored at the end; with 'train+valid' the last ones are kept.
 * An optional `teacher` mixes in the knowledge-distillation loss (distill-loss.ts; Hinton et al. 2015).
 * The caller owns the returned network (dispose it).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { predictFinal, shouldStop } from '../evaluator/learning-curve';
import { accuracy, DivergedError } from '../evaluator/train';
import type { TensorSplit } from '../evaluator/tensors';
import type { Network } from '../model/network';
import { Sgd } from '../optim/sgd';
import { recalibrateBatchNorm } from '../supernet/bn-recalibrate';
import { throwIfAborted, type AbortSignalLike } from '../util/abort';
import { createRng, createRngFromState } from '../util/rng';
import { assembleBatch, type HostImages } from './augment';
import { checkDistillSettings, distillationLoss, type DistillSettings } from './distill-loss';
import type { ModelSource } from './model-source';
import { classWeightsFor, flipEnabled, learningRateAt, type DatasetHint, type FinalistRecipe } from './recipe';
import {
  checkRetrainState, loadWeights, RETRAIN_STATE_VERSION, snapshotMomentum, snapshotWeights,
  type EpochRecord, type RetrainState, type RetrainStop, type WeightsSnapshot,
} from './retrain-state';

export type { EpochRecord, RetrainState, RetrainStop } from './retrain-state';

export interface RetrainOptions {
  /** What to train (a searched genotype: genotypeSource; a baseline; a student). */
  readonly model: ModelSource;
  /** Normalised train and validation tensors (never the test split). */
  readonly data: { readonly train: TensorSplit; readonly valid: TensorSplit };
  readonly recipe: FinalistRecipe;
  /** Decides the flip when the recipe leaves it open (default 'digit-like': no flip). */
  readonly hint?: DatasetHint;
  readonly seed: number;
  /** Best validation accuracy (%) of the finalists trained before this one, for the learning-curve stop. */
  readonly curveBestSoFar?: number;
  readonly save?: (state: RetrainState) => void | Promise<void>;
  readonly resumeFrom?: RetrainState;
  /**
   * Pause after this many completed epochs (default: the recipe's epochs), keeping the recipe's schedule: the
   * last saved state continues the same run later (successive-halving rungs, hpo.ts).
   */
  readonly stopAfterEpoch?: number;
  readonly signal?: AbortSignalLike;
  readonly onEpoch?: (e: EpochRecord) => void;
  /** Knowledge distillation (distill-loss.ts): the teacher's logits on the same augmented batch, taken without gradient. */
  readonly teacher?: Teacher;
}

export interface Teacher extends DistillSettings {
  /** Inference-mode logits of the trained teacher (called inside tf.tidy). */
  forward(x: tf.Tensor4D): tf.Tensor2D;
}

export interface RetrainReport {
  readonly history: readonly EpochRecord[];
  /** Validation accuracy in [0, 1] of the weights returned (the best epoch's with trainOn 'train'). */
  readonly validAcc: number;
  /** 0-based epoch whose weights are returned. */
  readonly epoch: number;
  readonly stop: RetrainStop;
  readonly predictedFinalAcc?: number;
  /** Class weights used in the loss (all 1 for 'none'). */
  readonly classWeights: readonly number[];
  readonly flip: boolean;
  readonly trainCount: number;
  readonly trainOn: FinalistRecipe['trainOn'];
}

export interface RetrainResult {
  readonly net: Network;
  readonly report: RetrainReport;
}

async function hostImages(splits: readonly TensorSplit[]): Promise<HostImages> {
  const shape = splits[0].x.shape.slice(1) as [number, number, number];
  const count = splits.reduce((n, s) => n + s.count, 0);
  const size = shape[0] * shape[1] * shape[2];
  const x = new Float32Array(count * size);
  const y = new Int32Array(count);
  let at = 0;
  for (const s of splits) {
    x.set(await s.x.data() as Float32Array, at * size);
    y.set(await s.y.data() as Int32Array, at);
    at += s.count;
  }
  return { x, y, count, shape };
}

/** Weighted mean over the batch of the label-smoothed cross-entropy. */
export function smoothedWeightedLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D, smoothing: number): tf.Scalar {
  const k = logits.shape[1];
  const target = tf.add(tf.mul(tf.oneHot(labels, k), 1 - smoothing), smoothing / k);
  const perImage = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1));
  const w = tf.gather(weights, labels);
  return tf.div(tf.sum(tf.mul(perImage, w)), tf.sum(w)) as tf.Scalar;
}

export async function retrainFinalist(o: RetrainOptions): Promise<RetrainResult> {
  const { recipe, teacher } = o;
  if (teacher) checkDistillSettings(teacher);
  const net = o.model.build(createRng(o.seed));
  let optimizer: Sgd | null = null;
  let weightTensor: tf.Tensor1D | null = null;
  try {
    const keepBest = recipe.trainOn === 'train';
    const host = await hostImages(keepBest ? [o.data.train] : [o.data.train, o.data.valid]);
    if (host.count === 0) throw new Error('re-training: the training split is empty');
    const numClasses = o.model.cost.numClasses;
    const classWeights = classWeightsFor(recipe, host.y, numClasses);
    weightTensor = tf.tensor1d(classWeights, 'float32');
    const flip = flipEnabled(recipe, o.hint ?? 'digit-like');
    const aug = { cropPadding: recipe.augment.cropPadding, flip };
    const bs = Math.min(recipe.batchSize, host.count);
    const stepsPerEpoch = Math.ceil(host.count / bs);
    const totalSteps = stepsPerEpoch * recipe.epochs;
    const warmupSteps = recipe.warmupEpochs * stepsPerEpoch;
    optimizer = new Sgd(net.params, { learningRate: recipe.learningRate, momentum: recipe.momentum, weightDecay: recipe.weightDecay });

    let rng = createRng((o.seed ^ 0x5eed) >>> 0);
    let epoch = 0;
    let step = 0;
    let best: { validAcc: number; epoch: number; weights: WeightsSnapshot } | null = null;
    let sinceBest = 0;
    const history: EpochRecord[] = [];
    let stop: RetrainStop | null = null;
    let predictedFinalAcc: number | undefined;
    if (o.resumeFrom) {
      const s = o.resumeFrom;
      checkRetrainState(s, net, recipe.epochs);
      loadWeights(net, s.weights);
      const bufs = s.momentum.map((m, i) => (m ? tf.tensor(m, net.params[i].shape, 'float32') : null));
      optimizer.loadState(bufs);
      tf.dispose(bufs.filter((b): b is tf.Tensor => b !== null));
      rng = createRngFromState(s.rng);
      ({ epoch, step, sinceBest, stop, predictedFinalAcc } = s);
      best = s.best;
      history.push(...s.history);
    }

    const until = Math.min(o.stopAfterEpoch ?? recipe.epochs, recipe.epochs);
    if (!(Number.isInteger(until) && until >= 1)) throw new Error(`re-training: stopAfterEpoch must be an integer >= 1, got ${o.stopAfterEpoch}`);
    while (stop === null && epoch < until) {
      const order = rng.shuffle(Array.from({ length: host.count }, (_, i) => i));
      let lossSum = 0;
      let lr = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        throwIfAborted(o.signal, 'Re-training');
        lr = learningRateAt(recipe.learningRate, step, totalSteps, warmupSteps);
        optimizer.learningRate = lr;
        const batch = assembleBatch(host, order.slice(b * bs, (b + 1) * bs), aug, rng);
        const xb = tf.tensor4d(batch.x, [batch.y.length, ...host.shape]);
        const yb = tf.tensor1d(batch.y, 'int32');
        const w = weightTensor;
        const soft = teacher ? tf.tidy(() => teacher.forward(xb)) : null;
        let loss: number;
        try {
          loss = await optimizer.step(() => {
            const logits = net.forward(xb, true);
            const hard = smoothedWeightedLoss(logits, yb, w, recipe.labelSmoothing);
            return soft && teacher ? distillationLoss(logits, soft, hard, teacher) : hard;
          });
        } finally {
          xb.dispose();
          yb.dispose();
          soft?.dispose();
        }
        if (!Number.isFinite(loss) || loss > 1e4) throw new DivergedError(epoch, b, loss);
        lossSum += loss;
        step++;
      }
      recalibrate(net, host, bs, Math.min(recipe.bnRecalibrationBatches, stepsPerEpoch));
      const validAcc = await accuracy(net, o.data.valid, bs * 4);
      const record: EpochRecord = { epoch, trainLoss: lossSum / stepsPerEpoch, validAcc, learningRate: lr };
      history.push(record);
      epoch++;
      if (keepBest) {
        if (best === null || validAcc > best.validAcc) {
          best = { validAcc, epoch: record.epoch, weights: await snapshotWeights(net) };
          sinceBest = 0;
        } else sinceBest++;
        if (recipe.patience > 0 && sinceBest >= recipe.patience && epoch < recipe.epochs) stop = 'patience';
      }
      const bar = o.curveBestSoFar;
      if (stop === null && recipe.curveStop.enabled && bar !== undefined && Number.isFinite(bar) && epoch < recipe.epochs) {
        const curve = history.map((r) => r.validAcc * 100);
        if (shouldStop(curve, bar, recipe.epochs, recipe.curveStop.margin)) {
          stop = 'curve';
          predictedFinalAcc = predictFinal(curve, recipe.epochs).mean;
        }
      }
      if (stop === null && epoch >= recipe.epochs) stop = 'epochs';
      o.onEpoch?.(record);
      if (o.save) {
        await o.save({
          version: RETRAIN_STATE_VERSION, epoch, step, rng: rng.state(), weights: await snapshotWeights(net),
          momentum: await snapshotMomentum(optimizer.state()), best, sinceBest, history: history.slice(), stop,
          ...(predictedFinalAcc !== undefined ? { predictedFinalAcc } : {}),
        });
      }
    }
    if (keepBest && best) loadWeights(net, best.weights);
    const last = history[history.length - 1];
    return {
      net,
      report: {
        history,
        validAcc: keepBest && best ? best.validAcc : last?.validAcc ?? 0,
        epoch: keepBest && best ? best.epoch : last?.epoch ?? -1,
        stop: stop ?? 'epochs',
        ...(predictedFinalAcc !== undefined ? { predictedFinalAcc } : {}),
        classWeights,
        flip,
        trainCount: host.count,
        trainOn: recipe.trainOn,
      },
    };
  } catch (e) {
    net.dispose();
    throw e;
  } finally {
    optimizer?.dispose();
    weightTensor?.dispose();
  }
}

/** Batch-norm statistics from the first training batches, un-augmented (evaluator/train.ts does the same). */
function recalibrate(net: Network, host: HostImages, bs: number, batches: number): void {
  const size = host.shape[0] * host.shape[1] * host.shape[2];
  recalibrateBatchNorm(net.buffers, batches, (i) => {
    const start = (i * bs) % Math.max(1, host.count - bs + 1);
    const n = Math.min(bs, host.count);
    net.forward(tf.tensor4d(host.x.subarray(start * size, (start + n) * size), [n, ...host.shape]), true);
  });
}
