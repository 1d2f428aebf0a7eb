/**
 * What one kernel choice buys on Node wasm: training steps of the small CNN and the engine's supernets (fast path) with
 * the choice on and off, alternating in one process (A B A B ...), so the ratio is measured side by side:
 * `npx tsx --tsconfig tsconfig.node.json bench/kernel-ab.ts [--switch winograd|pointwise|optim] [--rounds 4] [--steps 10]
 * [--out PATH]`. Switches: `winograd` — Winograd convs (src/engine/accel/kernels/wasm-winograd-conv.ts) vs the direct kernels;
 * `pointwise` — the fast path's 1x1 convs as the engine's conv kernels vs the matMul form (src/engine/accel/fused/ops.ts);
 * `optim` — the supernet weight step's clipping + momentum SGD as two fused kernels (accel/fused/optim.ts) vs per-tensor ops.
 * Relaxed-SIMD FMA is used where Node has it: run with `node --experimental-wasm-relaxed-simd --import tsx
 * bench/kernel-ab.ts` to measure what Chromium runs.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { median } from '../src/engine/util/stats';
import { tf, useNodeBackend } from './node-backend';
import { createWorkload, type WorkloadSpec } from './workloads';
import { setAccelOptions } from '../src/engine/accel';
import { winogradSimdFor } from '../src/engine/accel/wasm/winograd-module';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const rounds = Number(opt('rounds', '4'));
const steps = Number(opt('steps', '10'));
const out = opt('out', '');
const which = opt('switch', 'winograd');
const SWITCHES: Record<string, (on: boolean) => void> = {
  winograd: (on) => { setAccelOptions({ winograd: { enabled: on } }); },
  pointwise: (on) => { setAccelOptions({ fused: { pointwiseAsConv: on } }); },
  optim: (on) => { setAccelOptions({ fused: { optimizer: on } }); },
};
const setSwitch = SWITCHES[which];
if (!setSwitch) throw new Error(`--switch ${which}: one of ${Object.keys(SWITCHES).join(', ')}`);

const SPECS: WorkloadSpec[] = [
  { kind: 'cnn', size: 28, batch: 64, channels: 0, impl: 'plain', seed: 1 },
  { kind: 'nb201-supernet', size: 16, batch: 32, channels: 16, impl: 'fast', seed: 1, layers: 2 },
  { kind: 'nb201-supernet', size: 32, batch: 32, channels: 16, impl: 'fast', seed: 1, layers: 1 },
  { kind: 'darts-supernet', size: 16, batch: 16, channels: 8, impl: 'fast', seed: 1, layers: 5 },
];


await useNodeBackend('wasm');
const fma = winogradSimdFor((tf.backend() as unknown as { wasm: { asm: { memory: object } } }).wasm.asm.memory)?.fma ?? false;
console.log(`${which} on/off, Node wasm (relaxed-SIMD FMA: ${fma}), ${rounds} rounds x ${steps} steps, load ${os.loadavg()[0].toFixed(2)}`);
const rows: { workload: string; onMs: number; offMs: number; ratio: number; cpuRatio: number; rounds: { on: number[]; off: number[]; cpuOn: number[]; cpuOff: number[] } }[] = [];
for (const spec of SPECS) {
  const w = createWorkload(spec);
  const on: number[] = [];
  const off: number[] = [];
  const cpuOn: number[] = [];
  const cpuOff: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const mode of [true, false]) {
      setSwitch(mode);
      await w.step(0); // warm-up after the switch
      const t: number[] = [];
      const c0 = process.cpuUsage();
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await w.step(i);
        t.push(performance.now() - t0);
      }
      const c = process.cpuUsage(c0);
      (mode ? on : off).push(median(t));
      (mode ? cpuOn : cpuOff).push((c.user + c.system) / 1000 / steps);
    }
  }
  setSwitch(true);
  w.dispose();
  const row = { workload: w.label, onMs: median(on), offMs: median(off), ratio: median(off) / median(on), cpuRatio: median(cpuOff) / median(cpuOn), rounds: { on, off, cpuOn, cpuOff } };
  rows.push(row);
  console.log(`  ${w.label.padEnd(44)} on ${row.onMs.toFixed(1).padStart(7)} ms  off ${row.offMs.toFixed(1).padStart(7)} ms  speed-up ${row.ratio.toFixed(2)}x (CPU ms ${median(cpuOn).toFixed(1)} vs ${median(cpuOff).toFixed(1)}: ${row.cpuRatio.toFixed(2)}x)`);
}
const result = { date: new Date().toISOString(), switch: which, fma, load: os.loadavg()[0], rounds, steps, rows };
if (out) writeFileSync(out, JSON.stringify(result, null, 2));
