/**
 * The Datasets tab in real Chromium with real IndexedDB, against the production build: import an IDX pair
 * (preview -> split -> store -> reload -> still there with its split); a full store (quota lowered through
 * the DevTools protocol) that must say "Storage is full" and leave every earlier dataset intact; bad files
 * that must show the parser's specific message and store nothing; a CIFAR batch, an image zip and a picked
 * folder decoded in the worker; a cancelled generation; a generated paint-defect set split by week that a
 * 1-candidate search then runs on; rename and delete (which names the runs that use a dataset).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';
import { idxPairBytes } from '../helpers/dataset-files';

const GOOD = path.resolve(import.meta.dirname, '../fixtures/good-datasets');
const BAD = path.resolve(import.meta.dirname, '../fixtures/bad-datasets');

const app = useApp();
let page: Page;
let pageErrors: string[] = [];

let cdp: CDPSession | null = null;
let origin = '';
/** Extra bytes this site may store while the quota is lowered (the first two tests). */
const ROOM = 24 * 1024 * 1024;

beforeAll(async () => {
  origin = new URL(app().url).origin;
  ({ page, errors: pageErrors } = await app().open('#datasets'));
  await listLoaded();
  // Lower the quota to what is used + ROOM before the first write: Chromium caches IndexedDB's free-space
  // answer for a while after each write, so an override made later could go unnoticed by the next commit.
  // ROOM also covers the service worker's precache (it counts against the same quota) if it is still running.
  await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true', null, { timeout: 20_000 }).catch(() => undefined);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  cdp = await app().browser.context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + ROOM });
});
afterAll(async () => {
  await clearQuota();
});

async function clearQuota(): Promise<void> {
  if (!cdp) return;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await cdp.detach();
  cdp = null;
}

async function listLoaded(): Promise<void> {
  await page.waitForSelector('[data-testid="dataset-list"][data-loaded="yes"]', { state: 'attached', timeout: 60_000 });
}

/** Record counts straight from IndexedDB (the app has opened and upgraded the database by now). */
async function stored(): Promise<{ datasets: number; chunks: number; splits: number; ids: string[] }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('nas-playground');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const req = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    try {
      const tx = db.transaction(['datasets', 'datasetChunks', 'splits']);
      const ids = (await req(tx.objectStore('datasets').getAllKeys())).map(String).sort();
      return {
        datasets: ids.length,
        chunks: await req(tx.objectStore('datasetChunks').count()),
        splits: await req(tx.objectStore('splits').count()),
        ids,
      };
    } finally {
      db.close();
    }
  });
}

async function row(name: string) {
  const r = page.locator('[data-testid="dataset-row"]').filter({ has: page.locator('[data-testid="dataset-name"]', { hasText: name }) });
  await r.first().waitFor({ timeout: 30_000 });
  return r.first();
}

async function previewIdx(images: string, labels: string): Promise<void> {
  await page.getByTestId('import-kind-idx').click();
  await page.getByTestId('idx-images').setInputFiles(images);
  await page.getByTestId('idx-labels').setInputFiles(labels);
  await page.getByTestId('import-preview').click();
}

async function expectImportError(code: string, mentions: string[]): Promise<void> {
  const err = page.getByTestId('import-error');
  await err.waitFor({ timeout: 60_000 });
  expect(await err.getAttribute('data-code')).toBe(code);
  const text = await page.getByTestId('import-error-message').textContent();
  for (const m of mentions) expect(text).toContain(m);
  expect(await page.getByTestId('preview').count()).toBe(0);
}

async function commit(name: string): Promise<void> {
  await page.getByTestId('split-sizes').waitFor({ timeout: 30_000 });
  await page.getByTestId('commit-name').fill(name);
  await page.getByTestId('commit').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="import-notice"]')?.textContent?.includes(`Stored "${n}"`) ?? false, name, { timeout: 120_000 });
}

