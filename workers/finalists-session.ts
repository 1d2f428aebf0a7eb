/**
 * One finalists job inside the worker: the IndexedDB host of the engine's finalists stage
 * (src/engine/finalists/stage.ts; the headless runner's host is scripts/node/finalists-run.ts). A job is created
 * from a stored Search-tab run (top k by objective, optionally its Pareto front) or One-shot-tab run (its selected
 * architectures first, on the supernet's skeleton; workers/finalists-source.ts) and run with a StageStore on
 * IndexedDB: the re-training state after every epoch (so a reload resumes from the last completed epoch) and, once
 * a model is tested, the registry entry with its weights, in one transaction that also drops the checkpoint. The
 * locked test split is materialised only inside `readTest`, which the stage calls once per model after training;
 * a model already in the registry is reported from there and never tested again.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {
  commitFinalistState, commitModel, getDatasetMeta, getFinalistState, getModel, getModelWeights, loadDataset, loadSplit, putFinalistJob, type Db,
} from '../src/db';
import {
  FINALIST_JOB_VERSION, FINALIST_STATE_VERSION, MODEL_RECORD_VERSION, MODEL_WEIGHTS_VERSION,
  type ExtraJobEntry, type FinalistJobEntry, type FinalistJobRecord, type FinalistsEventListener, type FinalistsRequest, type ModelRecord, type ModelRecordBase, type SearchedModelFields,
} from '../src/protocol/finalists-api';
import { parseBaselineName } from '../src/shared/baselines';
import { storageFullMessage } from '../src/db/storage-full';
import { parseFinalistRecipe, type DatasetHint } from '../src/shared/finalist-recipe';
import { withTargets } from '../src/shared/finalist-result';
import { parseTargets, type Target } from '../src/shared/targets';
import type { ImageDataset } from '../src/engine/data/types';
import { proxySubsets } from '../src/engine/evaluator/train-setup';
import { channelStats, disposeSplit, toTensorSplit } from '../src/engine/evaluator/tensors';
import { hashString } from '../src/engine/evaluator/train-evaluator';
import { genotypeSource } from '../src/engine/finalists/model-source';
import { snapshotWeights } from '../src/engine/finalists/retrain-state';
import { runFinalistsStage, type StageOptions, type StageStore } from '../src/engine/finalists/stage';
import { runStageWithDistillation } from '../src/engine/finalists/distill-stage';
import { planExtras } from '../src/engine/finalists/plan-extras';
import { extraJobEntries, extraModelRecord, parseStudent } from './finalist-extras';
import { AbortedError } from '../src/engine/util/abort';
import { loadSource, openSource, sourceKind, type LoadedSource } from './finalists-source';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
export const finalistKey = (candidateId: number) => `finalist-${candidateId}`;
export const modelIdOf = (jobId: string, key: string) => `${jobId}:${key}`;

/** Grey images are treated as digit-like (never mirrored), colour images as natural photos. */
export const hintOf = (ds: Pick<ImageDataset, 'shape'>): DatasetHint => (ds.shape[2] === 1 ? 'digit-like' : 'natural');

/** Validates the request against the stored run, picks the finalists and stores a new job (status 'created'). */
export async function createFinalistJob(db: Db, request: FinalistsRequest, id: string = crypto.randomUUID()): Promise<FinalistJobRecord> {
  const run = await openSource(db, request);
  const recipe = parseFinalistRecipe(request.recipe);
  const targets = parseTargets(request.targets.filter((t) => t.trim() !== ''));
  const meta = await getDatasetMeta(db, run.datasetId);
  if (!meta) {
    throw new Error(run.kind === 'oneshot'
      ? `Dataset "${run.datasetId}" of one-shot run "${run.name}" is not stored in this browser; import it (Data tab) to re-train this run's finalists`
      : `Dataset ${run.datasetId} of run "${run.name}" is no longer stored`);
  }
  const unknownClass = targets.find((t) => t.className !== undefined && !meta.classes.includes(t.className));
  if (unknownClass) throw new Error(`target "${unknownClass.text}": no class named "${unknownClass.className}" (classes: ${meta.classes.join(', ')})`);
  if (!(Number.isInteger(request.top) && request.top >= 1)) throw new Error(`Top k must be a whole number >= 1, got ${request.top}`);
  for (const [k, n] of [['train', request.trainSamples], ['validation', request.validSamples]] as const) {
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) throw new Error(`The number of ${k} images must be a whole number >= 0 (0: all), got ${n}`);
  }
  const picked = await run.pick(request.top, request.pareto);
  const entries: FinalistJobEntry[] = picked.map((c) => ({
    key: finalistKey(c.id), candidateId: c.id, arch: c.arch, hash: c.hash, seed: (run.seed ^ hashString(c.hash)) >>> 0, epochsDone: 0,
  }));
  const extras = extraJobEntries(request, run.seed);
  const now = Date.now();
  const job: FinalistJobRecord = {
    version: FINALIST_JOB_VERSION, id, runId: run.id, runName: run.name, request, recipe, entries, ...(extras.length ? { extras } : {}),
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
  /** Called before every save; throws once the backend is lost (workers/backend-loss.ts), so nothing it computed is stored. */
  readonly checkBackend?: () => void;
}

