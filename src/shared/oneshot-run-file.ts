/**
 * The run file of a one-shot search (issue 13, item 8): a DARTS / PC-DARTS / SPOS run as one JSON file, the same
 * envelope as a black-box run file (shared/run-file.ts) with kind 'oneshot':
 *   {format: 'nas-playground-run', version: 2, kind: 'oneshot', exportedAt, supernetWeights: 'not-included', note,
 *    runId, config (the one-shot config: seed and method in it), backend, status, stopCause, epoch, stepsPerEpoch,
 *    phase, arch (the final derived genotype), candidates: [{id, source, arch, hash, genotype, metrics, objective,
 *    selected, supernet: {id, runId, configHash, epoch}}], history (what the One-shot tab draws: losses, alpha
 *    snapshots, derived genotypes, eigenvalues, scored and ranked subnets, the ranking check), checkpoint: null,
 *    finalists?: the models re-trained from its candidates, without weights (shared/run-file-finalists.ts)}
 * The supernet's weights are NOT in the file (megabytes of tensors): it shows and compares a run; it cannot resume
 * one (checkpoint is always null). Searching again means starting a new run from its config and seed.
 * Candidate ids are 0..n-1; each candidate's supernet names this file's run and the hash of its config (lineage,
 * shared/oneshot-lineage.ts). Pure data: valibot, no tfjs, no DOM.
 */
import * as v from 'valibot';
import { issueLines } from './schema-issues';
import { OneShotConfigError, validateOneShotConfig, type OneShotConfig } from './oneshot-config';
import { normalizeOneShotHistory, type OneShotHistory } from './oneshot-history';
import { supernetConfigHash, type OneShotCandidate } from './oneshot-lineage';
import { isOneShotRunFile, parseJsonText, parseRunFile, RUN_FILE_FORMAT, RUN_FILE_VERSION, RunFileError, type RunFile } from './run-file';
import { checkRunFileFinalists, type RunFileFinalist } from './run-file-finalists';
import { STOP_CAUSES, type StopCause } from './status';

/** What an import says about a one-shot run file (the app shows it; the worker and the CLI refuse with it). */
export const ONESHOT_FILE_NOTE =
  'Supernet weights are not in run files (too big), so this one-shot run can be shown and compared but not resumed; to search again, start a new run with its config and seed.';

export function importedNote(file: string): string {
  return `Imported from ${file}. ${ONESHOT_FILE_NOTE}`;
}

export interface OneShotRunFile {
  readonly format: typeof RUN_FILE_FORMAT;
  readonly version: typeof RUN_FILE_VERSION;
  readonly kind: 'oneshot';
  readonly exportedAt: string;
  readonly supernetWeights: 'not-included';
  /** ONESHOT_FILE_NOTE, for whoever opens the file. */
  readonly note: string;
  /** The run that trained the supernet (an imported copy exports its original's id). */
  readonly runId: string;
  readonly config: OneShotConfig;
  readonly backend: string | null;
  readonly status: 'created' | 'running' | 'paused' | 'interrupted' | 'done' | 'failed';
  readonly stopCause: StopCause | null;
  readonly error?: string;
  /** Completed supernet epochs. */
  readonly epoch: number;
  readonly stepsPerEpoch: number;
  readonly phase: 'train' | 'rank' | 'check' | 'done';
  /** The final (or latest) derived genotype's text. */
  readonly arch: string | null;
  readonly candidates: readonly OneShotCandidate[];
  readonly history: OneShotHistory<unknown>;
  /** Always null: no supernet weights, nothing to resume from. */
  readonly checkpoint: null;
  /** The models re-trained from its candidates (no weights; shared/run-file-finalists.ts); absent: none. */
  readonly finalists?: readonly RunFileFinalist[];
}

const nonNegInt = (what: string) => v.pipe(v.number(`${what} must be a number`), v.integer(`${what} must be a whole number`), v.minValue(0, `${what} must be >= 0`));
const num = (what: string) => v.pipe(v.number(`${what} must be a number`), v.finite(`${what} must be finite`));
const numOrNull = (what: string) => v.nullable(num(what));
/** A chart value: JSON writes NaN and Infinity (a diverged loss, a tau of tied scores) as null. */
const val = (what: string) => v.nullable(v.number(`${what} must be a number (null: not a number)`));
const obj = <T extends v.ObjectEntries>(entries: T, what: string) => v.looseObject(entries, `${what} must be an object`);
const list = <T extends v.GenericSchema>(item: T, what: string) => v.array(item, `${what} must be an array`);

