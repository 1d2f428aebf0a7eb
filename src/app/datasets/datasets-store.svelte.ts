/**
 * UI state of the Datasets tab (Svelte 5 runes): the stored datasets (read from IndexedDB), the import in
 * progress (through the data worker), the preview and split settings, and the browser's storage numbers.
 * It renders nothing and parses nothing.
 */
import { getContext, setContext } from 'svelte';
import { deleteDataset, listRuns, listStoredDatasets, openDb, renameDataset, runsUsingDataset, type StoredDataset } from '../../db';
import type { DataEvent, DatasetPreview, ImportSource, SplitSpec, SplitSummary } from '../../protocol/data-api';
import type { RunRecord } from '../../protocol/run';
import { DataBridge } from './data-bridge';
import { ERROR_HELP, isCancel } from './errors';

export interface ShownError {
  readonly message: string;
  readonly code?: string;
  readonly file?: string;
  readonly help?: string;
}

export interface RunRef {
  readonly id: string;
  readonly name: string;
  readonly status: string;
}

export interface StorageInfo {
  readonly usage: number;
  readonly quota: number;
}

export type PersistState = 'persisted' | 'best-effort' | 'unsupported';

function shown(e: unknown): ShownError {
  const err = e as { message?: string; code?: string; file?: string; name?: string };
  const message = err?.message ?? String(e);
  if (err?.name === 'DatasetFormatError' && err.code) {
    return { message, code: err.code, file: err.file, help: ERROR_HELP[err.code as keyof typeof ERROR_HELP] };
  }
  return { message };
}

const runRef = (r: RunRecord): RunRef => ({ id: r.id, name: r.config.name, status: r.status });

export class DatasetsStore {
  readonly bridge = new DataBridge();

  // Stored datasets and storage.
  stored = $state.raw<StoredDataset[]>([]);
  runsByDataset = $state.raw<Record<string, RunRef[]>>({});
  loaded = $state(false);
  storage = $state<StorageInfo | null>(null);
  persist = $state<PersistState | null>(null);
  /** What the last persist() request answered, in words. */
  persistMessage = $state<string | null>(null);
  listError = $state<string | null>(null);

  // The import in progress.
  busy = $state<'preview' | 'commit' | null>(null);
  progress = $state.raw<DataEvent | null>(null);
  error = $state.raw<ShownError | null>(null);
  notice = $state<string | null>(null);
  preview = $state.raw<DatasetPreview | null>(null);

  // Split settings of the preview.
  splitMethod = $state<'stratified' | 'temporal'>('stratified');
  seed = $state<number | null>(1);
  validPct = $state<number | null>(10);
  testPct = $state<number | null>(10);
  field = $state('');
  /** Index into preview.fixedTests, or -1 for a test fraction. */
  fixedTest = $state(-1);
  wholeGroups = $state(true);
  splitSummary = $state.raw<SplitSummary | null>(null);
  splitError = $state<string | null>(null);
  commitName = $state('');
  private splitSeq = 0;

  // Delete confirmation and rename.
  confirming = $state.raw<{ id: string; name: string; runs: RunRef[] } | null>(null);
  renamingId = $state<string | null>(null);

  constructor(private readonly onChanged: () => void = () => undefined) {
    this.bridge.on((e) => (this.progress = e));
  }

