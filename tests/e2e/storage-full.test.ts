/**
 * Storage full during a search or a one-shot run (issue 14, item 6), in real Chromium with real IndexedDB against the
 * production build. The site's quota is lowered through the DevTools protocol before anything is stored (Chromium
 * caches IndexedDB's free-space answer for up to 30 s, but never above the quota it last read), and a filler
 * database of the same origin takes the rest at the chosen moment:
 *  - a Search-tab run whose candidate write finds no room stops at its last saved candidate with "Storage is full",
 *    every candidate committed before is stored and the checkpoint matches them; deleting a one-shot run (its
 *    supernet weights) says what that freed, and Resume finishes the run;
 *  - a one-shot run whose checkpoint (the supernet's weights, ~200 kB) no longer fits while small records still do
 *    is paused, not failed, with the last complete checkpoint and the charts of the same epoch; deleting another
 *    one-shot run makes room and Resume finishes the schedule;
 *  - a finalist re-training whose per-epoch state (weights, momentum, best weights) no longer fits is paused, not
 *    failed, and its job record says the epoch that is stored; deleting a one-shot run makes room and Resume
 *    re-trains and tests it to the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { setField, useApp } from '../helpers/e2e-harness';

const app = useApp();
let page: Page;
let errors: string[] = [];
let cdp: CDPSession | null = null;
let origin = '';
/** What this site may store beyond what it holds at the start: the built-in MNIST subset, the runs, the filler. */
const ROOM = 16 * 1024 * 1024;
const FILLER_DB = 'e2e-quota-filler';

beforeAll(async () => {
  origin = new URL(app().url).origin;
  ({ page, errors } = await app().open('#oneshot'));
  // The service worker's precache counts against the same quota: let it finish first.
  await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 20_000 }).catch(() => undefined);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  cdp = await app().browser.context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + ROOM });
});

afterAll(async () => {
  await unfill().catch(() => undefined);
  if (cdp) {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await cdp.detach();
  }
});

/**
 * Fills the site's storage from the page with incompressible filler records in a separate database, from 1 MB
 * down to 256 B pieces, until every size is refused. `reserve` bytes are written first and deleted at the end: a
 * record that large is stored as a file of its own, so deleting it frees that much at once.
 */
async function fill(reserve = 0): Promise<number> {
  return page.evaluate(async ({ name, reserve }) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('f', { autoIncrement: true });
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const noise = (n: number) => {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i += 65536) crypto.getRandomValues(a.subarray(i, Math.min(n, i + 65536)));
      return a;
    };
    const write = (run: (s: IDBObjectStore) => void) => new Promise<boolean>((resolve) => {
      const tx = db.transaction('f', 'readwrite');
      run(tx.objectStore('f'));
      tx.oncomplete = () => resolve(true);
      tx.onabort = () => {
        if (tx.error?.name !== 'QuotaExceededError') console.error(`filler: ${tx.error?.name}`);
        resolve(false);
      };
    });
    let stored = 0;
    try {
      if (reserve > 0 && !(await write((s) => s.put(noise(reserve), 'reserve')))) return -1;
      for (const size of [1 << 20, 1 << 17, 1 << 14, 1 << 11, 1 << 8]) {
        while (await write((s) => s.add(noise(size)))) stored += size;
      }
      if (reserve > 0) await write((s) => s.delete('reserve'));
      return stored;
    } finally {
      db.close();
    }
  }, { name: FILLER_DB, reserve });
}

/** Deletes the filler database (the test's own, never the app's). */
async function unfill(): Promise<void> {
  await page.evaluate((name) => new Promise<void>((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  }), FILLER_DB);
}