const SupernetSchema = v.strictObject(
  {
    id: v.string('supernet.id must be text'),
    runId: v.pipe(v.string('supernet.runId must be text'), v.minLength(1, 'supernet.runId must not be empty')),
    configHash: v.pipe(v.string('supernet.configHash must be text'), v.regex(/^[0-9a-f]{16}$/, 'supernet.configHash must be 16 hex digits')),
    epoch: nonNegInt('supernet.epoch'),
  },
  'supernet must be {id, runId, configHash, epoch}',
);

const CandidateSchema = v.strictObject(
  {
    id: nonNegInt('id'),
    source: v.picklist(['derived', 'ranked', 'scored'], 'source must be derived, ranked or scored'),
    arch: v.pipe(v.string('arch must be text'), v.minLength(1, 'arch must not be empty')),
    hash: v.nullable(v.pipe(v.string('hash must be text or null'), v.minLength(1, 'hash must not be empty (null when unknown)'))),
    genotype: v.unknown(),
    metrics: v.record(v.string(), num('metrics values'), 'metrics must be an object of numbers'),
    objective: numOrNull('objective'),
    selected: v.boolean('selected must be true or false'),
    supernet: SupernetSchema,
  },
  'candidate must be {id, source, arch, hash, genotype, metrics, objective, selected, supernet}',
);

const Ranked = obj({ genotype: v.unknown(), arch: v.string('arch must be text'), accuracy: val('accuracy'), mflops: val('mflops'), objective: val('objective') }, 'subnet');
const HistorySchema = obj(
  {
    steps: list(obj({ globalStep: nonNegInt('globalStep'), epoch: nonNegInt('epoch'), trainLoss: val('trainLoss'), validLoss: val('validLoss') }, 'step'), 'steps'),
    epochs: list(obj({ epoch: nonNegInt('epoch'), lr: val('lr'), trainLoss: val('trainLoss'), validLoss: val('validLoss'), validAcc: val('validAcc') }, 'epoch'), 'epochs'),
    alphas: list(obj({
      epoch: nonNegInt('epoch'), alphas: list(list(val('alpha'), 'alphas row'), 'alphas'), edges: list(v.string('edge must be text'), 'edges'), ops: list(v.string('op must be text'), 'ops'),
    }, 'alpha snapshot'), 'alphas'),
    genotypes: list(obj({ epoch: nonNegInt('epoch'), genotype: v.unknown(), arch: v.string('arch must be text'), changed: v.boolean('changed must be true or false') }, 'genotype point'), 'genotypes'),
    eigenvalues: list(obj({ epoch: nonNegInt('epoch'), value: val('value') }, 'eigenvalue'), 'eigenvalues'),
    earlyStop: v.nullable(obj({ epoch: nonNegInt('epoch'), reason: v.string('reason must be text') }, 'earlyStop')),
    subnets: list(Ranked, 'subnets'),
    subnetTotal: nonNegInt('subnetTotal'),
    ranked: v.nullable(list(Ranked, 'ranked')),
    topK: list(v.string('topK entries must be archs'), 'topK'),
    rankingCheck: v.nullable(obj({ n: nonNegInt('n'), kendallTau: val('kendallTau') }, 'rankingCheck')),
    rankingCheckDone: list(obj({ arch: v.string('arch must be text'), supernetScore: val('supernetScore'), standaloneScore: val('standaloneScore') }, 'ranking-check subnet'), 'rankingCheckDone'),
  },
  'history',
);

