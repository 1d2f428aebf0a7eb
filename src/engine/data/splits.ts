/**
 * Train / validation / test splits, made once per dataset and then locked: the search sees train and
 * valid, never test (field guide: "Lock train/val/test splits; NAS may use val, never test").
 *
 *  - stratifiedSplit: per class, a seeded shuffle and largest-remainder apportionment, so every class's
 *    valid/test counts are within one sample of its exact share.
 *  - temporalSplit: ordered by a numeric field (e.g. `week`); the last values go to test, the ones
 *    before to valid (new factory weeks held out), optionally cut only at whole values.
 * Index lists are ascending. `splitFingerprint` is a stable hash a stored run can compare against.
 */
import * as v from 'valibot';
import { createRng } from '../util/rng';
import { DatasetFormatError, fmtInt } from './errors';
import { Hasher } from './hash';
import type { DatasetSplit, ImageDataset } from './types';

export interface StratifiedSplitOptions {
  seed: number;
  /** Fraction of each class for validation (default 0.1). */
  valid?: number;
  /** Fraction of each class for test (default 0.1); ignored when `fixedTest` is given. */
  test?: number;
  /** Use these indices as the test set (e.g. MNIST t10k, CIFAR test_batch) and split the rest. */
  fixedTest?: ArrayLike<number>;
  /** Give every class with at least 3 samples one valid and one test sample (default true). */
  everyClass?: boolean;
}

export interface TemporalSplitOptions {
  /** Fraction of images for validation (default 0.1). */
  valid?: number;
  /** Fraction of images for test (default 0.1). */
  test?: number;
  /** Move each cut to the nearest boundary between field values, so no value (week) straddles two parts (default true). */
  wholeGroups?: boolean;
}

export const SplitSpecSchema = v.variant('method', [
  v.object({
    method: v.literal('stratified'),
    seed: v.pipe(v.number(), v.integer()),
    valid: v.pipe(v.number(), v.minValue(0), v.maxValue(0.9)),
    test: v.pipe(v.number(), v.minValue(0), v.maxValue(0.9)),
    /** Name of a dataset field whose value marks the fixed test set (with `testValues`). */
    testField: v.optional(v.string()),
    testValues: v.optional(v.array(v.number())),
    /** The dataset's own test files that `testField`/`testValues` select (an official test set, official-test.ts). */
    testFiles: v.optional(v.array(v.string())),
  }),
  v.object({
    method: v.literal('temporal'),
    field: v.pipe(v.string(), v.minLength(1)),
    valid: v.pipe(v.number(), v.minValue(0), v.maxValue(0.9)),
    test: v.pipe(v.number(), v.minValue(0), v.maxValue(0.9)),
    wholeGroups: v.optional(v.boolean()),
  }),
]);

/** A serialisable description of how a split was made (stored with the dataset). */
export type SplitSpec = v.InferOutput<typeof SplitSpecSchema>;

/** Where a split's test part came from: the dataset's own test files, or carved out of the images. */
export type TestOrigin =
  | { readonly test: 'official'; readonly files: readonly string[] }
  | { readonly test: 'carved' };

/** The test origin a spec describes: a test set fixed by a field is the data's own test files (named in `testFiles`). */
export function testOriginOf(spec: SplitSpec | undefined): TestOrigin {
  if (spec?.method === 'stratified' && spec.testField !== undefined) return { test: 'official', files: (spec.testFiles ?? []).slice() };
  return { test: 'carved' };
}

function checkFractions(valid: number, test: number, where: string): void {
  const ok = (x: number): boolean => Number.isFinite(x) && x >= 0 && x < 1;
  if (!ok(valid) || !ok(test) || valid + test >= 1) {
    throw new DatasetFormatError('bad-split', where, `valid=${valid} and test=${test} must each be in [0, 1) and sum to less than 1`);
  }
}

