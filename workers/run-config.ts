/**
 * Validation of a run configuration arriving from the UI or a stored record (valibot). The search space is
 * validated by the engine's space-config schema (`parseSpaceConfig`) and stored normalised, so a resume
 * rebuilds exactly the same space; v1 configs (`space: 'nb201'`) are migrated first (src/db/runs.ts).
 */
import * as v from 'valibot';
import { RUN_CONFIG_VERSION, type RunConfig } from '../src/protocol/run';
import { parseObjectiveSpec } from '../src/engine/strategy/objective';
import { parseSpaceConfig, SpaceConfigError, type SpaceConfig } from '../src/shared/space-config';
import { migrateRunConfig } from '../src/db/runs';
import { parseStrategyOptions, prerankOf, StrategyConfigError } from '../src/engine/strategy/registry';

const int = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.integer(`${key} must be a whole number`), v.minValue(min, `${key} must be at least ${min}`), v.maxValue(max, `${key} must be at most ${max}`));

const RunConfigSchema = v.strictObject({
  version: v.literal(RUN_CONFIG_VERSION, `version must be ${RUN_CONFIG_VERSION}`),
  name: v.pipe(v.string('name must be text'), v.trim(), v.minLength(1, 'name must not be empty'), v.maxLength(120, 'name must be at most 120 characters')),
  datasetId: v.pipe(v.string('datasetId must be text'), v.minLength(1, 'pick a dataset')),
  // Checked below by the engine's space-config schema (every problem with its path).
  space: v.unknown(),
  strategy: v.picklist(['random', 'evolution', 'reinforce', 'local'], 'strategy must be one of random, evolution, reinforce, local'),
  seed: int('seed', 0, 2 ** 31 - 1),
  budget: int('budget', 1, 100_000),
  channels: int('channels', 1, 256),
  cellsPerStage: int('cellsPerStage', 1, 20),
  epochs: int('epochs', 1, 500),
  batchSize: int('batchSize', 1, 4096),
  learningRate: v.pipe(v.number('learningRate must be a number'), v.gtValue(0, 'learningRate must be > 0'), v.maxValue(10, 'learningRate must be <= 10')),
  trainSamples: int('trainSamples', 1, 10_000_000),
  validSamples: int('validSamples', 1, 10_000_000),
  backend: v.picklist(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'], 'backend must be auto, webgpu, webgl, wasm or cpu'),
  objective: v.unknown(),
  paretoCost: v.picklist(['flops', 'params', 'latency_ms'], 'paretoCost must be flops, params or latency_ms'),
  // Checked below by the strategy registry's prerank schema (same messages as the headless runner's).
  prerank: v.optional(v.unknown()),
});

/** The warm-start options as the strategy registry validates them (keep defaulted per strategy). */
function prerankIssues(strategy: unknown, value: unknown): { prerank?: ReturnType<typeof prerankOf>; lines: string[] } {
  if (value === undefined || value === null) return { prerank: null, lines: [] };
  if (typeof strategy !== 'string') return { lines: [] };
  try {
    return { prerank: prerankOf(parseStrategyOptions(strategy, { prerank: value })), lines: [] };
  } catch (e) {
    if (e instanceof StrategyConfigError) return { lines: e.issues.map((l) => l.replace(`${strategy}.`, '')) };
    return { lines: [`prerank: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

export class RunConfigError extends Error {
  override readonly name = 'RunConfigError';
}

/** The space as a name ("mobile": the full published space) or a config object; problems as `space.<path>: message`. */
function spaceIssues(value: unknown): { space?: SpaceConfig; lines: string[] } {
  try {
    return { space: parseSpaceConfig(typeof value === 'string' ? { space: value } : value), lines: [] };
  } catch (e) {
    if (e instanceof SpaceConfigError) return { lines: e.issues.map((i) => `space${i.path === '(config)' ? '' : i.path.startsWith('[') ? i.path : `.${i.path}`}: ${i.message}`) };
    return { lines: [`space: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

export function validateRunConfig(value: unknown): RunConfig {
  const migrated = migrateRunConfig(value);
  const r = v.safeParse(RunConfigSchema, migrated);
  const lines = r.success
    ? []
    : r.issues.map((i) => {
      const path = v.getDotPath(i);
      return path ? `${path}: ${i.message}` : i.message;
    });
  const raw = migrated && typeof migrated === 'object' ? (migrated as { space?: unknown; channels?: unknown; strategy?: unknown; prerank?: unknown }) : {};
  const { space, lines: spaceLines } = spaceIssues(raw.space);
  lines.push(...spaceLines);
  const { prerank, lines: prerankLines } = prerankIssues(raw.strategy, raw.prerank);
  lines.push(...prerankLines);
  if (space?.space === 'darts' && typeof raw.channels === 'number' && raw.channels % 2 !== 0) {
    lines.push(`channels: the DARTS skeleton needs an even C (FactorizedReduce splits it in halves), got ${raw.channels}`);
  }
  if (!r.success || lines.length > 0 || !space) throw new RunConfigError(`Invalid run configuration: ${lines.join('; ')}`);
  try {
    return { ...r.output, space, ...(prerank ? { prerank } : { prerank: undefined }), objective: parseObjectiveSpec(r.output.objective) } as RunConfig;
  } catch (e) {
    throw new RunConfigError(`Invalid run configuration: objective: ${e instanceof Error ? e.message : String(e)}`);
  }
}
