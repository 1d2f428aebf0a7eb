/**
 * The candidate row (`npm run bench -- --suite candidate --smoke`: one NB201 C16 N1 28x28x1 candidate on 64 train
 * images, through the product's train setup and evaluator on Node wasm, against the engine's PyTorch export of the same
 * network when Debian's python3-torch is installed) writes a report of the documented shape in which both sides ran
 * and every figure is finite. No timing is asserted: speed figures are for people, not tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CandidateReport } from '../../bench/candidate';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { timeout: 120_000 }).status === 0;
if (!hasTorch) console.warn(`bench-candidate: ${PYTHON} cannot import torch; only the tfjs side is checked`);

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const positive = (v: unknown) => finite(v) && (v as number) > 0;

describe('bench/run.ts --suite candidate --smoke', () => {
  it('evaluates the smallest case on both sides and writes the row with its tfjs breakdown', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-candidate-'));
    const out = path.join(dir, 'candidate.json');
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'bench/run.ts', '--suite', 'candidate', '--smoke', '--out', out], {
        cwd: ROOT, stdio: 'pipe', timeout: 240_000,
      });
      const r = JSON.parse(readFileSync(out, 'utf8')) as CandidateReport;
      expect(r).toMatchObject({ version: 1, suite: 'candidate', mode: 'smoke' });
      expect(r.machine.backend).toBe('wasm');
      expect(r.missing).toEqual([]);
      expect(r.rows.map((row) => row.case)).toEqual(['nb201-c16-n1-28x28x1']);
      const row = r.rows[0];
      expect(row.inputShape).toEqual([28, 28, 1]);
      expect(row.arch.length).toBeGreaterThan(0);
      expect(positive(row.params.tfjs)).toBe(true);
      // The tfjs side: one evaluation through the evaluator (every step, the epoch's validation, the latency run).
      expect(row.tfjs.runs.length).toBe(1);
      const t = row.tfjs.runs[0];
      expect(t.steps).toBe(2); // 64 images / batch 32
      for (const v of [t.totalMs, t.buildMs, t.trainMs, t.validMs, t.latencyMs, t.stepMedianMs, t.latencyMedianMs]) expect(positive(v)).toBe(true);
      for (const v of [t.setupMs, t.otherMs, t.firstStepMs, t.validAcc, ...Object.values(row.tfjs.breakdown)]) expect(finite(v)).toBe(true);
      if (hasTorch) {
        // The twin is the same network: the engine's export, so the parameter counts agree; both thread counts ran.
        expect(row.params.torch).toBe(row.params.tfjs);
        expect(r.machine.torch?.threads).toEqual([2, 1]);
        expect(row.torch.map((p) => p.threads)).toEqual([2, 1]);
        for (const p of row.torch) {
          expect(p.runs.length).toBe(1);
          expect(p.runs[0].steps).toBe(2);
          for (const v of [p.totalMs, p.runs[0].buildMs, p.runs[0].trainMs, p.runs[0].validMs, p.runs[0].latencyMs]) expect(positive(v)).toBe(true);
        }
        expect(row.ratios.map((x) => x.threads)).toEqual([2, 1]);
        for (const x of row.ratios) expect(positive(x.ratio)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 260_000);
});
