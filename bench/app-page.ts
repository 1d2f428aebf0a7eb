/**
 * What the app rows (bench/app-rows.ts) read from the built app's page without touching its code: marks recorded by
 * an init script (a MutationObserver on the DOM, a capture-phase click listener, PerformanceObserver 'longtask'), the
 * page's and a worker's resource timing, and a Search-tab run as IndexedDB stores it (with its clock fields, which
 * tests/helpers/kill-resume.ts `storedSearch` leaves out on purpose).
 */
import type { Page, Worker } from 'playwright-core';

/** Milliseconds since the page's navigation start (performance.now() in the page), null until it happened. */
export interface PageMarks {
  /** The Search form is usable: Start enabled and the space size shown (the app mounted and checked its form). */
  readonly interactiveAt: number | null;
  readonly startClickAt: number | null;
  /** The backend badge appeared (the worker's 'backend' event: tfjs loaded, backend initialised and probed). */
  readonly backendAt: number | null;
  /** The live line "training #0 ..." appeared (the worker's 'candidate-start': dataset read, train set-up made). */
  readonly candidateStartAt: number | null;
  /** After the click: the candidates table emptied for the new run, then its first row appeared. */
  readonly rowsClearedAt: number | null;
  readonly firstRowAt: number | null;
  readonly longTasks: readonly { readonly start: number; readonly duration: number }[];
}

/** Runs in the page before its own scripts (page.addInitScript): records PageMarks in window.__benchMarks. */
export function installPageMarks(): void {
  const marks = { interactiveAt: null as number | null, startClickAt: null as number | null, backendAt: null as number | null, candidateStartAt: null as number | null,
    rowsClearedAt: null as number | null, firstRowAt: null as number | null, longTasks: [] as { start: number; duration: number }[] };
  (window as unknown as { __benchMarks: typeof marks }).__benchMarks = marks;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) marks.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch { /* no long-task timing in this browser: the list stays empty */ }
  document.addEventListener('click', (e) => {
    if (marks.startClickAt === null && e.target instanceof Element && e.target.closest('[data-testid="start"]')) marks.startClickAt = performance.now();
  }, true);
  const observer = new MutationObserver(() => {
    const now = performance.now();
    if (marks.interactiveAt === null) {
      const start = document.querySelector('[data-testid="start"]');
      const size = document.querySelector('[data-testid="space-size"]')?.textContent ?? '';
      if (start instanceof HTMLButtonElement && !start.disabled && /genotypes/.test(size)) marks.interactiveAt = now;
    }
    if (marks.startClickAt === null) return;
    if (marks.backendAt === null && document.querySelector('[data-testid="backend-live"]')) marks.backendAt = now;
    if (marks.candidateStartAt === null && document.querySelector('[data-testid="live"]')) marks.candidateStartAt = now;
    const rows = document.querySelectorAll('[data-testid="candidate-row"]').length;
    if (marks.rowsClearedAt === null) {
      if (rows === 0) marks.rowsClearedAt = now;
    } else if (rows > 0 && marks.firstRowAt === null) {
      marks.firstRowAt = now;
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['disabled'] });
}

export async function readPageMarks(page: Page): Promise<PageMarks & { timeOrigin: number }> {
  return page.evaluate(() => ({ ...(window as unknown as { __benchMarks: PageMarks }).__benchMarks, timeOrigin: performance.timeOrigin }));
}

/** Waits until `mark` is set; its value (ms since navigation start). */
export async function waitForMark(page: Page, mark: Exclude<keyof PageMarks, 'longTasks'>, timeoutMs: number): Promise<number> {
  const h = await page.waitForFunction((m) => (window as unknown as { __benchMarks: Record<string, number | null> }).__benchMarks[m], mark, { timeout: timeoutMs, polling: 50 });
  return (await h.jsonValue()) as number;
}

/** One resource fetch, in ms since the PAGE's navigation start (a worker's entries are shifted onto it). */
export interface Fetched {
  readonly name: string;
  readonly initiator: string;
  readonly start: number;
  readonly end: number;
  /** Bytes over the network (0 from the memory cache or a service worker's cache), compressed body, decoded body. */
  readonly transferBytes: number;
  readonly encodedBytes: number;
  readonly decodedBytes: number;
}

interface RawEntries { timeOrigin: number; entries: { name: string; initiatorType: string; startTime: number; responseEnd: number; transferSize: number; encodedBodySize: number; decodedBodySize: number }[] }

