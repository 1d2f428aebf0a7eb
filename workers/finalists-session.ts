/**
 * One finalists job inside the worker: the IndexedDB host of the engine's finalists stage
 * (src/engine/finalists/stage.ts; the headless runner's host is scripts/node/finalists-run.ts). A job is created
 * from a stored Search-tab run (top k by objective, optionally its Pareto front) and run with a StageStore on
 * IndexedDB: the re-training state after every epoch (so a reload resumes from the last completed epoch) and, once
 * a model is tested, the registry entry with its weights, in one transaction that also drops the checkpoint. The
 * locked test split is materialised only inside `readTest`, which the stage calls once per model after training;
 * a model already in the registry is reported from there and never tested again.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {
  commitFinalistState, commitModel, getDatasetMeta, getFinalistState, getModel, getModelWeights, getRun, listCandidates, loadDataset, loadSplit, putFinalistJob, type Db,
} from '../src/db';
import {
  FINALIST_JOB_VERSION, FINALIST_STATE_VERSION, MODEL_RECORD_VERSION, MODEL_WEIGHTS_VERSION,
  type ExtraJobEntry, type FinalistJobEntry, type FinalistJobRecord, type FinalistsEventListener, type FinalistsRequest, type ModelRecord, type ModelRecordBase,
} from '../src/protocol/finalists-api';
import type { CandidateRecord } from '../src/protocol/run';
import { parseFinalistRecipe, type DatasetHint } from '../src/shared/finalist-recipe';
import { withTargets } from '../src/shared/finalist-result';
import { parseTargets, type Target } from '../src/shared/targets';
import type { ImageDataset } from '../src/engine/data/types';
import { proxySubsets } from '../src/engine/evaluator/train-setup';
import { channelStats, disposeSplit, toTensorSplit } from '../src/engine/evaluator/tensors';
import { hashString } from '../src/engine/evaluator/train-evaluator';
import { genotypeSource } from '../src/engine/finalists/model-source';
import { pickFinalists } from '../src/engine/finalists/pick';
import { snapshotWeights } from '../src/engine/finalists/retrain-state';
import { runFinalistsStage, type StageOptions, type StageStore } from '../src/engine/finalists/stage';
import { runStageWithDistillation } from '../src/engine/finalists/distill-stage';
import { baselineStageEntries, distillWiring, extraJobEntries, extraModelRecord } from './finalist-extras';
import { spaceFromConfig } from '../src/engine/space/registry';
import { runSkeleton } from '../src/engine/space/run-skeleton';
import { AbortedError } from '../src/engine/util/abort';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
export const finalistKey = (candidateId: number) => `finalist-${candidateId}`;
export const modelIdOf = (jobId: string, key: string) => `${jobId}:${key}`;

/** Grey images are treated as digit-like (never mirrored), colour images as natural photos. */
export const hintOf = (ds: Pick<ImageDataset, 'shape'>): DatasetHint => (ds.shape[2] === 1 ? 'digit-like' : 'natural');

/** Validates the request against the stored run, picks the finalists and stores a new job (status 'created'). */
export async function createFinalistJob(db: Db, request: FinalistsRequest, id: string = crypto.randomUUID()): Promise<FinalistJobRecord> {
  const run = await getRun(db, request.runId);
  if (!run) throw new Error(`Run ${request.runId} is not in this browser's storage`);
  if (run.status === 'running') throw new Error(`Run "${run.config.name}" is still running; stop it (or let it finish) before re-training its finalists`);
  const recipe = parseFinalistRecipe(request.recipe);
  const targets = parseTargets(request.targets.filter((t) => t.trim() !== ''));
  const meta = await getDatasetMeta(db, run.config.evaluator.dataset);
  if (!meta) throw new Error(`Dataset ${run.config.evaluator.dataset} of run "${run.config.name}" is no longer stored`);
  const unknownClass = targets.find((t) => t.className !== undefined && !meta.classes.includes(t.className));
  if (unknownClass) throw new Error(`target "${unknownClass.text}": no class named "${unknownClass.className}" (classes: ${meta.classes.join(', ')})`);
  if (!(Number.isInteger(request.top) && request.top >= 1)) throw new Error(`Top k must be a whole number >= 1, got ${request.top}`);
  for (const [k, n] of [['train', request.trainSamples], ['validation', request.validSamples]] as const) {
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) throw new Error(`The number of ${k} images must be a whole number >= 0 (0: all), got ${n}`);
  }
  const log = await listCandidates(db, run.id);
  const axes = run.config.pareto;
  if (request.pareto && !axes) throw new Error(`Run "${run.config.name}" has no Pareto axes`);
  const picked = pickFinalists(log, request.top, request.pareto ? axes : undefined);
  if (picked.length === 0) throw new Error(`Run "${run.config.name}" has no feasible candidate to re-train (${log.length} evaluated)`);
  const entries: FinalistJobEntry[] = picked.map((c) => ({
    key: finalistKey(c.id), candidateId: c.id, arch: c.arch, hash: c.hash, seed: (run.config.seed ^ hashString(c.hash)) >>> 0, epochsDone: 0,
  }));
  const extras = extraJobEntries(request, run.config.seed);
  const now = Date.now();
  const job: FinalistJobRecord = {
    version: FINALIST_JOB_VERSION, id, runId: run.id, runName: run.config.name, request, recipe, entries, ...(extras.length ? { extras } : {}),
    status: 'created', createdAt: now, updatedAt: now,
  };
  await putFinalistJob(db, job);
  return job;
}

