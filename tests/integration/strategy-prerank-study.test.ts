import { useBackend } from '../helpers/tf-node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import type * as tfc from '@tensorflow/tfjs-core';
import { parseNb201Table, type Nb201Table } from '../../src/engine/data/nb201-table';
import { TabularEvaluator } from '../../src/engine/evaluator/tabular';
import { createProxyScorer, TINY_NB201_SKELETON } from '../../src/engine/evaluator/proxy-scorer';
import { runSearchSync, type RunLogEntry } from '../../src/engine/search/loop';
import { nb201Space, type Nb201Genotype } from '../../src/engine/space/nb201/space';
import { createStrategy } from '../../src/engine/strategy/registry';
import { median } from '../../src/engine/util/stats';

// The full study (20 seeds x 50 queries, pool 100) is bench/warm-start-study.ts; this is its small,
// deterministic twin with the real synflow proxy, asserting only what is robust.
const TABLE = fileURLToPath(new URL('../../../shared/benchmarks/nb201/nb201-cifar10-valid.csv', import.meta.url));
let tf: typeof tfc;
let table: Nb201Table;

beforeAll(async () => {
  tf = await useBackend('wasm', { trainingKernels: true });
  table = parseNb201Table(readFileSync(TABLE, 'utf8'), { source: 'nb201-cifar10-valid.csv' });
});

const testOfBest = (log: readonly RunLogEntry[]) => log.find((e) => e.id === log[log.length - 1].best_id)!.metrics.test_acc;

describe('regularized evolution with vs without a synflow warm start on NB201 (3 seeds x 50 queries, pool 20)', () => {
  test('warm start proposes exactly the top-P of its scored pool first; both beat the table median', () => {
    const evaluator = new TabularEvaluator<Nb201Genotype>(table);
    const start = tf.memory().numTensors;
    const scorer = createProxyScorer({ proxy: 'synflow', spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 0, batchSize: 16 });
    const med = median(table.rows.map((r) => r.metrics.test_acc));
    const out: Record<string, number[]> = { plain: [], warm: [] };
    for (let seed = 0; seed < 3; seed++) {
      const plain = runSearchSync({ space: nb201Space, strategy: createStrategy('evolution', nb201Space, { populationSize: 10 }, seed), evaluator, budget: { queries: 50 } });
      const s = createStrategy('evolution', nb201Space, { populationSize: 10, prerank: { proxy: 'synflow', pool: 20 } }, seed, scorer.score);
      const warm = runSearchSync({ space: nb201Space, strategy: s, evaluator, budget: { queries: 50 } });
      const pool = (s.stateDict().prerank as { entries: { arch: string; score: number }[] }).entries;
      expect(pool).toHaveLength(20);
      // Scores are the proxy's, ranked best first; the first 10 proposals are the top-10 in that order.
      for (const e of pool.slice(0, 3)) expect(e.score).toBe(scorer.score(nb201Space.decode(e.arch)));
      for (let i = 1; i < pool.length; i++) expect(pool[i - 1].score).toBeGreaterThanOrEqual(pool[i].score);
      expect(warm.log.slice(0, 10).map((e) => e.arch)).toEqual(pool.slice(0, 10).map((e) => e.arch));
      expect(warm.log.slice(0, 10).map((e) => e.metrics.zc_synflow)).toEqual(pool.slice(0, 10).map((e) => e.score));
      out.plain.push(testOfBest(plain.log));
      out.warm.push(testOfBest(warm.log));
    }
    scorer.dispose();
    expect(tf.memory().numTensors).toBe(start);
    console.log(`best-by-valid test_acc @50 (3 seeds): plain ${out.plain.map((x) => x.toFixed(2)).join(', ')}; synflow warm start ${out.warm.map((x) => x.toFixed(2)).join(', ')}; table median ${med.toFixed(2)}`);
    for (const x of [...out.plain, ...out.warm]) expect(x).toBeGreaterThan(med);
  }, 120_000);
});
