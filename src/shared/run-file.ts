/**
 * The run file (issue 13, item 8): a whole black-box search as one JSON file — the run config (v3, seed
 * included), the backend, every candidate with its hash, genotype, metrics, objective and lineage (`parents`),
 * and the search core's checkpoint, so the app and the headless runner can import it again to show, compare or
 * resume it. The headless runner's `--out` writes it (with its own summary fields beside: `stopReason`,
 * `queries`, `simulatedTime`, `best`, `pareto`, `log`, `dataset`, not read on import); src/db/run-file.ts builds it from and
 * stores it into IndexedDB. Pure data: valibot, no tfjs, no DOM.
 * `finalists` (optional, validated: shared/run-file-finalists.ts) are the models re-trained from the run's
 * candidates — reports with their TEST numbers, recipe, seed, latency per backend, lineage — WITHOUT weights.
 *
 * Version 2 (a black-box search):
 *   {format: 'nas-playground-run', version: 2, kind: 'search', exportedAt (ISO time), config, backend (null: unknown),
 *    status, candidates: [{id, arch, hash, genotype?, metrics, objective (null: infeasible), feasible,
 *    parents}], checkpoint: {version, nextId, strategy} | null, finalists?: [RunFileFinalist]}
 * Candidate ids are 0..n-1 in order; parents name earlier ids; a checkpoint's nextId equals the number of
 * candidates. The checkpoint is the core's format without its log (the candidates are the log).
 * Version 1 is the same without `kind` (it could only be a black-box search); it is read as version 2.
 * A one-shot run (kind 'oneshot', version 2) has its own shape: shared/oneshot-run-file.ts; parseAnyRunFile
 * reads either kind, parseRunFile only this one (and says where a one-shot file goes).
 */
import * as v from 'valibot';
import { issueLines } from './schema-issues';
import { parseRunConfig, RunConfigError, type RunConfig } from './run-config';
import { checkRunFileFinalists, type RunFileFinalist } from './run-file-finalists';

export type { RunFileFinalist } from './run-file-finalists';

export const RUN_FILE_FORMAT = 'nas-playground-run';
export const RUN_FILE_VERSION = 2;
/** The versions this code reads (1: before one-shot files, read as 2). */
export const RUN_FILE_VERSIONS = [1, 2] as const;

export interface RunFileCandidate {
  readonly id: number;
  readonly arch: string;
  readonly hash: string;
  /** The genotype as plain JSON (absent where the writer only had the encoded arch). */
  readonly genotype?: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  /** null: infeasible (objective -Infinity). */
  readonly objective: number | null;
  readonly feasible: boolean;
  /** Lineage: ids of the earlier candidates this one was made from ([] for none). */
  readonly parents: readonly number[];
  /** Why the candidate failed (diverged, crashed), when it did. */
  readonly error?: string;
}

/** The search core's checkpoint (engine/search/checkpoint.ts) without its log. */
export interface RunFileCheckpoint {
  readonly version: number;
  readonly nextId: number;
  readonly strategy: { readonly strategy: string; readonly version: number; readonly [key: string]: unknown };
}

export interface RunFile {
  readonly format: typeof RUN_FILE_FORMAT;
  readonly version: typeof RUN_FILE_VERSION;
  readonly kind: 'search';
  /** ISO 8601 time of export. */
  readonly exportedAt: string;
  readonly config: RunConfig;
  /** The backend the run last trained on; null when unknown (a table lookup). */
  readonly backend: string | null;
  /** The run's status when exported (a stored run's words: created, running, paused, done, failed). */
  readonly status: string;
  readonly candidates: readonly RunFileCandidate[];
  /** null: the run never saved one (nothing to resume from; it starts again). */
  readonly checkpoint: RunFileCheckpoint | null;
  /** The models re-trained from this run's candidates (no weights); absent: none (or an older file). */
  readonly finalists?: readonly RunFileFinalist[];
}

/** A run file that cannot be read: every problem as `path: message`. */
export class RunFileError extends Error {
  override readonly name = 'RunFileError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid run file: ${issues.join('; ')}`);
  }
}

const objectOf = (what: string) => (issue: v.BaseIssue<unknown>) =>
  issue.expected === 'never' ? `unknown ${what} field` : issue.received === 'undefined' && issue.path !== undefined ? `required ${what} field is missing` : `${what} must be an object`;
const nonNegInt = (what: string) => v.pipe(v.number(`${what} must be a number`), v.integer(`${what} must be an integer`), v.minValue(0, `${what} must be >= 0`));

const CandidateSchema = v.strictObject(
  {
    id: nonNegInt('id'),
    arch: v.string('arch must be a string'),
    hash: v.pipe(v.string('hash must be a string'), v.minLength(1, 'hash must not be empty')),
    genotype: v.optional(v.unknown()),
    metrics: v.record(v.string(), v.number('metrics values must be numbers'), 'metrics must be an object of numbers'),
    objective: v.nullable(v.pipe(v.number('objective must be a number or null'), v.finite('objective must be finite (null for infeasible)'))),
    feasible: v.boolean('feasible must be true or false'),
    parents: v.array(nonNegInt('parent id'), 'parents must be an array of candidate ids'),
    error: v.optional(v.string('error must be text')),
  },
  objectOf('candidate'),
);

