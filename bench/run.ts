/**
 * Speed and memory benchmark of training with TensorFlow.js against PyTorch on the same CPU.
 *
 *   npx tsx --tsconfig tsconfig.node.json bench/run.ts            # full run (~30-40 min on 2 busy cores)
 *   npx tsx --tsconfig tsconfig.node.json bench/run.ts --smoke    # ~1 min: Node wasm, tiny workloads
 * Options: --out PATH (default bench/results.json; smoke: $TMPDIR/nas-bench-smoke.json), --no-browser,
 *          --no-node, --no-torch, --no-app (skip the app's long-task measurement), --only SUBSTRING (workload
 *          filter), --browser-backends wasm,wasm-isolated,wasm-isolated-1t,webgl,webgpu (subset), --merge-browser PATH (take the
 *          Chromium rows, the app's long tasks and their notes from an earlier results file, e.g. to re-run only
 *          the Node part with --no-browser --no-app), --torch-threads 2,1 (PyTorch thread counts to compare with),
 *          --rounds N / --steps N (interleaved rounds, timed steps per run; default 2 / 5).
 *
 * Training workloads (bench/workloads.ts) run on Node wasm + cpu and in headless Chromium's dedicated worker
 * (wasm without / with cross-origin isolation, webgl, webgpu), in the engine's plain ops and in the fused fast
 * path. Each (backend, workload, impl) is interleaved with PyTorch (bench/torch_workloads.py, 2 threads) on the
 * same data and initial weights: torch, tfjs, torch, tfjs, torch (PyTorch with 2 threads and with 1 thread each
 * time); medians and the tfjs/PyTorch ratios are reported with the 1-minute load average, and the first (pre-training) losses of both are compared.
 * Also: inference latency (small CNN, batch 1) per backend, tensor count over 1,000 steps, peak memory of one
 * DARTS vs PC-DARTS supernet step (engine supernet), and main-thread long tasks in the app during a search.
 * Figures are never asserted; tests/integration/bench-smoke.test.ts checks the smoke output's structure only.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { median } from '../src/engine/util/stats';
import path from 'node:path';
import { BenchPage, buildBenchPage, chromiumAvailable, serve } from './browser-runner';
import { dispatchRows, GPU_CHROMIUM_ARGS, isSoftwareAdapter, printDispatchTable, type DispatchRow } from './gpu-bench';
import type { InitInfo } from './browser/protocol';
import { tf, useNodeBackend, type NodeBackend } from './node-backend';
import { setAccelOptions } from '../src/engine/accel';
import { TorchClient } from './torch';
import { createWorkload, workloadLabel, type Impl, type StepProfile, type WorkloadSpec } from './workloads';
import { buildDartsSupernet } from '../src/engine/supernet/darts-supernet';
import { createRng } from '../src/engine/util/rng';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const USAGE = `npm run bench -- [options]   (full run ~30-40 min on 2 busy cores; figures go to bench/RESULTS.md by hand)
  --suite search-retrain   the "search + re-train" row instead (bench/search-retrain.ts; its options: --suite search-retrain --help)
  --suite import-memory    peak memory of importing large IDX / CIFAR files, streamed vs whole-file (bench/import-memory.ts)
  --suite soak             the memory soak row instead (bench/soak.ts: tensors, heap, IndexedDB bytes per candidate / epoch)
  --suite candidate        one Search-tab candidate evaluation vs a PyTorch twin instead (bench/candidate.ts; its options: --suite candidate --help)
  --suite oneshot          one one-shot epoch (DARTS 1st/2nd, PC-DARTS, SPOS) vs a PyTorch twin (bench/oneshot.ts; --suite oneshot --help)
  --suite app              the built app in Chromium: search candidates/hour vs PyTorch, cold start (bench/app-rows.ts; --suite app --help)
  --smoke                  ~1 min: Node wasm, tiny workloads (what tests/integration/bench-smoke.test.ts runs)
  --gpu                    Chromium only, webgpu + wasm-isolated, with a real GPU's Chromium flags; prints the WebGPU
                           adapter and the dispatches per step (bench/gpu-bench.ts). With --smoke: tiny workloads
  --out PATH               results file (default bench/results.json; smoke: $TMPDIR/nas-bench-smoke.json)
  --only SUBSTRING         workload filter, e.g. cnn, supernet, 8x8
  --no-node | --no-browser | --no-torch | --no-app   skip Node rows, Chromium rows, PyTorch twins, the app's long tasks
  --browser-backends LIST  subset of wasm,wasm-isolated,wasm-isolated-1t,webgl,webgpu
  --merge-browser PATH     take the Chromium rows from an earlier results file
  --torch-threads LIST     PyTorch thread counts to compare with (default 2,1)
  --rounds N, --steps N    interleaved rounds and timed steps per run (default 2 / 5)`;
const VALUE_OPTIONS = ['--out', '--only', '--browser-backends', '--merge-browser', '--torch-threads', '--rounds', '--steps'];
const FLAGS = ['--gpu', '--smoke', '--no-node', '--no-browser', '--no-torch', '--no-app', '--help', '-h'];
// Suites with their own options: `--suite NAME [its options]`.
const SUITE = option('--suite');
if (SUITE !== undefined) {
  const suites: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
    'search-retrain': async () => (await import('./search-retrain')).searchRetrainMain,
    'import-memory': async () => (await import('./import-memory')).importMemoryMain,
    soak: async () => (await import('./soak')).soakMain,
    candidate: async () => (await import('./candidate')).candidateMain,
    oneshot: async () => (await import('./oneshot')).oneshotMain,
    latency: async () => (await import('./latency')).latencyMain,
    app: async () => (await import('./app-rows')).appMain,
  };
  if (!(SUITE in suites)) {
    console.error(`bench/run.ts: unknown suite "${SUITE}" (known: ${Object.keys(suites).join(', ')})`);
    process.exit(2);
  }
  const main = await suites[SUITE]();
  const at = argv.indexOf('--suite');
  process.exit(await main([...argv.slice(0, at), ...argv.slice(at + 2)]));
}
if (flag('--help') || flag('-h')) {
  console.log(USAGE);
  process.exit(0);
}
for (let i = 0; i < argv.length; i++) {
  if (VALUE_OPTIONS.includes(argv[i])) i++;
  else if (!FLAGS.includes(argv[i])) {
    console.error(`bench/run.ts: unknown argument "${argv[i]}"\n${USAGE}`);
    process.exit(2);
  }
}
const SMOKE = flag('--smoke');
const GPU = flag('--gpu');
const OUT = option('--out') ?? (SMOKE ? path.join(os.tmpdir(), 'nas-bench-smoke.json') : path.join(import.meta.dirname, 'results.json'));
const ONLY = option('--only');
const ROOT = path.resolve(import.meta.dirname, '..');

interface Plan {
  rounds: number;
  warmup: number;
  steps: number;
  maxSeconds: number;
  workloads: Omit<WorkloadSpec, 'impl'>[];
  nodeBackends: { backend: NodeBackend; workloads: (s: Omit<WorkloadSpec, 'impl'>) => Impl[] }[];
  browser: boolean;
  browserWorkloads: (s: Omit<WorkloadSpec, 'impl'>, backend: string) => Impl[];
  inferReps: number;
  tensorSteps: number;
  memory: { channels: number; layers: number; size: number; batch: number };
}

const cnn = (batch: number): Omit<WorkloadSpec, 'impl'> => ({ kind: 'cnn', size: 28, batch, channels: 0, seed: 1 });
const cell = (kind: WorkloadSpec['kind'], size: number, batch: number, channels: number): Omit<WorkloadSpec, 'impl'> => ({ kind, size, batch, channels, seed: 2 });
const both: Impl[] = ['plain', 'fast'];
/** The engine's supernets with the DARTS searcher's weight step (bench/supernet-workload.ts). */
const supernet = (kind: 'darts-supernet' | 'nb201-supernet', size: number, batch: number, channels: number, layers: number): Omit<WorkloadSpec, 'impl'> =>
  ({ kind, size, batch, channels, layers, seed: 4 });
