/**
 * Image-classification folders: one subfolder per class, images inside (the torchvision ImageFolder
 * layout), given either as a list of files (the worker enumerates a directory pick) or as a .zip.
 * Decoding is injected (`decode`), so this file stays pure: the worker passes createImageBitmap +
 * OffscreenCanvas, tests pass a tiny PNG decoder. Every image is resized to one size.
 */
import { AbortedError, type AbortSignalLike } from '../util/abort';
import { DatasetFormatError, LIMITS, fmtBytes, fmtInt } from './errors';
import { describeContent, imageTypeFromName, probeImageSize, resizeRgbaInto, sniffImageType, type ImageType, type ResizeFit } from './image';
import type { ImageDataset } from './types';
import type { BlobLike } from './blob-source';
import { listZip, readZipEntry, type ZipLimits } from './zip';
import { listZipBlob, readZipEntryBlob } from './zip-blob';

export interface DecodedImage {
  width: number;
  height: number;
  /** width*height*4 bytes, RGBA; alpha is ignored. */
  rgba: Uint8Array | Uint8ClampedArray;
}

export type DecodeImage = (bytes: Uint8Array, name: string, type: ImageType) => Promise<DecodedImage>;

/** One file of a picked folder; `read` is called at most once, lazily. */
export interface ImageFileSource {
  path: string;
  size?: number;
  read(): Promise<Uint8Array>;
}

export interface ImageFolderOptions {
  /** Dataset name (and the archive/folder name in messages). */
  name?: string;
  decode: DecodeImage;
  /** Output size; default 32x32. */
  height?: number;
  width?: number;
  /** 3 = RGB (default), 1 = luma. */
  channels?: 1 | 3;
  fit?: ResizeFit;
  /** 'error' (default): a non-image file inside a class folder is an error; 'skip': list it in `ignored`. */
  onNonImage?: 'error' | 'skip';
  /** Max images (default 200,000). */
  maxFiles?: number;
  /** Max bytes of one image file (default 64 MiB). */
  maxFileBytes?: number;
  /** Max path depth before stripping a common root (default 16). */
  maxDepth?: number;
  /** Decode this many files at once (default 4). */
  concurrency?: number;
  signal?: AbortSignalLike;
  onProgress?: (done: number, total: number) => void;
  /** Directory paths of the pick (to detect empty class folders; zips supply their own). */
  directories?: readonly string[];
  zipLimits?: Partial<ZipLimits>;
}

export interface ImageFolderPlan {
  classes: string[];
  /** Sorted by class, then path. */
  files: { path: string; label: number }[];
  /** Paths skipped, with the reason. */
  ignored: { path: string; reason: string }[];
  /** The common root folder that was stripped ('' if none). */
  root: string;
}

export interface ImageFolderResult {
  dataset: ImageDataset;
  /** Source path of each image, in dataset order. */
  paths: string[];
  ignored: { path: string; reason: string }[];
}

const JUNK_NAMES = new Set(['thumbs.db', 'desktop.ini', 'icon\r']);

function isJunk(segs: readonly string[]): string | undefined {
  if (segs.some((s) => s === '__MACOSX')) return 'macOS resource fork folder';
  if (segs.some((s) => s.startsWith('.'))) return 'hidden file';
  if (JUNK_NAMES.has(segs[segs.length - 1].toLowerCase())) return 'system file';
  return undefined;
}

function splitPath(p: string): string[] {
  return p.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
}

/**
 * Check the folder structure and assign labels, without reading any file.
 * Throws 'no-classes', 'too-deep', 'not-an-image', 'empty-class', 'too-many-files', 'too-many-classes'.
 */
