/**
 * Where one Search-tab candidate's time goes (issue 16 item 2), and the fast candidate path against the plain ops,
 * interleaved in one process: for each genotype, the fast path, the plain ops (`fused.candidate` off) and, for NB201,
 * the PyTorch twin (bench/candidate_torch.py, one run per thread count given) take turns (the order alternates per
 * repetition), each timing set-up, the training steps (1 epoch), BN recalibration (8 batches), validation and the
 * latency runs of TrainEvaluator's recipe. Random images (the timings do not depend on the pixels). Node wasm
 * backend, one thread, the engine's training kernels installed.
 *
 *   npx tsx --tsconfig tsconfig.node.json bench/candidate-profile.ts [--space nb201|darts|mobile] [--shape 28x28x1]
 *     [--cells 1] [--images 1024] [--valid 256] [--genotypes 2 | --genotype TEXT] [--reps 1] [--torch-threads 1,2] [--json out.json]
 */
import { tf, useNodeBackend } from './node-backend';
import { withAccelOptions } from '../src/engine/accel';
import { spaceEntry } from '../src/engine/space/table';
import { trainNetwork, accuracy, DEFAULT_TRAIN_OPTIONS } from '../src/engine/evaluator/train';
import { DEFAULT_LATENCY_OPTIONS, measureLatency } from '../src/engine/profiler/latency';
import { createRng } from '../src/engine/util/rng';
import type { TensorSplit } from '../src/engine/evaluator/tensors';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { nb201FromString, nb201ToString, type Nb201Genotype } from '../src/engine/space/nb201/space';
import { loadavg } from 'node:os';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const spaceId = arg('space', 'nb201') as 'nb201' | 'darts' | 'mobile';
const images = Number(arg('images', '1024'));
const reps = Number(arg('reps', '2'));
const cells = Number(arg('cells', '1'));
const validCount = Number(arg('valid', '256'));
const genotypes = Number(arg('genotypes', '2'));
const torchThreads = arg('torch-threads', '1,2').split(',').filter(Boolean).map(Number);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const shape = arg('shape', '28x28x1').split('x').map(Number) as [number, number, number];

function split(count: number, seed: number): TensorSplit {
  const rng = createRng(seed);
  const x = tf.tensor4d(Float32Array.from({ length: count * shape[0] * shape[1] * shape[2] }, () => rng.next() * 2 - 1), [count, ...shape]);
  const y = tf.tensor1d(Int32Array.from({ length: count }, () => Math.floor(rng.next() * 10)), 'int32');
  return { x, y, count };
}

interface Phases { build: number; train: number; steps: number; recalib: number; valid: number; latency: number; total: number; loss: number; acc: number;
  /** The candidate's latency_ms metric (median of the batch-1 runs). */
  latencyMs?: number }

const entry = spaceEntry(spaceId);

async function profile(g: unknown, genotypeSeed: number, train: TensorSplit, valid: TensorSplit): Promise<Phases> {
  const skeleton = entry.runSkeleton({ channels: 16, cellsPerStage: cells }, shape, 10);
  const t0 = performance.now();
  const net = entry.buildNetwork(g, skeleton, createRng(genotypeSeed + 1));
  const t1 = performance.now();
  const opts = { ...DEFAULT_TRAIN_OPTIONS, epochs: 1, batchSize: 64, bnRecalibrationBatches: 0 };
  const r = await trainNetwork(net, train, valid, { ...opts, learningRate: 0.05 }, createRng(3));
  const t2 = performance.now();
  // Recalibration as train.ts runs it (8 training-mode forwards of a batch), timed apart.
  const { recalibrateBatchNorm } = await import('../src/engine/supernet/bn-recalibrate');
  recalibrateBatchNorm(net.buffers, 8, (i) => {
    net.forward(tf.slice(train.x, [(i * 64) % (train.count - 63), 0, 0, 0], [64, -1, -1, -1]) as tf.Tensor4D, true);
  });
  const t3 = performance.now();
  const acc = await accuracy(net, valid, 256);
  const t4 = performance.now();
  const input = tf.zeros([1, ...shape]) as tf.Tensor4D;
  const lat = await measureLatency(async () => {
    const y = tf.tidy(() => net.forward(input, false));
    await y.data();
    y.dispose();
  }, 1, { ...DEFAULT_LATENCY_OPTIONS, now: () => performance.now() });
  const info = await tf.profile(() => tf.tidy(() => net.forward(input, false)));
  tf.dispose(info.result as tf.Tensor);
  input.dispose();
  const t5 = performance.now();
  net.dispose();
  return { build: t1 - t0, train: t2 - t1, steps: Math.ceil(train.count / 64), recalib: t3 - t2, valid: t4 - t3, latency: t5 - t4, total: t5 - t0, loss: r.finalTrainLoss, acc, latencyMs: lat.medianMs };
}

