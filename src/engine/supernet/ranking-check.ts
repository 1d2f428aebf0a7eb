/**
 * Supernet ranking check: does weight sharing rank architectures like standalone training does? (ENAS/SPOS
 * caveat in the field guide: "supernet scores do not always predict fully trained standalone performance";
 * Yu et al., "Evaluating the Search Phase of Neural Architecture Search", ICLR 2020, measure it with Kendall tau.)
 * For a sample of subnets, compare their supernet scores (e.g. SPOS accuracy with inherited weights) with their
 * scores after standalone training, by Kendall tau and Spearman rho, plus how many of the supernet's top k are in the
 * standalone top k. The result is plain JSON to store with the run.
 */
import { kendallTau, spearman } from '../util/stats';
import { throwIfAborted, type AbortSignalLike } from '../util/abort';
import type { RankingCheckResult, RankingCheckSubnet } from '../../shared/oneshot-events';

// The result is plain data in the shared layer (stored with the run, drawn by the app).
export type { RankingCheckResult, RankingCheckSubnet };

export const RANKING_CHECK_VERSION = 1;

/** Correlations of two score lists over the same subnets (NaN when fewer than 2). */
export function rankingCorrelation(supernet: readonly number[], standalone: readonly number[]): { kendallTau: number; spearman: number } {
  if (supernet.length < 2) return { kendallTau: NaN, spearman: NaN };
  return { kendallTau: kendallTau(supernet, standalone), spearman: spearman(supernet, standalone) };
}

function topIndices(xs: readonly number[], k: number): Set<number> {
  return new Set(xs.map((x, i) => ({ x, i })).sort((a, b) => b.x - a.x || a.i - b.i).slice(0, k).map((e) => e.i));
}

/** Builds the JSON result from already-measured scores. */
export function rankingCheckResult(subnets: readonly RankingCheckSubnet[], topK = 3): RankingCheckResult {
  const a = subnets.map((s) => s.supernetScore);
  const b = subnets.map((s) => s.standaloneScore);
  const k = Math.min(topK, subnets.length);
  const ta = topIndices(a, k);
  const tb = topIndices(b, k);
  const overlap = k === 0 ? NaN : [...ta].filter((i) => tb.has(i)).length / k;
  return { version: RANKING_CHECK_VERSION, n: subnets.length, ...rankingCorrelation(a, b), topK: k, topKOverlap: overlap, subnets: subnets.map((s) => ({ ...s })) };
}

/**
 * Picks n entries spread evenly over a ranked list (best, ..., worst), so the check covers good and bad subnets.
 */
export function spreadSample<T>(ranked: readonly T[], n: number): T[] {
  if (n >= ranked.length) return ranked.slice();
  if (n <= 1) return ranked.slice(0, Math.max(0, n));
  return Array.from({ length: n }, (_, i) => ranked[Math.round((i * (ranked.length - 1)) / (n - 1))]);
}

/**
 * Trains each subnet standalone with `standalone(genotype, index)` (e.g. standaloneScorer in standalone.ts) and
 * correlates with the supernet scores.
 */
export async function supernetRankingCheck<G>(
  subnets: readonly { readonly genotype: G; readonly arch: string; readonly supernetScore: number }[],
  standalone: (g: G, index: number) => Promise<number>,
  hooks: { readonly signal?: AbortSignalLike; readonly topK?: number; readonly onSubnet?: (index: number, total: number, s: RankingCheckSubnet) => void } = {},
): Promise<RankingCheckResult> {
  const out: RankingCheckSubnet[] = [];
  for (let i = 0; i < subnets.length; i++) {
    throwIfAborted(hooks.signal, 'Ranking check');
    const s = subnets[i];
    const standaloneScore = await standalone(s.genotype, i);
    const r = { arch: s.arch, supernetScore: s.supernetScore, standaloneScore };
    out.push(r);
    hooks.onSubnet?.(i, subnets.length, r);
  }
  return rankingCheckResult(out, hooks.topK ?? 3);
}
