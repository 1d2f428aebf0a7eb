import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { checkStoredRun, validateRunConfig, RunConfigError } from '../../workers/run-config';
import type { RunConfig } from '../../src/protocol/run';
import { RUN_FORM_VERSION, runConfigToForm, type RunForm } from '../../src/shared/run-form';
import { FULL_NB201_SPACE_CONFIG, getRun, listRuns, migrateRunConfig, openDb, RUN_RECORD_VERSION, runsUsingDataset } from '../../src/db';
import { parseSpaceConfig } from '../../src/shared/space-config';
import { parseRunConfig, RUN_CONFIG_VERSION } from '../../src/shared/run-config';

/** What the Search tab's form sends (the flat layout, stored as such up to version 2). */
const good: RunForm = {
  version: RUN_FORM_VERSION, name: 'x', datasetId: 'builtin:mnist-10k', space: parseSpaceConfig({ space: 'nb201' }), strategy: 'evolution', seed: 3, budget: 10,
  channels: 8, cellsPerStage: 1, epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 512, validSamples: 256, backend: 'auto',
  objective: { metric: 'valid_acc', penalties: [{ metric: 'flops', lambda: 1e-8 }], constraints: [{ metric: 'latency_ms', op: '<=', value: 8 }] },
  paretoCost: 'latency_ms',
};

/** The same run in the one run-config schema (version 3), as the worker stores it. */
const goodV3: RunConfig = {
  version: 3, name: 'x', space: parseSpaceConfig({ space: 'nb201' }), strategy: { name: 'evolution', options: { populationSize: 10, sampleSize: 3, crossoverProb: 0 } }, seed: 3,
  budget: { queries: 10 }, objective: good.objective, timeMetric: 'train_time_s', pareto: { accuracy: 'valid_acc', cost: 'latency_ms' },
  evaluator: { kind: 'train', dataset: 'builtin:mnist-10k', backend: 'auto', channels: 8, cellsPerStage: 1, epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 512, validSamples: 256, latency: true },
};

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RunConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a RunConfigError');
};

