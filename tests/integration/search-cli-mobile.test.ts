/**
 * The headless runner on a user-defined mobile space (examples/mobile-train-random.json): real tfjs training
 * (WASM) on the built-in MNIST subset; every genotype respects the restriction. Plus the space field's forms
 * and errors in the search config (a name, a config object, a tabular evaluator on a non-NB201 space).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseRunConfig, RunConfigError } from '../../src/shared/run-config';
import { mobileFromString } from '../../src/engine/space/mobile/space';
import { parseSpaceConfig } from '../../src/shared/space-config';

const root = path.resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts', ...args], { cwd: root, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const issuesOf = (input: unknown): readonly string[] => {
  try {
    parseRunConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(RunConfigError);
    return (e as RunConfigError).issues;
  }
  throw new Error('expected a RunConfigError');
};

const base = { strategy: { name: 'random' }, budget: { queries: 2 } };

describe('search config: the space field', () => {
  it('takes a name or a config object and stores it normalised', () => {
    expect(parseRunConfig({ ...base, evaluator: { kind: 'train' } }).space).toEqual(parseSpaceConfig({ space: 'nb201' }));
    expect(parseRunConfig({ ...base, space: 'darts', evaluator: { kind: 'train' } }).space).toEqual(parseSpaceConfig({ space: 'darts' }));
    const example = JSON.parse(readFileSync(path.join(root, 'examples/mobile-train-random.json'), 'utf8'));
    expect(parseRunConfig(example).space).toEqual(parseSpaceConfig(example.space));
  });

  it('reports space problems with their path, and a tabular evaluator on another space', () => {
    expect(issuesOf({ ...base, space: { space: 'mobile', widths: [16, -1], blocks: ['conv'] }, evaluator: { kind: 'train' } })).toEqual([
      'space.blocks[0]: "conv" is not a valid block type (allowed: ds, mb)',
      'space.widths[1]: width must be at least 1, got -1',
    ]);
    expect(issuesOf({ ...base, space: 'mobile', evaluator: { kind: 'tabular', table: 'x.csv' } })[0]).toMatch(/^evaluator: the tabular evaluator .* needs space "nb201"; this config searches "mobile"/);
    expect(issuesOf({ ...base, space: 'darts', evaluator: { kind: 'train', channels: 5 } })[0]).toMatch(/^evaluator\.channels: the DARTS skeleton needs an even C/);
  });
});

describe('npm run search on a user-defined mobile space', () => {
  it('trains each candidate, and every genotype respects the restriction', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-cli-mobile-'));
    const out = path.join(dir, 'run.json');
    const r = await cli(['--config', 'examples/mobile-train-random.json', '--budget', '2', '--seed', '5', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/space Mobile macro space, 32,768 genotypes/);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ strategy: 'random', seed: 5, queries: 2 });
    const run = JSON.parse(readFileSync(out, 'utf8'));
    expect(run.config.space).toMatchObject({ space: 'mobile', stages: 3, widths: [8, 16], expansions: [3] });
    expect(run.log).toHaveLength(2);
    for (const entry of run.log) {
      const g = mobileFromString(entry.arch);
      expect(g.stages.map((s) => s.stride)).toEqual([1, 2, 2]);
      for (const s of g.stages) {
        expect([8, 16]).toContain(s.width);
        expect([1, 2]).toContain(s.depth);
        expect(s.block === 'ds' ? s.expand === 1 : s.expand === 3).toBe(true);
      }
      expect(entry.metrics.params).toBeGreaterThan(0);
      expect(entry.metrics.flops).toBeGreaterThan(0);
      expect(entry.metrics.peak_activation_bytes).toBeGreaterThan(0);
      expect(entry.metrics.latency_ms).toBeGreaterThan(0);
      expect(Number.isFinite(entry.metrics.train_loss)).toBe(true);
    }
  }, 240_000);

  it('rejects a tabular evaluator on a mobile space with exit status 2 and a clear message', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-cli-mobile-'));
    const cfg = path.join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ ...base, space: { space: 'mobile', blocks: ['ds'] }, evaluator: { kind: 'tabular', table: 'x.csv' } }));
    const r = await cli(['--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the tabular evaluator looks candidates up in a NAS-Bench-201 table, so it needs space "nb201"/);
  }, 60_000);
});
