/**
 * Learning-curve extrapolation for early stopping of candidate training.
 *
 * Idea from Domhan, Springenberg & Hutter, "Speeding up automatic hyperparameter optimization of deep
 * neural networks by extrapolation of learning curves" (IJCAI 2015): fit parametric curves to the first
 * epochs' validation accuracies, predict the final accuracy and stop a run that is unlikely to beat the
 * best so far. Domhan et al. use a Bayesian (MCMC) weighted ensemble of 11 curve families; we use a
 * much SIMPLER model: two saturating families fitted by least squares, the better fit (lower residual
 * sum of squares) wins, and the uncertainty is a residual-based prediction interval:
 *
 *   power law:    acc(t) = a − b·t^(−c)      a ∈ [0, 100], b ≥ 0, c > 0
 *   exponential:  acc(t) = a − b·exp(−c·t)   a ∈ [0, 100], b ≥ 0, c > 0
 *
 * Fitting: for fixed c both families are linear in (a, b), so (a, b) come from closed-form (box-constrained)
 * linear least squares; c is found by a log-spaced grid search refined by golden-section search.
 *
 * Uncertainty: σ̂ = sqrt(RSS / (n − 3)) times sqrt(1 + h), h the leverage of the final epoch under the
 * (a, b)-linear model at the fitted c. This ignores the uncertainty of c and of the model family, so it
 * understates the true extrapolation error, sometimes badly with few epochs (see the tests).
 *
 * Curves are arrays of accuracies in percent: curve[i] is the accuracy after epoch i + 1.
 */

export type CurveFamily = 'power' | 'exp';

export interface CurveFit {
  readonly family: CurveFamily;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Residual sum of squares over the fitted epochs. */
  readonly rss: number;
  /** Number of fitted points. */
  readonly n: number;
}

export interface CurvePrediction {
  /** Predicted accuracy at the requested epoch (percent, clipped to [0, 100]). */
  readonly mean: number;
  /** Residual-based standard error of that prediction (Infinity when n ≤ 3, 0 for an exact fit). */
  readonly std: number;
  /** The winning fit. */
  readonly fit: CurveFit;
  /** Both fits, for inspection. */
  readonly fits: readonly CurveFit[];
}

const basis = (family: CurveFamily, t: number, c: number): number => (family === 'power' ? Math.pow(t, -c) : Math.exp(-c * t));

/** Evaluates a fitted curve at epoch t (1-based). */
export function evalCurve(fit: Pick<CurveFit, 'family' | 'a' | 'b' | 'c'>, t: number): number {
  return fit.a - fit.b * basis(fit.family, t, fit.c);
}

interface LinearFit {
  a: number;
  b: number;
  rss: number;
}

/** min Σ (y − a + b f)² subject to a ∈ [0, 100], b ≥ 0. */
function fitAB(ts: readonly number[], ys: readonly number[], family: CurveFamily, c: number): LinearFit {
  const n = ts.length;
  const f = ts.map((t) => basis(family, t, c));
  const rssOf = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (ys[i] - a + b * f[i]) ** 2;
    return s;
  };
  let sf = 0, sff = 0, sy = 0, sfy = 0;
  for (let i = 0; i < n; i++) {
    sf += f[i];
    sff += f[i] * f[i];
    sy += ys[i];
    sfy += f[i] * ys[i];
  }
  const det = n * sff - sf * sf;
  const clampA = (a: number): number => Math.min(100, Math.max(0, a));
  // b fixed → best a; a fixed → best b (≥ 0).
  const aGivenB = (b: number): number => clampA((sy + b * sf) / n);
  const bGivenA = (a: number): number => (sff > 0 ? Math.max(0, (a * sf - sfy) / sff) : 0);
  const candidates: [number, number][] = [];
  if (det > 1e-12 * Math.max(1, n * sff)) {
    // y = a − b f: normal equations for (a, −b).
    const beta = (n * sfy - sf * sy) / det; // slope on f, = −b
    const a = (sy - beta * sf) / n;
    candidates.push([a, -beta]);
  }
  // Boundary solutions of the box-constrained problem (it is convex, so the best feasible candidate wins).
  candidates.push([aGivenB(0), 0]);
  for (const a of [0, 100]) candidates.push([a, bGivenA(a)]);
  let best: LinearFit = { a: NaN, b: NaN, rss: Infinity };
  for (const [a, b] of candidates) {
    if (!(a >= 0 && a <= 100 && b >= 0)) continue;
    const rss = rssOf(a, b);
    if (rss < best.rss) best = { a, b, rss };
  }
  return best;
}

