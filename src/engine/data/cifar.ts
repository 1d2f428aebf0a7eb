/**
 * CIFAR binary batches: records of label byte(s) + 3072 bytes of CHW planes (R, G, B, each 32x32 row-major).
 *   CIFAR-10:  1 label byte  (data_batch_1..5.bin, test_batch.bin; 10,000 records each)
 *   CIFAR-100: coarse + fine label bytes (train.bin, test.bin)
 * Converted to HWC. Files may be raw .bin, gzip, or a tar / tar.gz of the official distribution.
 */
import { DatasetFormatError, LIMITS, fmtBytes, fmtInt } from './errors';
import { isGzip, maybeGunzip, type GunzipOptions } from './gzip';
import type { NamedBytes } from './idx';
import { isTar, readTar } from './tar';
import { utf8Decode } from './text';
import type { ImageDataset } from './types';

export const CIFAR10_CLASSES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

export type CifarVariant = 'cifar10' | 'cifar100-fine' | 'cifar100-coarse';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

export function cifarRecordBytes(variant: CifarVariant): number {
  return variant === 'cifar10' ? 1 + PIXELS : 2 + PIXELS;
}

export function classCount(variant: CifarVariant): number {
  return variant === 'cifar10' ? 10 : variant === 'cifar100-fine' ? 100 : 20;
}

export interface CifarBatch {
  count: number;
  /** count*32*32*3 HWC bytes. */
  images: Uint8Array;
  labels: Uint8Array;
}

/**
 * Check a CIFAR batch before its records are read: `head` is its first bytes (2 are enough), `size` its length.
 * Returns the record count; throws 'empty-file', 'unsupported' (gzip inside) or 'truncated' (not whole records).
 */
export function checkCifarBatch(head: Uint8Array, size: number, name: string, variant: CifarVariant): number {
  const rec = cifarRecordBytes(variant);
  if (size === 0) throw new DatasetFormatError('empty-file', name, 'the file is empty, expected CIFAR binary records');
  if (isGzip(head)) throw new DatasetFormatError('unsupported', name, 'the file is gzip-compressed; gunzip it first (loadCifarDataset does this)');
  if (size % rec !== 0) {
    const n = Math.floor(size / rec);
    const other = variant === 'cifar10' ? 2 + PIXELS : 1 + PIXELS;
    const hint = size % other === 0 ? ` (its length fits ${variant === 'cifar10' ? 'CIFAR-100' : 'CIFAR-10'} records of ${fmtInt(other)} bytes)` : '';
    throw new DatasetFormatError(
      'truncated',
      name,
      `the file has ${fmtBytes(size)}, not a whole number of ${fmtInt(rec)}-byte ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} records (${fmtInt(n)} records + ${fmtBytes(size - n * rec)})${hint}`,
    );
  }
  return size / rec;
}

/**
 * Decode n records from src (record `first` of the batch at src[0]) into HWC images / labels at image `at`;
 * throws 'bad-label' naming the record and its byte in the batch.
 */
export function decodeCifarRecords(src: Uint8Array, first: number, n: number, variant: CifarVariant, name: string, images: Uint8Array, labels: Uint8Array, at: number): void {
  const rec = cifarRecordBytes(variant);
  const nClasses = classCount(variant);
  const labelOffset = variant === 'cifar100-fine' ? 1 : 0;
  for (let k = 0; k < n; k++) {
    const r = k * rec;
    const label = src[r + labelOffset];
    if (label >= nClasses) {
      const i = first + k;
      throw new DatasetFormatError('bad-label', name, `record ${fmtInt(i)} (byte ${fmtInt(i * rec + labelOffset)}) has label ${label}; ${variant} labels are 0..${nClasses - 1}`);
    }
    labels[at + k] = label;
    const from = r + (rec - PIXELS);
    const dst = (at + k) * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      images[dst + 3 * p] = src[from + p];
      images[dst + 3 * p + 1] = src[from + PLANE + p];
      images[dst + 3 * p + 2] = src[from + 2 * PLANE + p];
    }
  }
}

/** Parse one uncompressed CIFAR binary batch. */
export function parseCifarBatch(bytes: Uint8Array, name = 'data_batch.bin', variant: CifarVariant = 'cifar10'): CifarBatch {
  const count = checkCifarBatch(bytes, bytes.length, name, variant);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  decodeCifarRecords(bytes, 0, count, variant, name, images, labels, 0);
  return { count, images, labels };
}

/** Encode HWC images + labels as a CIFAR-10 binary batch (tests, fixtures, export). */
export function encodeCifarBatch(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const count = labels.length;
  if (images.length !== count * PIXELS) throw new RangeError(`encodeCifarBatch: ${images.length} bytes != ${count} * ${PIXELS}`);
  const rec = 1 + PIXELS;
  const out = new Uint8Array(count * rec);
  for (let i = 0; i < count; i++) {
    out[i * rec] = labels[i];
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) out[i * rec + 1 + c * PLANE + p] = images[i * PIXELS + 3 * p + c];
    }
  }
  return out;
}

export interface CifarLoadOptions {
  variant?: CifarVariant;
  /** Class names; defaults to CIFAR10_CLASSES, a batches.meta.txt found in a tar, or '0'..'n-1'. */
  classes?: readonly string[];
  gzip?: GunzipOptions;
}

