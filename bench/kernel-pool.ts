/**
 * The engine's conv kernels alone, one thread vs the kernel pool (src/engine/accel/pool/kernel-pool.ts) under Node, on a
 * standalone shared WebAssembly.Memory with node:worker_threads helpers: forward conv, filter and input gradient of
 * the small CNN's second conv (64 x 26 x 26 x 16 -> 32, 3x3 valid) and smaller shapes, alternating one thread and the
 * pool per round so load drift hits both alike; checks that the pooled results are bit-identical. Prints one JSON line
 * per shape with medians, the pooled / one-thread time ratio per round and the 1-minute load average.
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/kernel-pool.ts [threads] [rounds]
 * (without the flag the kernels use plain SIMD instead of relaxed-SIMD FMA)
 */
import os from 'node:os';
import { median } from '../src/engine/util/stats';
import { Worker } from 'node:worker_threads';
import { conv2dOnHeap, convGeometry, filterGradOnHeap, inputGradOnHeap } from '../src/engine/accel/kernels/wasm-conv-grad';
import { createKernelPool, type HelperPort } from '../src/engine/accel/pool/kernel-pool';
import { attachKernelPool, detachKernelPool } from '../src/engine/accel/pool/registry';
import { convGradSimdStandalone, convSimdModule } from '../src/engine/accel/wasm/conv-module';

const threads = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 5);
const SHAPES: [number, number, number, number][] = [[64, 26, 16, 32], [64, 28, 1, 16], [32, 16, 16, 16], [32, 8, 16, 16]]; // n, h=w, cin, cout

const heap = convGradSimdStandalone(2048, true);
if (!heap) throw new Error('no SIMD WebAssembly in this Node');
const { memory, kernels: simd } = heap;
const spawn = (src: string): HelperPort => {
  const w = new Worker(src, { eval: true });
  return { postMessage: (m) => w.postMessage(m), onMessage: (cb) => { w.on('message', cb); }, terminate: () => { void w.terminate(); } };
};
const pool = await createKernelPool({ memory, threads, modules: [convSimdModule(simd.fma, true)], spawn, timeoutMs: 20_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
if (!pool) throw new Error('threads must be >= 2');
const time = (fn: () => void, reps: number) => { const t: number[] = []; for (let r = 0; r < reps; r++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); } return median(t); };

console.log(JSON.stringify({ threads, fma: simd.fma, cores: os.cpus().length }));
for (const [n, h, cin, cout] of SHAPES) {
  const gm = convGeometry([n, h, h, cin], [3, 3, cin, cout], { strides: 1, pad: 'valid' });
  const nx = n * h * h * cin, nw = 9 * cin * cout, ny = n * gm.oh * gm.ow * cout;
  const px = 1 << 16, pw = px + nx * 4, pdy = pw + nw * 4, py = pdy + ny * 4, pdw = py + ny * 4, pdx = pdw + nw * 4, pwt = pdx + nx * 4;
  const f = heap.heap();
  for (let i = 0; i < nx + nw + ny; i++) f[px / 4 + i] = Math.sin(i * 0.37);
  const kernels = {
    forward: () => conv2dOnHeap(memory, simd, gm, px, pw, py),
    filterGrad: () => filterGradOnHeap(memory, simd, gm, px, pdy, pdw),
    inputGrad: cin % 4 === 0 ? () => inputGradOnHeap(memory, simd, gm, pdy, pw, pwt, pdx) : null,
  };
  const snap = () => { const u = new Uint32Array(memory.buffer); return [u.slice(py / 4, py / 4 + ny), u.slice(pdw / 4, pdw / 4 + nw), u.slice(pdx / 4, pdx / 4 + nx)]; };
  const runAll = () => { for (const k of Object.values(kernels)) k?.(); };
  runAll();
  const one = snap();
  attachKernelPool(memory, pool, simd.fma);
  runAll();
  const many = snap();
  detachKernelPool(memory);
  const identical = one.every((a, k) => a.every((v, i) => v === many[k][i]));
  for (const [name, fn] of Object.entries(kernels)) {
    if (!fn) continue;
    const t1: number[] = [], tp: number[] = [], ratio: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const a = time(fn, 5);
      attachKernelPool(memory, pool, simd.fma);
      const b = time(fn, 5);
      detachKernelPool(memory);
      t1.push(a); tp.push(b); ratio.push(+(b / a).toFixed(2));
    }
    console.log(JSON.stringify({
      shape: `${n}x${h}x${h}x${cin}->${cout}`, kernel: name, macs: n * gm.oh * gm.ow * 9 * cin * cout, bitIdentical: identical,
      oneThreadMs: +median(t1).toFixed(3), poolMs: +median(tp).toFixed(3), poolOverOne: +(median(tp) / median(t1)).toFixed(3),
      perRound: ratio, loadAvg1m: +os.loadavg()[0].toFixed(2),
    }));
  }
}
pool.dispose();
process.exit(0);
