/**
 * `npm run bench -- --suite latency`: how far the latency predictor can be trusted (issue 16, item 4). On Node wasm
 * (the headless runner's backend set-up, batch 1 inference as the Profiler measures), each run builds a latency
 * table for NB201 C16 N1 28x28x1 (pieces and fit networks timed in the same rounds until stable), then validates it
 * on fresh random networks the fit never saw (timed in the same rounds as the fit networks, a and b recalibrated on
 * those), exactly as the Profiler tab's "Build" and "Measure and compare" do. Per run it prints the share of fresh
 * networks within ±5% / ±10%, Kendall's tau, the worst 3 cases, the same shares with the table's own (build-time)
 * fit, the measurement record (rounds, seconds, unstable medians) and the 1-minute load average at start and end.
 * Clock (`--clock`): `cpu` (default) times each run with this process's CPU time (process.cpuUsage: the single wasm
 * thread's work, without the time spent queued for a core behind other processes; the time caps stay on the wall
 * clock), `wall` with performance.now like the tab. On an idle device both read the same; on a machine
 * oversubscribed by other processes, the wall clock mostly measures the scheduler's queue.
 * `--tab` runs the same in the built app's Profiler tab in headless Chromium (bench/latency-tab.ts; `npm run build`
 * first). Figures are never asserted; tests/integration/bench-latency.test.ts checks the smoke run's structure.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setNodeBackend } from '../scripts/node/builtin';
import { buildLatencyLut, validateLut, type DeviceFingerprint, type PredictorReport, type RoundRobinSettings } from '../src/engine/profiler';

const USAGE = `npm run bench -- --suite latency [options]   (~1.5 min a run on 2 busy cores)
  --runs N          independent runs, each a fresh table + validation (default 3)
  --samples N       fresh networks per validation (default 20)
  --fit N           fit networks per table (default 8)
  --channels N, --cells N, --input HxWxC   the NB201 skeleton (default C16, N1, 28x28x1)
  --max-s S         wall-clock cap of each measurement in seconds (default: the Profiler's, 45)
  --clock cpu|wall  time runs by this process's CPU time (default) or the wall clock (as the tab does)
  --tab             also run in the built app's Profiler tab (headless Chromium, isolated: wasm threads)
  --out PATH        results JSON (default bench/latency.json)
  --smoke           tiny skeleton, 1 run, few rounds (what tests/integration/bench-latency.test.ts runs)`;

export interface LatencyRun {
  readonly where: 'node' | 'tab';
  readonly clock: 'cpu' | 'wall';
  readonly run: number;
  readonly within5: number;
  readonly within10: number;
  readonly kendallTau: number;
  readonly meanAbsErrorPct: number;
  readonly maxAbsErrorPct: number;
  readonly worst: readonly { readonly label: string; readonly predictedMs: number; readonly measuredMs: number; readonly errorPct: number }[];
  /** The same shares with the table's own fit (no recalibration), and the drift of the fit networks since the build. */
  readonly tableFit: { readonly within5: number; readonly within10: number } | null;
  readonly driftRatio: number | null;
  readonly fit: { readonly a: number; readonly b: number; readonly r2: number } | null;
  readonly build: { readonly seconds: number; readonly rounds: number; readonly unstable: number; readonly items: number } | null;
  readonly validation: { readonly seconds: number; readonly rounds: number; readonly unstable: number; readonly items: number } | null;
  readonly measuredMs: { readonly min: number; readonly max: number };
  readonly loadAvg1m: { readonly start: number; readonly end: number };
}

export interface LatencyReport {
  readonly version: 1;
  readonly suite: 'latency';
  readonly mode: 'full' | 'smoke';
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string; readonly backend: string; readonly loadAvg1m: { readonly start: number; readonly end: number } };
  readonly plan: { readonly skeleton: { channels: number; cellsPerStage: number; inputShape: [number, number, number]; numClasses: number }; readonly runs: number; readonly samples: number; readonly fit: number; readonly rounds: Partial<RoundRobinSettings> };
  readonly runs: LatencyRun[];
  readonly missing: string[];
}

interface Options {
  runs: number; samples: number; fit: number; channels: number; cells: number; input: [number, number, number];
  maxS: number | null; tab: boolean; out: string; smoke: boolean; clock: 'cpu' | 'wall';
}

