/**
 * Streamed imports in the data worker of the built app, in real Chromium (issue 14 item 7): the worker no longer
 * reads a picked file whole; IDX and CIFAR files are pulled through File.stream() (gunzipped by Chromium's
 * DecompressionStream) and tar archives walked entry by entry. An official CIFAR-10 tar.gz previews with its batches
 * in order, its class names and its official test batch; a gzipped IDX pair previews; a gzip cut short and a tar cut
 * inside an entry get their specific messages, and nothing is stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import { cifarBatchBytes, idxPairBytes, ustar } from '../helpers/dataset-files';

const app = useApp();
let page: Page;
let dir = '';

beforeAll(async () => {
  ({ page } = await app().open('#datasets'));
  await page.waitForSelector('[data-testid="dataset-list"][data-loaded="yes"]', { state: 'attached', timeout: 60_000 });
  dir = mkdtempSync(path.join(tmpdir(), 'nas-stream-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, bytes: Uint8Array): string => {
  writeFileSync(path.join(dir, name), bytes);
  return path.join(dir, name);
};
const enc = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0));
const CLASSES = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck2'];
const official = ustar([
  { name: 'cifar-10-batches-bin/test_batch.bin', data: cifarBatchBytes(5, 9) },
  { name: 'cifar-10-batches-bin/data_batch_2.bin', data: cifarBatchBytes(20, 2) },
  { name: 'cifar-10-batches-bin/batches.meta.txt', data: enc(`${CLASSES.join('\n')}\n`) },
  { name: 'cifar-10-batches-bin/data_batch_1.bin', data: cifarBatchBytes(20, 1) },
]);

async function expectError(code: string, mentions: string[]): Promise<void> {
  const err = page.getByTestId('import-error');
  await err.waitFor({ timeout: 60_000 });
  expect(await err.getAttribute('data-code')).toBe(code);
  const text = await page.getByTestId('import-error-message').textContent();
  for (const m of mentions) expect(text).toContain(m);
  expect(await page.getByTestId('preview').count()).toBe(0);
}

async function storedDatasets(): Promise<number> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('nas-playground');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    try {
      return await new Promise<number>((resolve, reject) => {
        const q = db.transaction('datasets').objectStore('datasets').count();
        q.onsuccess = () => resolve(q.result);
        q.onerror = () => reject(q.error);
      });
    } finally {
      db.close();
    }
  });
}

describe('streamed imports in Chromium', () => {
  it('previews an official CIFAR-10 tar.gz: batches in order, class names from the archive, the official test batch', async () => {
    await page.getByTestId('import-kind-cifar').click();
    await page.getByTestId('cifar-files').setInputFiles(file('cifar-10-binary.tar.gz', gzipSync(official)));
    await page.getByTestId('import-preview').click();
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preview-count').textContent()).toBe('45');
    expect(await page.getByTestId('preview-shape').textContent()).toBe('32×32×3');
    expect(await page.getByTestId('preview-test-split').textContent()).toContain('official (5 images from test_batch.bin)');
    expect(await page.getByTestId('preview').textContent()).toContain('truck2');
    await page.getByTestId('discard').click();
  });

  it('a tar cut inside an entry and a gzip cut short get their messages; nothing is stored', async () => {
    const before = await storedDatasets();
    await page.getByTestId('import-kind-cifar').click();
    await page.getByTestId('cifar-files').setInputFiles(file('cut.tar', official.slice(0, official.length - 40_000)));
    await page.getByTestId('import-preview').click();
    await expectError('truncated', ['cut.tar', 'tar entry cifar-10-batches-bin/data_batch_1.bin needs 61,460 bytes but the archive ends']);
    const gz = gzipSync(official);
    await page.getByTestId('cifar-files').setInputFiles(file('cut.tar.gz', gz.slice(0, gz.length - 200)));
    await page.getByTestId('import-preview').click();
    await expectError('truncated', ['cut.tar.gz']);
    expect(await storedDatasets()).toBe(before);
  });

  it('previews a gzipped IDX pair', async () => {
    const p = idxPairBytes(30, 8, 3);
    await page.getByTestId('import-kind-idx').click();
    await page.getByTestId('idx-images').setInputFiles(file('quads-images-idx3-ubyte.gz', gzipSync(p.images)));
    await page.getByTestId('idx-labels').setInputFiles(file('quads-labels-idx1-ubyte.gz', gzipSync(p.labels)));
    await page.getByTestId('import-preview').click();
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preview-count').textContent()).toBe('30');
    expect(await page.getByTestId('preview-shape').textContent()).toBe('8×8×1');
    await page.getByTestId('discard').click();
  });
});
