/**
 * The WebGPU code path, proven correct on tiny shapes with Chromium's software adapter
 * (--enable-unsafe-webgpu gives SwiftShader; never a speed reference). In auto mode the fallback adapter
 * must be passed over with its reason shown; forced, a candidate trains on webgpu and scores like wasm.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from '../helpers/e2e-harness';

const app = useApp(['--enable-unsafe-webgpu']);

/** What the search tab shows: run status, progress, live backend, backend report, first candidate row. */
async function pageState(page: Page): Promise<string> {
  return page.evaluate(() => ['run-status', 'progress', 'backend-live', 'wasm-threads', 'backend-panel', 'candidate-row', 'live']
    .map((id) => `${id}: ${(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '(none)').replace(/\s+/g, ' ').trim().slice(0, 400)}`)
    .join(' | ')).catch((e: unknown) => `(could not read the page: ${String(e)})`);
}

async function runOne(page: Page, backend: string): Promise<{ acc: number; backend: string; trainLoss: number }> {
  await page.getByTestId('backend').selectOption(backend);
  await page.getByTestId('budget').fill('1');
  await page.getByTestId('epochs').fill('1');
  await page.getByTestId('train-samples').fill('64');
  await page.getByTestId('valid-samples').fill('64');
  await page.getByTestId('seed').fill('3');
  // SwiftShader runs WebGPU on the CPU: keep the network tiny.
  await page.getByTestId('channels').fill('4');
  await page.getByTestId('batch').fill('32');
  await page.getByTestId('start').click();
  // Done with a row from this backend (the page may still show an earlier finished run right after the click), or
  // ended some other way. On a timeout the page's state goes into the failure, so a CI log says where it stopped.
  const ended = await page.waitForFunction((b) => {
    if (document.querySelector('[data-testid="error"]')) return true;
    const status = document.querySelector('[data-testid="run-status"]')?.textContent;
    const cell = document.querySelector('[data-testid="candidate-row"] td:last-child')?.textContent;
    return (status === 'done' && cell === b) || status === 'failed' || status === 'paused';
  }, backend, { timeout: 240_000 }).then(() => true, () => false);
  if (!ended) throw new Error(`the ${backend} run did not end within 240 s; the page shows: ${await pageState(page)}`);
  const err = await page.getByTestId('error').count();
  if (err) throw new Error(`search failed: ${await page.getByTestId('error').textContent()}`);
  if (await page.getByTestId('run-status').textContent() !== 'done') throw new Error(`the ${backend} run ended: ${await pageState(page)}`);
  const row = page.locator('[data-testid="candidate-row"]').first();
  // The stored record (real IndexedDB) has the final training loss, a sharper check than accuracy.
  const trainLoss = await page.evaluate((b) => new Promise<number>((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction('candidates').objectStore('candidates').getAll();
      all.onsuccess = () => resolve((all.result as { backend: string; metrics: { train_loss: number } }[]).filter((c) => c.backend === b).at(-1)!.metrics.train_loss);
    };
  }), backend);
  return { acc: Number(await row.locator('[data-testid="acc"]').textContent()), backend: (await row.locator('td').last().textContent()) ?? '', trainLoss };
}

describe('WebGPU path (SwiftShader adapter)', () => {
  it('auto passes over the fallback adapter and says why', async () => {
    const { page } = await app().open();
    const adapter = await page.evaluate(async () => {
      type Info = { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Info } | null> } }).gpu;
      const a = await gpu?.requestAdapter();
      return a ? { vendor: a.info?.vendor, architecture: a.info?.architecture, fallback: a.info?.isFallbackAdapter } : null;
    });
    console.log(`[e2e] WebGPU adapter with --enable-unsafe-webgpu: ${JSON.stringify(adapter)}`);
    expect(adapter).not.toBeNull();
    await page.getByRole('button', { name: 'Detect backend' }).click();
    await page.getByTestId('backend-live').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('backend-live').textContent()).not.toBe('webgpu');
    const webgpuLine = await page.locator('[data-testid="backend-panel"] li', { hasText: 'webgpu' }).textContent();
    console.log(`[e2e] ${webgpuLine}`);
    expect(webgpuLine).toMatch(/passed over: software/);
    await page.close();
  });

  it('trains a candidate when webgpu is forced, scoring like wasm on the same seed', { timeout: 900_000 }, async () => {
    const { page } = await app().open();
    const gpu = await runOne(page, 'webgpu');
    expect(gpu.backend).toBe('webgpu');
    await page.close(); // its WebGPU device and worker go before the second run starts
    const { page: page2 } = await app().open();
    const wasm = await runOne(page2, 'wasm');
    expect(wasm.backend).toBe('wasm');
    console.log(`[e2e] same candidate, same seed: webgpu loss ${gpu.trainLoss} acc ${gpu.acc}%, wasm loss ${wasm.trainLoss} acc ${wasm.acc}%`);
    // Same genotype, weights, data order: the losses agree up to float differences between backends.
    expect(Number.isFinite(gpu.trainLoss)).toBe(true);
    expect(Math.abs(gpu.trainLoss - wasm.trainLoss) / wasm.trainLoss).toBeLessThan(0.01);
    // Float differences between backends may flip a few predictions on 64 validation images.
    expect(Math.abs(gpu.acc - wasm.acc)).toBeLessThanOrEqual(10);
    await page2.close();
  });
});