/** Runs (or resumes) a stored job until every entry is in the registry, or the signal stops it ('paused'). */
export async function runFinalistJob(
  db: Db, initial: FinalistJobRecord, onEvent: FinalistsEventListener, signal: AbortSignal, hooks: FinalistSessionHooks = {},
): Promise<FinalistJobRecord> {
  let job: FinalistJobRecord = { ...initial, status: 'running', error: undefined, updatedAt: Date.now() };
  // `job` is always what is stored: each change is written first, then kept (a failed write leaves the last state).
  const save = async (j: FinalistJobRecord) => {
    await putFinalistJob(db, j);
    job = j;
    onEvent({ type: 'job', job });
    return job;
  };
  await save(job);
  let targets: Target[];
  let ds: ImageDataset;
  let split: NonNullable<Awaited<ReturnType<typeof loadSplit>>>;
  let src: LoadedSource;
  let skeleton: unknown;
  let sources: { entry: FinalistJobEntry; genotype: unknown; lineage: SearchedModelFields['lineage'] }[];
  try {
    targets = parseTargets(job.request.targets.filter((t) => t.trim() !== ''));
    const s = await loadSource(db, job);
    src = s;
    ds = await loadDataset(db, s.datasetId);
    const sp = await loadSplit(db, s.datasetId);
    if (!sp) throw new Error(`Dataset "${ds.name}" has no locked split`);
    split = sp;
    skeleton = s.skeleton([ds.shape[0], ds.shape[1], ds.shape[2]], ds.classes.length);
    sources = job.entries.map((e) => {
      const item = s.items.get(e.key);
      if (!item) throw new Error(`finalists: no entry ${e.key}`);
      return { entry: e, ...item };
    });
  } catch (e) {
    return save({ ...job, status: 'failed', error: message(e), updatedAt: Date.now() });
  }
  const sub = proxySubsets(split, job.request.trainSamples || split.train.length, job.request.validSamples || split.valid.length, src.seed);
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
  const extras = planExtras({
    seed: src.seed, io, teachers: sources.map((x) => ({ key: x.entry.key, id: x.entry.candidateId, genotype: x.genotype })),
    baselines: (job.extras ?? []).filter((e) => e.kind === 'baseline').map((e) => parseBaselineName(e.name)),
    ...(distill ? { distill: { ...distill, student: parseStudent(distill) } } : {}),
    spaceId: src.spaceId, channels: src.channels, skeleton: (c) => src.skeleton(io.inputShape, io.numClasses, c),
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
      hooks.checkBackend?.();
      const next = patchEntry(key, { epochsDone: state.epoch });
      await commitFinalistState(db, next, { version: FINALIST_STATE_VERSION, jobId: job.id, key, state, updatedAt: Date.now() });
      job = next;
      onEvent({ type: 'job', job });
    },
    hpo: (key) => entryOf(key)?.hpo,
    async saveHpo(key, hpo) {
      hooks.checkBackend?.();
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
      hooks.checkBackend?.();
      const weights = await snapshotWeights(net);
      hooks.checkBackend?.();
      const checked = withTargets(report, targets);
      const base: ModelRecordBase = {
        version: MODEL_RECORD_VERSION, id, jobId: job.id, key, runId: job.runId, runName: job.runName, datasetId: src.datasetId, classes: ds.classes,
        seed: s?.entry.seed ?? extra?.seed ?? 0, recipe: job.recipe, report: checked,
        latencyMs: report.latency_ms !== undefined ? { [report.backend]: report.latency_ms } : {}, source: sourceKind(job.request), createdAt: Date.now(),
      };
      const model: ModelRecord = s
        ? {
          ...base, kind: 'finalist', candidateId: s.entry.candidateId, space: src.spaceId, genotype: s.genotype, arch: s.entry.arch,
          hash: s.entry.hash, skeleton, lineage: s.lineage,
        }
        : extraModelRecord(base, extra as ExtraJobEntry, io, distill && { request: distill, chosen: extras.chosen(), spaceId: src.spaceId, teachers: sources });
      const next = patchEntry(key, { modelId: id, epochsDone: report.retrain.epochs });
      await commitModel(db, next, model, { version: MODEL_WEIGHTS_VERSION, modelId: id, params: weights.params, buffers: weights.buffers });
      job = next;
      onEvent({ type: 'model', model });
      onEvent({ type: 'job', job });
    },
  };

  try {
    const stage: StageOptions = {
      entries: [
        ...sources.map((s) => ({ key: s.entry.key, model: genotypeSource(src.spaceId, s.genotype, skeleton), seed: s.entry.seed, curveStop: true })),
        ...extras.baselines,
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
    if (extras.distill) await runStageWithDistillation(stage, extras.distill);
    else await runFinalistsStage(stage);
    await save({ ...job, status: 'done', updatedAt: Date.now() });
  } catch (e) {
    const stopped = signal.aborted || e instanceof AbortedError;
    const full = storageFullMessage(e);
    if (full !== null) {
      // Not the job's fault: paused at its last stored epoch (the job record says so too), resumable once there is room.
      job = { ...job, status: 'paused', error: `${full} The job is paused after its last saved epoch; resume it once there is room.`, updatedAt: Date.now() };
      try {
        await putFinalistJob(db, job);
      } catch (again) {
        if (storageFullMessage(again) === null) throw again;
      }
      onEvent({ type: 'job', job });
    } else await save({ ...job, status: stopped ? 'paused' : 'failed', ...(stopped ? {} : { error: message(e) }), updatedAt: Date.now() });
  } finally {
    disposeSplit(train);
    disposeSplit(valid);
  }
  return job;
}
