/**
 * The headless runner's host around the engine's finalists core (src/engine/finalists/): reads a saved run file
 * of `npm run search -- --out run.json`, picks the top k candidates (and optionally the run's Pareto front),
 * re-trains each from scratch with the recipe on the full (or a seeded subset of the) train split of the built-in
 * MNIST subset, then evaluates each once on the locked test split. The test split is read only inside the
 * `readTest` accessor handed to the engine, which calls it once per finalist after training.
 * Hand-designed baselines (--baselines) are trained beside the finalists with the same recipe, and --distill trains
 * a student from the best finalist by validation and alone (engine/finalists/distill-stage.ts); stderr ends with one
 * comparison table of every model tested.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { parseRunConfig, type RunConfig } from '../../src/shared/run-config';
import { parseFinalistRecipe, type DatasetHint, type FinalistRecipe } from '../../src/shared/finalist-recipe';
import type { Target } from '../../src/shared/targets';
import type { TrainedReport } from '../../src/shared/finalist-result';
import { proxySubsets } from '../../src/engine/evaluator/train-setup';
import { channelStats, disposeSplit, toTensorSplit } from '../../src/engine/evaluator/tensors';
import { hashString } from '../../src/engine/evaluator/train-evaluator';
import { genotypeSource } from '../../src/engine/finalists/model-source';
import { runFinalistsStage } from '../../src/engine/finalists/stage';
import type { LoggedCandidate } from '../../src/engine/search/types';
import { validateLog } from '../../src/engine/search/checkpoint';
import { loadBuiltinMnist, setNodeBackend } from './builtin';
import { loadDatasetFiles } from './dataset-file';
import { splitFingerprint } from '../../src/engine/data/splits';
import { FinalistCheckpoint } from './finalist-checkpoint';
import { baselineName, type BaselineSpec } from '../../src/shared/baselines';
import { planExtras } from '../../src/engine/finalists/plan-extras';
import { entryNames, finalistKey, finalistsReport, stageEventLine, type FinalistsOutput } from './finalists-report';
import { runStageWithDistillation, type DistillationOutcome } from '../../src/engine/finalists/distill-stage';
import type { StageEntry, StageOptions } from '../../src/engine/finalists/stage';
import { CliUsageError } from './search-run';
import { checkDatasetMatches, planFromOneShot, planFromSearch, runBackend } from './finalist-plan';
import { parseOneShotRunFile, type OneShotRunFile } from '../../src/shared/oneshot-run-file';

export interface FinalistsCliOptions {
  /** A run file's path, or a run already in memory (the search just finished) with a label for messages. */
  readonly run: string | { readonly label: string; readonly file: RunFile };
  readonly top: number;
  readonly recipe: FinalistRecipe;
  /** 'builtin', or the dataset files the search ran on (the runner's --dataset: IDX, CIFAR, zip, image folder). */
  readonly dataset: 'builtin' | readonly string[];
  /** Official test files for a --dataset (t10k-* and CIFAR test batches are also found by name). */
  readonly test?: readonly string[];
  readonly seed?: number;
  readonly trainSamples?: number;
  readonly validSamples?: number;
  readonly channels?: number;
  readonly cellsPerStage?: number;
  readonly hint?: DatasetHint;
  readonly pareto: boolean;
  readonly latency: boolean;
  readonly targets: readonly Target[];
  /** Resume from and save to this folder (finalist-checkpoint.ts). */
  readonly checkpoint?: string;
  /** Hand-designed baselines trained beside the finalists with the same recipe. */
  readonly baselines?: readonly BaselineSpec[];
  /** A student distilled from the best finalist by validation, and the same student trained alone. */
  readonly distill?: DistillCliOptions;
  readonly repoRoot: string;
  readonly log: (line: string) => void;
}

export interface DistillCliOptions {
  /** 'narrow': the teacher's genotype at half the run's channels; or a (scaled) baseline. */
  readonly student: 'narrow' | BaselineSpec;
  readonly temperature: number;
  readonly alpha: number;
}

