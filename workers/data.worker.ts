/**
 * The data worker: reads, decodes or generates a dataset off the UI thread, shows a preview (class
 * counts, sample thumbnails, warnings), computes candidate splits, and on commit stores the dataset and
 * its locked split in ONE IndexedDB transaction. It exposes ONE typed api object with comlink.
 *
 * Parser errors cross the worker boundary as plain `DatasetFormatError.toJSON()` objects (comlink would
 * keep only the name and message of an Error), so the UI shows the parser's specific message and code.
 */
import * as Comlink from 'comlink';
import { streamCifarDataset } from '../src/engine/data/cifar-stream';
import { cifarOfficialTest, officialSplitSpec, type OfficialTest } from '../src/engine/data/official-test';
import type { NamedBlob, StreamIo } from '../src/engine/data/blob-source';
import { streamIdxTrainTest } from '../src/engine/data/idx-stream';
import { checkFileSizes, DatasetFormatError, fmtInt } from '../src/engine/data/errors';
import { resizeRgbaInto } from '../src/engine/data/image';
import { loadImageFolder, loadImageZip, type ImageFileSource, type ImageFolderOptions } from '../src/engine/data/image-folder';
import { createPaintDefectGenerator } from '../src/engine/data/paint-defects';
import { checkSplit, makeSplit, splitClassCounts, splitFingerprint, type SplitSpec } from '../src/engine/data/splits';
import type { DatasetSplit, ImageDataset } from '../src/engine/data/types';
import { AbortedError } from '../src/engine/util/abort';
import { MAX_DATASET_NAME, openDb, putDataset } from '../src/db';
import type {
  ClassSamples,
  CommitRequest,
  CommitResult,
  DataEvent,
  DataEventListener,
  DataPhase,
  DataWorkerApi,
  DatasetPreview,
  FieldInfo,
  FileLike,
  FixedTestOption,
  ImageImportOptions,
  ImportSource,
  SplitSummary,
  Thumb,
} from '../src/protocol/data-api';
import { createImageDecoder } from './image-decode';
import { JobRunner } from './job';

/** Thumbnails per class and classes shown in a preview. */
const THUMBS_PER_CLASS = 8;
const MAX_PREVIEW_CLASSES = 24;
const MAX_THUMB_SIDE = 64;
/** Images generated between two checks for cancel / progress reports. */
const GENERATE_CHUNK = 64;
/** Most paint-defect images one import may generate. */
const MAX_GENERATED = 200_000;

interface Pending {
  readonly id: string;
  readonly ds: ImageDataset;
  readonly preview: DatasetPreview;
  last?: { key: string; split: DatasetSplit; summary: SplitSummary };
}

let pending: Pending | null = null;
/** One import or commit at a time (workers/job.ts); errors leave in their wire form. */
const jobs = new JobRunner(() => 'Another import or commit is running; cancel it or wait for it to finish', { toWire });

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function emitter(onEvent: DataEventListener): (e: DataEvent) => void {
  return (e) => {
    // A comlink proxy returns a promise; a closed page must not become an unhandled rejection here.
    Promise.resolve(onEvent(e) as unknown).catch(() => undefined);
  };
}

/** Progress for one phase, at most every ~60 ms (and always the last step). */
function reporter(emit: (e: DataEvent) => void, phase: DataPhase, unit: DataEvent['unit'], total: number): (done: number) => void {
  let last = -Infinity;
  return (done) => {
    const now = performance.now();
    if (done >= total || now - last > 60) {
      last = now;
      emit({ type: 'progress', phase, done: Math.min(done, total), total, unit });
    }
  };
}

/** Errors as they should cross the boundary (see the file comment). */
function toWire(e: unknown): unknown {
  if (e instanceof DatasetFormatError) return e.toJSON();
  if (e instanceof AbortedError || (e instanceof Error && e.name === 'AbortError')) {
    const err = new Error(e.message || 'Cancelled');
    err.name = 'AbortError';
    return err;
  }
  if (e instanceof Error) return e;
  return new Error(String(e));
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw toWire(e);
  }
}

