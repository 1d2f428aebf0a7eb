/**
 * Tabular benchmark evaluator (NAS-Bench-201 style): a "training run" is a table lookup, and its
 * simulated cost is the table's `train_time_s` (the loop adds it up for a simulated-time budget).
 * Metrics are the row's numeric columns except `index`: valid_acc, test_acc, train_time_s, *_ms
 * latencies, ... A strategy must search on valid_acc; test_acc is for reporting only.
 */
import type { Candidate } from '../strategy/types';
import type { Nb201Table } from '../data/nb201-table';
import { nb201ToString, type Nb201Genotype } from '../space/nb201/space';
import { throwIfAborted, type AbortSignalLike } from '../util/abort';
import type { SyncEvaluator } from './types';

/** The genotype has no row in the table. */
export class TabularLookupError extends Error {
  override readonly name = 'TabularLookupError';
}

export interface TabularEvaluatorOptions<G> {
  /** Arch string of a genotype as the table's `arch` column spells it (default: the NB201 string). */
  readonly archOf?: (g: G) => string;
}

export class TabularEvaluator<G = Nb201Genotype> implements SyncEvaluator<G> {
  /** Metric the search loop should use as simulated cost. */
  readonly costMetric = 'train_time_s';
  private readonly archOf: (g: G) => string;
  /** Number of lookups answered. */
  queries = 0;

  constructor(readonly table: Nb201Table, options: TabularEvaluatorOptions<G> = {}) {
    this.archOf = options.archOf ?? ((g: G) => nb201ToString(g as unknown as Nb201Genotype));
  }

  evaluateSync(c: Candidate<G>): Record<string, number> {
    const arch = this.archOf(c.genotype);
    const row = this.table.get(arch);
    if (!row) throw new TabularLookupError(`tabular: arch ${arch} (candidate ${c.id}) is not in the table (${this.table.size} rows)`);
    this.queries++;
    const out: Record<string, number> = {};
    for (const [k, x] of Object.entries(row.metrics)) if (k !== 'index') out[k] = x;
    return out;
  }

  evaluate(c: Candidate<G>, signal?: AbortSignalLike): Promise<Record<string, number>> {
    try {
      throwIfAborted(signal, `tabular lookup of candidate ${c.id}`);
      return Promise.resolve(this.evaluateSync(c));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
