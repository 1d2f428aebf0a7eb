/**
 * Official test sets. When a dataset ships its own test files — MNIST-style IDX `t10k-images` / `t10k-labels`
 * (plain or .gz), CIFAR-10 `test_batch.bin`, CIFAR-100 `test.bin` (loose or inside the tar.gz) — those files
 * are the locked test split, whole, and train/validation are carved from the training files only (field guide:
 * "Lock train/val/test splits; NAS may use val, never test"; the published test sets are what results are
 * compared on). Train and test files are joined into one dataset whose `file` field says which file each image
 * came from; the split spec selects the test files through that field and names them (`testFiles`), so the
 * stored split record can say `test: 'official'` with the file names.
 */
import { loadCifarDataset, type CifarLoadOptions, type CifarLoadResult } from './cifar';
import { DatasetFormatError, fmtInt } from './errors';
import { maybeGunzip, type GunzipOptions } from './gzip';
import { idxToDataset, parseIdxImages, parseIdxLabels, type NamedBytes } from './idx';
import type { SplitSpec } from './splits';
import type { ImageDataset } from './types';

/** The field that marks each image's source file. */
export const FILE_FIELD = 'file';

/** The dataset's own test files, as a dataset's `file` field values. */
export interface OfficialTest {
  /** Names of the test files (as given, archive members as `archive/member`). */
  readonly files: readonly string[];
  /** `file` field values of the test images. */
  readonly values: readonly number[];
  /** Test images. */
  readonly count: number;
}

export interface WithOfficialTest {
  readonly dataset: ImageDataset;
  /** Absent when no official test file was found. */
  readonly official?: OfficialTest;
}

const base = (name: string): string => name.replace(/^.*[\\/]/, '');

/** IDX test files are named t10k-… (MNIST, Fashion-MNIST, KMNIST) or …-test-… (EMNIST). */
export function isIdxTestName(name: string): boolean {
  const b = base(name).toLowerCase();
  return /^t10k[-_.]/.test(b) || /(?:^|[-_.])test[-_.]/.test(b);
}

/** CIFAR-10 `test_batch.bin`, CIFAR-100 `test.bin` (optionally .gz). */
export function isCifarTestName(name: string): boolean {
  return /(?:^|[\\/])(?:test_batch|test)\.bin(?:\.gz)?$/i.test(name);
}

/** The stratified spec that takes the official test files whole and carves validation from the rest. */
export function officialSplitSpec(o: OfficialTest, seed = 1, valid = 0.1): SplitSpec {
  return { method: 'stratified', seed, valid, test: 0, testField: FILE_FIELD, testValues: o.values.slice(), testFiles: o.files.slice() };
}

/** Train and test files must agree: the same image shape, and every test label one of the training classes. */
function checkSameKind(train: ImageDataset, test: ImageDataset, trainName: string, testName: string): void {
  const [h, w, c] = train.shape;
  const [th, tw, tc] = test.shape;
  if (h !== th || w !== tw || c !== tc) {
    throw new DatasetFormatError('train-test-mismatch', testName, `test images are ${th}x${tw}x${tc} but the training images (${trainName}) are ${h}x${w}x${c}`);
  }
  let max = 0;
  for (let i = 0; i < test.count; i++) if (test.labels[i] > max) max = test.labels[i];
  if (max >= train.classes.length) {
    const at = test.labels.findIndex((l) => l === max);
    throw new DatasetFormatError(
      'train-test-mismatch',
      testName,
      `test label ${max} (image ${fmtInt(at)}) is not one of the ${train.classes.length} classes of the training labels (${trainName}: 0..${train.classes.length - 1})`,
    );
  }
}

/**
 * Train images first, then the test images; `file` is 0 for training and 1 for test images. With `byName` (image
 * folders, whose classes are folder names) test labels are mapped onto the training classes by name.
 */
