/**
 * `npm run bench -- --suite oneshot`: ONE one-shot search epoch end to end (issue 16, item 1b) — DARTS first and
 * second order, PC-DARTS and SPOS on the NB201 and DARTS supernets — through the product's one-shot core
 * (engine/search/oneshot-run.ts, as the One-shot worker runs it) on Node wasm with the engine's kernels, against a
 * PyTorch twin (bench/torch_oneshot.py) with the same initial weights, data, batches, paths and recipe. Per case and
 * round the runs are interleaved (tfjs, PyTorch 2 threads, PyTorch 1 thread; reversed every other round); medians
 * over rounds; step 0's losses of both sides are reported side by side. tfjs side: bench/oneshot-case.ts. Figures are
 * never asserted (tests/integration/bench-oneshot.test.ts checks the JSON's shape and the first losses).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setNodeBackend } from '../scripts/node/builtin';
import { median } from '../src/engine/util/stats';
import { runTfjsOneShot, writeTwin, type OneShotBenchMethod, type OneShotBenchSpace, type OneShotCase, type OneShotPhases, type OneShotSizes, type TfjsOneShotRun } from './oneshot-case';
import { TorchClient } from './torch';

const USAGE = `npm run bench -- --suite oneshot [options]   (one one-shot epoch vs a PyTorch twin;
  8 cases x rounds x 3 runs: ~15-30 min at the defaults on 2 busy cores)
  --only SUBSTRING         case filter, e.g. darts-2nd, spos, -nb201, -darts
  --size HxWxC             input shape (default 16x16x1)
  --train-samples N        train images (default 128), --valid-samples N (default 128)
  --batch N                (default 16), --lr X (default 0.025)
  --subnets N              SPOS: subnets ranked after the epoch (default 8)
  --rounds N               interleaved rounds per case (default 2)
  --torch-threads LIST     PyTorch thread counts (default 2,1)
  --no-torch               tfjs only
  --seed N                 data, weight and batch seed (default 1)
  --out PATH               results JSON (default bench/oneshot.json)
  --smoke                  every case on tiny sizes, 1 round (what tests/integration/bench-oneshot.test.ts runs)`;

const METHODS: readonly OneShotBenchMethod[] = ['darts-1st', 'darts-2nd', 'pc-darts', 'spos'];
const SPACES: readonly OneShotBenchSpace[] = ['nb201', 'darts'];
const CASES: OneShotCase[] = SPACES.flatMap((space) => METHODS.map((method) => ({ method, space, name: `${method}-${space}` })));

/** NB201 C 16 N 1 and DARTS C 8, 5 cells (the supernet rows' sizes), PC-DARTS K 4. */
const DEFAULT_SIZES: OneShotSizes = {
  shape: [16, 16, 1], trainSamples: 128, validSamples: 128, batchSize: 16,
  nb201Channels: 16, cellsPerStage: 1, dartsChannels: 8, layers: 5, partialChannels: 4, subnets: 8, learningRate: 0.025, seed: 1,
};
const SMOKE_SIZES: OneShotSizes = {
  shape: [8, 8, 1], trainSamples: 32, validSamples: 32, batchSize: 16,
  nb201Channels: 4, cellsPerStage: 1, dartsChannels: 8, layers: 3, partialChannels: 4, subnets: 3, learningRate: 0.025, seed: 1,
};

interface Options { only: string | null; sizes: OneShotSizes; rounds: number; torchThreads: number[]; out: string; smoke: boolean }

