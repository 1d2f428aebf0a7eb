/**
 * The benchmark lab's zero-cost scorer (loaded by workers/tabular.worker.ts only when a lab asks for
 * the warm start, so a plain lab never loads tfjs): the WASM backend, and one cached scorer per proxy at
 * the tiny NB201 skeleton on seeded random inputs (engine/evaluator/proxy-scorer.ts). Scores depend on
 * the cell only, so they are shared by every seed and strategy of a lab; wall time is measured per call.
 */
import { initBackendByName } from './backend';
import { createProxyScorer, TINY_NB201_SKELETON, type ProxyScorerHandle } from '../src/engine/evaluator/proxy-scorer';
import type { Nb201Genotype } from '../src/engine/space/nb201/space';
import type { ZeroCostProxy } from '../src/engine/strategy/prerank';

let ready: Promise<void> | null = null;

export interface LabScorer {
  readonly score: (g: Nb201Genotype) => number;
  /** Cells scored so far (cache misses) and the milliseconds that took. */
  readonly totals: () => { scored: number; ms: number };
  dispose(): void;
}

export async function createLabScorer(proxy: ZeroCostProxy): Promise<LabScorer> {
  ready ??= initBackendByName('wasm').then((a) => {
    if (!a.available) throw new Error(`The zero-cost warm start needs the WASM backend, which did not start here: ${a.detail}`);
  });
  try {
    await ready;
  } catch (e) {
    ready = null;
    throw e;
  }
  const inner: ProxyScorerHandle<Nb201Genotype> = createProxyScorer({ proxy, spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 0, batchSize: 16 });
  let ms = 0;
  return {
    score: (g) => {
      const t0 = performance.now();
      try {
        return inner.score(g);
      } finally {
        ms += performance.now() - t0;
      }
    },
    totals: () => ({ scored: inner.scored(), ms }),
    dispose: () => inner.dispose(),
  };
}
