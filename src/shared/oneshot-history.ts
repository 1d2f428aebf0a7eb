/**
 * The chart history of a one-shot run and the pure reducer that builds it from events: the worker folds what it
 * stores with the run, the app folds what it shows live, so both draw the same charts. Plain data.
 */
import type { OneShotChartEvent, OneShotNoteEvent, RankedSubnet, RankingCheckResult, RankingCheckSubnet } from './oneshot-events';

export interface OneShotStepPoint {
  readonly globalStep: number;
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validLoss: number | null;
}

export interface OneShotEpochPoint {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly validLoss: number | null;
  readonly validAcc: number | null;
}

export interface OneShotAlphaSnapshot {
  readonly epoch: number;
  /** Softmax weights [edge][op]. */
  readonly alphas: number[][];
  readonly edges: string[];
  readonly ops: string[];
  readonly betas?: number[];
}

export interface OneShotGenotypePoint<G> {
  readonly epoch: number;
  readonly genotype: G;
  readonly arch: string;
  readonly changed: boolean;
  /** The space's canonical hash of the genotype (absent in runs stored before it was recorded). */
  readonly hash?: string;
}

/** Everything the charts need, stored with the run and folded from the engine's events (G: the space's genotype). */
export interface OneShotHistory<G> {
  readonly steps: OneShotStepPoint[];
  readonly epochs: OneShotEpochPoint[];
  readonly alphas: OneShotAlphaSnapshot[];
  readonly genotypes: OneShotGenotypePoint<G>[];
  readonly eigenvalues: { readonly epoch: number; readonly value: number }[];
  readonly earlyStop: { readonly epoch: number; readonly reason: string } | null;
  /** SPOS: subnets scored so far (ranking order is by objective in `ranked`). */
  readonly subnets: RankedSubnet<G>[];
  readonly subnetTotal: number;
  readonly ranked: RankedSubnet<G>[] | null;
  /** Archs of the top k. */
  readonly topK: string[];
  readonly rankingCheck: RankingCheckResult | null;
  /** Standalone scores of the ranking check so far. */
  readonly rankingCheckDone: RankingCheckSubnet[];
}

/** An empty history (G: the genotype of the run's space). */
export function emptyOneShotHistory<G>(): OneShotHistory<G> {
  return { steps: [], epochs: [], alphas: [], genotypes: [], eigenvalues: [], earlyStop: null, subnets: [], subnetTotal: 0, ranked: null, topK: [], rankingCheck: null, rankingCheckDone: [] };
}

/** Stored history is validated on read: a missing or malformed field falls back to empty. */
export function normalizeOneShotHistory<G>(h: Partial<OneShotHistory<G>> | undefined): OneShotHistory<G> {
  const e = emptyOneShotHistory<G>();
  if (!h || typeof h !== 'object') return e;
  const arr = <T>(x: T[] | undefined, d: T[]): T[] => (Array.isArray(x) ? x : d);
  return {
    steps: arr(h.steps, e.steps), epochs: arr(h.epochs, e.epochs), alphas: arr(h.alphas, e.alphas), genotypes: arr(h.genotypes, e.genotypes),
    eigenvalues: arr(h.eigenvalues, e.eigenvalues), earlyStop: h.earlyStop ?? null, subnets: arr(h.subnets, e.subnets),
    subnetTotal: typeof h.subnetTotal === 'number' ? h.subnetTotal : 0, ranked: Array.isArray(h.ranked) ? h.ranked : null,
    topK: arr(h.topK, e.topK), rankingCheck: h.rankingCheck ?? null, rankingCheckDone: arr(h.rankingCheckDone, e.rankingCheckDone),
  };
}

/** Keep at most this many step points (older ones thinned to every other), so records stay small. */
export const MAX_STEP_POINTS = 2000;

function thin<T>(xs: T[]): T[] {
  return xs.length <= MAX_STEP_POINTS ? xs : xs.filter((_, i) => i % 2 === 1 || i === xs.length - 1);
}

/** Folds one event into a history (returns a new object; events that carry no chart data return `h`). */
export function foldOneShotEvent<G>(h: OneShotHistory<G>, e: OneShotChartEvent<G> | OneShotNoteEvent): OneShotHistory<G> {
  switch (e.type) {
    case 'step':
      return { ...h, steps: thin([...h.steps.filter((s) => s.globalStep < e.globalStep), { globalStep: e.globalStep, epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss }]) };
    case 'epoch':
      return { ...h, epochs: [...h.epochs.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, lr: e.lr, trainLoss: e.trainLoss, validLoss: e.validLoss, validAcc: e.validAcc }] };
    case 'alphas':
      return { ...h, alphas: [...h.alphas.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, alphas: e.alphas, edges: e.edges, ops: e.ops, ...(e.betas ? { betas: e.betas } : {}) }] };
    case 'genotype':
      return { ...h, genotypes: [...h.genotypes.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, genotype: e.genotype, arch: e.arch, changed: e.changed, ...(e.hash === undefined ? {} : { hash: e.hash }) }] };
    case 'eigenvalue':
      return { ...h, eigenvalues: [...h.eigenvalues.filter((x) => x.epoch !== e.epoch), { epoch: e.epoch, value: e.value }] };
    case 'early-stop':
      return { ...h, earlyStop: { epoch: e.epoch, reason: e.reason } };
    case 'subnet':
      return { ...h, subnets: [...h.subnets.slice(0, e.index), e.subnet], subnetTotal: e.total };
    case 'ranked':
      return { ...h, ranked: e.ranked, topK: e.topK.map((s) => s.arch) };
    case 'check-subnet':
      return { ...h, rankingCheckDone: [...h.rankingCheckDone.slice(0, e.index), e.subnet] };
    case 'ranking-check':
      return { ...h, rankingCheck: e.result };
    default:
      return h;
  }
}