function parseOptions(argv: string[]): Options | null {
  const smoke = argv.includes('--smoke');
  const o: Options = { only: null, rounds: smoke ? 1 : 2, torchThreads: [2, 1], out: path.join(import.meta.dirname, 'oneshot.json'), smoke, sizes: smoke ? SMOKE_SIZES : DEFAULT_SIZES };
  const s: { -readonly [K in keyof OneShotSizes]: OneShotSizes[K] } = { ...o.sizes };
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
      case '--smoke': break;
      case '--no-torch': o.torchThreads = []; break;
      case '--only': o.only = next() ?? ''; break;
      case '--size': {
        const v = next() ?? '';
        const dims = v.split('x').map((d) => int('--size', d));
        if (dims.length !== 3) throw new Error(`--size needs HxWxC, e.g. 16x16x1, got ${v}`);
        s.shape = [dims[0], dims[1], dims[2]];
        break;
      }
      case '--train-samples': s.trainSamples = int(a, next()); break;
      case '--valid-samples': s.validSamples = int(a, next()); break;
      case '--batch': s.batchSize = int(a, next()); break;
      case '--subnets': s.subnets = int(a, next()); break;
      case '--seed': s.seed = int(a, next(), 0); break;
      case '--lr': {
        const v = next();
        const x = Number(v);
        if (!(x > 0)) throw new Error(`--lr needs a number > 0, got ${v ?? 'nothing'}`);
        s.learningRate = x;
        break;
      }
      case '--rounds': o.rounds = int(a, next()); break;
      case '--torch-threads': o.torchThreads = (next() ?? '').split(',').map((t) => int('--torch-threads', t)); break;
      case '--out': o.out = path.resolve(next() ?? ''); outGiven = true; break;
      default: throw new Error(`unknown argument "${a}"`);
    }
  }
  o.sizes = s;
  if (smoke && !outGiven) o.out = path.join(os.tmpdir(), 'nas-bench-oneshot-smoke.json');
  return o;
}

interface TorchRun extends OneShotPhases {
  readonly epochMs: number; readonly buildMs: number; readonly steps: number; readonly stepMedianMs: number;
  readonly firstLoss: { readonly train: number; readonly valid: number | null }; readonly checkpointBytes: number; readonly arch: string; readonly params: number;
}
type PhaseName = 'weight' | 'arch' | 'derive' | 'checkpoint';
type Breakdown = Record<'weightMs' | 'archMs' | 'deriveMs' | 'checkpointMs' | 'otherMs' | 'stepMedianMs', number>;
export interface OneShotRow {
  case: string;
  method: OneShotBenchMethod;
  space: OneShotBenchSpace;
  steps: number;
  tfjs: { epochMs: number; setupMs: number; breakdown: Breakdown; dominant: PhaseName; runs: TfjsOneShotRun[] };
  torch: { threads: number; epochMs: number; breakdown: Breakdown; dominant: PhaseName; runs: TorchRun[] }[];
  /** tfjs epoch / PyTorch epoch (> 1: tfjs slower), per thread count. */
  ratios: { threads: number; ratio: number }[];
  /** Step 0: training loss (after the architecture step) and the architecture step's validation loss (DARTS). */
  firstLoss: { tfjs: { train: number; valid: number | null }; torch: { train: number; valid: number | null } | null; absDiff: number | null };
  /** The derived genotype (DARTS) / best ranked subnet (SPOS) of each side's first run. */
  arch: { tfjs: string; torch: string | null };
  /** SPOS: the subnets the twin ranks (replayed from the engine's seeds), sorted; else []. */
  plannedRanking: string[];
  loadAvg1m: { start: number; end: number };
}
export interface OneShotReport {
  version: 1;
  suite: 'oneshot';
  mode: 'full' | 'smoke';
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; backend: string; torch: { version: string; threads: number[] } | null; loadAvg1m: { start: number; end: number } };
  plan: OneShotSizes & { rounds: number; epochs: 1 };
  rows: OneShotRow[];
  missing: string[];
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const say = (s: string) => console.error(`[oneshot ${new Date().toISOString().slice(11, 19)} load ${load1().toFixed(2)}] ${s}`);
const med = <T>(runs: T[], f: (r: T) => number) => median(runs.map(f));
const breakdown = <T extends OneShotPhases & { stepMedianMs: number }>(runs: T[]): Breakdown => ({
  weightMs: med(runs, (r) => r.weightMs), archMs: med(runs, (r) => r.archMs), deriveMs: med(runs, (r) => r.deriveMs),
  checkpointMs: med(runs, (r) => r.checkpointMs), otherMs: med(runs, (r) => r.otherMs), stepMedianMs: med(runs, (r) => r.stepMedianMs),
});
const dominant = (b: Breakdown): PhaseName => {
  const phases: [PhaseName, number][] = [['weight', b.weightMs], ['arch', b.archMs], ['derive', b.deriveMs], ['checkpoint', b.checkpointMs]];
  return phases.reduce((best, p) => (p[1] > best[1] ? p : best))[0];
};

