/**
 * The data of the "search + re-train" row for its PyTorch side: the exact normalised arrays the engine's finalists
 * stage trains, validates and tests on (scripts/node/finalists-run.ts on the built-in MNIST subset: the locked split,
 * the seeded train / validation subsets of proxySubsets, per-channel statistics of the train images, toTensorSplit),
 * written as raw float32 NHWC images and int32 labels with a manifest that bench/hand_cnn.py reads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { proxySubsets } from '../src/engine/evaluator/train-setup';
import { channelStats, disposeSplit, toTensorSplit } from '../src/engine/evaluator/tensors';
import { loadBuiltinMnist } from '../scripts/node/builtin';

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export interface ExportedSplit {
  readonly dir: string;
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  readonly counts: { readonly train: number; readonly valid: number; readonly test: number };
}

/**
 * Writes train / valid / test of the built-in MNIST subset to `dir` as the finalists stage sees them with this seed
 * and these subset sizes (absent: the whole split, as `npm run finalists` without --train-samples / --valid-samples).
 */
export async function exportFinalistData(repoRoot: string, dir: string, o: { seed: number; trainSamples?: number; validSamples?: number }): Promise<ExportedSplit> {
  if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu'))) throw new Error('search-retrain: could not start the tfjs cpu backend to export the data');
  const { ds, split } = await loadBuiltinMnist(repoRoot);
  const sub = proxySubsets(split, o.trainSamples ?? split.train.length, o.validSamples ?? split.valid.length, o.seed);
  const stats = channelStats(ds, sub.train);
  mkdirSync(dir, { recursive: true });
  const splits: Record<string, { count: number; x: string; y: string }> = {};
  for (const [name, indices] of [['train', sub.train], ['valid', sub.valid], ['test', split.test]] as const) {
    const t = toTensorSplit(ds, indices, stats);
    try {
      writeFileSync(path.join(dir, `${name}-x.f32`), bytes(t.x.dataSync()));
      writeFileSync(path.join(dir, `${name}-y.i32`), bytes(t.y.dataSync()));
    } finally {
      disposeSplit(t);
    }
    splits[name] = { count: indices.length, x: `${name}-x.f32`, y: `${name}-y.i32` };
  }
  const shape = [ds.shape[0], ds.shape[1], ds.shape[2]] as const;
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify({ shape, classes: ds.classes.length, splits })}\n`);
  return { dir, shape, classes: ds.classes.length, counts: { train: sub.train.length, valid: sub.valid.length, test: split.test.length } };
}
