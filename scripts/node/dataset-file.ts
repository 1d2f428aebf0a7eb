/**
 * The headless runner's `--dataset PATH [--test PATH]`: any file the app imports, read with the same engine
 * parsers, and its locked split. IDX (a pair of files, or a folder holding a pair, or a training pair plus a
 * t10k-… pair), CIFAR binaries (.bin, .tar, .tar.gz, loose or in a folder), an image zip, or an image folder
 * (one sub-folder per class; PNG is decoded under Node). The split is the app's default: the official test
 * files whole when the data has them (found by name, or given with --test) and a stratified 10% validation from
 * the training files; otherwise stratified 10% validation and 10% test (seed 1, as the app suggests).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkFileSizes, DatasetFormatError, LIMITS } from '../../src/engine/data/errors';
import { maybeGunzip } from '../../src/engine/data/gzip';
import type { NamedBytes } from '../../src/engine/data/idx';
import { loadImageFolder, loadImageZip, type DecodeImage, type ImageFileSource } from '../../src/engine/data/image-folder';
import { joinOfficialTest, loadCifarTrainTest, loadIdxFiles, loadIdxTrainTest, officialSplitSpec, type WithOfficialTest } from '../../src/engine/data/official-test';
import { sniffDatasetFile, type DatasetFileKind } from '../../src/engine/data/sniff';
import { checkSplit, makeSplit, testOriginOf, type SplitSpec, type TestOrigin } from '../../src/engine/data/splits';
import { readTar } from '../../src/engine/data/tar';
import type { DatasetSplit, ImageDataset } from '../../src/engine/data/types';
import { decodePngForTests } from '../make-bad-fixtures';
import type { RunnerData } from './builtin';

export interface FileDataset extends RunnerData {
  readonly spec: SplitSpec;
  readonly testOrigin: TestOrigin;
}

type Kind = 'idx' | 'cifar' | 'zip' | 'folder';

const CARVED: SplitSpec = { method: 'stratified', seed: 1, valid: 0.1, test: 0.1 };

/** PNG under Node (the app decodes any browser image type). */
const decodePng: DecodeImage = async (bytes, name, type) => {
  if (type !== 'png') throw new DatasetFormatError('unsupported', name, `the headless runner decodes PNG images only; this is ${type.toUpperCase()} (import it in the app, or convert to PNG)`);
  try {
    return decodePngForTests(bytes);
  } catch (e) {
    throw new DatasetFormatError('decode-failed', name, (e as Error).message);
  }
};

function readNamed(p: string): NamedBytes {
  let size: number;
  try {
    size = statSync(p).size;
  } catch (e) {
    throw new DatasetFormatError('empty-file', p, `cannot read it: ${(e as Error).message}`);
  }
  // The same per-file cap as the app's importer, checked before the file is read.
  checkFileSizes([{ name: p, size }], { maxFileBytes: LIMITS.maxFileBytes, maxImportBytes: Infinity });
  try {
    return { name: path.basename(p), bytes: new Uint8Array(readFileSync(p)) };
  } catch (e) {
    throw new DatasetFormatError('empty-file', p, `cannot read it: ${(e as Error).message}`);
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch (e) {
    throw new DatasetFormatError('empty-file', p, `cannot read it: ${(e as Error).message}`);
  }
}

async function kindOfFile(f: NamedBytes): Promise<DatasetFileKind> {
  const k = sniffDatasetFile(f.name, f.bytes);
  if (k !== 'gzip') return k;
  const raw = await maybeGunzip(f.bytes, { name: f.name });
  const inner = sniffDatasetFile(f.name.replace(/\.gz$/i, ''), raw);
  return inner === 'gzip' ? 'unknown' : inner;
}

function kindOf(k: DatasetFileKind, name: string): Kind {
  switch (k) {
    case 'idx-images':
    case 'idx-labels':
      return 'idx';
    case 'cifar10-bin':
    case 'cifar100-bin':
    case 'tar':
      return 'cifar';
    case 'zip':
      return 'zip';
    default:
      throw new DatasetFormatError('unsupported', name, `not a dataset file the runner reads (looks like ${k}); give IDX files, CIFAR .bin / .tar.gz, an image .zip or an image folder`);
  }
}

interface Files {
  kind: Kind;
  files: NamedBytes[];
  /** For an image folder. */
  folder?: string;
}

/** What the paths hold: dataset files (directly or in a folder) or an image folder. */
async function gather(paths: readonly string[], flag: string): Promise<Files> {
  const files: NamedBytes[] = [];
  for (const p of paths) {
    if (!isDir(p)) {
      files.push(readNamed(p));
      continue;
    }
    const entries = readdirSync(p, { withFileTypes: true });
    const dataFiles = entries.filter((e) => e.isFile() && /(idx\d-ubyte|\.bin|\.tar|\.tgz|\.zip)(\.gz)?$/i.test(e.name)).map((e) => path.join(p, e.name)).sort();
    if (dataFiles.length > 0) files.push(...dataFiles.map(readNamed));
    else if (paths.length === 1) return { kind: 'folder', files: [], folder: p };
    else throw new DatasetFormatError('unsupported', p, `${flag}: an image folder must be the only ${flag} path`);
  }
  if (files.length === 0) throw new DatasetFormatError('empty-file', paths.join(', '), `${flag}: no dataset files found`);
  const kinds = await Promise.all(files.map(async (f) => kindOf(await kindOfFile(f), f.name)));
  const kind = kinds[0];
  const other = kinds.findIndex((k) => k !== kind);
  if (other >= 0) throw new DatasetFormatError('unsupported', files[other].name, `${flag}: mixes ${kind} and ${kinds[other]} files`);
  return { kind, files };
}

function listFolder(root: string): ImageFileSource[] {
  const out: ImageFileSource[] = [];
  const top = path.basename(root);
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(full, r);
      else if (e.isFile()) out.push({ path: r, size: statSync(full).size, read: async () => new Uint8Array(readFileSync(full)) });
    }
  };
  walk(root, top);
  return out;
}

