/**
 * Issue 16 item 6: from opening the built app to its first scored candidate, and the main thread's JavaScript on
 * first load. One visit: navigate, wait until the Search form is usable ("interactive"), read what the main thread
 * did so far (Chrome DevTools Protocol Performance.getMetrics, long tasks, the scripts fetched), fill the form (not
 * timed: the user's part), click Start, and time the backend badge and the first candidate row; the search worker's
 * own resource timing shows its fetches (its bundle with tfjs, the MNIST files, the .wasm binary). Cold: a fresh
 * profile (empty HTTP cache, no service worker, no stored dataset). Warm: a second visit in the same profile once
 * the service worker has precached the app.
 */
import type { BrowserContext, Worker } from 'playwright-core';
import { installPageMarks, pageResources, readPageMarks, readStoredRun, waitForMark, waitForRunDone, workerResources, type Fetched } from './app-page';
import { startTabSearch, type AppSearchSettings } from './app-search';

/** Main-thread figures of Performance.getMetrics (durations in ms, the heap in bytes). */
export interface MainThreadMetrics {
  readonly scriptMs: number;
  readonly taskMs: number;
  readonly layoutMs: number;
  readonly styleMs: number;
  readonly heapUsedBytes: number;
}

export interface ColdStartVisit {
  readonly kind: 'cold' | 'warm';
  readonly crossOriginIsolated: boolean;
  /** The page was served by the service worker (navigator.serviceWorker.controller). */
  readonly controlledByServiceWorker: boolean;
  /** ms since navigation start. */
  readonly page: { readonly responseEnd: number; readonly domContentLoaded: number; readonly load: number; readonly firstContentfulPaint: number | null; readonly interactive: number };
  /** Before the first interaction: JS fetched by the page (scripts and module preloads) and what the main thread ran. */
  readonly firstLoad: {
    readonly scripts: number; readonly jsTransferBytes: number; readonly jsEncodedBytes: number; readonly jsDecodedBytes: number;
    readonly longTasks: number; readonly longTaskMs: number; readonly maxLongTaskMs: number; readonly mainThread: MainThreadMetrics | null;
  };
  /** ms from the Start click. */
  readonly afterStart: {
    readonly workerScriptFetched: number | null; readonly datasetFetched: number | null; readonly wasmFetched: number | null;
    readonly backendReady: number;
    /** The live line of the first candidate appeared: the dataset is read and the train set-up made. */
    readonly candidateStarted: number | null;
    readonly firstCandidateStored: number; readonly firstRow: number;
    readonly longTasks: number; readonly longTaskMs: number; readonly maxLongTaskMs: number;
  };
  /** The phases: open -> interactive, Start -> backend ready, backend ready -> first row; and their sum. */
  readonly phases: { readonly loadToInteractiveMs: number; readonly startToBackendMs: number; readonly backendToFirstCandidateMs: number; readonly openToFirstCandidateMs: number };
  /** Not in the phases: filling the form between interactive and the click (the bench's typing, a user's thinking). */
  readonly formFillMs: number;
  readonly fetchedAfterStart: readonly Fetched[];
}

const METRIC_NAMES = { ScriptDuration: 'scriptMs', TaskDuration: 'taskMs', LayoutDuration: 'layoutMs', RecalcStyleDuration: 'styleMs', JSHeapUsedSize: 'heapUsedBytes' } as const;

function mainThreadMetrics(metrics: { name: string; value: number }[]): MainThreadMetrics | null {
  const out: Record<string, number> = {};
  for (const m of metrics) {
    const key = METRIC_NAMES[m.name as keyof typeof METRIC_NAMES];
    if (key) out[key] = m.name === 'JSHeapUsedSize' ? m.value : m.value * 1000;
  }
  return Object.keys(out).length === 5 ? (out as unknown as MainThreadMetrics) : null;
}

const sumDur = (xs: readonly { duration: number }[]) => xs.reduce((a, t) => a + t.duration, 0);
const maxDur = (xs: readonly { duration: number }[]) => xs.reduce((a, t) => Math.max(a, t.duration), 0);
const lastEnd = (xs: readonly Fetched[], re: RegExp): number | null => {
  const hits = xs.filter((f) => re.test(f.name));
  return hits.length ? Math.max(...hits.map((f) => f.end)) : null;
};

