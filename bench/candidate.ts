/**
 * `npm run bench -- --suite candidate`: ONE Search-tab candidate evaluation end to end (issue 16, item 1a) — build
 * through the space table, train E epochs with the run's recipe, BN recalibration + validation, latency measurement —
 * on Node wasm with the engine's kernels (the headless runner's backend set-up, scripts/node/builtin.ts), against a
 * PyTorch twin (bench/torch_candidate.py) that is the engine's own PyTorch export of the same network with the same
 * initial weights, on the same normalised images, batch, epochs and recipe. Per case and round the three runs are
 * interleaved (tfjs, PyTorch 2 threads, PyTorch 1 thread; reversed every other round); medians over rounds.
 * tfjs side: bench/candidate-case.ts. Figures are never asserted (tests/integration/bench-candidate.test.ts checks
 * the JSON's shape).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setNodeBackend } from '../scripts/node/builtin';
import { DEFAULT_TRAIN_OPTIONS } from '../src/engine/evaluator/train';
import { median } from '../src/engine/util/stats';
import { runTfjsCandidate, writeTwin, type CandidateCase, type CaseSizes, type TfjsRun } from './candidate-case';
import { TorchClient } from './torch';

const USAGE = `npm run bench -- --suite candidate [options]   (one Search-tab candidate evaluation vs a PyTorch twin;
  8 cases x rounds x 3 runs: ~30 min at 512 images and 1 round on 2 busy cores, where PyTorch 2T spins)
  --only SUBSTRING         case filter, e.g. nb201-c16-n1, 28x28x1, darts, mobile
  --train-samples N        train images (default 1024), --valid-samples N (default 256)
  --epochs N               (default 1), --batch N (default 64), --lr X (default 0.05)
  --rounds N               interleaved rounds per case (default 2)
  --torch-threads LIST     PyTorch thread counts (default 2,1)
  --no-torch               tfjs only
  --seed N                 data, genotype and weight seed (default 1)
  --out PATH               results JSON (default bench/candidate.json)
  --smoke                  the smallest case on tiny sizes (what tests/integration/bench-candidate.test.ts runs)`;

/** NB201 C16 N1 / N5, a DARTS-cell network and a mobile network, each at 28x28x1 and 32x32x3. */
const SHAPES: readonly (readonly [number, number, number])[] = [[28, 28, 1], [32, 32, 3]];
const NETS: readonly Omit<CandidateCase, 'name' | 'shape'>[] = [
  { space: 'nb201', channels: 16, cellsPerStage: 1 },
  { space: 'nb201', channels: 16, cellsPerStage: 5 },
  // DARTS: C 8 per node, 5 cells (reductions at cells 1 and 3): the proxy size a Search-tab run would use.
  { space: 'darts', channels: 8, cellsPerStage: 5 },
  // Mobile: stem 16 channels, the full default space.
  { space: 'mobile', channels: 16, cellsPerStage: 1 },
];
// Every network at 28x28x1 first, then at 32x32x3 (each row is written as soon as it is measured).
const CASES: CandidateCase[] = SHAPES.flatMap((shape) => NETS.map((n) => ({
  ...n, shape, name: `${n.space}-c${n.channels}${n.space === 'mobile' ? '' : `-n${n.cellsPerStage}`}-${shape.join('x')}`,
})));

interface Options {
  only: string | null; sizes: CaseSizes; rounds: number; torchThreads: number[]; out: string; smoke: boolean;
}

