import { describe, expect, it } from 'vitest';
import { validateRunConfig, RunConfigError } from '../../workers/run-config';
import { RUN_CONFIG_VERSION, type RunConfig } from '../../src/protocol/run';

const good: RunConfig = {
  version: RUN_CONFIG_VERSION, name: 'x', datasetId: 'builtin:mnist-10k', space: 'nb201', strategy: 'evolution', seed: 3, budget: 10,
  channels: 8, cellsPerStage: 1, epochs: 1, batchSize: 32, learningRate: 0.1, trainSamples: 512, validSamples: 256, backend: 'auto',
  objective: { metric: 'valid_acc', penalties: [{ metric: 'flops', lambda: 1e-8 }], constraints: [{ metric: 'latency_ms', op: '<=', value: 8 }] },
  paretoCost: 'latency_ms',
};

describe('run configuration validation', () => {
  it('accepts a valid configuration unchanged', () => {
    expect(validateRunConfig(good)).toEqual(good);
  });

  it('names every bad field with what is wrong', () => {
    const bad = { ...good, budget: 0, learningRate: -1, backend: 'tpu', seed: 1.5, extra: true };
    try {
      validateRunConfig(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RunConfigError);
      const msg = (e as Error).message;
      expect(msg).toMatch(/^Invalid run configuration: /);
      expect(msg).toContain('budget: budget must be at least 1');
      expect(msg).toContain('learningRate: learningRate must be > 0');
      expect(msg).toContain('backend: backend must be auto, webgpu, webgl, wasm or cpu');
      expect(msg).toContain('seed: seed must be a whole number');
      expect(msg).toMatch(/extra/);
    }
  });

  it('rejects a malformed objective with the objective parser message', () => {
    expect(() => validateRunConfig({ ...good, objective: { metric: 'valid_acc', penalties: [{ metric: 'flops' }], constraints: [] } })).toThrow(/objective/);
  });
});
