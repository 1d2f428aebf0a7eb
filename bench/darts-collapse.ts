/**
 * DARTS collapse on a tiny proxy, and the cost of PC-DARTS against DARTS. A benchmark, not a test:
 *   npx tsx bench/darts-collapse.ts                       # collapse experiment, default budget (~minutes)
 *   npx tsx bench/darts-collapse.ts --epochs 40 --train 512 --variants plain,entropy,dropout
 *   npx tsx bench/darts-collapse.ts --cost                # DARTS vs PC-DARTS step time and peak memory only
 * Options: --backend wasm|cpu (wasm), --epochs N, --train N (search-train samples; as many for search-valid),
 *   --batch N, --channels C, --size S (image side, multiple of 4), --arch-lr X, --w-lr X, --seed N,
 *   --variants list of plain|entropy|entropy-neg|dropout|dropout-all, --eigen-every N (plain run only), --json FILE.
 *
 * Collapse experiment: first-order DARTS on the NB201 space (shared alphas, affine-free BN) on an MNIST-10k subset
 * (public/datasets/mnist-10k, centre 24x24 crop average-pooled to 12x12, the 10k split 50/50 into search-train and
 * search-valid as DARTS does), from the same initial weights and alphas for every variant:
 *   plain        no anti-collapse measure
 *   entropy      + entropy regularisation, lambda = +0.1 (pushes every edge towards one op)
 *   entropy-neg  lambda = -0.1 (keeps edges mixed; the opposite sign, for comparison)
 *   dropout      + operation dropout p = 0.3 on parameter-free ops (P-DARTS style)
 *   dropout-all  + operation dropout p = 0.2 on every op
 * Per epoch it logs the derived genotype (argmax incl. 'none', as NB201's DARTS), the number of parameter-free edges
 * (none/skip/pool) in it, the mean softmax mass on parameter-free ops, and the search accuracy; for the plain run it
 * also reports where the DARTS+ rules (>= 2 skips, ranking stable 3 epochs) would have stopped and, with
 * --eigen-every, the RobustDARTS Hessian eigenvalue.
 */
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every gradient (and the cpu backend) in a way that loads under plain Node ESM.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { install } from '../src/engine/accel';
import { loadIdxDataset } from '../src/engine/data/idx';
import type { ImageDataset } from '../src/engine/data/types';
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../src/engine/evaluator/tensors';
import { buildNb201Supernet } from '../src/engine/supernet/nb201-supernet';
import { buildDartsSupernet } from '../src/engine/supernet/darts-supernet';
import { earlyStopCheck, INITIAL_EARLY_STOP, NO_ANTI_COLLAPSE, rankingSignature, type AntiCollapseOptions } from '../src/engine/supernet/anti-collapse';
import type { OneShotEvent } from '../src/engine/supernet/events';
import { DartsSearch } from '../src/engine/oneshot/darts';
import { compareStepCost, type StepCost } from '../src/engine/oneshot/pc-darts';
import type { Nb201Genotype } from '../src/engine/space/nb201/space';
import { createRng } from '../src/engine/util/rng';

const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const num = (name: string, fallback: number): number => Number(arg(name, String(fallback)));

const backend = arg('backend', 'wasm');
const epochs = num('epochs', 30);
const trainCount = num('train', 256);
const batch = num('batch', 64);
const channels = num('channels', 4);
const size = num('size', 12);
const archLr = num('arch-lr', 3e-3);
const wLr = num('w-lr', 0.025);
const seed = num('seed', 1);
const eigenEvery = num('eigen-every', 0);
const variants = arg('variants', 'plain,entropy,dropout').split(',');
const jsonOut = arg('json', '');

async function setup(): Promise<void> {
  if (backend === 'wasm') setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  await tf.ready();
  install();
}

/** MNIST-10k, centre-cropped to 24x24 and average-pooled by 24/size. */
async function mnist(): Promise<ImageDataset> {
  const dir = path.resolve('public/datasets/mnist-10k');
  const ds = await loadIdxDataset(
    { name: 'images.idx3-ubyte.gz', bytes: new Uint8Array(readFileSync(path.join(dir, 'images.idx3-ubyte.gz'))) },
    { name: 'labels.idx1-ubyte.gz', bytes: new Uint8Array(readFileSync(path.join(dir, 'labels.idx1-ubyte.gz'))) },
    'mnist-10k',
  );
  const f = 24 / size;
  if (!Number.isInteger(f)) throw new Error('--size must divide 24');
  const out = new Uint8Array(ds.count * size * size);
  for (let n = 0; n < ds.count; n++) {
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) {
      let s = 0;
      for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) s += ds.images[n * 784 + (2 + r * f + i) * 28 + (2 + c * f + j)];
      out[n * size * size + r * size + c] = Math.round(s / (f * f));
    }
  }
  return { ...ds, shape: [size, size, 1], images: out };
}