describe('datasets tab in Chromium', () => {
  it('imports an IDX pair: preview, split, store; after a reload it is still listed with its split', async () => {
    const before = await stored();
    await previewIdx(path.join(GOOD, 'tiny-images.idx3-ubyte'), path.join(GOOD, 'tiny-labels.idx1-ubyte'));
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preview-count').textContent()).toBe('6');
    expect(await page.getByTestId('preview-shape').textContent()).toBe('5×4×1');
    expect(await page.getByTestId('preview-classes').textContent()).toBe('10');
    expect(await page.locator('[data-testid="preview-samples"] canvas').count()).toBe(6);
    // The labels 3,1,4,1,5,9 leave five of the ten digit classes empty: the preview says so.
    expect(await page.getByTestId('preview-warnings').textContent()).toContain('5 of 10 classes have no images');
    await expect.poll(() => page.getByTestId('test-never-searched').textContent()).toContain('test split is never handed to a search');
    await commit('Tiny IDX');

    const after = await stored();
    expect(after.datasets).toBe(before.datasets + 1);
    expect(after.splits).toBe(before.splits + 1);
    const r = await row('Tiny IDX');
    expect(await r.getByTestId('dataset-split').textContent()).toContain('train 4 · validation 1 · test 1');
    expect(await page.getByTestId('persist-result').textContent()).toMatch(/Asked for persistent storage when you stored data: (granted|not granted)/);
    expect(await page.getByTestId('storage-text').textContent()).toMatch(/used of/);

    await page.reload();
    await listLoaded();
    const again = await row('Tiny IDX');
    expect(await again.getByTestId('dataset-split').textContent()).toContain('train 4 · validation 1 · test 1');
    expect((await stored()).ids).toEqual(after.ids);
  });

  it('a full store says "Storage is full" and leaves every earlier dataset intact', async () => {
    // The quota was lowered to leave ROOM (24 MB) before the first test stored anything.
    const before = await stored();
    expect(before.ids.length).toBeGreaterThan(0);
    try {
      await page.getByTestId('import-kind-paint').click();
      await page.getByTestId('paint-size').selectOption('48x64');
      await page.getByTestId('paint-count').fill('3000'); // 3000 x 48x64x3 = 27.6 MB > ROOM
      await page.getByTestId('import-preview').click();
      await page.getByTestId('split-sizes').waitFor({ timeout: 120_000 });
      await page.getByTestId('commit-name').fill('Too big');
      await page.getByTestId('commit').click();
      await page.getByTestId('import-error').waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('import-error-message').textContent()).toMatch(/^Storage is full while storing dataset "Too big".*nothing stored before was changed/);
      expect(await stored()).toEqual(before);
      await row('Tiny IDX');
      // The preview is kept, so the user can free space and try again.
      expect(await page.getByTestId('preview').count()).toBe(1);
    } finally {
      await clearQuota();
    }
    await page.getByTestId('discard').click();
    expect(await page.getByTestId('preview').count()).toBe(0);
  });

  it('a truncated IDX file shows the parser message and stores nothing', async () => {
    const before = await stored();
    await previewIdx(path.join(BAD, 'truncated-images.idx3-ubyte'), path.join(GOOD, 'tiny-labels.idx1-ubyte'));
    await expectImportError('truncated', ['truncated-images.idx3-ubyte', 'header says 100 images of 28x28 (78,416 bytes)', 'the file has 5,000 bytes']);
    expect(await stored()).toEqual(before);
  });

  it('imports an IDX train pair + t10k pair: the preview says official and the stored test split is the t10k set', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-t10k-'));
    const tr = idxPairBytes(40, 8, 1);
    const te = idxPairBytes(12, 8, 2);
    const file = (name: string, bytes: Uint8Array): string => {
      writeFileSync(path.join(dir, name), bytes);
      return path.join(dir, name);
    };
    await page.getByTestId('import-kind-idx').click();
    await page.getByTestId('idx-images').setInputFiles(file('train-images-idx3-ubyte', tr.images));
    await page.getByTestId('idx-labels').setInputFiles(file('train-labels-idx1-ubyte', tr.labels));
    await page.getByTestId('idx-test-images').setInputFiles(file('t10k-images-idx3-ubyte', te.images));
    await page.getByTestId('idx-test-labels').setInputFiles(file('t10k-labels-idx1-ubyte', te.labels));
    await page.getByTestId('import-preview').click();
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preview-count').textContent()).toBe('52');
    expect(await page.getByTestId('preview-test-split').textContent()).toContain('Test split: official (12 images from t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)');
    // No test fraction is offered when the test set is official.
    await page.getByTestId('split-official-test').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('split-test').count()).toBe(0);
    await commit('Quads with t10k');
    const r = await row('Quads with t10k');
    expect(await r.getByTestId('dataset-split').textContent()).toContain('official test set (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte): train 36 · validation 4 · test 12');
    const rec = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const q = indexedDB.open('nas-playground');
        q.onsuccess = () => resolve(q.result);
        q.onerror = () => reject(q.error);
      });
      try {
        const all = await new Promise<{ test: Uint32Array; testOrigin?: unknown; version: number }[]>((resolve, reject) => {
          const q = db.transaction('splits').objectStore('splits').getAll();
          q.onsuccess = () => resolve(q.result);
          q.onerror = () => reject(q.error);
        });
        const s = all.find((x) => JSON.stringify(x.testOrigin ?? null).includes('t10k-images'));
        return s ? { test: Array.from(s.test), testOrigin: s.testOrigin, version: s.version } : null;
      } finally {
        db.close();
      }
    });
    expect(rec).not.toBeNull();
    expect(rec!.version).toBe(3);
    expect(rec!.testOrigin).toEqual({ test: 'official', files: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] });
    // All 12 t10k images, which follow the 40 training images in the stored dataset.
    expect(rec!.test).toEqual(Array.from({ length: 12 }, (_, i) => 40 + i));
  });

  it('previews a CIFAR-10 binary batch', async () => {
    await page.getByTestId('import-kind-cifar').click();
    await page.getByTestId('cifar-files').setInputFiles(path.join(GOOD, 'tiny_batch.bin'));
    await page.getByTestId('import-preview').click();
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preview-count').textContent()).toBe('4');
    expect(await page.getByTestId('preview-shape').textContent()).toBe('32×32×3');
    expect(await page.getByTestId('preview-classes').textContent()).toBe('10');
    await page.getByTestId('discard').click();
    expect(await page.getByTestId('preview').count()).toBe(0);
  });

  it('decodes an image zip in the worker; a zip with a non-image file gets its specific message', async () => {
    const before = await stored();
    await page.getByTestId('import-kind-images').click();
    await page.getByTestId('images-height').fill('8');
    await page.getByTestId('images-width').fill('8');
    await page.getByTestId('images-zip').setInputFiles(path.join(GOOD, 'tiny-shapes.zip'));
    await page.getByTestId('import-preview').click();
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preview-count').textContent()).toBe('5');
    expect(await page.getByTestId('preview-shape').textContent()).toBe('8×8×3');
    expect(await page.getByTestId('preview-classes').textContent()).toBe('3');
    // The preview says what was skipped (README beside the class folders, macOS junk).
    expect(await page.getByTestId('preview-warnings').textContent()).toContain('README.txt');
    await page.getByTestId('discard').click();

    // The same images as a picked folder (<input webkitdirectory>).
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-folder-'));
    try {
      for (const [name, bytes] of Object.entries(unzipSync(readFileSync(path.join(GOOD, 'tiny-shapes.zip'))))) {
        if (name.endsWith('/')) continue;
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), bytes);
      }
      await page.getByTestId('images-folder').setInputFiles(path.join(dir, 'shapes'));
      await page.getByTestId('import-preview').click();
      await page.getByTestId('preview').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('preview-count').textContent()).toBe('5');
      expect(await page.getByTestId('preview-classes').textContent()).toBe('3');
      await page.getByTestId('discard').click();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    await page.getByTestId('images-zip').setInputFiles(path.join(BAD, 'zip-non-image-file.zip'));
    await page.getByTestId('import-preview').click();
    await expectImportError('not-an-image', ['notes.txt', 'class folder "cat"']);
    expect(await stored()).toEqual(before);
  });

  it('cancels a long generation; nothing is stored', async () => {
    const before = await stored();
    await page.getByTestId('import-kind-paint').click();
    await page.getByTestId('paint-size').selectOption('48x64');
    await page.getByTestId('paint-count').fill('200000');
    await page.getByTestId('import-preview').click();
    await page.getByTestId('import-progress').waitFor();
    await page.getByTestId('import-cancel').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="import-notice"]')?.textContent === 'Import cancelled; nothing was stored.', null, { timeout: 60_000 });
    expect(await page.getByTestId('preview').count()).toBe(0);
    expect(await page.getByTestId('import-error').count()).toBe(0);
    expect(await stored()).toEqual(before);
  });

  it('generates a paint-defect set, splits it by week, and a 1-candidate search runs on it', async () => {
    await page.getByTestId('import-kind-paint').click();
    await page.getByTestId('paint-size').selectOption('32x32');
    await page.getByTestId('paint-count').fill('200');
    await page.getByTestId('paint-seed').fill('3');
    await page.getByTestId('import-preview').click();
    await page.getByTestId('preview').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('preview-count').textContent()).toBe('200');
    expect(await page.getByTestId('preview-shape').textContent()).toBe('32×32×3');
    expect(await page.getByTestId('preview-classes').textContent()).toBe('4');
    expect(await page.getByTestId('split-method').inputValue()).toBe('temporal');
    expect(await page.getByTestId('split-field').inputValue()).toBe('week');
    await page.getByTestId('split-sizes').waitFor();
    const sizes = async () => [
      Number(await page.getByTestId('split-train').textContent()),
      Number(await page.getByTestId('split-validn').textContent()),
      Number(await page.getByTestId('split-testn').textContent()),
    ];
    const [train, valid, test] = await sizes();
    expect(train + valid + test).toBe(200);
    expect(valid).toBeGreaterThan(0);
    expect(test).toBeGreaterThan(0);
    await commit('Paint 200');
    const r = await row('Paint 200');
    expect(await r.getByTestId('dataset-split').textContent()).toContain(`ordered by week: train ${train} · validation ${valid} · test ${test}`);

    // The search tab lists it; a tiny search trains on it end to end.
    await page.getByTestId('tab-search').click();
    const select = page.locator('select:has(option[value="builtin:mnist-10k"])');
    await select.selectOption({ label: 'Paint 200' });
    await page.getByTestId('budget').fill('1');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('train-samples').fill('64');
    await page.getByTestId('valid-samples').fill('32');
    await page.getByTestId('backend').selectOption('wasm');
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length >= 1, null, { timeout: 240_000 });
    const acc = Number(await page.locator('[data-testid="candidate-row"] [data-testid="acc"]').first().textContent());
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(100);
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 120_000 });
    expect(await page.getByTestId('error').count()).toBe(0);
  });

  it('renames; deleting asks first and names the runs that use the dataset', async () => {
    await page.getByTestId('tab-datasets').click();
    await listLoaded();
    const paint = await row('Paint 200');
    // The tab re-reads the runs when it is shown again.
    await expect.poll(() => paint.getByTestId('dataset-runs').textContent(), { timeout: 30_000 }).toContain('Used by 1 run');
    await paint.getByTestId('dataset-delete').click();
    const confirm = page.getByTestId('confirm-delete');
    await confirm.waitFor();
    expect(await confirm.getByTestId('delete-runs').locator('li').count()).toBe(1);
    await page.getByTestId('confirm-delete-no').click();
    expect(await page.getByTestId('confirm-delete').count()).toBe(0);

    const tiny = await row('Tiny IDX');
    await tiny.getByTestId('dataset-rename').click();
    await page.getByTestId('rename-input').fill('Tiny digits');
    await page.getByTestId('rename-save').click();
    const renamed = await row('Tiny digits');
    const before = await stored();
    await renamed.getByTestId('dataset-delete').click();
    expect(await page.getByTestId('confirm-delete').textContent()).toContain('No run uses it');
    await page.getByTestId('confirm-delete-yes').click();
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('[data-testid="dataset-name"]')).some((e) => e.textContent === 'Tiny digits'));
    const after = await stored();
    expect(after.datasets).toBe(before.datasets - 1);
    expect(after.splits).toBe(before.splits - 1);
    expect(after.chunks).toBe(before.chunks - 1);
    expect(pageErrors).toEqual([]);
  });

});
