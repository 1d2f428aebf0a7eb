/**
 * Per-kernel profile of the small CNN training step (bench/workloads.ts smallCnn) on Node wasm, and its step time
 * interleaved with PyTorch (1 and 2 threads): `npx tsx --tsconfig tsconfig.node.json bench/profile-cnn.ts
 * [--batch 64] [--steps 20] [--rounds 3] [--impl plain|fast] [--no-torch] [--variants simd,fwd1,nofwd,grads,tfjs] [--micro [--cell-shapes]]`
 * (--micro: min-of-reps time of each conv kernel alone; --cell-shapes adds DARTS-cell-like convs). Variants switch the engine's
 * WASM-SIMD kernels (src/engine/accel/kernels/wasm-conv-grad.ts, wasm-reduce.ts) on and off in one process, so each
 * change is measured side by side. tf.profile's kernel list includes kernels run inside other kernels (the conv
 * gradients are built from forward convs and transposes), so nested times are also counted in their parents.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { median } from '../src/engine/util/stats';
import { tf, useNodeBackend } from './node-backend';
import { TorchClient } from './torch';
import { createWorkload, type Workload } from './workloads';
import { setAccelOptions } from '../src/engine/accel';
import { convBiasReluOptions } from './ops/conv-bias-relu';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const batch = Number(opt('batch', '64'));
const steps = Number(opt('steps', '20'));
const rounds = Number(opt('rounds', '3'));
const variants = opt('variants', 'simd,tfjs').split(',');
const withTorch = !args.includes('--no-torch');


/**
 * simd: all of the engine's wasm kernels (Winograd F(2x2,3x3) for 3x3 stride-1 convs with >= 8 channels; nowino: without it) (forward conv from 8 input channels; relaxed-SIMD FMA where the engine
 * has it: run node with --experimental-wasm-relaxed-simd on Node 20); nomeangrad: tfjs's Sum/Mean gradient (ones + mul + div)
 * instead of reduce-grad.ts's one pass; nocbr (with --impl fast): the conv + bias + ReLU layer as tfjs ops instead of
 * its wasm kernels; copyid: the same with tfjs's copying
 * Identity; nofma: without FMA; fwd1: our forward conv for every channel count; nofwd: XNNPACK's forward conv;
 * grads: the conv gradients only (tfjs's Sum/Mean, Relu gradient and Identity, XNNPACK forward); tfjs: none of
 * them (the forward-conv formulation of the gradients).
 */
const VARIANTS = ['simd', 'nowino', 'nomeangrad', 'nocbr', 'copyid', 'nofma', 'fwd1', 'nofwd', 'grads', 'tfjs'];
function setVariant(v: string): void {
  if (!VARIANTS.includes(v)) throw new Error(`unknown variant ${v} (${VARIANTS.join(' | ')})`);
  setAccelOptions({
    conv: { enabled: v !== 'tfjs', forward: v === 'simd' || v === 'nowino' || v === 'fwd1', forwardMinCin: v === 'fwd1' ? 1 : 8 },
    winograd: { enabled: v !== 'nowino' && v !== 'tfjs' },
    wasmReduce: v !== 'grads' && v !== 'tfjs',
    reluGrad: v !== 'grads' && v !== 'tfjs',
    reduceGrad: v !== 'nomeangrad' && v !== 'grads' && v !== 'tfjs',
    fma: v !== 'nofma',
    copyFreeIdentity: v !== 'copyid' && v !== 'grads' && v !== 'tfjs',
  });
  convBiasReluOptions.enabled = v !== 'nocbr' && v !== 'grads' && v !== 'tfjs';
}

/** CPU ms (user + system) used by a process so far, from /proc (Linux); NaN elsewhere. */
function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** CPU ms per step of the 1-thread PyTorch run (the python process's CPU time over warmup + steps). */
async function torchCpu(c: TorchClient, warmup: number, n: number): Promise<{ times: number[]; cpuPerStep: number }> {
  const pid = (c as unknown as { child: { pid: number } }).child.pid;
  const before = procCpuMs(pid);
  const r = await c.run('cnn', warmup, n, 20);
  return { times: r.times, cpuPerStep: (procCpuMs(pid) - before) / (warmup + r.times.length) };
}

async function timeSteps(w: Workload, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await w.step(i);
    times.push(performance.now() - t0);
  }
  return times;
}