const collect = (): RawEntries => ({
  timeOrigin: performance.timeOrigin,
  entries: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => ({
    name: e.name, initiatorType: e.initiatorType, startTime: e.startTime, responseEnd: e.responseEnd,
    transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize,
  })),
});

function shift(raw: RawEntries, pageOrigin: number): Fetched[] {
  const d = raw.timeOrigin - pageOrigin;
  return raw.entries.map((e) => ({
    name: new URL(e.name).pathname.split('/').pop() ?? e.name, initiator: e.initiatorType, start: e.startTime + d, end: e.responseEnd + d,
    transferBytes: e.transferSize, encodedBytes: e.encodedBodySize, decodedBytes: e.decodedBodySize,
  }));
}

export async function pageResources(page: Page, pageOrigin: number): Promise<Fetched[]> {
  return shift(await page.evaluate(collect), pageOrigin);
}

export async function workerResources(worker: Worker, pageOrigin: number): Promise<Fetched[]> {
  return shift(await worker.evaluate(collect), pageOrigin);
}

/** A Search-tab run as stored: its config's training settings, status and candidates with their clock fields. */
export interface StoredRun {
  readonly id: string;
  readonly status: string;
  readonly config: { readonly seed: number; readonly space: unknown; readonly evaluator: Record<string, unknown> };
  readonly backend: string | null;
  readonly candidates: readonly {
    readonly id: number; readonly arch: string; readonly hash: string; readonly genotype: unknown;
    readonly metrics: Readonly<Record<string, number>>; readonly createdAt: number; readonly error: string | null;
  }[];
}

/** The run named `name` (null: not stored yet), read in one readonly transaction. */
export async function readStoredRun(page: Page, name: string): Promise<StoredRun | null> {
  return page.evaluate((runName) => new Promise<StoredRun | null>((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('runs')) { db.close(); resolve(null); return; }
      const tx = db.transaction(['runs', 'candidates'], 'readonly');
      const runs = tx.objectStore('runs').getAll();
      runs.onsuccess = () => {
        const run = (runs.result as { id: string; status: string; backend?: string; config: StoredRun['config'] & { name: string } }[]).find((r) => r.config.name === runName);
        if (!run) { db.close(); resolve(null); return; }
        const cands = tx.objectStore('candidates').index('byRun').getAll(run.id);
        tx.oncomplete = () => {
          db.close();
          resolve({
            id: run.id, status: run.status, config: run.config, backend: run.backend ?? null,
            candidates: (cands.result as Record<string, unknown>[]).map((c) => ({
              id: c.id as number, arch: c.arch as string, hash: c.hash as string, genotype: c.genotype, metrics: c.metrics as Record<string, number>,
              createdAt: c.createdAt as number, error: (c.error as string | undefined) ?? null,
            })).sort((a, b) => a.id - b.id),
          });
        };
      };
      tx.onerror = () => reject(tx.error);
    };
  }), name);
}

/** Polls IndexedDB until the run named `name` is done (throws if it failed or pauses, or after `timeoutMs`). */
export async function waitForRunDone(page: Page, name: string, timeoutMs: number): Promise<StoredRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await readStoredRun(page, name);
    if (r?.status === 'done') return r;
    if (r && (r.status === 'failed' || r.status === 'paused')) throw new Error(`run "${name}" ended ${r.status}`);
    if (Date.now() > deadline) throw new Error(`run "${name}" not done after ${timeoutMs / 1000} s (now: ${r?.status ?? 'not stored'}, ${r?.candidates.length ?? 0} candidates)`);
    await page.waitForTimeout(500);
  }
}

/** What the backend panel says: the chosen backend, isolation and the WASM thread setting with its reason. */
export async function backendPanel(page: Page): Promise<{ backend: string; isolatedText: string; threads: number | null; threadsText: string }> {
  const panel = page.getByTestId('backend-panel');
  await page.getByTestId('backend-live').waitFor({ timeout: 60_000 });
  const details = panel.locator('details');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await panel.locator('summary').click();
  const threadsEl = page.getByTestId('wasm-threads');
  const hasThreads = (await threadsEl.count()) > 0;
  return {
    backend: ((await page.getByTestId('backend-live').textContent()) ?? '').trim(),
    isolatedText: ((await panel.locator('small', { hasText: 'cross-origin isolated' }).first().textContent()) ?? '').trim(),
    threads: hasThreads ? Number(await threadsEl.getAttribute('data-threads')) : null,
    threadsText: hasThreads ? ((await threadsEl.textContent()) ?? '').replace(/\s+/g, ' ').trim() : '',
  };
}