export interface CifarSource {
  name: string;
  /** First image index of this file in the dataset. */
  start: number;
  count: number;
}

export interface CifarLoadResult {
  dataset: ImageDataset;
  /** In dataset order; `dataset.fields.file[i]` indexes into this. */
  sources: CifarSource[];
}

export const BATCH_RE = /(?:^|\/)(data_batch_\d+|test_batch|train|test)\.bin$/;

/** Official order: data_batch_1..n, then test_batch (CIFAR-100: train, test). */
export function batchOrder(name: string): number {
  const m = /data_batch_(\d+)\.bin$/.exec(name);
  if (m) return Number(m[1]);
  if (/(?:^|\/)train\.bin$/.test(name)) return 0;
  return 1000;
}

/** Class names in a tar: batches.meta.txt (CIFAR-10), fine_ / coarse_label_names.txt (CIFAR-100). */
export function isCifarMeta(name: string, variant: CifarVariant): boolean {
  return /(?:^|\/)(batches\.meta|fine_label_names|coarse_label_names)\.txt$/.test(name) && (variant !== 'cifar100-coarse' || /coarse/.test(name)) && (variant !== 'cifar100-fine' || /fine/.test(name));
}

/** The class names a meta file lists, when it lists as many as the variant has. */
export function cifarMetaClasses(bytes: Uint8Array, variant: CifarVariant): string[] | undefined {
  const names = utf8Decode(bytes).split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  return names.length === classCount(variant) ? names : undefined;
}

export const noCifarBatches = (archive: string, found: readonly string[]): DatasetFormatError =>
  new DatasetFormatError('unsupported', archive, `the archive has no CIFAR batch files (data_batch_N.bin, test_batch.bin); found ${found.join(', ') || 'nothing'}`);

/** The whole set must fit the pixel limit and number its files in a Uint16Array. */
export function checkCifarTotal(count: number, files: number, name: string): void {
  if (count * PIXELS > LIMITS.maxBytes) {
    throw new DatasetFormatError('absurd-dimensions', name, `${fmtInt(count)} images would need ${fmtBytes(count * PIXELS)}, over the limit`);
  }
  if (files > 65535) throw new DatasetFormatError('too-many-files', name, `${files} files`);
}

/** The class names given, found in a meta file or the variant's defaults; every label must index into them. */
export function cifarClasses(labels: Uint8Array, variant: CifarVariant, name: string, given?: readonly string[]): readonly string[] {
  const n = classCount(variant);
  const classes = given ?? (variant === 'cifar10' ? CIFAR10_CLASSES : Array.from({ length: n }, (_, i) => String(i)));
  if (classes.length < n) {
    const max = labels.reduce((m, l) => Math.max(m, l), 0);
    if (max >= classes.length) throw new DatasetFormatError('bad-label', name, `label ${max} is out of range for the ${classes.length} class names given`);
  }
  return classes;
}

/**
 * Load one or more CIFAR files (raw .bin, .bin.gz, .tar, .tar.gz), concatenated in the given order
 * (tar members in the official order). Adds `fields.file` (source index).
 */
export async function loadCifarDataset(files: readonly NamedBytes[], name = 'CIFAR', opts: CifarLoadOptions = {}): Promise<CifarLoadResult> {
  const variant = opts.variant ?? 'cifar10';
  if (files.length === 0) throw new DatasetFormatError('no-classes', name, 'no CIFAR files given');
  const parts: { name: string; batch: CifarBatch }[] = [];
  let metaClasses: string[] | undefined;
  for (const f of files) {
    const raw = await maybeGunzip(f.bytes, { ...opts.gzip, name: f.name });
    if (isTar(raw)) {
      const entries = readTar(raw, f.name);
      const meta = entries.find((e) => isCifarMeta(e.name, variant));
      if (meta) metaClasses = cifarMetaClasses(meta.bytes, variant) ?? metaClasses;
      const batches = entries.filter((e) => BATCH_RE.test(e.name)).sort((a, b) => batchOrder(a.name) - batchOrder(b.name) || (a.name < b.name ? -1 : 1));
      if (batches.length === 0) throw noCifarBatches(f.name, entries.slice(0, 5).map((e) => e.name));
      for (const b of batches) parts.push({ name: `${f.name}/${b.name}`, batch: parseCifarBatch(b.bytes, `${f.name}/${b.name}`, variant) });
    } else {
      parts.push({ name: f.name, batch: parseCifarBatch(raw, f.name, variant) });
    }
  }
  const count = parts.reduce((s, p) => s + p.batch.count, 0);
  checkCifarTotal(count, parts.length, name);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const file = new Uint16Array(count);
  const sources: CifarSource[] = [];
  let at = 0;
  parts.forEach((p, k) => {
    images.set(p.batch.images, at * PIXELS);
    labels.set(p.batch.labels, at);
    file.fill(k, at, at + p.batch.count);
    sources.push({ name: p.name, start: at, count: p.batch.count });
    at += p.batch.count;
  });
  const classes = cifarClasses(labels, variant, name, opts.classes ?? metaClasses);
  return {
    dataset: { name, classes: classes.slice(), shape: [SIDE, SIDE, 3], count, images, labels, fields: { file } },
    sources,
  };
}
