/**
 * What the kill-and-resume browser tests (tests/e2e/kill-resume*.test.ts) read and inject: a run's stored state
 * straight from IndexedDB (no app code), with the wall-clock fields left out so two runs of one config compare
 * exactly; and a delay injected into a worker's own IndexedDB writes (IDBObjectStore.prototype.put patched inside
 * the worker's global), which holds a checkpoint write open until the test closes the page.
 */
import type { Page, Worker } from 'playwright-core';
import { setField } from './e2e-harness';

/** A stored candidate without what depends on the clock (latency, times) or on the session (createdAt, backend). */
export interface StoredCandidate {
  readonly id: number;
  readonly arch: string;
  readonly hash: string;
  readonly objective: number | null;
  readonly feasible: boolean;
  readonly parents: readonly number[];
  readonly error: string | null;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface StoredSearch {
  readonly id: string;
  readonly status: string;
  readonly completed: number;
  /** The run's accuracy-vs-cost front (ids). */
  readonly paretoIds: readonly number[];
  /** The checkpoint's next candidate id (null: no checkpoint). */
  readonly nextId: number | null;
  readonly candidates: StoredCandidate[];
  /** The strategy's checkpointed state, as stored. */
  readonly strategy: unknown;
}

/** Metrics measured with a clock: they differ between two runs of one config. */
export const WALL_CLOCK_METRIC = /latency|time|_ms$|_s$|seconds/;

function withoutClock(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([k]) => !WALL_CLOCK_METRIC.test(k)).sort(([a], [b]) => a.localeCompare(b)));
}

/** The Search-tab run named `name` as IndexedDB holds it now (null: no such run). Read in one readonly transaction. */
export async function storedSearch(page: Page, name: string): Promise<StoredSearch | null> {
  const raw = await page.evaluate((runName) => new Promise<{ run: Record<string, unknown>; cp: Record<string, unknown> | null; cands: Record<string, unknown>[] } | null>((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['runs', 'checkpoints', 'candidates'], 'readonly');
      const runs = tx.objectStore('runs').getAll();
      runs.onsuccess = () => {
        const run = (runs.result as { id: string; config: { name: string } }[]).find((r) => r.config.name === runName);
        if (!run) { db.close(); resolve(null); return; }
        const cp = tx.objectStore('checkpoints').get(run.id);
        const cands = tx.objectStore('candidates').index('byRun').getAll(run.id);
        tx.oncomplete = () => { db.close(); resolve({ run: run as unknown as Record<string, unknown>, cp: (cp.result as Record<string, unknown> | undefined) ?? null, cands: cands.result as Record<string, unknown>[] }); };
      };
      tx.onerror = () => reject(tx.error);
    };
  }), name);
  if (!raw) return null;
  const candidates = raw.cands
    .map((c): StoredCandidate => ({
      id: c.id as number, arch: c.arch as string, hash: c.hash as string, objective: (c.objective as number | null) ?? null, feasible: c.feasible as boolean,
      parents: (c.parents as number[] | undefined) ?? [], error: (c.error as string | undefined) ?? null, metrics: withoutClock(c.metrics as Record<string, number>),
    }))
    .sort((a, b) => a.id - b.id);
  return {
    id: raw.run.id as string, status: raw.run.status as string, completed: raw.run.completed as number, paretoIds: (raw.run.paretoIds as number[] | undefined) ?? [],
    nextId: raw.cp ? (raw.cp.nextId as number) : null, candidates, strategy: raw.cp?.strategy ?? null,
  };
}

export interface SearchSettings {
  readonly budget: number;
  readonly epochs: number;
  readonly trainSamples: number;
  readonly validSamples: number;
  readonly seed: number;
  readonly strategy: string;
  /** Zero-cost warm start (the form's defaults) on. */
  readonly warmStart?: boolean;
}

