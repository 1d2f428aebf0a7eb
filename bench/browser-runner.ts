/**
 * Browser half of the benchmark: builds bench/browser/ (a page + dedicated worker, never part of the app bundle)
 * with Vite into a temporary folder, serves it from a small static server on 127.0.0.1 (with COOP/COEP headers
 * under /iso/, without under /plain/), and drives Debian's Chromium through playwright-core. The page is built with
 * the app's tfjsWasmThreads plugin (vite.config.ts), so threaded WASM starts there as it does in the app.
 */
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InitInfo, WorkerReply, WorkerRequest } from './browser/protocol';
import { tfjsWasmThreads } from '../vite.config';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BASE_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = path.resolve(import.meta.dirname, '..');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

export async function buildBenchPage(): Promise<string> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'nas-bench-page-'));
  await build({
    configFile: false,
    root: path.join(ROOT, 'bench', 'browser'),
    base: './',
    logLevel: 'warn',
    // The app's plugin that keeps tfjs's threaded WASM factory runnable in pthread workers after minification.
    worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1 << 20, reportCompressedSize: false },
  });
  return outDir;
}

export function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const isolated = u.pathname.startsWith('/iso/');
    const rel = u.pathname.replace(/^\/(iso|plain)\//, '/');
    const file = path.join(dir, path.normalize(rel === '/' ? '/index.html' : rel));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
  }));
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** One Chromium with the benchmark page open, its worker on one backend. */
export class BenchPage {
  private constructor(private readonly context: BrowserContext, private readonly page: Page, private readonly userDataDir: string) {}

  /** `gpuArgs`: launch with these flags instead (a real GPU machine's, bench/gpu-bench.ts; they say how headless runs). */
  static async open(baseUrl: string, opts: { isolated: boolean; webgpu: boolean; gpuArgs?: readonly string[] }): Promise<BenchPage> {
    const userDataDir = mkdtempSync(path.join(tmpdir(), 'nas-bench-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: !opts.gpuArgs,
      args: [...BASE_ARGS, ...(opts.gpuArgs ?? (opts.webgpu ? ['--enable-unsafe-webgpu'] : []))],
    });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/${opts.isolated ? 'iso' : 'plain'}/index.html`);
    await page.waitForFunction(() => (window as unknown as { nasBench?: { ready: boolean } }).nasBench?.ready === true, null, { timeout: 60_000 });
    return new BenchPage(context, page, userDataDir);
  }

  async call<T>(req: Request, timeoutMs = 600_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<WorkerReply>((resolve) => {
      timer = setTimeout(() => resolve({ id: 0, ok: false, error: `timed out after ${timeoutMs / 1000} s` }), timeoutMs);
    });
    try {
      const reply = await Promise.race([
        this.page.evaluate((r) => (window as unknown as { nasBench: { call(x: unknown): Promise<WorkerReply> } }).nasBench.call(r), req as unknown),
        timeout,
      ]);
      if (!reply.ok) throw new Error(reply.error);
      return reply.value as T;
    } finally {
      clearTimeout(timer);
    }
  }

  init(backend: InitInfo['backend'], wasmThreads: boolean, timeoutMs = 120_000): Promise<InitInfo> {
    return this.call<InitInfo>({ cmd: 'init', backend: backend as 'wasm', wasmThreads }, timeoutMs);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}
