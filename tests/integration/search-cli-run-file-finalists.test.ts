/**
 * A run file with finalists in the headless runner: `npm run search -- --resume run.json` continues the search and
 * rewrites the file WITH its finalists (not dropped), and `npm run finalists -- --run run.json` still reads it and
 * re-trains from it (tabular NB201 search; one tiny real re-training on the built-in MNIST subset).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseFinalistRecipe } from '../../src/shared/finalist-recipe';
import { parseRunFile, type RunFile, type RunFileFinalist } from '../../src/shared/run-file';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

async function node(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', script, ...args], { cwd: ROOT, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const read = (f: string): RunFile => parseRunFile(JSON.parse(readFileSync(f, 'utf8')));

/** A re-trained model's entry as an earlier stage wrote it (the component under test is the file, not the trainer). */
function finalistOf(c: RunFile['candidates'][number]): RunFileFinalist {
  return {
    id: c.id, arch: c.arch, hash: c.hash, params: 800, macs: 12000, latency_ms: 2, backend: 'wasm', valid_acc: 0.7, seed: 11, recipe: parseFinalistRecipe({ epochs: 1 }),
    retrain: { epochs: 1, best_epoch: 0, stop: 'epochs', class_weights: [1, 1], flip: false, train_count: 64, history: [{ epoch: 0, trainLoss: 1, validAcc: 0.7, learningRate: 0.05 }] },
    test: { split: 'test', count: 10, accuracy: 0.6, macro_recall: 0.6, per_class: [], confusion: [[3, 2], [2, 3]], ece: 0.1, reliability: [] },
    search: { objective: c.objective }, latencyMs: { wasm: 2 }, lineage: { parents: [...c.parents] },
  };
}

describe('run file with finalists in the headless runner', () => {
  it('--resume keeps the finalists; npm run finalists --run reads the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-runfile-fin-'));
    const cfg = join(dir, 'rand.json');
    writeFileSync(cfg, JSON.stringify({
      version: 3, name: 'rand', space: 'nb201', strategy: { name: 'random' }, seed: 3, budget: { queries: 4 },
      evaluator: { kind: 'tabular', table: '../shared/benchmarks/nb201/nb201-cifar10-valid.csv' },
    }));
    const run = join(dir, 'run.json');
    const r1 = await node('scripts/search.ts', ['--config', cfg, '--out', run]);
    expect(r1.code, r1.stderr).toBe(0);
    const first = JSON.parse(readFileSync(run, 'utf8')) as RunFile;
    const finalists = [finalistOf(first.candidates[1])];
    writeFileSync(run, JSON.stringify({ ...first, finalists }));

    const r2 = await node('scripts/search.ts', ['--resume', run, '--budget', '6']);
    expect(r2.code, r2.stderr).toBe(0);
    const resumed = read(run);
    expect(resumed.candidates).toHaveLength(6);
    expect(resumed.finalists).toEqual(finalists);

    const r3 = await node('scripts/finalists.ts', ['--run', run, '--top', '1', '--epochs', '1', '--train-samples', '64', '--valid-samples', '32', '--channels', '4', '--cells', '1', '--no-latency']);
    expect(r3.code, r3.stderr).toBe(0);
    const out = JSON.parse(r3.stdout.trim().split('\n').at(-1) as string) as { finalists: RunFileFinalist[] };
    expect(out.finalists).toHaveLength(1);
    expect(out.finalists[0].test.split).toBe('test');
    expect(out.finalists[0].recipe?.epochs).toBe(1);
    expect(typeof out.finalists[0].seed).toBe('number');
  }, 300_000);
});
