/**
 * Simple local search: White, Nolen, Tu, Zela & Hutter, "Local Search is State of the Art for Neural
 * Architecture Search Benchmarks", AutoML workshop at ICML 2020 (Algorithm 1):
 *
 *   v <- random architecture; evaluate it
 *   loop: evaluate the neighbours of v (all, or `neighbourSample` of them in random order)
 *         if the best neighbour beats v: v <- best neighbour (and repeat)
 *         else v is a local optimum: restart from a new random architecture
 *
 * Genotypes are identified by canonical hash: a neighbour evaluated earlier (in this or a previous
 * climb) is compared by its known result without being queried again, and restarts draw unseen
 * genotypes. With `firstImprovement`, the climb moves as soon as a neighbour beats v (the
 * "query until improvement" variant of the paper). Moves need a strict improvement.
 *
 * The climb is sequential: while the result that decides the next move is pending, ask() throws.
 * Neighbours of one step may be asked before any of them is told.
 *
 * With `prerank` (Abdelfattah et al., ICLR 2021), the first `keep` starting points (the first proposal
 * and the restarts) are the best unseen cells of a zero-cost-scored pool, in score order.
 */
import type { SearchSpace } from '../space/types';
import type { Candidate, EvalResult, StrategyState } from './types';
import { BaseStrategy, StrategyStateError, decodeObjective, encodeObjective, isInt, isStringArray, sampleUnseen, stateField } from './base';
import type { ProxyScorer } from './prerank';
import { LOCAL_DEFAULTS, type LocalSearchOptions } from '../../shared/strategy-options';

// The options and their defaults are plain data in the shared layer (the run config validates them).
export { LOCAL_DEFAULTS, type LocalSearchOptions };

type Phase = 'start' | 'awaitStart' | 'neighbours';
interface Point {
  readonly arch: string;
  readonly hash: string;
  readonly objective: number;
}
interface PointJson {
  readonly arch: string;
  readonly hash: string;
  readonly objective: number | null;
}

export class LocalSearch<G> extends BaseStrategy<G, LocalSearchOptions> {
  readonly name = 'local';
  private phase: Phase = 'start';
  private current: Point | null = null;
  private bestNeighbour: Point | null = null;
  /** Encoded neighbours still to be proposed (all unseen when queued). */
  private queue: string[] = [];
  private seen = new Set<string>();
  private known = new Map<string, number>();
  /** Candidate id of each evaluated hash (lineage: a neighbour names its incumbent's id). */
  private ids = new Map<string, number>();
  private restarts = 0;
  private moves = 0;

  constructor(space: SearchSpace<G>, options: Partial<LocalSearchOptions>, seed: number, scorer?: ProxyScorer<G>) {
    const o = { ...LOCAL_DEFAULTS, ...options };
    if (!(Number.isInteger(o.neighbourSample) && o.neighbourSample >= 0)) throw new Error(`local: neighbourSample must be an integer >= 0, got ${o.neighbourSample}`);
    if (!(Number.isInteger(o.maxRetries) && o.maxRetries >= 0)) throw new Error(`local: maxRetries must be an integer >= 0, got ${o.maxRetries}`);
    super(space, o, seed, scorer);
  }

  /** Where the climb stands (for display). */
  progress(): { current: Point | null; restarts: number; moves: number } {
    return { current: this.current, restarts: this.restarts, moves: this.moves };
  }

  protected override busy(): string | null {
    if (this.phase === 'awaitStart') return 'ask() before the pending start candidate was told (local search is sequential)';
    if (this.phase === 'neighbours' && this.queue.length === 0 && this.pendingCandidates().length > 0) {
      return 'ask() before the pending neighbours were told (local search is sequential)';
    }
    return null;
  }

  private consider(p: Point): void {
    if (this.bestNeighbour === null || p.objective > this.bestNeighbour.objective) this.bestNeighbour = p;
    if (this.options.firstImprovement && this.current !== null && p.objective > this.current.objective) this.moveTo(p);
  }

  private moveTo(p: Point): void {
    if (this.current !== null && p !== this.current) this.moves++;
    this.current = p;
    this.bestNeighbour = null;
    this.phase = 'neighbours';
    let nbs = this.rng.shuffle(this.space.neighbours(this.space.decode(p.arch)));
    if (this.options.neighbourSample > 0) nbs = nbs.slice(0, this.options.neighbourSample);
    const queued = new Set<string>();
    const queue: string[] = [];
    const knownNbs: Point[] = [];
    for (const g of nbs) {
      const hash = this.space.hash(g);
      if (hash === p.hash || queued.has(hash)) continue;
      queued.add(hash);
      const obj = this.known.get(hash);
      if (obj !== undefined) knownNbs.push({ arch: this.space.encode(g), hash, objective: obj });
      else queue.push(this.space.encode(g));
    }
    this.queue = queue;
    for (const k of knownNbs) {
      this.consider(k);
      if (this.current !== p) return; // moved on (first improvement)
    }
  }

