/**
 * `npm run search` with a one-shot config (scripts/oneshot-cli.ts via the dispatch in scripts/search.ts): the same
 * engine run as the One-shot worker (engine/search/oneshot-run.ts) under Node on WASM, with tiny shapes — DARTS on
 * the DARTS-cell supernet and SPOS on the mobile macro-space supernet (ranking + Kendall-tau check) — the run log,
 * and the summary line; --out is a one-shot run file with hashes and supernet lineage, which --resume refuses with
 * the reason; bad configs exit with status 2 and a specific message.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spaceEntry } from '../../src/engine/space/table';
import { supernetConfigHash } from '../../src/shared/oneshot-lineage';
import { parseOneShotRunFile } from '../../src/shared/oneshot-run-file';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'nas-oneshot-cli-'));
const tsx = [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts'];

/** The example config, shrunk to a few images and one small cell. */
function tiny(example: string, patch: Record<string, unknown>): string {
  const cfg = { ...JSON.parse(readFileSync(path.join(root, 'examples', example), 'utf8')), trainSamples: 32, validSamples: 32, batchSize: 16, epochs: 1, ...patch };
  const file = path.join(dir, `${example}`);
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}

function run(args: string[], name = `run-${Math.random().toString(36).slice(2)}.json`): { summary: Record<string, any>; log: Record<string, any> } {
  const out = path.join(dir, name);
  const stdout = execFileSync(process.execPath, [...tsx, ...args, '--out', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 400_000 });
  return { summary: JSON.parse(stdout.trim().split('\n').at(-1)!), log: JSON.parse(readFileSync(out, 'utf8')) };
}

describe('npm run search with a one-shot config', () => {
  it('DARTS on the DARTS-cell supernet: epochs as queries, the derived genotype as best', () => {
    const { summary, log } = run(['--config', tiny('oneshot-darts.json', { channels: 2, layers: 1 }), '--seed', '3']);
    expect(summary).toMatchObject({ strategy: 'darts', seed: 3, queries: 1, queries_unit: 'epochs' });
    expect(summary.best.arch).toMatch(/^Genotype\(normal=\[/);
    expect(summary.best.valid_acc).toBeGreaterThanOrEqual(0);
    expect(summary.best.test_acc).toBeNull();
    expect(log.status).toBe('done');
    expect(log.stopCause).toBe('exhausted');
    expect(log.config.space).toBe('darts');
    // The chart history the tab would store: 14 edges per cell type in the alpha snapshot.
    const edges: string[] = log.history.alphas[0].edges;
    expect(edges.filter((e) => e.startsWith('normal:'))).toHaveLength(14);
    expect(edges.filter((e) => e.startsWith('reduce:'))).toHaveLength(14);
    expect(log.history.genotypes.at(-1).arch).toBe(summary.best.arch);
  }, 420_000);

  it('SPOS on the mobile supernet: subnets as queries, ranked best first, Kendall-tau check', () => {
    const { summary, log } = run(['--config', tiny('oneshot-spos-mobile.json', { channels: 4, mobile: { stages: 2, widths: [4, 8], depths: [1, 2] }, spos: { subnets: 4, flopsPenalty: 0.5, topK: 2, rankingCheck: 2, rankingCheckEpochs: 1 } })], 'spos-out.json');
    expect(summary).toMatchObject({ strategy: 'spos', seed: 1, queries: 4, queries_unit: 'subnets' });
    expect(summary.best.arch).toMatch(/^(ds|mb\d)_k\d(_se)?_w\d+_d\d_s\d\|/);
    expect(summary.best.arch).toBe(log.history.ranked[0].arch);
    expect(summary.best.valid_acc).toBe(log.history.ranked[0].accuracy);
    const objectives: number[] = log.history.ranked.map((r: { objective: number }) => r.objective);
    expect(objectives).toEqual([...objectives].sort((a, b) => b - a));
    expect(log.rankingCheck.n).toBe(2);
    expect(Math.abs(log.rankingCheck.kendallTau)).toBeLessThanOrEqual(1);
    // --out is a one-shot run file: every ranked subnet with the mobile space's hash and the supernet it was ranked
    // in (this run, its config hash, the epoch of the weights); the top k are the result; no supernet weights.
    const file = parseOneShotRunFile(log);
    expect(file).toMatchObject({ kind: 'oneshot', version: 2, supernetWeights: 'not-included', checkpoint: null, arch: summary.best.arch });
    expect(file.candidates.map((c) => c.arch)).toEqual(log.history.ranked.map((r: { arch: string }) => r.arch));
    const space = spaceEntry('mobile').open({ ...file.config.mobile });
    for (const c of file.candidates) {
      expect(c.hash).toBe(space.hash(space.decode(c.arch)));
      expect(c.supernet).toEqual({ id: `${file.runId}/${supernetConfigHash(file.config)}@1`, runId: file.runId, configHash: supernetConfigHash(file.config), epoch: 1 });
    }
    expect(file.candidates.filter((c) => c.selected).map((c) => c.id)).toEqual([0, 1]);
    // --resume on it says why it cannot (exit 2), instead of restarting the search.
    const resume = spawnSync(process.execPath, [...tsx, '--resume', path.join(dir, 'spos-out.json')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(resume.status).toBe(2);
    expect(resume.stderr).toMatch(/is a one-shot run \(spos on the mobile supernet, 1 epochs, 4 candidates\) and cannot be resumed: Supernet weights are not in run files/);
    // The finalists stage takes the one-shot file: the selected subnets, re-trained at the supernet's skeleton,
    // tested once, each naming the supernet it was ranked in.
    const fin = execFileSync(process.execPath, [tsx[0], tsx[1], tsx[2], 'scripts/finalists.ts', '--run', path.join(dir, 'spos-out.json'), '--top', '2', '--epochs', '1', '--train-samples', '64', '--valid-samples', '32', '--no-latency'], {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 400_000,
    });
    const out = JSON.parse(fin);
    expect(out.run).toMatchObject({ strategy: 'one-shot spos', seed: 1, candidates: 4 });
    const selected = file.candidates.filter((c) => c.selected);
    expect(out.finalists.map((f: { arch: string }) => f.arch)).toEqual(selected.map((c) => c.arch));
    for (const [i, f] of out.finalists.entries()) {
      expect(f.lineage).toEqual({ supernet: selected[i].supernet.id });
      expect(f.hash).toBe(selected[i].hash);
      expect(f.test.split).toBe('test');
      expect(f.params).toBeGreaterThan(0);
    }
  }, 420_000);

  it('bad one-shot configs exit 2 with a specific message', () => {
    const bad = tiny('oneshot-spos-mobile.json', { method: 'darts' });
    const r = spawnSync(process.execPath, [...tsx, '--config', bad], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DARTS needs a cell space/);
    const flag = spawnSync(process.execPath, [...tsx, '--config', bad, '--budget', '3'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/one-shot configs take --seed, --epochs, --out/);
  }, 300_000);
});
