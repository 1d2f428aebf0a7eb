/**
 * Databases as older versions of the app left them, for the migration tests: for each database version 1..5 the
 * exact schema that version's `upgrade` created (stores, key paths, indexes) and records in EVERY store, in the
 * record versions that were current then (db-fixture-data.ts holds records captured from the old builds).
 *
 *   v1  datasets, datasetChunks, splits, runs, candidates, checkpoints (no build shipped it: 117aec2 was already v2,
 *       and its records are the ones a v1 database held)
 *   v2  + tables                       (117aec2 .. 11da000)
 *   v3  + luts                         (never shipped alone: 11da000 added v3 and v4 together)
 *   v4  dataset records v2             (11da000 .. 04038f2)
 *   v5  + oneshotRuns, oneshotCheckpoints (04038f2 .. 6a7cd14: the first one-shot records, paused, stopped early
 *       and done, and the last records before v6)
 *
 * `seedOldDb` writes one with raw IndexedDB (no idb, no app code); it closes over nothing, so a Playwright test can
 * pass it to page.evaluate with the plain `OldDb` and seed a page's origin before the app opens its database.
 */
import {
  DARTS_EARLY_STOP_E3F325E, DARTS_RUN_E3F325E, EVOLUTION_RUN_117AEC2, LOCAL_RUN_11DA000, LUT_8637450, QUADRANTS_117AEC2, QUADRANTS_11DA000, QUADRANTS_A91C7EB,
  QUADRANTS_TB_E3F325E, REINFORCE_RUN_A91C7EB, SPOS_DONE_E3F325E, SPOS_RUN_A91C7EB, TABLE_8637450,
} from './db-fixture-data';

/** JSON-like data (what the fixtures are). */
export type Plain = null | boolean | number | string | readonly Plain[] | { readonly [key: string]: Plain };
type PlainObject = { readonly [key: string]: Plain };

export type OldDbVersion = 1 | 2 | 3 | 4 | 5;
export const OLD_DB_VERSIONS: readonly OldDbVersion[] = [1, 2, 3, 4, 5];

export interface StoreSpec {
  readonly name: string;
  readonly keyPath: string | readonly string[];
  /** [index name, key path]. */
  readonly indexes: readonly (readonly [string, string])[];
}

/** What each version's upgrade step created (src/db/schema.ts; steps are only ever added). */
const V1_STORES: readonly StoreSpec[] = [
  { name: 'datasets', keyPath: 'id', indexes: [] },
  { name: 'datasetChunks', keyPath: ['datasetId', 'index'], indexes: [['byDataset', 'datasetId']] },
  { name: 'splits', keyPath: 'datasetId', indexes: [] },
  { name: 'runs', keyPath: 'id', indexes: [['byUpdated', 'updatedAt']] },
  { name: 'candidates', keyPath: ['runId', 'id'], indexes: [['byRun', 'runId']] },
  { name: 'checkpoints', keyPath: 'runId', indexes: [] },
];
const V2_STORES = [...V1_STORES, { name: 'tables', keyPath: 'id', indexes: [['byCreated', 'createdAt']] }] as const satisfies readonly StoreSpec[];
const V3_STORES = [...V2_STORES, { name: 'luts', keyPath: 'id', indexes: [['byCreated', 'createdAt']] }] as const satisfies readonly StoreSpec[];
const V5_STORES = [
  ...V3_STORES,
  { name: 'oneshotRuns', keyPath: 'id', indexes: [['byUpdated', 'updatedAt']] },
  { name: 'oneshotCheckpoints', keyPath: 'runId', indexes: [] },
] as const satisfies readonly StoreSpec[];

export const STORES_AT: Readonly<Record<OldDbVersion, readonly StoreSpec[]>> = { 1: V1_STORES, 2: V2_STORES, 3: V3_STORES, 4: V3_STORES, 5: V5_STORES };

/** A database to seed: its name, version, schema and the records of each store. */
export interface OldDb {
  readonly name: string;
  readonly version: OldDbVersion;
  readonly stores: readonly StoreSpec[];
  /** Plain data (unknown here so that Playwright's evaluate need not unfold the recursive Plain type). */
  readonly records: Readonly<Record<string, readonly unknown[]>>;
}

const obj = (p: Plain): PlainObject => {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new Error('fixture: expected an object');
  return p as PlainObject;
};
const list = (p: Plain): readonly Plain[] => {
  if (!Array.isArray(p)) throw new Error('fixture: expected an array');
  return p as readonly Plain[];
};

type Records = Record<string, Plain[]>;

function dataset(d: Plain): Records {
  const x = obj(d);
  return { datasets: [x.meta], datasetChunks: [...list(x.chunks)], splits: [x.split] };
}

function run(r: Plain): Records {
  const x = obj(r);
  return { runs: [x.run], candidates: [...list(x.candidates)], checkpoints: [x.checkpoint] };
}

/**
 * A one-shot run with its checkpoint; each tensor [name, shape, min, max] gets values spread over [min, max] (a
 * seeded walk), so a variance buffer stays positive and the weights are of the size the old build trained.
 */