/** The PyTorch twin of an NB201 candidate on the same recipe (its own process; it times its phases itself). */
function torchProfile(g: Nb201Genotype, threads: number): Phases {
  const args = [path.join(import.meta.dirname, 'candidate_torch.py'), nb201ToString(g), '16', String(cells), ...shape.map(String),
    String(images), String(validCount), '64', String(threads)];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (r.status !== 0) throw new Error(`candidate_torch.py failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Phases;
}

async function main(): Promise<void> {
  await useNodeBackend('wasm');
  const train = split(images, 1);
  const valid = split(validCount, 2);
  const rows: { mode: string; seed: number; p: Phases }[] = [];
  const modes: string[] = ['fast', 'plain', ...(spaceId === 'nb201' ? torchThreads.map((t) => `torch${t}`) : [])];
  for (let rep = 0; rep < reps; rep++) {
    for (let gi = 0; gi < genotypes; gi++) {
      const seed = 101 * (gi + 1);
      const given = arg('genotype', '');
      const g = given ? entry.checkGenotype(spaceId === 'nb201' ? nb201FromString(given) : JSON.parse(given)) : entry.open({ space: spaceId }).sample(createRng(seed));
      for (const mode of rep % 2 === 0 ? modes : [...modes].reverse()) {
        const p = mode.startsWith('torch')
          ? torchProfile(g as Nb201Genotype, Number(mode.slice(5)))
          : await withAccelOptions({ fused: { candidate: mode === 'fast' } }, () => profile(g, seed, train, valid));
        rows.push({ mode, seed, p });
        console.log(`${mode.padEnd(5)} seed ${seed}: build ${p.build.toFixed(0)} ms, train ${p.train.toFixed(0)} ms (${(p.train / p.steps).toFixed(1)} ms/step), recalib ${p.recalib.toFixed(0)}, valid ${p.valid.toFixed(0)}, latency ${p.latency.toFixed(0)} (median ${p.latencyMs?.toFixed(2) ?? '-'} ms); loss ${p.loss.toFixed(4)} acc ${p.acc.toFixed(3)}`);
      }
    }
  }
  const sum = (mode: string, k: 'train' | 'recalib' | 'valid' | 'latency' | 'total') => rows.filter((r) => r.mode === mode).reduce((s, r) => s + r.p[k], 0);
  for (const k of ['train', 'recalib', 'valid', 'latency', 'total'] as const) {
    const vsTorch = modes.filter((m) => m.startsWith('torch')).map((m) => `fast/${m} ${(sum('fast', k) / sum(m, k)).toFixed(2)}, plain/${m} ${(sum('plain', k) / sum(m, k)).toFixed(2)}`);
    console.log(`${k}: fast/plain = ${(sum('fast', k) / sum('plain', k)).toFixed(3)} (${sum('fast', k).toFixed(0)} / ${sum('plain', k).toFixed(0)} ms)${vsTorch.length ? '; ' + vsTorch.join('; ') : ''}`);
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const out = arg('json', '');
  if (out) writeFileSync(out, JSON.stringify({ space: spaceId, images, valid: validCount, shape, cells, rows, load: loadavg() }, null, 1));
  tf.dispose([train.x, train.y, valid.x, valid.y]);
}

void main();
