/**
 * UI state of the benchmark lab (Svelte 5 runes): the stored tables, the lab settings, and what the
 * worker streamed back. It renders nothing and searches nothing; it calls the bridge and folds events in.
 */
import { getContext, setContext } from 'svelte';
import { listTables, deleteTable, openDb } from '../../db';
import type { ObjectiveSpec } from '../../protocol/run';
import { labSeries, seriesOf, type LabEvent, type LabPick, type LabRunResult, type LabSeries, type LabSpec, type LabStrategy, type LabWarmStart, type TableMeta } from '../../protocol/tabular-api';
import { TabularBridge } from './tabular-bridge';
import { isUserStop } from '../worker-client';

export type LabStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface LabProgress {
  readonly runsDone: number;
  readonly total: number;
  /** Of the current run. */
  readonly fraction: number;
  readonly strategy: LabStrategy | null;
  /** The curve of the current run (the strategy, or its warm-started twin). */
  readonly series?: LabSeries | null;
  readonly seed: number | null;
}

export const MAX_LAB_QUERIES = 15_625;
export const MAX_LAB_SEEDS = 100;
export const MAX_WARM_POOL = 5000;

export class TabularStore {
  readonly bridge = new TabularBridge();
  tables = $state<TableMeta[]>([]);
  tableId = $state<string | null>(null);
  importing = $state(false);
  importError = $state<string | null>(null);
  lastImported = $state<string | null>(null);

  // Settings of the next lab.
  strategies = $state<LabStrategy[]>(['random', 'evolution']);
  seeds = $state<number | null>(10);
  firstSeed = $state<number | null>(0);
  budgetKind = $state<'queries' | 'hours'>('queries');
  queries = $state<number | null>(100);
  hours = $state<number | null>(50);
  /** '' = accuracy only; otherwise a latency column of the table. */
  latencyColumn = $state('');
  latencyMode = $state<'constraint' | 'penalty'>('constraint');
  /** ms for a constraint; accuracy points per ms for a penalty. */
  latencyValue = $state<number | null>(8);
  /** Also run each strategy with a zero-cost warm start (an extra curve each). */
  warmStart = $state(false);
  warmProxy = $state<LabWarmStart['proxy']>('synflow');
  warmPool = $state<number | null>(50);
  warmKeep = $state<number | null>(10);

  // What the last lab produced.
  status = $state<LabStatus>('idle');
  results = $state<LabRunResult[]>([]);
  spec = $state<LabSpec | null>(null);
  runTable = $state<TableMeta | null>(null);
  oracle = $state<LabPick | null>(null);
  progress = $state<LabProgress | null>(null);
  elapsedMs = $state<number | null>(null);
  error = $state<string | null>(null);
  private cancelRequested = false;

  readonly table = $derived(this.tables.find((t) => t.id === this.tableId) ?? null);

  /** Problems with the settings, in words; the Run button stays disabled while there are any. */
  readonly problems = $derived.by(() => {
    const p: string[] = [];
    const int = (x: number | null) => typeof x === 'number' && Number.isInteger(x);
    if (!this.table) p.push('Pick or import a benchmark table.');
    if (this.strategies.length === 0) p.push('Tick at least one strategy.');
    if (!int(this.seeds) || this.seeds! < 1 || this.seeds! > MAX_LAB_SEEDS) p.push(`Seeds must be a whole number from 1 to ${MAX_LAB_SEEDS}.`);
    if (!int(this.firstSeed) || this.firstSeed! < 0) p.push('First seed must be a whole number ≥ 0.');
    if (this.budgetKind === 'queries' && (!int(this.queries) || this.queries! < 1 || this.queries! > MAX_LAB_QUERIES)) {
      p.push(`Budget must be a whole number of queries from 1 to ${MAX_LAB_QUERIES.toLocaleString('en-US')} (the size of the space).`);
    }
    if (this.budgetKind === 'hours') {
      if (!(typeof this.hours === 'number' && this.hours > 0)) p.push('Budget must be a positive number of simulated hours.');
      if (this.table && !this.table.hasTrainTime) p.push(`${this.table.name} has no train_time_s column: use a query budget.`);
    }
    if (this.warmStart) {
      if (!int(this.warmPool) || this.warmPool! < 1 || this.warmPool! > MAX_WARM_POOL) p.push(`Warm-start pool must be a whole number of cells from 1 to ${MAX_WARM_POOL}.`);
      else if (!int(this.warmKeep) || this.warmKeep! < 1 || this.warmKeep! > this.warmPool!) p.push(`Warm-start top-K must be a whole number from 1 to the pool size (${this.warmPool}).`);
    }
    if (this.latencyColumn) {
      if (this.table && !this.table.latencyColumns.includes(this.latencyColumn)) p.push(`${this.table.name} has no column ${this.latencyColumn}.`);
      const v = this.latencyValue;
      if (typeof v !== 'number' || !Number.isFinite(v)) p.push(this.latencyMode === 'constraint' ? 'Enter the latency budget in ms.' : 'Enter the penalty per ms.');
      else if (this.latencyMode === 'constraint' && v <= 0) p.push('A latency budget must be > 0 ms.');
      else if (this.latencyMode === 'penalty' && v < 0) p.push('A penalty must be ≥ 0 per ms.');
    }
    return p;
  });

