/**
 * Benchmark row "soak" (issue 14 item 11): a long run through the workers' own sessions under Node, on tfjs wasm
 * with fake-indexeddb, recording after every candidate / epoch what a leak would show: tfjs's live tensors and
 * bytes, the JS heap after a full collection, the WASM backend's memory and about how many bytes the run's stores
 * hold (bench/soak-probe.ts). A memory row, not a speed row: no PyTorch side.
 *
 *   npm run bench -- --suite soak [--count 300] [--epochs 50] [--out bench/soak.json] [--smoke]
 *
 * Search: workers/search-session.ts's runSearchSession (the Search tab's path, the per-candidate latency measurement
 * included) for --count tiny NB201 candidates (C4, N1, 1 epoch on 64 images, 32 validation images) on the built-in
 * MNIST subset. One-shot: workers/oneshot-session.ts's runOneShot, DARTS on the NB201 supernet (C2, 64 + 64 images)
 * for --epochs epochs. Each series is judged after a warm-up (the first 5%, at least 2 samples): tensors and their
 * bytes "flat" when identical after it; stored bytes "linear" when no step is negative or above 1.5x the median step;
 * the heap "flat" when its least-squares rise over the run is under 2 MiB, else "linear in stored" when it stays
 * within 2 MiB of its line and deleting the run gives back what grew after the warm-up (fake-indexeddb keeps every
 * record in this heap); else "GROWS". Exits 1 when tensors or the checkpoint's tensors grow;
 * tests/unit/soak-leak.test.ts asserts those invariants on a short run.
 */
import 'fake-indexeddb/auto';
import { writeFileSync } from 'node:fs';
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { StoreNames } from 'idb';
import { fullGc, sample, seriesFigures, type SeriesFigures, type SoakSample } from './soak-probe';
import type { NasDb } from '../src/db';
import type { OneShotRunRecord } from '../src/protocol/oneshot-api';

const ROOT = path.resolve(import.meta.dirname, '..');
const USAGE = `npm run bench -- --suite soak [options]   (memory row: tensors, heap, IndexedDB bytes per candidate / epoch)
  --count N     search candidates (default 300)
  --epochs E    one-shot DARTS epochs (default 50)
  --out PATH    report (default bench/soak.json; --smoke: $TMPDIR/nas-bench-soak.json)
  --smoke       seconds: 12 candidates, 4 epochs (checks the row runs end to end)`;

interface Options { count: number; epochs: number; out: string; smoke: boolean }

function parseOptions(argv: string[]): Options | null | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: { count: { type: 'string' }, epochs: { type: 'string' }, out: { type: 'string' }, smoke: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (values.help) return null;
  const smoke = values.smoke ?? false;
  const int = (name: string, v: string | undefined, fallback: number): number | string => {
    if (v === undefined) return fallback;
    const n = Number(v);
    return Number.isInteger(n) && n >= 3 ? n : `--${name} needs a whole number >= 3, got "${v}"`;
  };
  const count = int('count', values.count, smoke ? 12 : 300);
  const epochs = int('epochs', values.epochs, smoke ? 4 : 50);
  if (typeof count === 'string') return count;
  if (typeof epochs === 'string') return epochs;
  const out = values.out ?? (smoke ? path.join(os.tmpdir(), 'nas-bench-soak.json') : path.join(ROOT, 'bench', 'soak.json'));
  return { count, epochs, out, smoke };
}

/**
 * workers/backend.ts imports the .wasm binaries as Vite `?url` modules; under Node each becomes a module whose default
 * export is the binary's file path (what tfjs's wasm backend reads in Node).
 */
function registerUrlImports(): void {
  const hooks = `export async function resolve(specifier, context, next) {
  if (!specifier.endsWith('?url')) return next(specifier, context);
  const { url } = await next(specifier.slice(0, -4), context);
  const file = decodeURIComponent(new URL(url).pathname);
  return { url: 'data:text/javascript,' + encodeURIComponent('export default ' + JSON.stringify(file) + ';'), shortCircuit: true };
}`;
  register('data:text/javascript,' + encodeURIComponent(hooks));
}