  /** The split the settings describe, or a reason why they do not describe one. */
  readonly splitSpec = $derived.by((): SplitSpec | string => {
    const p = this.preview;
    if (!p) return 'No preview';
    const frac = (x: number | null, what: string): number | string =>
      typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 90 ? x / 100 : `${what} must be a percentage from 0 to 90`;
    const valid = frac(this.validPct, 'Validation');
    if (typeof valid === 'string') return valid;
    if (this.splitMethod === 'temporal') {
      const test = frac(this.testPct, 'Test');
      if (typeof test === 'string') return test;
      if (valid + test >= 1) return 'Validation and test together must be under 100%';
      if (!p.fields.some((f) => f.name === this.field)) return 'Pick the field to order by';
      return { method: 'temporal', field: this.field, valid, test, wholeGroups: this.wholeGroups };
    }
    if (!(typeof this.seed === 'number' && Number.isInteger(this.seed) && this.seed >= 0)) return 'Seed must be a whole number ≥ 0';
    const fixed = p.fixedTests[this.fixedTest];
    if (fixed) return { method: 'stratified', seed: this.seed, valid, test: 0, testField: fixed.field, testValues: [...fixed.values], ...(fixed.files ? { testFiles: [...fixed.files] } : {}) };
    const test = frac(this.testPct, 'Test');
    if (typeof test === 'string') return test;
    if (valid + test >= 1) return 'Validation and test together must be under 100%';
    return { method: 'stratified', seed: this.seed, valid, test };
  });

  readonly datasetBytes = $derived(this.stored.reduce((s, d) => s + d.meta.bytes, 0));

