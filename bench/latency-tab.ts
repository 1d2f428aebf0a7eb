/**
 * The latency suite in the tab (`npm run bench -- --suite latency --tab`): the built app (dist/, `npm run build`)
 * served by Vite's preview server with the production COOP/COEP headers, driven in headless Chromium like a user —
 * Profiler tab, NB201 skeleton, wasm, batch 1, fit networks, Build, then "Measure and compare" on fresh networks —
 * once per run in a fresh browser profile. The figures are read from the report the tab stored in IndexedDB (the
 * same numbers the tab shows, unrounded).
 */
import { chromium, type Page } from 'playwright-core';
import { preview } from 'vite';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import type { LutRecord } from '../src/protocol/profile-api';
import { runRow, type LatencyRun } from './latency';
import { CHROMIUM } from './browser-runner';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');
const ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;

export interface TabPlan {
  readonly runs: number; readonly samples: number; readonly fit: number; readonly channels: number; readonly cells: number;
  readonly input: readonly [number, number, number];
}

async function fill(page: Page, testId: string, value: number): Promise<void> {
  await page.getByTestId(testId).fill(String(value));
}

async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('[data-testid="prof-progress"]'), null, { timeout: 600_000 });
  const error = page.getByTestId('prof-error');
  if ((await error.count()) > 0) throw new Error(`the Profiler tab reported: ${await error.textContent()}`);
}

/** The stored table with its report, read from the app's IndexedDB. */
async function storedLut(page: Page): Promise<LutRecord> {
  const all = await page.evaluate(() => new Promise<unknown[]>((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const get = req.result.transaction('luts').objectStore('luts').getAll();
      get.onsuccess = () => resolve(get.result as unknown[]);
      get.onerror = () => reject(get.error);
    };
  }));
  if (all.length !== 1) throw new Error(`expected one stored latency table, found ${all.length}`);
  return all[0] as LutRecord;
}

async function oneRun(url: string, plan: TabPlan, run: number, say: (s: string) => void): Promise<LatencyRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nas-latency-tab-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  try {
    const start = load1();
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('tab-profiler').click();
    await page.getByTestId('prof-space').selectOption('nb201');
    await page.getByTestId('prof-backend').selectOption('wasm');
    await fill(page, 'prof-height', plan.input[0]);
    await fill(page, 'prof-width', plan.input[1]);
    await fill(page, 'prof-in-channels', plan.input[2]);
    await fill(page, 'prof-classes', 10);
    await fill(page, 'prof-channels', plan.channels);
    await fill(page, 'prof-cells', plan.cells);
    await fill(page, 'prof-batch', 1);
    await fill(page, 'prof-fit-samples', plan.fit);
    say(`tab run ${run}: building the table`);
    await page.getByTestId('prof-build').click();
    await page.waitForSelector('[data-testid="prof-progress"]', { timeout: 60_000 });
    await idle(page);
    say(`tab run ${run}: validating on ${plan.samples} fresh networks`);
    await fill(page, 'prof-validate-samples', plan.samples);
    await page.getByTestId('prof-validate').click();
    await page.waitForSelector('[data-testid="prof-report"]', { timeout: 600_000 });
    await idle(page);
    const lut = await storedLut(page);
    if (!lut.report) throw new Error('the tab stored no report');
    const bm = lut.measurement;
    const items = Object.values(lut.entries).filter((e) => e.measured).length + lut.fitSamples.length;
    const build = bm ? { seconds: bm.elapsedMs / 1000, rounds: bm.rounds, unstable: bm.unstable.length, items } : null;
    return runRow('tab', 'wall', run, lut.report, { start, end: load1() }, build, plan.fit + plan.samples);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the plan in the tab; a string says why it could not run (no build, no Chromium). */
export async function tabRuns(plan: TabPlan, say: (s: string) => void): Promise<LatencyRun[] | string> {
  if (!existsSync(path.join(DIST, 'index.html'))) return 'tab: dist/ is missing (run `npm run build` first)';
  if (!existsSync(CHROMIUM)) return `tab: no Chromium at ${CHROMIUM}`;
  const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir: DIST }, preview: { port: 0, strictPort: false, host: '127.0.0.1' } });
  try {
    const url = server.resolvedUrls?.local[0];
    if (!url) return 'tab: vite preview did not report its URL';
    const rows: LatencyRun[] = [];
    for (let r = 1; r <= plan.runs; r++) rows.push(await oneRun(url, plan, r, say));
    return rows;
  } finally {
    await server.close();
  }
}
