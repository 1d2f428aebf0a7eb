/** Pure helpers of the One-shot tab (no DOM, no runes): chart series, heatmap colours, edge ids, exports. */
import type { OneShotAlphaSnapshot, OneShotConfig, OneShotHistory, OneShotMethod, OneShotRunRecord } from '../../protocol/oneshot-api';
import { ONESHOT_METHOD_LABELS, oneShotMethodUnavailable } from '../../shared/oneshot-methods';
import type { SpaceKind } from '../../shared/space-config';

/** Engine edge label ('cell:0->2') -> CellGraph NB201 edge id ('0-2'). */
export function graphEdgeId(label: string): string {
  const edge = label.includes(':') ? label.slice(label.indexOf(':') + 1) : label;
  return edge.replace('->', '-');
}

/**
 * Edge emphasis for CellGraph: per edge, the softmax weight of the op the derived genotype keeps there
 * (NB201 genotype ops are in NB201_EDGES order, the same order as the alpha rows).
 */
export function edgeWeights(snap: OneShotAlphaSnapshot | undefined, chosenOps: readonly string[] | undefined): Record<string, number> | undefined {
  if (!snap || !chosenOps) return undefined;
  const out: Record<string, number> = {};
  snap.edges.forEach((label, e) => {
    const k = snap.ops.indexOf(chosenOps[e] ?? '');
    out[graphEdgeId(label)] = k >= 0 ? snap.alphas[e][k] : Math.max(...snap.alphas[e]);
  });
  return out;
}

/** White (0) to dark blue (1) through the playground's palette; text colour that stays readable. */
export function heatColor(w: number): { background: string; color: string } {
  const t = Math.min(1, Math.max(0, Number.isFinite(w) ? w : 0));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return { background: `rgb(${mix(247, 29)}, ${mix(250, 53)}, ${mix(252, 87)})`, color: t > 0.5 ? 'white' : '#1d3557' };
}

/** Mean softmax weight of 'skip_connect' and of 'none' over all edges: the collapse indicator. */
export function opShare(snap: OneShotAlphaSnapshot, op: string): number {
  const k = snap.ops.indexOf(op);
  if (k < 0 || snap.alphas.length === 0) return 0;
  return snap.alphas.reduce((s, row) => s + row[k], 0) / snap.alphas.length;
}

export interface Series {
  readonly x: number[];
  readonly ys: (number | null)[][];
}

/** Step losses on a fractional-epoch axis: train loss, and (DARTS) the architecture step's validation loss. */
export function lossSeries(h: OneShotHistory, stepsPerEpoch: number, withValid = true): Series {
  const spe = Math.max(1, stepsPerEpoch);
  const x = h.steps.map((s) => (s.globalStep + 1) / spe);
  const train = h.steps.map((s) => s.trainLoss);
  return { x, ys: withValid ? [train, h.steps.map((s) => s.validLoss)] : [train] };
}

/** Per-epoch means (x = epoch number, 1-based). */
export function epochLossSeries(h: OneShotHistory): Series {
  const eps = [...h.epochs].sort((a, b) => a.epoch - b.epoch);
  return { x: eps.map((e) => e.epoch + 1), ys: [eps.map((e) => e.trainLoss), eps.map((e) => e.validLoss)] };
}

/** Skip and none shares per epoch, plus the eigenvalue on the same epochs (null where not computed). */
export function collapseSeries(h: OneShotHistory): Series {
  const snaps = [...h.alphas].sort((a, b) => a.epoch - b.epoch);
  const eig = new Map(h.eigenvalues.map((e) => [e.epoch, e.value]));
  return {
    x: snaps.map((s) => s.epoch + 1),
    ys: [snaps.map((s) => opShare(s, 'skip_connect')), snaps.map((s) => opShare(s, 'none')), snaps.map((s) => eig.get(s.epoch) ?? null)],
  };
}

/** Per-edge weight of one op across epochs (the line-chart view of the heatmap). */
export function alphaLines(h: OneShotHistory, op: string): Series {
  const snaps = [...h.alphas].sort((a, b) => a.epoch - b.epoch);
  const edges = snaps[0]?.edges ?? [];
  return { x: snaps.map((s) => s.epoch + 1), ys: edges.map((_, e) => snaps.map((s) => { const k = s.ops.indexOf(op); return k >= 0 ? s.alphas[e][k] : null; })) };
}

/** The derived genotype as a JSON document (space, arch, genotype, the method and its settings, alphas). */
export function genotypeExport(run: OneShotRunRecord): string {
  const g = run.history.genotypes.at(-1);
  const top = run.history.ranked?.[0];
  const arch = g?.arch ?? top?.arch ?? run.arch;
  const doc = {
    space: run.config.space,
    arch,
    genotype: g?.genotype ?? top?.genotype ?? null,
    method: run.config.method,
    source: { oneshotRunId: run.id, epoch: run.epoch, status: run.status },
    alphas: run.history.alphas.at(-1) ?? null,
    topK: run.history.ranked ? run.history.ranked.slice(0, run.config.spos.topK).map((r) => ({ arch: r.arch, accuracy: r.accuracy, mflops: r.mflops, objective: r.objective })) : undefined,
    rankingCheck: run.history.rankingCheck ?? undefined,
    config: run.config,
  };
  return JSON.stringify(doc, null, 2);
}

/** How to read a Kendall tau of the ranking check. */
export function tauVerdict(tau: number): string {
  if (!Number.isFinite(tau)) return 'not enough subnets to correlate';
  if (tau >= 0.6) return 'strong agreement: the supernet ranks these subnets much like standalone training';
  if (tau >= 0.3) return 'moderate agreement: use the supernet ranking to shortlist, then re-train the top k';
  if (tau > -0.1) return 'little agreement: the supernet scores barely predict standalone accuracy here';
  return 'the supernet ranks these subnets in roughly the opposite order to standalone training';
}

export function methodLabel(m: OneShotConfig['method']): string {
  return ONESHOT_METHOD_LABELS[m];
}

/** The supernets the One-shot tab offers, with a label each. */
export const ONESHOT_SPACES: readonly { readonly id: SpaceKind; readonly label: string }[] = [
  { id: 'nb201', label: 'NAS-Bench-201 cell (6 edges × 5 ops)' },
  { id: 'darts', label: 'DARTS cells (normal + reduction, 14 edges × 8 ops)' },
  { id: 'mobile', label: 'Mobile macro space (block, kernel, SE, width, depth per stage; SPOS only)' },
];

/**
 * Why a method cannot search a space (null: it can): the shared rule (src/shared/oneshot-methods.ts), which the
 * engine's config validation also applies (engine/search/oneshot-config.ts).
 */
export function methodUnavailable(space: SpaceKind, method: OneShotMethod): string | null {
  return oneShotMethodUnavailable(space, method);
}

/** Rows of an alpha snapshot per cell type (the part of the edge label before ':'; NB201: 'cell'). */
export function alphaGroups(snap: OneShotAlphaSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of snap.edges) {
    const g = e.includes(':') ? e.slice(0, e.indexOf(':')) : 'cell';
    out[g] = (out[g] ?? 0) + 1;
  }
  return out;
}

/** Parses "8, 16" into [8, 16]; null when any entry is not a positive whole number. */
export function parseIntList(text: string): number[] | null {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0 || !parts.every((p) => /^\d+$/.test(p) && Number(p) > 0)) return null;
  return parts.map(Number);
}