export type Verdict = 'flat' | 'linear' | 'linear in stored' | 'GROWS' | 'NOT LINEAR';
export interface SeriesReport extends SeriesFigures { verdict: Verdict }
export interface PartReport {
  samples: number;
  warmup: number;
  wallS: number;
  tensors: SeriesReport;
  tensorBytes: SeriesReport;
  heap: SeriesReport;
  wasmHeap: { first: number; last: number };
  /** The heap (after gc) before the session, after it returned, and after its run was deleted from the store. */
  heapCheck: HeapCheck;
  stored: SeriesReport;
  extra: Record<string, SeriesReport>;
  series: SoakSample[];
}

export interface SoakReport {
  suite: 'soak';
  date: string;
  node: string;
  backend: string;
  /** Whether the heap was sampled after a full collection. */
  gc: boolean;
  loadAvg1m: number;
  options: { count: number; epochs: number; smoke: boolean };
  search: PartReport;
  oneshot: PartReport;
}

interface HeapCheck { before: number; afterRun: number; afterDelete: number; freedApproxBytes: number }

const flat = (values: number[]): SeriesReport => {
  const f = seriesFigures(values);
  return { ...f, verdict: f.max === f.min ? 'flat' : 'GROWS' };
};
const linear = (values: number[]): SeriesReport => {
  const f = seriesFigures(values);
  // Never shrinking and no step above 1.5x the median: a part that stops growing (evolution's population once full)
  // passes, a record that re-stores everything before it (steps growing with n) does not.
  return { ...f, verdict: f.minStep >= 0 && f.maxStep <= 1.5 * f.medianStep ? 'linear' : 'NOT LINEAR' };
};
const MIB = 1024 * 1024;

/**
 * The heap is "flat" when its least-squares rise after the warm-up is under 2 MiB; else "linear in stored" when it
 * stays within 2 MiB of its line and deleting the run from the store gives back what grew after the warm-up (to
 * within 2 MiB of the heap at the end of the warm-up): what grew was fake-indexeddb's copy of the records and the
 * session's log of them; else "GROWS".
 */
function part(samples: SoakSample[], wallS: number, heapCheck: HeapCheck, extra: Record<string, number[]> = {}): PartReport {
  const warmup = Math.max(2, Math.ceil(samples.length * 0.05));
  const after = samples.slice(warmup);
  const heapFigures = seriesFigures(after.map((s) => s.heapUsed));
  const stored = linear(after.map((s) => s.storedBytes));
  const rise = heapFigures.slope * (after.length - 1);
  // Against the heap once warm (one-time costs: compiled code, kernel caches, the backend's first allocations).
  const givenBack = heapCheck.afterDelete - after[0].heapUsed < 2 * MIB;
  const heapVerdict: Verdict = rise < 2 * MIB ? 'flat' : givenBack && heapFigures.maxResidual < 2 * MIB ? 'linear in stored' : 'GROWS';
  return {
    samples: samples.length, warmup, wallS,
    tensors: flat(after.map((s) => s.numTensors)),
    tensorBytes: flat(after.map((s) => s.numBytes)),
    heap: { ...heapFigures, verdict: heapVerdict },
    wasmHeap: { first: samples[0].wasmHeap, last: samples.at(-1)!.wasmHeap },
    heapCheck,
    stored,
    extra: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, linear(v.slice(warmup))])),
    series: samples,
  };
}

