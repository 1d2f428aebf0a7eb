/**
 * `npm run search` with a config whose `finalists` section asks for the finalists stage: after the search the
 * runner re-trains the best candidate (by objective) and tests it once on the locked test split; the summary line
 * and the --out run file carry the same finalists JSON as `npm run finalists`.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs');

describe('npm run search with a finalists section', () => {
  it('searches, then re-trains and tests the top candidate once', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-search-finalists-'));
    const config = path.join(dir, 'config.json');
    const run = path.join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({
      space: 'nb201', strategy: { name: 'random' }, seed: 5, budget: { queries: 2 }, timeMetric: 'train_ms',
      evaluator: { kind: 'train', dataset: 'builtin:mnist-10k', backend: 'wasm', channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 128, validSamples: 64, latency: false },
      finalists: { top: 1, recipe: { epochs: 1, warmupEpochs: 0, batchSize: 32 }, trainSamples: 128, validSamples: 64, targets: ['accuracy >= 0', 'params <= 10'] },
    }));
    const stdout = execFileSync(process.execPath, [tsx, '--tsconfig', 'tsconfig.node.json', 'scripts/search.ts', '--config', config, '--out', run], {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000,
    });
    const summary = JSON.parse(stdout.trim().split('\n').pop() as string);
    const file = JSON.parse(readFileSync(run, 'utf8'));
    const best = [...file.candidates].sort((a, b) => (b.objective ?? -Infinity) - (a.objective ?? -Infinity) || a.id - b.id)[0];
    expect(summary.finalists.dataset).toMatchObject({ train: 128, valid: 64 });
    expect(summary.finalists.finalists).toHaveLength(1);
    const f = summary.finalists.finalists[0];
    expect(f.id).toBe(best.id);
    expect(f.hash).toBe(best.hash);
    expect(f.retrain.epochs).toBe(1);
    expect(f.test.split).toBe('test');
    expect(f.test.count).toBe(summary.finalists.dataset.test);
    expect(f.targets).toEqual([
      { target: 'accuracy >= 0', actual: f.test.accuracy, met: true },
      { target: 'params <= 10', actual: f.params, met: false },
    ]);
    expect(file.finalists).toEqual(summary.finalists.finalists);
  }, 300_000);
});