function splits(ds: ImageDataset): { train: TensorSplit; valid: TensorSplit } {
  const order = createRng(1234).shuffle(Array.from({ length: ds.count }, (_, i) => i));
  const tr = order.slice(0, trainCount);
  const va = order.slice(trainCount, 2 * trainCount);
  const stats = channelStats(ds, tr);
  return { train: toTensorSplit(ds, tr, stats), valid: toTensorSplit(ds, va, stats) };
}

const PARAM_FREE = new Set(['none', 'skip_connect', 'avg_pool_3x3']);

interface EpochLog {
  epoch: number;
  arch: string;
  paramFreeEdges: number;
  skips: number;
  paramFreeMass: number;
  skipMass: number;
  noneMass: number;
  validAcc: number;
  eigenvalue: number | null;
  /** DARTS+ ranking signature of the alphas. */
  signature: string;
  seconds: number;
}

const VARIANTS: Record<string, Partial<AntiCollapseOptions>> = {
  plain: {},
  entropy: { entropyWeight: 0.1 },
  'entropy-neg': { entropyWeight: -0.1 },
  dropout: { opDropout: 0.3, opDropoutTarget: 'parameter-free' },
  'dropout-all': { opDropout: 0.2, opDropoutTarget: 'all' },
};

async function runVariant(name: string, data: { train: TensorSplit; valid: TensorSplit }): Promise<EpochLog[]> {
  const anti = VARIANTS[name];
  if (!anti) throw new Error(`unknown variant ${name} (${Object.keys(VARIANTS).join(', ')})`);
  const net = buildNb201Supernet({ skeleton: { inputShape: [size, size, 1], numClasses: 10, channels, cellsPerStage: 1 } }, createRng(seed));
  const s = new DartsSearch<Nb201Genotype>(net, data, {
    epochs, batchSize: batch, learningRate: wLr, seed,
    arch: { learningRate: archLr },
    antiCollapse: { ...anti, eigenvalueEvery: name === 'plain' ? eigenEvery : 0, eigenIterations: 8, eigenBatchSize: 64 },
  });
  const logs: EpochLog[] = [];
  let t0 = performance.now();
  let acc = 0;
  let alphas: number[][] = [];
  const eig: { value: number | null } = { value: null };
  const onEvent = (e: OneShotEvent<Nb201Genotype>) => {
    if (e.type === 'epoch') acc = e.validAcc ?? NaN;
    if (e.type === 'alphas') alphas = e.alphas;
    if (e.type === 'eigenvalue') eig.value = e.value;
    if (e.type === 'genotype') {
      const ops = e.genotype.ops;
      const mass = (pred: (op: string) => boolean) => alphas.reduce((m, row) => m + row.reduce((x, w, k) => x + (pred(net.ops[k]) ? w : 0), 0), 0) / alphas.length;
      const log: EpochLog = {
        epoch: e.epoch, arch: e.arch,
        paramFreeEdges: ops.filter((o) => PARAM_FREE.has(o)).length,
        skips: ops.filter((o) => o === 'skip_connect').length,
        paramFreeMass: mass((o) => PARAM_FREE.has(o)),
        skipMass: mass((o) => o === 'skip_connect'),
        noneMass: mass((o) => o === 'none'),
        validAcc: acc, eigenvalue: null, signature: rankingSignature([alphas], net.ops), seconds: (performance.now() - t0) / 1000,
      };
      logs.push(log);
    }
  };
  while (s.status === 'running') {
    eig.value = null;
    const before = logs.length;
    await s.step({ onEvent });
    if (logs.length > before) {
      const log = logs[logs.length - 1];
      log.eigenvalue = eig.value as number | null; // set by onEvent during step()
      console.log(`${name.padEnd(11)} ep ${String(log.epoch).padStart(3)}  acc ${log.validAcc.toFixed(1).padStart(5)}  param-free edges ${log.paramFreeEdges}/6 (skips ${log.skips})  mass: param-free ${log.paramFreeMass.toFixed(3)} skip ${log.skipMass.toFixed(3)} none ${log.noneMass.toFixed(3)}${log.eigenvalue !== null ? `  eig ${log.eigenvalue.toFixed(3)}` : ''}  ${log.arch}  (${log.seconds.toFixed(0)} s)`);
      t0 = performance.now();
    }
  }
  s.dispose();
  net.dispose();
  return logs;
}