export interface FinalistSessionHooks {
  /** Told each time the locked test split is materialised (instrumentation for the read-once test). */
  readonly onTestRead?: (key: string) => void;
  /** Measure batch-1 latency after training (default true). */
  readonly latency?: boolean;
}

/** Runs (or resumes) a stored job until every entry is in the registry, or the signal stops it ('paused'). */
export async function runFinalistJob(
  db: Db, initial: FinalistJobRecord, onEvent: FinalistsEventListener, signal: AbortSignal, hooks: FinalistSessionHooks = {},
): Promise<FinalistJobRecord> {
  let job: FinalistJobRecord = { ...initial, status: 'running', error: undefined, updatedAt: Date.now() };
  const save = async (j: FinalistJobRecord) => {
    job = j;
    await putFinalistJob(db, job);
    onEvent({ type: 'job', job });
    return job;
  };
  await save(job);
  let targets: Target[];
  let run: Awaited<ReturnType<typeof getRun>>;
  let candidates: Map<number, CandidateRecord>;
  let ds: ImageDataset;
  let split: NonNullable<Awaited<ReturnType<typeof loadSplit>>>;
  let space: ReturnType<typeof spaceFromConfig>;
  let skeleton: ReturnType<typeof runSkeleton>;
  let sources: { entry: FinalistJobEntry; candidate: CandidateRecord; genotype: unknown }[];
  try {
    targets = parseTargets(job.request.targets.filter((t) => t.trim() !== ''));
    run = await getRun(db, job.runId);
    if (!run) throw new Error(`Run ${job.runId} (${job.runName}) is no longer in this browser's storage`);
    candidates = new Map((await listCandidates(db, run.id)).map((c) => [c.id, c]));
    ds = await loadDataset(db, run.config.evaluator.dataset);
    const sp = await loadSplit(db, run.config.evaluator.dataset);
    if (!sp) throw new Error(`Dataset "${ds.name}" has no locked split`);
    split = sp;
    const sc = spaceFromConfig(run.config.space);
    space = sc;
    skeleton = runSkeleton(sc.id, run.config.evaluator, [ds.shape[0], ds.shape[1], ds.shape[2]], ds.classes.length);
    sources = job.entries.map((e) => {
      const c = candidates.get(e.candidateId);
      if (!c || c.hash !== e.hash) throw new Error(`Candidate ${e.candidateId} of run "${job.runName}" is no longer stored as it was`);
      return { entry: e, candidate: c, genotype: sc.decode(c.arch) as unknown };
    });
  } catch (e) {
    return save({ ...job, status: 'failed', error: message(e), updatedAt: Date.now() });
  }
  const config = run.config;
  const ev = config.evaluator;
  const sub = proxySubsets(split, job.request.trainSamples || split.train.length, job.request.validSamples || split.valid.length, config.seed);
  const stats = channelStats(ds, sub.train);
  const train = toTensorSplit(ds, sub.train, stats);
  const valid = toTensorSplit(ds, sub.valid, stats);
  const testIdx = split.test;
  let current = '';
  const patchEntry = (key: string, patch: Partial<FinalistJobEntry & ExtraJobEntry>): FinalistJobRecord => ({
    ...job, entries: job.entries.map((e) => (e.key === key ? { ...e, ...patch } : e)),
    ...(job.extras ? { extras: job.extras.map((e) => (e.key === key ? { ...e, ...patch } : e)) } : {}), updatedAt: Date.now(),
  });
  const entryOf = (key: string) => job.entries.find((e) => e.key === key) ?? job.extras?.find((e) => e.key === key);
  const io = { inputShape: [ds.shape[0], ds.shape[1], ds.shape[2]] as const, numClasses: ds.classes.length };
  const distill = job.request.distill;
  const halfChannels = Math.max(1, Math.floor(ev.channels / 2));
  const wiring = distill && distillWiring(distill, sources.map((x) => x.entry.key), job.extras?.find((e) => e.kind === 'student')?.seed ?? 0, io, (teacherKey) => {
    const t = sources.find((x) => x.entry.key === teacherKey);
    if (!t) throw new Error(`finalists: teacher ${teacherKey} is not a finalist of this job`);
    const narrow = runSkeleton(space.id, { ...ev, channels: halfChannels }, io.inputShape, io.numClasses);
    return {
      model: genotypeSource(space.id, t.genotype, narrow),
      description: `candidate ${t.candidate.id}'s genotype at C=${halfChannels} (the teacher's C=${ev.channels})`,
      fields: { candidateId: t.candidate.id, space: t.candidate.space, genotype: t.genotype, arch: t.candidate.arch, hash: t.candidate.hash, skeleton: narrow, lineage: { parents: [t.candidate.id] } },
    };
  });

  const store: StageStore = {
    async result(key) {
      const id = entryOf(key)?.modelId;
      return id ? (await getModel(db, id))?.report : undefined;
    },
    async state(key) {
      return (await getFinalistState(db, job.id, key))?.state;
    },
    async saveState(key, state) {
      job = patchEntry(key, { epochsDone: state.epoch });
      await commitFinalistState(db, job, { version: FINALIST_STATE_VERSION, jobId: job.id, key, state, updatedAt: Date.now() });
      onEvent({ type: 'job', job });
    },
    hpo: (key) => entryOf(key)?.hpo,
    async saveHpo(key, hpo) {
      await save(patchEntry(key, { hpo }));
    },
    // A distillation teacher tested in an earlier session: its weights from the registry.
    async weights(key) {
      const w = await getModelWeights(db, modelIdOf(job.id, key));
      return w && { params: [...w.params], buffers: [...w.buffers] };
    },
    async saveResult(key, report, net) {
      const s = sources.find((x) => x.entry.key === key);
      const extra = job.extras?.find((e) => e.key === key);
      if (!s && !extra) throw new Error(`finalists: no entry ${key}`);
      const id = modelIdOf(job.id, key);
      const weights = await snapshotWeights(net);
      const checked = withTargets(report, targets);
      const base: ModelRecordBase = {
        version: MODEL_RECORD_VERSION, id, jobId: job.id, key, runId: job.runId, runName: job.runName, datasetId: ev.dataset, classes: ds.classes,
        seed: s?.entry.seed ?? extra?.seed ?? 0, recipe: job.recipe, report: checked,
        latencyMs: report.latency_ms !== undefined ? { [report.backend]: report.latency_ms } : {}, createdAt: Date.now(),
      };
      const model: ModelRecord = s
        ? {
          ...base, kind: 'finalist', candidateId: s.candidate.id, space: s.candidate.space, genotype: s.genotype, arch: s.candidate.arch,
          hash: s.candidate.hash, skeleton, lineage: { parents: s.candidate.parents },
        }
        : extraModelRecord(base, extra as ExtraJobEntry, io, distill && { request: distill, chosen: wiring?.chosen() });
      job = patchEntry(key, { modelId: id, epochsDone: report.retrain.epochs });
      await commitModel(db, job, model, { version: MODEL_WEIGHTS_VERSION, modelId: id, params: weights.params, buffers: weights.buffers });
      onEvent({ type: 'model', model });
      onEvent({ type: 'job', job });
    },
  };

  try {
    const stage: StageOptions = {
      entries: [
        ...sources.map((s) => ({ key: s.entry.key, model: genotypeSource(space.id, s.genotype, skeleton), seed: s.entry.seed, curveStop: true })),
        ...baselineStageEntries(job.extras ?? [], io),
      ],
      data: { train, valid },
      // The only read of the locked test split: once per model, after its training.
      readTest: () => {
        hooks.onTestRead?.(current);
        return toTensorSplit(ds, testIdx, stats);
      },
      classes: ds.classes,
      recipe: job.recipe,
      hint: hintOf(ds),
      store,
      latency: hooks.latency === false ? undefined : { now: () => performance.now() },
      signal,
      onEvent: (e) => {
        if (e.kind === 'start') {
          current = e.key;
          onEvent({ type: 'start', jobId: job.id, key: e.key, resumedAfterEpoch: e.resumedAfterEpoch });
        } else if (e.kind === 'epoch') {
          const r = e.record;
          onEvent({ type: 'epoch', jobId: job.id, key: e.key, epoch: r.epoch + 1, epochs: job.recipe.epochs, trainLoss: r.trainLoss, validAcc: r.validAcc });
        } else if (e.kind === 'hpo-trial') {
          const t = e.trial;
          onEvent({ type: 'hpo-trial', jobId: job.id, key: e.key, trial: { config: t.config, learning_rate: t.learningRate, weight_decay: t.weightDecay, rung: t.rung, epochs: t.epochs, valid_acc: t.validAcc } });
        } else if (e.kind === 'hpo') {
          onEvent({ type: 'hpo', jobId: job.id, key: e.key, hpo: e.hpo, reused: e.reused });
        }
      },
    };
    if (wiring) await runStageWithDistillation(stage, wiring.plan);
    else await runFinalistsStage(stage);
    await save({ ...job, status: 'done', updatedAt: Date.now() });
  } catch (e) {
    const stopped = signal.aborted || e instanceof AbortedError;
    await save({ ...job, status: stopped ? 'paused' : 'failed', ...(stopped ? {} : { error: message(e) }), updatedAt: Date.now() });
  } finally {
    disposeSplit(train);
    disposeSplit(valid);
  }
  return job;
}
