/**
 * The headless runner on a dataset file (`--dataset` / `--test`, scripts/node/dataset-file.ts): real tfjs training
 * (WASM) on small IDX files written here, the official test pair as the locked test split; a corrupt file exits 2
 * with the parser's message.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { idxPairBytes } from '../helpers/dataset-files';

const root = path.resolve(import.meta.dirname, '../..');

function runSearch(args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts', ...args], {
    cwd: root, encoding: 'utf8', timeout: 240_000,
  });
}

function setup(): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nas-dataset-'));
  const tr = idxPairBytes(80, 8, 1);
  const te = idxPairBytes(24, 8, 2);
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), tr.images);
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), tr.labels);
  writeFileSync(path.join(dir, 'quads-test-images.idx3-ubyte'), te.images);
  writeFileSync(path.join(dir, 'quads-test-labels.idx1-ubyte'), te.labels);
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({
    version: 1, space: 'nb201', strategy: { name: 'random', options: {} }, seed: 1, budget: { queries: 2 },
    evaluator: { kind: 'train', backend: 'wasm', channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 16, learningRate: 0.1, trainSamples: 64, validSamples: 32, latency: false },
    timeMetric: 'train_ms',
  }));
  return { dir, config };
}

describe('npm run search --dataset / --test', () => {
  it('trains a 2-candidate search on an IDX pair with --test: the test pair is the locked test split', () => {
    const { dir, config } = setup();
    const out = path.join(dir, 'run.json');
    const r = runSearch([
      '--config', config, '--out', out,
      '--dataset', path.join(dir, 'train-images-idx3-ubyte'), '--dataset', path.join(dir, 'train-labels-idx1-ubyte'),
      '--test', path.join(dir, 'quads-test-labels.idx1-ubyte'), '--test', path.join(dir, 'quads-test-images.idx3-ubyte'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('test split: official (24 images from quads-test-images.idx3-ubyte, quads-test-labels.idx1-ubyte)');
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.queries).toBe(2);
    expect(summary.best.arch).toMatch(/^\|[a-z_0-9]+~0\|\+/);
    expect(summary.best.valid_acc).toBeGreaterThan(0);
    // 80 training images: 10% stratified validation (4 + 4), the 24 test images whole.
    expect(summary.dataset).toEqual({
      name: 'train-images-idx3-ubyte', count: 104, train: 72, valid: 8, test: 24,
      testOrigin: { test: 'official', files: ['quads-test-images.idx3-ubyte', 'quads-test-labels.idx1-ubyte'] },
    });
    // The run file records which files and which split it trained on.
    const run = JSON.parse(readFileSync(out, 'utf8'));
    expect(run.log).toHaveLength(2);
    expect(run.dataset.files.test).toEqual([path.join(dir, 'quads-test-labels.idx1-ubyte'), path.join(dir, 'quads-test-images.idx3-ubyte')]);
    expect(run.dataset.fingerprint).toMatch(/^split1-72-8-24-/);

    // The finalists stage re-trains on the same files and tests on the official test pair, once.
    const finalists = (extra: string[]) => spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'scripts/finalists.ts',
      '--run', out, '--top', '1', '--epochs', '1', '--no-latency', ...extra], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    const files = ['--dataset', path.join(dir, 'train-images-idx3-ubyte'), '--dataset', path.join(dir, 'train-labels-idx1-ubyte'),
      '--test', path.join(dir, 'quads-test-labels.idx1-ubyte'), '--test', path.join(dir, 'quads-test-images.idx3-ubyte')];
    const f = finalists(files);
    expect(f.status, f.stderr).toBe(0);
    const report = JSON.parse(f.stdout.trim().split('\n').at(-1)!);
    expect(report.dataset.test).toBe(24);
    const confusion: number[][] = report.finalists[0].test.confusion;
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(24);
    // Without the files it refuses to compare different data.
    const wrong = finalists([]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('searched on dataset files');
  });

  it('a checkpoint resumes only on the data it was made on', () => {
    const { dir, config } = setup();
    const ckpt = path.join(dir, 'ckpt.json');
    const pair = ['--dataset', path.join(dir, 'train-images-idx3-ubyte'), '--dataset', path.join(dir, 'train-labels-idx1-ubyte')];
    const first = runSearch(['--config', config, '--budget', '1', '--checkpoint', ckpt, ...pair, '--test', path.join(dir, 'quads-test-images.idx3-ubyte'), '--test', path.join(dir, 'quads-test-labels.idx1-ubyte')]);
    expect(first.status, first.stderr).toBe(0);
    const other = runSearch(['--config', config, '--budget', '2', '--checkpoint', ckpt, ...pair]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/checkpoint .*ckpt\.json was made on data with split split1-72-8-24-\S+; this run's data has split split1-64-8-8-/);
  });

  it('a corrupt file exits 2 with the parser\'s message', () => {
    const { dir, config } = setup();
    const bad = path.join(dir, 'train-images-idx3-ubyte');
    writeFileSync(bad, idxPairBytes(80, 8, 1).images.subarray(0, 1000));
    const r = runSearch(['--config', config, '--dataset', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('search: train-images-idx3-ubyte: truncated: header says 80 images of 8x8 (5,136 bytes) but the file has 1,000 bytes');
  });
});
