import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('npx', ['tsx', '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts', ...args], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const lastLine = (s: string) => s.trim().split('\n').at(-1)!;

describe('scripts/search.ts', () => {
  it('runs regularized evolution on the NB201 table and prints the summary as the last stdout line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-cli-'));
    const out = join(dir, 'run.json');
    const r = await cli(['--config', 'examples/nb201-evolution.json', '--budget', '50', '--seed', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(lastLine(r.stdout)) as { strategy: string; seed: number; queries: number; best: { arch: string; valid_acc: number; test_acc: number } };
    expect(summary.strategy).toBe('evolution');
    expect(summary.seed).toBe(3);
    expect(summary.queries).toBe(50);
    expect(summary.best.arch).toMatch(/^\|[a-z_0-9]+~0\|\+/);
    expect(summary.best.valid_acc).toBeGreaterThan(85);
    expect(summary.best.test_acc).toBeGreaterThan(80);
    expect(r.stderr).toMatch(/100%\s+50 queries/);
    const run = JSON.parse(readFileSync(out, 'utf8')) as { log: { id: number; arch: string; objective: number; best_so_far: number }[]; best: { id: number } };
    expect(run.log.length).toBe(50);
    expect(run.log.map((e) => e.id)).toEqual([...Array(50).keys()]);
    expect(run.log.at(-1)!.best_so_far).toBe(summary.best.valid_acc);
    expect(run.log.find((e) => e.id === run.best.id)!.arch).toBe(summary.best.arch);

    // Same seed, same result; --strategy switches the strategy.
    const again = await cli(['--config', 'examples/nb201-evolution.json', '--budget', '50', '--seed', '3']);
    expect(lastLine(again.stdout)).toBe(lastLine(r.stdout));
    const rnd = await cli(['--config', 'examples/nb201-evolution.json', '--budget', '20', '--strategy', 'random']);
    expect(JSON.parse(lastLine(rnd.stdout))).toMatchObject({ strategy: 'random', seed: 0, queries: 20 });
  });

  it('fails with exit status 2 and a specific message for bad arguments and configs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-cli-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ strategy: { name: 'evolution', options: { populationSize: 4, sampleSize: 9 } }, budget: { queries: 5 }, evaluator: { kind: 'tabular', table: 'x.csv' } }));
    const a = await cli(['--config', bad]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('strategy.options: evolution.sampleSize: sampleSize (9) must be <= populationSize (4)');
    const b = await cli(['--config', 'examples/nb201-evolution.json', '--budget', 'many']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--budget must be an integer >= 1, got "many"');
    const c = await cli(['--config', 'examples/nb201-evolution.json', '--table', join(dir, 'missing.csv')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('cannot read table');
  });
});
