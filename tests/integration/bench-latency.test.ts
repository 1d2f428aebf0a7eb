/**
 * The latency row (`npm run bench -- --suite latency --smoke`: one tiny NB201 table on Node wasm, validated on 4
 * fresh networks with the round-robin protocol) writes a report of the documented shape: per run the shares, tau,
 * the worst cases, the table-fit shares, the two measurement records and the load. No figure is asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LatencyReport } from '../../bench/latency';

const ROOT = path.resolve(import.meta.dirname, '../..');
const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const share = (v: unknown) => finite(v) && (v as number) >= 0 && (v as number) <= 1;

describe('bench/run.ts --suite latency --smoke', () => {
  it('builds, validates and reports one run with its measurement records and load', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-latency-'));
    const out = path.join(dir, 'latency.json');
    try {
      const stdout = execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'bench/run.ts', '--suite', 'latency', '--smoke', '--out', out], {
        cwd: ROOT, stdio: 'pipe', timeout: 240_000, encoding: 'utf8',
      });
      expect(stdout).toMatch(/node \(cpu clock\) run 1: within ±5% \d+%, ±10% \d+%, Kendall tau/);
      const r = JSON.parse(readFileSync(out, 'utf8')) as LatencyReport;
      expect(r).toMatchObject({ version: 1, suite: 'latency', mode: 'smoke', missing: [] });
      expect(r.plan).toMatchObject({ runs: 1, samples: 4, fit: 3, skeleton: { channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3] } });
      expect(r.runs).toHaveLength(1);
      const run = r.runs[0];
      expect(run).toMatchObject({ where: 'node', clock: 'cpu', run: 1 });
      for (const v of [run.within5, run.within10, run.tableFit!.within5, run.tableFit!.within10]) expect(share(v)).toBe(true);
      expect(run.within10).toBeGreaterThanOrEqual(run.within5);
      expect(run.worst).toHaveLength(3);
      for (const w of run.worst) expect(finite(w.errorPct) && w.measuredMs > 0 && w.predictedMs > 0).toBe(true);
      // smoke rounds: 3..5 timed rounds for the table and for the validation
      for (const m of [run.build!, run.validation!]) {
        expect(m.rounds).toBeGreaterThanOrEqual(3);
        expect(m.rounds).toBeLessThanOrEqual(5);
        expect(m.unstable).toBeLessThanOrEqual(m.items);
      }
      expect(run.validation!.items).toBe(3 + 4);
      for (const v of [run.kendallTau, run.driftRatio, run.fit!.a, run.loadAvg1m.start, run.loadAvg1m.end, r.machine.loadAvg1m.end]) expect(finite(v)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
