/**
 * `npm run bench -- --gpu` (bench/run.ts): the Chromium rows on webgpu and wasm with the flags a machine with a real
 * GPU needs, the WebGPU adapter printed so nobody mistakes SwiftShader for a GPU (software rows are labelled), and the
 * compute dispatches of one supernet weight step and one candidate step, before and after the accel layer's WGSL
 * kernels (bench/gpu-steps.ts, counted in the page's worker by bench/browser/dispatch-count.ts).
 */
import type { BenchPage } from './browser-runner';
import type { DispatchCount } from './browser/protocol';
import type { GpuStepCase, GpuStepKind, GpuStepSize, GpuStepVariant } from './gpu-steps';

/**
 * Chromium flags for WebGPU on a real GPU under Linux: WebGPU itself (still behind a flag there), Vulkan for Dawn and
 * ANGLE, and no GPU blocklist (headless machines' drivers are often listed). The page runs in new headless mode
 * (`--headless=new`: the full browser, GPU process included).
 */
export const GPU_CHROMIUM_ARGS = ['--headless=new', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--ignore-gpu-blocklist'];

/** The adapter is Chromium's software fallback (SwiftShader), as the worker's init detail reports it. */
export function isSoftwareAdapter(detail: string): boolean {
  return /swiftshader|fallback adapter|software/i.test(detail);
}

export interface DispatchRow extends DispatchCount {
  kind: GpuStepKind;
  variant: GpuStepVariant;
  size: GpuStepSize;
}

const CASES: [GpuStepKind, GpuStepVariant[]][] = [
  ['nb201-supernet', ['plain', 'fast', 'fused']],
  ['darts-supernet', ['plain', 'fast', 'fused']],
  ['candidate', ['plain', 'fused']],
];

/** Counts every case on the page (a webgpu page); a failed case is reported through `missing` and skipped. */
export async function dispatchRows(page: BenchPage, size: GpuStepSize, log: (s: string) => void, missing: string[], only?: string): Promise<DispatchRow[]> {
  const rows: DispatchRow[] = [];
  for (const [kind, variants] of CASES) {
    if (only && !kind.includes(only)) continue;
    for (const variant of variants) {
      const c: GpuStepCase = { kind, variant, size };
      try {
        const r = await page.call<DispatchCount>({ cmd: 'dispatches', case: c });
        rows.push({ ...r, kind, variant, size });
        log(`dispatches ${r.label}: ${r.dispatches} (tfjs kernels ${r.kernels})`);
      } catch (e) {
        missing.push(`dispatches ${kind} ${variant} (${size}): ${String(e)}`);
      }
    }
  }
  return rows;
}

export function printDispatchTable(rows: readonly DispatchRow[]): void {
  if (!rows.length) return;
  console.log('\nWebGPU compute dispatches per training step (plain edges / fast edges without WGSL kernels / with them)');
  for (const kind of new Set(rows.map((r) => r.kind))) {
    const of = rows.filter((r) => r.kind === kind);
    const base = of.find((r) => r.variant === 'plain');
    console.log(`  ${kind.padEnd(15)} ${of.map((r) => `${r.variant} ${r.dispatches} (${r.kernels} kernels)${base && r !== base ? ` x${(r.dispatches / base.dispatches).toFixed(2)}` : ''}`).join(', ')}`);
  }
}
