/**
 * Benchmark row "search + re-train" (issue 13): what a user gets from a fixed wall-clock budget on the built-in
 * MNIST subset, against a hand-designed CNN trained in PyTorch on the same data for the same budget.
 *
 *   npm run bench -- --suite search-retrain [--budget-min 20] [--search-share 0.3] [--top 1] [--torch-threads 1]
 *                    [--seed 1] [--config examples/mnist-search-100k.json] [--recipe examples/recipes/finalist.json]
 *                    [--out bench/search-retrain.json] [--no-torch] [--smoke]
 *
 * Engine side (the user's own commands, as subprocesses): `npm run search -- --config CONFIG --checkpoint FILE`, killed
 * once `search-share` of the budget is spent and a candidate is saved (the candidate in flight is lost, as after a
 * crash), `npm run search -- --config CONFIG --checkpoint FILE --budget N --out run.json` to write the run file, then
 * `npm run finalists -- --run run.json --top K --recipe RECIPE --epochs E`, with E chosen so the stage fits the rest
 * of the budget from a 2-epoch calibration run of the same command on a subset (search-retrain-budget.ts). The best finalist is
 * the one with the best validation accuracy (never chosen by test accuracy); its test accuracy is the row's figure.
 * PyTorch side, after the engine side (sequential: each side has the 2 cores to itself, minus other jobs):
 * bench/hand_cnn.py trains a hand-designed CNN under 100K parameters with the finalists' recipe for the same budget
 * on the same normalised train / validation images (search-retrain-data.ts) and tests it once on the same locked test
 * split. `--torch-threads 1` (default) gives PyTorch one core, like the engine's single-threaded Node WASM backend.
 * Writes a JSON report (--out) and prints a table; figures are never asserted (tests/integration/bench-search-retrain.test.ts
 * checks the --smoke run's structure only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseRunConfig, type RunConfig } from '../src/shared/run-config';
import { parseFinalistRecipe } from '../src/shared/finalist-recipe';
import type { FinalistOutput } from '../src/shared/finalist-result';
import type { LoggedCandidate } from '../src/engine/search/types';
import { pickFinalists } from '../src/engine/finalists/pick';
import { DEFAULT_SEARCH_SHARE, planRetrainEpochs, type EpochPlan, type EpochWork } from './search-retrain-budget';
import { exportFinalistData } from './search-retrain-data';
import { PYTHON } from './torch';

const ROOT = path.resolve(import.meta.dirname, '..');
/** `node --import tsx` (TSX_TSCONFIG_PATH set in run()): one process, so a kill reaches the script itself, not tsx's wrapper. */
const TSX = ['--import', 'tsx'];
const USAGE = `npm run bench -- --suite search-retrain [options]   (full run: 2 x --budget-min, sequential)
  --budget-min M       wall-clock minutes per side (default 20): the engine's search + re-training, then PyTorch
  --search-share F     share of the engine's budget for the search, 0 < F < 1 (default ${DEFAULT_SEARCH_SHARE}); re-training gets the rest
  --top K              finalists re-trained (default 1: on this CPU an epoch of 7,000 images takes 1-2 min, so more finalists mean fewer epochs each)
  --torch-threads N    PyTorch threads (default 1, like the engine's single-threaded Node WASM)
  --seed N             search, re-training and PyTorch seed (default 1)
  --config PATH        search config (default examples/mnist-search-100k.json: NB201 C12, params <= 99,999)
  --recipe PATH        finalist recipe (default examples/recipes/finalist.json)
  --out PATH           report (default bench/search-retrain.json; --smoke: $TMPDIR/nas-bench-search-retrain.json)
  --no-torch           engine side only
  --smoke              seconds, tiny subsets: checks the row runs end to end (tests/integration/bench-search-retrain.test.ts)`;

class UsageError extends Error {}

interface Options {
  budgetS: number;
  searchShare: number;
  top: number;
  torchThreads: number;
  seed: number;
  config: string;
  recipe: string;
  out: string;
  torch: boolean;
  smoke: boolean;
}