  readonly objective = $derived.by((): ObjectiveSpec => {
    const col = this.latencyColumn;
    const v = this.latencyValue ?? 0;
    return {
      metric: 'valid_acc',
      penalties: col && this.latencyMode === 'penalty' ? [{ metric: col, lambda: v }] : [],
      constraints: col && this.latencyMode === 'constraint' ? [{ metric: col, op: '<=', value: v }] : [],
    };
  });

  constructor() {
    this.bridge.on((e) => this.handle(e));
  }

  private handle(e: LabEvent): void {
    switch (e.type) {
      case 'start':
        this.runTable = e.table;
        this.oracle = e.oracle;
        this.progress = { runsDone: 0, total: e.total, fraction: 0, strategy: null, seed: null };
        break;
      case 'progress':
        if (this.status !== 'running') break;
        this.progress = { runsDone: e.runsDone, total: e.total, fraction: e.fraction, strategy: e.strategy, series: e.series, seed: e.seed };
        break;
      case 'run':
        // Events travel on their own channel, so they may land after run() resolved with every result.
        if (this.results.some((r) => seriesOf(r) === seriesOf(e.result) && r.seed === e.result.seed)) break;
        this.results = [...this.results, e.result];
        if (this.status !== 'running') break;
        this.progress = { runsDone: e.runsDone, total: e.total, fraction: 0, strategy: e.result.strategy, seed: e.result.seed };
        break;
      case 'done':
        this.progress = { runsDone: e.runsDone, total: e.total, fraction: 0, strategy: null, seed: null };
        this.elapsedMs = e.elapsedMs;
        if (this.status === 'running') this.status = e.cancelled ? 'cancelled' : 'done';
        break;
    }
  }

  /** Lists the tables stored in this browser (metadata only; the worker reads the CSV text). */
  async load(): Promise<void> {
    try {
      this.tables = await listTables(await openDb());
      if (!this.table) this.tableId = this.tables.at(-1)?.id ?? null;
    } catch (e) {
      this.importError = `Could not read stored tables: ${message(e)}`;
    }
  }

  async importFile(file: File): Promise<boolean> {
    this.importing = true;
    this.importError = null;
    this.lastImported = null;
    try {
      const meta = await this.bridge.importTable(file);
      this.tables = [...this.tables.filter((t) => t.id !== meta.id), meta];
      this.tableId = meta.id;
      this.lastImported = meta.name;
      if (this.latencyColumn && !meta.latencyColumns.includes(this.latencyColumn)) this.latencyColumn = '';
      if (!meta.hasTrainTime) this.budgetKind = 'queries';
      return true;
    } catch (e) {
      this.importError = message(e);
      return false;
    } finally {
      this.importing = false;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await deleteTable(await openDb(), id);
      this.tables = this.tables.filter((t) => t.id !== id);
      if (this.tableId === id) this.tableId = this.tables.at(-1)?.id ?? null;
    } catch (e) {
      this.importError = `Could not delete the table: ${message(e)}`;
    }
  }

  async run(): Promise<void> {
    if (this.status === 'running' || this.problems.length > 0 || !this.tableId) return;
    const spec: LabSpec = {
      tableId: this.tableId,
      strategies: this.strategies.slice(),
      seeds: this.seeds!,
      firstSeed: this.firstSeed!,
      budget: this.budgetKind === 'queries' ? { kind: 'queries', queries: this.queries! } : { kind: 'hours', hours: this.hours! },
      objective: $state.snapshot(this.objective) as ObjectiveSpec,
      warmStart: this.warmStart ? { proxy: this.warmProxy, pool: this.warmPool!, keep: this.warmKeep! } : null,
    };
    this.spec = spec;
    this.results = [];
    this.oracle = null;
    this.elapsedMs = null;
    this.error = null;
    const total = labSeries(spec).length * spec.seeds;
    this.progress = { runsDone: 0, total, fraction: 0, strategy: null, seed: null };
    this.status = 'running';
    this.cancelRequested = false;
    try {
      const all = await this.bridge.run(spec);
      if (this.spec !== spec) return;
      this.results = all;
      this.progress = { runsDone: all.length, total, fraction: 0, strategy: null, seed: null };
      if (this.status === 'running') this.status = this.cancelRequested ? 'cancelled' : 'done';
    } catch (e) {
      // The user's Cancel (a worker terminated when it did not answer in time) is a cancelled lab, not a failure.
      if (this.status === 'running' && isUserStop(e, this.cancelRequested)) {
        this.status = 'cancelled';
      } else if (this.status === 'running') {
        this.status = 'failed';
        this.error = message(e);
      }
    }
  }

  async cancel(): Promise<void> {
    if (this.status !== 'running') return;
    this.cancelRequested = true;
    const outcome = await this.bridge.cancel();
    if (outcome === 'terminated' || this.status === 'running') this.status = 'cancelled';
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const KEY = Symbol('tabular-store');
export const setTabularStore = (s: TabularStore) => setContext(KEY, s);
export const useTabularStore = () => getContext<TabularStore>(KEY);
