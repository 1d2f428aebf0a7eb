/**
 * What the soak row (bench/soak.ts) and the leak test (tests/unit/soak-leak.test.ts) record after each candidate or
 * epoch: tfjs's live tensors and bytes, the JS heap after a full collection, and about how many bytes the run's
 * stores hold in IndexedDB (src/db/record-size.ts's estimate over every record); and the series' figures that say
 * whether a quantity is flat (no change after the warm-up) or linear (a constant step, i.e. in what is stored).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StoreNames } from 'idb';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Db, NasDb } from '../src/db';
import { approxBytes } from '../src/db/record-size';

export interface SoakSample {
  /** Candidate id or epoch. */
  readonly index: number;
  readonly numTensors: number;
  readonly numBytes: number;
  /** process.memoryUsage().heapUsed after a full collection (fake-indexeddb's records live in this heap too). */
  readonly heapUsed: number;
  /** The WASM backend's linear memory (grows to its high-water mark, never shrinks); 0 on other backends. */
  readonly wasmHeap: number;
  /** About how many bytes the stores hold (approxBytes of every record), in all and per store. */
  readonly storedBytes: number;
  readonly byStore: Readonly<Record<string, number>>;
}

let collect: (() => void) | null | undefined;
/** A full garbage collection: global.gc when Node runs with --expose-gc, else the same function enabled at run time. */
export function fullGc(): boolean {
  if (collect === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) collect = g;
    else {
      try {
        v8.setFlagsFromString('--expose-gc');
        collect = vm.runInNewContext('gc') as () => void;
      } catch {
        collect = null;
      }
    }
  }
  collect?.();
  return collect != null;
}

/**
 * About how many bytes each of the given stores holds (approxBytes summed over its records). The read transaction
 * is opened before this returns, so it sees the stores as they are now even if writes are queued after it.
 */
export async function storedBytes(db: Db, stores: readonly StoreNames<NasDb>[]): Promise<Record<string, number>> {
  const tx = db.transaction([...stores], 'readonly');
  const all = await Promise.all(stores.map((s) => tx.objectStore(s).getAll()));
  await tx.done;
  return Object.fromEntries(stores.map((s, i) => [s, all[i].reduce((n: number, r: unknown) => n + approxBytes(r), 0)]));
}

function wasmHeapBytes(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.byteLength ?? 0;
}

/**
 * One sample, taken now: call it from a session's event listener (synchronously, before the session moves on).
 * Tensors and heap are read at once; the stores through a transaction opened at once.
 */
export function sample(index: number, db: Db, stores: readonly StoreNames<NasDb>[], opts: { gc?: boolean } = {}): Promise<SoakSample> {
  const stored = storedBytes(db, stores);
  if (opts.gc) fullGc();
  const m = tf.memory();
  const now = { index, numTensors: m.numTensors, numBytes: m.numBytes, heapUsed: process.memoryUsage().heapUsed, wasmHeap: wasmHeapBytes() };
  return stored.then((byStore) => ({ ...now, byStore, storedBytes: Object.values(byStore).reduce((a, b) => a + b, 0) }));
}

export interface SeriesFigures {
  readonly first: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
  /** Least-squares slope per sample. */
  readonly slope: number;
  /** The largest distance of a value from the least-squares line. */
  readonly maxResidual: number;
  /** The median step between consecutive samples, and the largest distance of a step from it. */
  readonly medianStep: number;
  readonly maxStepDeviation: number;
  readonly minStep: number;
  readonly maxStep: number;
}

export function seriesFigures(values: readonly number[]): SeriesFigures {
  const n = values.length;
  if (n === 0) throw new Error('seriesFigures needs at least one value');
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  values.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  });
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const maxResidual = Math.max(...values.map((y, x) => Math.abs(y - (my + slope * (x - mx)))));
  const steps = values.slice(1).map((y, i) => y - values[i]);
  const sorted = [...steps].sort((a, b) => a - b);
  const medianStep = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const maxStepDeviation = steps.length === 0 ? 0 : Math.max(...steps.map((s) => Math.abs(s - medianStep)));
  const minStep = steps.length === 0 ? 0 : sorted[0];
  const maxStep = steps.length === 0 ? 0 : sorted[sorted.length - 1];
  return { first: values[0], last: values[n - 1], min: Math.min(...values), max: Math.max(...values), slope, maxResidual, medianStep, maxStepDeviation, minStep, maxStep };
}
