/**
 * Node-side driver (not part of the page): threaded vs single-threaded WASM side by side. Two cross-origin-isolated
 * benchmark pages, one with the app's thread count (`wasm-isolated`), one with threads off (`wasm-isolated-1t`),
 * run the same workload in alternating order (A B, B A, ...), so load drift on a shared machine hits both alike.
 * PyTorch-interleaved rows of the same two variants come from bench/run.ts --browser-backends wasm-isolated,wasm-isolated-1t.
 *
 *   npx tsx --tsconfig tsconfig.node.json bench/browser/threads-ab.ts [rounds]
 */
import os from 'node:os';
import { BenchPage, buildBenchPage, chromiumAvailable, serve } from '../browser-runner';
import type { WorkloadSpec } from '../workloads';

const rounds = Number(process.argv[2] ?? 4);
const median = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const specs: Omit<WorkloadSpec, 'impl'>[] = [
  { kind: 'cnn', size: 28, batch: 64, channels: 0, seed: 1 },
  { kind: 'darts-mix', size: 8, batch: 32, channels: 16, seed: 2 },
  { kind: 'darts-spos', size: 8, batch: 32, channels: 16, seed: 2 },
];

async function main(): Promise<void> {
  if (!chromiumAvailable()) throw new Error('Chromium not found (CHROMIUM_PATH or /usr/bin/chromium)');
  const dir = await buildBenchPage();
  const { server, url } = await serve(dir);
  const threaded = await BenchPage.open(url, { isolated: true, webgpu: false });
  const single = await BenchPage.open(url, { isolated: true, webgpu: false });
  try {
    console.log(`threaded: ${(await threaded.init('wasm', true)).detail}`);
    console.log(`single:   ${(await single.init('wasm', false)).detail}`);
    for (const base of specs) {
      for (const impl of ['plain', 'fast'] as const) {
        const spec: WorkloadSpec = { ...base, impl };
        const key = `${base.kind}-${impl}`;
        const loss = [await threaded.call<{ loss: number }>({ cmd: 'setup', key, spec }), await single.call<{ loss: number }>({ cmd: 'setup', key, spec })].map((l) => l.loss);
        const run = (p: BenchPage) => p.call<{ times: number[]; losses: number[] }>({ cmd: 'run', key, warmup: 1, steps: 3, maxSeconds: 6, startIndex: 0 });
        const tA: number[] = [], tB: number[] = [], perRound: number[] = [], load: number[] = [];
        let stepLossDiff = 0;
        for (let r = 0; r < rounds; r++) {
          const [a, b] = r % 2 === 0 ? [await run(threaded), await run(single)] : (([y, x]) => [x, y])([await run(single), await run(threaded)]);
          tA.push(...a.times);
          tB.push(...b.times);
          perRound.push(median(a.times) / median(b.times));
          load.push(os.loadavg()[0]);
          // Only the first round starts both from the same state (a run may stop early at maxSeconds, so later rounds
          // can begin at different steps).
          if (r === 0) a.losses.forEach((l, i) => { if (i < b.losses.length) stepLossDiff = Math.max(stepLossDiff, Math.abs(l - b.losses[i]) / Math.abs(b.losses[i])); });
        }
        const ms = [median(tA), median(tB)];
        console.log(JSON.stringify({
          workload: key, firstLoss: loss, maxStepLossRelDiffRound1: stepLossDiff,
          threadedMs: +ms[0].toFixed(1), singleMs: +ms[1].toFixed(1),
          threadedImgPerS: +((base.batch * 1000) / ms[0]).toFixed(1), singleImgPerS: +((base.batch * 1000) / ms[1]).toFixed(1),
          threadedOverSingle: +(ms[0] / ms[1]).toFixed(3), perRound: perRound.map((x) => +x.toFixed(2)), loadAvg1m: load.map((x) => +x.toFixed(1)),
        }));
        await threaded.call({ cmd: 'dispose', key });
        await single.call({ cmd: 'dispose', key });
      }
    }
  } finally {
    await threaded.close();
    await single.close();
    server.close();
  }
}

await main();