function parseOptions(argv: string[]): Options | null {
  const o: Options = {
    only: null, rounds: 2, torchThreads: [2, 1], out: path.join(import.meta.dirname, 'candidate.json'), smoke: false,
    sizes: { trainSamples: 1024, validSamples: 256, epochs: 1, batchSize: 64, learningRate: 0.05, seed: 1 },
  };
  const sizes = { ...o.sizes };
  const int = (name: string, v: string | undefined, min = 1): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  let outGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--help': case '-h': return null;
      case '--smoke': o.smoke = true; break;
      case '--no-torch': o.torchThreads = []; break;
      case '--only': o.only = next() ?? ''; break;
      case '--train-samples': sizes.trainSamples = int(a, next()); break;
      case '--valid-samples': sizes.validSamples = int(a, next()); break;
      case '--epochs': sizes.epochs = int(a, next()); break;
      case '--batch': sizes.batchSize = int(a, next()); break;
      case '--seed': sizes.seed = int(a, next(), 0); break;
      case '--lr': {
        const v = next();
        const x = Number(v);
        if (!(x > 0)) throw new Error(`--lr needs a number > 0, got ${v ?? 'nothing'}`);
        sizes.learningRate = x;
        break;
      }
      case '--rounds': o.rounds = int(a, next()); break;
      case '--torch-threads': {
        const v = next() ?? '';
        o.torchThreads = v.split(',').map((t) => int('--torch-threads', t));
        break;
      }
      case '--out': o.out = path.resolve(next() ?? ''); outGiven = true; break;
      default: throw new Error(`unknown argument "${a}"`);
    }
  }
  o.sizes = sizes;
  if (o.smoke) {
    o.only ??= 'nb201-c16-n1-28x28x1';
    o.rounds = 1;
    o.sizes = { ...sizes, trainSamples: Math.min(sizes.trainSamples, 64), validSamples: Math.min(sizes.validSamples, 32), batchSize: Math.min(sizes.batchSize, 32) };
    if (!outGiven) o.out = path.join(os.tmpdir(), 'nas-bench-candidate-smoke.json');
  }
  return o;
}

interface TorchRun {
  readonly totalMs: number; readonly buildMs: number; readonly trainMs: number; readonly validMs: number; readonly latencyMs: number;
  readonly steps: number; readonly stepMedianMs: number; readonly params: number; readonly validAcc: number; readonly latencyMedianMs: number;
}
export interface CandidateRow {
  case: string;
  space: string;
  arch: string;
  inputShape: readonly number[];
  params: { tfjs: number; torch: number | null };
  tfjs: { totalMs: number; breakdown: Record<'setupMs' | 'buildMs' | 'trainMs' | 'validMs' | 'latencyMs' | 'otherMs' | 'stepMedianMs' | 'firstStepMs', number>; runs: TfjsRun[] };
  torch: { threads: number; totalMs: number; breakdown: Record<'buildMs' | 'trainMs' | 'validMs' | 'latencyMs' | 'stepMedianMs', number>; runs: TorchRun[] }[];
  /** tfjs total / PyTorch total (> 1: tfjs slower), per thread count. */
  ratios: { threads: number; ratio: number }[];
  loadAvg1m: { start: number; end: number };
}
export interface CandidateReport {
  version: 1;
  suite: 'candidate';
  mode: 'full' | 'smoke';
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; backend: string; torch: { version: string; threads: number[] } | null; loadAvg1m: { start: number; end: number } };
  plan: CaseSizes & { rounds: number; momentum: number; weightDecay: number; bnRecalibrationBatches: number };
  rows: CandidateRow[];
  missing: string[];
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const say = (s: string) => console.error(`[candidate ${new Date().toISOString().slice(11, 19)} load ${load1().toFixed(2)}] ${s}`);
const med = <T>(runs: T[], f: (r: T) => number) => median(runs.map(f));

