/**
 * Latency lookup tables (profiler, issue 7): one record per (device fingerprint, space, skeleton, batch size),
 * with the last validation report. Reads check the record version; a record this code does not understand is
 * skipped in lists and reported when asked for by id.
 */
import { LUT_RECORD_VERSION, type LutRecord, type LutSummary, type PredictorReport } from '../protocol/profile-api';
import type { SpaceId } from '../engine/space/table';
import { describeStorageError, type Db } from './schema';

export { LUT_RECORD_VERSION } from '../protocol/profile-api';

function isLutRecord(r: unknown): r is LutRecord {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Record<string, unknown>;
  return x.version === LUT_RECORD_VERSION && typeof x.id === 'string' && typeof x.spaceId === 'string' && typeof x.entries === 'object' && x.entries !== null &&
    typeof x.fit === 'object' && x.fit !== null && typeof x.fingerprint === 'object' && x.fingerprint !== null && typeof x.createdAt === 'number';
}

export function lutSummary(r: LutRecord): LutSummary {
  const entries = Object.values(r.entries);
  return {
    id: r.id,
    spaceId: r.spaceId as SpaceId,
    skeleton: r.skeleton,
    backend: r.fingerprint.backend,
    fingerprint: r.fingerprint,
    fingerprintKey: r.fingerprintKey,
    batchSize: r.batchSize,
    entries: entries.length,
    noisyEntries: entries.filter((e) => e.noisy).length,
    fit: r.fit,
    fitSamples: r.fitSamples,
    buildMs: r.buildMs,
    createdAt: r.createdAt,
    ...(r.report ? { report: r.report } : {}),
  };
}

/** Stores (or replaces) a LUT in one transaction. */
export async function putLut(db: Db, record: LutRecord): Promise<LutSummary> {
  try {
    await db.put('luts', record);
  } catch (e) {
    throw describeStorageError(e, `storing the latency table for ${record.spaceId}`);
  }
  return lutSummary(record);
}

export async function getLut(db: Db, id: string): Promise<LutRecord | undefined> {
  const r: unknown = await db.get('luts', id);
  if (r === undefined) return undefined;
  if (!isLutRecord(r)) {
    const v = (r as { version?: unknown }).version;
    throw new Error(`Stored latency table "${id}" has record version ${String(v)}, which this version of the app cannot read (expected ${LUT_RECORD_VERSION}); build it again`);
  }
  return r;
}

/** Every readable LUT, newest first, without its entries. */
export async function listLuts(db: Db): Promise<LutSummary[]> {
  const all = await db.getAllFromIndex('luts', 'byCreated');
  return all.filter(isLutRecord).map(lutSummary).reverse();
}

/** Attaches a validation report to a stored LUT (read-modify-write in one transaction). */
export async function putLutReport(db: Db, id: string, report: PredictorReport): Promise<void> {
  const tx = db.transaction('luts', 'readwrite');
  // Observed here so an abort below is not an unhandled rejection; awaited on the success path.
  const done = tx.done;
  done.catch(() => undefined);
  try {
    const r: unknown = await tx.store.get(id);
    if (!isLutRecord(r)) throw new Error(`Latency table "${id}" is not in this browser's storage`);
    await tx.store.put({ ...r, report });
    await done;
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, 'storing the validation report');
  }
}

/** JSON with object keys sorted: equal for equal plain data whatever the key order. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

/**
 * The newest stored LUT for this device fingerprint, space, (complete) skeleton and batch size, or undefined.
 * What a search uses to record latency_pred_ms next to the measured latency_ms.
 */
export async function findLut(
  db: Db,
  q: { readonly fingerprintKey: string; readonly spaceId: SpaceId; readonly skeleton: object; readonly batchSize?: number },
): Promise<LutRecord | undefined> {
  const want = canonical(q.skeleton);
  const all = await db.getAllFromIndex('luts', 'byCreated');
  return all.filter(isLutRecord).reverse().find((r) =>
    r.fingerprintKey === q.fingerprintKey && r.spaceId === q.spaceId && r.batchSize === (q.batchSize ?? 1) && canonical(r.skeleton) === want);
}

export async function deleteLut(db: Db, id: string): Promise<void> {
  await db.delete('luts', id);
}
