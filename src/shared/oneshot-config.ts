/**
 * The configuration of a one-shot search (DARTS / PC-DARTS / SPOS) as the One-shot tab, the worker and the headless
 * runner share it, validated with valibot into one message that names every bad field. Version 2 offers three
 * supernets: NB201 (cell, every method), DARTS cell space (every method) and the mobile macro space (SPOS only:
 * it has no architecture weights). Version-1 records (NB201 only) are migrated on read by
 * protocol/oneshot-api.ts migrateOneShotConfig (the db and the workers read them; the engine sees current ones).
 * Plain data (shared layer): the engine (engine/search/oneshot-config.ts re-exports it) and the run file's
 * one-shot part (shared/oneshot-run-file.ts) validate with the same schema.
 */
import * as v from 'valibot';
import { issueLines } from './schema-issues';
import { ONESHOT_METHODS, oneShotMethodUnavailable, type OneShotMethodName } from './oneshot-methods';
import { parseMobileConfig, SpaceConfigError, type SpaceKind } from './space-config';
import { SPACE_KINDS } from './space-vocab';

export const ONE_SHOT_CONFIG_VERSION = 2;

/** The method names of the shared vocabulary (shared/oneshot-methods.ts). */
export type OneShotMethod = OneShotMethodName;

export interface OneShotConfig {
  readonly version: 2;
  readonly name: string;
  readonly method: OneShotMethod;
  /** Which supernet: NB201 cell, DARTS cells, or the mobile macro space (SPOS only). */
  readonly space: SpaceKind;
  readonly datasetId: string;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Weight learning rate (DARTS: cosine from this to 0.001; SPOS: cosine to 0). */
  readonly learningRate: number;
  /** NB201 / DARTS: C (DARTS: must be even); mobile: the stem width. */
  readonly channels: number;
  /** NB201: cells per stage N. */
  readonly cellsPerStage: number;
  /** DARTS space: number of cells (reduction cells at 1/3 and 2/3). */
  readonly layers: number;
  /** Mobile macro space: the searched choices (a small space; see space/mobile/space.ts). */
  readonly mobile: {
    readonly stages: number;
    readonly widths: readonly number[];
    readonly depths: readonly number[];
  };
  /** Subset sizes from the dataset's locked train split (weights) and validation split (alphas / ranking). */
  readonly trainSamples: number;
  readonly validSamples: number;
  readonly backend: 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  readonly darts: {
    readonly order: 'first' | 'second';
    /** PC-DARTS only: weights-only warm-up epochs. */
    readonly warmupEpochs: number;
    /** PC-DARTS only: partial channels K (stage widths must be divisible by it). */
    readonly partialChannels: number;
    /** Entropy regularisation weight lambda (0 = off). */
    readonly entropyWeight: number;
    /** Operation dropout p (0 = off). */
    readonly opDropout: number;
    /** DARTS+ early stopping: >= this many skip connections (0 = off). */
    readonly maxSkips: number;
    /** DARTS+ early stopping: ranking of the alphas stable for this many epochs (0 = off). */
    readonly stableEpochs: number;
    /** DARTS+ rules are checked only after this many epochs (near-uniform alphas at the start derive arbitrary cells). */
    readonly earlyStopWarmup: number;
    /** RobustDARTS: Hessian eigenvalue every k epochs (0 = off). */
    readonly eigenvalueEvery: number;
    /** Power iterations per eigenvalue. */
    readonly eigenIterations: number;
    /** DARTS-ES stopping ratio on the eigenvalue trajectory (0 = off). */
    readonly eigenStopRatio: number;
    /** Derive genotypes without 'none'. */
    readonly excludeNone: boolean;
  };
  readonly spos: {
    /** Subnets ranked with inherited weights (the field guide's example: 200). */
    readonly subnets: number;
    /** lambda of accuracy(%) - lambda * MFLOPs. */
    readonly flopsPenalty: number;
    readonly topK: number;
    /** Ranking check: this many subnets (spread over the ranking) trained standalone; 0 = off. */
    readonly rankingCheck: number;
    /** Epochs of each standalone training in the ranking check. */
    readonly rankingCheckEpochs: number;
  };
}

const int = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.integer(`${key} must be a whole number`), v.minValue(min, `${key} must be at least ${min}`), v.maxValue(max, `${key} must be at most ${max}`));
const num = (key: string, min: number, max: number) =>
  v.pipe(v.number(`${key} must be a number`), v.finite(`${key} must be finite`), v.minValue(min, `${key} must be at least ${min}`), v.maxValue(max, `${key} must be at most ${max}`));
