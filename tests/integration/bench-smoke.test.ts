/**
 * The benchmark's smoke mode (`bench/run.ts --smoke`: Node wasm, tiny workloads, PyTorch if Debian's python3-torch
 * is installed) runs and writes a results JSON of the documented structure in which every figure is a positive
 * finite number. No timing is asserted: speed figures are for people, not tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Every number anywhere in the JSON must be finite (NaN/Infinity would be written as null, so check nulls too). */
function walkNumbers(v: unknown, at: string, out: [string, number][]): void {
  if (typeof v === 'number') out.push([at, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => walkNumbers(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkNumbers(x, `${at}.${k}`, out);
}

describe('bench/run.ts --smoke', () => {
  it('writes results with positive finite figures', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'));
    const out = path.join(dir, 'results.json');
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'bench/run.ts', '--smoke', '--out', out], {
        cwd: ROOT, stdio: 'pipe', timeout: 170_000,
      });
      const r = JSON.parse(readFileSync(out, 'utf8'));
      expect(r.version).toBe(1);
      expect(r.mode).toBe('smoke');
      expect(positive(r.machine.cpus)).toBe(true);

      // Training rows: Node wasm, every smoke workload in the plain and the fast path.
      const labels = r.training.map((t: { workload: string; impl: string }) => `${t.workload} ${t.impl}`);
      for (const w of ['cnn-b8', 'darts-mix-8x8-b4-c4', 'darts-spos-8x8-b4-c4']) {
        expect(labels).toContain(`${w} plain`);
        expect(labels).toContain(`${w} fast`);
      }
      for (const t of r.training) {
        expect(t.env).toBe('node');
        expect(t.backend).toBe('wasm');
        for (const v of [t.tfjs.medianMs, t.tfjs.minMs, t.tfjs.steps, t.kernelsPerStep, t.peakBytes, t.firstLoss.tfjs, ...t.tfjs.timesMs]) expect(positive(v)).toBe(true);
        expect(t.tfjs.timesMs.length).toBe(t.tfjs.steps);
        if (r.machine.torch) {
          // PyTorch present: every row compares against it, and the first losses agree.
          expect(t.torch.length).toBeGreaterThan(0);
          for (const p of t.torch) for (const v of [p.medianMs, p.minMs, p.steps, p.threads]) expect(positive(v)).toBe(true);
          expect(positive(t.ratioBest)).toBe(true);
          for (const x of t.ratios) expect(positive(x.ratio)).toBe(true);
          expect(t.firstLoss.absDiff).toBeLessThan(1e-3);
        } else {
          expect(r.missing.join(' ')).toMatch(/PyTorch/);
        }
      }
      // Fused fast path launches fewer kernels than the plain ops on the DARTS cell.
      const kernels = (w: string, impl: string) => r.training.find((t: { workload: string; impl: string }) => t.workload === w && t.impl === impl).kernelsPerStep;
      expect(kernels('darts-mix-8x8-b4-c4', 'fast')).toBeLessThan(kernels('darts-mix-8x8-b4-c4', 'plain'));

      expect(r.inference.length).toBeGreaterThan(0);
      for (const i of r.inference) expect(positive(i.tfjsMedianMs)).toBe(true);
      expect(r.tensorCount.numTensors.every(positive)).toBe(true);
      expect(r.tensorCount.flat).toBe(true);
      for (const v of [r.memory.darts.peakBytes, r.memory.pcDarts.peakBytes, r.memory.darts.stepMs, r.memory.pcDarts.stepMs, r.memory.ratio]) expect(positive(v)).toBe(true);

      const numbers: [string, number][] = [];
      walkNumbers(r, 'results', numbers);
      for (const [at, v] of numbers) expect(Number.isFinite(v), at).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