const OneShotRunFileSchema = v.strictObject(
  {
    format: v.literal(RUN_FILE_FORMAT, `format must be "${RUN_FILE_FORMAT}" (this is not a run file of this app)`),
    version: v.literal(RUN_FILE_VERSION, `version must be ${RUN_FILE_VERSION} for a one-shot run file (a newer app may have written this file)`),
    kind: v.literal('oneshot', 'kind must be "oneshot"'),
    exportedAt: v.pipe(v.string('exportedAt must be an ISO time string'), v.isoTimestamp('exportedAt must be an ISO time like 2026-01-01T00:00:00.000Z')),
    supernetWeights: v.literal('not-included', 'supernetWeights must be "not-included" (run files never hold supernet weights)'),
    note: v.string('note must be text'),
    runId: v.pipe(v.string('runId must be text'), v.minLength(1, 'runId must not be empty')),
    config: v.unknown(),
    backend: v.nullable(v.string('backend must be a backend name or null')),
    status: v.picklist(['created', 'running', 'paused', 'interrupted', 'done', 'failed'], 'status must be created, running, paused, interrupted, done or failed'),
    stopCause: v.nullable(v.picklist(STOP_CAUSES, `stopCause must be null or one of ${STOP_CAUSES.join(', ')}`)),
    error: v.optional(v.string('error must be text')),
    epoch: nonNegInt('epoch'),
    stepsPerEpoch: nonNegInt('stepsPerEpoch'),
    phase: v.picklist(['train', 'rank', 'check', 'done'], 'phase must be train, rank, check or done'),
    arch: v.nullable(v.string('arch must be text or null')),
    candidates: list(CandidateSchema, 'candidates'),
    history: HistorySchema,
    checkpoint: v.null('checkpoint must be null (a one-shot run file holds no supernet weights to resume from)'),
    // The headless runner's summary beside the run (not read on import).
    summary: v.optional(v.unknown()),
    rankingCheck: v.optional(v.unknown()),
    stopReason: v.optional(v.unknown()),
    finalists: v.optional(v.unknown()),
  },
  (issue) => (issue.expected === 'never' ? 'unknown one-shot run file field' : issue.received === 'undefined' && issue.path !== undefined ? 'required one-shot run file field is missing' : 'a one-shot run file must be an object'),
);

/** Validates a parsed one-shot run file: the fields, the config (its own schema) and every candidate's lineage. */
export function parseOneShotRunFile(input: unknown): OneShotRunFile {
  if (typeof input === 'object' && input !== null && !isOneShotRunFile(input) && 'candidates' in input) {
    throw new RunFileError(['kind: this is a black-box search run file: the Search tab imports it (npm run search -- --resume continues it)']);
  }
  const res = v.safeParse(OneShotRunFileSchema, input);
  if (!res.success) {
    throw new RunFileError(issueLines(res.issues));
  }
  const raw = res.output;
  const issues: string[] = [];
  let config: OneShotConfig | undefined;
  try {
    config = validateOneShotConfig(raw.config);
  } catch (e) {
    if (!(e instanceof OneShotConfigError)) throw e;
    issues.push(`config: ${e.message.replace(/^Invalid one-shot configuration: /, '')}`);
  }
  const hash = config ? supernetConfigHash(config) : null;
  raw.candidates.forEach((c, i) => {
    if (c.id !== i) issues.push(`candidates.${i}.id: must be ${i} (ids are 0..n-1 in order), got ${c.id}`);
    if (c.supernet.runId !== raw.runId) issues.push(`candidates.${i}.supernet.runId: is "${c.supernet.runId}" but the file's runId is "${raw.runId}"`);
    if (hash !== null && c.supernet.configHash !== hash) issues.push(`candidates.${i}.supernet.configHash: is ${c.supernet.configHash} but the config hashes to ${hash} (the config was edited after the run)`);
    const id = `${c.supernet.runId}/${c.supernet.configHash}@${c.supernet.epoch}`;
    if (c.supernet.id !== id) issues.push(`candidates.${i}.supernet.id: must be "${id}", got "${c.supernet.id}"`);
  });
  const fin = checkRunFileFinalists(raw.finalists, raw.candidates);
  issues.push(...fin.issues);
  if (issues.length > 0 || !config) throw new RunFileError(issues);
  const { finalists: _raw, ...rest } = raw;
  return {
    ...rest, config, candidates: raw.candidates as OneShotCandidate[], ...(fin.finalists ? { finalists: fin.finalists } : {}),
    history: normalizeOneShotHistory(raw.history as Partial<OneShotHistory<unknown>>), checkpoint: null,
  };
}

/** Either kind of run file, told apart by `kind` ('oneshot'; absent or 'search': a black-box search). */
export type AnyRunFile = RunFile | OneShotRunFile;

export function parseAnyRunFile(input: unknown): AnyRunFile {
  return isOneShotRunFile(input) ? parseOneShotRunFile(input) : parseRunFile(input);
}

export function parseAnyRunFileText(text: string): AnyRunFile {
  return parseAnyRunFile(parseJsonText(text));
}

export function parseOneShotRunFileText(text: string): OneShotRunFile {
  return parseOneShotRunFile(parseJsonText(text));
}