describe('run configuration validation (the form, v2, migrated to the one run config, v3)', () => {
  it('checks a stored run again before it resumes, naming the run and the field', () => {
    const stored = { id: 'run-7', status: 'paused', config: goodV3 };
    expect(checkStoredRun(stored)).toEqual(stored);
    const broken = { id: 'run-8', status: 'paused', config: { ...goodV3, evaluator: { ...goodV3.evaluator, epochs: -2 } } };
    expect(() => checkStoredRun(broken)).toThrow(RunConfigError);
    expect(() => checkStoredRun(broken)).toThrow(/stored run run-8 cannot resume: evaluator\.epochs/);
  });

  it('accepts a valid form as the equivalent run config; a stored run config validates unchanged', () => {
    expect(RUN_CONFIG_VERSION).toBe(3); // the version src/db/runs.ts migrates the flat form to
    expect(validateRunConfig(good)).toEqual(goodV3);
    expect(validateRunConfig(goodV3)).toEqual(goodV3);
    expect(migrateRunConfig(goodV3)).toBe(goodV3);
    // Selecting a stored run shows its settings in the form again.
    expect(runConfigToForm(goodV3)).toEqual({ ...good, prerank: null });
    const warm = validateRunConfig({ ...good, strategy: 'random', prerank: { proxy: 'naswot', pool: 20, keep: 5 } });
    expect(validateRunConfig(runConfigToForm(warm))).toEqual(warm);
  });

  it('is the headless runner\'s config file format: every example parses; the Search tab takes only training runs', () => {
    const dir = path.resolve(import.meta.dirname, '../../examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('oneshot-'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(parseRunConfig(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))).version).toBe(3);
    const tabular = JSON.parse(readFileSync(path.join(dir, 'nb201-evolution.json'), 'utf8'));
    expect(message(() => validateRunConfig(tabular))).toContain('evaluator.kind: the Search tab trains its candidates');
  });

  it('names every bad field with what is wrong', () => {
    const bad = { ...good, budget: 0, learningRate: -1, backend: 'tpu', seed: 1.5, extra: true };
    const msg = message(() => validateRunConfig(bad));
    expect(msg).toMatch(/^Invalid run configuration: /);
    expect(msg).toContain('budget.queries: budget.queries must be >= 1');
    expect(msg).toContain('evaluator.learningRate: evaluator.learningRate must be > 0');
    expect(msg).toContain('evaluator.backend: evaluator.backend must be auto, webgpu, webgl, wasm or cpu');
    expect(msg).toContain('seed: seed must be an integer');
    expect(msg).toMatch(/extra/);
  });

  it('rejects a malformed objective with the objective parser message', () => {
    expect(() => validateRunConfig({ ...good, objective: { metric: 'valid_acc', penalties: [{ metric: 'flops' }], constraints: [] } })).toThrow(/objective/);
  });

  it('stores the space normalised: defaults filled in, lists in canonical order; a name means the full space', () => {
    const mobile = validateRunConfig({ ...good, space: { space: 'mobile', stages: 2, blocks: ['ds'], widths: [24, 16] } });
    expect(mobile.space).toEqual({
      space: 'mobile', stages: 2, strides: [1, 2], blocks: ['ds'], expansions: [], kernels: [3, 5], se: [false, true], widths: [16, 24], depths: [1, 2, 3],
    });
    expect(validateRunConfig({ ...good, space: { space: 'darts', ops: ['skip_connect', 'sep_conv_3x3'] } }).space).toEqual({ space: 'darts', ops: ['skip_connect', 'sep_conv_3x3'] });
    expect(validateRunConfig({ ...good, space: 'darts' }).space).toEqual(parseSpaceConfig({ space: 'darts' }));
  });

  it('reports each space problem with its path, together with the other fields', () => {
    const msg = message(() => validateRunConfig({ ...good, budget: 0, space: { space: 'mobile', widths: [16, 0], kernels: [7], color: 'red' } }));
    expect(msg).toContain('budget.queries: budget.queries must be >= 1');
    expect(msg).toContain('space.widths[1]: width must be at least 1, got 0');
    expect(msg).toContain('space.kernels[0]: 7 is not a valid kernel size (allowed: 3, 5)');
    expect(msg).toContain('space.color: unknown setting');
    expect(message(() => validateRunConfig({ ...good, space: { space: 'resnet' } }))).toContain('space.space: must be one of nb201, darts, mobile; got "resnet"');
    expect(message(() => validateRunConfig({ ...good, space: { space: 'nb201', ops: ['none'] } }))).toContain("space.ops: must include at least one op other than 'none'");
  });

  it('validates the zero-cost warm start with the strategy registry (keep defaults per strategy)', () => {
    const prerankOf = (c: RunConfig) => (c.strategy.options as { prerank?: { proxy: string; pool: number; keep: number } }).prerank;
    const evo = validateRunConfig({ ...good, prerank: { proxy: 'synflow', pool: 50 } });
    // Evolution's warm start fills its initial population, so keep defaults to its populationSize.
    expect(prerankOf(evo)).toMatchObject({ proxy: 'synflow', pool: 50 });
    expect(prerankOf(evo)!.keep).toBeGreaterThan(0);
    expect(prerankOf(validateRunConfig({ ...good, strategy: 'random', prerank: { proxy: 'naswot', pool: 20, keep: 5 } }))).toEqual({ proxy: 'naswot', pool: 20, keep: 5 });
    expect(prerankOf(validateRunConfig({ ...good, prerank: null }))).toBeUndefined();
    const msg = message(() => validateRunConfig({ ...good, strategy: 'random', prerank: { proxy: 'magic', pool: 5, keep: 9 } }));
    expect(msg).toContain('strategy.options: random.prerank.proxy: prerank.proxy must be one of: synflow, naswot, jacob_cov, grad_norm');
  });

  it('checks the DARTS skeleton: C must be even', () => {
    expect(message(() => validateRunConfig({ ...good, space: { space: 'darts' }, channels: 7 }))).toContain('evaluator.channels: the DARTS skeleton needs an even C');
    expect(validateRunConfig({ ...good, space: { space: 'darts' }, channels: 8, cellsPerStage: 5 }).evaluator.cellsPerStage).toBe(5);
  });
});

describe('v1 run records', () => {
  const v1 = { ...good, version: 1, space: 'nb201' } as unknown;

  it('migrate (through v2) with the full NB201 space config, which is what the engine normalises {space: "nb201"} to', () => {
    expect(FULL_NB201_SPACE_CONFIG).toEqual(parseSpaceConfig({ space: 'nb201' }));
    const m = migrateRunConfig(v1);
    expect(m).toEqual(migrateRunConfig({ ...good, space: parseSpaceConfig({ space: 'nb201' }) }));
    expect(m.space).toEqual(parseSpaceConfig({ space: 'nb201' }));
    expect(validateRunConfig(v1)).toEqual(goodV3);
  });

  it('are migrated on every read of the runs store (getRun, listRuns)', async () => {
    const db = await openDb(`runs-migration-${Date.now()}`);
    const record = { version: RUN_RECORD_VERSION, id: 'old-run', config: v1, status: 'paused', createdAt: 1, updatedAt: 2, completed: 3, paretoIds: [0] };
    await db.put('runs', record as never);
    const read = await getRun(db, 'old-run');
    expect(read?.config.version).toBe(3);
    expect(read?.config.space).toEqual({ space: 'nb201', ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] });
    expect(read?.completed).toBe(3);
    const listed = await listRuns(db);
    expect(listed.map((r) => r.config.space)).toEqual([read?.config.space]);
    expect(read?.config.evaluator.dataset).toBe('builtin:mnist-10k');
    // The dataset list finds the runs that use a dataset through the same migration.
    expect((await runsUsingDataset(db, 'builtin:mnist-10k')).map((r) => r.id)).toEqual(['old-run']);
    db.close();
  });
});