function printTable(r: OneShotReport): void {
  const ms = (v: number) => v.toFixed(0).padStart(7);
  const threads = r.machine.torch?.threads ?? [];
  const [h, w, c] = r.plan.shape;
  console.log(`\nOne one-shot epoch, Node ${r.machine.backend}, ${h}x${w}x${c}, ${r.plan.trainSamples} train / ${r.plan.validSamples} valid images, batch ${r.plan.batchSize}, `
    + `${r.plan.rounds} interleaved round(s), load ${r.machine.loadAvg1m.start}-${r.machine.loadAvg1m.end}`);
  console.log(['case'.padEnd(16), 'steps'.padStart(5), 'tfjs ms'.padStart(8), ...threads.map((t) => `torch${t}t`.padStart(8)), ...threads.map((t) => `ratio${t}t`.padStart(8)),
    ' | tfjs: weight    arch  derive   ckpt  other | torch: weight    arch  derive   ckpt | loss0 tfjs / torch'].join(' '));
  for (const row of r.rows) {
    const b = row.tfjs.breakdown;
    const t0 = row.torch[0]?.breakdown;
    const loss = (l: { train: number; valid: number | null } | null) => (l ? `${l.train.toFixed(5)}${l.valid === null ? '' : `/${l.valid.toFixed(5)}`}` : '-');
    console.log([row.case.padEnd(16), String(row.steps).padStart(5), ms(row.tfjs.epochMs).padStart(8),
      ...threads.map((t) => { const x = row.torch.find((p) => p.threads === t); return (x ? ms(x.epochMs) : '-').padStart(8); }),
      ...threads.map((t) => { const x = row.ratios.find((p) => p.threads === t); return (x ? x.ratio.toFixed(2) : '-').padStart(8); }),
      ` | ${ms(b.weightMs)} ${ms(b.archMs)} ${ms(b.deriveMs)} ${ms(b.checkpointMs)} ${ms(b.otherMs)}`,
      `| ${t0 ? `${ms(t0.weightMs)} ${ms(t0.archMs)} ${ms(t0.deriveMs)} ${ms(t0.checkpointMs)}` : '-'.padStart(31)}`,
      `| ${loss(row.firstLoss.tfjs)} / ${loss(row.firstLoss.torch)}`].join(' '));
  }
  if (r.missing.length) console.log(`missing:\n  ${r.missing.join('\n  ')}`);
}