/** Read a File in pieces (progress, cancel) instead of one arrayBuffer() call. */
async function readFile(f: FileLike, signal: AbortSignal, onBytes: (n: number) => void): Promise<Uint8Array> {
  const blob = f as unknown as Blob;
  try {
    if (typeof blob.stream !== 'function') {
      const b = new Uint8Array(await f.arrayBuffer());
      onBytes(b.length);
      return b;
    }
    const out = new Uint8Array(f.size);
    const reader = blob.stream().getReader();
    let o = 0;
    for (;;) {
      if (signal.aborted) {
        await reader.cancel().catch(() => undefined);
        throw new AbortedError(`Reading ${f.name}`);
      }
      const { done, value } = await reader.read();
      if (done) break;
      if (o + value.length > out.length) throw new Error(`${f.name} changed while it was being read; pick it again`);
      out.set(value, o);
      o += value.length;
      onBytes(value.length);
    }
    return o === out.length ? out : out.slice(0, o);
  } catch (e) {
    if (e instanceof AbortedError || e instanceof DatasetFormatError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`Could not read ${f.name}: ${msg}`);
  }
}

/**
 * Files to be streamed by the parsers (never read whole): the size caps first, then progress over all their bytes.
 * A File is a Blob; a FileLike without stream() (none in a browser) is wrapped in one.
 */
async function streamed(files: readonly FileLike[], signal: AbortSignal, emit: (e: DataEvent) => void): Promise<{ blobs: NamedBlob[]; io: StreamIo; done: () => void }> {
  checkFileSizes(files);
  const total = files.reduce((s, f) => s + f.size, 0);
  const report = reporter(emit, 'reading', 'bytes', Math.max(1, total));
  let seen = 0;
  const blobs: NamedBlob[] = [];
  for (const f of files) {
    const b = f as unknown as Blob;
    blobs.push({ name: f.name, blob: typeof b.stream === 'function' ? b : new Blob([await f.arrayBuffer()]) });
  }
  return { blobs, io: { signal, onBytes: (n) => report((seen += n)) }, done: () => report(Math.max(1, total)) };
}

const baseName = (name: string): string => name.replace(/^.*[\\/]/, '');

function guessIdxName(imagesName: string): string {
  const n = baseName(imagesName)
    .replace(/\.gz$/i, '')
    .replace(/[-_.]?idx\d[-_.]ubyte$/i, '')
    .replace(/[-_.]?images?$/i, '');
  return n || 'IDX dataset';
}

const CIFAR_NAMES = { cifar10: 'CIFAR-10', 'cifar100-fine': 'CIFAR-100 (100 fine classes)', 'cifar100-coarse': 'CIFAR-100 (20 superclasses)' } as const;

function imageOptions(o: ImageImportOptions, name: string, signal: AbortSignal, emit: (e: DataEvent) => void): ImageFolderOptions {
  let report: ((done: number) => void) | null = null;
  return {
    name,
    decode: createImageDecoder({ height: o.height, width: o.width }),
    height: o.height,
    width: o.width,
    channels: o.channels,
    fit: o.fit,
    onNonImage: o.skipNonImages ? 'skip' : 'error',
    signal,
    concurrency: 4,
    onProgress: (done, total) => {
      report ??= reporter(emit, 'decoding', 'images', total);
      report(done);
    },
  };
}

function listIgnored(ignored: readonly { path: string; reason: string }[]): string[] {
  if (ignored.length === 0) return [];
  const shown = ignored.slice(0, 8).map((x) => `${x.path} (${x.reason})`);
  const more = ignored.length > shown.length ? `, and ${fmtInt(ignored.length - shown.length)} more` : '';
  return [`${fmtInt(ignored.length)} file${ignored.length === 1 ? ' was' : 's were'} ignored: ${shown.join('; ')}${more}.`];
}

interface Loaded {
  ds: ImageDataset;
  source: string;
  notes: string[];
  warnings: string[];
  fixedTests: FixedTestOption[];
  suggested: SplitSpec;
  official?: OfficialTest;
}

function officialOption(o: OfficialTest): FixedTestOption {
  return { label: `${o.files.map(baseName).join(' + ')} (official test set)`, field: 'file', values: [...o.values], count: o.count, files: [...o.files] };
}

const STRATIFIED_DEFAULT: SplitSpec = { method: 'stratified', seed: 1, valid: 0.1, test: 0.1 };

