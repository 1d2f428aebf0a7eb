/**
 * The tfjs export (src/engine/export/tfjs-layers.ts) in a plain page with no code of ours: model.json and its weight
 * file are written to a temporary folder, served by a tiny node:http static server on 127.0.0.1 together with tfjs's
 * own prebuilt bundle (node_modules/@tensorflow/tfjs/dist/tf.min.js) and a hand-written HTML page that does only
 * what a user would: load tf.min.js, `tf.loadLayersModel('model.json')`, predict on the inputs (JSON), and show the
 * logits. Debian's Chromium opens the page; its logits must equal the engine's eval-mode logits computed here in Node
 * (within 1e-4 x logit scale), on tfjs's cpu backend and on whatever backend tfjs picks by itself (WebGL when the
 * browser offers it). Does not need the app's build.
 */
import { useBackend } from '../helpers/tf-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import { exportTfjsLayers, tfjsExportFiles, TFJS_WEIGHTS_FILE } from '../../src/engine/export/tfjs-layers';
import type { SpaceId } from '../../src/engine/space/table';
import { caseInput, EXPORT_CASES, logitDiff, preparedNetwork, type ExportCase } from '../helpers/export-cases';
import { launch, type BrowserHandle } from '../helpers/e2e-harness';

const require = createRequire(import.meta.url);
const TF_MIN_JS = path.join(path.dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');

/** The whole page: tfjs's bundle and stock API calls only. `?backend=cpu` pins the backend, else tfjs chooses. */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>tfjs model</title><script src="/tf.min.js"></script></head>
<body>
<pre id="out">loading</pre>
<script>
(async () => {
  const params = new URLSearchParams(location.search);
  const dir = params.get('model');
  if (params.get('backend')) await tf.setBackend(params.get('backend'));
  await tf.ready();
  const input = await (await fetch(dir + '/input.json')).json();
  const model = await tf.loadLayersModel(dir + '/model.json');
  const logits = model.predict(tf.tensor4d(input.data, input.shape)).arraySync();
  window.result = { backend: tf.getBackend(), logits };
  document.getElementById('out').textContent = JSON.stringify(window.result);
})().catch((e) => { window.result = { error: String(e && e.stack || e) }; });
</script>
</body>
</html>
`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream',
};

/** One case per space, the richest of each (every NB201 op; SE, residuals and head conv; every DARTS op). */
const CASES = EXPORT_CASES.filter((c) => /every op|with SE/.test(c.label));

interface Written { readonly dir: string; readonly logits: number[][] }

let root = '';
let server: Server | null = null;
let base = '';
let browser: BrowserHandle | undefined;
const written = new Map<string, Written>();

async function writeCase<S extends SpaceId>(c: ExportCase<S>, dir: string): Promise<Written> {
  const net = preparedNetwork(c, 3000);
  const x = caseInput(c);
  try {
    const logits = tf.tidy(() => net.forward(x, false)).arraySync() as number[][];
    const exported = await exportTfjsLayers(net, c.space, c.genotype, c.skeleton);
    const folder = path.join(root, dir);
    mkdirSync(folder, { recursive: true });
    const files = tfjsExportFiles(exported);
    expect(files.map((f) => f.name)).toEqual(['model.json', TFJS_WEIGHTS_FILE]);
    for (const f of files) writeFileSync(path.join(folder, f.name), f.data);
    writeFileSync(path.join(folder, 'input.json'), JSON.stringify({ shape: x.shape, data: Array.from(x.dataSync()) }));
    return { dir, logits };
  } finally {
    x.dispose();
    net.dispose();
  }
}

beforeAll(async () => {
  await useBackend('cpu');
  root = mkdtempSync(path.join(tmpdir(), 'export-tfjs-page-'));
  copyFileSync(TF_MIN_JS, path.join(root, 'tf.min.js'));
  writeFileSync(path.join(root, 'index.html'), PAGE);
  for (const c of CASES) written.set(c.label, await writeCase(c, c.space));
  server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) { res.writeHead(403).end(); return; }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (root) rmSync(root, { recursive: true, force: true });
});

interface PageResult { readonly backend?: string; readonly logits?: number[][]; readonly error?: string }

async function runPage(dir: string, backend: string | null): Promise<PageResult> {
  const page = await browser!.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${base}/index.html?model=${dir}${backend ? `&backend=${backend}` : ''}`);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 120_000 });
    const result = await page.evaluate(() => (window as unknown as { result: PageResult }).result);
    expect(errors).toEqual([]);
    return result;
  } finally {
    await page.close();
  }
}

describe('tfjs export in a plain page (tf.min.js + tf.loadLayersModel, no code of ours)', () => {
  it('runs one case per space', () => {
    expect(CASES.map((c) => c.space).sort()).toEqual(['darts', 'mobile', 'nb201']);
  });

  CASES.forEach((c) => {
    for (const backend of ['cpu', null] as const) {
      it(`${c.label} on ${backend ?? "tfjs's own choice of"} backend: the engine's logits`, async () => {
        const w = written.get(c.label)!;
        const result = await runPage(w.dir, backend);
        if (result.error) throw new Error(`the page failed: ${result.error}`);
        if (backend) expect(result.backend).toBe(backend);
        const { maxDiff, scale } = logitDiff(w.logits, result.logits!);
        console.log(`export-tfjs page ${c.label} [${result.backend}]: max |logit diff| ${maxDiff.toExponential(2)} (logit scale ${scale.toFixed(3)})`);
        expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
      });
    }
  });
});
