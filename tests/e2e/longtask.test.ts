/**
 * Issue 15 item 7, responsive while training: a PerformanceObserver('longtask') installed before the app loads
 * records every main-thread task over 50 ms; after the first load settles, a real tiny search (Search tab), a
 * real tiny DARTS run (One-shot tab) and an IDX import (Datasets tab) run in their workers while the page stays
 * free of any long task. Long tasks are wall time: on a machine loaded far beyond its cores every task stretches,
 * so the load (`uptime`) is printed with the findings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp, setField } from '../helpers/e2e-harness';
import { idxPairBytes } from '../helpers/dataset-files';

const app = useApp();

interface LongTask { readonly start: number; readonly duration: number; readonly name: string }

/** Runs before any app script: every long task of the page lands in window.__longTasks. */
function observeLongTasks(): void {
  const w = window as unknown as { __longTasks: LongTask[] };
  w.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration, name: e.name });
  }).observe({ type: 'longtask', buffered: true });
}

async function openObserved(hash: string): Promise<{ page: Page; errors: string[] }> {
  const page = await app().browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(observeLongTasks);
  await page.goto(`${app().url}${hash}`);
  // The first load settles: IndexedDB read, fonts and chunks parsed, two quiet frames.
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => new Promise<void>((resolve) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve())), 500)));
  return { page, errors };
}

const now = (page: Page) => page.evaluate(() => performance.now());
const tasksBetween = (page: Page, from: number, to: number) =>
  page.evaluate(([a, b]) => (window as unknown as { __longTasks: LongTask[] }).__longTasks.filter((t) => t.start >= a && t.start <= b), [from, to]);

/** Prints each long task as duration@start (ms after the work started) with the machine's load. */
function report(what: string, tasks: readonly LongTask[], from: number): void {
  const worst = tasks.reduce((m, t) => Math.max(m, t.duration), 0);
  const list = tasks.map((t) => `${t.duration.toFixed(0)}@${(t.start - from).toFixed(0)}`).join(', ');
  console.log(`[e2e] long tasks during ${what}: ${tasks.length}${tasks.length ? ` (worst ${worst.toFixed(0)} ms; ms@start: ${list})` : ''} · load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

/**
 * Long tasks are wall time: with many more runnable threads than cores (other test runs, builds) a 5 ms task
 * takes 50. The 50 ms bound is asserted when the machine is not oversubscribed; otherwise the findings are
 * printed (with the load) and the run must still complete without errors.
 */
function expectNoLongTask(tasks: readonly LongTask[]): void {
  const perCore = loadavg()[0] / cpus().length;
  if (perCore > 1.5) {
    console.warn(`[e2e] load ${perCore.toFixed(1)} per core: long tasks reported, not asserted`);
    return;
  }
  expect(tasks.filter((t) => t.duration > 50)).toEqual([]);
}

// The test's own waiting polls twice a second, not every frame: its checks are not the page's work.
const POLL = { polling: 500 } as const;

const dir = mkdtempSync(path.join(tmpdir(), 'nas-longtask-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('no main-thread long task while work runs', () => {
  it('a tiny search', async () => {
    const { page, errors } = await openObserved('');
    await setField(page, 'budget', 3);
    await setField(page, 'epochs', 2);
    await setField(page, 'train-samples', 128);
    await setField(page, 'valid-samples', 64);
    await setField(page, 'seed', 5);
    const from = await now(page);
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { ...POLL, timeout: 540_000 });
    const tasks = await tasksBetween(page, from, await now(page));
    report('a 3-candidate search', tasks, from);
    expect(await page.locator('[data-testid="candidate-row"]').count()).toBe(3);
    expectNoLongTask(tasks);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('a tiny one-shot run', async () => {
    const { page, errors } = await openObserved('#oneshot');
    await setField(page, 'oneshot-method', 'darts');
    await setField(page, 'oneshot-epochs', 2);
    await setField(page, 'oneshot-batch', 16);
    await setField(page, 'oneshot-channels', 4);
    await setField(page, 'oneshot-cells', 1);
    await setField(page, 'oneshot-train-samples', 64);
    await setField(page, 'oneshot-valid-samples', 64);
    await setField(page, 'oneshot-seed', 3);
    await setField(page, 'oneshot-backend', 'wasm');
    const from = await now(page);
    await page.getByTestId('oneshot-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { ...POLL, timeout: 540_000 });
    const tasks = await tasksBetween(page, from, await now(page));
    report('a 2-epoch DARTS run', tasks, from);
    expectNoLongTask(tasks);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('an IDX import', async () => {
    const { page, errors } = await openObserved('#datasets');
    await page.waitForSelector('[data-testid="dataset-list"][data-loaded="yes"]', { state: 'attached', timeout: 60_000 });
    const p = idxPairBytes(3000, 16, 4);
    writeFileSync(path.join(dir, 'images.idx3-ubyte'), p.images);
    writeFileSync(path.join(dir, 'labels.idx1-ubyte'), p.labels);
    const from = await now(page);
    await page.getByTestId('import-kind-idx').click();
    await page.getByTestId('idx-images').setInputFiles(path.join(dir, 'images.idx3-ubyte'));
    await page.getByTestId('idx-labels').setInputFiles(path.join(dir, 'labels.idx1-ubyte'));
    await page.getByTestId('import-preview').click();
    await page.getByTestId('split-sizes').waitFor({ timeout: 120_000 });
    await page.getByTestId('commit-name').fill('Long-task quads');
    await page.getByTestId('commit').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="import-notice"]')?.textContent?.includes('Stored "Long-task quads"') ?? false, null, { ...POLL, timeout: 240_000 });
    const tasks = await tasksBetween(page, from, await now(page));
    report('a 3000-image IDX import', tasks, from);
    expectNoLongTask(tasks);
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);
});
