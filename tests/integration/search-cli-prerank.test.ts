import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The headless runner with strategy.options.prerank (zero-cost warm start), tabular mode: the proxy is
// scored at the tiny NB201 skeleton on seeded random inputs, and each pool candidate's score is logged.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('npx', ['tsx', '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts', ...args], { cwd: ROOT, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const config = (options: object) => ({
  version: 1,
  space: 'nb201',
  strategy: { name: 'evolution', options },
  seed: 4,
  budget: { queries: 15 },
  evaluator: { kind: 'tabular', table: '../shared/benchmarks/nb201/nb201-cifar10-valid.csv' },
});

describe('scripts/search.ts with a zero-cost warm start', () => {
  it('evolution + naswot warm start: the first P candidates carry zc_naswot, best first; the same run twice is identical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-cli-prerank-'));
    const cfg = join(dir, 'warm.json');
    writeFileSync(cfg, JSON.stringify(config({ populationSize: 6, prerank: { proxy: 'naswot', pool: 12 } })));
    const runs = [];
    for (const k of [0, 1]) {
      const out = join(dir, `run${k}.json`);
      const r = await cli(['--config', cfg, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('warm start: naswot on a pool of 12, top 6 first; scored at the tiny NB201 skeleton');
      runs.push(JSON.parse(readFileSync(out, 'utf8')) as { log: { arch: string; metrics: Record<string, number> }[] });
    }
    const log = runs[0].log;
    expect(log).toHaveLength(15);
    const zc = log.slice(0, 6).map((e) => e.metrics.zc_naswot);
    for (const z of zc) expect(Number.isFinite(z)).toBe(true);
    expect(zc).toEqual(zc.slice().sort((a, b) => b - a));
    expect(runs[1].log.map((e) => e.arch)).toEqual(log.map((e) => e.arch));
  }, 240_000);

  it('a bad prerank option exits 2 with the option named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-cli-prerank-'));
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify(config({ prerank: { proxy: 'snip', pool: 10 } })));
    const r = await cli(['--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('prerank.proxy must be one of: synflow, naswot, jacob_cov, grad_norm');
  }, 120_000);
});
