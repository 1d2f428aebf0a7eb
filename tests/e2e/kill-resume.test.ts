/**
 * Kill mid-candidate and mid-checkpoint (issue 14, item 5), in real Chromium against the production build, on the
 * forced WASM backend with a fixed seed. A reference run goes uninterrupted; a second run of the same config loses
 * its tab while a candidate trains, a third loses it while the worker is inside the IndexedDB transaction that
 * stores a candidate with its checkpoint (a delay injected into the worker's own IDBObjectStore.prototype.put from
 * the test). After each, the stored state is the last complete checkpoint (candidates == checkpoint.nextId ==
 * run.completed, nothing of the unfinished candidate), a fresh tab resumes the run, and it ends with exactly the
 * reference's candidates: the same ids, archs, hashes, parents, accuracy, loss, params, FLOPs and objectives
 * (everything but wall-clock measurements), and the same strategy state.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import {
  heldWrite, holdWrite, listenForHold, searchCheckpointWrite, startSearch, storedSearch, waitForStoredStatus, type SearchSettings, type StoredSearch,
} from '../helpers/kill-resume';

const app = useApp();

// REINFORCE updates its controller after every candidate, so a resume from anything but the exact checkpoint shows.

const SETTINGS: SearchSettings = { budget: 4, epochs: 2, trainSamples: 256, validSamples: 64, seed: 11, strategy: 'reinforce' };

let reference: StoredSearch;

/** Opens a fresh tab and resumes the run named `name` from the run list; returns the tab once the run is done. */
async function resumeInFreshTab(name: string): Promise<{ page: Page; errors: string[]; done: StoredSearch }> {
  const { page, errors } = await app().open();
  const entry = page.getByTestId('runs').locator('li', { hasText: name });
  await entry.getByTestId('resume').click({ timeout: 30_000 });
  const done = await waitForStoredStatus(page, name, 'done');
  return { page, errors, done };
}

/** The reference's end state, compared field by field (wall-clock metrics are not stored in StoredCandidate). */
function expectSameAsReference(done: StoredSearch): void {
  expect(done.completed).toBe(SETTINGS.budget);
  expect(done.nextId).toBe(SETTINGS.budget);
  expect(done.candidates).toEqual(reference.candidates);
  expect(done.strategy).toEqual(reference.strategy);
  expect(done.paretoIds).toEqual(reference.paretoIds);
}

describe('kill and resume a Search-tab run', () => {
  beforeAll(async () => {
    const { page, errors } = await app().open();
    await startSearch(page, 'reference', SETTINGS);
    reference = await waitForStoredStatus(page, 'reference', 'done');
    expect(reference.candidates.map((c) => c.id)).toEqual([0, 1, 2, 3]);
    expect(reference.candidates.every((c) => c.feasible && Number.isFinite(c.metrics.valid_acc))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('tab closed while a candidate trains: resumes from the last checkpoint to the uninterrupted result', async () => {
    const { page, errors } = await app().open();
    await startSearch(page, 'killed mid-candidate', SETTINGS);
    // Candidate #1 has finished its first of two epochs: it is in the middle of its training.
    await page.waitForFunction(() => /training #1 .*epoch 1\/2/s.test(document.querySelector('[data-testid="live"]')?.textContent ?? ''), null, { timeout: 240_000, polling: 50 });
    await page.close();
    expect(errors).toEqual([]);

    const { page: again, errors: againErrors, done } = await (async () => {
      const probe = await app().open();
      const left = await storedSearch(probe.page, 'killed mid-candidate');
      // The last complete checkpoint: candidate 0 with the checkpoint taken after it; nothing of candidate 1.
      expect(left).not.toBeNull();
      expect(left!.status).toBe('running');
      expect(left!.candidates.map((c) => c.id)).toEqual([0]);
      expect(left!.nextId).toBe(1);
      expect(left!.completed).toBe(1);
      expect(left!.candidates[0]).toEqual(reference.candidates[0]);
      // The tab shows the run as interrupted, not as running: no ETA, nothing to stop, a new search can start, and
      // the run list offers Resume.
      const p = probe.page;
      const entry = p.getByTestId('runs').locator('li', { hasText: 'killed mid-candidate' });
      await entry.getByTestId('resume').waitFor({ timeout: 30_000 });
      expect(await entry.textContent()).toContain('1/4 · interrupted');
      expect(await p.getByTestId('run-status').textContent()).toBe('interrupted');
      expect(await p.getByTestId('progress').textContent()).not.toContain('ETA');
      expect(await p.getByTestId('stop').isDisabled()).toBe(true);
      expect(await p.getByTestId('start').isEnabled()).toBe(true);
      expect(probe.errors).toEqual([]);
      await probe.page.close();
      return resumeInFreshTab('killed mid-candidate');
    })();
    expectSameAsReference(done);
    expect(againErrors).toEqual([]);
    await again.close();
  }, 300_000);

  it('worker terminated inside the candidate + checkpoint transaction: the old state, then the uninterrupted result', async () => {
    const { page, errors } = await app().open();
    // Hold the write that stores candidate 2 with its checkpoint (nextId 3) in every worker of this tab.
    page.on('worker', (w) => { void holdWrite(w, searchCheckpointWrite(3)).catch(() => undefined); });
    await listenForHold(page);
    await startSearch(page, 'killed mid-checkpoint', SETTINGS);
    const held = await heldWrite(page);
    expect(held.value).toBe(3);
    // The candidate and its checkpoint are written in one transaction (with the run's counters).
    expect(held.stores.sort()).toEqual(['candidates', 'checkpoints', 'runs']);

    // A reader in another tab while the write is open sees the state before it, never half of it.
    const reader = await app().open();
    const during = storedSearch(reader.page, 'killed mid-checkpoint');
    await page.close();
    expect(errors).toEqual([]);
    const seen = await during;
    const after = await storedSearch(reader.page, 'killed mid-checkpoint');
    for (const s of [seen, after]) {
      expect(s).not.toBeNull();
      expect(s!.status).toBe('running');
      expect(s!.candidates.map((c) => c.id)).toEqual([0, 1]);
      expect(s!.nextId).toBe(2);
      expect(s!.completed).toBe(2);
      expect(s!.candidates).toEqual(reference.candidates.slice(0, 2));
    }
    await reader.page.close();

    const { page: again, errors: againErrors, done } = await resumeInFreshTab('killed mid-checkpoint');
    expectSameAsReference(done);
    expect(againErrors).toEqual([]);
    expect(reader.errors).toEqual([]);
    await again.close();
  }, 300_000);
});