export function planImageFolder(
  filePaths: readonly string[],
  directories: readonly string[] = [],
  opts: Pick<ImageFolderOptions, 'name' | 'onNonImage' | 'maxFiles' | 'maxDepth'> = {},
): ImageFolderPlan {
  const where = opts.name ?? 'folder';
  const maxDepth = opts.maxDepth ?? 16;
  const maxFiles = opts.maxFiles ?? 200_000;
  const ignored: { path: string; reason: string }[] = [];
  let files: { path: string; segs: string[] }[] = [];
  for (const path of filePaths) {
    const segs = splitPath(path);
    if (segs.length === 0) continue;
    const junk = isJunk(segs);
    if (junk) {
      ignored.push({ path, reason: junk });
      continue;
    }
    if (segs.length > maxDepth) {
      throw new DatasetFormatError('too-deep', `${where}/${path}`, `nested ${segs.length} folders deep (limit ${maxDepth}); expected class/image`);
    }
    files.push({ path, segs });
  }
  let dirs = directories.map(splitPath).filter((s) => s.length > 0 && !isJunk(s));
  if (files.length === 0) {
    throw new DatasetFormatError('no-classes', where, dirs.length > 0 ? 'no files at all, only empty folders; expected one subfolder per class with images inside' : 'no files; expected one subfolder per class with images inside');
  }
  if (files.length > maxFiles) {
    throw new DatasetFormatError('too-many-files', where, `${fmtInt(files.length)} files; the limit is ${fmtInt(maxFiles)}`);
  }
  // Strip common leading folders while every image stays at least class/image deep
  // (non-image files such as a README beside the class folders do not block this).
  const images = files.filter((f) => imageTypeFromName(f.segs[f.segs.length - 1]));
  const rootSegs: string[] = [];
  for (;;) {
    if (images.length === 0) break;
    const d = rootSegs.length;
    const first = images[0].segs[d];
    if (!images.every((f) => f.segs.length >= d + 3 && f.segs[d] === first)) break;
    rootSegs.push(first);
  }
  const root = rootSegs.join('/');
  const under = (segs: readonly string[]): boolean => segs.length > rootSegs.length && rootSegs.every((r, k) => segs[k] === r);
  const outside = files.filter((f) => !under(f.segs));
  for (const f of outside) ignored.push({ path: f.path, reason: 'outside the folder that holds the class folders' });
  files = files.filter((f) => under(f.segs)).map((f) => ({ path: f.path, segs: f.segs.slice(rootSegs.length) }));
  dirs = dirs.filter((d) => under(d)).map((d) => d.slice(rootSegs.length));
  const byClass = new Map<string, string[]>();
  const topLevel: string[] = [];
  const tooDeep: string[] = [];
  for (const f of files) {
    if (f.segs.length === 1) topLevel.push(f.path);
    else if (f.segs.length > 2) tooDeep.push(f.path);
    else {
      const cls = f.segs[0];
      if (!imageTypeFromName(f.segs[1])) {
        if ((opts.onNonImage ?? 'error') === 'error') {
          throw new DatasetFormatError('not-an-image', `${where}/${f.path}`, `"${f.segs[1]}" in class folder "${cls}" is not an image (expected .png, .jpg, .jpeg, .gif, .bmp or .webp)`);
        }
        ignored.push({ path: f.path, reason: 'not an image (by extension)' });
        if (!byClass.has(cls)) byClass.set(cls, []);
        continue;
      }
      const list = byClass.get(cls) ?? [];
      list.push(f.path);
      byClass.set(cls, list);
    }
  }
  if (tooDeep.length > 0) {
    const sample = tooDeep[0];
    const segs = splitPath(sample).slice(rootSegs.length);
    throw new DatasetFormatError(
      'too-deep',
      `${where}/${sample}`,
      `images must sit directly in one folder per class (class/image), but this is ${segs.length - 1} folders deep under ${root ? `"${root}/"` : 'the top'} (${fmtInt(tooDeep.length)} file${tooDeep.length === 1 ? '' : 's'} like this); pick the folder that holds the class folders`,
    );
  }
  for (const d of dirs) if (d.length === 1 && !byClass.has(d[0])) byClass.set(d[0], []);
  for (const p of topLevel) {
    ignored.push({ path: p, reason: imageTypeFromName(p) ? 'image outside any class folder (no label)' : 'file outside the class folders' });
  }
  if (byClass.size === 0) {
    throw new DatasetFormatError('no-classes', where, `no class folders: found ${fmtInt(topLevel.length)} file${topLevel.length === 1 ? '' : 's'} at the top level but no subfolders; put each class's images in its own folder`);
  }
  const classes = [...byClass.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const c of classes) {
    if (byClass.get(c)!.length === 0) {
      throw new DatasetFormatError('empty-class', `${where}/${root ? root + '/' : ''}${c}/`, `class folder "${c}" contains no images`);
    }
  }
  if (classes.length < 2) {
    throw new DatasetFormatError('no-classes', where, `only one class folder ("${classes[0]}"); a classifier needs at least 2`);
  }
  if (classes.length > 256) {
    throw new DatasetFormatError('too-many-classes', where, `${fmtInt(classes.length)} class folders; at most 256 are supported`);
  }
  const out: { path: string; label: number }[] = [];
  classes.forEach((c, label) => {
    for (const path of byClass.get(c)!.slice().sort()) out.push({ path, label });
  });
  return { classes, files: out, ignored, root };
}