export function joinOfficialTest(train: ImageDataset, testIn: ImageDataset, files: { train: string; test: readonly string[] }, byName = false): WithOfficialTest {
  const testName = files.test.join(' + ');
  let test = testIn;
  if (byName) {
    const at = new Map(train.classes.map((c, i) => [c, i]));
    const map = testIn.classes.map((c) => {
      const i = at.get(c);
      if (i === undefined) throw new DatasetFormatError('train-test-mismatch', testName, `test class "${c}" is not a class of the training set (${files.train}: ${train.classes.join(', ')})`);
      return i;
    });
    test = { ...testIn, classes: train.classes, labels: testIn.labels.map((l) => map[l]) };
  }
  checkSameKind(train, test, files.train, testName);
  const images = new Uint8Array(train.images.length + test.images.length);
  images.set(train.images, 0);
  images.set(test.images, train.images.length);
  const labels = new Uint8Array(train.count + test.count);
  labels.set(train.labels, 0);
  labels.set(test.labels, train.count);
  return joinedResult(train, test, files, images, labels);
}

/**
 * `joinOfficialTest` for train and test that already lie back to back in `images` / `labels` (their arrays are
 * views into them, as the streaming IDX reader fills them): the same checks, no copy.
 */
export function joinOfficialTestInPlace(train: ImageDataset, test: ImageDataset, files: { train: string; test: readonly string[] }, images: Uint8Array, labels: Uint8Array): WithOfficialTest {
  checkSameKind(train, test, files.train, files.test.join(' + '));
  return joinedResult(train, test, files, images, labels);
}

function joinedResult(train: ImageDataset, test: ImageDataset, files: { test: readonly string[] }, images: Uint8Array, labels: Uint8Array): WithOfficialTest {
  const count = train.count + test.count;
  const file = new Uint8Array(count);
  file.fill(1, train.count);
  return {
    dataset: { name: train.name, classes: train.classes.slice(), shape: train.shape, count, images, labels, fields: { [FILE_FIELD]: file } },
    official: { files: files.test.slice(), values: [1], count: test.count },
  };
}

interface IdxPair<T> {
  images?: T;
  labels?: T;
}

const isLabelsFile = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 8 && b[3] === 1;

/** Which of two (gunzipped) IDX files is the images and which the labels, from the header (0x0803 / 0x0801; `bytes` may be just the first 4). */
export function sortPair<T extends NamedBytes>(files: readonly T[], what: string): { images: T; labels: T } {
  const p: IdxPair<T> = {};
  for (const f of files) {
    const kind = isLabelsFile(f.bytes) ? 'labels' : 'images';
    const had = p[kind];
    if (had) throw new DatasetFormatError('unsupported', f.name, `two ${what} ${kind} files (${base(had.name)} and ${base(f.name)}); ${what === 'test' ? 'pick one t10k-… pair' : 'official test files must be named t10k-… or …-test-…'}`);
    p[kind] = f;
  }
  if (!p.images || !p.labels) {
    const have = p.images ?? p.labels;
    throw new DatasetFormatError('unsupported', have ? have.name : what, `the ${what} pair lacks its ${p.images ? 'labels (IDX 00 00 08 01)' : 'images (IDX 00 00 08 03)'} file`);
  }
  return { images: p.images, labels: p.labels };
}

/** A training pair and an optional test pair of IDX files: 2 files each. */
export function checkPairCounts(train: readonly { name: string }[], test: readonly { name: string }[] | undefined, name: string): void {
  const count = (fs: readonly { name: string }[], what: string): void => {
    if (fs.length !== 2) throw new DatasetFormatError('unsupported', fs.map((f) => base(f.name)).join(', ') || name, `the ${what} set needs 2 IDX files (images + labels); got ${fs.length}`);
  };
  count(train, 'training');
  if (test) count(test, 'test');
}

/**
 * Load an IDX training pair and, optionally, an IDX test pair given as such (the runner's --dataset / --test).
 * Each file may be gzip; which is images and which labels is read from the header, so any names work.
 */
