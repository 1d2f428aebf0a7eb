/**
 * The benchmark-lab worker (tabular mode): imports NAS-Bench-201-style tables into IndexedDB and runs
 * every (strategy, seed) of a lab on one of them with the engine's search loop and TabularEvaluator,
 * streaming each finished run. It exposes ONE typed api object with comlink (the squoosh pattern); one lab runs
 * at a time (workers/job.ts).
 *
 * Searches see valid_acc (and whatever the objective names); test_acc is only read back for the cell a
 * search returned, and the objective may not name it.
 *
 * With `warmStart`, every strategy also runs as "<strategy> + zero-cost warm start" (strategy/prerank.ts):
 * the pool is scored by a proxy at a tiny NB201 skeleton (workers/tabular-prerank.ts, loaded on demand).
 * Scoring adds no simulated time and no queries; its measured wall time is reported with each run.
 */
import * as Comlink from 'comlink';
import * as v from 'valibot';
import { getTable, openDb, putTable, TABLE_RECORD_VERSION, type TableRecord } from '../src/db';
import { parseNb201Table, type Nb201Table } from '../src/engine/data/nb201-table';
import { TabularEvaluator } from '../src/engine/evaluator/tabular';
import type { Evaluator } from '../src/engine/evaluator/types';
import { runSearch, type RunLogEntry, type SearchBudget } from '../src/engine/search/loop';
import { nb201FromString, nb201Space, type Nb201Genotype } from '../src/engine/space/nb201/space';
import { computeObjective, parseObjectiveSpec, type ObjectiveSpec } from '../src/engine/strategy/objective';
import { createStrategy } from '../src/engine/strategy/registry';
import type { Candidate } from '../src/engine/strategy/types';
import {
  LAB_PROXIES,
  LAB_STRATEGIES,
  labSeries,
  seriesStrategy,
  isWarmSeries,
  type LabWarmStart,
  type LabEventListener,
  type LabPick,
  type LabRunResult,
  type LabSpec,
  type TableMeta,
  type TabularWorkerApi,
} from '../src/protocol/tabular-api';
import { JobRunner } from './job';

const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** The NB201 space has 15,625 cells; no search needs more queries than that. */
const MAX_QUERIES = 15_625;
const MAX_SEEDS = 100;
/** Hand the event loop back (cancel, progress) at least this often while searching. */
const YIELD_MS = 25;

/** Parsed tables by id (parsing 15,625 rows takes a moment; the text never changes under an id). */
const parsed = new Map<string, Nb201Table>();
const jobs = new JobRunner(() => 'A lab is already running in this worker; cancel it first');

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function labTableChecks(table: Nb201Table, source: string): void {
  if (!table.columns.includes('valid_acc')) {
    throw new Error(`${source}: column "valid_acc" is missing: the lab searches on validation accuracy (columns: ${table.columns.join(', ')})`);
  }
}

async function loadTable(id: string): Promise<{ meta: TableMeta; table: Nb201Table }> {
  const record = await getTable(await openDb(), id);
  if (!record) throw new Error(`Table "${id}" is not in this browser's storage; import the CSV file again`);
  const { text: _text, ...meta } = record;
  let table = parsed.get(id);
  if (!table) {
    table = parseNb201Table(record.text, { source: record.name });
    parsed.set(id, table);
  }
  return { meta, table };
}

const int = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.integer(`${key} must be a whole number`), v.minValue(min, `${key} must be at least ${min}`), v.maxValue(max, `${key} must be at most ${max}`));

const LabSpecSchema = v.strictObject({
  tableId: v.pipe(v.string('pick a table'), v.minLength(1, 'pick a table')),
  strategies: v.pipe(
    v.array(v.picklist(LAB_STRATEGIES, `strategies must be among ${LAB_STRATEGIES.join(', ')}`), 'strategies must be a list'),
    v.minLength(1, 'pick at least one strategy'),
    v.check((xs) => new Set(xs).size === xs.length, 'a strategy is listed twice'),
  ),
  seeds: int('seeds', 1, MAX_SEEDS),
  firstSeed: int('first seed', 0, 2 ** 31 - 1),
  budget: v.variant('kind', [
    v.strictObject({ kind: v.literal('queries'), queries: int('budget (queries)', 1, MAX_QUERIES) }),
    v.strictObject({
      kind: v.literal('hours'),
      hours: v.pipe(v.number('budget (hours) must be a number'), v.gtValue(0, 'budget (hours) must be > 0'), v.maxValue(1e6, 'budget (hours) must be at most 1,000,000')),
    }),
  ], 'budget must be {kind: "queries", queries} or {kind: "hours", hours}'),
  objective: v.unknown(),
  warmStart: v.optional(v.nullable(v.pipe(
    v.strictObject({
      proxy: v.picklist(LAB_PROXIES, `warm-start proxy must be one of ${LAB_PROXIES.join(', ')}`),
      pool: int('warm-start pool', 1, 5000),
      keep: int('warm-start top-K', 1, 1000),
    }, 'warm start must be {proxy, pool, keep}'),
    v.check((w) => w.keep <= w.pool, 'warm-start top-K must be at most the pool size'),
  ))),
});

