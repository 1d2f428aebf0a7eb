/**
 * A latency lookup table as one JSON file (the Profiler tab exports and imports it), so a table built on one
 * device can be kept, shared with a team on the same kind of device, or brought back after storage was cleared:
 *   {format: 'nas-playground-latency-table', version: 1, exportedAt, table: the stored table (id, device
 *    fingerprint, space, skeleton, batch size, per-piece entries, the overhead fit and its samples, last report)}.
 * Import checks the shape a search and the predictor read (every piece a finite, non-negative latency; the fit's
 * a, b and n numbers), names the bad field, and leaves what it does not read as it is, so a table written by a
 * newer measuring protocol still imports. Plain data: valibot only.
 */
import * as v from 'valibot';
import { issueLines } from './schema-issues';
import { SPACE_KINDS } from './space-vocab';

export const LUT_FILE_FORMAT = 'nas-playground-latency-table';
export const LUT_FILE_VERSION = 1;
/** A table is a few hundred pieces of a few numbers each: a few MiB is already generous. */
export const MAX_LUT_FILE_BYTES = 16 * 2 ** 20;

export class LutFileError extends Error {
  override readonly name = 'LutFileError';
  constructor(readonly issues: readonly string[]) {
    super(`Not a latency table file this app can import: ${issues.join('; ')}`);
  }
}

const num = (what: string) => v.pipe(v.number(`${what} must be a number`), v.finite(`${what} must be finite`));
const nonNeg = (what: string) => v.pipe(num(what), v.minValue(0, `${what} must be >= 0`));
const text = (what: string) => v.pipe(v.string(`${what} must be text`), v.minLength(1, `${what} must not be empty`));
const obj = <T extends v.ObjectEntries>(entries: T, what: string) =>
  v.looseObject(entries, (i: v.BaseIssue<unknown>) => (i.received === 'undefined' && i.expected?.startsWith('"') ? `required field ${i.expected} is missing` : `${what} must be an object`));

const EntrySchema = obj({ ms: nonNeg('an entry\'s ms') }, 'each entry');

const TableSchema = obj(
  {
    id: text('table.id'),
    version: v.pipe(num('table.version'), v.integer('table.version must be a whole number'), v.minValue(1, 'table.version must be >= 1')),
    formatVersion: v.pipe(num('table.formatVersion'), v.integer('table.formatVersion must be a whole number'), v.minValue(1, 'table.formatVersion must be >= 1')),
    createdAt: num('table.createdAt'),
    fingerprint: obj({ backend: text('fingerprint.backend'), userAgent: v.string('fingerprint.userAgent must be text'), hardwareConcurrency: num('fingerprint.hardwareConcurrency') }, 'table.fingerprint'),
    fingerprintKey: text('table.fingerprintKey'),
    spaceId: v.picklist(SPACE_KINDS, `table.spaceId must be one of ${SPACE_KINDS.join(', ')}`),
    skeleton: obj({}, 'table.skeleton'),
    batchSize: v.pipe(num('table.batchSize'), v.integer('table.batchSize must be a whole number'), v.minValue(1, 'table.batchSize must be >= 1')),
    entries: v.pipe(
      v.record(v.string(), EntrySchema, 'table.entries must be an object of piece -> latency'),
      v.check((e) => Object.keys(e).length > 0, 'table.entries is empty: a table without pieces predicts nothing'),
    ),
    fit: obj({ a: num('fit.a'), b: num('fit.b'), n: nonNeg('fit.n') }, 'table.fit'),
    spaceConfig: v.unknown(),
    settings: obj({}, 'table.settings'),
    seed: num('table.seed'),
    buildMs: nonNeg('table.buildMs'),
    fitSamples: v.array(obj({ label: v.string('a fit sample\'s label must be text'), sumMs: num('a fit sample\'s sumMs'), measuredMs: num('a fit sample\'s measuredMs') }, 'each fit sample'), 'table.fitSamples must be an array'),
  },
  'table',
);

const FileSchema = v.looseObject(
  {
    format: v.literal(LUT_FILE_FORMAT, `format must be "${LUT_FILE_FORMAT}" (is this a latency table exported by the Profiler tab?)`),
    version: v.literal(LUT_FILE_VERSION, `version must be ${LUT_FILE_VERSION}`),
    exportedAt: v.string('exportedAt must be text'),
    table: TableSchema,
  },
  'a latency table file must be a JSON object',
);

export type LutFileTable = v.InferOutput<typeof TableSchema>;

export interface LutFile {
  readonly format: typeof LUT_FILE_FORMAT;
  readonly version: typeof LUT_FILE_VERSION;
  readonly exportedAt: string;
  /** The stored table as it is (fields this schema does not read are kept). */
  readonly table: LutFileTable;
}

/** Wraps a stored table (the record as IndexedDB holds it) into the file. */
export function lutFile<T extends object>(table: T, exportedAt: Date): Omit<LutFile, 'table'> & { readonly table: T } {
  return { format: LUT_FILE_FORMAT, version: LUT_FILE_VERSION, exportedAt: exportedAt.toISOString(), table };
}

/** Parses and checks a latency table file's text; throws a LutFileError naming every bad field. */
export function parseLutFileText(textIn: string): LutFile {
  let json: unknown;
  try {
    json = JSON.parse(textIn);
  } catch (e) {
    throw new LutFileError([`not valid JSON: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const res = v.safeParse(FileSchema, json);
  if (!res.success) throw new LutFileError(issueLines(res.issues));
  return res.output as LutFile;
}

/** "latency-table-nb201-wasm-b1.json". */
export function lutFileName(t: { readonly spaceId: string; readonly fingerprint: { readonly backend: string }; readonly batchSize: number }): string {
  return `latency-table-${t.spaceId}-${t.fingerprint.backend.replace(/[^\w-]+/g, '_')}-b${t.batchSize}.json`;
}
