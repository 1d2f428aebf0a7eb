/**
 * `npm run bench -- --suite app`: the product rows measured in the BUILT app (dist/, served by vite preview with
 * COOP/COEP as in production) in headless Chromium, driven only through its UI and read back from its IndexedDB.
 *   Issue 16 item 1c: candidates per hour of a random NB201 search in the isolated tab (bench/app-search.ts), against
 *     PyTorch twins of the very genotypes the run stored (bench/app-twin.ts), interleaved: tab run, PyTorch (each
 *     thread count), tab run (same seed: same genotypes), PyTorch; each tab run's ratio is taken against the PyTorch
 *     passes before and after it.
 *   Issue 16 item 6: cold start, open -> first scored candidate, and the main thread's JS on first load, in a fresh
 *     profile and on a second visit served by the service worker (bench/app-cold-start.ts).
 * Figures are never asserted; tests/integration/bench-app.test.ts checks the --smoke report's shape and consistency.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setNodeBackend } from '../scripts/node/builtin';
import { DIST, launch, startPreview, stopPreview } from '../tests/helpers/e2e-harness';
import { backendPanel } from './app-page';
import { coldStartVisit } from './app-cold-start';
import { printAppReport, ratiosOf, steadyIdsOf, torchPassOf, type AppReport, type AppSearchRound } from './app-report';
import { runTabSearch, type AppSearchSettings } from './app-search';
import { runSettings, torchPass, writeRunTwins, type Twin } from './app-twin';
import { TorchClient } from './torch';

const USAGE = `npm run bench -- --suite app [options]   (needs \`npm run build\` first; ~15-25 min on 2 busy cores)
  --part search|cold-start both by default: 1c (candidates per hour in the tab vs PyTorch) and/or 6 (cold start)
  --candidates N           candidates per tab run (default 12)
  --rounds N               tab runs, each followed by the PyTorch passes (default 2)
  --channels N, --cells N  NB201 skeleton C and N (default 16, 1)
  --epochs N, --batch N    (default 1, 64)
  --train-samples N        train images (default 1024), --valid-samples N (default 256)
  --seed N                 the run's seed (default 1)
  --visits N               fresh profiles for the cold start, each followed by a warm visit (default 2)
  --torch-threads LIST     PyTorch thread counts (default 2,1), --no-torch
  --out PATH               results JSON (default bench/app.json)
  --smoke                  1 tiny candidate, 1 round, 1 visit, PyTorch 1 thread (tests/integration/bench-app.test.ts)`;

interface Options { parts: ('search' | 'cold-start')[]; settings: AppSearchSettings; rounds: number; visits: number; torchThreads: number[]; out: string; smoke: boolean }

function parseOptions(argv: string[]): Options | null {
  const smoke = argv.includes('--smoke');
  const o: Options = {
    parts: ['cold-start', 'search'], rounds: smoke ? 1 : 2, visits: smoke ? 1 : 2, torchThreads: smoke ? [1] : [2, 1], smoke,
    out: smoke ? path.join(os.tmpdir(), 'nas-bench-app-smoke.json') : path.join(import.meta.dirname, 'app.json'),
    settings: smoke
      ? { candidates: 1, channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 32, trainSamples: 128, validSamples: 64, seed: 1 }
      : { candidates: 12, channels: 16, cellsPerStage: 1, epochs: 1, batchSize: 64, trainSamples: 1024, validSamples: 256, seed: 1 },
  };
  const s = { ...o.settings };
  const int = (name: string, v: string | undefined, min = 1): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--help': case '-h': return null;
      case '--smoke': break;
      case '--no-torch': o.torchThreads = []; break;
      case '--part': {
        const v = next();
        if (v !== 'search' && v !== 'cold-start') throw new Error(`--part needs search or cold-start, got ${v ?? 'nothing'}`);
        o.parts = [v];
        break;
      }
      case '--candidates': s.candidates = int(a, next()); break;
      case '--rounds': o.rounds = int(a, next()); break;
      case '--channels': s.channels = int(a, next()); break;
      case '--cells': s.cellsPerStage = int(a, next()); break;
      case '--epochs': s.epochs = int(a, next()); break;
      case '--batch': s.batchSize = int(a, next()); break;
      case '--train-samples': s.trainSamples = int(a, next()); break;
      case '--valid-samples': s.validSamples = int(a, next()); break;
      case '--seed': s.seed = int(a, next(), 0); break;
      case '--visits': o.visits = int(a, next()); break;
      case '--torch-threads': o.torchThreads = (next() ?? '').split(',').map((t) => int('--torch-threads', t)); break;
      case '--out': o.out = path.resolve(next() ?? ''); break;
      default: throw new Error(`unknown argument "${a}"`);
    }
  }
  o.settings = s;
  return o;
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const uptime = () => { try { return execFileSync('uptime', { encoding: 'utf8' }).trim(); } catch { return `load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`; } };
const say = (s: string) => console.log(`[bench app ${new Date().toISOString().slice(11, 19)} load ${load1().toFixed(2)}] ${s}`);
const ROOT = path.resolve(import.meta.dirname, '..');

/** 1c: rounds of (tab run, PyTorch passes) in one fresh profile. */
async function searchPart(o: Options, url: string, report: AppReport, clients: { threads: number; client: TorchClient }[]): Promise<void> {
  const browser = await launch();
  const work = mkdtempSync(path.join(os.tmpdir(), 'nas-bench-app-'));
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByTestId('start').waitFor({ timeout: 60_000 });
    report.machine.browser = await page.evaluate(() => navigator.userAgent);
    const isolated = await page.evaluate(() => self.crossOriginIsolated);
    const rounds: AppSearchRound[] = [];
    let twins: Twin[] = [];
    let learningRate = 0;
    let panel: Awaited<ReturnType<typeof backendPanel>> | null = null;
    for (let r = 0; r < o.rounds; r++) {
      say(`tab run ${r + 1}/${o.rounds}: ${o.settings.candidates} candidates`);
      const { search, run } = await runTabSearch(page, `bench-app-${r + 1}`, o.settings, load1);
      say(`  ${search.candidatesPerHour.toFixed(0)} candidates/h, ${(search.steady.meanWallMs / 1000).toFixed(2)} s per candidate`);
      if (errors.length) throw new Error(`page errors: ${errors.join(' | ')}`);
      const sameGenotypes = twins.length === run.candidates.length && twins.every((t, i) => t.arch === run.candidates[i].arch);
      if (!sameGenotypes) {
        if (r > 0) report.missing.push(`tab run ${r + 1} stored other genotypes than run 1 (same seed): twins rewritten`);
        await setNodeBackend('wasm');
        rmSync(path.join(work, 'twins'), { recursive: true, force: true });
        twins = await writeRunTwins(run, ROOT, path.join(work, 'twins'));
        learningRate = runSettings(run).learningRate;
        if (r === 0) {
          // Untimed: PyTorch's first-call set-up, as the tab paid its own before its first candidate.
          for (const k of clients) await torchPass(k.client, twins.slice(0, 1), runSettings(run));
        }
      }
      const shownPanel = (panel ??= await backendPanel(page));
      const round: AppSearchRound = { tab: search, torchAfter: [] };
      rounds.push(round);
      const save = () => {
        report.search = { crossOriginIsolated: isolated, backendPanel: shownPanel, learningRate, twins: twins.map(({ id, arch, params }) => ({ id, arch, params })), rounds, ratios: ratiosOf(rounds, clients.map((k) => k.threads)) };
        writeFileSync(o.out, `${JSON.stringify(report, null, 1)}\n`);
      };
      save();
      for (const k of r % 2 ? [...clients].reverse() : clients) {
        const l0 = load1();
        const passed = await torchPass(k.client, twins, runSettings(run));
        const p = torchPassOf(k.threads, passed, steadyIdsOf(search), o.settings, { start: l0, end: load1() });
        say(`  PyTorch ${k.threads}T: ${(p.meanTotalMs / 1000).toFixed(2)} s per candidate`);
        round.torchAfter.push(p);
        round.torchAfter.sort((a, b) => b.threads - a.threads);
        save();
      }
    }
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** 6: per visit round, a fresh profile (cold) and a second visit in it (warm). */
async function coldStartPart(o: Options, url: string, report: AppReport): Promise<void> {
  for (let v = 0; v < o.visits; v++) {
    const browser = await launch();
    try {
      for (const kind of ['cold', 'warm'] as const) {
        say(`cold start ${v + 1}/${o.visits}: ${kind} visit`);
        const visit = await coldStartVisit(browser.context, url, kind, `bench-app-${kind}-${v + 1}`, o.settings);
        say(`  open -> first candidate ${visit.phases.openToFirstCandidateMs.toFixed(0)} ms`);
        report.coldStart.push(visit);
        writeFileSync(o.out, `${JSON.stringify(report, null, 1)}\n`);
      }
    } finally {
      await browser.close();
    }
  }
}

export async function appMain(argv: string[]): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(argv);
  } catch (e) {
    console.error(`bench app: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  if (!existsSync(path.join(DIST, 'index.html'))) {
    console.error(`bench app: ${DIST} has no build: run \`npm run build\` first`);
    return 2;
  }
  const report: AppReport = {
    version: 1, suite: 'app', mode: o.smoke ? 'smoke' : 'full', command: `npm run bench -- --suite app ${argv.join(' ')}`.trim(),
    startedAt: new Date().toISOString(), finishedAt: '',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, browser: '', torch: null, loadAvg1m: { start: load1(), end: 0 }, uptime: { start: uptime(), end: '' } },
    settings: { ...o.settings, rounds: o.rounds, visits: o.visits }, search: null, coldStart: [], missing: [],
  };
  const clients: { threads: number; client: TorchClient }[] = [];
  const { server, url } = await startPreview();
  try {
    if (o.parts.includes('cold-start')) await coldStartPart(o, url, report).catch((e: unknown) => { report.missing.push(`cold start: ${String(e)}`); });
    if (o.parts.includes('search')) {
      for (const t of o.torchThreads) {
        const started = await TorchClient.start(t, path.join(import.meta.dirname, 'torch_candidate.py'));
        if ('error' in started) { report.missing.push(`PyTorch ${t} thread(s): ${started.error}`); continue; }
        clients.push({ threads: started.threads, client: started.client });
        report.machine.torch = { version: started.version, threads: [...(report.machine.torch?.threads ?? []), started.threads] };
      }
      if (o.torchThreads.length === 0) report.missing.push('PyTorch: skipped (--no-torch)');
      await searchPart(o, url, report, clients).catch((e: unknown) => { report.missing.push(`search: ${String(e)}`); });
    }
  } finally {
    for (const k of clients) k.client.close();
    await stopPreview(server);
    report.machine.loadAvg1m.end = load1();
    report.machine.uptime.end = uptime();
    report.finishedAt = new Date().toISOString();
    writeFileSync(o.out, `${JSON.stringify(report, null, 1)}\n`);
  }
  printAppReport(report);
  console.log(`\nwrote ${o.out}`);
  return report.missing.length === 0 || (report.missing.length === 1 && report.missing[0].startsWith('PyTorch: skipped')) ? 0 : 1;
}