async function load(src: ImportSource, signal: AbortSignal, emit: (e: DataEvent) => void): Promise<Loaded> {
  switch (src.kind) {
    case 'idx': {
      const test = src.testImages && src.testLabels ? [src.testImages, src.testLabels] : [];
      const { blobs, io, done } = await streamed([src.images, src.labels, ...test], signal, emit);
      const name = src.name?.trim() || guessIdxName(src.images.name);
      const classes = src.classes && src.classes.length > 0 ? src.classes : undefined;
      const r = await streamIdxTrainTest(blobs.slice(0, 2), test.length > 0 ? blobs.slice(2) : undefined, name, classes, io);
      done();
      const o = r.official;
      const source = `IDX files ${src.images.name} + ${src.labels.name}${o ? `, official test ${o.files.join(' + ')}` : ''}`;
      if (!o) return { ds: r.dataset, source, notes: [], warnings: [], fixedTests: [], suggested: STRATIFIED_DEFAULT };
      return { ds: r.dataset, source, notes: [], warnings: [], fixedTests: [officialOption(o)], suggested: officialSplitSpec(o), official: o };
    }
    case 'cifar': {
      if (src.files.length === 0) throw new Error('Pick at least one CIFAR file (.bin, .tar or .tar.gz)');
      const { blobs, io, done } = await streamed(src.files, signal, emit);
      const name = src.name?.trim() || CIFAR_NAMES[src.variant];
      const r = await streamCifarDataset(blobs, name, { variant: src.variant }, io);
      done();
      const notes = [`Read ${r.sources.map((s) => `${baseName(s.name)} (${fmtInt(s.count)} images)`).join(', ')}.`];
      const o = cifarOfficialTest(r);
      const source = `CIFAR binaries ${src.files.map((f) => f.name).join(', ')}`;
      if (!o) return { ds: r.dataset, source, notes, warnings: [], fixedTests: [], suggested: STRATIFIED_DEFAULT };
      return { ds: r.dataset, source, notes, warnings: [], fixedTests: [officialOption(o)], suggested: officialSplitSpec(o), official: o };
    }
    case 'folder': {
      const root = src.files[0]?.path.split('/')[0] ?? 'folder';
      const name = src.name?.trim() || root;
      const sources: ImageFileSource[] = src.files.map((f) => ({
        path: f.path,
        size: f.file.size,
        read: () => readFile(f.file, signal, () => undefined),
      }));
      const r = await loadImageFolder(sources, { ...imageOptions(src.image, name, signal, emit), directories: src.directories ?? [] });
      const ds = { ...r.dataset, name };
      return { ds, source: `image folder ${root}/ (${fmtInt(src.files.length)} files)`, notes: [], warnings: listIgnored(r.ignored), fixedTests: [], suggested: STRATIFIED_DEFAULT };
    }
    case 'zip': {
      const { blobs, done } = await streamed([src.file], signal, emit);
      const name = src.name?.trim() || baseName(src.file.name).replace(/\.zip$/i, '');
      const r = await loadImageZip(blobs[0].blob, imageOptions(src.image, src.file.name, signal, emit));
      done();
      const ds = { ...r.dataset, name };
      return { ds, source: `image zip ${src.file.name}`, notes: [], warnings: listIgnored(r.ignored), fixedTests: [], suggested: STRATIFIED_DEFAULT };
    }
    case 'paint-defects': {
      const { count, seed, height, width } = src;
      const weeks = src.weeks ?? 12;
      if (!Number.isInteger(count) || count < 10 || count > MAX_GENERATED) throw new Error(`Image count must be a whole number from 10 to ${fmtInt(MAX_GENERATED)}`);
      if (!Number.isInteger(seed) || seed < 0) throw new Error('Seed must be a whole number ≥ 0');
      const gen = createPaintDefectGenerator({ seed, count, height, width, weeks });
      const [H, W, C] = gen.shape;
      const images = new Uint8Array(count * H * W * C);
      const labels = new Uint8Array(count);
      const week = new Uint8Array(count);
      const report = reporter(emit, 'generating', 'images', count);
      for (let s = 0; s < count; s += GENERATE_CHUNK) {
        if (signal.aborted) throw new AbortedError('Generating the paint-defect set');
        const n = Math.min(GENERATE_CHUNK, count - s);
        gen.generateInto(s, n, images, labels, week, s);
        report(s + n);
        await macrotask(); // lets cancel() in
      }
      const name = src.name?.trim() || `Paint defects ${H}x${W} (${fmtInt(count)}, seed ${seed})`;
      const ds: ImageDataset = { name, classes: gen.classes.slice(), shape: gen.shape, count, images, labels, fields: { week } };
      return {
        ds,
        source: `synthetic paint defects: ${fmtInt(count)} images ${H}x${W}, seed ${seed}, weeks 0..${weeks - 1}`,
        notes: [`Each image has a production week (0..${weeks - 1}); lighting drifts over the weeks, so an ordered split by week tests on new weeks.`],
        warnings: [],
        fixedTests: [],
        suggested: { method: 'temporal', field: 'week', valid: 0.15, test: 0.15, wholeGroups: true },
      };
    }
  }
}

