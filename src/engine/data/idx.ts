/**
 * IDX files (MNIST, Fashion-MNIST, EMNIST...): big-endian header, ubyte payload.
 *   images: 00 00 08 03 | count u32 | rows u32 | cols u32 | count*rows*cols bytes
 *   labels: 00 00 08 01 | count u32 | count bytes
 * The parsers take raw (already gunzipped) bytes; `loadIdxDataset` also accepts gzip.
 */
import { DatasetFormatError, LIMITS, fmtBytes, fmtInt } from './errors';
import { isGzip, maybeGunzip, type GunzipOptions } from './gzip';
import type { ImageDataset } from './types';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols bytes, row-major, one channel; owns its buffer. */
  pixels: Uint8Array;
}

const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double',
};

function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function hex4(b: Uint8Array): string {
  return Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Check the 4-byte magic; returns nothing, throws with a message that says what the file looks like instead. */
function checkMagic(bytes: Uint8Array, name: string, wantDims: 1 | 3): void {
  const what = wantDims === 3 ? 'IDX image file' : 'IDX label file';
  const want = wantDims === 3 ? '00 00 08 03' : '00 00 08 01';
  if (bytes.length === 0) throw new DatasetFormatError('empty-file', name, `the file is empty, expected an ${what}`);
  if (isGzip(bytes)) {
    throw new DatasetFormatError('unsupported', name, 'the file is gzip-compressed; gunzip it first (loadIdxDataset does this)');
  }
  if (bytes.length < 4) {
    throw new DatasetFormatError('truncated', name, `only ${fmtBytes(bytes.length)}, too short for an ${what} header`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetFormatError('bad-magic', name, `not an ${what}: magic number is ${hex4(bytes)}, expected ${want}`);
  }
  if (bytes[2] !== 0x08) {
    const t = IDX_TYPES[bytes[2]];
    if (t) {
      throw new DatasetFormatError('unsupported', name, `IDX element type is ${t} (0x${bytes[2].toString(16).padStart(2, '0')}); only unsigned byte (0x08) is supported`);
    }
    throw new DatasetFormatError('bad-magic', name, `not an ${what}: magic number is ${hex4(bytes)}, expected ${want}`);
  }
  if (bytes[3] !== wantDims) {
    const hint = bytes[3] === 1 ? ' (this looks like a label file)' : bytes[3] === 3 ? ' (this looks like an image file)' : '';
    throw new DatasetFormatError('bad-magic', name, `not an ${what}: magic number is ${hex4(bytes)} (${bytes[3]} dimensions), expected ${want}${hint}`);
  }
}

/** What an IDX header declares: `expected` is the whole file's size in bytes. */
export interface IdxHeader {
  count: number;
  rows: number;
  cols: number;
  expected: number;
}

/** Check an IDX image file's header; `head` is its first 16 bytes, or all of it when shorter. */
export function checkIdxImagesHeader(head: Uint8Array, name: string): IdxHeader {
  checkMagic(head, name, 3);
  if (head.length < 16) {
    throw new DatasetFormatError('truncated', name, `only ${fmtBytes(head.length)}, the IDX image header needs 16`);
  }
  const count = u32be(head, 4);
  const rows = u32be(head, 8);
  const cols = u32be(head, 12);
  if (rows === 0 || cols === 0 || rows > LIMITS.maxSide || cols > LIMITS.maxSide) {
    throw new DatasetFormatError('absurd-dimensions', name, `header says images are ${fmtInt(rows)}x${fmtInt(cols)}; each side must be 1..${LIMITS.maxSide}`);
  }
  if (count === 0) throw new DatasetFormatError('absurd-dimensions', name, 'header says the file holds 0 images');
  const payload = count * rows * cols;
  if (payload > LIMITS.maxBytes) {
    throw new DatasetFormatError('absurd-dimensions', name, `header says ${fmtInt(count)} images of ${rows}x${cols} (${fmtBytes(payload)}), over the ${fmtBytes(LIMITS.maxBytes)} limit`);
  }
  return { count, rows, cols, expected: 16 + payload };
}

/** Check an IDX label file's header; `head` is its first 8 bytes, or all of it when shorter. Rows/cols are 1. */
export function checkIdxLabelsHeader(head: Uint8Array, name: string): IdxHeader {
  checkMagic(head, name, 1);
  if (head.length < 8) {
    throw new DatasetFormatError('truncated', name, `only ${fmtBytes(head.length)}, the IDX label header needs 8`);
  }
  const count = u32be(head, 4);
  if (count === 0) throw new DatasetFormatError('absurd-dimensions', name, 'header says the file holds 0 labels');
  if (count > LIMITS.maxBytes) {
    throw new DatasetFormatError('absurd-dimensions', name, `header says ${fmtInt(count)} labels, over the limit`);
  }
  return { count, rows: 1, cols: 1, expected: 8 + count };
}

/** The file's (decompressed) length must be exactly what its header declares; throws 'truncated' / 'count-mismatch'. */
export function checkIdxLength(h: IdxHeader, length: number, name: string, kind: 'images' | 'labels'): void {
  const says = kind === 'images' ? `header says ${fmtInt(h.count)} images of ${h.rows}x${h.cols} (${fmtBytes(h.expected)})` : `header says ${fmtInt(h.count)} labels (${fmtBytes(h.expected)})`;
  if (length < h.expected) {
    throw new DatasetFormatError('truncated', name, `${says} but the file has ${fmtBytes(length)}`);
  }
  if (length > h.expected) {
    throw new DatasetFormatError('count-mismatch', name, `${says} but the file has ${fmtBytes(length)} (${fmtBytes(length - h.expected)} extra)`);
  }
}

/** Parse an uncompressed IDX image file (magic 0x00000803). */
export function parseIdxImages(bytes: Uint8Array, name = 'images.idx3-ubyte'): IdxImages {
  const h = checkIdxImagesHeader(bytes.subarray(0, 16), name);
  checkIdxLength(h, bytes.length, name, 'images');
  return { count: h.count, rows: h.rows, cols: h.cols, pixels: bytes.slice(16, h.expected) };
}

/** Parse an uncompressed IDX label file (magic 0x00000801). */
export function parseIdxLabels(bytes: Uint8Array, name = 'labels.idx1-ubyte'): Uint8Array {
  const h = checkIdxLabelsHeader(bytes.subarray(0, 8), name);
  checkIdxLength(h, bytes.length, name, 'labels');
  return bytes.slice(8, h.expected);
}

export interface IdxToDatasetOptions {
  /** Names for the error messages. */
  imagesName?: string;
  labelsName?: string;
}

/**
 * Pair parsed IDX images and labels into an ImageDataset (shape [rows, cols, 1]).
 * `classes` defaults to '0'..'max label'; labels must index into it.
 */
export function idxToDataset(
  images: IdxImages,
  labels: Uint8Array,
  name: string,
  classes?: readonly string[],
  opts: IdxToDatasetOptions = {},
): ImageDataset {
  const labelsName = opts.labelsName ?? `${name} labels`;
  const imagesName = opts.imagesName ?? `${name} images`;
  if (images.count !== labels.length) {
    throw new DatasetFormatError('count-mismatch', labelsName, `has ${fmtInt(labels.length)} labels but ${imagesName} has ${fmtInt(images.count)} images`);
  }
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  const cls = classes ?? Array.from({ length: max + 1 }, (_, i) => String(i));
  if (cls.length === 0) throw new DatasetFormatError('no-classes', labelsName, 'no class names given');
  if (max >= cls.length) {
    const at = labels.findIndex((l) => l >= cls.length);
    throw new DatasetFormatError('bad-label', labelsName, `label ${labels[at]} at index ${fmtInt(at)} is out of range for ${cls.length} classes`);
  }
  return {
    name,
    classes: cls.slice(),
    shape: [images.rows, images.cols, 1],
    count: images.count,
    images: images.pixels,
    labels,
  };
}

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Parse an IDX images/labels pair, each plain or gzip (detected by the 1f 8b header). */
export async function loadIdxDataset(
  images: NamedBytes,
  labels: NamedBytes,
  name: string,
  classes?: readonly string[],
  gzipOpts: GunzipOptions = {},
): Promise<ImageDataset> {
  const [ib, lb] = await Promise.all([
    maybeGunzip(images.bytes, { ...gzipOpts, name: images.name }),
    maybeGunzip(labels.bytes, { ...gzipOpts, name: labels.name }),
  ]);
  const img = parseIdxImages(ib, images.name);
  const lab = parseIdxLabels(lb, labels.name);
  return idxToDataset(img, lab, name, classes, { imagesName: images.name, labelsName: labels.name });
}

function header(magic: number, dims: readonly number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, magic);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  return h;
}

/** Encode images as an IDX file (for tests, fixtures and export). */
export function encodeIdxImages(pixels: Uint8Array, count: number, rows: number, cols: number): Uint8Array {
  if (pixels.length !== count * rows * cols) throw new RangeError(`encodeIdxImages: ${pixels.length} bytes != ${count}*${rows}*${cols}`);
  const out = new Uint8Array(16 + pixels.length);
  out.set(header(IDX_IMAGES_MAGIC, [count, rows, cols]), 0);
  out.set(pixels, 16);
  return out;
}

/** Encode labels as an IDX file. */
export function encodeIdxLabels(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  out.set(header(IDX_LABELS_MAGIC, [labels.length]), 0);
  out.set(labels, 8);
  return out;
}

/** Parse an IDX image file that may be gzip-compressed. */
export async function readIdxImages(bytes: Uint8Array, name = 'images.idx3-ubyte', gzipOpts: GunzipOptions = {}): Promise<IdxImages> {
  return parseIdxImages(await maybeGunzip(bytes, { ...gzipOpts, name }), name);
}

/** Parse an IDX label file that may be gzip-compressed. */
export async function readIdxLabels(bytes: Uint8Array, name = 'labels.idx1-ubyte', gzipOpts: GunzipOptions = {}): Promise<Uint8Array> {
  return parseIdxLabels(await maybeGunzip(bytes, { ...gzipOpts, name }), name);
}
