/**
 * The built app under its Content-Security-Policy (issue 14, item 8; vite.config.ts CONTENT_SECURITY_POLICY, sent by
 * `vite preview` and written as a <meta> into index.html): a search, a dataset import and a one-shot run finish with
 * zero CSP violations — in the page or its workers — and not one request leaves the app's origin.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { idxPairBytes } from '../helpers/dataset-files';
import { useApp, setField } from '../helpers/e2e-harness';

const app = useApp();

const set = setField;

describe('content security policy', () => {
  it('a search, an import and a one-shot run: no violation, no request to another origin', async () => {
    const origin = new URL(app().url).origin;
    const foreign: string[] = [];
    const violations: string[] = [];
    const context = app().browser.context;
    context.on('request', (r) => {
      const u = new URL(r.url());
      if (!['blob:', 'data:'].includes(u.protocol) && u.origin !== origin) foreign.push(r.url());
    });
    // Chromium prints every refused load or eval (page and workers) to the console as "Refused to ...".
    const watch = (p: Page) => {
      p.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
      p.on('worker', (w) => w.evaluate(() => {
        self.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to (worker) ${e.violatedDirective} ${e.blockedURI}`));
      }).catch(() => undefined));
    };
    const { page, errors } = await app().open();
    watch(page);
    const header = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'));
    expect(header).toContain("default-src 'self'");
    expect(header).toContain("script-src 'self' 'wasm-unsafe-eval' blob:");
    // No inline script (only styles may be inline).
    expect(header?.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('unsafe-inline');
    await page.evaluate(() => {
      (window as unknown as { cspViolations: string[] }).cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { cspViolations: string[] }).cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });

    // A search (training in the search worker, wasm backend).
    for (const [id, v] of [['budget', 1], ['epochs', 1], ['train-samples', 64], ['valid-samples', 32], ['seed', 3]] as const) await page.getByTestId(id).fill(String(v));
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === 'done', null, { timeout: 240_000 });

    // An import (parsing in the data worker).
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-csp-'));
    const pair = idxPairBytes(40, 8, 1);
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), pair.images);
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), pair.labels);
    await page.getByTestId('tab-datasets').click();
    await page.getByTestId('import-kind-idx').click();
    await page.getByTestId('idx-images').setInputFiles(path.join(dir, 'train-images-idx3-ubyte'));
    await page.getByTestId('idx-labels').setInputFiles(path.join(dir, 'train-labels-idx1-ubyte'));
    await page.getByTestId('import-preview').click();
    await page.getByTestId('split-sizes').waitFor({ timeout: 60_000 });
    await page.getByTestId('commit-name').fill('CSP quads');
    await page.getByTestId('commit').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="import-notice"]')?.textContent?.includes('Stored "CSP quads"') ?? false, null, { timeout: 120_000 });

    // A one-shot run (SPOS in the one-shot worker).
    await page.getByTestId('tab-oneshot').click();
    for (const [id, v] of [['oneshot-method', 'spos'], ['oneshot-epochs', 1], ['oneshot-batch', 16], ['oneshot-channels', 4], ['oneshot-cells', 1], ['oneshot-train-samples', 64], ['oneshot-valid-samples', 64], ['oneshot-seed', 3], ['oneshot-subnets', 3], ['oneshot-topk', 1], ['oneshot-ranking-check', 0]] as const) await set(page, id, v);
    await page.getByTestId('oneshot-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="oneshot-status"]')?.getAttribute('data-status') === 'done', null, { timeout: 200_000 });

    const inPage = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
    expect(inPage).toEqual([]);
    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  }, 600_000);
});
