/**
 * IDX files streamed (issue 14 item 7): the headers of every file are read first, one array per dataset part is
 * sized from them (train and test images back to back), and each file's payload is copied from its stream (gunzipped
 * on the way) straight into it. Peak memory is the decoded payload plus a few stream chunks, never the file twice.
 * Same checks and messages as `loadIdxTrainTest` (official-test.ts), which parses whole byte arrays.
 */
import { gzipFault, openFile, type NamedBlob, type OpenedFile, type StreamIo } from './blob-source';
import { checkIdxImagesHeader, checkIdxLabelsHeader, checkIdxLength, idxToDataset, type IdxHeader, type IdxImages } from './idx';
import { checkPairCounts, joinOfficialTestInPlace, sortPair, type WithOfficialTest } from './official-test';
import { DatasetFormatError } from './errors';
import type { ImageDataset } from './types';

interface Part extends OpenedFile {
  /** The first 4 bytes read (the magic), or all of a shorter file: what `sortPair` looks at. */
  readonly bytes: Uint8Array;
}

interface PairHeaders {
  images: Part;
  labels: Part;
  ih: IdxHeader;
  lh: IdxHeader;
}

const base = (name: string): string => name.replace(/^.*[\\/]/, '');

async function headOf(p: Part, n: number): Promise<Uint8Array> {
  const rest = await p.reader.read(n - p.bytes.length);
  const head = new Uint8Array(p.bytes.length + rest.length);
  head.set(p.bytes, 0);
  head.set(rest, p.bytes.length);
  return head;
}

/** Headers of a pair; a plain file's length is checked against its header at once (its size is known). */
async function pairHeaders(parts: Part[], what: 'training' | 'test'): Promise<PairHeaders> {
  const { images, labels } = sortPair(parts, what);
  const ih = checkIdxImagesHeader(await headOf(images, 16), images.name);
  if (!images.gzipped) checkIdxLength(ih, images.size, images.name, 'images');
  const lh = checkIdxLabelsHeader(await headOf(labels, 8), labels.name);
  if (!labels.gzipped) checkIdxLength(lh, labels.size, labels.name, 'labels');
  return { images, labels, ih, lh };
}

/**
 * Copy a file's payload into dst[off, off + expected - headerBytes) and make sure nothing follows. A gzip file whose
 * header declares more than its limits let it inflate to is only counted (it fails either way), never allocated for.
 */
async function payloadInto(p: Part, h: IdxHeader, headerBytes: number, dst: Uint8Array | null, off: number, kind: 'images' | 'labels'): Promise<void> {
  const want = h.expected - headerBytes;
  const got = await p.reader.readInto(dst, off, want);
  if (got < want) checkIdxLength(h, headerBytes + got, p.name, kind);
  const extra = await p.reader.drain();
  checkIdxLength(h, h.expected + extra, p.name, kind);
}

/** A gzip file declaring more than it may inflate to: read it through to get its true length into the message. */
async function refuseOversized(parts: PairHeaders[]): Promise<void> {
  for (const { images, labels, ih, lh } of parts) {
    if (ih.expected > images.maxBytes) await payloadInto(images, ih, 16, null, 0, 'images');
    if (lh.expected > labels.maxBytes) await payloadInto(labels, lh, 8, null, 0, 'labels');
  }
}

/**
 * Stream an IDX training pair and, optionally, a test pair (each file plain or gzip, images and labels told apart
 * by their headers) into one dataset; with a test pair, the test images follow the training images and the
 * result names them as the official test set.
 */
