/**
 * `npm run finalists`: a tiny real search (the headless runner, training on the built-in MNIST subset) writes its
 * run file; the finalists CLI re-trains the top 2 for one epoch on a small train subset and tests each once on the
 * locked test split, printing the test metrics as JSON. Bad input exits with status 2 and a specific message.
 * --hpo chooses each finalist's learning rate and weight decay first and prints the trials and the choice.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs');
const node = (script: string, args: string[]) => [tsx, '--tsconfig', 'tsconfig.node.json', script, ...args];

describe('npm run finalists', () => {
  it('re-trains the top 2 of a saved run and prints honest test metrics as JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-finalists-'));
    const config = path.join(dir, 'config.json');
    const run = path.join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({
      version: 1, space: 'nb201', strategy: { name: 'random', options: {} }, seed: 3, budget: { queries: 3 }, timeMetric: 'train_ms',
      evaluator: { kind: 'train', dataset: 'builtin:mnist-10k', backend: 'wasm', channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 128, validSamples: 64, latency: false },
    }));
    execFileSync(process.execPath, node('scripts/search.ts', ['--config', config, '--out', run]), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

    const stdout = execFileSync(
      process.execPath,
      node('scripts/finalists.ts', ['--run', run, '--top', '2', '--recipe', 'examples/recipes/finalist.json', '--epochs', '1', '--train-samples', '256', '--valid-samples', '128', '--target', 'accuracy >= 0', '--target', 'recall[7] >= 101%']),
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 },
    );
    const out = JSON.parse(stdout);
    expect(out.dataset).toMatchObject({ train: 256, valid: 128 });
    expect(out.recipe).toMatchObject({ epochs: 1, warmupEpochs: 0, labelSmoothing: 0.1 });
    const testCount = out.dataset.test;
    expect(testCount).toBeGreaterThan(0);
    expect(out.finalists).toHaveLength(2);
    const ids = new Set<number>();
    for (const f of out.finalists) {
      ids.add(f.id);
      expect(f.arch).toMatch(/^\|[a-z_0-9]+~0\|\+/);
      expect(typeof f.hash).toBe('string');
      expect(f.params).toBeGreaterThan(0);
      expect(f.macs).toBeGreaterThan(0);
      expect(f.latency_ms).toBeGreaterThan(0);
      expect(f.valid_acc).toBeGreaterThanOrEqual(0);
      expect(f.valid_acc).toBeLessThanOrEqual(1);
      expect(f.retrain.epochs).toBe(1);
      expect(f.retrain.class_weights).toHaveLength(10);
      expect(f.retrain.flip).toBe(false); // digits are not mirrored
      const t = f.test;
      expect(t.split).toBe('test');
      expect(t.count).toBe(testCount);
      expect(Number.isFinite(t.accuracy)).toBe(true);
      expect(t.accuracy).toBeGreaterThanOrEqual(0);
      expect(t.accuracy).toBeLessThanOrEqual(1);
      expect(t.macro_recall).toBeGreaterThanOrEqual(0);
      expect(t.macro_recall).toBeLessThanOrEqual(1);
      expect(t.per_class).toHaveLength(10);
      expect(t.per_class.map((c: { class: string }) => c.class)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(t.per_class.reduce((s: number, c: { support: number }) => s + c.support, 0)).toBe(testCount);
      expect(t.confusion).toHaveLength(10);
      expect(t.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(testCount);
      const diag = t.confusion.reduce((s: number, row: number[], i: number) => s + row[i], 0);
      expect(diag / testCount).toBeCloseTo(t.accuracy, 12);
      expect(t.ece).toBeGreaterThanOrEqual(0);
      expect(t.ece).toBeLessThanOrEqual(1);
      expect(t.reliability).toHaveLength(15);
      expect(t.reliability.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(testCount);
      expect(f.targets).toEqual([
        { target: 'accuracy >= 0', actual: t.accuracy, met: true },
        { target: 'recall[7] >= 101%', actual: t.per_class[7].recall, met: false },
      ]);
    }
    expect(ids.size).toBe(2);
  });

  it('exits 2 with a specific message on a bad run file or target', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-finalists-bad-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ log: [] }));
    const r = spawnSync(process.execPath, node('scripts/finalists.ts', ['--run', bad]), { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no "config"/);
    const t = spawnSync(process.execPath, node('scripts/finalists.ts', ['--run', bad, '--target', 'accuracy => 0.9']), { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/--target: target "accuracy => 0.9": the comparison must be one of/);

    const empty = path.join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ config: { version: 1, space: 'nb201', strategy: { name: 'random', options: {} }, seed: 1, budget: { queries: 1 }, evaluator: { kind: 'train' } }, log: [] }));
    const e = spawnSync(process.execPath, node('scripts/finalists.ts', ['--run', empty]), { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/no feasible candidate to re-train \(0 logged\)/);
    const p = spawnSync(process.execPath, node('scripts/finalists.ts', ['--run', empty, '--pareto']), { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/--pareto: run .* has no Pareto axes/);
  });

  it('resumes a killed run from its checkpoint to the same result and never tests a finalist twice', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-finalists-ckpt-'));
    const run = path.join(dir, 'run.json');
    const arch = '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|';
    writeFileSync(run, JSON.stringify({
      config: { version: 1, space: 'nb201', strategy: { name: 'random', options: {} }, seed: 9, budget: { queries: 1 }, evaluator: { kind: 'train', channels: 4, cellsPerStage: 1 } },
      log: [{ id: 0, arch, hash: 'h0', metrics: { valid_acc: 50 }, objective: 50, feasible: true }],
    }));
    const args = (extra: string[]) => node('scripts/finalists.ts', ['--run', run, '--top', '1', '--epochs', '3', '--train-samples', '1500', '--valid-samples', '200', '--no-latency', ...extra]);
    const full = execFileSync(process.execPath, args([]), { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

    const ckpt = path.join(dir, 'ckpt');
    const state = path.join(ckpt, 'finalist-0.state.json');
    const child = spawn(process.execPath, args(['--checkpoint', ckpt]), { cwd: root, stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    while (!existsSync(state) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(path.join(ckpt, 'finalist-0.result.json'))).toBe(false); // killed mid-training

    const resumed = spawnSync(process.execPath, args(['--checkpoint', ckpt]), { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/resuming candidate 0 .* after epoch [12] of 3/);
    expect(JSON.parse(resumed.stdout)).toEqual(JSON.parse(full));

    const again = spawnSync(process.execPath, args(['--checkpoint', ckpt, '--target', 'accuracy >= 0']), { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/candidate 0 was re-trained and tested before; reusing its result/);
    expect(again.stderr).not.toMatch(/epoch \d\/3/);
    expect(JSON.parse(again.stdout).finalists[0].targets[0].met).toBe(true);

    const other = spawnSync(process.execPath, args(['--checkpoint', ckpt, '--seed', '1']), { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/was made with other settings/);
  });

  it('--hpo searches learning rate and weight decay on validation, prints trials and choice, and keeps them in the checkpoint', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-finalists-hpo-'));
    const run = path.join(dir, 'run.json');
    writeFileSync(run, JSON.stringify({
      config: { version: 1, space: 'nb201', strategy: { name: 'random', options: {} }, seed: 9, budget: { queries: 1 }, evaluator: { kind: 'train', channels: 4, cellsPerStage: 1 } },
      log: [{ id: 0, arch: '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|', hash: 'h0', metrics: { valid_acc: 50 }, objective: 50, feasible: true }],
    }));
    const recipe = path.join(dir, 'recipe.json');
    writeFileSync(recipe, JSON.stringify({ hpo: { configs: 3, eta: 3 } }));
    const ckpt = path.join(dir, 'ckpt');
    const r = spawnSync(process.execPath, node('scripts/finalists.ts', ['--run', run, '--top', '1', '--recipe', recipe, '--hpo', '--epochs', '2', '--train-samples', '300', '--valid-samples', '100', '--no-latency', '--checkpoint', ckpt]), { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.recipe.hpo).toMatchObject({ enabled: true, configs: 3, eta: 3 });
    const { hpo } = out.finalists[0];
    expect(hpo.trials).toHaveLength(3); // 3 configurations, 1 epoch each; the best goes on to the final training
    expect(hpo.trials.every((t: { epochs: number; rung: number }) => t.epochs === 1 && t.rung === 0)).toBe(true);
    expect(hpo.chosen.valid_acc).toBe(Math.max(...hpo.trials.map((t: { valid_acc: number }) => t.valid_acc)));
    expect(r.stderr).toMatch(/candidate 0 HPO chose lr \S+, wd \S+/);
    expect(JSON.parse(readFileSync(path.join(ckpt, 'finalist-0.hpo.json'), 'utf8'))).toEqual(hpo);

    writeFileSync(recipe, JSON.stringify({ hpo: { eta: 1, learningRate: { min: 0.5, max: 0.1 } } }));
    const bad = spawnSync(process.execPath, node('scripts/finalists.ts', ['--run', run, '--recipe', recipe, '--hpo']), { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/hpo.eta: hpo.eta must be >= 2/);
  });
});