  async load(): Promise<void> {
    try {
      const db = await openDb();
      const [stored, runs] = await Promise.all([listStoredDatasets(db), listRuns(db)]);
      const by: Record<string, RunRef[]> = {};
      for (const r of runs) (by[r.config.evaluator.dataset] ??= []).push(runRef(r));
      this.stored = stored;
      this.runsByDataset = by;
      this.listError = null;
    } catch (e) {
      this.listError = `Could not read the stored datasets: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.loaded = true;
    }
    await this.refreshStorage();
  }

  async refreshStorage(): Promise<void> {
    const sm = typeof navigator !== 'undefined' ? navigator.storage : undefined;
    if (!sm?.estimate) {
      this.storage = null;
      this.persist = 'unsupported';
      return;
    }
    try {
      const est = await sm.estimate();
      this.storage = { usage: est.usage ?? 0, quota: est.quota ?? 0 };
      this.persist = sm.persisted ? ((await sm.persisted()) ? 'persisted' : 'best-effort') : 'unsupported';
    } catch {
      this.storage = null;
    }
  }

  /** Asks the browser not to evict this site's data; called when the user stores a dataset. */
  async requestPersist(): Promise<void> {
    const sm = navigator.storage;
    if (!sm?.persist) {
      this.persist = 'unsupported';
      this.persistMessage = 'This browser cannot mark storage as persistent; it may evict data when the disk runs low.';
      return;
    }
    try {
      const granted = (await sm.persisted?.()) || (await sm.persist());
      this.persist = granted ? 'persisted' : 'best-effort';
      this.persistMessage = granted
        ? 'Asked for persistent storage when you stored data: granted.'
        : 'Asked for persistent storage when you stored data: not granted. The browser decides from how the site is used; installing the app or bookmarking it makes a grant more likely.';
    } catch (e) {
      this.persistMessage = `Asking for persistent storage failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Reads/decodes/generates a dataset in the worker and shows its preview. */
  async runImport(source: ImportSource): Promise<void> {
    if (this.busy) return;
    await this.discard();
    this.busy = 'preview';
    this.error = null;
    this.notice = null;
    this.progress = null;
    try {
      const p = await this.bridge.preview(source);
      this.preview = p;
      this.commitName = p.name;
      this.applySuggested(p);
    } catch (e) {
      this.error = isCancel(e) ? null : shown(e);
      if (isCancel(e)) this.notice = 'Import cancelled; nothing was stored.';
    } finally {
      this.busy = null;
      this.progress = null;
    }
    if (this.preview) await this.refreshSplit();
  }

  private applySuggested(p: DatasetPreview): void {
    const s = p.suggestedSplit;
    this.splitMethod = s.method;
    this.validPct = Math.round(s.valid * 1000) / 10;
    this.testPct = s.method === 'stratified' && s.testField ? 10 : Math.round(s.test * 1000) / 10;
    this.field = s.method === 'temporal' ? s.field : (p.fields[0]?.name ?? '');
    this.wholeGroups = s.method === 'temporal' ? (s.wholeGroups ?? true) : true;
    this.seed = s.method === 'stratified' ? s.seed : 1;
    this.fixedTest = s.method === 'stratified' && s.testField ? p.fixedTests.findIndex((f) => f.field === s.testField) : -1;
    this.splitSummary = null;
  }

  /** Recomputes the split summary for the current settings (latest call wins). */
  async refreshSplit(): Promise<void> {
    const p = this.preview;
    const spec = this.splitSpec;
    const seq = ++this.splitSeq;
    if (!p) return;
    if (typeof spec === 'string') {
      this.splitSummary = null;
      this.splitError = spec;
      return;
    }
    try {
      const summary = await this.bridge.previewSplit(p.id, spec);
      if (seq !== this.splitSeq) return;
      this.splitSummary = summary;
      this.splitError = null;
    } catch (e) {
      if (seq !== this.splitSeq) return;
      this.splitSummary = null;
      this.splitError = e instanceof Error ? e.message : String(e);
    }
  }

  /** Locks the split and stores the dataset (one transaction); asks for persistent storage. */
  async commit(): Promise<void> {
    const p = this.preview;
    const spec = this.splitSpec;
    if (!p || this.busy || typeof spec === 'string') return;
    this.busy = 'commit';
    this.error = null;
    this.notice = null;
    this.progress = null;
    const persisting = this.persist === 'persisted' ? Promise.resolve() : this.requestPersist();
    try {
      const r = await this.bridge.commit(p.id, { name: this.commitName, split: spec });
      this.preview = null;
      this.splitSummary = null;
      this.notice = `Stored "${r.name}": ${r.count.toLocaleString('en-US')} images, split locked (train ${r.split.sizes.train.toLocaleString('en-US')} · validation ${r.split.sizes.valid.toLocaleString('en-US')} · test ${r.split.sizes.test.toLocaleString('en-US')}).`;
      this.onChanged();
    } catch (e) {
      this.error = isCancel(e) ? null : shown(e);
      if (isCancel(e)) this.notice = 'Storing cancelled; nothing was stored.';
    } finally {
      this.busy = null;
      this.progress = null;
    }
    await persisting;
    await this.load();
  }

  async discard(): Promise<void> {
    const p = this.preview;
    this.preview = null;
    this.splitSummary = null;
    this.splitError = null;
    if (p) await this.bridge.discard(p.id).catch(() => undefined);
  }

  async cancel(): Promise<void> {
    if (!this.busy) return;
    const outcome = await this.bridge.cancel();
    if (outcome === 'terminated') {
      this.preview = null;
      this.splitSummary = null;
    }
  }

  dismissError(): void {
    this.error = null;
  }

  async rename(id: string, name: string): Promise<boolean> {
    try {
      await renameDataset(await openDb(), id, name);
      this.renamingId = null;
      this.listError = null;
      await this.load();
      this.onChanged();
      return true;
    } catch (e) {
      this.listError = e instanceof Error ? e.message : String(e);
      return false;
    }
  }

  /** First step of a delete: find the runs that use the dataset and ask. */
  async askDelete(id: string): Promise<void> {
    const d = this.stored.find((x) => x.meta.id === id);
    if (!d) return;
    const runs = await runsUsingDataset(await openDb(), id);
    this.confirming = { id, name: d.meta.name, runs: runs.map(runRef) };
  }

  async confirmDelete(): Promise<void> {
    const c = this.confirming;
    if (!c) return;
    try {
      await deleteDataset(await openDb(), c.id);
      this.notice = `Deleted "${c.name}".`;
      this.listError = null;
    } catch (e) {
      this.listError = `Could not delete "${c.name}": ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.confirming = null;
    }
    await this.load();
    this.onChanged();
  }
}

const KEY = Symbol('datasets-store');
export const setDatasetsStore = (s: DatasetsStore) => setContext(KEY, s);
export const useDatasetsStore = () => getContext<DatasetsStore>(KEY);
