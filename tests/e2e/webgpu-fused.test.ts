/**
 * The accel layer's WGSL kernels (src/engine/accel/webgpu/) on Chromium's software WebGPU adapter (SwiftShader, from
 * --enable-unsafe-webgpu): correctness against the plain ops on tiny shapes (values, gradients, BN running statistics,
 * whole training steps), and the compute dispatches of one supernet weight step and one candidate step, counted by
 * wrapping GPUComputePassEncoder.prototype.dispatchWorkgroups in the benchmark page's worker
 * (bench/browser/dispatch-count.ts). SwiftShader dispatches what a GPU would; its speed means nothing.
 * Runs the benchmark page (bench/browser, built here with Vite), not the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { BenchPage, buildBenchPage, serve } from '../../bench/browser-runner';
import type { DispatchCount } from '../../bench/browser/protocol';
import type { CheckResult } from '../../bench/gpu-check';
import type { GpuStepCase, GpuStepKind, GpuStepVariant } from '../../bench/gpu-steps';

let dir = '';
let server: Server | null = null;
let page: BenchPage | null = null;

beforeAll(async () => {
  dir = await buildBenchPage();
  const s = await serve(dir);
  server = s.server;
  page = await BenchPage.open(s.url, { isolated: false, webgpu: true });
  const info = await page.init('webgpu', false);
  console.log(`[e2e] webgpu: ${info.detail}`);
  if (!info.ok) throw new Error(`webgpu did not start: ${info.detail}`);
}, 300_000);

afterAll(async () => {
  await page?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('WebGPU fused kernels (SwiftShader adapter)', () => {
  it('equal the plain ops: values, gradients, running statistics, training steps', { timeout: 600_000 }, async () => {
    const results = await page!.call<CheckResult[]>({ cmd: 'gpu-check' });
    for (const r of results) console.log(`[e2e] ${r.name}: ${r.count} values, max |diff| ${r.maxAbsDiff.toExponential(2)} (scale ${r.scale.toFixed(3)})`);
    expect(results.map((r) => r.name)).toHaveLength(8);
    for (const r of results) {
      expect(r.count, r.name).toBeGreaterThan(0);
      expect(r.scale, r.name).toBeGreaterThan(0);
      expect(r.maxAbsDiff, r.name).toBeLessThanOrEqual(2e-4 * Math.max(1, r.scale));
    }
  });

  it('dispatches of one step are counted, and the WGSL kernels cut them', { timeout: 1_200_000 }, async () => {
    const count = async (kind: GpuStepKind, variant: GpuStepVariant): Promise<DispatchCount> => {
      const c: GpuStepCase = { kind, variant, size: 'tiny' };
      const r = await page!.call<DispatchCount>({ cmd: 'dispatches', case: c });
      console.log(`[e2e] ${r.label}: ${r.dispatches} dispatches, ${r.kernels} tfjs kernels, loss ${r.loss.toFixed(5)}; top ${JSON.stringify(r.topKernels.slice(0, 4))}`);
      expect(r.dispatches, r.label).toBeGreaterThan(0);
      expect(r.kernels, r.label).toBeGreaterThan(0);
      expect(Number.isFinite(r.loss), r.label).toBe(true);
      return r;
    };
    // NB201 only: a DARTS supernet step (14 edges x 8 ops per cell, 5 cells) takes many minutes on SwiftShader on a
    // busy machine; its counts come from `npm run bench -- --gpu` (bench/RESULTS.md).
    const kind = 'nb201-supernet';
    const plainEdges = await count(kind, 'plain');
    const fast = await count(kind, 'fast');
    const fusedEdges = await count(kind, 'fused');
    expect(fast.dispatches, 'fast edges vs plain edges').toBeLessThanOrEqual(plainEdges.dispatches);
    expect(fusedEdges.dispatches, 'WGSL kernels vs fast edges without them').toBeLessThan(fast.dispatches);
    // Same weights, same batch, same step: the WGSL kernels change the loss only by float rounding.
    expect(Math.abs(fusedEdges.loss - fast.loss), 'supernet loss').toBeLessThan(1e-4);
    const plain = await count('candidate', 'plain');
    const fused = await count('candidate', 'fused');
    expect(fused.dispatches, 'candidate: fast path with WGSL kernels vs plain').toBeLessThan(plain.dispatches);
    expect(Math.abs(fused.loss - plain.loss), 'candidate: loss').toBeLessThan(1e-4);
  });
});