/** An RGBA thumbnail of image i (shrunk when a side is over MAX_THUMB_SIDE). */
function thumbOf(ds: ImageDataset, i: number): Thumb {
  const [H, W, C] = ds.shape;
  const per = H * W * C;
  const src = ds.images.subarray(i * per, (i + 1) * per);
  const rgba = new Uint8ClampedArray(H * W * 4);
  for (let p = 0; p < H * W; p++) {
    const r = src[p * C];
    rgba[4 * p] = r;
    rgba[4 * p + 1] = C === 3 ? src[p * C + 1] : r;
    rgba[4 * p + 2] = C === 3 ? src[p * C + 2] : r;
    rgba[4 * p + 3] = 255;
  }
  const scale = Math.min(1, MAX_THUMB_SIDE / Math.max(H, W));
  if (scale === 1) return { width: W, height: H, rgba };
  const w = Math.max(1, Math.round(W * scale));
  const h = Math.max(1, Math.round(H * scale));
  const rgb = new Uint8Array(w * h * 3);
  resizeRgbaInto(rgba, W, H, rgb, 0, w, h, 3);
  const out = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    out[4 * p] = rgb[3 * p];
    out[4 * p + 1] = rgb[3 * p + 1];
    out[4 * p + 2] = rgb[3 * p + 2];
    out[4 * p + 3] = 255;
  }
  return { width: w, height: h, rgba: out };
}

function samplesOf(ds: ImageDataset): ClassSamples[] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < ds.count; i++) {
    const l = ds.labels[i];
    if (l >= MAX_PREVIEW_CLASSES) continue;
    const list = byClass.get(l);
    if (list) list.push(i);
    else byClass.set(l, [i]);
  }
  const out: ClassSamples[] = [];
  for (let c = 0; c < Math.min(ds.classes.length, MAX_PREVIEW_CLASSES); c++) {
    const idx = byClass.get(c) ?? [];
    const n = Math.min(THUMBS_PER_CLASS, idx.length);
    // Evenly spread over the class, so a sorted file shows its variety.
    const pick = Array.from({ length: n }, (_, k) => idx[Math.floor((k * idx.length) / n)]);
    out.push({ label: c, thumbs: pick.map((i) => thumbOf(ds, i)) });
  }
  return out;
}

function fieldsOf(ds: ImageDataset): FieldInfo[] {
  return Object.entries(ds.fields ?? {}).map(([name, f]) => {
    let min = Infinity;
    let max = -Infinity;
    const seen = new Set<number>();
    for (let i = 0; i < f.length; i++) {
      const v = f[i];
      if (v < min) min = v;
      if (v > max) max = v;
      if (seen.size <= 100_000) seen.add(v);
    }
    return { name, min, max, distinct: seen.size };
  });
}

function classWarnings(ds: ImageDataset, counts: number[]): string[] {
  const out: string[] = [];
  const empty = counts.map((n, c) => (n === 0 ? ds.classes[c] : null)).filter((x): x is string => x !== null);
  if (empty.length > 0) {
    const shown = empty.slice(0, 12).join(', ') + (empty.length > 12 ? ', …' : '');
    out.push(`${empty.length} of ${ds.classes.length} classes have no images (${shown}); the network still gets ${ds.classes.length} outputs.`);
  }
  const tiny = counts.map((n, c) => (n > 0 && n < 3 ? `${ds.classes[c]} (${n})` : null)).filter((x): x is string => x !== null);
  if (tiny.length > 0) {
    out.push(`Classes with fewer than 3 images may get no validation or test image: ${tiny.slice(0, 12).join(', ')}${tiny.length > 12 ? ', …' : ''}.`);
  }
  return out;
}

function buildPreview(id: string, kind: ImportSource['kind'], l: Loaded): DatasetPreview {
  const { ds } = l;
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  const fieldBytes = Object.values(ds.fields ?? {}).reduce((s, f) => s + f.byteLength, 0);
  const notes = [...l.notes];
  if (ds.classes.length > MAX_PREVIEW_CLASSES) notes.push(`Samples are shown for the first ${MAX_PREVIEW_CLASSES} of ${ds.classes.length} classes.`);
  return {
    id,
    kind,
    name: ds.name,
    source: l.source,
    shape: [ds.shape[0], ds.shape[1], ds.shape[2]],
    count: ds.count,
    classes: ds.classes.slice(),
    classCounts: counts,
    samples: samplesOf(ds),
    fields: fieldsOf(ds),
    fixedTests: l.fixedTests,
    ...(l.official ? { officialTest: { files: [...l.official.files], count: l.official.count } } : {}),
    notes,
    warnings: [...l.warnings, ...classWarnings(ds, counts)],
    bytes: ds.images.byteLength + ds.labels.byteLength + fieldBytes,
    suggestedSplit: l.suggested,
  };
}

