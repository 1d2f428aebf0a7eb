/**
 * The finalists worker (workers/finalists.worker.ts) and the model registry it writes (src/db/models.ts): a job
 * re-trains the top candidates of a stored Search-tab run with a recipe (engine/finalists/stage.ts), checkpointed
 * after every epoch, reads the locked test split once per model, and stores each trained model with its weights.
 * Types plus the version constants.
 */
import type { FinalistRecipe, FinalistRecipeInput } from '../shared/finalist-recipe';
import type { HpoReport, HpoTrialReport, TrainedReport } from '../shared/finalist-result';
import type { SupernetRef } from '../shared/oneshot-lineage';
import type { SpaceKind } from '../shared/space-config';
import type { RetrainState } from '../engine/finalists/retrain';
import type { BackendChoice, BackendLostEvent, BackendReport } from './backend';

export type { TrainedReport } from '../shared/finalist-result';
export type { RetrainState } from '../engine/finalists/retrain';

export const FINALIST_JOB_VERSION = 1;
/**
 * Model records: 1 = Search-tab finalists only (lineage: parents); 2 = adds `kind` (finalist / baseline / student; a
 * baseline has a name and description instead of a genotype), `source` (the kind of run) and the one-shot supernet in `lineage`.
 */
export const MODEL_RECORD_VERSION = 2;
export const MODEL_WEIGHTS_VERSION = 1;
export const FINALIST_STATE_VERSION = 1;

/** What the user asks for: which candidates of which run, re-trained how, checked against which targets. */
/** The kind of stored run a job re-trains: a Search-tab run (black-box) or a One-shot-tab run. */
export type FinalistSourceKind = 'search' | 'oneshot';

export interface FinalistsRequest {
  /** Absent: 'search' (requests stored before one-shot runs could be a source). */
  readonly source?: FinalistSourceKind;
  /** A Search-tab run id, or a one-shot run id when `source` is 'oneshot'. */
  readonly runId: string;
  /** Top k by objective (>= 1). */
  readonly top: number;
  /** Add the run's accuracy-vs-cost Pareto front (only when the run has Pareto axes). */
  readonly pareto: boolean;
  readonly recipe: FinalistRecipeInput;
  /** Target lines ("recall[3] >= 94%", "latency_ms <= 8"), parsed by src/shared/targets.ts. */
  readonly targets: readonly string[];
  /** Train / validation images used (absent or 0: the whole train / validation split). */
  readonly trainSamples?: number;
  readonly validSamples?: number;
  readonly backend: BackendChoice;
  /** Hand-designed baselines trained with the same recipe (names of src/shared/baselines.ts: "resnet", "mobilenet"). */
  readonly baselines?: readonly string[];
  /** A student distilled from the best finalist (by validation), and the same student trained alone. */
  readonly distill?: DistillRequest;
}

/** 'narrow': the teacher's genotype at half the run's channels; or a baseline name ("resnet-0.5", "mobilenet-0.5"). */
export interface DistillRequest {
  readonly student: string;
  /** Softmax temperature of the soft targets (> 0). */
  readonly temperature: number;
  /** Weight of the soft loss, in [0, 1] (the hard loss gets 1 - alpha). */
  readonly alpha: number;
}

export type FinalistJobStatus = 'created' | 'running' | 'paused' | 'done' | 'failed';

/** One model the job re-trains (a searched candidate). */
export interface FinalistJobEntry {
  /** The stage's key (finalist-<candidate id>). */
  readonly key: string;
  readonly candidateId: number;
  readonly arch: string;
  readonly hash: string;
  readonly seed: number;
  /** Epochs completed (from the per-epoch state), for the progress view. */
  readonly epochsDone: number;
  /** Set once the model is tested and in the registry. */
  readonly modelId?: string;
  /** The finished learning-rate / weight-decay search of this entry (recipe.hpo), kept so a resumed job reuses it. */
  readonly hpo?: HpoReport;
}

/** A model of the job that is not a searched candidate: a hand-designed baseline or a student. */
export interface ExtraJobEntry {
  /** The stage's key: baseline-<name>, student-alone, student-distilled. */
  readonly key: string;
  readonly kind: 'baseline' | 'student';
  /** The baseline's name ("resnet"), or the student's ("narrow", "resnet-0.5"). */
  readonly name: string;
  /** What the row is called ("baseline resnet", "student (distilled)"). */
  readonly label: string;
  readonly seed: number;
  readonly epochsDone: number;
  readonly modelId?: string;
  readonly hpo?: HpoReport;
}

