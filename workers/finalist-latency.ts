/**
 * Re-measures a registry model's batch-1 latency on the backend now set up in the worker (the same median of
 * timed inferences as the finalists stage, engine/profiler/latency.ts) and adds it to the model's latency map, so a
 * model measured on WASM and then on WebGL keeps both figures.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addModelLatency, isSearchedModel, type Db } from '../src/db';
import type { ModelRecord } from '../src/protocol/finalists-api';
import { DEFAULT_LATENCY_OPTIONS, measureLatency } from '../src/engine/profiler/latency';
import { networkOfModel } from './finalist-export';

export async function measureModelLatency(db: Db, modelId: string, now: () => number = () => performance.now()): Promise<ModelRecord> {
  const { model, net } = await networkOfModel(db, modelId);
  const shape = isSearchedModel(model) ? (model.skeleton as { inputShape?: readonly [number, number, number] }).inputShape : model.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3) {
    net.dispose();
    throw new Error(`Model "${modelId}" has no input shape in its skeleton`);
  }
  const input = tf.zeros([1, shape[0], shape[1], shape[2]]) as tf.Tensor4D;
  try {
    const m = await measureLatency(async () => {
      const y = tf.tidy(() => net.forward(input, false));
      await y.data();
      y.dispose();
    }, 1, { ...DEFAULT_LATENCY_OPTIONS, now });
    return await addModelLatency(db, modelId, tf.getBackend(), m.medianMs);
  } finally {
    input.dispose();
    net.dispose();
  }
}