const isSupernet = (s: Omit<WorkloadSpec, 'impl'>) => s.kind === 'darts-supernet' || s.kind === 'nb201-supernet';

const PLAN: Plan = SMOKE
  ? {
    rounds: 1, warmup: 1, steps: 2, maxSeconds: 3,
    workloads: [cnn(8), cell('darts-mix', 8, 4, 4), cell('darts-spos', 8, 4, 4), supernet('nb201-supernet', 8, 4, 4, 1)],
    nodeBackends: [{ backend: 'wasm', workloads: () => both }],
    browser: GPU, browserWorkloads: () => (GPU ? both : []),
    inferReps: 5, tensorSteps: 20,
    memory: { channels: 4, layers: 3, size: 8, batch: 2 },
  }
  : {
    rounds: 2, warmup: 1, steps: 5, maxSeconds: 8,
    workloads: [cnn(64), cell('darts-mix', 8, 32, 16), cell('darts-mix', 16, 32, 16), cell('darts-spos', 8, 32, 16), cell('darts-spos', 16, 32, 16), cell('nb201-mix', 16, 32, 16),
      supernet('darts-supernet', 16, 16, 8, 5), supernet('nb201-supernet', 16, 32, 16, 2)],
    nodeBackends: [
      { backend: 'wasm', workloads: () => both },
      // The cpu backend's depthwise convs are scalar JS loops: the plain DARTS cell takes minutes per step there.
      // The supernets: wasm only (the fast path's default backend; the plain supernet on cpu takes minutes per step).
      { backend: 'cpu', workloads: (s) => (s.kind === 'cnn' ? both : isSupernet(s) ? [] : s.size === 8 || s.kind === 'nb201-mix' ? ['fast'] : []) },
    ],
    browser: !flag('--no-browser'),
    browserWorkloads: (s, backend) => (backend.startsWith('wasm') || GPU ? both : s.kind === 'nb201-mix' || isSupernet(s) ? [] : ['plain']),
    inferReps: 30, tensorSteps: 1000,
    memory: { channels: 8, layers: 3, size: 16, batch: 16 },
  };

// More interleaved rounds / timed steps for a steadier figure on a noisy machine (e.g. --rounds 4 --steps 10).
for (const [flagName, key] of [['--rounds', 'rounds'], ['--steps', 'steps']] as const) {
  const v = option(flagName);
  if (v != null) {
    if (!(Number(v) >= 1)) throw new Error(`${flagName} needs a number >= 1, got ${v}`);
    PLAN[key] = Math.floor(Number(v));
  }
}

// ---------------------------------------------------------------------------------------------------------------
interface AblationRow {
  workload: string;
  variant: string;
  description: string;
  medianMs: number;
  steps: number;
  kernelsPerStep: number;
  speedupVsPlain: number;
  /** Over PyTorch with 1 thread, interleaved in the same rounds. */
  ratioTorch1T: number | null;
  loadAvg1m: number;
}
interface Timing { medianMs: number; minMs: number; steps: number; timesMs: number[] }
interface TrainingRow {
  env: 'node' | 'chromium';
  backend: string;
  backendDetail: string;
  workload: string;
  kind: string;
  impl: Impl;
  tfjs: Timing;
  /** PyTorch with 2 threads and with 1 thread (empty without PyTorch). */
  torch: (Timing & { threads: number })[];
  /** tfjs median / PyTorch median (> 1: tfjs slower), per PyTorch thread count. */
  ratios: { threads: number; ratio: number }[];
  /** tfjs median / the faster PyTorch median. */
  ratioBest: number | null;
  /** Per round: tfjs median over the mean of the two neighbouring PyTorch medians. */
  roundRatios: { threads: number; ratios: number[] }[];
  firstLoss: { tfjs: number; torch: number | null; absDiff: number | null };
  kernelsPerStep: number;
  peakBytes: number;
  topKernels: [string, number][];
  loadAvg1m: { start: number; end: number };
}

