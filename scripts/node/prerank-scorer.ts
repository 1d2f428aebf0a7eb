/**
 * The headless runner's zero-cost scorer for a warm start (strategy.options.prerank; strategy/prerank.ts,
 * Abdelfattah et al., ICLR 2021). Same proxy code as the app (engine/evaluator/proxy-scorer.ts):
 *  - tabular evaluator: the tiny NB201 skeleton on seeded random inputs (the table has no images), on
 *    the WASM backend, which this sets up (a tabular run has no backend otherwise);
 *  - train evaluator: the run's own skeleton and a real mini-batch of its training subset (the first
 *    images of the same seeded proxy subset, normalised with the same statistics as training); the
 *    backend is the one the train setup selected.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createProxyScorer, TINY_NB201_SKELETON, trainProxyBatch, type ProxyScorerHandle } from '../../src/engine/evaluator/proxy-scorer';
import type { RunConfig } from '../../src/shared/run-config';
import { runSkeleton } from '../../src/engine/space/run-skeleton';
import type { SpaceId } from '../../src/engine/space/table';
import { parseStrategyOptions, prerankOf } from '../../src/engine/strategy/registry';
import { runnerData, setNodeBackend, type RunnerData } from './builtin';

/** Real images per scoring batch (train mode). */
const MAX_BATCH = 64;

/** null when the config asks for no warm start. */
export async function createCliProxyScorer(repoRoot: string, cfg: RunConfig, spaceId: SpaceId, log: (line: string) => void, data?: RunnerData): Promise<ProxyScorerHandle<unknown> | null> {
  const pr = prerankOf(parseStrategyOptions(cfg.strategy.name, cfg.strategy.options));
  if (!pr) return null;
  const ev = cfg.evaluator;
  if (ev.kind === 'tabular') {
    if (tf.getBackend() !== 'wasm') {
      await setNodeBackend('wasm', 'warm start: could not initialise the tfjs wasm backend for the zero-cost proxy');
    }
    log(`search: warm start: ${pr.proxy} on a pool of ${pr.pool}, top ${pr.keep} first; scored at the tiny NB201 skeleton ${JSON.stringify(TINY_NB201_SKELETON)} on seeded random inputs (backend ${tf.getBackend()})`);
    return createProxyScorer({ proxy: pr.proxy, spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: cfg.seed, batchSize: 16 }) as unknown as ProxyScorerHandle<unknown>;
  }
  const { ds, split } = await runnerData(repoRoot, data, (images) => new Error(`warm start: ${images} is missing (the train setup should have built it)`));
  const batch = trainProxyBatch(ds, split, { trainSamples: ev.trainSamples, validSamples: ev.validSamples, seed: cfg.seed }, Math.min(MAX_BATCH, ev.batchSize));
  const n = batch.y.length;
  const skeleton = runSkeleton(spaceId, { channels: ev.channels, cellsPerStage: ev.cellsPerStage }, [ds.shape[0], ds.shape[1], ds.shape[2]], ds.classes.length);
  log(`search: warm start: ${pr.proxy} on a pool of ${pr.pool}, top ${pr.keep} first; scored at the run's skeleton on ${n} training images (backend ${tf.getBackend()})`);
  let inner: ProxyScorerHandle<unknown>;
  try {
    inner = createProxyScorer({ proxy: pr.proxy, spaceId, skeleton, seed: cfg.seed, batch }) as unknown as ProxyScorerHandle<unknown>;
  } catch (e) {
    batch.x.dispose();
    throw e;
  }
  return {
    score: inner.score,
    scored: inner.scored,
    dispose: () => {
      inner.dispose();
      batch.x.dispose();
    },
  };
}