const CheckpointSchema = v.nullable(
  v.object(
    {
      version: nonNegInt('checkpoint.version'),
      nextId: nonNegInt('checkpoint.nextId'),
      strategy: v.looseObject(
        { strategy: v.string('checkpoint.strategy.strategy must be a strategy name'), version: v.number('checkpoint.strategy.version must be a number') },
        'checkpoint.strategy must be a strategy state dict',
      ),
    },
    objectOf('checkpoint'),
  ),
);

const RunFileSchema = v.strictObject(
  {
    format: v.literal(RUN_FILE_FORMAT, `format must be "${RUN_FILE_FORMAT}" (this is not a run file of this app)`),
    version: v.picklist(RUN_FILE_VERSIONS, `version must be ${RUN_FILE_VERSIONS.join(' or ')} (a newer app may have written this file)`),
    kind: v.optional(v.literal('search', 'kind must be "search" here')),
    exportedAt: v.pipe(v.string('exportedAt must be an ISO time string'), v.isoTimestamp('exportedAt must be an ISO time like 2026-01-01T00:00:00.000Z')),
    config: v.unknown(),
    backend: v.nullable(v.string('backend must be a backend name or null')),
    status: v.picklist(['created', 'running', 'paused', 'interrupted', 'done', 'failed'], 'status must be created, running, paused, interrupted, done or failed'),
    candidates: v.array(CandidateSchema, 'candidates must be an array'),
    checkpoint: CheckpointSchema,
    // The headless runner's summary beside the run (not read on import).
    strategy: v.optional(v.unknown()),
    seed: v.optional(v.unknown()),
    stopReason: v.optional(v.unknown()),
    queries: v.optional(v.unknown()),
    simulatedTime: v.optional(v.unknown()),
    best: v.optional(v.unknown()),
    pareto: v.optional(v.unknown()),
    log: v.optional(v.unknown()),
    dataset: v.optional(v.unknown()),
    finalists: v.optional(v.unknown()),
  },
  objectOf('run file'),
);

/** Validates a parsed run file: the fields, the run config (its own schema), ids, lineage and the checkpoint's count. */
export function parseRunFile(input: unknown): RunFile {
  if (isOneShotRunFile(input)) {
    throw new RunFileError(['kind: this is a one-shot run file (DARTS / PC-DARTS / SPOS): the One-shot tab imports it; the Search tab and --resume take black-box searches']);
  }
  const res = v.safeParse(RunFileSchema, input);
  if (!res.success) {
    throw new RunFileError(issueLines(res.issues));
  }
  const raw = res.output;
  const issues: string[] = [];
  let config: RunConfig | undefined;
  try {
    config = parseRunConfig(raw.config);
  } catch (e) {
    if (!(e instanceof RunConfigError)) throw e;
    issues.push(...e.issues.map((i) => `config.${i}`));
  }
  raw.candidates.forEach((c, i) => {
    if (c.id !== i) issues.push(`candidates.${i}.id: must be ${i} (ids are 0..n-1 in order), got ${c.id}`);
    const late = c.parents.filter((p) => p >= c.id);
    if (late.length > 0) issues.push(`candidates.${i}.parents: must name earlier candidates (ids < ${c.id}), got ${JSON.stringify(late)}`);
  });
  const fin = checkRunFileFinalists(raw.finalists, raw.candidates);
  issues.push(...fin.issues);
  if (raw.checkpoint && raw.checkpoint.nextId !== raw.candidates.length) {
    issues.push(`checkpoint.nextId: is ${raw.checkpoint.nextId} but the file holds ${raw.candidates.length} candidates`);
  }
  if (config && raw.checkpoint && raw.checkpoint.strategy.strategy !== config.strategy.name) {
    issues.push(`checkpoint.strategy.strategy: is "${raw.checkpoint.strategy.strategy}" but config.strategy.name is "${config.strategy.name}"`);
  }
  if (issues.length > 0 || !config) throw new RunFileError(issues);
  const { finalists: _raw, ...rest } = raw;
  return { ...rest, version: RUN_FILE_VERSION, kind: 'search', config, checkpoint: raw.checkpoint as RunFileCheckpoint | null, ...(fin.finalists ? { finalists: fin.finalists } : {}) };
}

/** True for a parsed JSON value that says it is a one-shot run file (its own shape: shared/oneshot-run-file.ts). */
export function isOneShotRunFile(input: unknown): boolean {
  return typeof input === 'object' && input !== null && (input as { kind?: unknown }).kind === 'oneshot';
}

/** JSON.parse with the run file's message. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RunFileError([`not valid JSON: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

/** Parses the text of a run file (JSON first, then parseRunFile). */
export function parseRunFileText(text: string): RunFile {
  return parseRunFile(parseJsonText(text));
}