function parseOptions(argv: string[]): Options | null {
  const o: Options = { runs: 3, samples: 20, fit: 8, channels: 16, cells: 1, input: [28, 28, 1], maxS: null, tab: false, clock: 'cpu', out: path.join(import.meta.dirname, 'latency.json'), smoke: false };
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
      case '--tab': o.tab = true; break;
      case '--runs': o.runs = int(a, next()); break;
      case '--samples': o.samples = int(a, next(), 2); break;
      case '--fit': o.fit = int(a, next(), 2); break;
      case '--channels': o.channels = int(a, next()); break;
      case '--cells': o.cells = int(a, next()); break;
      case '--max-s': o.maxS = int(a, next()); break;
      case '--clock': {
        const v = next();
        if (v !== 'cpu' && v !== 'wall') throw new Error(`--clock needs cpu or wall, got ${v ?? 'nothing'}`);
        o.clock = v;
        break;
      }
      case '--input': {
        const v = next() ?? '';
        const dims = v.split('x').map((d) => int('--input', d));
        if (dims.length !== 3) throw new Error(`--input needs HxWxC, e.g. 28x28x1, got ${v}`);
        o.input = [dims[0], dims[1], dims[2]];
        break;
      }
      case '--out': o.out = path.resolve(next() ?? ''); outGiven = true; break;
      default: throw new Error(`unknown argument "${a}"`);
    }
  }
  if (o.smoke) {
    o.runs = 1;
    o.samples = Math.min(o.samples, 4);
    o.fit = Math.min(o.fit, 3);
    o.channels = 4;
    o.input = [8, 8, 3];
    if (!outGiven) o.out = path.join(os.tmpdir(), 'nas-bench-latency-smoke.json');
  }
  return o;
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const say = (s: string) => console.error(`[latency ${new Date().toISOString().slice(11, 19)} load ${load1().toFixed(2)}] ${s}`);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** The run's row from a validation report (shared with the tab runner, which reads the same report from IndexedDB). */
export function runRow(where: LatencyRun['where'], clock: LatencyRun['clock'], run: number, r: PredictorReport, load: { start: number; end: number },
  build: LatencyRun['build'], validationItems: number): LatencyRun {
  const measured = r.points.map((p) => p.measuredMs);
  const m = r.measurement;
  return {
    where, clock, run, within5: r.within5, within10: r.within10, kendallTau: r.kendallTau, meanAbsErrorPct: r.meanAbsErrorPct, maxAbsErrorPct: r.maxAbsErrorPct,
    worst: r.worst.slice(0, 3).map((w) => ({ label: w.label, predictedMs: w.predictedMs, measuredMs: w.measuredMs, errorPct: w.errorPct })),
    tableFit: r.withTableFit ? { within5: r.withTableFit.within5, within10: r.withTableFit.within10 } : null,
    driftRatio: r.drift?.ratio ?? null,
    fit: r.fit ? { a: r.fit.a, b: r.fit.b, r2: r.fit.r2 } : null,
    build,
    validation: m ? { seconds: m.elapsedMs / 1000, rounds: m.rounds, unstable: m.unstable.length, items: validationItems } : null,
    measuredMs: { min: Math.min(...measured), max: Math.max(...measured) },
    loadAvg1m: load,
  };
}

export function printRun(r: LatencyRun): void {
  const worst = r.worst.map((w) => `${w.errorPct > 0 ? '+' : ''}${w.errorPct.toFixed(1)}% (${w.measuredMs.toFixed(3)} ms)`).join(', ');
  const b = r.build ? `build ${r.build.rounds} rounds/${r.build.seconds.toFixed(0)} s/${r.build.unstable} of ${r.build.items} unstable` : 'build -';
  const v = r.validation ? `validation ${r.validation.rounds} rounds/${r.validation.seconds.toFixed(0)} s/${r.validation.unstable} of ${r.validation.items} unstable` : '';
  console.log(`${r.where} (${r.clock} clock) run ${r.run}: within ±5% ${pct(r.within5)}, ±10% ${pct(r.within10)}, Kendall tau ${r.kendallTau.toFixed(2)}, mean |err| ${r.meanAbsErrorPct.toFixed(1)}%, `
    + `worst ${worst}; table fit alone ${r.tableFit ? `${pct(r.tableFit.within5)}/${pct(r.tableFit.within10)}` : '-'}, drift ×${r.driftRatio?.toFixed(2) ?? '-'}; `
    + `${b}; ${v}; networks ${r.measuredMs.min.toFixed(2)}-${r.measuredMs.max.toFixed(2)} ms; load ${r.loadAvg1m.start}-${r.loadAvg1m.end}`);
}