const intList = (key: string, min: number, max: number) =>
  v.pipe(v.array(int(`${key}[]`, min, max), `${key} must be a list of whole numbers`), v.minLength(1, `${key} must not be empty`), v.maxLength(8, `${key} must have at most 8 entries`));

const ConfigSchema = v.strictObject({
  version: v.literal(ONE_SHOT_CONFIG_VERSION, `version must be ${ONE_SHOT_CONFIG_VERSION}`),
  name: v.pipe(v.string('name must be text'), v.trim(), v.minLength(1, 'name must not be empty'), v.maxLength(120, 'name must be at most 120 characters')),
  method: v.picklist(ONESHOT_METHODS, 'method must be darts, pc-darts or spos'),
  space: v.picklist(SPACE_KINDS, 'space must be "nb201", "darts" or "mobile"'),
  datasetId: v.pipe(v.string('datasetId must be text'), v.minLength(1, 'pick a dataset')),
  seed: int('seed', 0, 2 ** 31 - 1),
  epochs: int('epochs', 1, 1000),
  batchSize: int('batchSize', 1, 4096),
  learningRate: v.pipe(num('learningRate', 0, 10), v.gtValue(0, 'learningRate must be > 0')),
  channels: int('channels', 1, 256),
  cellsPerStage: int('cellsPerStage', 1, 10),
  layers: int('layers', 1, 20),
  mobile: v.strictObject({
    stages: int('mobile.stages', 1, 8),
    widths: intList('mobile.widths', 1, 256),
    depths: intList('mobile.depths', 1, 6),
  }),
  trainSamples: int('trainSamples', 1, 10_000_000),
  validSamples: int('validSamples', 1, 10_000_000),
  backend: v.picklist(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'], 'backend must be auto, webgpu, webgl, wasm or cpu'),
  darts: v.strictObject({
    order: v.picklist(['first', 'second'], "order must be 'first' or 'second'"),
    warmupEpochs: int('darts.warmupEpochs', 0, 1000),
    partialChannels: int('darts.partialChannels', 1, 64),
    entropyWeight: num('darts.entropyWeight', -100, 100),
    opDropout: v.pipe(num('darts.opDropout', 0, 1), v.ltValue(1, 'darts.opDropout must be below 1')),
    maxSkips: int('darts.maxSkips', 0, 8),
    stableEpochs: int('darts.stableEpochs', 0, 1000),
    earlyStopWarmup: int('darts.earlyStopWarmup', 0, 1000),
    eigenvalueEvery: int('darts.eigenvalueEvery', 0, 1000),
    eigenIterations: int('darts.eigenIterations', 1, 200),
    eigenStopRatio: num('darts.eigenStopRatio', 0, 1),
    excludeNone: v.boolean('darts.excludeNone must be true or false'),
  }),
  spos: v.strictObject({
    subnets: int('spos.subnets', 1, 100_000),
    flopsPenalty: num('spos.flopsPenalty', 0, 1e6),
    topK: int('spos.topK', 1, 1000),
    rankingCheck: int('spos.rankingCheck', 0, 1000),
    rankingCheckEpochs: int('spos.rankingCheckEpochs', 1, 100),
  }),
});

export class OneShotConfigError extends Error {
  override readonly name = 'OneShotConfigError';
}

/** Validates a configuration of the current version (migrate stored ones first). */
export function validateOneShotConfig(value: unknown): OneShotConfig {
  const r = v.safeParse(ConfigSchema, value);
  const bad = (msg: string) => new OneShotConfigError(`Invalid one-shot configuration: ${msg}`);
  if (!r.success) {
    const lines = issueLines(r.issues);
    throw bad(lines.join('; '));
  }
  const c = r.output as OneShotConfig;
  const why = oneShotMethodUnavailable(c.space, c.method);
  if (why) throw bad(why);
  if (c.method === 'pc-darts') {
    const k = c.darts.partialChannels;
    if (c.channels % k !== 0) throw bad(`channels (${c.channels}) must be divisible by PC-DARTS partial channels K = ${k}`);
  }
  if (c.space === 'darts' && c.channels % 2 !== 0) throw bad(`channels (${c.channels}) must be even for the DARTS space (FactorizedReduce halves it)`);
  if (c.space === 'mobile') {
    try {
      parseMobileConfig({ stages: c.mobile.stages, widths: c.mobile.widths, depths: c.mobile.depths });
    } catch (e) {
      throw bad(`mobile: ${e instanceof SpaceConfigError || e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (c.spos.rankingCheck === 1) throw bad('spos.rankingCheck needs at least 2 subnets to correlate (or 0 for off)');
  return c;
}
