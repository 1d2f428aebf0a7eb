/**
 * The "search + re-train" benchmark row (`bench/run.ts --suite search-retrain --smoke`: a seconds-long budget, tiny
 * subsets) runs end to end — npm run search stopped at its deadline, npm run finalists, the PyTorch hand-designed CNN
 * when Debian's python3-torch is installed — and reports the documented fields. No figure or timing is asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchRetrainReport } from '../../bench/search-retrain';
import { epochUnits, FORWARD_SHARE, planRetrainEpochs, RETRAIN_FIXED_S } from '../../bench/search-retrain-budget';

const ROOT = path.resolve(import.meta.dirname, '../..');
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const fraction = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;

describe('bench/run.ts --suite search-retrain', () => {
  it('plans the re-training epochs from a timed calibration epoch to fit the remaining time', () => {
    // Calibration: 10 s for 900 train + 300 forward-only images = 1,000 units -> 10 ms per unit; the full epoch is
    // 7,000 train + 1,500 forward images = 7,500 units -> 75 s for the first finalist, 150 s for one twice as costly.
    const calibration = { seconds: 10, work: { trainImages: 900, forwardImages: 300 } };
    const full = { trainImages: 7000, forwardImages: 1500 };
    expect(epochUnits(calibration.work)).toBeCloseTo(900 + 300 * FORWARD_SHARE, 9);
    const perEpoch = (10 / epochUnits(calibration.work)) * epochUnits(full) * 3;
    const p = planRetrainEpochs({ remainingS: RETRAIN_FIXED_S + 4.5 * perEpoch, calibration, full, scale: [1, 2] });
    expect(p.secondsPerEpoch).toBeCloseTo(perEpoch, 9);
    expect(p.epochs).toBe(4);
    expect(p.estimatedS).toBeCloseTo(RETRAIN_FIXED_S + 4 * perEpoch, 9);
    // Never below one epoch, even with no time left; never above the recipe's limit.
    expect(planRetrainEpochs({ remainingS: -5, calibration, full, scale: [1] }).epochs).toBe(1);
    expect(planRetrainEpochs({ remainingS: 1e9, calibration, full, scale: [1], maxEpochs: 30 }).epochs).toBe(30);
    expect(() => planRetrainEpochs({ remainingS: 60, calibration, full, scale: [] })).toThrow(/no finalist/);
    expect(() => planRetrainEpochs({ remainingS: 60, calibration, full, scale: [Number.NaN] })).toThrow(/relative cost/);
  });

  it('runs the search, the finalists stage and the PyTorch CNN and reports the comparison', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-search-retrain-'));
    const out = path.join(dir, 'report.json');
    try {
      const stdout = execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'bench/run.ts', '--suite', 'search-retrain', '--smoke', '--out', out], {
        cwd: ROOT, encoding: 'utf8', stdio: 'pipe', timeout: 280_000,
      });
      const r = JSON.parse(readFileSync(out, 'utf8')) as SearchRetrainReport;
      expect(r.suite).toBe('search-retrain');
      expect(r.mode).toBe('smoke');
      expect(r.budget.searchS).toBeLessThan(r.budget.perSideS);
      expect(r.data).toEqual({ train: 256, valid: 128, test: 1500 });

      const e = r.engine;
      expect(e, r.missing.join('; ')).not.toBeNull();
      if (!e) return;
      expect(e.search.queries).toBeGreaterThanOrEqual(1);
      expect(e.search.feasible).toBeGreaterThanOrEqual(1);
      expect(e.retrain.plan.epochs).toBeGreaterThanOrEqual(1);
      expect(positive(e.retrain.calibration.seconds)).toBe(true);
      expect(e.finalists.length).toBe(1);
      for (const v of [e.search.wallS, e.retrain.wallS, e.wallS, e.best.params, e.best.macs, e.best.epochs]) expect(positive(v)).toBe(true);
      expect(e.best.params).toBeLessThan(100_000); // the config's constraint: every feasible candidate is under 100K
      expect(fraction(e.best.test_acc)).toBe(true);
      expect(fraction(e.best.valid_acc)).toBe(true);
      expect(e.best.epochs).toBeLessThanOrEqual(e.retrain.plan.epochs); // early stopping may end it sooner

      if (r.torch) {
        expect(r.torch.params).toBe(65_834);
        expect(positive(r.torch.macs)).toBe(true);
        expect(positive(r.torch.epochs)).toBe(true);
        expect(r.torch.test.count).toBe(1500);
        expect(fraction(r.torch.test.accuracy)).toBe(true);
        expect(r.comparison).not.toBeNull();
        expect(['searched', 'hand-designed', 'tie']).toContain(r.comparison?.winner);
        expect(r.comparison?.testAccDiffPp).toBeCloseTo((e.best.test_acc - r.torch.test.accuracy) * 100, 9);
        expect(stdout).toMatch(/winner: (searched|hand-designed|tie)/);
      } else {
        expect(r.missing.join(' ')).toMatch(/PyTorch/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