async function nodeRun(o: Options, run: number, rounds: Partial<RoundRobinSettings>, fingerprint: DeviceFingerprint): Promise<LatencyRun> {
  const wallNow = () => performance.now();
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const now = o.clock === 'cpu' ? cpuNow : wallNow;
  const start = load1();
  const skeleton = { channels: o.channels, cellsPerStage: o.cells, inputShape: o.input, numClasses: 10 };
  say(`run ${run}: building the table (pieces + ${o.fit} fit networks in rounds)`);
  const lut = await buildLatencyLut({ spaceId: 'nb201', skeleton, fingerprint, fitSamples: o.fit, seed: 10 * run + 1, rounds }, { now, wallNow });
  const bm = lut.measurement!;
  say(`run ${run}: table in ${(bm.elapsedMs / 1000).toFixed(1)} s (${bm.rounds} rounds, ${bm.unstable.length} unstable); validating on ${o.samples} fresh networks`);
  const report = await validateLut(lut, { sampleSize: o.samples, seed: 1000 + run, now, wallNow, rounds });
  const items = Object.values(lut.entries).filter((e) => e.measured).length + lut.fitSamples.length;
  return runRow('node', o.clock, run, report, { start, end: load1() }, { seconds: bm.elapsedMs / 1000, rounds: bm.rounds, unstable: bm.unstable.length, items }, o.fit + o.samples);
}

export async function latencyMain(argv: string[]): Promise<number> {
  let o: Options | null;
  try {
    o = parseOptions(argv);
  } catch (e) {
    console.error(`bench latency: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const loadStart = load1();
  const rounds: Partial<RoundRobinSettings> = o.smoke
    ? { warmupRounds: 1, minRounds: 3, maxRounds: 5, maxMs: 20_000 }
    : o.maxS !== null ? { maxMs: o.maxS * 1000 } : {};
  await setNodeBackend('wasm');
  const fingerprint: DeviceFingerprint = {
    backend: 'wasm', adapter: 'wasm', software: false, wasmSimd: true, wasmThreads: 1, userAgent: `node ${process.version}`,
    hardwareConcurrency: os.cpus().length, tfjsVersion: tf.version_core,
  };
  const runs: LatencyRun[] = [];
  const missing: string[] = [];
  for (let r = 1; r <= o.runs; r++) {
    const row = await nodeRun(o, r, rounds, fingerprint);
    printRun(row);
    runs.push(row);
  }
  if (o.tab) {
    const { tabRuns } = await import('./latency-tab');
    const tab = await tabRuns({ runs: o.runs, samples: o.samples, fit: o.fit, channels: o.channels, cells: o.cells, input: o.input }, say);
    if (typeof tab === 'string') missing.push(tab);
    else for (const row of tab) {
      printRun(row);
      runs.push(row);
    }
  }
  const report: LatencyReport = {
    version: 1, suite: 'latency', mode: o.smoke ? 'smoke' : 'full',
    command: `npm run bench -- --suite latency ${argv.join(' ')}`.trim(),
    startedAt, finishedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', node: process.version, backend: 'wasm (SIMD, 1 thread)', loadAvg1m: { start: loadStart, end: load1() } },
    plan: { skeleton: { channels: o.channels, cellsPerStage: o.cells, inputShape: o.input, numClasses: 10 }, runs: o.runs, samples: o.samples, fit: o.fit, rounds },
    runs, missing,
  };
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  const node = runs.filter((r) => r.where === 'node');
  console.log(`\nNode wasm (${o.clock} clock): within ±10% per run ${node.map((r) => pct(r.within10)).join(', ')}; ±5% ${node.map((r) => pct(r.within5)).join(', ')}; `
    + `Kendall tau ${node.map((r) => r.kendallTau.toFixed(2)).join(', ')}; load ${report.machine.loadAvg1m.start}-${report.machine.loadAvg1m.end}`);
  for (const m of missing) console.log(`missing: ${m}`);
  console.error(`[latency] wrote ${o.out}`);
  return 0;
}
