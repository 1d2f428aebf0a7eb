/** Dataset records as stored (runs and candidates are in src/protocol/run.ts, shared with the app). */
export const DATASET_RECORD_VERSION = 1;

export interface DatasetMeta {
  readonly version: number;
  readonly id: string;
  readonly name: string;
  readonly classes: readonly string[];
  readonly shape: readonly [number, number, number];
  readonly count: number;
  /** Images per chunk record; the last chunk may hold fewer. */
  readonly chunkSize: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly source: string;
  readonly builtin: boolean;
  readonly createdAt: number;
}

export interface DatasetChunk {
  readonly datasetId: string;
  readonly index: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

export interface SplitRecord {
  readonly version: number;
  readonly datasetId: string;
  readonly method: string;
  readonly seed: number;
  readonly train: Uint32Array;
  readonly valid: Uint32Array;
  readonly test: Uint32Array;
  readonly createdAt: number;
}
