/**
 * What the round-robin protocol times (round-robin.ts): a table piece or a whole network, built once with seeded
 * weights and input and kept alive for the whole measurement, plus the one timed unit both share (`runOf`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { spaceEntry, type SpaceId } from '../space/table';
import { throwIfAborted, type AbortSignalLike } from '../util/abort';
import { createRng } from '../util/rng';
import { buildOpInstance, type AnySkeleton, type OpInstance } from './instances';
import type { RoundRobinItem } from './round-robin';

export function randomInputs(count: number, batch: number, shape: readonly number[], seed: number): tf.Tensor4D[] {
  if (shape.length !== 3) throw new Error(`input shape must be [height, width, channels], got ${JSON.stringify(shape)}`);
  const [h, w, c] = shape;
  return Array.from({ length: count }, (_, i) => tf.randomNormal([batch, h, w, c], 0, 1, 'float32', seed + i));
}

/**
 * One timed unit: `inner` applications inside ONE tf.tidy (as a network runs all its pieces in one tidy: the
 * intermediate tensors live until its end), the last output read back.
 */
export function runOf(forward: () => tf.Tensor, inner: number, signal?: AbortSignalLike): () => Promise<void> {
  if (!Number.isInteger(inner) || inner < 1) throw new Error(`inner must be a whole number >= 1, got ${inner}`);
  return async () => {
    throwIfAborted(signal, 'Latency measurement');
    const y = tf.tidy(() => {
      let out = forward();
      for (let i = 1; i < inner; i++) out = forward();
      return out;
    });
    await y.data();
    y.dispose();
  };
}

/** A live item and how to free it. */
export interface LiveItem {
  readonly item: RoundRobinItem;
  /** The very first run (kernel set-up, first upload), ms. */
  readonly firstRunMs: number;
  dispose(): void;
}

/** Pieces: a timed run should last about `targetRunMs` (small pieces are applied up to `maxInner` times per run). */
export interface InnerSettings {
  readonly targetRunMs: number;
  readonly maxInner: number;
}

async function timed(run: () => Promise<void>, now: () => number): Promise<number> {
  const t0 = now();
  await run();
  return now() - t0;
}

/**
 * A table piece as a live item. Its `inner` is calibrated on the median of three single runs after the first,
 * which spreads the one read-back thin, as in a whole network where dozens of pieces share one read-back.
 */
export async function livePiece(
  spaceId: SpaceId, instance: OpInstance, batchSize: number, seed: number, s: InnerSettings, env: { now: () => number; signal?: AbortSignalLike },
): Promise<LiveItem> {
  const runner = buildOpInstance(spaceId, instance, createRng(seed));
  const xs = randomInputs(instance.inputs, batchSize, instance.inputShape, seed);
  const dispose = () => {
    tf.dispose(xs);
    runner.dispose();
  };
  try {
    const forward = () => runner.apply(xs);
    const once = runOf(forward, 1, env.signal);
    const firstRunMs = await timed(once, env.now);
    const calib = [await timed(once, env.now), await timed(once, env.now), await timed(once, env.now)].sort((a, b) => a - b);
    const inner = s.targetRunMs > 0 && s.maxInner > 1 ? Math.max(1, Math.min(s.maxInner, Math.ceil(s.targetRunMs / Math.max(calib[1], 1e-3)))) : 1;
    return { item: { label: instance.key, inner, run: runOf(forward, inner, env.signal) }, firstRunMs, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** A whole network (inference mode, batch `batchSize`) as a live item: one forward per timed run. */
export async function liveNetwork(
  spaceId: SpaceId, genotype: unknown, label: string, skeleton: AnySkeleton, batchSize: number, seed: number, env: { now: () => number; signal?: AbortSignalLike },
): Promise<LiveItem> {
  const net = spaceEntry(spaceId).buildNetwork(genotype, skeleton, createRng(seed));
  const [x] = randomInputs(1, batchSize, skeleton.inputShape, seed);
  const dispose = () => {
    x.dispose();
    net.dispose();
  };
  try {
    const run = runOf(() => net.forward(x, false), 1, env.signal);
    const firstRunMs = await timed(run, env.now);
    return { item: { label, inner: 1, run }, firstRunMs, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** Builds live items one by one; if one fails, the ones built so far are freed. */
export async function liveAll(makers: readonly (() => Promise<LiveItem>)[]): Promise<LiveItem[]> {
  const out: LiveItem[] = [];
  try {
    for (const make of makers) out.push(await make());
    return out;
  } catch (e) {
    for (const l of out) l.dispose();
    throw e;
  }
}
