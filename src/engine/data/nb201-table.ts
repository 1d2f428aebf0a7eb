/**
 * Parser for NAS-Bench-201-style tabular benchmarks (Dong & Yang, ICLR 2020) exported as CSV: one row
 * per cell, a header row, an `arch` column with the NB201 string (`|op~0|+|op~0|op~1|+|...|`), at least
 * one accuracy column (`*_acc`, e.g. valid_acc, test_acc) and any other numeric columns
 * (`train_time_s`, latency columns `*_ms`, `index`). Every column except `arch` must hold numbers.
 *
 * Bad input raises a TableParseError with a code, the 1-based line number and the column name.
 */
import { nb201FromString, nb201ToString, type Nb201Genotype } from '../space/nb201/space';

export type TableErrorCode =
  | 'empty'
  | 'bad_header'
  | 'duplicate_column'
  | 'missing_column'
  | 'field_count'
  | 'bad_quote'
  | 'bad_number'
  | 'bad_arch'
  | 'duplicate_arch';

export class TableParseError extends Error {
  override readonly name = 'TableParseError';
  constructor(
    readonly code: TableErrorCode,
    message: string,
    /** 1-based line of the file (the header is line 1); 0 when not about one line. */
    readonly line: number,
    /** Column name, when the problem is in one column. */
    readonly column: string | null = null,
  ) {
    super(message);
  }
}

export interface Nb201TableRow {
  /** Canonical NB201 string. */
  readonly arch: string;
  /** Every numeric column of the row, by header name. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface Nb201Table {
  /** All columns except `arch`, in file order. */
  readonly columns: readonly string[];
  /** Columns ending in `_acc` or `_accuracy`. */
  readonly accuracyColumns: readonly string[];
  /** Columns ending in `_ms`. */
  readonly latencyColumns: readonly string[];
  readonly rows: readonly Nb201TableRow[];
  readonly size: number;
  /** Row of an arch string (any whitespace around it is ignored), or undefined. */
  get(arch: string): Nb201TableRow | undefined;
  getGenotype(g: Nb201Genotype): Nb201TableRow | undefined;
}

const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
export const isAccuracyColumn = (c: string): boolean => /_acc(uracy)?$/.test(c);
export const isLatencyColumn = (c: string): boolean => /_ms$/.test(c);

function splitCsvLine(line: string, lineNo: number, where: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new TableParseError('bad_quote', `${where}line ${lineNo}: unterminated quoted field`, lineNo);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new TableParseError('bad_quote', `${where}line ${lineNo}: text after a closing quote at character ${i + 1}`, lineNo);
    } else {
      const j = line.indexOf(',', i);
      const end = j < 0 ? line.length : j;
      field = line.slice(i, end);
      if (field.includes('"')) throw new TableParseError('bad_quote', `${where}line ${lineNo}: stray quote in field "${field}"`, lineNo);
      i = end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // skip the comma
  }
}

export interface ParseTableOptions {
  /** Named in error messages, e.g. the file name. */
  readonly source?: string;
}

export function parseNb201Table(text: string, options: ParseTableOptions = {}): Nb201Table {
  const where = options.source ? `${options.source}: ` : '';
  const fail = (code: TableErrorCode, line: number, column: string | null, msg: string): never => {
    throw new TableParseError(code, `${where}${line > 0 ? `line ${line}` : 'table'}${column !== null ? `, column "${column}"` : ''}: ${msg}`, line, column);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let headerLine = lines.findIndex((l) => l.trim().length > 0);
  if (headerLine < 0) fail('empty', 0, null, 'no header row (the file is empty)');
  const header = splitCsvLine(lines[headerLine], headerLine + 1, where).map((h) => h.trim());
  headerLine += 1; // now 1-based
  header.forEach((h, i) => {
    if (h.length === 0) fail('bad_header', headerLine, null, `header field ${i + 1} is empty`);
    if (header.indexOf(h) !== i) fail('duplicate_column', headerLine, h, 'column appears twice in the header');
  });
  const archCol = header.indexOf('arch');
  if (archCol < 0) fail('missing_column', headerLine, 'arch', `required column is missing (header: ${header.join(', ')})`);
  const columns = header.filter((h) => h !== 'arch');
  const accuracyColumns = columns.filter(isAccuracyColumn);
  if (accuracyColumns.length === 0) {
    fail('missing_column', headerLine, 'valid_acc', `no accuracy column: need at least one column ending in "_acc", e.g. valid_acc (header: ${header.join(', ')})`);
  }
  const rows: Nb201TableRow[] = [];
  const byArch = new Map<string, { row: Nb201TableRow; line: number }>();
  for (let li = headerLine; li < lines.length; li++) {
    const raw = lines[li];
    if (raw.trim().length === 0) continue;
    const lineNo = li + 1;
    const fields = splitCsvLine(raw, lineNo, where);
    if (fields.length !== header.length) fail('field_count', lineNo, null, `expected ${header.length} fields (as the header), got ${fields.length}`);
    const archText = fields[archCol].trim();
    let arch: string;
    try {
      arch = nb201ToString(nb201FromString(archText));
    } catch (e) {
      return fail('bad_arch', lineNo, 'arch', (e as Error).message);
    }
    const metrics: Record<string, number> = {};
    header.forEach((h, c) => {
      if (c === archCol) return;
      const s = fields[c].trim();
      if (!NUMBER_RE.test(s)) fail('bad_number', lineNo, h, s.length === 0 ? 'empty value, expected a number' : `"${s}" is not a number`);
      const value = Number(s);
      // "1e999" matches the number syntax but overflows to Infinity, which every later comparison would trust.
      if (!Number.isFinite(value)) fail('bad_number', lineNo, h, `"${s}" is out of range (overflows to infinity)`);
      metrics[h] = value;
    });
    const prev = byArch.get(arch);
    if (prev) fail('duplicate_arch', lineNo, 'arch', `duplicate arch ${arch} (first on line ${prev.line})`);
    const row: Nb201TableRow = { arch, metrics };
    byArch.set(arch, { row, line: lineNo });
    rows.push(row);
  }
  if (rows.length === 0) fail('empty', headerLine, null, 'the table has a header but no rows');
  const get = (a: string): Nb201TableRow | undefined => {
    const hit = byArch.get(a);
    if (hit) return hit.row;
    try {
      return byArch.get(nb201ToString(nb201FromString(a)))?.row;
    } catch {
      return undefined;
    }
  };
  return {
    columns,
    accuracyColumns,
    latencyColumns: columns.filter(isLatencyColumn),
    rows,
    size: rows.length,
    get,
    getGenotype: (g) => byArch.get(nb201ToString(g))?.row,
  };
}