function printTable(r: CandidateReport): void {
  const ms = (v: number) => v.toFixed(0).padStart(7);
  const threads = r.machine.torch?.threads ?? [];
  console.log(`\nOne candidate evaluation, Node ${r.machine.backend}, ${r.plan.trainSamples} train / ${r.plan.validSamples} valid images, ${r.plan.epochs} epoch(s), batch ${r.plan.batchSize}, `
    + `${r.plan.rounds} interleaved round(s), load ${r.machine.loadAvg1m.start}-${r.machine.loadAvg1m.end}`);
  console.log(['case'.padEnd(24), 'params'.padStart(8), 'tfjs ms'.padStart(8), ...threads.map((t) => `torch${t}t`.padStart(8)), ...threads.map((t) => `ratio${t}t`.padStart(8)),
    ' | tfjs: setup   build   train   valid latency   other  step(med/1st)'].join(' '));
  for (const row of r.rows) {
    const b = row.tfjs.breakdown;
    console.log([row.case.padEnd(24), String(row.params.tfjs).padStart(8), ms(row.tfjs.totalMs).padStart(8),
      ...threads.map((t) => { const x = row.torch.find((p) => p.threads === t); return (x ? ms(x.totalMs) : '-').padStart(8); }),
      ...threads.map((t) => { const x = row.ratios.find((p) => p.threads === t); return (x ? x.ratio.toFixed(2) : '-').padStart(8); }),
      ` | ${ms(b.setupMs)} ${ms(b.buildMs)} ${ms(b.trainMs)} ${ms(b.validMs)} ${ms(b.latencyMs)} ${ms(b.otherMs)}  ${b.stepMedianMs.toFixed(1)}/${b.firstStepMs.toFixed(1)}`].join(' '));
  }
  if (r.missing.length) console.log(`missing:\n  ${r.missing.join('\n  ')}`);
}