/** Split `total` into per-group integer shares of `frac * n_g` whose sum is round(frac * total); each share is floor or ceil. */
function apportion(sizes: readonly number[], frac: number): number[] {
  const exact = sizes.map((n) => n * frac);
  const out = exact.map((x) => Math.floor(x + 1e-9));
  const target = Math.round(sizes.reduce((s, n) => s + n, 0) * frac);
  let left = target - out.reduce((s, x) => s + x, 0);
  const order = exact.map((x, g) => ({ g, r: x - Math.floor(x + 1e-9) })).sort((a, b) => b.r - a.r || a.g - b.g);
  for (const { g } of order) {
    if (left <= 0) break;
    if (out[g] < sizes[g]) {
      out[g]++;
      left--;
    }
  }
  return out;
}

function sorted(a: number[]): Uint32Array {
  const u = Uint32Array.from(a);
  u.sort();
  return u;
}

export function stratifiedSplit(labels: ArrayLike<number>, opts: StratifiedSplitOptions): DatasetSplit {
  const validF = opts.valid ?? 0.1;
  const fixed = opts.fixedTest;
  const testF = fixed ? 0 : opts.test ?? 0.1;
  checkFractions(validF, testF, 'split');
  const n = labels.length;
  const isTest = new Uint8Array(n);
  const test: number[] = [];
  if (fixed) {
    for (let k = 0; k < fixed.length; k++) {
      const i = fixed[k];
      if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new DatasetFormatError('bad-split', 'split', `fixed test index ${i} is outside 0..${n - 1}`);
      if (!isTest[i]) test.push(i);
      isTest[i] = 1;
    }
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (isTest[i]) continue;
    const c = labels[i];
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const sizes = classes.map((c) => byClass.get(c)!.length);
  const nTest = apportion(sizes, testF);
  // Validation share is taken of the whole class (not of what test left), so fractions mean what they say.
  const nValid = apportion(sizes, validF);
  if (opts.everyClass ?? true) {
    sizes.forEach((s, g) => {
      if (s >= 3 && testF > 0 && nTest[g] === 0) nTest[g] = 1;
      if (s >= 3 && validF > 0 && nValid[g] === 0) nValid[g] = 1;
    });
  }
  const rng = createRng(opts.seed);
  const train: number[] = [];
  const valid: number[] = [];
  classes.forEach((c, g) => {
    const idx = rng.shuffle(byClass.get(c)!);
    const t = Math.min(nTest[g], idx.length);
    const va = Math.min(nValid[g], idx.length - t);
    for (let k = 0; k < idx.length; k++) (k < t ? test : k < t + va ? valid : train).push(idx[k]);
  });
  return { train: sorted(train), valid: sorted(valid), test: sorted(test) };
}

export function temporalSplit(values: ArrayLike<number>, opts: TemporalSplitOptions = {}): DatasetSplit {
  const validF = opts.valid ?? 0.1;
  const testF = opts.test ?? 0.1;
  checkFractions(validF, testF, 'split');
  const n = values.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new DatasetFormatError('bad-split', 'split', `ordering value at index ${fmtInt(i)} is ${values[i]}`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  let cutTest = n - Math.round(n * testF);
  let cutValid = cutTest - Math.round(n * validF);
  if (opts.wholeGroups ?? true) {
    // Cut positions where the value changes; snap each cut to the nearest one (later on ties).
    const bounds: number[] = [];
    for (let c = 1; c < n; c++) if (values[order[c - 1]] !== values[order[c]]) bounds.push(c);
    const nearest = (cut: number, maxExclusive: number): number => {
      let best = -1;
      for (const c of bounds) {
        if (c >= maxExclusive) break;
        if (best < 0 || Math.abs(c - cut) <= Math.abs(best - cut)) best = c;
      }
      return best;
    };
    if (testF > 0) {
      const c = nearest(cutTest, n);
      if (c > 0) cutTest = c;
    }
    if (validF > 0) {
      const c = nearest(cutValid, cutTest);
      cutValid = c > 0 ? c : Math.min(cutValid, cutTest);
    } else {
      cutValid = cutTest;
    }
  }
  return {
    train: sorted(order.slice(0, cutValid)),
    valid: sorted(order.slice(cutValid, cutTest)),
    test: sorted(order.slice(cutTest)),
  };
}

/** Make the split a SplitSpec describes, validating the spec and the field it names. */
export function makeSplit(ds: ImageDataset, spec: SplitSpec): DatasetSplit {
  const parsed = v.safeParse(SplitSpecSchema, spec);
  if (!parsed.success) {
    throw new DatasetFormatError('bad-split', ds.name, `invalid split spec: ${parsed.issues.map((i) => i.message).join('; ')}`);
  }
  const s = parsed.output;
  if (s.method === 'stratified') {
    let fixedTest: number[] | undefined;
    if (s.testField !== undefined) {
      const f = ds.fields?.[s.testField];
      if (!f) throw new DatasetFormatError('bad-split', ds.name, `dataset has no field "${s.testField}"`);
      const want = new Set(s.testValues ?? []);
      fixedTest = [];
      for (let i = 0; i < ds.count; i++) if (want.has(f[i])) fixedTest.push(i);
    }
    return stratifiedSplit(ds.labels, { seed: s.seed, valid: s.valid, test: s.test, fixedTest });
  }
  const f = ds.fields?.[s.field];
  if (!f) {
    const have = Object.keys(ds.fields ?? {});
    throw new DatasetFormatError('bad-split', ds.name, `dataset has no field "${s.field}" to order by (it has ${have.length ? have.join(', ') : 'none'})`);
  }
  if (f.length !== ds.count) throw new DatasetFormatError('bad-split', ds.name, `field "${s.field}" has ${f.length} values for ${ds.count} images`);
  return temporalSplit(f, { valid: s.valid, test: s.test, wholeGroups: s.wholeGroups });
}

/** Throws 'bad-split' unless the three parts are disjoint, in range, and (by default) cover 0..count-1. */
export function checkSplit(split: DatasetSplit, count: number, requireCoverage = true): void {
  const seen = new Uint8Array(count);
  for (const part of ['train', 'valid', 'test'] as const) {
    for (const i of split[part]) {
      if (i >= count) throw new DatasetFormatError('bad-split', 'split', `${part} index ${i} is outside 0..${count - 1}`);
      if (seen[i]) throw new DatasetFormatError('bad-split', 'split', `index ${i} appears twice (again in ${part})`);
      seen[i] = 1;
    }
  }
  if (requireCoverage) {
    const missing = seen.indexOf(0);
    if (missing >= 0) throw new DatasetFormatError('bad-split', 'split', `index ${missing} is in no part`);
  }
}

/**
 * Stable fingerprint of a split: part sizes plus a hash of the (order-independent, sorted) indices.
 * Pass the dataset to also bind it to the labels it was made for.
 */
export function splitFingerprint(split: DatasetSplit, ds?: Pick<ImageDataset, 'count' | 'labels'>): string {
  const h = new Hasher(0x5e1f);
  for (const part of [split.train, split.valid, split.test]) h.values(part.slice().sort());
  if (ds) h.u32(ds.count).bytes(ds.labels);
  return `split1-${split.train.length}-${split.valid.length}-${split.test.length}-${h.digest()}`;
}

/** Fingerprint of a dataset's content (shape, classes, labels, pixels, fields). */
export function datasetFingerprint(ds: ImageDataset): string {
  const h = new Hasher(0xda7a);
  h.values(ds.shape).u32(ds.count).u32(ds.classes.length);
  for (const c of ds.classes) h.str(c);
  h.bytes(ds.labels).bytes(ds.images);
  for (const k of Object.keys(ds.fields ?? {}).sort()) {
    h.str(k).values(ds.fields![k]);
  }
  return `data1-${ds.count}-${h.digest()}`;
}

/** Per-part, per-class counts: counts[part][class]. */
export function splitClassCounts(split: DatasetSplit, labels: ArrayLike<number>, numClasses: number): Record<keyof DatasetSplit, number[]> {
  const count = (idx: Uint32Array): number[] => {
    const c = new Array<number>(numClasses).fill(0);
    for (const i of idx) c[labels[i]]++;
    return c;
  };
  return { train: count(split.train), valid: count(split.valid), test: count(split.test) };
}
