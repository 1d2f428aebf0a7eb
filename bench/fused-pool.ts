/**
 * The supernet fast path's fused SIMD kernels (src/engine/accel/fused/lanes.ts lane lists of wasm/fused-module.ts) at DARTS-cell
 * shapes, one thread (every call one lane, setAccelOptions({ fusedLanes: { enabled: false } })) against the kernel pool (Node
 * worker_threads on a standalone shared memory), side by side: median of 30 calls, the better of two alternations.
 * Prints per shape [n, h, w, c] each kernel's one-thread time and the speed-up on the pool (x > 1: faster split).
 *   npx tsx --tsconfig tsconfig.node.json bench/fused-pool.ts [threads=2]
 */
import { Worker } from 'node:worker_threads';
import { createKernelPool, type HelperPort } from '../src/engine/accel/pool/kernel-pool';
import { FUSED_FUNCTIONS, fusedModuleBytes, simdKernelsFor } from '../src/engine/accel/wasm/fused-module';
import * as P from '../src/engine/accel/fused/lanes';
import { setAccelOptions } from '../src/engine/accel';

const spawn = (src: string): HelperPort => { const w = new Worker(src, { eval: true }); return { postMessage: (m) => w.postMessage(m), onMessage: (cb) => { w.on('message', cb); }, terminate: () => { void w.terminate(); } }; };
const memory = new WebAssembly.Memory({ initial: 2048, maximum: 2048, shared: true });
const heap = () => new Float32Array(memory.buffer);
const k = simdKernelsFor(memory)!;
let sp = 64 << 20;
const withScratch = <T>(n: number, fn: (p: number) => T): T => { const p = sp; sp += n * 4 + 64; try { return fn(p); } finally { sp = p; } };

async function main() {
  const threads = Number(process.argv[2] ?? 2);
  const pool = await createKernelPool({ memory, threads, modules: [{ bytes: fusedModuleBytes(true), functions: FUSED_FUNCTIONS }], spawn, timeoutMs: 20000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  const h = heap(); for (let i = 0; i < (48 << 20) / 4; i++) h[i] = Math.sin(i) * 0.5;
  const one = P.fusedRun(k, null, withScratch, heap);
  const par = P.fusedRun(k, { run: (l) => pool!.run(l) }, withScratch, heap);
  const MB = 1 << 20;
  for (const [n, hh, c] of [[32, 8, 16], [32, 4, 32], [32, 16, 16], [64, 16, 16]] as const) {
    const cnt = n * hh * hh; const size = cnt * c;
    const [x, y, z, wt, m, s] = [0, 8 * MB, 16 * MB, 24 * MB, 25 * MB, 26 * MB];
    const cases: [string, (r: P.FusedRun) => void][] = [
      ['dwConv3', (r) => r.run(P.dwConvLanes(c % 16 ? 'dwConv' : 'dwConv16', x, wt, y, n, hh, hh, c, 3, 1, 1, 1))],
      ['dwConv5', (r) => r.run(P.dwConvLanes(c % 16 ? 'dwConv' : 'dwConv16', x, wt, y, n, hh, hh, c, 5, 1, 2, 1))],
      ['gemm', (r) => r.run(P.gemmLanes('gemm16', x, wt, y, cnt, c, c))],
      ['gemmTA', (r) => P.gemmTAP(r, 'gemmTA16', x, z, y, cnt, c, c)],
      ['dwgrad3', (r) => r.run(P.dwFilterGradLanes('dwgTap16', x, z, y, n, hh, hh, c, 3, 1, 1))],
      ['dwgrad5', (r) => r.run(P.dwFilterGradLanes('dwgTap16', x, z, y, n, hh, hh, c, 5, 1, 1))],
      ['colSum', (r) => P.colSumP(r, x, y, cnt, c)],
      ['colSum2', (r) => P.colSum2P(r, x, z, y, y + 4 * c, cnt, c)],
      ['normalize', (r) => r.run(P.normalizeLanes(x, m, s, y, cnt, c))],
      ['bnDx', (r) => r.run(P.bnDxLanes(x, z, m, s, s, y, cnt, c))],
      ['pool3', (r) => r.run(P.pool3Lanes(x, y, n, hh, hh, c, 1))],
      ['maxGrad', (r) => r.run(P.maxPool3GradLanes(x, z, x, y, wt, n, hh, hh, c))],
      ['wsum8', (r) => r.run(P.weightedSumLanes([x, z, x, z, x, z, x, z], [1, 2, 3, 4, 5, 6, 7, 8], y, size))],
      ['dot8', (r) => { P.dotScaleP(r, x, [x, z, x, z, x, z, x, z], [y, y, y, y, y, y, y, y], [1, 2, 3, 4, 5, 6, 7, 8], size); }],
    ];
    const line: string[] = [];
    for (const [name, f] of cases) {
      const t = (r: P.FusedRun, split: boolean) => { setAccelOptions({ fusedLanes: { enabled: split } }); const ts: number[] = []; for (let i = 0; i < 30; i++) { const t0 = performance.now(); f(r); ts.push(performance.now() - t0); } ts.sort((a, b) => a - b); return ts[15]; };
      t(one, false); t(par, true);
      const a = t(one, false), b = t(par, true), a2 = t(one, false), b2 = t(par, true);
      const base = Math.min(a, a2), p = Math.min(b, b2);
      line.push(`${name} ${(base * 1000).toFixed(0)}us x${(base / p).toFixed(2)}`);
    }
    console.log(`[${n},${hh},${hh},${c}]: ${line.join(' | ')}`);
  }
  pool!.dispose();
  process.exit(0);
}
void main();