function parseOptions(argv: string[]): Options | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'budget-min': { type: 'string' }, 'search-share': { type: 'string' }, top: { type: 'string' }, 'torch-threads': { type: 'string' },
        seed: { type: 'string' }, config: { type: 'string' }, recipe: { type: 'string' }, out: { type: 'string' },
        'no-torch': { type: 'boolean' }, smoke: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  const num = (flag: string, s: string | undefined, dflt: number, ok: (v: number) => boolean, what: string): number => {
    if (s === undefined) return dflt;
    const v = Number(s);
    if (!(s.trim() !== '' && Number.isFinite(v) && ok(v))) throw new UsageError(`--${flag} must be ${what}, got "${s}"`);
    return v;
  };
  const smoke = values.smoke ?? false;
  return {
    budgetS: 60 * num('budget-min', values['budget-min'], smoke ? 0.2 : 20, (v) => v > 0, 'a number of minutes > 0'),
    searchShare: num('search-share', values['search-share'], DEFAULT_SEARCH_SHARE, (v) => v > 0 && v < 1, 'a number between 0 and 1'),
    top: num('top', values.top, 1, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'),
    torchThreads: num('torch-threads', values['torch-threads'], 1, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'),
    seed: num('seed', values.seed, 1, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'an integer in 0..2^32-1'),
    config: path.resolve(values.config ?? path.join(ROOT, 'examples/mnist-search-100k.json')),
    recipe: path.resolve(values.recipe ?? path.join(ROOT, 'examples/recipes/finalist.json')),
    out: path.resolve(values.out ?? (smoke ? path.join(os.tmpdir(), 'nas-bench-search-retrain.json') : path.join(ROOT, 'bench/search-retrain.json'))),
    torch: !(values['no-torch'] ?? false),
    smoke,
  };
}

/** Smoke mode: the search proxies and the re-training sets shrink to a few dozen images so the row takes seconds. */
const SMOKE_SEARCH = { trainSamples: 64, validSamples: 32, channels: 4 } as const;
const SMOKE_RETRAIN = { trainSamples: 256, validSamples: 128 } as const;
/** The calibration run's subsets (two epochs; the second is timed): a longer timed epoch for a long budget, less noise from other jobs. */
const calibrationFor = (budgetS: number) => ({ trainSamples: budgetS >= 600 ? 2048 : 1024, validSamples: 256 });
const SMOKE_CALIBRATION = { trainSamples: 64, validSamples: 32 } as const;

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const say = (s: string) => console.log(`[search-retrain ${new Date().toISOString().slice(11, 19)} load ${load1().toFixed(2)}] ${s}`);

interface Child { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs a command, feeding each stderr line to `onLine`; `control` gets the child to signal it. */
function run(cmd: string, args: string[], onLine: (line: string) => void, control?: (kill: (s: NodeJS.Signals) => void) => void): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.node.json' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    createInterface({ input: child.stderr }).on('line', (line) => { stderr = (stderr + line + '\n').slice(-20_000); onLine(line); });
    control?.((s) => { child.kill(s); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const lastJsonLine = <T>(text: string, what: string): T => {
  const line = text.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${what}: no JSON result on stdout (last line: ${line.slice(0, 200)})`);
  }
};

interface SearchSide { wallS: number; queries: number; feasible: number; stopReason: string; bestValidAcc: number | null; runFile: string }
interface FinalistRow { id: number; arch: string; params: number; macs: number; valid_acc: number; test_acc: number; epochs: number; stop: string; latency_ms?: number }
interface EngineSide {
  config: RunConfig;
  search: SearchSide;
  retrain: { wallS: number; plan: EpochPlan; calibration: { seconds: number; work: EpochWork }; remainingS: number; top: number; trainImages: number };
  finalists: FinalistRow[];
  best: FinalistRow;
  wallS: number;
  loadAvg1m: { start: number; end: number };
}
interface TorchSide {
  net: string; params: number; macs: number; torch: string; threads: number; epochs: number; steps: number;
  train_s: number; wall_s: number; valid_acc: number; best_epoch: number; test: { count: number; accuracy: number };
  loadAvg1m: { start: number; end: number };
}
export interface SearchRetrainReport {
  version: 1;
  suite: 'search-retrain';
  mode: 'full' | 'smoke';
  command: string;
  startedAt: string;
  finishedAt?: string;
  machine: { cpus: number; loadAvg1m: { start: number; end?: number } };
  budget: { perSideS: number; searchS: number; searchShare: number; top: number; torchThreads: number; seed: number };
  data: { train: number; valid: number; test: number };
  engine: EngineSide | null;
  torch: TorchSide | null;
  comparison: { winner: 'searched' | 'hand-designed' | 'tie'; testAccDiffPp: number; searchedUnder100k: boolean; goalMet: boolean } | null;
  workDir: string;
  missing: string[];
}

/** What the full re-training trains on: train images (with validation for trainOn 'train+valid') and validation images. */
interface FullWork { readonly trainImages: number; readonly validImages: number }

async function engineSide(o: Options, cfgFile: string, cfg: RunConfig, work: string, full: FullWork, bnImages: number): Promise<EngineSide> {
  const load0 = load1();
  const t0 = performance.now();
  const runFile = path.join(work, 'run.json');
  // 1. The search with a checkpoint after every candidate; when its share is spent (and a candidate is saved) it is
  // killed, and `--checkpoint FILE --budget <saved>` writes the run file from the checkpoint without training more.
  // (Not Ctrl-C: scripts/search.ts's SIGINT handler does not run while candidates train back to back.)
  const searchS = o.budgetS * o.searchShare;
  const ckFile = path.join(work, 'search-checkpoint.json');
  const saved = (): number => {
    try {
      return (JSON.parse(readFileSync(ckFile, 'utf8')) as { log: unknown[] }).log.length;
    } catch {
      return 0;
    }
  };
  let trained = 0;
  let killedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const searchArgs = ['scripts/search.ts', '--config', cfgFile, '--seed', String(o.seed), '--checkpoint', ckFile];
  const search = await run(process.execPath, [...TSX, ...searchArgs, '--out', runFile], (line) => {
    const m = /candidate (\d+) epoch (\d+)\/(\d+)/.exec(line);
    if (m && m[2] === m[3] && ++trained % 5 === 1) say(`search: ${trained} candidates trained`);
  }, (kill) => {
    timer = setInterval(() => {
      if (killedAt > 0 || (performance.now() - t0) / 1000 < searchS) return;
      const n = saved();
      if (n > 0) {
        killedAt = n;
        kill('SIGKILL');
      }
    }, 250);
  }).finally(() => clearInterval(timer));
  if (killedAt > 0) {
    const saved2 = saved();
    const fin = await run(process.execPath, [...TSX, ...searchArgs, '--budget', String(saved2), '--out', runFile], () => undefined);
    if (fin.code !== 0) throw new Error(`npm run search (writing the run file from its checkpoint) failed (exit ${fin.code ?? fin.signal}): ${fin.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  } else if (search.code !== 0) {
    throw new Error(`npm run search failed (exit ${search.code ?? search.signal}): ${search.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  const searchWall = (performance.now() - t0) / 1000;
  const runJson = JSON.parse(readFileSync(runFile, 'utf8')) as { stopReason: string; log: LoggedCandidate[] };
  const feasible = runJson.log.filter((e) => e.feasible);
  const bestValid = feasible.length ? Math.max(...feasible.map((e) => e.metrics.valid_acc)) : null;
  say(`search: ${runJson.log.length} candidates (${feasible.length} feasible) in ${searchWall.toFixed(0)} s${killedAt > 0 ? ', stopped at its deadline' : ''}`);

  // 2. The finalists stage with the epochs that fit the rest of the budget.
  const picked = pickFinalists(runJson.log, o.top);
  if (picked.length === 0) throw new Error(`the search logged no feasible candidate in ${searchWall.toFixed(0)} s (${runJson.log.length} candidates)`);
  // 2. Calibration: the same stage for 2 epochs on a subset at the current load; its second epoch is timed (the first
  // pays the warm-up). Its output, test figure included, is discarded: nothing is chosen by it.
  const calWork = o.smoke ? SMOKE_CALIBRATION : calibrationFor(o.budgetS);
  let tEpoch1 = 0;
  let tEpoch2 = 0;
  const cal = await run(process.execPath, [...TSX, 'scripts/finalists.ts', '--run', runFile, '--top', '1', '--recipe', o.recipe, '--epochs', '2', '--seed', String(o.seed),
    '--train-samples', String(calWork.trainSamples), '--valid-samples', String(calWork.validSamples), '--no-latency'], (line) => {
    if (tEpoch1 === 0 && /epoch 1\/2/.test(line)) tEpoch1 = performance.now();
    else if (tEpoch2 === 0 && /epoch 2\/2/.test(line)) tEpoch2 = performance.now();
  });
  if (cal.code !== 0 || tEpoch1 === 0 || tEpoch2 === 0) throw new Error(`calibration run of npm run finalists failed (exit ${cal.code ?? cal.signal}): ${cal.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const calTrain = Math.min(calWork.trainSamples, full.trainImages);
  const calibration = { seconds: (tEpoch2 - tEpoch1) / 1000, work: { trainImages: calTrain, forwardImages: Math.min(calWork.validSamples, full.validImages) + Math.min(bnImages, calTrain) } };
  // 3. The finalists stage with the epochs that fit the rest of the budget.
  const remainingS = o.budgetS - (performance.now() - t0) / 1000;
  const plan = planRetrainEpochs({
    remainingS,
    calibration,
    full: { trainImages: full.trainImages, forwardImages: full.validImages + Math.min(bnImages, full.trainImages) },
    scale: picked.map((e) => e.metrics.train_ms / picked[0].metrics.train_ms),
  });
  say(`finalists: top ${picked.length}, ${plan.epochs} epochs each (calibration epoch ${calibration.seconds.toFixed(1)} s on ${calTrain} images; estimated ${plan.estimatedS.toFixed(0)} s of the ${remainingS.toFixed(0)} s left)`);
  const t1 = performance.now();
  const subset = o.smoke ? ['--train-samples', String(SMOKE_RETRAIN.trainSamples), '--valid-samples', String(SMOKE_RETRAIN.validSamples)] : [];
  const fin = await run(process.execPath, [...TSX, 'scripts/finalists.ts', '--run', runFile, '--top', String(o.top), '--recipe', o.recipe, '--epochs', String(plan.epochs),
    '--seed', String(o.seed), ...subset], (line) => { if (/TEST accuracy|re-training candidate/.test(line)) say(line); });
  const retrainWall = (performance.now() - t1) / 1000;
  if (fin.code !== 0) throw new Error(`npm run finalists failed (exit ${fin.code ?? fin.signal}): ${fin.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  writeFileSync(path.join(work, 'finalists.json'), fin.stdout);
  const out = lastJsonLine<{ finalists: FinalistOutput[] }>(fin.stdout, 'npm run finalists');
  const finalists: FinalistRow[] = out.finalists.map((f) => ({
    id: f.id, arch: f.arch, params: f.params, macs: f.macs, valid_acc: f.valid_acc, test_acc: f.test.accuracy, epochs: f.retrain.epochs, stop: f.retrain.stop,
    ...(f.latency_ms !== undefined ? { latency_ms: f.latency_ms } : {}),
  }));
  // Chosen by validation accuracy (ties: the search's order), never by test accuracy.
  const best = finalists.reduce((a, b) => (b.valid_acc > a.valid_acc ? b : a));
  return {
    config: cfg,
    search: { wallS: searchWall, queries: runJson.log.length, feasible: feasible.length, stopReason: killedAt > 0 ? 'wall-clock (killed; run file written from its checkpoint)' : runJson.stopReason, bestValidAcc: bestValid, runFile },
    retrain: { wallS: retrainWall, plan, calibration, remainingS, top: o.top, trainImages: full.trainImages },
    finalists,
    best,
    wallS: (performance.now() - t0) / 1000,
    loadAvg1m: { start: load0, end: load1() },
  };
}

async function torchSide(o: Options, dataDir: string): Promise<TorchSide | string> {
  const load0 = load1();
  say(`PyTorch: hand-designed CNN, ${o.torchThreads} thread(s), ${o.budgetS.toFixed(0)} s`);
  const r = await run(PYTHON, [path.join(ROOT, 'bench/hand_cnn.py'), '--data', dataDir, '--budget-s', String(o.budgetS), '--threads', String(o.torchThreads), '--seed', String(o.seed)],
    (line) => { process.stderr.write(`hand_cnn.py: ${line}\n`); }).catch((e: unknown) => ({ code: -1, signal: null, stdout: '', stderr: String(e) }));
  if (r.code !== 0) return `PyTorch side failed (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  const res = lastJsonLine<{ ok: boolean; error?: string } & Omit<TorchSide, 'loadAvg1m'>>(r.stdout, 'bench/hand_cnn.py');
  if (!res.ok) return res.error ?? 'PyTorch side failed';
  const { ok: _ok, ...rest } = res;
  return { ...rest, loadAvg1m: { start: load0, end: load1() } };
}

function printReport(r: SearchRetrainReport): void {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const min = (s: number) => `${(s / 60).toFixed(1)} min`;
  console.log(`\nSearch + re-train on ${r.data.train} / ${r.data.valid} / ${r.data.test} train / validation / test images, ${min(r.budget.perSideS)} per side`
    + ` (search ${min(r.budget.searchS)}, re-training the rest), sequential, load ${r.machine.loadAvg1m.start}-${r.machine.loadAvg1m.end ?? '?'}`);
  console.log(['side'.padEnd(22), 'params'.padStart(8), 'MACs'.padStart(10), 'test acc'.padStart(9), 'valid acc'.padStart(10), 'epochs'.padStart(7), 'wall'.padStart(9), '  model'].join(' '));
  const e = r.engine;
  if (e) {
    for (const f of e.finalists) {
      console.log([`${f === e.best ? '* ' : '  '}finalist ${f.id} (tfjs)`.padEnd(22), String(f.params).padStart(8), f.macs.toExponential(2).padStart(10), pct(f.test_acc).padStart(9), pct(f.valid_acc).padStart(10),
        `${f.epochs}`.padStart(7), ''.padStart(9), `  ${f.arch} (${f.stop})`].join(' '));
    }
      console.log(`  engine: search ${e.search.wallS.toFixed(0)} s (${e.search.queries} candidates, ${e.search.feasible} feasible), calibration, re-training ${e.retrain.wallS.toFixed(0)} s `
      + `(${e.retrain.plan.epochs} epochs planned, estimated ${e.retrain.plan.estimatedS.toFixed(0)} s), total ${min(e.wallS)}`);
  }
  const t = r.torch;
  if (t) {
    console.log(['  hand CNN (PyTorch)'.padEnd(22), String(t.params).padStart(8), t.macs.toExponential(2).padStart(10), pct(t.test.accuracy).padStart(9), pct(t.valid_acc).padStart(10),
      t.epochs.toFixed(1).padStart(7), min(t.wall_s).padStart(9), `  ${t.net}, ${t.threads} thread(s), torch ${t.torch}`].join(' '));
  }
  const c = r.comparison;
  if (c) console.log(`winner: ${c.winner} (searched - hand = ${c.testAccDiffPp.toFixed(2)} pp test accuracy); goal (searched model < 100K params beats the hand-designed CNN): ${c.goalMet ? 'MET' : 'not met'}`);
  if (r.missing.length) console.log(`missing:\n  ${r.missing.join('\n  ')}`);
}

export async function searchRetrainMain(argv: string[]): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(argv);
  } catch (e) {
    console.error(`bench search-retrain: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'nas-bench-search-retrain-'));
  let cfg: RunConfig;
  try {
    cfg = parseRunConfig(JSON.parse(readFileSync(o.config, 'utf8')));
    if (cfg.evaluator.kind !== 'train') throw new Error('its evaluator.kind must be "train"');
    if (o.smoke) cfg = { ...cfg, evaluator: { ...cfg.evaluator, ...SMOKE_SEARCH } };
    parseFinalistRecipe(JSON.parse(readFileSync(o.recipe, 'utf8')));
  } catch (e) {
    console.error(`bench search-retrain: config ${o.config} / recipe ${o.recipe}: ${(e as Error).message}`);
    return 2;
  }
  const recipe = parseFinalistRecipe(JSON.parse(readFileSync(o.recipe, 'utf8')));
  const cfgFile = path.join(work, 'config.json');
  writeFileSync(cfgFile, `${JSON.stringify(cfg, null, 1)}\n`);
  const report: SearchRetrainReport = {
    version: 1, suite: 'search-retrain', mode: o.smoke ? 'smoke' : 'full', command: `npm run bench -- --suite search-retrain ${argv.join(' ')}`.trim(),
    startedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, loadAvg1m: { start: load1() } },
    budget: { perSideS: o.budgetS, searchS: o.budgetS * o.searchShare, searchShare: o.searchShare, top: o.top, torchThreads: o.torchThreads, seed: o.seed },
    data: { train: 0, valid: 0, test: 0 }, engine: null, torch: null, comparison: null, workDir: work, missing: [],
  };
  const save = () => writeFileSync(o.out, `${JSON.stringify(report, null, 1)}\n`);
  const dataDir = path.join(work, 'data');
  try {
    // The finalists' train / validation / test images, exported before either side's clock starts.
    const subset = o.smoke ? SMOKE_RETRAIN : {};
    const data = await exportFinalistData(ROOT, dataDir, { seed: o.seed, ...subset });
    report.data = { ...data.counts };
    const full = { trainImages: recipe.trainOn === 'train+valid' ? data.counts.train + data.counts.valid : data.counts.train, validImages: data.counts.valid };
    say(`engine side: search (${(o.budgetS * o.searchShare).toFixed(0)} s) + re-training, ${o.budgetS.toFixed(0)} s in all; work dir ${work}`);
    try {
      report.engine = await engineSide(o, cfgFile, cfg, work, full, recipe.bnRecalibrationBatches * recipe.batchSize);
    } catch (e) {
      report.missing.push(`engine side: ${(e as Error).message}`);
    }
    save();
    if (o.torch) {
      const t = await torchSide(o, dataDir);
      if (typeof t === 'string') report.missing.push(t);
      else report.torch = t;
    } else report.missing.push('PyTorch: skipped (--no-torch)');
    if (report.engine && report.torch) {
      const diff = (report.engine.best.test_acc - report.torch.test.accuracy) * 100;
      const winner = Math.abs(diff) < 1e-9 ? 'tie' : diff > 0 ? 'searched' : 'hand-designed';
      const under = report.engine.best.params < 100_000;
      report.comparison = { winner, testAccDiffPp: diff, searchedUnder100k: under, goalMet: under && winner === 'searched' };
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    report.machine.loadAvg1m.end = load1();
    report.finishedAt = new Date().toISOString();
    save();
  }
  if (o.smoke) rmSync(work, { recursive: true, force: true });
  printReport(report);
  console.log(`\nwrote ${o.out}${o.smoke ? '' : ` (run file and finalists output in ${work})`}`);
  return report.engine ? 0 : 1;
}