function oneShot(o: Plain): Records {
  const x = obj(o);
  const tensors: Record<string, Plain> = {};
  list(x.tensors).forEach((t, k) => {
    const [name, shape, lo, hi] = list(t) as [string, number[], number, number];
    const size = shape.reduce((a, b) => a * b, 1);
    const data: number[] = [];
    for (let i = 0; i < size; i++) data.push(lo + ((hi - lo) * (((i + 1) * 2654435761 + k * 40503) % 1000)) / 999);
    tensors[name] = { shape, dtype: 'float32', data: { $typed: 'Float32Array', data } };
  });
  return { oneshotRuns: [x.run], oneshotCheckpoints: [{ ...obj(x.checkpoint), tensors }] };
}

function merge(...parts: Records[]): Records {
  const out: Records = {};
  for (const p of parts) for (const [store, rs] of Object.entries(p)) (out[store] ??= []).push(...rs);
  return out;
}

/** The records of a database left at `version`, one or more in every store of that version. */
export function oldRecords(version: OldDbVersion): Records {
  const firstRelease = merge(dataset(QUADRANTS_117AEC2), run(EVOLUTION_RUN_117AEC2));
  switch (version) {
    case 1:
      return firstRelease;
    case 2:
      return merge(firstRelease, { tables: [TABLE_8637450] });
    case 3:
      return merge(firstRelease, { tables: [TABLE_8637450], luts: [LUT_8637450] });
    case 4:
      return merge(dataset(QUADRANTS_11DA000), run(LOCAL_RUN_11DA000), { tables: [TABLE_8637450], luts: [LUT_8637450] });
    case 5:
      return merge(
        dataset(QUADRANTS_11DA000), run(LOCAL_RUN_11DA000), { tables: [TABLE_8637450], luts: [LUT_8637450] },
        dataset(QUADRANTS_TB_E3F325E), oneShot(DARTS_RUN_E3F325E), oneShot(DARTS_EARLY_STOP_E3F325E), oneShot(SPOS_DONE_E3F325E),
        dataset(QUADRANTS_A91C7EB), run(REINFORCE_RUN_A91C7EB), oneShot(SPOS_RUN_A91C7EB),
      );
  }
}

export function oldDb(version: OldDbVersion, name = 'nas-playground'): OldDb {
  const stores = STORES_AT[version];
  const records = oldRecords(version);
  for (const s of stores) if (!records[s.name]?.length) throw new Error(`fixture v${version}: store ${s.name} has no records`);
  for (const k of Object.keys(records)) if (!stores.some((s) => s.name === k)) throw new Error(`fixture v${version}: no store ${k}`);
  return { name, version, stores, records };
}

/** The fixtures' runs, one-shot runs and datasets by id, for the tests' expectations. */
export const FIXTURE_IDS = {
  evolutionRun: 'run-v1',
  localRun: 'run-v4',
  reinforceRun: 'run-v5',
  dartsRun: 'oneshot-v1',
  dartsEarlyStop: 'oneshot-v1-early',
  sposDone: 'oneshot-v1-spos',
  sposRun: 'oneshot-v5',
  quadrants: 'user:quadrants',
  quadrantsTestBatch: 'user:quadrants-tb',
  quadrantsLate: 'user:quadrants-late',
} as const;

/** A fixture record as the store holds it (typed arrays decoded), for the tests' expectations. */
export function decodePlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodePlain);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if (typeof o.$typed !== 'string') return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodePlain(x)]));
  if (typeof o.base64 === 'string') return Uint8Array.from(atob(o.base64), (c) => c.charCodeAt(0));
  const data = o.data as number[];
  if (o.$typed === 'Uint32Array') return Uint32Array.from(data);
  if (o.$typed === 'Float32Array') return Float32Array.from(data);
  if (o.$typed === 'Uint8Array') return Uint8Array.from(data);
  throw new Error(`unknown typed array ${o.$typed}`);
}

/**
 * Creates `db.name` at `db.version` with exactly `db.stores` and puts every record (typed arrays decoded). Raw
 * IndexedDB only and no free variables: it runs as is inside a page (page.evaluate) or under fake-indexeddb, which
 * is why it carries its own copy of decodePlain.
 */
export async function seedOldDb(db: OldDb): Promise<void> {
  const decode = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$typed === 'string') {
      if (typeof o.base64 === 'string') return Uint8Array.from(atob(o.base64), (c) => c.charCodeAt(0));
      const data = o.data as number[];
      if (o.$typed === 'Uint32Array') return Uint32Array.from(data);
      if (o.$typed === 'Float32Array') return Float32Array.from(data);
      if (o.$typed === 'Uint8Array') return Uint8Array.from(data);
      throw new Error(`seedOldDb: unknown typed array ${o.$typed}`);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  };
  const opened = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(db.name, db.version);
    req.onupgradeneeded = () => {
      if (req.result.objectStoreNames.length > 0) reject(new Error(`seedOldDb: ${db.name} already exists`));
      for (const s of db.stores) {
        const store = req.result.createObjectStore(s.name, { keyPath: s.keyPath as string | string[] });
        for (const [index, keyPath] of s.indexes) store.createIndex(index, keyPath);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error(`seedOldDb: opening ${db.name} is blocked`));
  });
  await new Promise<void>((resolve, reject) => {
    const tx = opened.transaction(db.stores.map((s) => s.name), 'readwrite');
    for (const s of db.stores) for (const r of db.records[s.name] ?? []) tx.objectStore(s.name).put(decode(r));
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('seedOldDb: transaction aborted'));
  });
  opened.close();
}