export async function loadIdxTrainTest(train: readonly NamedBytes[], test: readonly NamedBytes[] | undefined, name: string, classes?: readonly string[], gzip: GunzipOptions = {}): Promise<WithOfficialTest> {
  checkPairCounts(train, test, name);
  const gunzipAll = (fs: readonly NamedBytes[]) => Promise.all(fs.map(async (f) => ({ name: f.name, bytes: await maybeGunzip(f.bytes, { ...gzip, name: f.name }) })));
  const parse = (p: { images: NamedBytes; labels: NamedBytes }, cls?: readonly string[]): ImageDataset =>
    idxToDataset(parseIdxImages(p.images.bytes, p.images.name), parseIdxLabels(p.labels.bytes, p.labels.name), name, cls, { imagesName: p.images.name, labelsName: p.labels.name });
  const tr = sortPair(await gunzipAll(train), 'training');
  const trainDs = parse(tr, classes);
  if (!test) return { dataset: trainDs };
  const te = sortPair(await gunzipAll(test), 'test');
  const testDs = parse(te, classes);
  return joinOfficialTest(trainDs, testDs, { train: `${base(tr.images.name)} + ${base(tr.labels.name)}`, test: [base(te.images.name), base(te.labels.name)] });
}

/**
 * Load IDX files picked together: one images/labels pair for training, optionally a second pair named t10k-…
 * (or …-test-…) as the official test set.
 */
export async function loadIdxFiles(files: readonly NamedBytes[], name: string, classes?: readonly string[], gzip: GunzipOptions = {}): Promise<WithOfficialTest> {
  if (files.length !== 2 && files.length !== 4) {
    throw new DatasetFormatError('unsupported', files.map((f) => base(f.name)).join(', ') || name, `pick 2 IDX files (images + labels) or 4 (a training pair and a t10k-… test pair); got ${files.length}`);
  }
  if (files.length === 2) return loadIdxTrainTest(files, undefined, name, classes, gzip);
  const test = files.filter((f) => isIdxTestName(f.name));
  const train = files.filter((f) => !isIdxTestName(f.name));
  if (test.length !== 2) {
    throw new DatasetFormatError('unsupported', files.map((f) => base(f.name)).join(', '), `of 4 IDX files, 2 must be the test pair named t10k-… or …-test-…; ${test.length} are`);
  }
  return loadIdxTrainTest(train, test, name, classes, gzip);
}

/** The CIFAR sources that are official test batches, unless they are all the dataset has (nothing to train on). */
export function cifarOfficialTest(r: CifarLoadResult): OfficialTest | undefined {
  const values: number[] = [];
  const files: string[] = [];
  let count = 0;
  r.sources.forEach((s, k) => {
    if (!isCifarTestName(s.name)) return;
    values.push(k);
    files.push(s.name);
    count += s.count;
  });
  if (values.length === 0 || values.length === r.sources.length) return undefined;
  return { files, values, count };
}

/**
 * CIFAR training files and, optionally, test files given as such (the runner's --test). Without them the test
 * batch is found by name; with them, training files that hold a test batch too are refused (it would be twice).
 */
export async function loadCifarTrainTest(train: readonly NamedBytes[], test: readonly NamedBytes[] | undefined, name: string, opts: CifarLoadOptions = {}): Promise<WithOfficialTest> {
  if (!test) return loadCifarFiles(train, name, opts);
  const tr = await loadCifarDataset(train, name, opts);
  const inTrain = tr.sources.filter((s) => isCifarTestName(s.name));
  if (inTrain.length > 0) {
    throw new DatasetFormatError('train-test-mismatch', inTrain[0].name, 'the training files already hold this test batch; give the test files once (drop --test, or leave the test batch out of the training files)');
  }
  const te = await loadCifarDataset(test, name, opts);
  return joinOfficialTest(tr.dataset, te.dataset, { train: train.map((f) => base(f.name)).join(' + '), test: te.sources.map((s) => s.name) });
}

/** CIFAR files (loose .bin or the tar.gz) with their official test batch found by name. */
export async function loadCifarFiles(files: readonly NamedBytes[], name: string, opts: CifarLoadOptions = {}): Promise<WithOfficialTest & { readonly sources: CifarLoadResult['sources'] }> {
  const r = await loadCifarDataset(files, name, opts);
  const official = cifarOfficialTest(r);
  return { dataset: r.dataset, sources: r.sources, ...(official ? { official } : {}) };
}
