/**
 * The memory soak row (`bench/run.ts --suite soak --smoke`: 12 candidates, 4 one-shot epochs) runs the workers' own
 * sessions end to end and reports every documented series with its verdict. Tensors after the warm-up are asserted
 * flat (an exact invariant, also asserted by tests/unit/soak-leak.test.ts); no heap figure or timing is asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PartReport, SoakReport } from '../../bench/soak';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('bench/run.ts --suite soak', () => {
  it('samples tensors, heap and stored bytes per candidate and per epoch and judges each series', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-soak-'));
    const out = path.join(dir, 'soak.json');
    try {
      const stdout = execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'bench/run.ts', '--suite', 'soak', '--smoke', '--out', out], {
        cwd: ROOT, encoding: 'utf8', stdio: 'pipe', timeout: 280_000,
      });
      expect(stdout).toMatch(/\| search \(per candidate\) \| 12 \|/);
      const r = JSON.parse(readFileSync(out, 'utf8')) as SoakReport;
      expect(r.suite).toBe('soak');
      expect(r.options).toEqual({ count: 12, epochs: 4, smoke: true });
      const check = (p: PartReport, steps: number) => {
        expect(p.series.map((s) => s.index)).toEqual(Array.from({ length: steps }, (_, i) => i + (p === r.search ? 0 : 1)));
        expect(p.tensors.verdict).toBe('flat');
        expect(p.tensorBytes.verdict).toBe('flat');
        expect(p.stored.verdict).toBe('linear');
        expect(p.stored.medianStep).toBeGreaterThan(0);
        expect(['flat', 'linear in stored', 'GROWS']).toContain(p.heap.verdict);
        expect(p.heapCheck.freedApproxBytes).toBeGreaterThan(0);
        for (const s of p.series) expect(s.heapUsed).toBeGreaterThan(0);
      };
      check(r.search, 12);
      check(r.oneshot, 4);
      expect(r.oneshot.extra.checkpointTensorBytes.verdict).toBe('flat');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