const timing = (times: number[]): Timing => ({ medianMs: median(times), minMs: Math.min(...times), steps: times.length, timesMs: times.map((t) => Math.round(t * 100) / 100) });
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const log = (s: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)} load ${load1().toFixed(2)}] ${s}`);

/** A tfjs side that can set up a workload, time steps, profile one step and measure inference. */
interface TfjsSide {
  setup(key: string, spec: WorkloadSpec): Promise<number>;
  run(key: string, warmup: number, steps: number, maxSeconds: number, startIndex: number): Promise<number[]>;
  profile(key: string): Promise<StepProfile>;
  infer(key: string, reps: number): Promise<number[]>;
  dispose(key: string): Promise<void>;
}

function nodeSide(): TfjsSide {
  const ws = new Map<string, ReturnType<typeof createWorkload>>();
  const get = (k: string) => { const w = ws.get(k); if (!w) throw new Error(`no workload ${k}`); return w; };
  return {
    async setup(key, spec) { const w = createWorkload(spec); ws.set(key, w); return w.loss(); },
    async run(key, warmup, steps, maxSeconds, startIndex) {
      const w = get(key);
      for (let i = 0; i < warmup; i++) await w.step(startIndex + i);
      const times: number[] = [];
      const start = performance.now();
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await w.step(startIndex + warmup + i);
        times.push(performance.now() - t0);
        if (performance.now() - start > maxSeconds * 1000 && times.length >= 2) break;
      }
      return times;
    },
    profile: (key) => get(key).profileStep(0),
    async infer(key, reps) {
      const w = get(key);
      await w.infer();
      const times: number[] = [];
      for (let i = 0; i < reps; i++) { const t0 = performance.now(); await w.infer(); times.push(performance.now() - t0); }
      return times;
    },
    async dispose(key) { ws.get(key)?.dispose(); ws.delete(key); },
  };
}

function browserSide(page: BenchPage): TfjsSide {
  return {
    async setup(key, spec) { return (await page.call<{ loss: number }>({ cmd: 'setup', key, spec })).loss; },
    async run(key, warmup, steps, maxSeconds, startIndex) {
      return (await page.call<{ times: number[] }>({ cmd: 'run', key, warmup, steps, maxSeconds, startIndex })).times;
    },
    profile: (key) => page.call<StepProfile>({ cmd: 'profile', key }),
    async infer(key, reps) { return (await page.call<{ times: number[] }>({ cmd: 'infer', key, reps })).times; },
    async dispose(key) { await page.call({ cmd: 'dispose', key }); },
  };
}

// ---------------------------------------------------------------------------------------------------------------
const results = {
  version: 1,
  mode: SMOKE ? 'smoke' : 'full',
  startedAt: new Date().toISOString(),
  finishedAt: '',
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    tfjs: tf.version_core,
    torch: null as null | { version: string; threads: number[] },
    loadAvg1m: { start: load1(), end: 0 },
  },
  plan: { rounds: PLAN.rounds, warmupSteps: PLAN.warmup, timedStepsPerRun: PLAN.steps, maxSecondsPerRun: PLAN.maxSeconds },
  training: [] as TrainingRow[],
  inference: [] as { env: string; backend: string; model: string; tfjsMedianMs: number; torch: { threads: number; medianMs: number }[]; ratioBest: number | null; reps: number; loadAvg1m: number }[],
  tensorCount: null as null | { backend: string; workload: string; steps: number[]; numTensors: number[]; numBytes: number[]; flat: boolean },
  memory: null as null | { backend: string; config: string; darts: { peakBytes: number; stepMs: number }; pcDarts: { peakBytes: number; stepMs: number; partialChannels: number }; ratio: number },
  longTasks: null as null | { backend: string; searchSeconds: number; candidates: number; count: number; totalMs: number; maxMs: number; durationsMs: number[]; loadAvg1m: number },
  ablation: [] as AblationRow[],
  batchSweep: [] as { backend: string; batch: number; tfjsMs: number; torchMs: { threads: number; medianMs: number }[]; tfjsImgPerS: number; torchBestImgPerS: number; ratioBest: number; loadAvg1m: number }[],
  backends: [] as { env: string; backend: string; ok: boolean; detail: string }[],
  dispatches: [] as DispatchRow[],
  missing: [] as string[],
  mergedFrom: null as null | { file: string; startedAt: string; loadAvg1m: { start: number; end: number } },
};

/**
 * PyTorch runs twice per comparison: with 2 threads (the brief's setting) and with 1 thread. On a shared machine
 * whose load exceeds its 2 cores, OpenMP's spinning threads make the 2-thread runs pathologically slow (measured
 * here: 30-180x slower than 1 thread for a small conv block at load 7), so the 1-thread twin keeps the comparison
 * honest; `ratioBest` compares tfjs with the faster of the two.
 */
const torchClients: { threads: number; client: TorchClient }[] = [];
const torchJobs = new Map<string, number>();

/** Loads the PyTorch twins of `spec` (weights exported from a fresh Node workload; same seed = same weights). */
async function torchJob(spec: Omit<WorkloadSpec, 'impl'>): Promise<{ id: string; loss: number } | null> {
  if (torchClients.length === 0) return null;
  const id = workloadLabel({ ...spec, impl: 'plain' });
  if (!torchJobs.has(id)) {
    const w = createWorkload({ ...spec, impl: 'plain' });
    try {
      let loss = NaN;
      for (const { client } of torchClients) loss = await client.load(id, w);
      torchJobs.set(id, loss);
    } finally {
      w.dispose();
    }
  }
  return { id, loss: torchJobs.get(id)! };
}

async function measure(side: TfjsSide, env: TrainingRow['env'], backend: string, backendDetail: string,
  base: Omit<WorkloadSpec, 'impl'>, impl: Impl): Promise<void> {
  const spec: WorkloadSpec = { ...base, impl };
  const label = workloadLabel(spec);
  if (ONLY && !label.includes(ONLY)) return;
  const key = `${label}-${impl}`;
  const loadStart = load1();
  log(`${env} ${backend} ${label} ${impl}`);
  const job = await torchJob(base);
  const tfjsLoss = await side.setup(key, spec);
  const tfjsTimes: number[][] = [];
  const torchTimes = torchClients.map(() => [] as number[][]);
  const runTorch = async () => {
    if (!job) return;
    for (const [i, { client, threads }] of torchClients.entries()) {
      // 2 threads on an oversubscribed machine can take tens of seconds per step: a short, capped run.
      const t = threads > 1 ? await client.run(job.id, 1, 2, 3, 1) : await client.run(job.id, PLAN.warmup, PLAN.steps, PLAN.maxSeconds);
      torchTimes[i].push(t.times);
    }
  };
  // Software-rendered GPU backends are 50-200x slower than PyTorch here: one round is enough to place them.
  const rounds = (backend === 'webgl' || backend === 'webgpu') && !GPU ? 1 : PLAN.rounds;
  try {
    await runTorch();
    for (let r = 0; r < rounds; r++) {
      tfjsTimes.push(await side.run(key, PLAN.warmup, PLAN.steps, PLAN.maxSeconds, 0));
      await runTorch();
    }
    const prof = await side.profile(key);
    const tfjsT = timing(tfjsTimes.flat());
    const torchT = job ? torchClients.map((c, i) => ({ threads: c.threads, ...timing(torchTimes[i].flat()) })) : [];
    const best = torchT.length ? torchT.reduce((a, b) => (b.medianMs < a.medianMs ? b : a)) : null;
    const roundRatio = (i: number) => tfjsTimes.map((t, r) => median(t) / ((median(torchTimes[i][r]) + median(torchTimes[i][r + 1])) / 2));
    const row: TrainingRow = {
      env, backend, backendDetail, workload: label, kind: spec.kind, impl,
      tfjs: tfjsT,
      torch: torchT,
      ratios: torchT.map((t) => ({ threads: t.threads, ratio: tfjsT.medianMs / t.medianMs })),
      ratioBest: best ? tfjsT.medianMs / best.medianMs : null,
      roundRatios: torchT.map((t, i) => ({ threads: t.threads, ratios: roundRatio(i) })),
      firstLoss: { tfjs: tfjsLoss, torch: job?.loss ?? null, absDiff: job ? Math.abs(job.loss - tfjsLoss) : null },
      kernelsPerStep: prof.kernels,
      peakBytes: prof.peakBytes,
      topKernels: prof.topKernels,
      loadAvg1m: { start: loadStart, end: load1() },
    };
    results.training.push(row);
    log(`  tfjs ${tfjsT.medianMs.toFixed(1)} ms, torch ${torchT.map((t) => `${t.threads}T ${t.medianMs.toFixed(1)}`).join(', ') || '-'} ms, ratio vs best ${row.ratioBest?.toFixed(2) ?? '-'}, kernels ${prof.kernels}, first loss ${tfjsLoss.toFixed(5)} / ${job?.loss.toFixed(5) ?? '-'}`);
  } finally {
    await side.dispose(key);
  }
}

async function inference(side: TfjsSide, env: string, backend: string): Promise<void> {
  const spec: WorkloadSpec = { ...cnn(1), impl: 'plain' };
  const key = 'infer-cnn-b1';
  await side.setup(key, spec);
  try {
    const job = await torchJob(cnn(1));
    const torchRun = async () => {
      const out: number[][] = [];
      if (job) for (const { client } of torchClients) out.push(await client.infer(job.id, PLAN.inferReps));
      return out;
    };
    const before = await torchRun();
    const t = await side.infer(key, PLAN.inferReps);
    const after = await torchRun();
    const tm = median(t);
    const torchMs = torchClients.map((c, i) => ({ threads: c.threads, medianMs: median([...before[i], ...after[i]]) }));
    const best = torchMs.length ? Math.min(...torchMs.map((x) => x.medianMs)) : null;
    results.inference.push({ env, backend, model: 'cnn-b1 (28x28x1, batch 1)', tfjsMedianMs: tm, torch: torchMs, ratioBest: best ? tm / best : null, reps: PLAN.inferReps, loadAvg1m: load1() });
  } finally {
    await side.dispose(key);
  }
}

async function tensorCount(): Promise<void> {
  await useNodeBackend('wasm');
  const spec: WorkloadSpec = SMOKE ? { ...cell('darts-spos', 8, 4, 4), impl: 'fast' } : { ...cell('darts-spos', 8, 8, 8), impl: 'fast' };
  const w = createWorkload(spec);
  const marks = PLAN.tensorSteps >= 1000 ? [1, 10, 100, 1000] : [1, 10, PLAN.tensorSteps];
  const numTensors: number[] = [];
  const numBytes: number[] = [];
  try {
    for (let i = 1; i <= marks[marks.length - 1]; i++) {
      await w.step(i);
      if (marks.includes(i)) {
        numTensors.push(tf.memory().numTensors);
        numBytes.push(tf.memory().numBytes);
      }
    }
  } finally {
    w.dispose();
  }
  results.tensorCount = { backend: 'node wasm', workload: `${workloadLabel(spec)} fast`, steps: marks, numTensors, numBytes, flat: numTensors.every((n) => n === numTensors[0]) };
  log(`tensor count after steps ${marks.join('/')}: ${numTensors.join('/')}`);
}

async function supernetMemory(): Promise<void> {
  await useNodeBackend('wasm');
  const m = PLAN.memory;
  const measureOne = async (K: number) => {
    const net = buildDartsSupernet({
      skeleton: { channels: m.channels, layers: m.layers, stemMultiplier: 3, inputShape: [m.size, m.size, 3], numClasses: 10 },
      partialChannels: K, edgeNormalization: K > 1,
    }, createRng(5));
    const rng = createRng(6);
    const x = tf.tensor4d(Float32Array.from({ length: m.batch * m.size * m.size * 3 }, () => rng.next() * 2 - 1), [m.batch, m.size, m.size, 3]);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: m.batch }, (_, i) => i % 10), 'int32'), 10), 'float32'));
    const vars = [...net.weights, ...net.archParams] as tf.Variable[];
    const step = () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, { kind: 'mixture' }, true)) as tf.Scalar, vars);
      for (const v of vars) { const g = grads[v.name]; if (g) v.assign(tf.sub(v, tf.mul(g, 0.01))); }
      return value;
    });
    try {
      (await step().data());
      const t0 = performance.now();
      const info = await tf.profile(async () => { const l = step(); await l.data(); l.dispose(); });
      return { peakBytes: info.peakBytes, stepMs: performance.now() - t0 };
    } finally {
      tf.dispose([x, y]);
      net.dispose();
    }
  };
  const darts = await measureOne(1);
  const pc = await measureOne(4);
  results.memory = {
    backend: 'node wasm',
    config: `buildDartsSupernet C=${m.channels}, ${m.layers} cells, ${m.size}x${m.size}x3, batch ${m.batch}; one mixture step (weights + alphas), tf.profile peakBytes`,
    darts, pcDarts: { ...pc, partialChannels: 4 }, ratio: darts.peakBytes / pc.peakBytes,
  };
  log(`peak memory DARTS ${(darts.peakBytes / 2 ** 20).toFixed(1)} MiB vs PC-DARTS ${(pc.peakBytes / 2 ** 20).toFixed(1)} MiB`);
}

/**
 * What each speed change bought: the same DARTS cell on Node wasm through (1) the engine's plain ops, (2) the fused
 * ops with plain-JS kernels, (3) + the WebAssembly SIMD kernels, (4) + whole-stage kernels (the default fast path),
 * interleaved round by round with PyTorch (1 thread).
 */
async function ablation(): Promise<void> {
  await useNodeBackend('wasm');
  type Variant = { name: string; description: string; impl: Impl; simd: boolean; stages: boolean; strided: boolean };
  const cellVariants: Variant[] = [
    { name: 'plain', description: "engine ops (MixedOp + DARTS_OP_FACTORIES), tfjs autodiff, engine training kernels", impl: 'plain', simd: true, stages: true, strided: true },
    { name: 'fused-js', description: 'fused ops with custom gradients, plain-JS kernels (BN, dw filter grad, pool grads, weighted sum, SGD)', impl: 'fast', simd: false, stages: false, strided: true },
    { name: 'fused-simd', description: '+ those kernels in WebAssembly SIMD on the wasm heap', impl: 'fast', simd: true, stages: false, strided: true },
    { name: 'fused-stages', description: '+ whole "ReLU-dw-1x1-BN" and "pool-BN" stages as one SIMD kernel each way (default fast path)', impl: 'fast', simd: true, stages: true, strided: true },
  ];
  // The engine supernet (what the One-shot worker runs): before the fast path was wired in (plain), wired in with
  // the stride-2 reduction edges' depthwise convs and pools from primitives, and with their fused kernels.
  const supernetVariants: Variant[] = [
    { name: 'plain', description: 'buildDartsSupernet with fastPath off (the MixedOps), DARTS weight step', impl: 'plain', simd: true, stages: true, strided: true },
    { name: 'fast-s2-plain', description: "fastPath on: every edge a FastMixedOp; stride-2 depthwise convs and pools from tfjs primitives", impl: 'fast', simd: true, stages: true, strided: false },
    { name: 'fast', description: '+ fused-strided.ts kernels for the stride-2 depthwise convs and pools (default fast path)', impl: 'fast', simd: true, stages: true, strided: true },
  ];
  const torch1 = torchClients.find((c) => c.threads === 1)?.client ?? null;
  const bases: [Omit<WorkloadSpec, 'impl'>, Variant[]][] = (SMOKE
    ? [cell('darts-mix', 8, 4, 4)]
    : [cell('darts-mix', 8, 32, 16), cell('darts-mix', 16, 32, 16), cell('darts-spos', 16, 32, 16), supernet('darts-supernet', 16, 16, 8, 5)])
    .map((b) => [b, isSupernet(b) ? supernetVariants : cellVariants]);
  for (const [base, variants] of bases) {
    const label = workloadLabel({ ...base, impl: 'plain' });
    if (ONLY && !label.includes(ONLY)) continue;
    log(`ablation ${label}`);
    const job = await torchJob(base);
    const side = nodeSide();
    const times = variants.map(() => [] as number[]);
    const torchTimes: number[] = [];
    const kernels: number[] = [];
    const set = (v: Variant) => { setAccelOptions({ fused: { simd: v.simd, stages: v.stages, strided: v.strided } }); };
    try {
      for (const v of variants) { set(v); await side.setup(`${label}-${v.name}`, { ...base, impl: v.impl }); }
      for (let r = 0; r <= PLAN.rounds; r++) {
        if (job && torch1) torchTimes.push(...(await torch1.run(job.id, PLAN.warmup, PLAN.steps, PLAN.maxSeconds)).times);
        if (r === PLAN.rounds) break;
        for (const [i, v] of variants.entries()) {
          set(v);
          times[i].push(...await side.run(`${label}-${v.name}`, PLAN.warmup, PLAN.steps, PLAN.maxSeconds, 0));
        }
      }
      for (const v of variants) { set(v); kernels.push((await side.profile(`${label}-${v.name}`)).kernels); }
    } finally {
      set(variants[variants.length - 1]);
      for (const v of variants) await side.dispose(`${label}-${v.name}`);
    }
    const plainMs = median(times[0]);
    const torchMs = torchTimes.length ? median(torchTimes) : null;
    variants.forEach((v, i) => {
      const m = median(times[i]);
      results.ablation.push({ workload: label, variant: v.name, description: v.description, medianMs: m, steps: times[i].length, kernelsPerStep: kernels[i],
        speedupVsPlain: plainMs / m, ratioTorch1T: torchMs ? m / torchMs : null, loadAvg1m: load1() });
      log(`  ${v.name.padEnd(13)} ${m.toFixed(1)} ms (x${(plainMs / m).toFixed(2)} vs plain, ${torchMs ? (m / torchMs).toFixed(2) : '-'} x PyTorch 1T), ${kernels[i]} kernels`);
    });
  }
}

/** Small-CNN throughput against batch size (Node wasm vs PyTorch), to choose the batch by measurement. */
async function batchSweep(): Promise<void> {
  if (SMOKE) return;
  await useNodeBackend('wasm');
  const side = nodeSide();
  for (const batch of [16, 32, 64, 128, 256]) {
    const base = cnn(batch);
    if (ONLY && !workloadLabel({ ...base, impl: 'fast' }).includes(ONLY)) continue;
    const key = `sweep-${batch}`;
    const job = await torchJob(base);
    await side.setup(key, { ...base, impl: 'fast' });
    try {
      const torchT = torchClients.map(() => [] as number[]);
      const tfjsT: number[] = [];
      const runTorch = async () => {
        if (job) for (const [i, { client, threads }] of torchClients.entries()) torchT[i].push(...(await client.run(job.id, 1, threads > 1 ? 2 : 4, threads > 1 ? 3 : 5, 1)).times);
      };
      await runTorch();
      tfjsT.push(...await side.run(key, 1, 4, 5, 0));
      await runTorch();
      const t = median(tfjsT);
      const torchMs = torchClients.map((c, i) => ({ threads: c.threads, medianMs: median(torchT[i]) }));
      const best = torchMs.length ? Math.min(...torchMs.map((x) => x.medianMs)) : NaN;
      results.batchSweep.push({ backend: 'node wasm', batch, tfjsMs: t, torchMs, tfjsImgPerS: (batch / t) * 1000, torchBestImgPerS: (batch / best) * 1000, ratioBest: t / best, loadAvg1m: load1() });
      log(`batch ${batch}: tfjs ${(batch / t * 1000).toFixed(0)} img/s, PyTorch best ${(batch / best * 1000).toFixed(0)} img/s`);
    } finally {
      await side.dispose(key);
    }
  }
}

async function nodePart(): Promise<void> {
  for (const { backend, workloads } of PLAN.nodeBackends) {
    await useNodeBackend(backend);
    results.backends.push({ env: 'node', backend, ok: true, detail: backend === 'wasm' ? 'tfjs-backend-wasm, SIMD, 1 thread' : 'tfjs-backend-cpu (plain JS) + engine GEMM conv kernels' });
    const side = nodeSide();
    for (const base of PLAN.workloads) {
      for (const impl of workloads(base)) await measure(side, 'node', backend, results.backends.at(-1)!.detail, base, impl);
    }
    await inference(side, 'node', backend);
  }
}

async function browserPart(): Promise<void> {
  if (!chromiumAvailable()) { results.missing.push('browser: /usr/bin/chromium not found'); return; }
  log('building bench/browser with Vite');
  const dir = await buildBenchPage();
  const { server, url } = await serve(dir);
  const targets: { name: string; backend: 'wasm' | 'webgl' | 'webgpu'; isolated: boolean; threads: boolean; webgpu: boolean }[] = [
    { name: 'wasm', backend: 'wasm', isolated: false, threads: false, webgpu: false },
    { name: 'wasm-isolated', backend: 'wasm', isolated: true, threads: true, webgpu: false },
    // Same isolated page, threads switched off: the single-threaded twin of the row above.
    { name: 'wasm-isolated-1t', backend: 'wasm', isolated: true, threads: false, webgpu: false },
    { name: 'webgl', backend: 'webgl', isolated: false, threads: false, webgpu: false },
    { name: 'webgpu', backend: 'webgpu', isolated: false, threads: false, webgpu: true },
  ];
  const wanted = option('--browser-backends')?.split(',') ?? (GPU ? ['wasm-isolated', 'webgpu'] : undefined);
  const gpuArgs = GPU ? GPU_CHROMIUM_ARGS : undefined;
  try {
    for (const t of targets.filter((x) => !wanted || wanted.includes(x.name))) {
      let page = await BenchPage.open(url, { ...t, gpuArgs });
      try {
        let info: InitInfo;
        try {
          info = await page.init(t.backend, t.threads, 60_000);
        } catch (e) {
          // tfjs 4.22's threaded WASM build hangs after bundling (ARCHITECTURE.md "WASM threads"): note it, go on without.
          results.missing.push(`${t.name}: threaded WASM init failed (${String(e)}); measured single-threaded SIMD under cross-origin isolation instead`);
          await page.close();
          page = await BenchPage.open(url, { ...t, gpuArgs });
          info = await page.init(t.backend, false, 60_000);
        }
        const detail = `${info.detail}${info.crossOriginIsolated ? ', cross-origin isolated' : ''}`;
        // A software adapter's rows say so in their backend name (SwiftShader is a CPU: never a GPU figure).
        const name = t.webgpu && isSoftwareAdapter(info.detail) ? `${t.name} (software)` : t.name;
        results.backends.push({ env: 'chromium', backend: name, ok: info.ok, detail });
        if (!info.ok) { results.missing.push(`chromium ${name}: ${info.detail}`); continue; }
        log(`chromium ${name}: ${detail}`);
        if (t.webgpu) console.log(`\n*** WebGPU adapter: ${info.detail}${isSoftwareAdapter(info.detail) ? ' -- SOFTWARE (SwiftShader on the CPU): not a GPU figure' : ''} ***\n`);
        const side = browserSide(page);
        for (const base of PLAN.workloads) {
          for (const impl of PLAN.browserWorkloads(base, t.name)) {
            try {
              await measure(side, 'chromium', name, detail, base, impl);
            } catch (e) {
              results.missing.push(`chromium ${t.name} ${workloadLabel({ ...base, impl })} ${impl}: ${String(e)}`);
            }
          }
        }
        if (GPU && t.webgpu) results.dispatches.push(...await dispatchRows(page, SMOKE ? 'tiny' : 'bench', log, results.missing, ONLY));
        await inference(side, 'chromium', name).catch((e: unknown) => { results.missing.push(`chromium ${t.name} inference: ${String(e)}`); });
      } finally {
        await page.close();
      }
    }
  } finally {
    server.close();
  }
}

/** Main-thread long tasks (PerformanceObserver 'longtask') in the built app while a search runs in its worker. */
async function appLongTasks(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist', 'index.html'))) { results.missing.push('app long tasks: dist/ is missing (run `npx vite build` first)'); return; }
  if (!chromiumAvailable()) { results.missing.push('app long tasks: /usr/bin/chromium not found'); return; }
  const { startPreview, stopPreview, launch } = await import('../tests/helpers/e2e-harness');
  const { server, url } = await startPreview();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) w.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(url);
    await page.getByTestId('budget').fill('4');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('train-samples').fill('512');
    await page.getByTestId('valid-samples').fill('256');
    await page.waitForTimeout(1000);
    await page.evaluate(() => { (window as unknown as { __longTasks: number[] }).__longTasks.length = 0; });
    const t0 = performance.now();
    await page.getByTestId('start').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="candidate-row"]').length >= 2, null, { timeout: 240_000 }).catch(() => undefined);
    const searchSeconds = (performance.now() - t0) / 1000;
    const candidates = await page.$$eval('[data-testid="candidate-row"]', (r) => r.length);
    const durations = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice());
    const backend = (await page.getByTestId('backend-live').textContent().catch(() => null)) ?? 'unknown';
    await page.getByTestId('stop').click().catch(() => undefined);
    results.longTasks = {
      backend: backend.trim(), searchSeconds, candidates, count: durations.length,
      totalMs: durations.reduce((a, b) => a + b, 0), maxMs: durations.length ? Math.max(...durations) : 0,
      durationsMs: durations.map((d) => Math.round(d)), loadAvg1m: load1(),
    };
    log(`app long tasks during ${searchSeconds.toFixed(0)} s of search: ${durations.length} (max ${results.longTasks.maxMs.toFixed(0)} ms)`);
  } finally {
    await browser.close();
    await stopPreview(server);
  }
}

// ---------------------------------------------------------------------------------------------------------------
function printTable(): void {
  const f = (v: number | null | undefined, d = 1) => (v == null ? '-' : v.toFixed(d));
  console.log('\nTraining step (forward + backward + SGD), medians; ratio = tfjs / PyTorch (interleaved runs)');
  console.log('(torch 2T / 1T: PyTorch with 2 / 1 threads; ratio = tfjs / the faster of the two)');
  console.log(['env/backend'.padEnd(24), 'workload'.padEnd(28), 'impl'.padEnd(5), 'tfjs ms'.padStart(9), 'torch 2T'.padStart(9), 'torch 1T'.padStart(9), 'ratio'.padStart(7), 'kernels'.padStart(8), 'loss tfjs/torch'.padStart(20), 'load'.padStart(6)].join(' '));
  for (const r of results.training) {
    const t = (n: number) => r.torch.find((x) => x.threads === n)?.medianMs;
    console.log([`${r.env} ${r.backend}`.padEnd(24), r.workload.padEnd(28), r.impl.padEnd(5), f(r.tfjs.medianMs).padStart(9), f(t(2)).padStart(9), f(t(1)).padStart(9),
      f(r.ratioBest, 2).padStart(7), String(r.kernelsPerStep).padStart(8), `${f(r.firstLoss.tfjs, 5)}/${f(r.firstLoss.torch, 5)}`.padStart(20), f(r.loadAvg1m.end, 2).padStart(6)].join(' '));
  }
  if (results.inference.length) {
    console.log('\nInference latency, small CNN batch 1 (median ms)');
    for (const r of results.inference) console.log(`  ${`${r.env} ${r.backend}`.padEnd(24)} tfjs ${f(r.tfjsMedianMs, 2)}  torch ${r.torch.map((x) => `${x.threads}T ${f(x.medianMs, 2)}`).join(' ')}  ratio vs best ${f(r.ratioBest, 2)}`);
  }
  if (results.ablation.length) {
    console.log('\nWhat each speed change bought (Node wasm, interleaved with PyTorch 1 thread)');
    for (const a of results.ablation) {
      console.log(`  ${a.workload.padEnd(28)} ${a.variant.padEnd(13)} ${f(a.medianMs).padStart(8)} ms  x${f(a.speedupVsPlain, 2).padStart(6)} vs plain  ${f(a.ratioTorch1T, 2).padStart(6)} x PyTorch-1T  ${String(a.kernelsPerStep).padStart(6)} kernels`);
    }
  }
  if (results.batchSweep.length) {
    console.log('\nSmall CNN throughput by batch size (Node wasm fast vs the faster PyTorch)');
    for (const b of results.batchSweep) console.log(`  batch ${String(b.batch).padStart(4)}: tfjs ${b.tfjsImgPerS.toFixed(0).padStart(6)} img/s, PyTorch ${b.torchBestImgPerS.toFixed(0).padStart(6)} img/s, ratio ${b.ratioBest.toFixed(2)}`);
  }
  if (results.tensorCount) console.log(`\nTensors after steps ${results.tensorCount.steps.join('/')}: ${results.tensorCount.numTensors.join('/')} (${results.tensorCount.flat ? 'flat' : 'GROWING'})`);
  if (results.memory) console.log(`Peak memory of one step: DARTS ${(results.memory.darts.peakBytes / 2 ** 20).toFixed(1)} MiB, PC-DARTS (K=4) ${(results.memory.pcDarts.peakBytes / 2 ** 20).toFixed(1)} MiB (${results.memory.config})`);
  if (results.longTasks) console.log(`App main-thread long tasks during ${results.longTasks.searchSeconds.toFixed(0)} s of search on ${results.longTasks.backend}: ${results.longTasks.count}, total ${results.longTasks.totalMs.toFixed(0)} ms, max ${results.longTasks.maxMs.toFixed(0)} ms`);
  printDispatchTable(results.dispatches);
  if (results.missing.length) console.log(`\nMissing:\n  ${results.missing.join('\n  ')}`);
  console.log(`\nLoad average (1 min) ${results.machine.loadAvg1m.start} at start, ${results.machine.loadAvg1m.end} at end, ${results.machine.cpus} CPUs`);
}

/** --merge-browser: the Chromium half (and the app's long tasks) of an earlier run, marked with its date. */
function mergeBrowser(file: string): void {
  const old = JSON.parse(readFileSync(file, 'utf8')) as typeof results;
  const note = ` (from the run of ${old.startedAt})`;
  results.training.push(...old.training.filter((t) => t.env === 'chromium').map((t) => ({ ...t, backendDetail: t.backendDetail + note })));
  results.inference.push(...old.inference.filter((t) => t.env === 'chromium'));
  results.backends.push(...old.backends.filter((b) => b.env === 'chromium').map((b) => ({ ...b, detail: b.detail + note })));
  if (old.longTasks && !results.longTasks) results.longTasks = old.longTasks;
  results.missing = results.missing.filter((m) => !/^(browser|app long tasks): skipped/.test(m));
  results.missing.push(...old.missing.filter((m) => /chromium|wasm-isolated|webg|app long tasks/.test(m) && !/skipped/.test(m)).map((m) => m + note));
  results.mergedFrom = { file, startedAt: old.startedAt, loadAvg1m: old.machine.loadAvg1m };
}

function save(): void {
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(results, null, 1) + '\n');
}

async function main(): Promise<void> {
  // PyTorch twins are exported from Node-side workloads: a Node backend must exist even with --no-node.
  await useNodeBackend('wasm');
  if (!flag('--no-torch')) {
    // Smoke: 1 thread only (a 2-thread PyTorch on a loaded 2-core machine can take seconds per tiny step).
    // --torch-threads 1: skip the 2-thread PyTorch, which on an oversubscribed machine takes minutes per step.
    const threadCounts = option('--torch-threads')?.split(',').map(Number) ?? (SMOKE ? [1] : [2, 1]);
    for (const threads of threadCounts) {
      const t = await TorchClient.start(threads);
      if ('error' in t) { results.missing.push(`PyTorch (${threads} threads): ${t.error}`); continue; }
      torchClients.push({ threads: t.threads, client: t.client });
      results.machine.torch = { version: t.version, threads: torchClients.map((c) => c.threads) };
    }
  } else results.missing.push('PyTorch: skipped (--no-torch)');
  try {
    if (!flag('--no-node') && !GPU) {
      await nodePart();
      save();
      await ablation();
      save();
      await batchSweep();
      save();
      // With --only, these two run when the filter names them ('tensor-count', 'supernet-memory').
      if (!ONLY || 'tensor-count'.includes(ONLY)) await tensorCount();
      if (!ONLY || 'supernet-memory'.includes(ONLY)) await supernetMemory();
      save();
    } else results.missing.push('node: skipped (--no-node)');
    if (PLAN.browser) {
      await browserPart();
      save();
    } else results.missing.push(SMOKE ? 'browser: skipped in smoke mode' : 'browser: skipped (--no-browser)');
    if (!SMOKE && !GPU && !flag('--no-app')) await appLongTasks().catch((e: unknown) => { results.missing.push(`app long tasks: ${String(e)}`); });
    else results.missing.push('app long tasks: skipped');
    const merge = option('--merge-browser');
    if (merge) mergeBrowser(merge);
  } finally {
    for (const { client } of torchClients) client.close();
    results.machine.loadAvg1m.end = load1();
    results.finishedAt = new Date().toISOString();
    save();
    printTable();
    console.log(`\nwrote ${OUT}`);
  }
}

await main();
