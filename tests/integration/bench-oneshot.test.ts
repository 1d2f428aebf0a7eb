/**
 * The one-shot epoch row (`npm run bench -- --suite oneshot --smoke`: DARTS 1st / 2nd order, PC-DARTS and SPOS on
 * the NB201 and DARTS supernets, 8x8x1, 32 + 32 images, batch 16, through the product's runOneShotSearch on Node wasm,
 * against the PyTorch twin when Debian's python3-torch is installed) writes a report of the documented shape in which
 * both sides ran every case, every phase figure is finite, and the twin is the same computation: step 0's training
 * and validation losses agree, the derived genotype (DARTS) / best ranked subnet (SPOS) is the same, and the SPOS
 * ranking the twin replays from the engine's seeds is the one the engine ranked. No timing is asserted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OneShotReport } from '../../bench/oneshot';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { timeout: 120_000 }).status === 0;
if (!hasTorch) console.warn(`bench-oneshot: ${PYTHON} cannot import torch; only the tfjs side is checked`);

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const positive = (v: unknown) => finite(v) && (v as number) > 0;
const CASES = ['darts-1st-nb201', 'darts-2nd-nb201', 'pc-darts-nb201', 'spos-nb201', 'darts-1st-darts', 'darts-2nd-darts', 'pc-darts-darts', 'spos-darts'];

describe('bench/run.ts --suite oneshot --smoke', () => {
  it('runs one epoch of every method on both supernets on both sides, with the same first losses and genotypes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-oneshot-'));
    const out = path.join(dir, 'oneshot.json');
    try {
      // One PyTorch thread count: a 2-thread PyTorch spins for seconds per tiny step on a loaded 2-core machine.
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'bench/run.ts', '--suite', 'oneshot', '--smoke',
        '--torch-threads', '1', '--out', out], { cwd: ROOT, stdio: 'pipe', timeout: 480_000 });
      const r = JSON.parse(readFileSync(out, 'utf8')) as OneShotReport;
      expect(r).toMatchObject({ version: 1, suite: 'oneshot', mode: 'smoke' });
      expect(r.machine.backend).toBe('wasm');
      expect(r.missing).toEqual([]);
      expect(r.rows.map((row) => row.case)).toEqual(CASES);
      for (const row of r.rows) {
        const spos = row.method === 'spos';
        expect(row.steps).toBe(2); // 32 train images / batch 16
        expect(row.tfjs.runs.length).toBe(1);
        const t = row.tfjs.runs[0];
        for (const v of [t.epochMs, t.weightMs, t.checkpointMs, t.checkpointBytes, t.stepMedianMs]) expect(positive(v)).toBe(true);
        for (const v of [t.setupMs, t.deriveMs, t.otherMs, ...Object.values(row.tfjs.breakdown)]) expect(finite(v)).toBe(true);
        // DARTS / PC-DARTS take architecture steps; SPOS takes none and ranks subnets (its derivation).
        expect(t.archMs > 0).toBe(!spos);
        if (spos) expect(positive(t.deriveMs)).toBe(true);
        expect(t.firstLoss.valid === null).toBe(spos);
        expect(t.arch.length).toBeGreaterThan(0);
        // SPOS: the twin ranks the subnets the engine ranked (the replay of its seeds), 3 in the smoke run.
        expect(row.plannedRanking).toEqual(spos ? t.rankedArchs : []);
        if (spos) expect(t.rankedArchs.length).toBe(3);
        if (!hasTorch) continue;
        expect(row.torch.map((p) => p.threads)).toEqual([1]);
        const p = row.torch[0].runs[0];
        expect(p.steps).toBe(2);
        for (const v of [p.epochMs, p.weightMs, p.checkpointMs, p.checkpointBytes]) expect(positive(v)).toBe(true);
        expect(p.archMs > 0).toBe(!spos);
        // The same computation: same first losses (float tolerance), same genotype out of the epoch.
        expect(Math.abs(p.firstLoss.train - t.firstLoss.train)).toBeLessThan(1e-3);
        if (!spos) expect(Math.abs(p.firstLoss.valid! - t.firstLoss.valid!)).toBeLessThan(1e-3);
        expect(row.firstLoss.absDiff).toBeLessThan(1e-3);
        expect(row.arch.torch).toBe(row.arch.tfjs);
        expect(positive(row.ratios[0].ratio)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 500_000);
});
