/** The headless runner with the training evaluator: real tfjs training (WASM) on the built-in MNIST subset. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm run search with evaluator.kind "train"', () => {
  it('trains candidates, writes the run log and prints the summary line', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'nas-cli-')), 'run.json');
    const stdout = execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts', '--config', 'examples/mnist-train-random.json', '--budget', '2', '--seed', '4', '--out', out],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 },
    );
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary.strategy).toBe('random');
    expect(summary.seed).toBe(4);
    expect(summary.queries).toBe(2);
    expect(summary.best.arch).toMatch(/^\|[a-z_0-9]+~0\|\+/);
    expect(summary.best.valid_acc).toBeGreaterThan(0);
    expect(summary.best.valid_acc).toBeLessThanOrEqual(100);
    const run = JSON.parse(readFileSync(out, 'utf8'));
    expect(run.log).toHaveLength(2);
    for (const entry of run.log) {
      expect(entry.metrics.params).toBeGreaterThan(0);
      expect(entry.metrics.flops).toBeGreaterThan(0);
      expect(entry.metrics.latency_ms).toBeGreaterThan(0);
      expect(Number.isFinite(entry.metrics.train_loss)).toBe(true);
    }
  });
});
