/**
 * The headless runner's run file (issue 13, item 8): `--out run.json` writes format 'nas-playground-run' with
 * lineage and the checkpoint, and `--resume run.json --budget N` continues it: 6 candidates then 4 more give
 * exactly the uninterrupted 10-candidate run (tabular NB201 evaluator, regularized evolution with lineage).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseRunFile, type RunFile } from '../../src/shared/run-file';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts', ...args], { cwd: ROOT, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const read = (f: string): RunFile => parseRunFile(JSON.parse(readFileSync(f, 'utf8')));

describe('run file: --out and --resume', () => {
  it('6 candidates, then --resume to 10, equals an uninterrupted 10-candidate run (candidates, lineage, checkpoint)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-runfile-'));
    const cfg = join(dir, 'evo.json');
    writeFileSync(cfg, JSON.stringify({
      version: 3, name: 'evo', space: 'nb201', strategy: { name: 'evolution', options: { populationSize: 3, sampleSize: 2 } }, seed: 7, budget: { queries: 10 },
      evaluator: { kind: 'tabular', table: '../shared/benchmarks/nb201/nb201-cifar10-valid.csv' },
    }));
    const full = join(dir, 'full.json');
    const part = join(dir, 'part.json');
    const r1 = await cli(['--config', cfg, '--out', full]);
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await cli(['--config', cfg, '--budget', '6', '--out', part]);
    expect(r2.code, r2.stderr).toBe(0);
    const six = read(part);
    expect(six.format).toBe('nas-playground-run');
    expect(six.candidates).toHaveLength(6);
    expect(six.checkpoint?.nextId).toBe(6);
    const r3 = await cli(['--resume', part, '--budget', '10']);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stderr).toMatch(/resuming run file .* after 6 candidates/);
    const resumed = read(part);
    const whole = read(full);
    expect(resumed.candidates).toHaveLength(10);
    expect(resumed.candidates).toEqual(whole.candidates);
    expect(resumed.checkpoint).toEqual(whole.checkpoint);
    expect(r3.stdout.trim().split('\n').at(-1)).toBe(r1.stdout.trim().split('\n').at(-1));
    // Lineage: the first 3 are random, every later child names an earlier candidate.
    expect(whole.candidates.slice(0, 3).every((c) => c.parents.length === 0)).toBe(true);
    expect(whole.candidates.slice(3).every((c) => c.parents.length === 1 && c.parents[0] < c.id)).toBe(true);
  }, 300_000);

  it('rejects a bad run file and mixed flags with specific messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-runfile-bad-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'something-else', version: 1 }));
    const r = await cli(['--resume', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('format: format must be "nas-playground-run"');
    const mixed = await cli(['--resume', bad, '--seed', '3']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--resume continues the run file\'s own config; it takes only --budget and --out (drop --seed)');
  }, 120_000);
});
