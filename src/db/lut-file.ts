/**
 * Latency tables to and from their file (src/shared/lut-file.ts). An import never replaces a stored table: a
 * table with the same id (same device fingerprint, space, skeleton and batch size) must be deleted first.
 */
import { lutFile, LutFileError, type LutFile } from '../shared/lut-file';
import { LUT_RECORD_VERSION, type LutRecord, type LutSummary } from '../protocol/profile-api';
import { getLut, putLut } from './luts';
import type { Db } from './schema';

/** The stored table `id` as a file. */
export async function exportLutFile(db: Db, id: string, now: Date = new Date()): Promise<Omit<LutFile, 'table'> & { readonly table: LutRecord }> {
  const record = await getLut(db, id);
  if (!record) throw new Error(`No latency table "${id}" is stored in this browser`);
  return lutFile(record, now);
}

/** Stores the file's table as it was built (its id and build time kept); refuses one already stored. */
export async function importLutFile(db: Db, file: LutFile): Promise<LutSummary> {
  const t = file.table;
  if (t.version !== LUT_RECORD_VERSION) throw new LutFileError([`table.version is ${t.version}; this app reads latency tables of version ${LUT_RECORD_VERSION}`]);
  const stored = await db.get('luts', t.id);
  if (stored !== undefined) {
    throw new LutFileError([`this browser already holds the table for this device, space, skeleton and batch size (${t.spaceId}, batch ${t.batchSize}); delete it first to import the file's`]);
  }
  // The shape the predictor and the search read was checked by the file's schema; the rest is kept as exported.
  return putLut(db, t as unknown as LutRecord);
}
