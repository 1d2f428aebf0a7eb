/**
 * Small descriptive statistics and rank correlations, used to report searches (mean ± std over seeds)
 * and to judge performance estimators (does a supernet / proxy rank architectures like the truth?).
 * Empty input gives NaN rather than throwing; mismatched lengths throw.
 */

export function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : sum(xs) / xs.length;
}

/** Standard deviation; ddof = 1 (default) is the sample std, ddof = 0 the population std. */
export function std(xs: readonly number[], ddof = 1): number {
  const n = xs.length;
  if (n - ddof <= 0) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (n - ddof));
}

/** q-quantile, q in [0, 1], linear interpolation between order statistics (numpy's default, type 7). */
export function quantile(xs: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** The middle value, or the mean of the two middle values (as numpy.median); the one median in the codebase. */
export function median(xs: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const m = n >> 1;
  return n % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sameLength(a: readonly number[], b: readonly number[], fn: string): void {
  if (a.length !== b.length) throw new Error(`${fn}: arrays differ in length (${a.length} vs ${b.length})`);
  noNaN(a, fn);
  noNaN(b, fn);
}

function noNaN(xs: readonly number[], fn: string): void {
  const i = xs.findIndex((x) => Number.isNaN(x));
  if (i >= 0) throw new Error(`${fn}: value ${i} is NaN`);
}

/** 1-based ranks, ties getting the average of the ranks they span (as scipy.stats.rankdata). */
export function rank(xs: readonly number[]): number[] {
  noNaN(xs, 'rank');
  const order = xs.map((_, i) => i).sort((i, j) => xs[i] - xs[j]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; NaN when either side is constant or n < 2. */
export function pearson(a: readonly number[], b: readonly number[]): number {
  sameLength(a, b, 'pearson');
  if (a.length < 2) return NaN;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Spearman's rho: Pearson correlation of the average ranks (handles ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  sameLength(a, b, 'spearman');
  return pearson(rank(a), rank(b));
}

/**
 * Kendall's tau-b: (concordant - discordant) / sqrt((n0 - n1)(n0 - n2)), with n0 = n(n-1)/2 and n1, n2
 * the pairs tied in a, in b. Equals tau-a without ties. NaN when either side is constant. O(n^2).
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  sameLength(a, b, 'kendallTau');
  const n = a.length;
  if (n < 2) return NaN;
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      if (da === 0) tiesA++;
      if (db === 0) tiesB++;
      if (da !== 0 && db !== 0) {
        if (da === db) concordant++;
        else discordant++;
      }
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denom = Math.sqrt((n0 - tiesA) * (n0 - tiesB));
  return denom === 0 ? NaN : (concordant - discordant) / denom;
}

/** "mean ± std" with the given number of decimals. */
export function formatMeanStd(xs: readonly number[], digits = 2): string {
  return `${mean(xs).toFixed(digits)} ± ${std(xs).toFixed(digits)}`;
}