export async function soakMain(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (opts === null) {
    console.log(USAGE);
    return 0;
  }
  if (typeof opts === 'string') {
    console.error(`soak: ${opts}\n${USAGE}`);
    return 2;
  }
  registerUrlImports();
  (globalThis as { navigator?: unknown }).navigator ??= { userAgent: `node ${process.version}`, hardwareConcurrency: 1 };
  const { useNodeBackend, tf } = await import('./node-backend');
  const { loadBuiltinMnist } = await import('../scripts/node/builtin');
  const { MNIST_10K } = await import('../src/engine/data/builtin');
  const db = await import('../src/db');
  const { runSearchSession } = await import('../workers/search-session');
  const { runOneShot } = await import('../workers/oneshot-session');
  const { validateRunConfig } = await import('../workers/run-config');
  const { RUN_FORM_VERSION } = await import('../src/shared/run-form');
  const { validateOneShotConfig } = await import('../src/shared/oneshot-config');
  const { ONESHOT_RUN_VERSION } = await import('../src/protocol/oneshot-api');
  const { approxBytes } = await import('../src/db/record-size');

  await useNodeBackend('wasm');
  const gc = fullGc();
  const heapNow = () => {
    fullGc();
    return process.memoryUsage().heapUsed;
  };
  const log = (s: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}`);
  const store = await db.openDb(`soak-${process.pid}`);
  const { ds, split } = await loadBuiltinMnist(ROOT);
  await db.putDataset(store, MNIST_10K.id, ds, { source: MNIST_10K.source, builtin: true, split: { method: 'stratified', seed: MNIST_10K.split.seed, train: split.train, valid: split.valid, test: split.test } });

  // Search: the Search tab's session with the run form's settings (latency measured for every candidate).
  const config = validateRunConfig({
    version: RUN_FORM_VERSION, name: 'soak', datasetId: MNIST_10K.id, space: 'nb201', strategy: 'evolution', seed: 1, budget: opts.count,
    channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 16, learningRate: 0.05, trainSamples: 64, validSamples: 32, backend: 'wasm',
    objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops',
  });
  const searchStores: StoreNames<NasDb>[] = ['runs', 'candidates', 'checkpoints'];
  const searchPending: Promise<SoakSample>[] = [];
  log(`search: ${opts.count} NB201 candidates (C4 N1, 1 epoch on 64 MNIST images, latency measured), gc ${gc ? 'on' : 'unavailable'}`);
  let before = heapNow();
  let t0 = performance.now();
  const now = Date.now();
  const searched = await runSearchSession(store, { version: db.RUN_RECORD_VERSION, id: 'soak', config, status: 'created', createdAt: now, updatedAt: now, completed: 0, paretoIds: [] }, 'wasm', (e) => {
    if (e.type !== 'candidate') return;
    searchPending.push(sample(e.record.id, store, searchStores, { gc }));
    if ((e.record.id + 1) % 25 === 0) log(`candidate ${e.record.id + 1}/${opts.count}: ${tf.memory().numTensors} tensors, heap ${(process.memoryUsage().heapUsed / MIB).toFixed(1)} MiB`);
  }, new AbortController().signal);
  if (searched.status !== 'done') throw new Error(`soak search ended ${searched.status}: ${searched.error ?? ''}`);
  const searchWall = (performance.now() - t0) / 1000;
  const searchSamples = await Promise.all(searchPending);
  let afterRun = heapNow();
  let freed = await db.deleteRun(store, 'soak');
  const search = part(searchSamples, searchWall, { before, afterRun, afterDelete: heapNow(), freedApproxBytes: freed });

  // One-shot: DARTS on the NB201 supernet for many epochs; one checkpoint is kept and overwritten each epoch.
  const osConfig = validateOneShotConfig({
    version: 2, name: 'soak darts', method: 'darts', space: 'nb201', datasetId: MNIST_10K.id, seed: 1, epochs: opts.epochs, batchSize: 16, learningRate: 0.025,
    channels: 2, cellsPerStage: 1, layers: 3, mobile: { stages: 3, widths: [8, 16], depths: [1, 2] }, trainSamples: 64, validSamples: 64, backend: 'wasm',
    darts: { order: 'first', warmupEpochs: 0, partialChannels: 1, entropyWeight: 0, opDropout: 0, maxSkips: 0, stableEpochs: 0, earlyStopWarmup: 3, eigenvalueEvery: 0, eigenIterations: 8, eigenStopRatio: 0, excludeNone: false },
    spos: { subnets: 20, flopsPenalty: 0, topK: 3, rankingCheck: 0, rankingCheckEpochs: 1 },
  });
  const initial: OneShotRunRecord = {
    version: ONESHOT_RUN_VERSION, id: 'soak-os', config: osConfig, status: 'created', stopCause: null, epoch: 0, stepsPerEpoch: 0, phase: 'train',
    history: db.emptyOneShotHistory(), arch: null, candidates: [], createdAt: now, updatedAt: now,
  };
  await db.putOneShotRun(store, initial);
  const osPending = new Map<number, { sample: Promise<SoakSample>; cp: Promise<{ tensors: number; meta: number }> }>();
  log(`one-shot: DARTS on the NB201 supernet (C2, 64 + 64 MNIST images) for ${opts.epochs} epochs`);
  before = heapNow();
  t0 = performance.now();
  const os1 = await runOneShot(store, initial, 'wasm', (e) => {
    if (e.type !== 'checkpoint') return;
    // The last save of an epoch counts (the run's end saves its last epoch once more). Only sizes are kept, so the
    // records read here do not stay in the heap being measured.
    osPending.set(e.epoch, { sample: sample(e.epoch, store, ['oneshotRuns', 'oneshotCheckpoints'], { gc }), cp: store.get('oneshotCheckpoints', 'soak-os').then((c) => ({ tensors: approxBytes(c?.tensors), meta: approxBytes(c?.meta) })) });
    if (e.epoch % 10 === 0) log(`epoch ${e.epoch}/${opts.epochs}: ${tf.memory().numTensors} tensors, heap ${(process.memoryUsage().heapUsed / MIB).toFixed(1)} MiB`);
  }, new AbortController().signal);
  if (os1.status !== 'done') throw new Error(`soak one-shot ended ${os1.status}: ${os1.error ?? ''}`);
  const osWall = (performance.now() - t0) / 1000;
  const osSamples = await Promise.all([...osPending.values()].map((p) => p.sample));
  const cps = await Promise.all([...osPending.values()].map((p) => p.cp));
  osPending.clear();
  afterRun = heapNow();
  freed = await db.deleteOneShotRun(store, 'soak-os');
  const oneshot = part(osSamples, osWall, { before, afterRun, afterDelete: heapNow(), freedApproxBytes: freed }, {
    checkpointMetaBytes: cps.map((c) => c.meta),
    runRecordBytes: osSamples.map((s) => s.byStore.oneshotRuns),
  });
  // The checkpoint's tensors must not grow at all: judged as flat.
  oneshot.extra.checkpointTensorBytes = flat(cps.slice(oneshot.warmup).map((c) => c.tensors));
  store.close();

  const report: SoakReport = {
    suite: 'soak', date: new Date().toISOString(), node: process.version, backend: tf.getBackend(), gc, loadAvg1m: os.loadavg()[0],
    options: { count: opts.count, epochs: opts.epochs, smoke: opts.smoke }, search, oneshot,
  };
  writeFileSync(opts.out, JSON.stringify(report, null, 1));
  const kb = (b: number) => (b / 1024).toFixed(1);
  const row = (name: string, p: PartReport) =>
    `| ${name} | ${p.samples} | ${p.tensors.first} -> ${p.tensors.last} (${p.tensors.verdict}) | ${kb(p.tensorBytes.first)} -> ${kb(p.tensorBytes.last)} KiB (${p.tensorBytes.verdict}) `
    + `| ${(p.heap.first / MIB).toFixed(1)} -> ${(p.heap.last / MIB).toFixed(1)} MiB, ${kb(p.heap.slope)} KiB/step (${p.heap.verdict}) `
    + `| ${kb(p.stored.first)} -> ${kb(p.stored.last)} KiB, ${kb(p.stored.medianStep)} KiB/step (${p.stored.verdict}) | ${(p.wasmHeap.last / MIB).toFixed(0)} MiB | ${p.wallS.toFixed(0)} s |`;
  console.log('\n| part | steps | tensors after warm-up | tensor bytes | JS heap (after gc) | stored (IndexedDB) | wasm memory | wall |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(row('search (per candidate)', search));
  console.log(row('one-shot (per epoch)', oneshot));
  const x = oneshot.extra;
  const back = (p: PartReport) => `heap ${(p.heapCheck.before / MIB).toFixed(1)} MiB before, ${(p.series[p.warmup].heapUsed / MIB).toFixed(1)} after the warm-up, ${(p.heapCheck.afterRun / MIB).toFixed(1)} after the run, ${(p.heapCheck.afterDelete / MIB).toFixed(1)} once it was deleted (about ${kb(p.heapCheck.freedApproxBytes)} KiB stored)`;
  console.log(`search: ${back(search)}`);
  console.log(`one-shot: ${back(oneshot)}`);
  console.log(`one-shot checkpoint: tensors ${kb(x.checkpointTensorBytes.first)} KiB (${x.checkpointTensorBytes.verdict}), meta ${kb(x.checkpointMetaBytes.first)} -> ${kb(x.checkpointMetaBytes.last)} KiB; run record ${kb(x.runRecordBytes.medianStep)} KiB/epoch (${x.runRecordBytes.verdict})`);
  console.log(`report: ${opts.out}`);
  // Exit 1 only on the exact invariants (the heap's verdict is a judgement, reported above).
  const leak = [search.tensors, search.tensorBytes, oneshot.tensors, oneshot.tensorBytes, x.checkpointTensorBytes].some((r) => r.verdict === 'GROWS');
  if (leak) console.log('LEAK: tensors or checkpoint tensors grow after the warm-up');
  return leak ? 1 : 0;
}
