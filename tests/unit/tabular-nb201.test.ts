/**
 * Strategies on the real NAS-Bench-201 table (cifar10-valid split, 15,625 cells), read from
 * ../shared/benchmarks/nb201/ relative to the repository root (never copied into the repo).
 * Searches use valid_acc; test_acc of the best-by-valid candidate is what gets reported.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNb201Table, type Nb201Table } from '../../src/engine/data/nb201-table';
import { TabularEvaluator } from '../../src/engine/evaluator/tabular';
import { nb201Space } from '../../src/engine/space/nb201/space';
import { createStrategy } from '../../src/engine/strategy/registry';
import { runSearch, runSearchSync } from '../../src/engine/search/loop';
import { parseObjectiveSpec } from '../../src/engine/strategy/objective';
import { paretoFrontIndices } from '../../src/engine/util/pareto';
import { formatMeanStd, mean, median } from '../../src/engine/util/stats';

const TABLE = fileURLToPath(new URL('../../../shared/benchmarks/nb201/nb201-cifar10-valid.csv', import.meta.url));

let table: Nb201Table;
beforeAll(() => {
  table = parseNb201Table(readFileSync(TABLE, 'utf8'), { source: 'nb201-cifar10-valid.csv' });
});

describe('NB201 table', () => {
  it('has the documented facts', () => {
    expect(table.size).toBe(15625);
    const test = table.rows.map((r) => r.metrics.test_acc);
    expect(median(test)).toBeCloseTo(86.99, 2);
    expect(mean(test)).toBeCloseTo(83.41, 2);
    expect(Math.max(...test)).toBeCloseTo(91.523, 3);
    const bestValid = table.rows.reduce((a, b) => (b.metrics.valid_acc > a.metrics.valid_acc ? b : a));
    expect(bestValid.metrics.valid_acc).toBeCloseTo(91.607, 3);
    expect(bestValid.metrics.test_acc).toBeCloseTo(91.09, 2);
    expect(table.latencyColumns).toEqual(['pixel3_ms', 'raspi4_ms', 'xeon_gold6240_ms', 'titan_rtx_b1_ms', 'fpga_ms', 'eyeriss_ms']);
    // every genotype of the space is in the table
    for (const g of nb201Space.enumerate!()) expect(table.getGenotype(g)).toBeDefined();
  });
});

describe('strategies on NB201 (30 seeds x 150 queries)', () => {
  const SEEDS = Array.from({ length: 30 }, (_, i) => i);
  const BUDGET = 150;
  const MEDIAN_TEST = 86.99;

  function bestTest(name: string, options: object = {}): number[] {
    return SEEDS.map((seed) => {
      const r = runSearchSync({
        space: nb201Space,
        strategy: createStrategy(name, nb201Space, options, seed),
        evaluator: new TabularEvaluator(table),
        budget: { queries: BUDGET },
      });
      expect(r.queries).toBe(BUDGET);
      return r.best!.metrics.test_acc;
    });
  }

  it('regularized evolution >= random search, both (and REINFORCE, local search) well above the median', () => {
    const results: Record<string, number[]> = {
      random: bestTest('random'),
      evolution: bestTest('evolution'),
      reinforce: bestTest('reinforce'),
      local: bestTest('local'),
    };
    const report = Object.entries(results).map(([k, xs]) => `${k}: ${formatMeanStd(xs, 3)}`).join('\n  ');
    console.log(`NB201 cifar10-valid, best-by-valid test_acc over ${SEEDS.length} seeds, ${BUDGET} queries:\n  ${report}`);
    expect(mean(results.evolution)).toBeGreaterThanOrEqual(mean(results.random));
    expect(mean(results.reinforce)).toBeGreaterThanOrEqual(mean(results.random));
    for (const xs of Object.values(results)) {
      expect(mean(xs)).toBeGreaterThan(MEDIAN_TEST + 3);
      expect(Math.min(...xs)).toBeGreaterThan(MEDIAN_TEST);
    }
  });
});

describe('search loop on the table', () => {
  it('a simulated-time budget stops at the first candidate that crosses it', () => {
    const budget = 100_000; // seconds of benchmark training time
    const r = runSearchSync({ space: nb201Space, strategy: createStrategy('evolution', nb201Space, {}, 1), evaluator: new TabularEvaluator(table), budget: { simulatedSeconds: budget } });
    const n = r.log.length;
    expect(r.stopReason).toBe('budget');
    expect(r.log[n - 1].simulated_time).toBeGreaterThanOrEqual(budget);
    expect(r.log[n - 2].simulated_time).toBeLessThan(budget);
    // cumulative train_time_s
    let t = 0;
    for (const e of r.log) {
      t += e.metrics.train_time_s;
      expect(e.simulated_time).toBeCloseTo(t, 6);
    }
  });

  it('hard latency budget: violators are logged as infeasible, the best respects the budget; Pareto front = brute force', async () => {
    const objective = parseObjectiveSpec({ constraints: ['pixel3_ms <= 8'] });
    const r = await runSearch({
      space: nb201Space,
      strategy: createStrategy('evolution', nb201Space, {}, 4),
      evaluator: new TabularEvaluator(table),
      budget: { queries: 150 },
      objective,
      pareto: { accuracy: 'valid_acc', cost: 'pixel3_ms' },
    });
    expect(r.log.length).toBe(150);
    const infeasible = r.log.filter((e) => !e.feasible);
    expect(infeasible.length).toBeGreaterThan(0);
    for (const e of infeasible) {
      expect(e.objective).toBeNull();
      expect(e.metrics.pixel3_ms).toBeGreaterThan(8);
    }
    expect(r.best!.metrics.pixel3_ms).toBeLessThanOrEqual(8);
    expect(r.best!.objective).toBe(Math.max(...r.log.filter((e) => e.feasible).map((e) => e.metrics.valid_acc)));
    const pts = r.log.map((e) => [e.metrics.valid_acc, e.metrics.pixel3_ms]);
    const brute = paretoFrontIndices(pts, ['max', 'min']).map((i) => r.log[i].id);
    expect(r.pareto.map((e) => e.id).sort((a, b) => a - b)).toEqual(brute);
  });

  it('a latency penalty (lambda per ms) trades accuracy for speed', () => {
    const run = (lambda: number) =>
      SEEDS_SMALL.map((seed) => runSearchSync({
        space: nb201Space,
        strategy: createStrategy('evolution', nb201Space, {}, seed),
        evaluator: new TabularEvaluator(table),
        budget: { queries: 150 },
        objective: parseObjectiveSpec({ penalties: [{ metric: 'pixel3_ms', lambda }] }),
      }).best!.metrics.pixel3_ms);
    expect(mean(run(0.5))).toBeLessThan(mean(run(0)));
  });
});

const SEEDS_SMALL = [0, 1, 2, 3, 4, 5, 6, 7];