/** A finalists job, as stored (one per start; resumable until done). */
export interface FinalistJobRecord {
  readonly version: typeof FINALIST_JOB_VERSION;
  readonly id: string;
  readonly runId: string;
  readonly runName: string;
  readonly request: FinalistsRequest;
  /** The recipe with every default filled in. */
  readonly recipe: FinalistRecipe;
  readonly entries: readonly FinalistJobEntry[];
  /** Baselines and students, after the searched entries (absent in jobs stored before they existed: none). */
  readonly extras?: readonly ExtraJobEntry[];
  readonly status: FinalistJobStatus;
  readonly error?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The re-training state of one entry after its last completed epoch. */
export interface FinalistStateRecord {
  readonly version: typeof FINALIST_STATE_VERSION;
  readonly jobId: string;
  readonly key: string;
  readonly state: RetrainState;
  readonly updatedAt: number;
}

export type ModelKind = 'finalist' | 'baseline' | 'student';

/** What every registry model has (weights are in their own store, so listing stays cheap). */
export interface ModelRecordBase {
  readonly version: typeof MODEL_RECORD_VERSION;
  /** `${jobId}:${key}`. */
  readonly id: string;
  readonly jobId: string;
  readonly key: string;
  readonly runId: string;
  readonly runName: string;
  readonly datasetId: string;
  readonly classes: readonly string[];
  readonly seed: number;
  readonly recipe: FinalistRecipe;
  /** Metrics: validation, re-training history, TEST numbers (read once) and targets. */
  readonly report: TrainedReport;
  /** Median batch-1 latency (ms) per backend it was measured on. */
  readonly latencyMs: Readonly<Record<string, number>>;
  /** The kind of run it was picked from (absent in no stored record: version 1 reads as 'search'). */
  readonly source: FinalistSourceKind;
  readonly createdAt: number;
  /**
   * Set on a model brought in by a run file (src/db/run-file-models.ts): its report, recipe and latency as
   * exported, NO weights (no download, export or latency measurement). Absent: trained in this browser.
   */
  readonly imported?: ModelImport;
}

/** A genotype of the run's space on a skeleton (a searched finalist, or a narrow student of one). */
export interface SearchedModelFields {
  readonly candidateId: number;
  readonly space: SpaceKind;
  readonly genotype: unknown;
  /** Canonical text form of the genotype. */
  readonly arch: string;
  /** Canonical hash of the genotype. */
  readonly hash: string;
  /** The skeleton it was built on (channels, cells, input shape, classes). */
  readonly skeleton: unknown;
  /**
   * Lineage: the ids of the run's candidates this one was made from (evolution, local search; [] when sampled or
   * one-shot) and, for a one-shot finalist, the supernet it was derived or ranked in.
   */
  readonly lineage: { readonly parents: readonly number[]; readonly supernet?: SupernetRef };
}

/** Where an imported model came from. */
export interface ModelImport {
  /** The run file's exportedAt. */
  readonly exportedAt: string;
  /** Why it cannot be downloaded, exported or measured (shown in the UI). */
  readonly reason: string;
}

/** A hand-designed network (src/shared/baselines.ts): no genotype, its name and what it is instead. */
export interface HandModelFields {
  /** "resnet", "mobilenet-0.5". */
  readonly baseline: string;
  readonly description: string;
  /** The input it was built for (H, W, C) and its classes, to rebuild it. */
  readonly inputShape: readonly [number, number, number];
}

export interface StudentFields {
  /** The stage key of the teacher (the best finalist by validation). */
  readonly teacher: string;
  /** true: trained from the teacher's soft targets; false: the same student trained alone. */
  readonly distilled: boolean;
  readonly temperature: number;
  readonly alpha: number;
  readonly description: string;
}

export type FinalistModelRecord = ModelRecordBase & SearchedModelFields & { readonly kind: 'finalist' };
export type BaselineModelRecord = ModelRecordBase & HandModelFields & { readonly kind: 'baseline' };
export type StudentModelRecord = ModelRecordBase & { readonly kind: 'student'; readonly student: StudentFields } & (SearchedModelFields | HandModelFields);

/** A re-trained, tested model in the registry. */
export type ModelRecord = FinalistModelRecord | BaselineModelRecord | StudentModelRecord;

export interface ModelWeightsRecord {
  readonly version: typeof MODEL_WEIGHTS_VERSION;
  readonly modelId: string;
  readonly params: readonly Float32Array[];
  readonly buffers: readonly Float32Array[];
}

export type FinalistsEvent =
  | { readonly type: 'backend'; readonly report: BackendReport }
  | { readonly type: 'job'; readonly job: FinalistJobRecord }
  | { readonly type: 'start'; readonly jobId: string; readonly key: string; readonly resumedAfterEpoch: number }
  | { readonly type: 'epoch'; readonly jobId: string; readonly key: string; readonly epoch: number; readonly epochs: number; readonly trainLoss: number; readonly validAcc: number }
  | { readonly type: 'model'; readonly model: ModelRecord }
  /** One configuration of an entry's learning-rate / weight-decay search measured at a rung (validation only). */
  | { readonly type: 'hpo-trial'; readonly jobId: string; readonly key: string; readonly trial: HpoTrialReport }
  /** The entry's search is done (`reused`: read back from the job, not searched again). */
  | { readonly type: 'hpo'; readonly jobId: string; readonly key: string; readonly hpo: HpoReport; readonly reused: boolean }
  | BackendLostEvent;

export type FinalistsEventListener = (e: FinalistsEvent) => void;

export type ExportFormat = 'tfjs' | 'pytorch';

/** A download: one zip per model and format. */
export interface ExportedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface FinalistsWorkerApi {
  /** Creates a job for a stored run and runs it until done or stop(). */
  start(request: FinalistsRequest, onEvent: FinalistsEventListener): Promise<FinalistJobRecord>;
  /** Continues a stored job from each entry's last completed epoch. */
  resume(jobId: string, onEvent: FinalistsEventListener): Promise<FinalistJobRecord>;
  /** Builds the export of a registry model from its stored weights. */
  exportModel(modelId: string, format: ExportFormat): Promise<ExportedFile>;
  /** Measures the model's batch-1 latency on `backend` and adds it to its latency map (refused while a job runs). */
  measureLatency(modelId: string, backend: BackendChoice): Promise<ModelRecord>;
  /** Stops the running job after the current training step; resolves when it has (the job is then paused). */
  stop(): Promise<void>;
}
