/**
 * Backend loss (issue 14, item 4) in headless Chromium. WebGPU on the software adapter: the test destroys the GPU
 * device of the search worker while a run trains (GPUDevice.prototype patched from the test, in the worker, to
 * capture the device tfjs uses); the run pauses with a message naming the lost backend and every finished candidate
 * stored; Resume starts a fresh worker (fresh tfjs, fresh adapter) and the run finishes there, candidate ids
 * contiguous and none twice. WebGL (Chromium gives workers a WebGL2 context on an OffscreenCanvas): the test loses
 * the one-shot worker's context with WEBGL_lose_context mid-epoch; the run pauses at its last checkpoint and Resume
 * finishes it in a fresh worker, each epoch in its history once. SwiftShader makes these slow (minutes, mostly
 * kernel compilation); never a speed reference.
 */
import { describe, expect, it } from 'vitest';
import type { Page, Worker } from 'playwright-core';
import { setField, useApp } from '../helpers/e2e-harness';

const app = useApp(['--enable-unsafe-webgpu']);

/** Patches GPUDevice in `worker` so the device tfjs creates is kept in globalThis.__lostTestDevice. */
async function captureDevice(worker: Worker): Promise<void> {
  await worker.evaluate(() => {
    const g = globalThis as unknown as { __lostTestDevice?: GPUDevice };
    const proto = GPUDevice.prototype;
    for (const name of ['createCommandEncoder', 'createBuffer'] as const) {
      const orig = proto[name] as (...a: unknown[]) => unknown;
      (proto as unknown as Record<string, unknown>)[name] = function (this: GPUDevice, ...a: unknown[]) {
        g.__lostTestDevice = this;
        return orig.apply(this, a);
      };
    }
  }).catch(() => undefined);
}

/** Patches WebGL2RenderingContext in `worker` so the context tfjs draws with is kept in globalThis.__lostTestGl. */
async function captureGl(worker: Worker): Promise<void> {
  await worker.evaluate(() => {
    const g = globalThis as unknown as { __lostTestGl?: WebGL2RenderingContext };
    const proto = WebGL2RenderingContext.prototype;
    for (const name of ['drawElements', 'drawArrays', 'useProgram'] as const) {
      const orig = proto[name] as (...a: unknown[]) => unknown;
      (proto as unknown as Record<string, unknown>)[name] = function (this: WebGL2RenderingContext, ...a: unknown[]) {
        g.__lostTestGl = this;
        return orig.apply(this, a);
      };
    }
  }).catch(() => undefined);
}

/** Loses the captured WebGL context as a GPU reset would (WEBGL_lose_context). */
async function loseGl(worker: Worker): Promise<string> {
  return worker.evaluate(() => {
    const gl = (globalThis as unknown as { __lostTestGl?: WebGL2RenderingContext }).__lostTestGl;
    const ext = gl?.getExtension('WEBGL_lose_context');
    if (!ext) return gl ? 'no WEBGL_lose_context' : 'no context captured';
    ext.loseContext();
    return 'lost';
  });
}

async function destroyDevice(worker: Worker): Promise<string> {
  return worker.evaluate(() => {
    const d = (globalThis as unknown as { __lostTestDevice?: GPUDevice }).__lostTestDevice;
    if (!d) return 'no device captured';
    d.destroy();
    return 'destroyed';
  });
}

interface StoredOneShot { readonly id: string; readonly status: string; readonly error?: string; readonly epoch: number; readonly history: { readonly epochs: readonly { readonly epoch: number }[] } }

async function storedOneShot(page: Page): Promise<{ runs: StoredOneShot[]; checkpointEpochs: number[] }> {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction(['oneshotRuns', 'oneshotCheckpoints']);
      const runs = tx.objectStore('oneshotRuns').getAll();
      const cps = tx.objectStore('oneshotCheckpoints').getAll();
      tx.oncomplete = () => {
        resolve({ runs: runs.result, checkpointEpochs: (cps.result as { epoch: number }[]).map((c) => c.epoch) });
        req.result.close();
      };
    };
  }));
}

/** Polls `ready` every 2 s (logging what the page shows now and then); throws with that state after `seconds`. */
async function waitUntil(page: Page, what: string, seconds: number, ready: () => Promise<boolean>, show: () => Promise<string>): Promise<void> {
  for (let i = 0; ; i++) {
    if (await ready()) return;
    if (i % 10 === 0) console.log(`[e2e] waiting for ${what} (${i * 2} s): ${await show()}`);
    if (i * 2 > seconds) throw new Error(`${what}: not within ${seconds} s; the page shows ${await show()}`);
    await page.waitForTimeout(2000);
  }
}