function transferablesOf(p: DatasetPreview): Transferable[] {
  return p.samples.flatMap((s) => s.thumbs.map((t) => t.rgba.buffer as ArrayBuffer));
}

function summarize(ds: ImageDataset, spec: SplitSpec, split: DatasetSplit): SplitSummary {
  const counts = splitClassCounts(split, ds.labels, ds.classes.length);
  const warnings: string[] = [];
  if (split.train.length === 0) warnings.push('The training split is empty: a search has nothing to train on.');
  if (split.valid.length === 0) warnings.push('The validation split is empty: a search cannot score candidates.');
  if (split.test.length === 0) warnings.push('The test split is empty: there is nothing held out for the final evaluation.');
  const present = ds.classes.map((_, c) => counts.train[c] + counts.valid[c] + counts.test[c] > 0);
  const missing = (part: 'train' | 'valid' | 'test') => ds.classes.filter((_, c) => present[c] && counts[part][c] === 0);
  for (const part of ['train', 'valid', 'test'] as const) {
    const m = missing(part);
    if (m.length > 0 && split[part].length > 0) {
      warnings.push(`${m.length} class${m.length === 1 ? ' has' : 'es have'} no ${part === 'valid' ? 'validation' : part === 'test' ? 'test' : 'training'} images: ${m.slice(0, 10).join(', ')}${m.length > 10 ? ', …' : ''}.`);
    }
  }
  return {
    spec,
    sizes: { train: split.train.length, valid: split.valid.length, test: split.test.length },
    counts,
    fingerprint: splitFingerprint(split, ds),
    warnings,
  };
}

function splitFor(p: Pending, spec: SplitSpec): { split: DatasetSplit; summary: SplitSummary } {
  const key = JSON.stringify(spec);
  if (p.last?.key === key) return p.last;
  const split = makeSplit(p.ds, spec);
  checkSplit(split, p.ds.count);
  const last = { key, split, summary: summarize(p.ds, spec, split) };
  p.last = last;
  return last;
}

function pendingFor(id: string): Pending {
  if (!pending || pending.id !== id) throw new Error('This preview is no longer in memory (the page or the worker was restarted); import the dataset again');
  return pending;
}

const api: DataWorkerApi = {
  preview: (source, onEvent) =>
    jobs.run('an import', async (signal) => {
      pending = null; // free the previous preview's memory before reading the next one
      const loaded = await load(source, signal, emitter(onEvent));
      if (signal.aborted) throw new AbortedError('The import');
      const id = crypto.randomUUID();
      const preview = buildPreview(id, source.kind, loaded);
      pending = { id, ds: loaded.ds, preview };
      return Comlink.transfer(preview, transferablesOf(preview));
    }),

  previewSplit: (previewId, spec) => guarded(async () => splitFor(pendingFor(previewId), spec).summary),

  commit: async (previewId, request: CommitRequest, onEvent): Promise<CommitResult> => {
    const { p, name, split, summary } = await guarded(async () => {
      const p = pendingFor(previewId);
      const name = request.name.trim();
      if (name.length === 0) throw new Error('Give the dataset a name');
      if (name.length > MAX_DATASET_NAME) throw new Error(`A dataset name must be at most ${MAX_DATASET_NAME} characters`);
      const { split, summary } = splitFor(p, request.split);
      if (summary.sizes.train === 0 || summary.sizes.valid === 0) {
        throw new Error(`This split leaves the ${summary.sizes.train === 0 ? 'training' : 'validation'} part empty; a search needs both. Change the fractions.`);
      }
      return { p, name, split, summary };
    });
    return jobs.run('storing a dataset', async (signal) => {
      const emit = emitter(onEvent);
      const id = `user:${crypto.randomUUID()}`;
      const ds: ImageDataset = { ...p.ds, name };
      const spec = summary.spec;
      const meta = await putDataset(await openDb(), id, ds, {
        source: p.preview.source,
        builtin: false,
        split: {
          method: spec.method,
          seed: spec.method === 'stratified' ? spec.seed : 0,
          train: split.train,
          valid: split.valid,
          test: split.test,
          spec,
          fingerprint: summary.fingerprint,
        },
        signal,
        onProgress: (done, total) => emit({ type: 'progress', phase: 'storing', done, total, unit: 'chunks' }),
      });
      pending = null;
      return { id, name: meta.name, count: meta.count, bytes: meta.bytes, split: summary };
    });
  },

  async discard(previewId) {
    if (pending?.id === previewId) pending = null;
  },

  async cancel() {
    jobs.abort();
  },
};

Comlink.expose(api);
