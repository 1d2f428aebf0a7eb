/**
 * Study: does a zero-cost warm start (Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS",
 * ICLR 2021) help regularized evolution (and random search) on the NAS-Bench-201 CIFAR-10 table?
 *
 *   npx tsx --tsconfig tsconfig.node.json bench/warm-start-study.ts [--seeds 20] [--queries 50] [--pool 100] [--proxy synflow]
 *
 * For each seed: the plain strategy and the same strategy with prerank {proxy, pool} (evolution: the
 * initial population of P = 10 is the top-10 of the pool; random: the top-10 come first), each for
 * `queries` table lookups. Reported: mean ± std over seeds of the test_acc of the best-by-valid cell
 * after 10, 25 and `queries` lookups (test_acc is only read, never searched on). Proxies are scored at the
 * tiny NB201 skeleton (C=4, N=1, 16x16 seeded random inputs, batch 16) on Node wasm; their cost is not
 * part of the query budget (printed separately, ms per architecture). Deterministic for the seeds.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { useNodeBackend } from './node-backend';
import { parseNb201Table } from '../src/engine/data/nb201-table';
import { TabularEvaluator } from '../src/engine/evaluator/tabular';
import { createProxyScorer, TINY_NB201_SKELETON } from '../src/engine/evaluator/proxy-scorer';
import { runSearchSync, type RunLogEntry } from '../src/engine/search/loop';
import { nb201Space, type Nb201Genotype } from '../src/engine/space/nb201/space';
import { createStrategy } from '../src/engine/strategy/registry';
import { ZERO_COST_PROXIES, type ZeroCostProxy } from '../src/engine/strategy/prerank';
import { mean, median, std } from '../src/engine/util/stats';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, queries: { type: 'string' }, pool: { type: 'string' }, proxy: { type: 'string' }, table: { type: 'string' } } });
const seeds = Number(values.seeds ?? 20);
const queries = Number(values.queries ?? 50);
const poolSize = Number(values.pool ?? 100);
const proxy = (values.proxy ?? 'synflow') as ZeroCostProxy;
if (!ZERO_COST_PROXIES.includes(proxy)) throw new Error(`--proxy must be one of ${ZERO_COST_PROXIES.join(', ')}`);
const tablePath = values.table ?? new URL('../../shared/benchmarks/nb201/nb201-cifar10-valid.csv', import.meta.url).pathname;

await useNodeBackend('wasm');
const table = parseNb201Table(readFileSync(tablePath, 'utf8'), { source: tablePath });
const evaluator = new TabularEvaluator<Nb201Genotype>(table);
const scorer = createProxyScorer({ proxy, spaceId: 'nb201', skeleton: TINY_NB201_SKELETON, seed: 0, batchSize: 16 });
let scoreMs = 0;
const timedScore = (g: Nb201Genotype) => {
  const t0 = performance.now();
  const s = scorer.score(g);
  scoreMs += performance.now() - t0;
  return s;
};

const checkpoints = [10, 25, queries].filter((q, i, a) => q <= queries && a.indexOf(q) === i);
const testAt = (log: readonly RunLogEntry[], q: number): number => {
  const e = log[Math.min(q, log.length) - 1];
  return log.find((x) => x.id === e.best_id)!.metrics.test_acc;
};

const OPTS = { evolution: { populationSize: 10, sampleSize: 3 }, random: {} } as const;
const rows: Record<string, number[][]> = {};
for (const name of ['evolution', 'random'] as const) {
  for (const warm of [false, true]) {
    const label = `${name}${warm ? ` + ${proxy} warm start` : ''}`;
    rows[label] = checkpoints.map(() => []);
    for (let seed = 0; seed < seeds; seed++) {
      const options = warm ? { ...OPTS[name], prerank: { proxy, pool: poolSize, keep: 10 } } : OPTS[name];
      const strategy = createStrategy(name, nb201Space, options, seed, warm ? timedScore : undefined);
      const res = runSearchSync({ space: nb201Space, strategy, evaluator, budget: { queries } });
      if (warm) {
        // The first 10 proposals are exactly the top-10 of the scored pool.
        const pool = (strategy.stateDict().prerank as { entries: { hash: string }[] }).entries;
        const top = pool.slice(0, 10).map((e) => e.hash);
        if (res.log.slice(0, 10).some((e, i) => e.hash !== top[i])) throw new Error(`${label} seed ${seed}: first proposals are not the pool's top-10`);
      }
      checkpoints.forEach((q, i) => rows[label][i].push(testAt(res.log, q)));
    }
  }
}
scorer.dispose();

const tests = table.rows.map((r) => r.metrics.test_acc);
console.log(`NAS-Bench-201 CIFAR-10 (${table.size} cells; median test_acc ${median(tests).toFixed(2)}, best ${Math.max(...tests).toFixed(2)}); ${seeds} seeds x ${queries} queries; pool ${poolSize}, keep 10, proxy ${proxy}`);
console.log(`proxy cost: ${scorer.scored()} architectures scored, ${(scoreMs / Math.max(1, scorer.scored())).toFixed(1)} ms each (Node wasm), not counted in the query budget`);
console.log(`test_acc of the best-by-valid cell (mean ± std over seeds):`);
console.log(['strategy'.padEnd(36), ...checkpoints.map((q) => `@${q}`.padStart(16))].join(''));
for (const [label, cols] of Object.entries(rows)) {
  console.log([label.padEnd(36), ...cols.map((c) => `${mean(c).toFixed(2)} ± ${std(c).toFixed(2)}`.padStart(16))].join(''));
}
