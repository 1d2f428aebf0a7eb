/**
 * Node-side driver (not part of the page): WASM thread variants side by side in Chromium's dedicated worker, each set
 * up by workers/backend.ts as in the app, on three cross-origin-isolated benchmark pages:
 *   1t      threads off (WASM option `threads: false`): tfjs and the engine's kernels on one thread
 *   tfjs    tfjs's threaded build (XNNPACK threads) WITHOUT the engine's kernel pool (`kernelPool: false`)
 *   pool    tfjs's threaded build WITH the kernel pool: the engine's conv kernels split across the same thread count
 *   poolx1  the threaded build with 1 XNNPACK thread (`xnnpackThreads: 1`) and the kernel pool on the app's
 *           thread count: only the engine's conv kernels are split (no XNNPACK pool threads competing for the cores)
 * The variants run the same workload in rotating order (1t tfjs pool, tfjs pool 1t, pool 1t tfjs, ...), so load drift on
 * a shared machine hits them alike. Prints one JSON line per workload (medians, ratios per round, 1-minute load average)
 * and writes them all to the output file.
 *
 *   npx tsx --tsconfig tsconfig.node.json bench/browser/threads-ab.ts [rounds] [--out bench/_scratch/threads-ab.json] [--only SUBSTRING]
 *     [--no-winograd]   (every variant without the engine's Winograd convs: the direct conv kernels take every conv)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median } from '../../src/engine/util/stats';
import os from 'node:os';
import { BenchPage, buildBenchPage, chromiumAvailable, serve } from '../browser-runner';
import type { WorkloadSpec } from '../workloads';
import type { InitInfo } from './protocol';

const args = process.argv.slice(2);
const flag = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const rounds = Number(args.find((a, i) => /^\d+$/.test(a) && !(args[i - 1] ?? '').match(/^--(out|only)$/)) ?? 4);
const out = flag('--out') ?? 'bench/_scratch/threads-ab.json';
const only = flag('--only');
const winograd = !args.includes('--no-winograd');

const specs: Omit<WorkloadSpec, 'impl'>[] = [
  { kind: 'cnn', size: 28, batch: 64, channels: 0, seed: 1 },
  { kind: 'darts-mix', size: 8, batch: 32, channels: 16, seed: 2 },
  { kind: 'darts-spos', size: 8, batch: 32, channels: 16, seed: 2 },
];
const VARIANTS = ['1t', 'tfjs', 'pool', 'poolx1'] as const;
type Variant = (typeof VARIANTS)[number];

async function main(): Promise<void> {
  if (!chromiumAvailable()) throw new Error('Chromium not found (CHROMIUM_PATH or /usr/bin/chromium)');
  const dir = await buildBenchPage();
  const { server, url } = await serve(dir);
  const pages = {} as Record<Variant, BenchPage>;
  const rows: unknown[] = [];
  try {
    const setup: Record<Variant, { wasmThreads: boolean; kernelPool: boolean; xnnpackThreads?: number }> = {
      '1t': { wasmThreads: false, kernelPool: false },
      tfjs: { wasmThreads: true, kernelPool: false },
      pool: { wasmThreads: true, kernelPool: true },
      poolx1: { wasmThreads: true, kernelPool: true, xnnpackThreads: 1 },
    };
    const inits = {} as Record<Variant, InitInfo>;
    for (const v of VARIANTS) {
      pages[v] = await BenchPage.open(url, { isolated: true, webgpu: false });
      inits[v] = await pages[v].call<InitInfo>({ cmd: 'init', backend: 'wasm', ...setup[v], winograd }, 120_000);
      console.log(`${v.padEnd(6)} ${inits[v].detail} [kernel pool threads: ${inits[v].kernelPoolThreads ?? '?'}]`);
    }
    if ((inits.pool.kernelPoolThreads ?? 1) < 2) console.warn('warning: the pool variant has no kernel pool; see its detail line');
    for (const base of specs) {
      for (const impl of ['plain', 'fast'] as const) {
        const key = `${base.kind}-${impl}`;
        if (only && !key.includes(only)) continue;
        if (base.kind !== 'cnn' && impl === 'plain') continue; // the plain DARTS cell launches ~10k kernels a step: not what the pool is for
        const spec: WorkloadSpec = { ...base, impl };
        const firstLoss = {} as Record<Variant, number>;
        for (const v of VARIANTS) firstLoss[v] = (await pages[v].call<{ loss: number }>({ cmd: 'setup', key, spec })).loss;
        const run = (v: Variant) => pages[v].call<{ times: number[]; losses: number[] }>({ cmd: 'run', key, warmup: 1, steps: 4, maxSeconds: 8, startIndex: 0 });
        const times = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
        const perRound: Record<string, number>[] = [];
        const load: number[] = [];
        let stepLossDiff = 0;
        for (let r = 0; r < rounds; r++) {
          const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
          const res = {} as Record<Variant, { times: number[]; losses: number[] }>;
          for (const v of order) res[v] = await run(v);
          for (const v of VARIANTS) times[v].push(...res[v].times);
          const m = (v: Variant) => median(res[v].times);
          perRound.push({
            tfjsOver1t: +(m('tfjs') / m('1t')).toFixed(2), poolOver1t: +(m('pool') / m('1t')).toFixed(2),
            poolOverTfjs: +(m('pool') / m('tfjs')).toFixed(2), poolx1Over1t: +(m('poolx1') / m('1t')).toFixed(2),
          });
          load.push(+os.loadavg()[0].toFixed(1));
          // Round 1 starts every variant from the same state: step losses must agree (threads only split the work).
          if (r === 0) {
            for (const v of ['tfjs', 'pool', 'poolx1'] as const) {
              res[v].losses.forEach((l, i) => {
                const b = res['1t'].losses[i];
                if (b !== undefined) stepLossDiff = Math.max(stepLossDiff, Math.abs(l - b) / Math.abs(b));
              });
            }
          }
        }
        const ms = Object.fromEntries(VARIANTS.map((v) => [v, median(times[v])])) as Record<Variant, number>;
        const row = {
          workload: key, winograd, batch: base.batch, threads: inits.pool.wasmThreads, kernelPoolThreads: inits.pool.kernelPoolThreads,
          firstLoss, maxStepLossRelDiffRound1: stepLossDiff,
          ms: Object.fromEntries(VARIANTS.map((v) => [v, +ms[v].toFixed(1)])),
          imgPerS: Object.fromEntries(VARIANTS.map((v) => [v, +((base.batch * 1000) / ms[v]).toFixed(1)])),
          tfjsOver1t: +(ms.tfjs / ms['1t']).toFixed(3), poolOver1t: +(ms.pool / ms['1t']).toFixed(3), poolOverTfjs: +(ms.pool / ms.tfjs).toFixed(3),
          poolx1Over1t: +(ms.poolx1 / ms['1t']).toFixed(3),
          perRound, loadAvg1m: load,
        };
        rows.push(row);
        console.log(JSON.stringify(row));
        for (const v of VARIANTS) await pages[v].call({ cmd: 'dispose', key });
      }
    }
  } finally {
    for (const v of VARIANTS) await pages[v]?.close();
    server.close();
  }
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cores: os.cpus().length, rounds, winograd, rows }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

await main();
