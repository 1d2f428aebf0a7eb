/**
 * Kill a one-shot run mid-epoch (issue 14, item 5), in real Chromium against the production build, on the forced
 * WASM backend with a fixed seed. For DARTS and for SPOS: a reference run goes uninterrupted; a second run of the
 * same config loses its tab in the middle of an epoch; SPOS also inside the IndexedDB transaction that stores the
 * run record with its supernet checkpoint (a delay injected into the worker's own IDBObjectStore.prototype.put
 * from the test) and while it ranks its subnets. The stored state is then the last complete checkpoint (chart
 * history included, nothing of the unfinished epoch or subnets); a fresh tab resumes the run, and it
 * ends with exactly the reference's history (step and epoch losses, alphas, derived or ranked architectures), its
 * candidates and their supernet lineage (but the run id), and a bit-identical supernet checkpoint.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import { heldWrite, holdWrite, listenForHold } from '../helpers/kill-resume';
import { startOneShot, storedOneShot, waitForOneShotStatus, type OneShotSettings } from '../helpers/kill-resume-oneshot';

const app = useApp();

/** How the tab is lost: in the middle of epoch 2, or inside the transaction that stores the checkpoint after epoch 2. */
type Kill = 'mid-epoch' | 'mid-checkpoint';

async function killAndResume(settings: OneShotSettings, kill: Kill): Promise<void> {
  const ref = await app().open('#oneshot');
  const refId = await startOneShot(ref.page, settings);
  const reference = await waitForOneShotStatus(ref.page, refId, 'done');
  expect(ref.errors).toEqual([]);
  await ref.page.close();
  expect(reference.epoch).toBe(settings.epochs);
  expect(reference.checkpoint).not.toBeNull();

  const { page, errors } = await app().open('#oneshot');
  if (kill === 'mid-checkpoint') {
    // Hold the run record's put of the epoch-2 save: the checkpoint put of the same transaction is already issued.
    page.on('worker', (w) => { void holdWrite(w, { store: 'oneshotRuns', field: 'epoch', value: 2, sibling: 'oneshotCheckpoints' }).catch(() => undefined); });
    await listenForHold(page);
  }
  const id = await startOneShot(page, settings);
  if (kill === 'mid-epoch') {
    // The second epoch (0-based 1) is under way: past its first step, with 5 of its 8 steps still to go.
    await page.waitForFunction(() => {
      const live = document.querySelector('[data-testid="oneshot-live"]');
      return live?.getAttribute('data-epoch') === '1' && /step [23]\//.test(live.textContent ?? '');
    }, null, { timeout: 240_000, polling: 20 });
  } else {
    const held = await heldWrite(page);
    expect(held.value).toBe(2);
    // The run record (with its chart history) and the supernet checkpoint are written in one transaction.
    expect(held.stores.sort()).toEqual(['oneshotCheckpoints', 'oneshotRuns']);
  }
  await page.close();
  expect(errors).toEqual([]);

  const again = await app().open('#oneshot');
  const left = await storedOneShot(again.page, id);
  expect(left).not.toBeNull();
  expect(left!.status).toBe('running');
  // The checkpoint after epoch 1 with the history folded up to it: nothing of epoch 2.
  expect(left!.checkpoint?.epoch).toBe(1);
  expect(left!.epoch).toBe(1);
  const steps = (left!.history as { steps: { epoch: number }[] }).steps;
  expect(steps.length).toBeGreaterThan(0);
  expect(steps.every((s) => s.epoch === 0)).toBe(true);
  expect(steps).toEqual((reference.history as { steps: { epoch: number }[] }).steps.filter((s) => s.epoch === 0));

  // The newest run is shown on load; it was interrupted, so it is resumable.
  await resumeInterrupted(again.page, id);
  const done = await waitForOneShotStatus(again.page, id, 'done');
  expect(done.history).toEqual(reference.history);
  expect(done.arch).toBe(reference.arch);
  expect(done.candidates).toEqual(reference.candidates);
  expect(done.checkpoint).toEqual(reference.checkpoint);
  expect(done.phase).toBe(reference.phase);
  // Its charts, drawn at 1280 px, follow the window down to a phone's width: nothing wider than the page.
  await again.page.setViewportSize({ width: 390, height: 844 });
  await again.page.waitForFunction(() => document.documentElement.scrollWidth <= 390, null, { timeout: 10_000 })
    .catch(async () => { throw new Error(`the One-shot tab is ${await again.page.evaluate(() => document.documentElement.scrollWidth)} px wide at 390 px`); });
  expect(again.errors).toEqual([]);
  await again.page.close();
}

/** The killed run `id` is shown on load as interrupted (no worker holds its lock), in the status line and the runs list; Resume it. */
async function resumeInterrupted(page: Page, id: string): Promise<void> {
  await page.waitForFunction((runId) => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-run') === runId, id, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.textContent?.includes('status interrupted'), null, { timeout: 30_000 });
  expect(await page.getByTestId('oneshot-runs').locator('li').first().textContent()).toContain('· interrupted ·');
  await page.getByTestId('oneshot-resume').click();
}

/** SPOS killed while it ranks subnets (the ranking is saved every 10 scored subnets): resumes at the 11th. */
async function killMidRankingAndResume(settings: OneShotSettings): Promise<void> {
  const ref = await app().open('#oneshot');
  const refId = await startOneShot(ref.page, settings);
  const reference = await waitForOneShotStatus(ref.page, refId, 'done');
  await ref.page.close();
  const { page, errors } = await app().open('#oneshot');
  const id = await startOneShot(page, settings);
  await page.waitForFunction(() => /^1[1-3] \//.test(document.querySelector('[data-testid="oneshot-subnet-progress"]')?.textContent ?? ''), null, { timeout: 240_000, polling: 20 });
  await page.close();
  expect(errors).toEqual([]);
  const again = await app().open('#oneshot');
  const left = await storedOneShot(again.page, id);
  expect(left!.status).toBe('running');
  expect(left!.phase).toBe('rank');
  expect((left!.history as { subnets: unknown[] }).subnets).toEqual((reference.history as { subnets: unknown[] }).subnets.slice(0, 10));
  await resumeInterrupted(again.page, id);
  const done = await waitForOneShotStatus(again.page, id, 'done');
  expect(done.history).toEqual(reference.history);
  expect(done.candidates).toEqual(reference.candidates);
  expect(done.checkpoint).toEqual(reference.checkpoint);
  expect(again.errors).toEqual([]);
  await again.page.close();
}

describe('kill a one-shot run mid-epoch and resume it', () => {
  it('DARTS: the same history, derived cell and supernet as an uninterrupted run', async () => {
    await killAndResume({ method: 'darts', epochs: 2 }, 'mid-epoch');
  }, 300_000);

  it('SPOS: the same history, ranking and supernet as an uninterrupted run', async () => {
    await killAndResume({ method: 'spos', epochs: 2, subnets: 4 }, 'mid-epoch');
  }, 300_000);

  it('SPOS killed inside the transaction that stores its epoch-2 checkpoint: the epoch-1 state, then the same end', async () => {
    await killAndResume({ method: 'spos', epochs: 2, subnets: 4 }, 'mid-checkpoint');
  }, 300_000);

  it('SPOS killed while it ranks its subnets: the ranking saved so far, then the same ranking', async () => {
    await killMidRankingAndResume({ method: 'spos', epochs: 1, subnets: 16 });
  }, 300_000);
});