export interface RunFile {
  readonly config: RunConfig;
  readonly log: readonly LoggedCandidate[];
  /** The split fingerprint of a search that ran on a --dataset file (absent: the built-in MNIST subset). */
  readonly datasetFingerprint?: string;
}

export function readRunFile(file: string): RunFile | OneShotRunFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliUsageError(`cannot read run file ${file}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new CliUsageError(`run file ${file}: must be a JSON object (the --out file of npm run search)`);
  if ((raw as { kind?: unknown }).kind === 'oneshot') {
    try {
      return parseOneShotRunFile(raw);
    } catch (e) {
      throw new CliUsageError(`run file ${file}: ${(e as Error).message}`);
    }
  }
  const r = raw as { config?: unknown; log?: unknown; dataset?: { fingerprint?: unknown } };
  if (r.config === undefined) throw new CliUsageError(`run file ${file}: has no "config" (is it the --out file of npm run search?)`);
  if (!Array.isArray(r.log)) throw new CliUsageError(`run file ${file}: has no "log" array of candidates`);
  let config: RunConfig;
  try {
    config = parseRunConfig(r.config);
  } catch (e) {
    throw new CliUsageError(`run file ${file}: ${(e as Error).message}`);
  }
  const log = r.log as LoggedCandidate[];
  try {
    validateLog(log, log.length, 'log');
  } catch (e) {
    throw new CliUsageError(`run file ${file}: ${(e as Error).message}`);
  }
  const fp = r.dataset?.fingerprint;
  return typeof fp === 'string' ? { config, log, datasetFingerprint: fp } : { config, log };
}

export async function runFinalists(o: FinalistsCliOptions): Promise<FinalistsOutput> {
  const run = typeof o.run === 'string' ? readRunFile(o.run) : o.run.file;
  const runLabel = typeof o.run === 'string' ? o.run : o.run.label;
  await setNodeBackend(runBackend('kind' in run && run.kind === 'oneshot' ? run : (run as RunFile)));
  const planOptions = { label: runLabel, top: o.top, pareto: o.pareto, channels: o.channels, cellsPerStage: o.cellsPerStage, log: o.log };
  const plan = 'kind' in run && run.kind === 'oneshot'
    ? planFromOneShot(run.config, run.runId, run.candidates, planOptions)
    : planFromSearch((run as RunFile).config, (run as RunFile).log, planOptions);
  const datasetFingerprint = 'kind' in run ? undefined : run.datasetFingerprint;
  const files = o.dataset === 'builtin' ? null : o.dataset;
  if (!files && datasetFingerprint !== undefined) {
    throw new CliUsageError(`run ${runLabel} searched on dataset files (split ${datasetFingerprint}); pass the same --dataset (and --test) files`);
  }
  checkDatasetMatches(plan, files !== null, runLabel);
  const { picked, genotypes, channels, cellsPerStage } = plan;
  const { ds, split } = files ? await loadDatasetFiles(files, o.test ?? []) : await loadBuiltinMnist(o.repoRoot);
  if (files && datasetFingerprint !== undefined && splitFingerprint(split, ds) !== datasetFingerprint) {
    throw new CliUsageError(`run ${runLabel} searched on data with split ${datasetFingerprint}; these --dataset files give split ${splitFingerprint(split, ds)} (pass the same files)`);
  }
  const seed = o.seed ?? plan.seed;
  const io = { inputShape: [ds.shape[0], ds.shape[1], ds.shape[2]] as const, numClasses: ds.classes.length };
  const skeleton = plan.skeleton(io);
  const sub = proxySubsets(split, o.trainSamples ?? split.train.length, o.validSamples ?? split.valid.length, seed);
  const stats = channelStats(ds, sub.train);
  const train = toTensorSplit(ds, sub.train, stats);
  const valid = toTensorSplit(ds, sub.valid, stats);
  const testCount = split.test.length;
  o.log(`finalists: ${picked.length} of ${plan.candidates} candidates; ${ds.name}: ${train.count} train / ${valid.count} validation / ${testCount} test images, backend ${tf.getBackend()}`);
  const ckpt = o.checkpoint !== undefined ? new FinalistCheckpoint(o.checkpoint) : null;
  ckpt?.checkSettings({
    run: runLabel, recipe: o.recipe, seed, channels, cellsPerStage, train: sub.train.length, valid: sub.valid.length, hint: o.hint ?? 'digit-like',
    ...(o.distill ? { distill: { ...o.distill, student: o.distill.student === 'narrow' ? 'narrow' : baselineName(o.distill.student) } } : {}),
  });
  const byKey = new Map(picked.map((e) => [finalistKey(e.id), e]));
  const extras = planExtras({
    seed, io, baselines: o.baselines ?? [], ...(o.distill ? { distill: o.distill } : {}),
    teachers: picked.map((e, i) => ({ key: finalistKey(e.id), id: e.id, genotype: genotypes[i], arch: e.arch })),
    spaceId: plan.spaceId, channels, skeleton: (c) => plan.skeleton(io, c),
  });
  const say = entryNames(picked.map((e) => e.id), extras.baselines);
  const entries: StageEntry[] = [
    ...picked.map((e, i) => ({
      key: finalistKey(e.id),
      model: genotypeSource(plan.spaceId, genotypes[i], skeleton),
      seed: (seed ^ hashString(e.hash)) >>> 0,
      curveStop: true,
    })),
    ...extras.baselines,
  ];
  let reports: TrainedReport[];
  let distillation: DistillationOutcome | undefined;
  try {
    const stage: StageOptions = {
      entries,
      data: { train, valid },
      // The only read of the locked test split: once per finalist, after its training.
      readTest: () => toTensorSplit(ds, split.test, stats),
      classes: ds.classes,
      recipe: o.recipe,
      hint: o.hint ?? 'digit-like',
      store: ckpt ?? undefined,
      latency: o.latency ? { now: () => performance.now() } : undefined,
      onEvent: (ev) => o.log(stageEventLine(ev, say(ev.key), byKey.get(ev.key)?.arch ?? '', o.recipe.epochs)),
    };
    if (extras.distill) {
      ({ reports, distillation } = await runStageWithDistillation(stage, extras.distill));
    } else {
      reports = await runFinalistsStage(stage);
    }
  } finally {
    disposeSplit(train);
    disposeSplit(valid);
  }
  return finalistsReport({
    plan, picked, entries, reports, baselines: extras.baselines, distillation, say,
    dataset: { name: ds.name, train: sub.train.length, valid: sub.valid.length, test: testCount },
    backend: tf.getBackend(), recipe: o.recipe, targets: o.targets, log: o.log,
  });
}

/**
 * The recipe file (or the defaults) with --epochs applied; a warm-up as long as the new epochs is shortened, saying
 * so. `hpo` (--hpo) enables the recipe's hpo section (its other settings from the file or the defaults).
 */
export function readRecipeFile(file: string | undefined, epochs: number | undefined, log: (line: string) => void, hpo = false): FinalistRecipe {
  let raw: unknown = {};
  if (file !== undefined) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CliUsageError(`cannot read recipe ${file}: ${(e as Error).message}`);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliUsageError(`recipe ${file}: must be a JSON object`);
  let input: Record<string, unknown> = { ...raw };
  if (hpo) {
    const section = input.hpo ?? {};
    // A section that is not an object is left for the parser to name.
    input.hpo = typeof section === 'object' && section !== null && !Array.isArray(section) ? { ...section, enabled: true } : section;
  }
  if (epochs !== undefined) {
    input = { ...input, epochs };
    const warm = input.warmupEpochs;
    if (typeof warm === 'number' && warm >= epochs) {
      log(`finalists: --epochs ${epochs} shortens the recipe's warm-up from ${warm} to ${epochs - 1} epochs`);
      input.warmupEpochs = epochs - 1;
    }
  }
  try {
    return parseFinalistRecipe(input);
  } catch (e) {
    throw new CliUsageError(`${file ? `recipe ${file}: ` : ''}${(e as Error).message}`);
  }
}
