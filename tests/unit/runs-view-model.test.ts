/**
 * The Runs view's pure parts: rows for every kind of run (src/app/runs/run-rows.ts) and what Compare draws
 * (src/app/runs/compare-model.ts): best so far by candidate, the fronts, the best candidate, the differing settings.
 */
import { describe, expect, it } from 'vitest';
import { bestCandidate, bestSoFarPoints, frontPoints, settingRows } from '../../src/app/runs/compare-model';
import { finalistsRow, searchRow, sortRows } from '../../src/app/runs/run-rows';
import type { CandidateRecord, RunRecord } from '../../src/protocol/run';
import type { FinalistJobRecord } from '../../src/protocol/finalists-api';
import { formToRunConfig, RUN_FORM_VERSION, type RunForm } from '../../src/shared/run-form';
import { parseSpaceConfig } from '../../src/shared/space-config';
import { parseFinalistRecipe } from '../../src/shared/finalist-recipe';

const cand = (id: number, acc: number | undefined, flops: number, objective: number | null = acc ?? null): CandidateRecord => ({
  version: 3, runId: 'r', id, arch: `a${id}`, hash: `h${id}`, space: 'nb201', genotype: {}, backend: 'wasm', createdAt: 0, parents: [], curve: [],
  metrics: acc === undefined ? { flops, failed: 1 } : { valid_acc: acc, flops }, objective, feasible: objective !== null,
});
const FORM: RunForm = {
  version: RUN_FORM_VERSION, name: 'a', datasetId: 'builtin:mnist-10k', space: parseSpaceConfig({ space: 'nb201' }), strategy: 'random', seed: 1, budget: 5,
  channels: 8, cellsPerStage: 1, epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 2048, validSamples: 512, backend: 'auto',
  objective: { metric: 'valid_acc', penalties: [], constraints: [] }, paretoCost: 'flops', prerank: null,
};

describe('compare model', () => {
  const cs = [cand(0, 50, 3e6), cand(1, undefined, 1e6, null), cand(2, 40, 1e6), cand(3, 70, 5e6), cand(4, 60, 2e6)];
  it('best so far follows the candidate ids, failed candidates keep the best', () => {
    expect(bestSoFarPoints(cs)).toEqual([{ x: 0, y: 50 }, { x: 1, y: 50 }, { x: 2, y: 50 }, { x: 3, y: 70 }, { x: 4, y: 70 }]);
  });
  it('the front is the non-dominated candidates by cost', () => {
    expect(frontPoints(cs, 'flops').map((p) => p.id)).toEqual([2, 4, 3]);
    expect(bestCandidate(cs)?.id).toBe(3);
  });
  it('marks the settings that differ', () => {
    const a = formToRunConfig(FORM);
    const b = formToRunConfig({ ...FORM, seed: 2, learningRate: 0.05 });
    const rows = settingRows([a, b], (id) => `name of ${id}`);
    expect(rows.filter((r) => r.differs).map((r) => r.label)).toEqual(['Seed', 'Learning rate']);
    expect(rows.find((r) => r.label === 'Dataset')?.values).toEqual(['name of builtin:mnist-10k', 'name of builtin:mnist-10k']);
  });
});

describe('run rows', () => {
  it('shows a search run\'s progress and a finalists job\'s epochs over its models', () => {
    const run: RunRecord = { version: 1, id: 's1', config: formToRunConfig(FORM), status: 'running', createdAt: 0, updatedAt: 5, completed: 2, paretoIds: [] };
    const s = searchRow(run, 'interrupted');
    expect([s.kind, s.status, s.progress]).toEqual(['search', 'interrupted', '2/5 candidates']);
    const job = {
      version: 1, id: 'j1', runId: 's1', runName: 'a', request: { runId: 's1', top: 2, pareto: false, targets: [], backend: 'wasm' }, recipe: parseFinalistRecipe({ epochs: 3 }),
      entries: [{ key: 'finalist-0', candidateId: 0, arch: 'x', hash: 'h', seed: 1, epochsDone: 3, modelId: 'm' }, { key: 'finalist-1', candidateId: 1, arch: 'y', hash: 'h', seed: 1, epochsDone: 1 }],
      status: 'paused', createdAt: 0, updatedAt: 9,
    } as unknown as FinalistJobRecord;
    const f = finalistsRow(job, 'paused');
    expect([f.progress, f.parent, f.detail]).toEqual(['4/6 epochs', { kind: 'search', id: 's1' }, '2 models, 3 epochs each, 1 tested']);
    expect(sortRows([s, f]).map((r) => r.id)).toEqual(['j1', 's1']);
  });
});