/**
 * Per-kernel time of a step: a step runs the same kernels in the same order, so each kernel call's time is the
 * minimum over `n` profiled steps (robust to the scheduler on a shared machine), summed per kernel name.
 */
async function profile(w: Workload, n: number): Promise<void> {
  let calls: { name: string; ms: number }[] | null = null;
  for (let i = 0; i < n; i++) {
    const info = await tf.profile(async () => { await w.step(i); });
    const now = info.kernels.map((k) => ({ name: k.name, ms: Number(k.kernelTimeMs) }));
    if (calls == null || calls.length !== now.length) calls = now;
    else calls = calls.map((c, j) => ({ name: c.name, ms: Math.min(c.ms, now[j].ms) }));
  }
  const total = new Map<string, { ms: number; count: number }>();
  for (const c of calls ?? []) {
    const e = total.get(c.name) ?? { ms: 0, count: 0 };
    e.ms += c.ms;
    e.count++;
    total.set(c.name, e);
  }
  const sum = [...total.values()].reduce((acc, e) => acc + e.ms, 0);
  console.log(`  sum over kernels (nested ones counted in their parents too): ${sum.toFixed(1)} ms`);
  for (const [name, e] of [...total.entries()].sort((x, y) => y[1].ms - x[1].ms)) {
    console.log(`  ${name.padEnd(28)} ${e.ms.toFixed(2).padStart(8)} ms/step  x${e.count}`);
  }
}

/** Min-of-reps time of each conv gradient kernel of the small CNN, per variant, variants interleaved. */
async function micro(): Promise<void> {
  const layers: { name: string; x: [number, number, number, number]; w: [number, number, number, number]; pad: 'valid' | 'same' }[] = [
    { name: 'conv1', x: [batch, 28, 28, 1], w: [3, 3, 1, 16], pad: 'valid' },
    { name: 'conv2', x: [batch, 26, 26, 16], w: [3, 3, 16, 32], pad: 'valid' },
  ];
  if (args.includes('--cell-shapes')) {
    // DARTS-cell-like convs (batch 32, C=16): the stem, a 1x1 preprocessing conv, a 3x3 'same' conv.
    layers.push({ name: 'stem3x3', x: [32, 16, 16, 3], w: [3, 3, 3, 48], pad: 'same' });
    layers.push({ name: 'pre1x1', x: [32, 16, 16, 48], w: [1, 1, 48, 16], pad: 'valid' });
    layers.push({ name: 'c3x3same', x: [32, 16, 16, 16], w: [3, 3, 16, 16], pad: 'same' });
  }
  for (const l of layers) {
    const x = tf.randomNormal(l.x) as tf.Tensor4D;
    const w = tf.randomNormal(l.w) as tf.Tensor4D;
    const yShape = tf.tidy(() => tf.conv2d(x, w, 1, l.pad).shape);
    const dy = tf.randomNormal(yShape) as tf.Tensor4D;
    const kernels: [string, () => tf.Tensor][] = [
      ['forward', () => tf.conv2d(x, w, 1, l.pad)],
      ['filterGrad', () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: l.pad, dataFormat: 'NHWC', filterShape: l.w } as unknown as tf.NamedAttrMap) as tf.Tensor],
      ['inputGrad', () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides: 1, pad: l.pad, dataFormat: 'NHWC', inputShape: l.x } as unknown as tf.NamedAttrMap) as tf.Tensor],
    ];
    for (const [kname, run] of kernels) {
      if (kname === 'inputGrad' && l.x[3] < 4) continue;
      const best = new Map<string, number>();
      for (let r = 0; r < steps; r++) {
        for (const v of variants) {
          setVariant(v);
          const t0 = performance.now();
          const out = run();
          out.dataSync();
          const dt = performance.now() - t0;
          out.dispose();
          best.set(v, Math.min(best.get(v) ?? Infinity, dt));
        }
      }
      const flop = 2 * l.w[0] * l.w[1] * l.w[2] * l.w[3] * yShape[0] * yShape[1] * yShape[2];
      console.log(`  ${l.name} ${kname.padEnd(10)} ` + [...best].map(([v, ms]) => `${v} ${ms.toFixed(2)} ms (${(flop / ms / 1e6).toFixed(1)} GFLOP/s)`).join('  '));
    }
    tf.dispose([x, w, dy]);
  }
}

