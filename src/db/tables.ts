/**
 * Benchmark tables (NAS-Bench-201-style CSV) for the tabular benchmark lab. The CSV text is stored as the
 * user picked it, next to what the lab lists (rows, columns), so the table is still there after a reload
 * and the worker re-parses it with the same parser. Reads check the record version; a record this code
 * does not understand is reported, never silently used.
 */
import { TABLE_RECORD_VERSION, type TableMeta } from '../protocol/tabular-api';
import { describeStorageError, type Db } from './schema';

export { TABLE_RECORD_VERSION } from '../protocol/tabular-api';

export interface TableRecord extends TableMeta {
  /** The CSV text as imported. */
  readonly text: string;
}

function isTableRecord(r: unknown): r is TableRecord {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Record<string, unknown>;
  return x.version === TABLE_RECORD_VERSION && typeof x.id === 'string' && typeof x.name === 'string' && typeof x.text === 'string' &&
    typeof x.rows === 'number' && Array.isArray(x.columns) && Array.isArray(x.latencyColumns) && Array.isArray(x.accuracyColumns);
}

export function tableMeta(r: TableRecord): TableMeta {
  const { text: _text, ...meta } = r;
  return meta;
}

/** Stores (or replaces) a table in one transaction. */
export async function putTable(db: Db, record: TableRecord): Promise<TableMeta> {
  try {
    await db.put('tables', record);
  } catch (e) {
    throw describeStorageError(e, `storing table "${record.name}"`);
  }
  return tableMeta(record);
}

/** Every stored table, oldest first, without the CSV text. Records of an unknown version are skipped. */
export async function listTables(db: Db): Promise<TableMeta[]> {
  const all = await db.getAllFromIndex('tables', 'byCreated');
  return all.filter(isTableRecord).map(tableMeta);
}

export async function getTable(db: Db, id: string): Promise<TableRecord | undefined> {
  const r: unknown = await db.get('tables', id);
  if (r === undefined) return undefined;
  if (!isTableRecord(r)) {
    const v = (r as { version?: unknown }).version;
    throw new Error(`Stored table "${id}" has record version ${String(v)}, which this version of the app cannot read (expected ${TABLE_RECORD_VERSION}); import the file again`);
  }
  return r;
}

export async function deleteTable(db: Db, id: string): Promise<void> {
  await db.delete('tables', id);
}