function validateSpec(input: unknown, meta: TableMeta | null): LabSpec & { objective: ObjectiveSpec } {
  const r = v.safeParse(LabSpecSchema, input);
  if (!r.success) {
    throw new Error(`Invalid lab settings: ${r.issues.map((i) => (v.getDotPath(i) ? `${v.getDotPath(i)}: ${i.message}` : i.message)).join('; ')}`);
  }
  let objective: ObjectiveSpec;
  try {
    objective = parseObjectiveSpec(r.output.objective);
  } catch (e) {
    throw new Error(`Invalid lab settings: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (meta) {
    const named = [objective.metric, ...objective.penalties.map((p) => p.metric), ...objective.constraints.map((c) => c.metric)];
    for (const m of named) {
      if (/^test/.test(m)) throw new Error(`Invalid lab settings: the objective uses "${m}", but test accuracy is for reporting only — a search may use validation numbers, never test`);
      if (!meta.columns.includes(m)) throw new Error(`Invalid lab settings: the objective uses "${m}", which is not a column of ${meta.name} (columns: ${meta.columns.join(', ')})`);
    }
    if (r.output.budget.kind === 'hours' && !meta.hasTrainTime) {
      throw new Error(`Invalid lab settings: a simulated-time budget needs a train_time_s column, which ${meta.name} does not have; use a query budget`);
    }
  }
  return { ...r.output, objective };
}

function pick(entry: RunLogEntry, foundAt: number): LabPick {
  return {
    arch: entry.arch,
    hash: entry.hash,
    genotype: nb201FromString(entry.arch),
    metrics: entry.metrics,
    objective: entry.objective ?? -Infinity,
    foundAt,
  };
}

/** Best cell of the whole table under the objective: the ceiling every curve is heading for. */
function oracle(table: Nb201Table, objective: ObjectiveSpec): LabPick | null {
  let best: { arch: string; metrics: Readonly<Record<string, number>>; objective: number } | null = null;
  for (const row of table.rows) {
    const o = computeObjective(objective, row.metrics).objective;
    if (o > -Infinity && (best === null || o > best.objective)) best = { arch: row.arch, metrics: row.metrics, objective: o };
  }
  if (!best) return null;
  const genotype: Nb201Genotype = nb201FromString(best.arch);
  const { index: _index, ...metrics } = best.metrics;
  return { arch: best.arch, hash: nb201Space.hash(genotype), genotype, metrics, objective: best.objective, foundAt: 0 };
}

async function runLab(spec: LabSpec & { objective: ObjectiveSpec }, table: Nb201Table, meta: TableMeta, onEvent: LabEventListener, signal: AbortSignal): Promise<LabRunResult[]> {
  const started = performance.now();
  const total = labSeries(spec).length * spec.seeds;
  const results: LabRunResult[] = [];
  onEvent({ type: 'start', total, table: meta, oracle: oracle(table, spec.objective) });
  const budget: SearchBudget = spec.budget.kind === 'queries' ? { queries: spec.budget.queries } : { simulatedSeconds: spec.budget.hours * 3600 };
  const lookup = new TabularEvaluator<Nb201Genotype>(table);
  let lastYield = performance.now();

  const warm: LabWarmStart | null = spec.warmStart ?? null;
  const scorer = warm ? await import('./tabular-prerank').then((m) => m.createLabScorer(warm.proxy)) : null;

  try {
    outer: for (const series of labSeries(spec)) {
      const name = seriesStrategy(series);
      const warmed = isWarmSeries(series) && warm !== null && scorer !== null;
      for (let k = 0; k < spec.seeds; k++) {
        if (signal.aborted) break outer;
        const seed = spec.firstSeed + k;
        // Evolution's warm start fills its initial population (P = 10), so its top-K is P; the others take `keep`.
        const options = warmed ? { prerank: { proxy: warm.proxy, pool: warm.pool, ...(name === 'evolution' ? {} : { keep: warm.keep }) } } : {};
        const before = scorer?.totals();
        const strategy = createStrategy(name, nb201Space, options, seed, warmed ? scorer.score : undefined);
        onEvent({ type: 'progress', strategy: name, series, seed, runsDone: results.length, total, fraction: 0 });
        await macrotask();
        const curve = { t: [] as number[], q: [] as number[], valid: [] as number[], objective: [] as number[] };
        let incumbent: LabPick | null = null;
        let fraction = 0;
        const evaluator: Evaluator<Nb201Genotype> = {
          async evaluate(c: Candidate<Nb201Genotype>) {
            if (performance.now() - lastYield > YIELD_MS) {
              await macrotask();
              lastYield = performance.now();
              onEvent({ type: 'progress', strategy: name, series, seed, runsDone: results.length, total, fraction });
            }
            return lookup.evaluateSync(c);
          },
        };
        const result = await runSearch<Nb201Genotype>({
          space: nb201Space,
          strategy,
          evaluator,
          budget,
          objective: spec.objective,
          timeMetric: 'train_time_s',
          signal,
          onEvent: (e) => {
            if (e.type === 'progress') fraction = e.fraction;
            if (e.type !== 'candidate' || e.entry.best_id !== e.entry.id) return;
            const q = e.entry.id + 1;
            incumbent = pick(e.entry, q);
            curve.t.push(e.entry.simulated_time);
            curve.q.push(q);
            curve.valid.push(e.entry.metrics.valid_acc);
            curve.objective.push(incumbent.objective);
          },
        });
        // A run cut short by cancel would bias the means (it had less budget): it is dropped.
        if (result.stopReason === 'aborted') break outer;
        const after = scorer?.totals();
        const run: LabRunResult = {
          strategy: name,
          series,
          ...(warmed && before && after ? { prerank: { proxy: warm.proxy, scored: after.scored - before.scored, scoreMs: after.ms - before.ms } } : {}),
          seed,
          stopReason: result.stopReason,
          queries: result.queries,
          simulatedSeconds: result.simulatedTime,
          curve,
          best: incumbent,
        };
        results.push(run);
        onEvent({ type: 'run', result: run, runsDone: results.length, total });
      }
    }
  } finally {
    scorer?.dispose();
  }
  onEvent({ type: 'done', cancelled: signal.aborted, runsDone: results.length, total, elapsedMs: performance.now() - started });
  return results;
}

const api: TabularWorkerApi = {
  async importTable(file, name) {
    const source = name || 'table.csv';
    if (file.size > MAX_FILE_BYTES) {
      throw new Error(`${source}: the file is ${(file.size / 1e6).toFixed(1)} MB; the lab takes tables up to ${MAX_FILE_BYTES / 1024 / 1024} MB`);
    }
    const text = await file.text();
    // Parse and check first: a bad file throws here and nothing is stored.
    const table = parseNb201Table(text, { source });
    labTableChecks(table, source);
    const id = `table:${(await sha256Hex(text)).slice(0, 20)}`;
    const db = await openDb();
    const existing = await getTable(db, id).catch(() => undefined);
    const record: TableRecord = {
      version: TABLE_RECORD_VERSION,
      id,
      name: source,
      rows: table.size,
      bytes: file.size,
      columns: table.columns.slice(),
      accuracyColumns: table.accuracyColumns.slice(),
      latencyColumns: table.latencyColumns.slice(),
      hasTrainTime: table.columns.includes('train_time_s'),
      createdAt: existing?.createdAt ?? Date.now(),
      text,
    };
    const meta = await putTable(db, record);
    parsed.set(id, table);
    return meta;
  },

  run(input, onEvent) {
    return jobs.run('a lab', async (signal) => {
      const tableId = (input as { tableId?: unknown })?.tableId;
      if (typeof tableId !== 'string' || tableId.length === 0) throw new Error('Invalid lab settings: pick a table');
      const { meta, table } = await loadTable(tableId);
      return runLab(validateSpec(input, meta), table, meta, onEvent, signal);
    });
  },

  cancel: () => jobs.stop(),
};

Comlink.expose(api);