async function main(): Promise<void> {
  await useNodeBackend('wasm');
  if (args.includes('--micro')) {
    console.log(`conv kernels, batch ${batch}, min of ${steps} interleaved reps, load avg 1m ${os.loadavg()[0].toFixed(2)}`);
    await micro();
    return;
  }
  const spec = { kind: 'cnn' as const, size: 28, batch, channels: 0, impl: opt('impl', 'plain') === 'fast' ? 'fast' as const : 'plain' as const, seed: 1 };
  const w = createWorkload(spec);
  for (const v of variants) {
    setVariant(v);
    await timeSteps(w, 3);
    console.log(`variant ${v}: per-kernel profile (batch ${batch}, min per kernel call over 8 steps)`);
    await profile(w, 8);
  }
  const torch = withTorch ? [await TorchClient.start(1), await TorchClient.start(2)] : [];
  const clients = torch.flatMap((t) => ('client' in t ? [t.client] : []));
  for (const c of clients) await c.load('cnn', w);
  const res = new Map<string, number[]>();
  const mins = new Map<string, number>();
  const cpus = new Map<string, number[]>();
  const pushCpu = (k: string, ms: number) => cpus.set(k, [...(cpus.get(k) ?? []), ms]);
  const runTorch = async () => {
    for (const [i, c] of clients.entries()) {
      if (i === 0) {
        const r = await torchCpu(c, 2, steps);
        push('torch-1t', r.times);
        pushCpu('torch-1t', r.cpuPerStep);
      } else {
        push(`torch-${i + 1}t`, (await c.run('cnn', 2, steps, 20)).times);
      }
    }
  };
  const push = (k: string, times: number[]) => {
    res.set(k, [...(res.get(k) ?? []), median(times)]);
    mins.set(k, Math.min(mins.get(k) ?? Infinity, ...times));
  };
  for (let r = 0; r < rounds; r++) {
    await runTorch();
    for (const v of variants) {
      setVariant(v);
      await timeSteps(w, 2);
      const cpu0 = process.cpuUsage();
      push(`tfjs-${v}`, await timeSteps(w, steps));
      const cpu = process.cpuUsage(cpu0);
      pushCpu(`tfjs-${v}`, (cpu.user + cpu.system) / 1000 / steps);
    }
  }
  await runTorch();
  const load = os.loadavg()[0];
  const t1 = res.has('torch-1t') ? median(res.get('torch-1t')!) : NaN;
  const t2 = res.has('torch-2t') ? median(res.get('torch-2t')!) : NaN;
  const [m1, m2] = [mins.get('torch-1t') ?? NaN, mins.get('torch-2t') ?? NaN];
  // Under a load far above the core count, medians mostly measure the scheduler; the fastest step of each
  // (min) is the better estimate of an uncontended step, so both are printed.
  console.log(`batch ${batch}, ${rounds} interleaved rounds x ${steps} steps, load avg 1m ${load.toFixed(2)} (median of round medians | min step)`);
  for (const [k, v] of res) {
    const m = median(v);
    const mn = mins.get(k)!;
    console.log(`  ${k.padEnd(12)} ${m.toFixed(1).padStart(7)} ms/step  rounds [${v.map((x) => x.toFixed(1)).join(', ')}]  x torch1t ${(m / t1).toFixed(2)}  x torch2t ${(m / t2).toFixed(2)}` +
      `  | min ${mn.toFixed(1)} ms  x torch1t ${(mn / m1).toFixed(2)}  x torch2t ${(mn / m2).toFixed(2)}`);
  }
  // CPU time per step: what one core's work costs, insensitive to how long the scheduler kept us waiting (the
  // machine is shared); 1-thread PyTorch is the fair single-core reference.
  const c1 = cpus.has('torch-1t') ? median(cpus.get('torch-1t')!) : NaN;
  console.log('CPU ms per step (median over rounds; node: process.cpuUsage, python: /proc utime+stime):');
  for (const [k, v] of cpus) {
    const m = median(v);
    console.log(`  ${k.padEnd(12)} ${m.toFixed(1).padStart(7)} CPU ms/step  rounds [${v.map((x) => x.toFixed(1)).join(', ')}]  x torch1t ${(m / c1).toFixed(2)}`);
  }
  for (const c of clients) c.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
