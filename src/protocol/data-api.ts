/**
 * The data worker (workers/data.worker.ts): imports a user's dataset (IDX pair, CIFAR binaries or tar,
 * an image folder or zip) or generates the synthetic paint-defect set, shows a preview, and on commit
 * stores it in IndexedDB together with its locked train/valid/test split, in one transaction.
 *
 * Errors: a malformed or out-of-limits file is thrown across the worker boundary as a plain
 * `DatasetErrorInfo` (the engine's `DatasetFormatError.toJSON()`: code, file, message) so the UI keeps the
 * parser's specific message and code; anything else arrives as an Error with its name and message
 * (a full store: "Storage is full ..."; a cancel: name 'AbortError').
 */
import type { CifarVariant } from '../engine/data/cifar';
import type { DatasetErrorCode, DatasetErrorInfo } from '../engine/data/errors';
import type { ResizeFit } from '../engine/data/image';
import type { SplitSpec } from '../engine/data/splits';

export type { CifarVariant, DatasetErrorCode, DatasetErrorInfo, ResizeFit, SplitSpec };

/** The part of a File the worker needs (File satisfies it; the protocol compiles without DOM types). */
export interface FileLike {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** One file of a picked or dropped folder, with its path relative to the pick (class/image.png). */
export interface FolderFile {
  readonly path: string;
  readonly file: FileLike;
}

/** How decoded images are brought to one size. */
export interface ImageImportOptions {
  readonly height: number;
  readonly width: number;
  /** 3 = RGB, 1 = grey. */
  readonly channels: 1 | 3;
  readonly fit: ResizeFit;
  /** List non-image files as ignored instead of failing on them. */
  readonly skipNonImages: boolean;
}

export type ImportSource =
  | {
      readonly kind: 'idx';
      readonly name?: string;
      readonly images: FileLike;
      readonly labels: FileLike;
      readonly classes?: readonly string[];
      /** The official test pair (t10k-…), taken whole as the locked test split. */
      readonly testImages?: FileLike;
      readonly testLabels?: FileLike;
    }
  | { readonly kind: 'cifar'; readonly name?: string; readonly files: readonly FileLike[]; readonly variant: CifarVariant }
  | { readonly kind: 'folder'; readonly name?: string; readonly files: readonly FolderFile[]; readonly directories?: readonly string[]; readonly image: ImageImportOptions }
  | { readonly kind: 'zip'; readonly name?: string; readonly file: FileLike; readonly image: ImageImportOptions }
  | {
      readonly kind: 'paint-defects';
      readonly name?: string;
      readonly count: number;
      readonly seed: number;
      readonly height: number;
      readonly width: number;
      /** Production weeks (default 12). */
      readonly weeks?: number;
    };

export type ImportKind = ImportSource['kind'];

export type DataPhase = 'reading' | 'decoding' | 'generating' | 'splitting' | 'storing';

export type DataEvent = {
  readonly type: 'progress';
  readonly phase: DataPhase;
  readonly done: number;
  readonly total: number;
  readonly unit: 'bytes' | 'images' | 'chunks';
};

export type DataEventListener = (e: DataEvent) => void;

/** A small RGBA image (row-major, 4 bytes per pixel). */
export interface Thumb {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8ClampedArray;
}

export interface ClassSamples {
  readonly label: number;
  readonly thumbs: readonly Thumb[];
}

/** A per-image numeric field the dataset carries (e.g. `week`), usable for an ordered split. */
export interface FieldInfo {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly distinct: number;
}

/** A ready-made test set a stratified split can use (e.g. CIFAR's test_batch.bin). */
export interface FixedTestOption {
  readonly label: string;
  readonly field: string;
  readonly values: readonly number[];
  readonly count: number;
  /** The dataset's own test files this option selects (recorded in the split as `test: 'official'`). */
  readonly files?: readonly string[];
}

export interface DatasetPreview {
  /** Handle of the parsed dataset held by the worker until commit or discard. */
  readonly id: string;
  readonly kind: ImportKind;
  readonly name: string;
  /** Where it came from, in words (stored with the dataset). */
  readonly source: string;
  /** [height, width, channels]. */
  readonly shape: readonly [number, number, number];
  readonly count: number;
  readonly classes: readonly string[];
  readonly classCounts: readonly number[];
  /** Up to a few images of each of the first classes. */
  readonly samples: readonly ClassSamples[];
  readonly fields: readonly FieldInfo[];
  readonly fixedTests: readonly FixedTestOption[];
  /** Set when the data shipped its own test files: they are the test split, whole (no test fraction is offered). */
  readonly officialTest?: { readonly files: readonly string[]; readonly count: number };
  /** Facts worth knowing (files read, skipped items). */
  readonly notes: readonly string[];
  /** Things that may be wrong (ignored files, empty or tiny classes). */
  readonly warnings: readonly string[];
  /** Bytes the dataset will take in storage (pixels, labels, fields). */
  readonly bytes: number;
  readonly suggestedSplit: SplitSpec;
}

export interface SplitSummary {
  readonly spec: SplitSpec;
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
  /** Images per class in each part. */
  readonly counts: { readonly train: readonly number[]; readonly valid: readonly number[]; readonly test: readonly number[] };
  readonly fingerprint: string;
  readonly warnings: readonly string[];
}

export interface CommitRequest {
  readonly name: string;
  readonly split: SplitSpec;
}

export interface CommitResult {
  readonly id: string;
  readonly name: string;
  readonly count: number;
  readonly bytes: number;
  readonly split: SplitSummary;
}

/** The one object the data worker exposes with comlink. One operation runs at a time. */
export interface DataWorkerApi {
  /** Reads/decodes/generates the dataset and returns its preview; nothing is stored yet. */
  preview(source: ImportSource, onEvent: DataEventListener): Promise<DatasetPreview>;
  /** Sizes and per-class counts of the split `spec` would make (nothing stored). */
  previewSplit(previewId: string, spec: SplitSpec): Promise<SplitSummary>;
  /** Makes the split once and stores dataset + split in ONE IndexedDB transaction. */
  commit(previewId: string, request: CommitRequest, onEvent: DataEventListener): Promise<CommitResult>;
  /** Drops a preview's data from the worker's memory. */
  discard(previewId: string): Promise<void>;
  /** Cancels the running preview or commit (a cancelled commit stores nothing). */
  cancel(): Promise<void>;
}