export async function candidateMain(argv: string[]): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(argv);
  } catch (e) {
    console.error(`bench candidate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  const cases = CASES.filter((c) => o.only === null || c.name.includes(o.only));
  if (cases.length === 0) {
    console.error(`bench candidate: --only ${o.only} matches no case (cases: ${CASES.map((c) => c.name).join(', ')})`);
    return 2;
  }
  await setNodeBackend('wasm');
  const report: CandidateReport = {
    version: 1, suite: 'candidate', mode: o.smoke ? 'smoke' : 'full', command: `npm run bench -- --suite candidate ${argv.join(' ')}`.trim(),
    startedAt: new Date().toISOString(), finishedAt: '',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, backend: 'wasm', torch: null, loadAvg1m: { start: load1(), end: 0 } },
    plan: { ...o.sizes, rounds: o.rounds, momentum: DEFAULT_TRAIN_OPTIONS.momentum, weightDecay: DEFAULT_TRAIN_OPTIONS.weightDecay, bnRecalibrationBatches: DEFAULT_TRAIN_OPTIONS.bnRecalibrationBatches ?? 8 },
    rows: [], missing: [],
  };
  const clients: { threads: number; client: TorchClient }[] = [];
  for (const t of o.torchThreads) {
    const started = await TorchClient.start(t, path.join(import.meta.dirname, 'torch_candidate.py'));
    if ('error' in started) { report.missing.push(`PyTorch ${t} thread(s): ${started.error}`); continue; }
    clients.push({ threads: started.threads, client: started.client });
    report.machine.torch = { version: started.version, threads: [...(report.machine.torch?.threads ?? []), started.threads] };
  }
  if (o.torchThreads.length === 0) report.missing.push('PyTorch: skipped (--no-torch)');
  const work = mkdtempSync(path.join(os.tmpdir(), 'nas-bench-candidate-'));
  try {
    // Untimed warm-up of both sides on the first case at a tiny size (wasm compilation, the kernel pool, PyTorch's
    // first-call set-up), so the first timed case does not pay the process's start: a search pays it once, not per candidate.
    const tiny: CaseSizes = { ...o.sizes, trainSamples: 32, validSamples: 16, batchSize: Math.min(16, o.sizes.batchSize), epochs: 1 };
    const warmDir = path.join(work, 'warm-up');
    mkdirSync(warmDir, { recursive: true });
    await writeTwin(cases[0], tiny, warmDir);
    await runTfjsCandidate(cases[0], tiny);
    for (const k of clients) await k.client.send({ cmd: 'run', dir: warmDir, epochs: 1, batch: tiny.batchSize, lr: tiny.learningRate, momentum: 0.9, weight_decay: 0, bn_batches: 1, seed: 0 });
    say('warmed up');
    for (const c of cases) {
      const load0 = load1();
      const dir = path.join(work, c.name);
      mkdirSync(dir, { recursive: true });
      const twin = await writeTwin(c, o.sizes, dir);
      say(`${c.name}: ${twin.arch} (${twin.params} params)`);
      const tfjsRuns: TfjsRun[] = [];
      const torchRuns = new Map<number, TorchRun[]>(clients.map((k) => [k.threads, []]));
      const sides: (() => Promise<void>)[] = [
        async () => { const r = await runTfjsCandidate(c, o.sizes); tfjsRuns.push(r); say(`  tfjs ${r.totalMs.toFixed(0)} ms`); },
        ...clients.map((k) => async () => {
          const r = await k.client.send({ cmd: 'run', dir, epochs: o.sizes.epochs, batch: o.sizes.batchSize, lr: o.sizes.learningRate, momentum: report.plan.momentum,
            weight_decay: report.plan.weightDecay, bn_batches: report.plan.bnRecalibrationBatches, seed: o.sizes.seed });
          if (!r.ok) throw new Error(`PyTorch ${k.threads} thread(s) on ${c.name}: ${r.error ?? 'failed'}`);
          const n = (key: string) => Number(r[key]);
          torchRuns.get(k.threads)!.push({ totalMs: n('total_ms'), buildMs: n('build_ms'), trainMs: n('train_ms'), validMs: n('valid_ms'), latencyMs: n('latency_ms'),
            steps: n('steps'), stepMedianMs: n('step_median_ms'), params: n('params'), validAcc: n('valid_acc') * 100, latencyMedianMs: n('latency_median_ms') });
          say(`  torch ${k.threads}t ${n('total_ms').toFixed(0)} ms`);
        }),
      ];
      try {
        for (let round = 0; round < o.rounds; round++) for (const side of round % 2 ? [...sides].reverse() : sides) await side();
      } catch (e) {
        report.missing.push((e as Error).message);
        say((e as Error).message);
      }
      if (tfjsRuns.length === 0) continue;
      const torch = clients.filter((k) => torchRuns.get(k.threads)!.length > 0).map((k) => {
        const runs = torchRuns.get(k.threads)!;
        return { threads: k.threads, totalMs: med(runs, (r) => r.totalMs), runs,
          breakdown: { buildMs: med(runs, (r) => r.buildMs), trainMs: med(runs, (r) => r.trainMs), validMs: med(runs, (r) => r.validMs), latencyMs: med(runs, (r) => r.latencyMs), stepMedianMs: med(runs, (r) => r.stepMedianMs) } };
      });
      const tfjsTotal = med(tfjsRuns, (r) => r.totalMs);
      const torchParams = torch[0]?.runs[0]?.params ?? null;
      if (torchParams !== null && torchParams !== tfjsRuns[0].params) report.missing.push(`${c.name}: params differ (tfjs ${tfjsRuns[0].params}, PyTorch ${torchParams})`);
      report.rows.push({
        case: c.name, space: c.space, arch: twin.arch, inputShape: [...c.shape], params: { tfjs: tfjsRuns[0].params, torch: torchParams },
        tfjs: { totalMs: tfjsTotal, runs: tfjsRuns, breakdown: {
          setupMs: med(tfjsRuns, (r) => r.setupMs), buildMs: med(tfjsRuns, (r) => r.buildMs), trainMs: med(tfjsRuns, (r) => r.trainMs), validMs: med(tfjsRuns, (r) => r.validMs),
          latencyMs: med(tfjsRuns, (r) => r.latencyMs), otherMs: med(tfjsRuns, (r) => r.otherMs), stepMedianMs: med(tfjsRuns, (r) => r.stepMedianMs), firstStepMs: med(tfjsRuns, (r) => r.firstStepMs),
        } },
        torch,
        ratios: torch.map((t) => ({ threads: t.threads, ratio: tfjsTotal / t.totalMs })),
        loadAvg1m: { start: load0, end: load1() },
      });
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(o.out, `${JSON.stringify(report, null, 1)}\n`);
    }
  } finally {
    for (const k of clients) k.client.close();
    rmSync(work, { recursive: true, force: true });
    report.machine.loadAvg1m.end = load1();
    report.finishedAt = new Date().toISOString();
    writeFileSync(o.out, `${JSON.stringify(report, null, 1)}\n`);
  }
  printTable(report);
  console.log(`\nwrote ${o.out}`);
  return report.rows.length === cases.length ? 0 : 1;
}