function cifarVariant(files: readonly NamedBytes[]): 'cifar10' | 'cifar100-fine' {
  for (const f of files) {
    if (/(?:^|\/)(?:train|test)\.bin(?:\.gz)?$/i.test(f.name)) return 'cifar100-fine';
    if (/\.(tar|tgz|tar\.gz)$/i.test(f.name)) continue;
    if (sniffDatasetFile(f.name, f.bytes) === 'cifar100-bin') return 'cifar100-fine';
  }
  return 'cifar10';
}

async function cifarVariantOf(files: readonly NamedBytes[]): Promise<'cifar10' | 'cifar100-fine'> {
  const names: NamedBytes[] = [];
  for (const f of files) {
    const raw = await maybeGunzip(f.bytes, { name: f.name });
    if (sniffDatasetFile(f.name, raw) === 'tar') names.push(...readTar(raw, f.name).map((e) => ({ name: e.name, bytes: e.bytes })));
    else names.push({ name: f.name, bytes: raw });
  }
  return cifarVariant(names);
}

async function loadImages(g: Files, name: string): Promise<ImageDataset> {
  const opts = { name, decode: decodePng, onNonImage: 'skip' as const };
  if (g.kind === 'zip') {
    if (g.files.length !== 1) throw new DatasetFormatError('unsupported', g.files[1].name, 'give one image zip');
    return (await loadImageZip(g.files[0].bytes, { ...opts, name: g.files[0].name })).dataset;
  }
  return (await loadImageFolder(listFolder(g.folder!), opts)).dataset;
}

async function load(train: Files, test: Files | undefined, name: string): Promise<WithOfficialTest> {
  if (test && test.kind !== train.kind && !(train.kind === 'folder' || train.kind === 'zip')) {
    throw new DatasetFormatError('train-test-mismatch', test.files[0]?.name ?? test.folder ?? '--test', `--test holds ${test.kind} files but --dataset holds ${train.kind} files`);
  }
  switch (train.kind) {
    case 'idx':
      return test ? loadIdxTrainTest(train.files, test.files, name) : loadIdxFiles(train.files, name);
    case 'cifar': {
      const variant = await cifarVariantOf(train.files);
      return loadCifarTrainTest(train.files, test?.files, name, { variant });
    }
    case 'zip':
    case 'folder': {
      const ds = await loadImages(train, name);
      if (!test) return { dataset: ds };
      if (test.kind !== 'zip' && test.kind !== 'folder') throw new DatasetFormatError('train-test-mismatch', test.files[0].name, `--test holds ${test.kind} files but --dataset is an image ${train.kind}`);
      const te = await loadImages(test, name);
      const testName = test.folder ? path.basename(test.folder) : test.files[0].name;
      return joinOfficialTest(ds, te, { train: train.folder ? path.basename(train.folder) : train.files[0].name, test: [testName] }, true);
    }
  }
}

/** Read `--dataset` (and `--test`) paths and make the locked split. DatasetFormatError for anything malformed. */
export async function loadDatasetFiles(datasetPaths: readonly string[], testPaths: readonly string[] = []): Promise<FileDataset> {
  const train = await gather(datasetPaths, '--dataset');
  const test = testPaths.length > 0 ? await gather(testPaths, '--test') : undefined;
  const name = path.basename(datasetPaths[0]).replace(/\.(zip|tar\.gz|tgz|tar|gz)$/i, '');
  const r = await load(train, test, name);
  const spec = r.official ? officialSplitSpec(r.official) : CARVED;
  const split: DatasetSplit = makeSplit(r.dataset, spec);
  checkSplit(split, r.dataset.count);
  return { ds: r.dataset, split, name, spec, testOrigin: testOriginOf(spec) };
}