const C_RANGE: Record<CurveFamily, [number, number]> = { power: [1e-3, 10], exp: [1e-4, 5] };

/** Least-squares fit of one family to (ts, ys). */
export function fitFamily(ts: readonly number[], ys: readonly number[], family: CurveFamily): CurveFit {
  if (ts.length !== ys.length || ts.length === 0) throw new Error('fitFamily: ts and ys must be non-empty and equally long');
  const [lo, hi] = C_RANGE[family];
  const lLo = Math.log(lo), lHi = Math.log(hi);
  const G = 160;
  const at = (lc: number): LinearFit => fitAB(ts, ys, family, Math.exp(lc));
  let bestK = 0;
  let bestRss = Infinity;
  const grid: number[] = [];
  for (let k = 0; k <= G; k++) {
    const lc = lLo + ((lHi - lLo) * k) / G;
    grid.push(lc);
    const r = at(lc).rss;
    if (r < bestRss) {
      bestRss = r;
      bestK = k;
    }
  }
  // Golden-section refinement on log c between the grid neighbours.
  let x0 = grid[Math.max(0, bestK - 1)];
  let x1 = grid[Math.min(G, bestK + 1)];
  const phi = (Math.sqrt(5) - 1) / 2;
  let u = x1 - phi * (x1 - x0), v = x0 + phi * (x1 - x0);
  let fu = at(u).rss, fv = at(v).rss;
  for (let it = 0; it < 60; it++) {
    if (fu < fv) {
      x1 = v; v = u; fv = fu;
      u = x1 - phi * (x1 - x0); fu = at(u).rss;
    } else {
      x0 = u; u = v; fu = fv;
      v = x0 + phi * (x1 - x0); fv = at(v).rss;
    }
  }
  let lc = (x0 + x1) / 2;
  let lin = at(lc);
  if (lin.rss > bestRss) {
    lc = grid[bestK];
    lin = at(lc);
  }
  return { family, a: lin.a, b: lin.b, c: Math.exp(lc), rss: lin.rss, n: ts.length };
}

/** Fits both families to curve (curve[i] = accuracy after epoch i + 1) and returns them, best first. */
export function fitCurve(curve: readonly number[]): CurveFit[] {
  const ys = curve.map(Number);
  if (ys.length === 0 || ys.some((y) => !Number.isFinite(y))) throw new Error('fitCurve: curve must be a non-empty array of finite numbers');
  const ts = ys.map((_, i) => i + 1);
  const fits = (['power', 'exp'] as const).map((f) => fitFamily(ts, ys, f));
  return fits.sort((p, q) => p.rss - q.rss);
}

/** Predicted accuracy at finalEpoch (1-based) with a residual-based standard error. */
export function predictFinal(curve: readonly number[], finalEpoch: number): CurvePrediction {
  if (!(finalEpoch >= 1)) throw new Error(`predictFinal: finalEpoch must be ≥ 1, got ${finalEpoch}`);
  const fits = fitCurve(curve);
  const fit = fits[0];
  const n = curve.length;
  if (n < 3) {
    // Too few points to identify three parameters: carry the last value forward.
    return { mean: curve[n - 1], std: Infinity, fit, fits };
  }
  const mean = Math.min(100, Math.max(0, evalCurve(fit, finalEpoch)));
  if (n <= 3) return { mean, std: Infinity, fit, fits };
  const sigma = Math.sqrt(fit.rss / (n - 3));
  // Leverage of x_f = [1, −f(T)] under X = [1, −f(t_i)]: h = x_fᵀ (XᵀX)⁻¹ x_f.
  let sf = 0, sff = 0;
  for (let i = 1; i <= n; i++) {
    const f = basis(fit.family, i, fit.c);
    sf += f;
    sff += f * f;
  }
  const det = n * sff - sf * sf;
  const fT = basis(fit.family, finalEpoch, fit.c);
  const h = det > 0 ? (sff - 2 * fT * sf + fT * fT * n) / det : Infinity;
  return { mean, std: sigma * Math.sqrt(1 + h), fit, fits };
}

/**
 * Early-stopping rule: stop when the predicted final accuracy plus margin is still below the best final
 * accuracy seen so far. Never stops on fewer than 3 epochs.
 */
export function shouldStop(curve: readonly number[], bestSoFar: number, finalEpoch: number, margin = 0): boolean {
  if (curve.length < 3 || !Number.isFinite(bestSoFar)) return false;
  return predictFinal(curve, finalEpoch).mean + margin < bestSoFar;
}