/** Decode, check and resize every planned image. */
async function buildDataset(
  plan: ImageFolderPlan,
  sourceOf: (path: string) => ImageFileSource,
  opts: ImageFolderOptions,
): Promise<ImageFolderResult> {
  const where = opts.name ?? 'folder';
  const H = opts.height ?? 32;
  const W = opts.width ?? 32;
  const C = opts.channels ?? 3;
  const maxFileBytes = opts.maxFileBytes ?? 64 * 2 ** 20;
  // The options may come from a message or a stored record, not only from the typed form.
  if ((C as number) !== 1 && (C as number) !== 3) {
    throw new DatasetFormatError('absurd-dimensions', where, `channels must be 1 (greyscale) or 3 (RGB), got ${JSON.stringify(C)}`);
  }
  if (!(H >= 1 && W >= 1 && H <= LIMITS.maxSide && W <= LIMITS.maxSide && Number.isInteger(H) && Number.isInteger(W))) {
    throw new DatasetFormatError('absurd-dimensions', where, `target size ${H}x${W} is not 1..${LIMITS.maxSide} per side`);
  }
  const total = plan.files.length;
  if (total * H * W * C > LIMITS.maxBytes) {
    throw new DatasetFormatError('absurd-dimensions', where, `${fmtInt(total)} images of ${H}x${W}x${C} need ${fmtBytes(total * H * W * C)}, over the ${fmtBytes(LIMITS.maxBytes)} limit`);
  }
  const images = new Uint8Array(total * H * W * C);
  const labels = new Uint8Array(total);
  const per = H * W * C;
  const ignored = plan.ignored.slice();
  const keep = new Uint8Array(total).fill(1);
  let next = 0;
  let done = 0;

  const one = async (i: number): Promise<void> => {
    const { path, label } = plan.files[i];
    const name = `${where}/${path}`;
    const src = sourceOf(path);
    if (src.size !== undefined && src.size > maxFileBytes) {
      throw new DatasetFormatError('absurd-dimensions', name, `the file has ${fmtBytes(src.size)}, over the ${fmtBytes(maxFileBytes)} per-image limit`);
    }
    const bytes = await src.read();
    if (bytes.length > maxFileBytes) {
      throw new DatasetFormatError('absurd-dimensions', name, `the file has ${fmtBytes(bytes.length)}, over the ${fmtBytes(maxFileBytes)} per-image limit`);
    }
    const type = sniffImageType(bytes);
    if (!type) {
      if (opts.onNonImage === 'skip') {
        ignored.push({ path, reason: 'not an image (by content)' });
        keep[i] = 0;
        return;
      }
      throw new DatasetFormatError('not-an-image', name, `named like an image but ${describeContent(bytes)}`);
    }
    const dims = probeImageSize(bytes, type);
    if (dims && (dims.width === 0 || dims.height === 0 || dims.width > LIMITS.maxSide || dims.height > LIMITS.maxSide)) {
      throw new DatasetFormatError('absurd-dimensions', name, `the ${type.toUpperCase()} header says ${fmtInt(dims.width)}x${fmtInt(dims.height)} pixels; each side must be 1..${LIMITS.maxSide}`);
    }
    let img: DecodedImage;
    try {
      img = await opts.decode(bytes, name, type);
    } catch (e) {
      if (e instanceof DatasetFormatError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new DatasetFormatError('decode-failed', name, `the ${type.toUpperCase()} could not be decoded: ${msg}`);
    }
    const { width, height, rgba } = img;
    if (!(width >= 1 && height >= 1 && width <= LIMITS.maxSide && height <= LIMITS.maxSide)) {
      throw new DatasetFormatError('absurd-dimensions', name, `decoded to ${width}x${height} pixels; each side must be 1..${LIMITS.maxSide}`);
    }
    if (rgba.length !== width * height * 4) {
      throw new DatasetFormatError('decode-failed', name, `decoder returned ${fmtBytes(rgba.length)} for ${width}x${height} RGBA (expected ${fmtBytes(width * height * 4)})`);
    }
    resizeRgbaInto(rgba, width, height, images, i * per, W, H, C, opts.fit ?? 'stretch');
    labels[i] = label;
  };

  let failed = false;
  const workerLoop = async (): Promise<void> => {
    try {
      while (next < total && !failed) {
        if (opts.signal?.aborted) throw new AbortedError('Image import');
        const i = next++;
        await one(i);
        done++;
        opts.onProgress?.(done, total);
      }
    } catch (e) {
      // Stop the other loops at their next file; the first error wins.
      failed = true;
      throw e;
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 4, total));
  await Promise.all(Array.from({ length: n }, workerLoop));

  let kept = total;
  let outImages = images;
  let outLabels = labels;
  let paths = plan.files.map((f) => f.path);
  if (keep.includes(0)) {
    const idx = [...keep.keys()].filter((i) => keep[i] === 1);
    kept = idx.length;
    outImages = new Uint8Array(kept * per);
    outLabels = new Uint8Array(kept);
    idx.forEach((src, dst) => {
      outImages.set(images.subarray(src * per, (src + 1) * per), dst * per);
      outLabels[dst] = labels[src];
    });
    paths = idx.map((i) => paths[i]);
    for (let c = 0; c < plan.classes.length; c++) {
      if (!outLabels.includes(c)) {
        throw new DatasetFormatError('empty-class', `${where}/${plan.classes[c]}/`, `class folder "${plan.classes[c]}" contains no readable images`);
      }
    }
  }
  return {
    dataset: { name: where.replace(/\.zip$/i, ''), classes: plan.classes.slice(), shape: [H, W, C], count: kept, images: outImages, labels: outLabels },
    paths,
    ignored,
  };
}

/** Load a picked folder given as a flat list of files with relative paths. */
export async function loadImageFolder(files: readonly ImageFileSource[], opts: ImageFolderOptions): Promise<ImageFolderResult> {
  const plan = planImageFolder(files.map((f) => f.path), opts.directories ?? [], opts);
  const byPath = new Map(files.map((f) => [f.path, f]));
  return buildDataset(plan, (p) => byPath.get(p)!, opts);
}

/** Load a .zip of class folders; entries are inflated one at a time, with zip-bomb checks. */
export async function loadImageZip(zip: Uint8Array | BlobLike, opts: ImageFolderOptions): Promise<ImageFolderResult> {
  const archive = opts.name ?? 'archive.zip';
  // A Blob (a picked File) is read in place: the directory from its end, each entry when it is decoded.
  const entries = zip instanceof Uint8Array ? listZip(zip, archive, opts.zipLimits) : await listZipBlob(zip, archive, opts.zipLimits);
  const fileEntries = entries.filter((e) => !e.isDirectory);
  const dirs = new Set(entries.filter((e) => e.isDirectory).map((e) => e.name));
  const plan = planImageFolder(fileEntries.map((e) => e.name), [...dirs], { ...opts, name: archive });
  const byName = new Map(fileEntries.map((e) => [e.name, e]));
  return buildDataset(
    plan,
    (p) => {
      const e = byName.get(p)!;
      return { path: p, size: e.size, read: async () => (zip instanceof Uint8Array ? readZipEntry(zip, e, archive) : readZipEntryBlob(zip, e, archive)) };
    },
    { ...opts, name: archive },
  );
}