export async function oneshotMain(argv: string[]): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(argv);
  } catch (e) {
    console.error(`bench oneshot: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  const cases = CASES.filter((c) => o.only === null || c.name.includes(o.only));
  if (cases.length === 0) {
    console.error(`bench oneshot: --only ${o.only} matches no case (cases: ${CASES.map((c) => c.name).join(', ')})`);
    return 2;
  }
  await setNodeBackend('wasm');
  const report: OneShotReport = {
    version: 1, suite: 'oneshot', mode: o.smoke ? 'smoke' : 'full', command: `npm run bench -- --suite oneshot ${argv.join(' ')}`.trim(),
    startedAt: new Date().toISOString(), finishedAt: '',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, backend: 'wasm', torch: null, loadAvg1m: { start: load1(), end: 0 } },
    plan: { ...o.sizes, rounds: o.rounds, epochs: 1 },
    rows: [], missing: [],
  };
  const clients: { threads: number; client: TorchClient }[] = [];
  for (const t of o.torchThreads) {
    const started = await TorchClient.start(t, path.join(import.meta.dirname, 'torch_oneshot.py'));
    if ('error' in started) { report.missing.push(`PyTorch ${t} thread(s): ${started.error}`); continue; }
    clients.push({ threads: started.threads, client: started.client });
    report.machine.torch = { version: started.version, threads: [...(report.machine.torch?.threads ?? []), started.threads] };
  }
  if (o.torchThreads.length === 0) report.missing.push('PyTorch: skipped (--no-torch)');
  const work = mkdtempSync(path.join(os.tmpdir(), 'nas-bench-oneshot-'));
  try {
    // Untimed warm-up of both sides on the first case at the smallest size (wasm compilation, the kernel pool, PyTorch's
    // first-call set-up): a search pays them once, not per epoch.
    const tiny: OneShotSizes = { ...SMOKE_SIZES, shape: o.sizes.shape };
    const warmDir = path.join(work, 'warm-up');
    mkdirSync(warmDir, { recursive: true });
    await writeTwin(cases[0], tiny, warmDir);
    await runTfjsOneShot(cases[0], tiny);
    for (const k of clients) await k.client.send({ cmd: 'run', dir: warmDir });
    say('warmed up');
    for (const c of cases) {
      const load0 = load1();
      const dir = path.join(work, c.name);
      mkdirSync(dir, { recursive: true });
      const twin = await writeTwin(c, o.sizes, dir);
      say(`${c.name}: ${twin.weights} weight tensors`);
      const tfjsRuns: TfjsOneShotRun[] = [];
      const torchRuns = new Map<number, TorchRun[]>(clients.map((k) => [k.threads, []]));
      const sides: (() => Promise<void>)[] = [
        async () => { const r = await runTfjsOneShot(c, o.sizes); tfjsRuns.push(r); say(`  tfjs ${r.epochMs.toFixed(0)} ms (loss0 ${r.firstLoss.train.toFixed(5)})`); },
        ...clients.map((k) => async () => {
          const r = await k.client.send({ cmd: 'run', dir });
          if (!r.ok) throw new Error(`PyTorch ${k.threads} thread(s) on ${c.name}: ${r.error ?? 'failed'}`);
          const n = (key: string) => Number(r[key]);
          const fl = r.first_loss as { train: number; valid: number | null };
          const run: TorchRun = {
            epochMs: n('epoch_ms'), buildMs: n('build_ms'), weightMs: n('weight_ms'), archMs: n('arch_ms'), deriveMs: n('derive_ms'), checkpointMs: n('checkpoint_ms'),
            otherMs: n('epoch_ms') - n('weight_ms') - n('arch_ms') - n('derive_ms') - n('checkpoint_ms'),
            steps: n('steps'), stepMedianMs: n('step_median_ms'), firstLoss: { train: fl.train, valid: fl.valid ?? null },
            checkpointBytes: n('checkpoint_bytes'), arch: String(r.arch), params: n('params'),
          };
          torchRuns.get(k.threads)!.push(run);
          say(`  torch ${k.threads}t ${run.epochMs.toFixed(0)} ms (loss0 ${run.firstLoss.train.toFixed(5)})`);
        }),
      ];
      try {
        for (let round = 0; round < o.rounds; round++) for (const side of round % 2 ? [...sides].reverse() : sides) await side();
      } catch (e) {
        report.missing.push((e as Error).message);
        say((e as Error).message);
      }
      rmSync(dir, { recursive: true, force: true });
      if (tfjsRuns.length === 0) continue;
      const torch = clients.filter((k) => torchRuns.get(k.threads)!.length > 0).map((k) => {
        const runs = torchRuns.get(k.threads)!;
        const b = breakdown(runs);
        return { threads: k.threads, epochMs: med(runs, (r) => r.epochMs), breakdown: b, dominant: dominant(b), runs };
      });
      const tfjsEpoch = med(tfjsRuns, (r) => r.epochMs);
      const tb = breakdown(tfjsRuns);
      const l0 = tfjsRuns[0].firstLoss;
      const t0 = torch[0]?.runs[0]?.firstLoss ?? null;
      const diff = t0 ? Math.max(Math.abs(l0.train - t0.train), l0.valid !== null && t0.valid !== null ? Math.abs(l0.valid - t0.valid) : 0) : null;
      report.rows.push({
        case: c.name, method: c.method, space: c.space, steps: tfjsRuns[0].steps,
        tfjs: { epochMs: tfjsEpoch, setupMs: med(tfjsRuns, (r) => r.setupMs), breakdown: tb, dominant: dominant(tb), runs: tfjsRuns },
        torch,
        ratios: torch.map((t) => ({ threads: t.threads, ratio: tfjsEpoch / t.epochMs })),
        firstLoss: { tfjs: l0, torch: t0, absDiff: diff },
        arch: { tfjs: tfjsRuns[0].arch, torch: torch[0]?.runs[0]?.arch ?? null },
        plannedRanking: twin.rankedArchs,
        loadAvg1m: { start: load0, end: load1() },
      });
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
