/**
 * Zero-cost warm start ("warmup"): Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for
 * Lightweight NAS", ICLR 2021, section 5. Before any candidate is trained, a pool of M architectures is
 * sampled (seeded) and scored at initialisation with a zero-cost proxy (synflow, naswot, jacob_cov or
 * grad_norm); the strategy then starts from the best: regularized evolution's initial population is the
 * top-P of the pool, and random search / REINFORCE propose the top-K first, in score order (local search
 * takes them as its first K starting points).
 *
 * Strategies stay free of tfjs: the proxy is injected as a function genotype -> score. The pool is built
 * lazily on the first ask() that needs it, with its own rng (derived from the strategy's seed, so the
 * pool does not depend on the strategy), and the pool, its scores and how far it was handed out are part
 * of the state dict, so a resumed run neither rescores nor proposes differently.
 */
import type { Rng, RngState } from '../util/rng';
import { createRng, createRngFromState } from '../util/rng';
import type { SearchSpace } from '../space/types';
import { ZERO_COST_PROXIES, type ZeroCostProxy } from '../../shared/strategies';
import type { PrerankOptions } from '../../shared/strategy-options';

export { ZERO_COST_PROXIES, type PrerankOptions, type ZeroCostProxy };

/** Scores a genotype with the named proxy at initialisation (higher is better). */
export type ProxyScorer<G> = (genotype: G) => number;

/** Name of the metric that carries a candidate's proxy score, e.g. zc_synflow. */
export const proxyMetric = (proxy: ZeroCostProxy): string => `zc_${proxy}`;

export interface PoolEntry {
  readonly arch: string;
  readonly hash: string;
  /** Proxy score; NaN sorts last, +-Infinity where they belong. */
  readonly score: number;
  /** Order in which it was sampled (ties in score keep it). */
  readonly order: number;
}

/** Thrown when the pool state in a state dict is malformed. */
export class PrerankStateError extends Error {
  override readonly name = 'PrerankStateError';
}

interface PoolJson {
  readonly rng: RngState;
  /** null until built; scores as numbers, non-finite ones as strings ("Infinity", "NaN"). */
  readonly entries: { arch: string; hash: string; score: number | string; order: number }[] | null;
  readonly next: number;
}

const POOL_SEED_SALT = 0x2545f491;

/** Ranks a pool best first: score descending, NaN last, ties by sampling order. */
export function rankPool(entries: readonly PoolEntry[]): PoolEntry[] {
  const key = (s: number) => (Number.isNaN(s) ? -Infinity : s);
  return entries.slice().sort((a, b) => {
    const ka = key(a.score), kb = key(b.score);
    if (ka !== kb) return kb > ka ? 1 : -1;
    if (Number.isNaN(a.score) !== Number.isNaN(b.score)) return Number.isNaN(a.score) ? 1 : -1;
    return a.order - b.order;
  });
}

export class WarmStartPool<G> {
  private rng: Rng;
  private entries: PoolEntry[] | null = null;
  private next = 0;
  private byHash = new Map<string, number>();

  constructor(
    private readonly space: SearchSpace<G>,
    readonly options: PrerankOptions,
    seed: number,
    private readonly scorer: ProxyScorer<G>,
  ) {
    this.rng = createRng((Math.floor(seed) ^ POOL_SEED_SALT) >>> 0);
  }

  get metric(): string {
    return proxyMetric(this.options.proxy);
  }

  /** The scored pool, best first (builds it if needed). */
  ranked(): readonly PoolEntry[] {
    return this.build();
  }

  /** How many of the top `keep` have been handed out (or skipped). */
  get taken(): number {
    return this.next;
  }

  private build(): PoolEntry[] {
    if (this.entries) return this.entries;
    const { pool } = this.options;
    const seen = new Set<string>();
    const sampled: { g: G; hash: string }[] = [];
    const maxDraws = pool * 50 + 100;
    for (let draws = 0; sampled.length < pool && draws < maxDraws; draws++) {
      const g = this.space.sample(this.rng);
      const hash = this.space.hash(g);
      if (seen.has(hash)) continue;
      seen.add(hash);
      sampled.push({ g, hash });
    }
    const scored = sampled.map(({ g, hash }, order): PoolEntry => {
      const score = this.scorer(g);
      if (typeof score !== 'number') throw new Error(`warm start: the ${this.options.proxy} scorer returned ${String(score)} for ${this.space.encode(g)}`);
      return { arch: this.space.encode(g), hash, score, order };
    });
    const ranked = rankPool(scored);
    this.setEntries(ranked);
    return ranked;
  }

  private setEntries(e: PoolEntry[]): void {
    this.entries = e;
    this.byHash = new Map(e.map((x) => [x.hash, x.score]));
  }

  /**
   * The next of the top `keep` entries whose hash is not in `skip`, or null once the top `keep` are
   * used up. Builds (samples and scores) the pool on first use.
   */
  take(skip?: ReadonlySet<string>): G | null {
    const entries = this.build();
    const keep = Math.min(this.options.keep, entries.length);
    while (this.next < keep) {
      const e = entries[this.next++];
      if (skip?.has(e.hash)) continue;
      return this.space.decode(e.arch);
    }
    return null;
  }

  /** {zc_<proxy>: score} for a genotype of the (built) pool with a finite score, else undefined. */
  metricsFor(hash: string): Record<string, number> | undefined {
    const s = this.byHash.get(hash);
    return s !== undefined && Number.isFinite(s) ? { [this.metric]: s } : undefined;
  }

  save(): PoolJson {
    return {
      rng: this.rng.state(),
      entries: this.entries ? this.entries.map((e) => ({ ...e, score: Number.isFinite(e.score) ? e.score : String(e.score) })) : null,
      next: this.next,
    };
  }

  load(v: unknown): void {
    const p = v as PoolJson;
    const bad = (what: string) => new PrerankStateError(`warm start state: ${what}`);
    if (typeof p !== 'object' || p === null) throw bad('must be an object {rng, entries, next}');
    if (!(Array.isArray(p.rng) && p.rng.length === 4 && p.rng.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff))) throw bad('"rng" must be 4 uint32');
    if (!(Number.isInteger(p.next) && p.next >= 0)) throw bad(`"next" must be a non-negative integer, got ${JSON.stringify(p.next)}`);
    let entries: PoolEntry[] | null = null;
    if (p.entries !== null) {
      if (!Array.isArray(p.entries)) throw bad('"entries" must be an array or null');
      entries = p.entries.map((e, i) => {
        const score = typeof e?.score === 'string' ? Number(e.score) : e?.score;
        if (typeof e !== 'object' || typeof e.arch !== 'string' || typeof e.hash !== 'string' || typeof score !== 'number' || !Number.isInteger(e.order)) {
          throw bad(`entries[${i}] must be {arch, hash, score, order}`);
        }
        return { arch: e.arch, hash: e.hash, score, order: e.order };
      });
      if (p.next > entries.length) throw bad(`"next" (${p.next}) is past the pool (${entries.length})`);
    } else if (p.next !== 0) throw bad('"next" must be 0 before the pool is built');
    this.rng = createRngFromState(p.rng);
    this.next = p.next;
    if (entries) this.setEntries(entries);
    else {
      this.entries = null;
      this.byHash = new Map();
    }
  }
}