/** Fills the Search tab's form for a tiny seeded run on the forced WASM backend, names it, and starts it. */
export async function startSearch(page: Page, name: string, s: SearchSettings): Promise<void> {
  await setField(page, 'strategy', s.strategy);
  await setField(page, 'backend', 'wasm');
  await setField(page, 'budget', s.budget);
  await setField(page, 'epochs', s.epochs);
  await setField(page, 'train-samples', s.trainSamples);
  await setField(page, 'valid-samples', s.validSamples);
  await setField(page, 'seed', s.seed);
  if (s.warmStart) await page.getByTestId('warm-start-on').check();
  await page.getByTestId('run-name').fill(name);
  await page.getByTestId('start').click();
}

/** Polls IndexedDB until the run named `name` has status `status`. */
export async function waitForStoredStatus(page: Page, name: string, status: string, timeoutMs = 240_000): Promise<StoredSearch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await storedSearch(page, name);
    if (s?.status === status) return s;
    if (s?.status === 'failed') throw new Error(`run "${name}" failed`);
    if (Date.now() > deadline) throw new Error(`run "${name}" did not reach "${status}" (now: ${s?.status ?? 'not stored'})`);
    await page.waitForTimeout(500);
  }
}

/** The broadcast channel the injected write delay announces itself on. */
export const HOLD_CHANNEL = 'kill-resume-hold';

/** Which write to hold: a put into `store` of a record whose `field` is `value`, in a transaction that also writes `sibling`. */
export interface HeldWrite {
  readonly store: string;
  readonly field: string;
  readonly value: number;
  readonly sibling: string;
}

/** The Search tab's write that stores candidate `nextId - 1` with the checkpoint taken after it (which says `nextId`). */
export const searchCheckpointWrite = (nextId: number): HeldWrite => ({ store: 'checkpoints', field: 'nextId', value: nextId, sibling: 'candidates' });

/**
 * Patches IDBObjectStore.prototype.put inside `worker`'s own global: the put `w` names announces itself on
 * HOLD_CHANNEL (with the transaction's stores), then blocks the worker before it is issued — the puts issued before
 * it in the same transaction are pending — until the worker is terminated (the page closed). Nothing is patched in
 * the app's own code.
 */
export async function holdWrite(worker: Worker, w: HeldWrite): Promise<void> {
  await worker.evaluate(({ hold, channel }) => {
    if (typeof IDBObjectStore === 'undefined') return;
    const proto = IDBObjectStore.prototype;
    const put = proto.put;
    proto.put = function patchedPut(this: IDBObjectStore, value: unknown, key?: IDBValidKey): IDBRequest<IDBValidKey> {
      const v = value as Record<string, unknown> | null;
      if (this.name === hold.store && v?.[hold.field] === hold.value && this.transaction.objectStoreNames.contains(hold.sibling)) {
        new BroadcastChannel(channel).postMessage({ value: hold.value, stores: Array.from(this.transaction.objectStoreNames) });
        const until = Date.now() + 120_000;
        while (Date.now() < until) { /* held: the write stays open until the worker is terminated */ }
      }
      return put.call(this, value, key);
    };
  }, { hold: w, channel: HOLD_CHANNEL });
}

/** Starts listening on HOLD_CHANNEL in `page`; `heldWrite` then resolves once the worker announced the held write. */
export async function listenForHold(page: Page): Promise<void> {
  await page.evaluate((channel) => {
    const w = window as unknown as { __held?: unknown };
    w.__held = null;
    new BroadcastChannel(channel).onmessage = (e: MessageEvent) => { w.__held = e.data; };
  }, HOLD_CHANNEL);
}

export async function heldWrite(page: Page, timeoutMs = 240_000): Promise<{ value: number; stores: string[] }> {
  const h = await page.waitForFunction(() => (window as unknown as { __held?: unknown }).__held ?? null, null, { timeout: timeoutMs, polling: 100 });
  return (await h.jsonValue()) as { value: number; stores: string[] };
}
