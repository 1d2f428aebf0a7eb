/**
 * CIFAR files streamed (issue 14 item 7): raw .bin, .bin.gz, .tar or .tar.gz read twice as streams, never whole.
 * The first pass walks each file (tar entry by entry) to learn every batch's size and the class names; the one
 * images array is then sized for all of them, and the second pass decodes each batch's fixed-size records straight
 * into it. A gzip file is inflated twice (CPU for memory); a raw batch's size is its file's, so its first pass reads
 * nothing. Same checks and messages as `loadCifarDataset`.
 */
import { gzipFault, openFile, withFiles, type ByteReader, type NamedBlob, type OpenedFile, type StreamIo } from './blob-source';
import {
  BATCH_RE,
  batchOrder,
  checkCifarBatch,
  checkCifarTotal,
  cifarClasses,
  cifarMetaClasses,
  cifarRecordBytes,
  decodeCifarRecords,
  isCifarMeta,
  noCifarBatches,
  type CifarLoadOptions,
  type CifarLoadResult,
  type CifarSource,
  type CifarVariant,
} from './cifar';
import { DatasetFormatError, fmtBytes } from './errors';
import { isTar } from './tar';
import { walkTar } from './tar-stream';

const PIXELS = 32 * 32 * 3;
/** Records decoded per read. */
const RECORDS_PER_READ = 256;

/** A batch found in the first pass: a whole file, or the k-th batch entry (archive order) of a tar. */
interface Batch {
  readonly name: string;
  readonly count: number;
  /** Index among the tar's batch entries in archive order; -1 for a whole file. */
  readonly entry: number;
  start: number;
}

interface Scanned {
  batches: Batch[];
  classes?: string[];
  /** Whether the first pass read the whole file (a tar or a gzip file). */
  read: boolean;
}

/** A tar opens with a header block: read up to 512 bytes and decide. */
async function sniff(f: OpenedFile): Promise<{ first: Uint8Array; tar: boolean }> {
  const first = await f.reader.read(512);
  return { first, tar: isTar(first) };
}

async function scanFile(f: OpenedFile, variant: CifarVariant): Promise<Scanned> {
  const { first, tar } = await sniff(f);
  if (!tar) {
    const size = f.gzipped ? first.length + (await f.reader.drain()) : f.size;
    return { batches: [{ name: f.name, count: checkCifarBatch(first, size, f.name, variant), entry: -1, start: 0 }], read: f.gzipped };
  }
  const found: { name: string; size: number; head: Uint8Array; entry: number }[] = [];
  const names: string[] = [];
  let classes: string[] | undefined;
  let metaSeen = false;
  await walkTar(
    f.reader,
    first,
    f.name,
    async (e) => {
      if (names.length < 5) names.push(e.name);
      if (BATCH_RE.test(e.name)) {
        const head = new Uint8Array(Math.min(2, e.size));
        await e.read(head, 0, head.length);
        found.push({ name: e.name, size: e.size, head, entry: found.length });
      } else if (!metaSeen && isCifarMeta(e.name, variant)) {
        metaSeen = true; // the first meta file counts, as in loadCifarDataset
        const text = new Uint8Array(e.size);
        await e.read(text, 0, e.size);
        classes = cifarMetaClasses(text, variant);
      }
    },
    f.gzipped ? undefined : f.size,
  );
  if (found.length === 0) throw noCifarBatches(f.name, names);
  found.sort((a, b) => batchOrder(a.name) - batchOrder(b.name) || (a.name < b.name ? -1 : 1));
  const batches = found.map((b) => {
    const name = `${f.name}/${b.name}`;
    return { name, count: checkCifarBatch(b.head, b.size, name, variant), entry: b.entry, start: 0 };
  });
  return { batches, read: true, ...(classes ? { classes } : {}) };
}