interface StoredCandidate { readonly runId: string; readonly id: number; readonly backend: string; readonly error?: string; readonly metrics: { readonly train_loss: number } }
interface StoredRun { readonly id: string; readonly status: string; readonly error?: string; readonly completed: number }

async function stored(page: Page): Promise<{ runs: StoredRun[]; candidates: StoredCandidate[] }> {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction(['runs', 'candidates']);
      const runs = tx.objectStore('runs').getAll();
      const cands = tx.objectStore('candidates').getAll();
      tx.oncomplete = () => { resolve({ runs: runs.result, candidates: cands.result }); req.result.close(); };
    };
  }));
}

/** The text of the first element with test id `id` ('' when there is none), without waiting for one. */
const text = (page: Page, id: string) => page.evaluate((t) => document.querySelector(`[data-testid="${t}"]`)?.textContent?.replace(/\s+/g, ' ').trim() ?? '', id);

describe('backend loss', () => {
  it('a lost WebGPU device pauses the search; Resume finishes it on a fresh worker with every candidate kept', { timeout: 600_000 }, async () => {
    const { page, errors } = await app().open();
    const searchWorkers: Worker[] = [];
    page.on('worker', (w) => {
      if (!/search/.test(w.url())) return;
      searchWorkers.push(w);
      void captureDevice(w);
    });
    for (const [id, v] of [['backend', 'webgpu'], ['budget', 2], ['epochs', 1], ['train-samples', 32], ['valid-samples', 32], ['seed', 3], ['channels', 4], ['batch', 32]] as const) {
      await setField(page, id, v);
    }
    await page.getByTestId('start').click();
    const show = async () => `status ${await text(page, 'run-status')}, rows ${await page.locator('[data-testid="candidate-row"]').count()}, live ${await text(page, 'live')}, backend ${await text(page, 'backend-live')}, error ${await text(page, 'error')}`;
    // One candidate stored, the next one training (SwiftShader compiles every WebGPU kernel of the first one: slow).
    await waitUntil(page, 'candidate 0 stored while the run goes on', 300, async () => (await page.locator('[data-testid="candidate-row"]').count()) >= 1 && (await text(page, 'run-status')) === 'running', show);
    const t0 = Date.now();
    expect(await destroyDevice(searchWorkers[0])).toBe('destroyed');
    await waitUntil(page, 'the run to stop', 60, async () => (await text(page, 'run-status')) !== 'running', show);
    console.log(`[e2e] after destroy (${Date.now() - t0} ms): status ${await text(page, 'run-status')}, error: ${await text(page, 'error')}`);
    const before = await stored(page);
    console.log(`[e2e] stored: ${JSON.stringify(before.runs.map((r) => ({ s: r.status, c: r.completed, e: r.error })))} candidates ${JSON.stringify(before.candidates.map((c) => [c.id, c.backend, c.metrics.train_loss]))}`);
    expect(await text(page, 'run-status')).toBe('paused');
    expect(await text(page, 'error')).toMatch(/^The webgpu backend was lost \(the GPU device was destroyed.*\)\. The run is paused with its 1 finished candidate saved; Resume continues it in a fresh worker/);
    expect(before.runs).toHaveLength(1);
    expect(before.runs[0]).toMatchObject({ status: 'paused', completed: 1 });
    expect(before.candidates.map((c) => c.id)).toEqual([0]);

    // The Resume button as the store offers it, clicked through the DOM: after a destroyed device, SwiftShader's GPU
    // process may stop producing frames in headless Chromium for a while (no requestAnimationFrame), and Playwright's
    // click waits for frames to call the button "stable". The app's state is what this test checks.
    const frames = () => Promise.race([page.evaluate(() => new Promise<string>((r) => requestAnimationFrame(() => r('frames on')))), new Promise<string>((r) => setTimeout(() => r('no frame in 3 s'), 3000))]);
    await waitUntil(page, 'Resume to be offered', 60, () => page.getByTestId('runs').getByTestId('resume').isEnabled(), async () => `${await show()}; ${await frames()}`);
    console.log(`[e2e] Resume offered; page ${await frames()}`);
    await page.getByTestId('runs').getByTestId('resume').evaluate((b) => (b as HTMLButtonElement).click());
    await waitUntil(page, 'the resumed run to end', 300, async () => ['done', 'failed'].includes(await text(page, 'run-status')), show);
    const after = await stored(page);
    console.log(`[e2e] after resume: ${JSON.stringify(after.runs.map((r) => ({ s: r.status, c: r.completed, e: r.error })))} candidates ${JSON.stringify(after.candidates.map((c) => [c.id, c.backend, c.metrics.train_loss]))}, search workers: ${searchWorkers.length}`);
    expect(after.runs[0].status).toBe('done');
    expect(after.runs[0].error).toBeUndefined();
    // Candidate 0 kept from before the loss, candidate 1 trained by a second (fresh) search worker: ids contiguous, none twice.
    expect(after.candidates.map((c) => c.id).sort((a, b) => a - b)).toEqual([0, 1]);
    expect(after.candidates.find((c) => c.id === 0)).toEqual(before.candidates.find((c) => c.id === 0));
    for (const c of after.candidates) {
      expect(c.error).toBeUndefined();
      expect(c.backend).toBe('webgpu');
      expect(Number.isFinite(c.metrics.train_loss)).toBe(true);
    }
    expect(searchWorkers.length).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a lost WebGL context pauses a one-shot run at its last checkpoint; Resume finishes it on a fresh worker', { timeout: 600_000 }, async () => {
    const { page, errors } = await app().open('#oneshot');
    const oneshotWorkers: Worker[] = [];
    page.on('worker', (w) => {
      if (!/oneshot/.test(w.url())) return;
      oneshotWorkers.push(w);
      void captureGl(w);
    });
    for (const [id, v] of [['oneshot-method', 'darts'], ['oneshot-epochs', 2], ['oneshot-batch', 16], ['oneshot-channels', 4], ['oneshot-cells', 1],
      ['oneshot-train-samples', 32], ['oneshot-valid-samples', 32], ['oneshot-seed', 3], ['oneshot-backend', 'webgl']] as const) await setField(page, id, v);
    await page.getByTestId('oneshot-start').click();
    const show = async () => `status ${await page.evaluate(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') ?? '')}, epochs ${await text(page, 'oneshot-epoch')}, live ${await text(page, 'oneshot-live')}, error ${await text(page, 'oneshot-error')}`;
    // The first epoch is checkpointed and the second one trains.
    await waitUntil(page, 'a checkpoint after epoch 1', 300, async () => (await storedOneShot(page)).checkpointEpochs[0] === 1
      && (await page.evaluate(() => document.querySelector('[data-testid="oneshot-live"]')?.getAttribute('data-epoch'))) === '1', show);
    expect(await loseGl(oneshotWorkers[0])).toBe('lost');
    await waitUntil(page, 'the run to stop', 60, async () => (await page.evaluate(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status'))) !== 'running', show);
    const before = await storedOneShot(page);
    console.log(`[e2e] after the context loss: ${await show()}; stored ${JSON.stringify(before.runs.map((r) => ({ s: r.status, e: r.epoch, h: r.history.epochs.map((x) => x.epoch), err: r.error })))}, checkpoints ${JSON.stringify(before.checkpointEpochs)}`);
    expect(await text(page, 'oneshot-error')).toMatch(/^The webgl backend was lost \(the browser took the WebGL context away.*\)\. The run is paused at its last checkpoint \(1 epoch done\); Resume continues it in a fresh worker/);
    expect(before.runs).toHaveLength(1);
    expect(before.runs[0]).toMatchObject({ status: 'paused', epoch: 1 });
    expect(before.runs[0].history.epochs.map((x) => x.epoch)).toEqual([0]);
    expect(before.checkpointEpochs).toEqual([1]);

    await page.getByTestId('oneshot-resume').click();
    await waitUntil(page, 'the resumed run to end', 300, async () => ['done', 'failed', 'paused'].includes(await page.evaluate(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') ?? ''))
      && !(await page.getByTestId('oneshot-resume').isEnabled()) && (await page.getByTestId('oneshot-start').isEnabled()), show);
    const after = await storedOneShot(page);
    console.log(`[e2e] after resume: ${JSON.stringify(after.runs.map((r) => ({ s: r.status, e: r.epoch, h: r.history.epochs.map((x) => x.epoch), err: r.error })))}, one-shot workers: ${oneshotWorkers.length}`);
    expect(after.runs[0]).toMatchObject({ status: 'done', epoch: 2 });
    expect(after.runs[0].error).toBeUndefined();
    // Epoch 0 from before the loss, epoch 1 trained once, in a second (fresh) worker.
    expect(after.runs[0].history.epochs.map((x) => x.epoch)).toEqual([0, 1]);
    expect(oneshotWorkers.length).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