/** One visit of `url` in `context`: a search of one candidate with `s`, run `name`. */
export async function coldStartVisit(context: BrowserContext, url: string, kind: 'cold' | 'warm', name: string, s: AppSearchSettings): Promise<ColdStartVisit> {
  const page = await context.newPage();
  try {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const workers: Worker[] = [];
    page.on('worker', (w) => workers.push(w));
    await page.addInitScript(installPageMarks);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    const interactive = await waitForMark(page, 'interactiveAt', 120_000);
    const metrics = mainThreadMetrics((await cdp.send('Performance.getMetrics')).metrics);
    const atInteractive = await readPageMarks(page);
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { responseEnd: n?.responseEnd ?? 0, domContentLoaded: n?.domContentLoadedEventEnd ?? 0, load: n?.loadEventEnd ?? 0, fcp: fcp ? fcp.startTime : null,
        isolated: self.crossOriginIsolated, controlled: navigator.serviceWorker?.controller != null };
    });
    const firstResources = (await pageResources(page, atInteractive.timeOrigin)).filter((f) => f.start <= interactive);
    // The page's own bundle and module preloads (the navigation's HTML and the service worker's fetches are not JS run here).
    const js = firstResources.filter((f) => /\.m?js$/.test(f.name) && (f.initiator === 'script' || f.initiator === 'link' || f.initiator === 'other'));
    const tasksBefore = atInteractive.longTasks.filter((t) => t.start <= interactive);

    await startTabSearch(page, name, { ...s, candidates: 1 });
    const click = await waitForMark(page, 'startClickAt', 10_000);
    const backendReady = await waitForMark(page, 'backendAt', 600_000);
    const firstRow = await waitForMark(page, 'firstRowAt', 600_000);
    const marks = await readPageMarks(page);
    const run = await readStoredRun(page, name);
    const stored = run?.candidates[0]?.createdAt;
    if (stored === undefined) throw new Error(`${kind} visit: the first candidate row appeared but run "${name}" has no stored candidate`);
    const search = workers.find((w) => /search\.worker/.test(w.url()));
    const fetched = [...await pageResources(page, marks.timeOrigin), ...(search ? await workerResources(search, marks.timeOrigin) : [])]
      .filter((f) => f.start >= click).map((f) => ({ ...f, start: f.start - click, end: f.end - click })).sort((a, b) => a.start - b.start);
    const tasksAfter = marks.longTasks.filter((t) => t.start >= click && t.start <= firstRow);
    if (errors.length) throw new Error(`${kind} visit: page errors: ${errors.join(' | ')}`);
    // Untimed: the run finishes (so the next visit finds it done, not interrupted) and, on the first visit, the
    // service worker finishes precaching the app (src/app/pwa.ts sets data-offline-ready), which a warm visit needs.
    await waitForRunDone(page, name, 120_000);
    if (kind === 'cold') await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 300_000 });
    return {
      kind, crossOriginIsolated: nav.isolated, controlledByServiceWorker: nav.controlled,
      page: { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoaded, load: nav.load, firstContentfulPaint: nav.fcp, interactive },
      firstLoad: {
        scripts: js.length, jsTransferBytes: js.reduce((a, f) => a + f.transferBytes, 0), jsEncodedBytes: js.reduce((a, f) => a + f.encodedBytes, 0), jsDecodedBytes: js.reduce((a, f) => a + f.decodedBytes, 0),
        longTasks: tasksBefore.length, longTaskMs: sumDur(tasksBefore), maxLongTaskMs: maxDur(tasksBefore), mainThread: metrics,
      },
      afterStart: {
        workerScriptFetched: lastEnd(fetched, /search\.worker/), datasetFetched: lastEnd(fetched, /ubyte\.gz$/), wasmFetched: lastEnd(fetched, /\.wasm$/),
        backendReady: backendReady - click, candidateStarted: marks.candidateStartAt === null ? null : marks.candidateStartAt - click, firstCandidateStored: stored - marks.timeOrigin - click, firstRow: firstRow - click,
        longTasks: tasksAfter.length, longTaskMs: sumDur(tasksAfter), maxLongTaskMs: maxDur(tasksAfter),
      },
      phases: { loadToInteractiveMs: interactive, startToBackendMs: backendReady - click, backendToFirstCandidateMs: firstRow - backendReady, openToFirstCandidateMs: interactive + (firstRow - click) },
      formFillMs: click - interactive,
      fetchedAfterStart: fetched,
    };
  } finally {
    await page.close();
  }
}
