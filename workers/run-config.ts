/** Validation of a run configuration arriving from the UI or a stored record (valibot). */
import * as v from 'valibot';
import { RUN_CONFIG_VERSION, type RunConfig } from '../src/protocol/run';
import { parseObjectiveSpec } from '../src/engine/strategy/objective';

const int = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.integer(`${key} must be a whole number`), v.minValue(min, `${key} must be at least ${min}`), v.maxValue(max, `${key} must be at most ${max}`));

const RunConfigSchema = v.strictObject({
  version: v.literal(RUN_CONFIG_VERSION, `version must be ${RUN_CONFIG_VERSION}`),
  name: v.pipe(v.string('name must be text'), v.trim(), v.minLength(1, 'name must not be empty'), v.maxLength(120, 'name must be at most 120 characters')),
  datasetId: v.pipe(v.string('datasetId must be text'), v.minLength(1, 'pick a dataset')),
  space: v.picklist(['nb201'], 'space must be "nb201"'),
  strategy: v.picklist(['random', 'evolution', 'reinforce', 'local'], 'strategy must be one of random, evolution, reinforce, local'),
  seed: int('seed', 0, 2 ** 31 - 1),
  budget: int('budget', 1, 100_000),
  channels: int('channels', 1, 256),
  cellsPerStage: int('cellsPerStage', 1, 10),
  epochs: int('epochs', 1, 500),
  batchSize: int('batchSize', 1, 4096),
  learningRate: v.pipe(v.number('learningRate must be a number'), v.gtValue(0, 'learningRate must be > 0'), v.maxValue(10, 'learningRate must be <= 10')),
  trainSamples: int('trainSamples', 1, 10_000_000),
  validSamples: int('validSamples', 1, 10_000_000),
  backend: v.picklist(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'], 'backend must be auto, webgpu, webgl, wasm or cpu'),
  objective: v.unknown(),
  paretoCost: v.picklist(['flops', 'params', 'latency_ms'], 'paretoCost must be flops, params or latency_ms'),
});

export class RunConfigError extends Error {
  override readonly name = 'RunConfigError';
}

export function validateRunConfig(value: unknown): RunConfig {
  const r = v.safeParse(RunConfigSchema, value);
  if (r.success) {
    try {
      return { ...r.output, objective: parseObjectiveSpec(r.output.objective) } as RunConfig;
    } catch (e) {
      throw new RunConfigError(`Invalid run configuration: objective: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const lines = r.issues.map((i) => {
    const path = v.getDotPath(i);
    return path ? `${path}: ${i.message}` : i.message;
  });
  throw new RunConfigError(`Invalid run configuration: ${lines.join('; ')}`);
}