/** Decode `count` records from the reader into the arrays at image `at`. */
async function decodeInto(read: (dst: Uint8Array, n: number) => Promise<number>, b: Batch, variant: CifarVariant, images: Uint8Array, labels: Uint8Array): Promise<void> {
  const rec = cifarRecordBytes(variant);
  const buf = new Uint8Array(rec * Math.min(RECORDS_PER_READ, b.count));
  for (let i = 0; i < b.count; i += RECORDS_PER_READ) {
    const n = Math.min(RECORDS_PER_READ, b.count - i);
    const got = await read(buf, n * rec);
    if (got < n * rec) {
      throw new DatasetFormatError('truncated', b.name, `ends after ${fmtBytes(i * rec + got)} but held ${fmtBytes(b.count * rec)} when first read; was the file changed?`);
    }
    decodeCifarRecords(buf, i, n, variant, b.name, images, labels, b.start + i);
  }
}

async function fillFile(f: OpenedFile, batches: readonly Batch[], variant: CifarVariant, images: Uint8Array, labels: Uint8Array): Promise<void> {
  const { first, tar } = await sniff(f);
  if (!tar) {
    let pending = first;
    const reader: ByteReader = f.reader;
    const read = async (dst: Uint8Array, n: number): Promise<number> => {
      const k = Math.min(n, pending.length);
      dst.set(pending.subarray(0, k), 0);
      pending = pending.subarray(k);
      return k + (await reader.readInto(dst, k, n - k));
    };
    await decodeInto(read, batches[0], variant, images, labels);
    return;
  }
  const byEntry = new Map(batches.map((b) => [b.entry, b]));
  let entry = 0;
  await walkTar(f.reader, first, f.name, async (e) => {
    if (!BATCH_RE.test(e.name)) return;
    const b = byEntry.get(entry++);
    if (b) await decodeInto((dst, n) => e.read(dst, 0, n), b, variant, images, labels);
  });
}

/**
 * `loadCifarDataset` on streams: one or more CIFAR files (raw .bin, .bin.gz, .tar, .tar.gz), concatenated in the
 * given order (tar members in the official order), with `fields.file` (source index).
 */
export async function streamCifarDataset(files: readonly NamedBlob[], name = 'CIFAR', opts: CifarLoadOptions = {}, io: StreamIo = {}): Promise<CifarLoadResult> {
  const variant = opts.variant ?? 'cifar10';
  if (files.length === 0) throw new DatasetFormatError('no-classes', name, 'no CIFAR files given');
  const fio: StreamIo = { ...io, gzip: opts.gzip ?? io.gzip };
  // Pass 1: sizes (and class names) only. Progress: a file read in both passes counts half its bytes in each.
  const report = io.onBytes;
  const scaled = (k: number): StreamIo => ({ ...fio, ...(report ? { onBytes: (n: number) => report(n * k) } : {}) });
  const perFile: Batch[][] = [];
  const readTwice: boolean[] = [];
  let metaClasses: string[] | undefined;
  for (const f of files) {
    const o = await openFile(f, scaled(0.5));
    try {
      const s = await scanFile(o, variant);
      perFile.push(s.batches);
      readTwice.push(s.read);
      metaClasses = s.classes ?? metaClasses;
    } catch (e) {
      throw (await gzipFault([o])) ?? e;
    } finally {
      await o.reader.close();
    }
  }
  const all = perFile.flat();
  const count = all.reduce((s, b) => s + b.count, 0);
  checkCifarTotal(count, all.length, name);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const file = new Uint16Array(count);
  const sources: CifarSource[] = [];
  let at = 0;
  all.forEach((b, k) => {
    b.start = at;
    file.fill(k, at, at + b.count);
    sources.push({ name: b.name, start: at, count: b.count });
    at += b.count;
  });
  // Pass 2: decode every batch into place.
  for (let i = 0; i < files.length; i++) {
    await withFiles([files[i]], scaled(readTwice[i] ? 0.5 : 1), ([o]) => fillFile(o, perFile[i], variant, images, labels));
  }
  const classes = cifarClasses(labels, variant, name, opts.classes ?? metaClasses);
  return {
    dataset: { name, classes: classes.slice(), shape: [32, 32, 3], count, images, labels, fields: { file } },
    sources,
  };
}