/** The app's stores, read straight from IndexedDB. */
async function readStores<T>(stores: string[]): Promise<Record<string, T[]>> {
  return page.evaluate((names) => new Promise<Record<string, T[]>>((resolve, reject) => {
    const r = indexedDB.open('nas-playground');
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      const db = r.result;
      const tx = db.transaction(names);
      const out: Record<string, T[]> = {};
      for (const n of names) {
        const q = tx.objectStore(n).getAll();
        q.onsuccess = () => { out[n] = q.result as T[]; };
      }
      tx.oncomplete = () => { db.close(); resolve(out); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  }), stores);
}

interface StoredRun { id: string; status: string; completed: number; config: { name: string } }
interface StoredCandidate { runId: string; id: number; hash: string }
interface StoredCheckpoint { runId: string; nextId: number }

async function searchState(name: string) {
  const s = await readStores<StoredRun & StoredCandidate & StoredCheckpoint>(['runs', 'candidates', 'checkpoints']);
  const run = s.runs.find((r) => r.config.name === name);
  if (!run) throw new Error(`run "${name}" is not stored`);
  return {
    run,
    ids: s.candidates.filter((c) => c.runId === run.id).map((c) => c.id).sort((a, b) => a - b),
    hashes: new Set(s.candidates.filter((c) => c.runId === run.id).map((c) => c.hash)).size,
    nextId: s.checkpoints.find((c) => c.runId === run.id)?.nextId,
  };
}

interface StoredOneShot { id: string; status: string; epoch: number; config: { name: string }; history: { epochs: { epoch: number }[] } }
interface StoredOneShotCheckpoint { runId: string; epoch: number; meta: { epoch: number }; tensors: Record<string, { data: ArrayBufferView }> }

async function oneShotState(name: string) {
  const s = await readStores<StoredOneShot & StoredOneShotCheckpoint>(['oneshotRuns', 'oneshotCheckpoints']);
  const run = s.oneshotRuns.find((r) => r.config.name === name);
  if (!run) throw new Error(`one-shot run "${name}" is not stored`);
  const cp = s.oneshotCheckpoints.find((c) => c.runId === run.id);
  return { run, checkpoint: cp ? { epoch: cp.epoch, metaEpoch: cp.meta.epoch, bytes: Object.values(cp.tensors).reduce((n, t) => n + t.data.byteLength, 0) } : null };
}

/** A tiny DARTS run on the built-in MNIST subset in the One-shot tab, named `name`. */
async function startOneShot(name: string, opts: { epochs: number; channels: number; trainSamples: number }): Promise<void> {
  await page.getByTestId('tab-oneshot').click();
  for (const [k, v] of [
    ['oneshot-method', 'darts'], ['oneshot-epochs', opts.epochs], ['oneshot-batch', 16], ['oneshot-channels', opts.channels], ['oneshot-cells', 1],
    ['oneshot-train-samples', opts.trainSamples], ['oneshot-valid-samples', 64], ['oneshot-seed', 3], ['oneshot-backend', 'wasm'],
  ] as const) await setField(page, k, v);
  await page.locator('#view-oneshot label', { hasText: /^Name/ }).locator('input').fill(name);
  await page.getByTestId('oneshot-start').click();
  await page.waitForFunction((n) => {
    const el = document.querySelector('[data-testid="oneshot-status"]');
    return el?.getAttribute('data-status') === 'running' && document.querySelector('#view-oneshot li.selected')?.textContent?.includes(n);
  }, name, { timeout: 60_000 });
}

const oneShotStatus = () => page.getByTestId('oneshot-status').getAttribute('data-status');

async function oneShotDone(): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { timeout: 120_000 });
}

/** Deletes a one-shot run from the list (asked once) and returns the notice saying what that freed. */
async function deleteOneShot(name: string): Promise<string> {
  await page.getByTestId('tab-oneshot').click();
  const row = page.getByTestId('oneshot-runs').locator('li').filter({ hasText: name });
  await row.getByTestId('delete-oneshot-run').click();
  await row.getByTestId('delete-oneshot-run-yes').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="oneshot-runs-notice"]')?.textContent?.startsWith(`Deleted "${n}"`), name, { timeout: 10_000 });
  return (await page.getByTestId('oneshot-runs-notice').textContent()) ?? '';
}