/** Where the DARTS+ rules would have stopped a run, from its per-epoch genotypes and signatures. */
function dartsPlusStops(logs: EpochLog[]): { skips: number | null; stable: number | null } {
  let st = INITIAL_EARLY_STOP;
  let skips: number | null = null;
  let stable: number | null = null;
  logs.forEach((l) => {
    const r1 = earlyStopCheck({ ...NO_ANTI_COLLAPSE, maxSkips: 2 }, st, { genotype: { ops: l.arch.match(/[a-z_0-9]+(?=~)/g) ?? [] }, signature: l.signature, eigenvalue: null, epochsDone: l.epoch + 1 });
    const r2 = earlyStopCheck({ ...NO_ANTI_COLLAPSE, stableEpochs: 3 }, st, { genotype: { ops: [] }, signature: l.signature, eigenvalue: null, epochsDone: l.epoch + 1 });
    st = r2.state;
    if (skips === null && r1.reason) skips = l.epoch;
    if (stable === null && r2.reason) stable = l.epoch;
  });
  return { skips, stable };
}

async function costs(): Promise<void> {
  const now = () => performance.now();
  const x = await mnist();
  const data = splits(x);
  const fmt = (c: StepCost) => `${c.msPerStep.toFixed(0)} ms/step, peak step memory ${(c.peakStepBytes / 2 ** 20).toFixed(2)} MiB, ${c.kernels} kernels`;
  const opts = { batchSize: 32, learningRate: wLr };
  for (const [label, build] of [
    ['NB201 supernet C=16, 1 cell/stage', (pc: boolean) => buildNb201Supernet({ skeleton: { inputShape: [size, size, 1], numClasses: 10, channels: 16, cellsPerStage: 1 }, partialChannels: pc ? 4 : 1, edgeNormalization: pc }, createRng(seed))],
    ['DARTS supernet C=8, 3 cells', (pc: boolean) => buildDartsSupernet({ skeleton: { inputShape: [size, size, 1], numClasses: 10, channels: 8, layers: 3, stemMultiplier: 3 }, partialChannels: pc ? 4 : 1, edgeNormalization: pc }, createRng(seed))],
  ] as const) {
    const r = await compareStepCost<unknown>(build as (pc: boolean) => never, data, opts, { steps: 3, warmup: 1, now });
    console.log(`${label} (${backend}, batch 32, ${size}x${size}):`);
    console.log(`  DARTS     ${fmt(r.darts)}`);
    console.log(`  PC-DARTS  ${fmt(r.pcDarts)}  (K = 4, edge normalisation)`);
    console.log(`  PC/DARTS: memory x${r.memoryRatio.toFixed(2)}, time x${r.timeRatio.toFixed(2)}`);
  }
  disposeSplit(data.train);
  disposeSplit(data.valid);
}

async function main(): Promise<void> {
  await setup();
  if (argv.includes('--cost')) return costs();
  const ds = await mnist();
  const data = splits(ds);
  console.log(`DARTS collapse proxy: NB201 space, MNIST ${size}x${size}, ${trainCount}+${trainCount} samples, C=${channels}, batch ${batch}, ${epochs} epochs x ${Math.ceil(trainCount / batch)} steps, arch lr ${archLr}, weight lr ${wLr}, ${backend}`);
  const all: Record<string, EpochLog[]> = {};
  for (const v of variants) {
    all[v] = await runVariant(v, data);
  }
  console.log('\nsummary (last epoch):');
  for (const [v, logs] of Object.entries(all)) {
    const l = logs[logs.length - 1];
    const first = logs[0];
    console.log(`  ${v.padEnd(11)} param-free edges ${first.paramFreeEdges} -> ${l.paramFreeEdges}/6, skip mass ${first.skipMass.toFixed(3)} -> ${l.skipMass.toFixed(3)}, none mass ${first.noneMass.toFixed(3)} -> ${l.noneMass.toFixed(3)}, acc ${l.validAcc.toFixed(1)}  ${l.arch}`);
  }
  const plain = all.plain;
  if (plain) {
    const stops = dartsPlusStops(plain);
    console.log(`  DARTS+ on the plain run: >= 2 skips first at epoch ${stops.skips ?? 'never'}; alpha ranking stable for 3 epochs first at epoch ${stops.stable ?? 'never'}`);
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ config: { backend, epochs, trainCount, batch, channels, size, archLr, wLr, seed }, runs: all }, null, 1));
  disposeSplit(data.train);
  disposeSplit(data.valid);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
