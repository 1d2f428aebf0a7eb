/**
 * Lineage of one-shot candidates (issue 13, item 7): every architecture a one-shot run derived (DARTS / PC-DARTS:
 * the argmax of the alphas after an epoch) or ranked (SPOS: subnets scored with inherited weights) names the
 * supernet it came from — the run, a hash of the configuration that defines the supernet and its training, and
 * how many epochs its weights had trained. A later model registry records that reference; a run file carries it.
 * Plain data, computed from a run's chart history (shared/oneshot-history.ts) by the worker, the headless runner
 * and the migration of older stored runs alike.
 */
import { hashJson } from './hash';
import type { OneShotConfig } from './oneshot-config';
import type { OneShotHistory } from './oneshot-history';

/** The supernet (weights and alphas at one epoch of one run) a candidate was derived or ranked in. */
export interface SupernetRef {
  /** `${runId}/${configHash}@${epoch}`: the same in the run, its exports and their imports. */
  readonly id: string;
  /** The run that trained the supernet (an imported copy keeps the original's id). */
  readonly runId: string;
  /** supernetConfigHash of the run's configuration. */
  readonly configHash: string;
  /** Completed training epochs of the weights (and alphas) used. */
  readonly epoch: number;
}

/**
 * derived: DARTS / PC-DARTS, the cell derived after an epoch; ranked: SPOS, a subnet of the finished ranking;
 * scored: SPOS, a subnet scored while the ranking was still going on (no rank yet).
 */
export type OneShotCandidateSource = 'derived' | 'ranked' | 'scored';

export interface OneShotCandidate {
  /** 0..n-1 in order (derived: by epoch; ranked: best first; scored: in scoring order). */
  readonly id: number;
  readonly source: OneShotCandidateSource;
  readonly arch: string;
  /** The space's canonical hash; null in runs stored before hashes were recorded. */
  readonly hash: string | null;
  /** The genotype as plain JSON. */
  readonly genotype: unknown;
  /**
   * supernet_valid_acc (%, inherited weights; DARTS: the supernet's validation accuracy in that epoch),
   * supernet_valid_loss (DARTS), mflops and objective (SPOS), standalone_valid_acc (%, SPOS ranking check).
   */
  readonly metrics: Readonly<Record<string, number>>;
  /** What the method ranks by (SPOS: accuracy - lambda * MFLOPs); null where it ranks nothing (DARTS). */
  readonly objective: number | null;
  /** The run's result: DARTS's last derived cell, SPOS's top k. */
  readonly selected: boolean;
  readonly supernet: SupernetRef;
}

/** Hash of everything that shapes the supernet's weights: the whole config but its name and the backend choice. */
export function supernetConfigHash(config: OneShotConfig): string {
  const { name: _name, backend: _backend, ...rest } = config;
  return hashJson(rest);
}

export function supernetRef(runId: string, config: OneShotConfig, epoch: number): SupernetRef {
  const configHash = supernetConfigHash(config);
  return { id: `${runId}/${configHash}@${epoch}`, runId, configHash, epoch };
}

/** The finite values only (a missing, null or NaN metric is left out: unknown, not a number to compare). */
function finite(xs: Record<string, number | null | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(xs)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}

/**
 * The candidates of a one-shot run from its history. `epochsDone`: completed training epochs (the supernet SPOS
 * scores its subnets with; the ranking starts only after the last epoch).
 */
export function oneShotCandidates(runId: string, config: OneShotConfig, history: OneShotHistory<unknown>, epochsDone: number): OneShotCandidate[] {
  if (config.method !== 'spos') {
    const points = [...history.genotypes].sort((a, b) => a.epoch - b.epoch);
    return points.map((g, i): OneShotCandidate => {
      const ep = history.epochs.find((e) => e.epoch === g.epoch);
      const metrics = finite({ supernet_valid_acc: ep?.validAcc, supernet_valid_loss: ep?.validLoss });
      return {
        id: i, source: 'derived', arch: g.arch, hash: g.hash ?? null, genotype: g.genotype, metrics, objective: null,
        selected: i === points.length - 1, supernet: supernetRef(runId, config, g.epoch + 1),
      };
    });
  }
  const ranked = history.ranked !== null;
  const list = history.ranked ?? history.subnets;
  const top = new Set(history.topK);
  const standalone = new Map(history.rankingCheckDone.map((s) => [s.arch, s.standaloneScore]));
  const supernet = supernetRef(runId, config, epochsDone);
  return list.map((r, i): OneShotCandidate => {
    const metrics = finite({ supernet_valid_acc: r.accuracy, mflops: r.mflops, objective: r.objective, standalone_valid_acc: standalone.get(r.arch) });
    return {
      id: i, source: ranked ? 'ranked' : 'scored', arch: r.arch, hash: r.hash ?? null, genotype: r.genotype, metrics, objective: Number.isFinite(r.objective) ? r.objective : null,
      selected: ranked && top.has(r.arch), supernet,
    };
  });
}
