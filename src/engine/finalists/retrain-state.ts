/**
 * The checkpoint of one finalist's re-training, as plain data (typed arrays, structured-clone friendly): weights,
 * batch-norm buffers, momentum buffers, the rng stream, completed epochs and steps, the best-validation weights
 * and the early-stopping counters. Loading it into a freshly built network continues the run bit for bit.
 * Every field is checked on load against the network it is loaded into; a bad one is named.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../model/network';
import type { RngState } from '../util/rng';

export const RETRAIN_STATE_VERSION = 1;

/** Why re-training ended: all epochs, patience on validation accuracy, or the learning-curve prediction. */
export type RetrainStop = 'epochs' | 'patience' | 'curve';

export interface EpochRecord {
  /** 0-based. */
  readonly epoch: number;
  readonly trainLoss: number;
  /** Validation accuracy in [0, 1] after this epoch. */
  readonly validAcc: number;
  /** Learning rate of the epoch's last step. */
  readonly learningRate: number;
}

export interface WeightsSnapshot {
  readonly params: Float32Array[];
  readonly buffers: Float32Array[];
}

export interface RetrainState {
  readonly version: typeof RETRAIN_STATE_VERSION;
  /** Completed epochs. */
  readonly epoch: number;
  /** Completed optimizer steps. */
  readonly step: number;
  readonly rng: RngState;
  readonly weights: WeightsSnapshot;
  /** Momentum buffer per parameter (null before its first gradient). */
  readonly momentum: (Float32Array | null)[];
  /** Best validation accuracy so far with its epoch and weights (null before the first epoch or with train+valid). */
  readonly best: { readonly validAcc: number; readonly epoch: number; readonly weights: WeightsSnapshot } | null;
  /** Epochs since the best validation accuracy improved. */
  readonly sinceBest: number;
  readonly history: readonly EpochRecord[];
  /** Set when training has ended (a resumed run then only restores the best weights). */
  readonly stop: RetrainStop | null;
  /** Set when the learning-curve rule stopped training: the predicted final accuracy (%). */
  readonly predictedFinalAcc?: number;
}

async function readAll(vars: readonly tf.Tensor[]): Promise<Float32Array[]> {
  // A copy: the backend may hand out its own storage.
  return Promise.all(vars.map(async (t) => Float32Array.from(await t.data() as Float32Array)));
}

export async function snapshotWeights(net: Network): Promise<WeightsSnapshot> {
  return { params: await readAll(net.params), buffers: await readAll(net.buffers) };
}

export async function snapshotMomentum(buffers: readonly (tf.Tensor | null)[]): Promise<(Float32Array | null)[]> {
  return Promise.all(buffers.map(async (b) => (b ? Float32Array.from(await b.data() as Float32Array) : null)));
}

export class RetrainStateError extends Error {
  override readonly name = 'RetrainStateError';
}

function checkArrays(got: readonly (Float32Array | null)[], vars: readonly tf.Variable[], field: string, allowNull: boolean): void {
  if (!Array.isArray(got)) throw new RetrainStateError(`retrain state: ${field} must be an array`);
  if (got.length !== vars.length) throw new RetrainStateError(`retrain state: ${field} has ${got.length} entries, the network has ${vars.length}`);
  got.forEach((a, i) => {
    if (a === null && allowNull) return;
    if (!(a instanceof Float32Array)) throw new RetrainStateError(`retrain state: ${field}[${i}] must be a Float32Array`);
    if (a.length !== vars[i].size) throw new RetrainStateError(`retrain state: ${field}[${i}] has ${a.length} values, the network's tensor has ${vars[i].size}`);
  });
}

/** Throws RetrainStateError naming the first field that does not fit `net`. */
export function checkRetrainState(s: RetrainState, net: Network, epochs: number): void {
  if (s === null || typeof s !== 'object') throw new RetrainStateError('retrain state must be an object');
  if (s.version !== RETRAIN_STATE_VERSION) throw new RetrainStateError(`retrain state: version ${String(s.version)} is not ${RETRAIN_STATE_VERSION}`);
  if (!(Number.isInteger(s.epoch) && s.epoch >= 0 && s.epoch <= epochs)) throw new RetrainStateError(`retrain state: epoch ${s.epoch} is outside 0..${epochs}`);
  if (!(Number.isInteger(s.step) && s.step >= 0)) throw new RetrainStateError(`retrain state: step ${s.step} must be an integer >= 0`);
  if (!(Array.isArray(s.rng) && s.rng.length === 4 && s.rng.every((x) => Number.isInteger(x)))) throw new RetrainStateError('retrain state: rng must be 4 integers');
  checkArrays(s.weights?.params, net.params, 'weights.params', false);
  checkArrays(s.weights?.buffers, net.buffers, 'weights.buffers', false);
  checkArrays(s.momentum, net.params, 'momentum', true);
  if (s.best) {
    checkArrays(s.best.weights?.params, net.params, 'best.weights.params', false);
    checkArrays(s.best.weights?.buffers, net.buffers, 'best.weights.buffers', false);
  }
  if (!Array.isArray(s.history) || s.history.length !== s.epoch) throw new RetrainStateError(`retrain state: history must hold one record per completed epoch (${s.epoch})`);
}

/** Writes a snapshot into the network's variables. */
export function loadWeights(net: Network, w: WeightsSnapshot): void {
  const put = (vars: readonly tf.Variable[], data: readonly Float32Array[]) => vars.forEach((v, i) => {
    tf.tidy(() => v.assign(tf.tensor(data[i], v.shape, 'float32')));
  });
  put(net.params, w.params);
  put(net.buffers, w.buffers);
}