  protected propose(): G | null {
    for (;;) {
      if (this.phase === 'start') {
        const g = this.takeWarm(this.seen) ?? sampleUnseen(this.space, this.rng, this.seen, this.options.maxRetries);
        if (g === null) return null;
        this.seen.add(this.space.hash(g));
        this.phase = 'awaitStart';
        return g;
      }
      // phase === 'neighbours' (busy() rules out the rest)
      const next = this.queue.shift();
      if (next !== undefined) {
        const g = this.space.decode(next);
        this.seen.add(this.space.hash(g));
        const incumbent = this.current === null ? undefined : this.ids.get(this.current.hash);
        this.proposeWithParents(incumbent === undefined ? [] : [incumbent]);
        return g;
      }
      const cur = this.current as Point;
      if (this.bestNeighbour !== null && this.bestNeighbour.objective > cur.objective) {
        this.moveTo(this.bestNeighbour);
      } else {
        this.phase = 'start';
        this.current = null;
        this.bestNeighbour = null;
        this.restarts++;
      }
    }
  }

  protected learn(c: Candidate<G>, r: EvalResult): void {
    const p: Point = { arch: this.space.encode(c.genotype), hash: c.hash, objective: r.objective };
    this.known.set(c.hash, r.objective);
    if (!this.ids.has(c.hash)) this.ids.set(c.hash, c.id);
    if (this.phase === 'awaitStart') this.moveTo(p);
    else this.consider(p);
  }

  protected saveState(): Record<string, unknown> {
    const pt = (p: Point | null): PointJson | null => (p ? { arch: p.arch, hash: p.hash, objective: encodeObjective(p.objective) } : null);
    return {
      phase: this.phase,
      current: pt(this.current),
      bestNeighbour: pt(this.bestNeighbour),
      queue: this.queue.slice(),
      seen: [...this.seen],
      known: [...this.known].map(([h, o]) => [h, encodeObjective(o)]),
      ids: [...this.ids],
      restarts: this.restarts,
      moves: this.moves,
    };
  }

  protected loadState(state: StrategyState): void {
    const isPoint = (v: unknown): v is PointJson | null =>
      v === null || (typeof v === 'object' && typeof (v as PointJson).arch === 'string' && typeof (v as PointJson).hash === 'string' &&
        ((v as PointJson).objective === null || typeof (v as PointJson).objective === 'number'));
    const pt = (p: PointJson | null, key: string): Point | null =>
      p ? { arch: p.arch, hash: p.hash, objective: decodeObjective(p.objective, `local state ${key}`) } : null;
    this.phase = stateField(state, 'phase', (v): v is Phase => v === 'start' || v === 'awaitStart' || v === 'neighbours', "'start', 'awaitStart' or 'neighbours'");
    this.current = pt(stateField(state, 'current', isPoint, 'a point or null'), 'current');
    this.bestNeighbour = pt(stateField(state, 'bestNeighbour', isPoint, 'a point or null'), 'bestNeighbour');
    if (this.phase === 'neighbours' && this.current === null) throw new StrategyStateError('local state: phase "neighbours" needs a current point');
    this.queue = stateField(state, 'queue', isStringArray, 'an array of encoded genotypes').slice();
    this.seen = new Set(stateField(state, 'seen', isStringArray, 'an array of hashes'));
    const known = stateField(state, 'known', (v): v is [string, number | null][] =>
      Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && (e[1] === null || typeof e[1] === 'number')),
    'an array of [hash, objective] pairs');
    this.known = new Map(known.map(([h, o]) => [h, decodeObjective(o, `local state known ${h}`)]));
    // `ids` (lineage) is absent from state dicts saved before it was recorded: their neighbours name no parent.
    const ids = state.ids === undefined ? [] : stateField(state, 'ids', (v): v is [string, number][] =>
      Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isInt(e[1])), 'an array of [hash, candidate id] pairs');
    this.ids = new Map(ids);
    this.restarts = stateField(state, 'restarts', isInt, 'a non-negative integer');
    this.moves = stateField(state, 'moves', isInt, 'a non-negative integer');
  }
}