describe('storage full during a run', () => {
  it('a search whose candidate write finds storage full stops at its last saved candidate; deleting a one-shot run makes room and Resume finishes it', async () => {
    // Another run to delete later: a one-shot run whose checkpoint holds the supernet's weights.
    await startOneShot('Spare supernet A', { epochs: 1, channels: 4, trainSamples: 64 });
    await oneShotDone();
    const spare = await oneShotState('Spare supernet A');
    expect(spare.checkpoint!.bytes).toBeGreaterThan(100_000);

    await page.getByTestId('tab-search').click();
    const budget = 12;
    for (const [id, v] of [['budget', budget], ['epochs', 1], ['train-samples', 128], ['valid-samples', 64], ['seed', 5]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('run-name').fill('Quota search');
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length >= 2, null, { timeout: 120_000 });

    // Storage runs out while the search goes on: keep it full until the run stops.
    let filled = 0;
    try {
      for (let i = 0; ; i++) {
        filled += await fill();
        const stopped = await page.evaluate(() => document.querySelector('[data-testid="run-status"]')?.textContent !== 'running' || document.querySelector('[data-testid="error"]') !== null);
        if (stopped) break;
        if (i > 200) throw new Error('the search neither stopped nor said anything while storage was full');
        await page.waitForTimeout(50);
      }
      expect(filled).toBeGreaterThan(0);

      await page.getByTestId('error').waitFor({ timeout: 30_000 });
      const message = (await page.getByTestId('error').textContent()) ?? '';
      expect(message).toMatch(/^Storage is full while saving candidate \d+ of run "Quota search"/);
      await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'paused', null, { timeout: 30_000 });
      const failedAt = Number(/saving candidate (\d+)/.exec(message)![1]);
      expect(message).toContain(`paused with its ${failedAt} saved candidates`);

      // The last complete state: every candidate before the failed one, and a checkpoint that continues after them.
      const s = await searchState('Quota search');
      expect(failedAt).toBeGreaterThanOrEqual(2);
      expect(failedAt).toBeLessThan(budget);
      expect(s.ids).toEqual([...Array(failedAt).keys()]);
      expect(s.nextId).toBe(failedAt);
      expect(s.run.completed).toBe(failedAt);
      expect(s.hashes).toBe(failedAt);

      // Not stuck: after a reload (the paused status itself may not have fit) the run is still offered for Resume.
      await page.reload();
      await page.getByTestId('tab-search').click();
      const row = page.getByTestId('runs').locator('li').filter({ hasText: 'Quota search' });
      await row.getByTestId('resume').waitFor({ timeout: 30_000 });
      expect(await searchState('Quota search')).toMatchObject({ ids: s.ids, nextId: failedAt });
      // Nothing runs it, so it is shown as interrupted and blocks neither a new search nor the form.
      await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'interrupted', null, { timeout: 30_000 });
      expect(await page.getByTestId('start').isEnabled()).toBe(true);
      expect(await page.getByTestId('stop').isDisabled()).toBe(true);

      // Resume while storage is still full (filled again: closing the page's connections lets the browser compact
      // its files): refused with the same clear message, nothing changes.
      await fill();
      await row.getByTestId('resume').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="error"]')?.textContent?.startsWith('Storage is full while') && !document.querySelector('[data-testid="start"]')?.hasAttribute('disabled'), null, { timeout: 60_000 });
      expect(await searchState('Quota search')).toMatchObject({ ids: s.ids, nextId: failedAt });

      // The way out in the UI: delete another run (its supernet weights), which says what it freed.
      expect(await deleteOneShot('Spare supernet A')).toMatch(/^Deleted "Spare supernet A" with its supernet checkpoint: about [\d.]+ kB freed/);
    } finally {
      await unfill();
    }
    await page.getByTestId('tab-search').click();
    await page.getByTestId('runs').locator('li').filter({ hasText: 'Quota search' }).getByTestId('resume').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 120_000 });
    const after = await searchState('Quota search');
    expect(after.run.status).toBe('done');
    expect(after.ids).toEqual([...Array(budget).keys()]);
    expect(after.nextId).toBe(budget);
    expect(after.hashes).toBe(budget);
    expect(await page.getByTestId('error').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a one-shot run whose checkpoint no longer fits is paused at its last complete checkpoint; deleting another one-shot run makes room and Resume finishes it', async () => {
    await startOneShot('Spare supernet B', { epochs: 1, channels: 8, trainSamples: 64 });
    await oneShotDone();

    const epochs = 3;
    await startOneShot('Quota supernet', { epochs, channels: 4, trainSamples: 256 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="oneshot-checkpoint"]')?.getAttribute('data-epoch')) >= 1, null, { timeout: 120_000 });
    try {
      // Room for small records (the run's own status) but not for the supernet's weights (~200 kB).
      expect(await fill(96 * 1024)).toBeGreaterThan(0);
      await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') !== 'running', null, { timeout: 120_000 });

      const message = (await page.getByTestId('oneshot-error').textContent()) ?? '';
      expect(message).toMatch(/^Storage is full while saving a checkpoint of one-shot run "Quota supernet"/);
      expect(await oneShotStatus()).toBe('paused');
      expect(await page.getByTestId('oneshot-resume').isEnabled()).toBe(true);

      // The last complete checkpoint, and the stored charts of that same epoch.
      const s = await oneShotState('Quota supernet');
      expect(s.run.status).toBe('paused');
      expect(s.checkpoint).not.toBeNull();
      const at = s.checkpoint!.epoch;
      expect(at).toBeGreaterThanOrEqual(1);
      expect(at).toBeLessThan(epochs);
      expect(s.checkpoint!.metaEpoch).toBe(at);
      expect(s.run.epoch).toBe(at);
      expect(s.run.history.epochs.map((e) => e.epoch)).toEqual([...Array(at).keys()]);
      expect(message).toContain(`paused at its last checkpoint (epoch ${at})`);

      expect(await deleteOneShot('Spare supernet B')).toMatch(/^Deleted "Spare supernet B" with its supernet checkpoint: about [\d.]+ kB freed/);
      await page.getByTestId('oneshot-runs').locator('li').filter({ hasText: 'Quota supernet' }).locator('button.link').click();
      await page.getByTestId('oneshot-resume').click();
      await oneShotDone();
    } finally {
      await unfill();
    }
    const after = await oneShotState('Quota supernet');
    expect(after.run.status).toBe('done');
    expect(after.checkpoint!.epoch).toBe(epochs);
    expect(after.run.history.epochs.map((e) => e.epoch)).toEqual([...Array(epochs).keys()]);
    expect(Number(await page.getByTestId('oneshot-collapse-chart').getAttribute('data-points'))).toBe(epochs);
    expect(errors).toEqual([]);
  });

  it('a finalist re-training whose epoch checkpoint no longer fits is paused after its last saved epoch; deleting a one-shot run makes room and Resume finishes it', async () => {
    await startOneShot('Spare supernet C', { epochs: 1, channels: 8, trainSamples: 64 });
    await oneShotDone();

    await page.getByTestId('tab-search').click();
    for (const [id, v] of [['budget', 2], ['epochs', 1], ['train-samples', 128], ['valid-samples', 64], ['seed', 6]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('run-name').fill('Quota finalists');
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 120_000 });
    const panel = page.getByTestId('finalists-panel');
    await panel.getByTestId('finalists-top').fill('1');
    await panel.getByTestId('finalists-train-samples').fill('512');
    await panel.getByTestId('finalists-valid-samples').fill('128');
    await panel.locator('details.recipe summary').click();
    const epochs = 4;
    await panel.getByTestId('recipe-epochs').fill(String(epochs));
    await panel.getByTestId('recipe-patience').fill('0');
    await panel.getByTestId('finalists-start').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="finalist-progress"]')?.getAttribute('data-saved')) >= 1, null, { timeout: 120_000 });

    const stateBytes = async () => {
      const { finalistStates } = await readStores<{ key: string; state: { epoch: number; weights: { params: Float32Array[] } } }>(['finalistStates']);
      return finalistStates.map((r) => ({ epoch: r.state.epoch, bytes: r.state.weights.params.reduce((n, a) => n + a.byteLength, 0) }));
    };
    const first = await stateBytes();
    expect(first).toHaveLength(1);
    // Weights, momentum and the best weights: three times the parameters, more than the room left below.
    expect(first[0].bytes * 3).toBeGreaterThan(2 * 96 * 1024);
    try {
      expect(await fill(96 * 1024)).toBeGreaterThan(0);
      await page.waitForFunction(() => document.querySelector('[data-testid="finalists-status"]')?.textContent !== 'running', null, { timeout: 120_000 });
      const message = (await panel.getByTestId('finalists-job').locator('.error').textContent()) ?? '';
      expect(message).toMatch(/^Storage is full while saving epoch \d+ of finalist-\d+/);
      expect(await page.getByTestId('finalists-status').textContent()).toBe('paused');
      const { finalistJobs } = await readStores<{ status: string; entries: { epochsDone: number }[] }>(['finalistJobs']);
      const states = await stateBytes();
      expect(finalistJobs).toHaveLength(1);
      expect(finalistJobs[0].status).toBe('paused');
      expect(states).toHaveLength(1);
      expect(states[0].epoch).toBeGreaterThanOrEqual(1);
      expect(states[0].epoch).toBeLessThan(epochs);
      // The job's progress is the stored state's epoch, not the one that did not fit.
      expect(finalistJobs[0].entries[0].epochsDone).toBe(states[0].epoch);
      expect(message).toContain('paused after its last saved epoch');

      expect(await deleteOneShot('Spare supernet C')).toMatch(/^Deleted "Spare supernet C" with its supernet checkpoint: about [\d.]+ kB freed/);
      await page.getByTestId('tab-search').click();
      await panel.getByTestId('finalists-resume').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="finalists-status"]')?.textContent === 'done', null, { timeout: 120_000 });
    } finally {
      await unfill();
    }
    const { finalistJobs, models } = await readStores<{ status: string; entries: { epochsDone: number; modelId?: string }[] }>(['finalistJobs', 'models']);
    expect(finalistJobs[0].status).toBe('done');
    expect(models.length).toBe(1);
    expect(await page.getByTestId('finalist-row').count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