export async function streamIdxTrainTest(train: readonly NamedBlob[], test: readonly NamedBlob[] | undefined, name: string, classes?: readonly string[], io: StreamIo = {}): Promise<WithOfficialTest> {
  checkPairCounts(train, test, name);
  const opened: Part[] = [];
  const open = async (f: NamedBlob): Promise<Part> => {
    const o = await openFile(f, io);
    const part = { ...o, bytes: await o.reader.read(4) };
    opened.push(part);
    return part;
  };
  const trParts: Part[] = [];
  const teParts: Part[] = [];
  try {
    for (const f of train) trParts.push(await open(f));
    const tr = await pairHeaders(trParts, 'training');
    let te: PairHeaders | undefined;
    if (test) {
      for (const f of test) teParts.push(await open(f));
      te = await pairHeaders(teParts, 'test');
    }
    await refuseOversized(te ? [tr, te] : [tr]);
    const trPixels = tr.ih.expected - 16;
    const images = new Uint8Array(trPixels + (te ? te.ih.expected - 16 : 0));
    const labels = new Uint8Array(tr.lh.count + (te ? te.lh.count : 0));
    const load = async (p: PairHeaders, at: number, labelsAt: number, cls?: readonly string[]): Promise<ImageDataset> => {
      const n = p.ih.expected - 16;
      await payloadInto(p.images, p.ih, 16, images, at, 'images');
      await payloadInto(p.labels, p.lh, 8, labels, labelsAt, 'labels');
      const pixels = at === 0 && n === images.length ? images : images.subarray(at, at + n);
      const lab = labelsAt === 0 && p.lh.count === labels.length ? labels : labels.subarray(labelsAt, labelsAt + p.lh.count);
      const img = { count: p.ih.count, rows: p.ih.rows, cols: p.ih.cols, pixels };
      return idxToDataset(img, lab, name, cls, { imagesName: p.images.name, labelsName: p.labels.name });
    };
    const trainDs = await load(tr, 0, 0, classes);
    if (!te) return { dataset: trainDs };
    const testDs = await load(te, trPixels, tr.lh.count, classes);
    const files = { train: `${base(tr.images.name)} + ${base(tr.labels.name)}`, test: [base(te.images.name), base(te.labels.name)] };
    return joinOfficialTestInPlace(trainDs, testDs, files, images, labels);
  } catch (e) {
    // As loadIdxTrainTest: the training files' gzip faults first, then (for a fault of the test pair) the test files'.
    const inTest = e instanceof DatasetFormatError && (test ?? []).some((f) => e.file.includes(base(f.name)));
    throw (await gzipFault(trParts)) ?? (inTest ? await gzipFault(teParts) : undefined) ?? e;
  } finally {
    await Promise.all(opened.map((p) => p.reader.close()));
  }
}

/** One IDX file streamed into its own array, with the header's checks and the length check of `parseIdxImages` / `parseIdxLabels`. */
async function streamOne(f: NamedBlob, kind: 'images' | 'labels', io: StreamIo): Promise<{ h: IdxHeader; data: Uint8Array }> {
  const o = await openFile(f, io);
  try {
    const part: Part = { ...o, bytes: new Uint8Array(0) };
    const hb = kind === 'images' ? 16 : 8;
    const head = await headOf(part, hb);
    const h = kind === 'images' ? checkIdxImagesHeader(head, f.name) : checkIdxLabelsHeader(head, f.name);
    if (!o.gzipped) checkIdxLength(h, o.size, f.name, kind);
    if (h.expected > o.maxBytes) await payloadInto(part, h, hb, null, 0, kind);
    const data = new Uint8Array(h.expected - hb);
    await payloadInto(part, h, hb, data, 0, kind);
    return { h, data };
  } catch (e) {
    throw (await gzipFault([o])) ?? e;
  } finally {
    await o.reader.close();
  }
}

/** `readIdxImages` on a stream: an IDX image file, plain or gzip. */
export async function streamIdxImages(f: NamedBlob, io: StreamIo = {}): Promise<IdxImages> {
  const { h, data } = await streamOne(f, 'images', io);
  return { count: h.count, rows: h.rows, cols: h.cols, pixels: data };
}

/** `readIdxLabels` on a stream: an IDX label file, plain or gzip. */
export async function streamIdxLabels(f: NamedBlob, io: StreamIo = {}): Promise<Uint8Array> {
  return (await streamOne(f, 'labels', io)).data;
}
