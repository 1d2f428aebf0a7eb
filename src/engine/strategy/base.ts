/**
 * Shared machinery for the black-box strategies (random, evolution, reinforce, local): candidate ids,
 * the pending (asked, not yet told) set, the explicit status (types.ts has the transition diagram), the
 * rng and the zero-cost warm-start pool (prerank.ts), all captured by stateDict() so that a strategy
 * restored from its state dict proposes exactly what the uninterrupted one would have.
 *
 * Candidates that were pending when the state was saved are handed out again (same id, same genotype)
 * by the restored strategy's first ask() calls, so a checkpoint taken mid-batch loses nothing.
 *
 * State versions: 1 = status without its cause and no warm-start pool; 2 = adds `stopCause`, `failure`
 * and `prerank`. A version-1 state dict still loads (done -> cause 'exhausted', failed -> 'internal').
 */
import type { Rng, RngState } from '../util/rng';
import { createRng, createRngFromState } from '../util/rng';
import type { SearchSpace } from '../space/types';
import { SEARCH_STATUSES, type Candidate, type EvalResult, type StopCause, type Strategy, type StrategyState, type StrategyStatus } from './types';
import { WarmStartPool, type PrerankOptions, type ProxyScorer } from './prerank';
import { isSearchStatus, parseStatusState, StatusMachine, StatusOwner, StrategyStatusError } from './status';

export const STATE_VERSION = 2;
const SUPPORTED_VERSIONS = [1, 2];

export { StrategyStatusError };

/** Thrown for a state dict that does not fit the strategy it is loaded into. */
export class StrategyStateError extends Error {
  override readonly name = 'StrategyStateError';
}

/** JSON has no -Infinity: objectives are stored as numbers, with null for -Infinity (infeasible). */
export function encodeObjective(x: number): number | null {
  return x === -Infinity ? null : x;
}
export function decodeObjective(x: unknown, where: string): number {
  if (x === null) return -Infinity;
  if (typeof x !== 'number' || Number.isNaN(x)) throw new StrategyStateError(`${where}: objective must be a number or null, got ${JSON.stringify(x)}`);
  return x;
}

/** Record of an evaluated genotype as stored in a state dict. */
export interface ScoredRecord {
  readonly id: number;
  /** space.encode(genotype) */
  readonly arch: string;
  readonly hash: string;
  /** null stands for -Infinity. */
  readonly objective: number | null;
}

export function stateField<T>(state: StrategyState, key: string, check: (v: unknown) => v is T, what: string): T {
  const v = state[key];
  if (!check(v)) throw new StrategyStateError(`${state.strategy} state: "${key}" must be ${what}, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

export function isScoredRecord(v: unknown): v is ScoredRecord {
  const r = v as ScoredRecord;
  return typeof r === 'object' && r !== null && isInt(r.id) && typeof r.arch === 'string' && typeof r.hash === 'string' &&
    (r.objective === null || (typeof r.objective === 'number' && !Number.isNaN(r.objective)));
}
export const isScoredRecords = (v: unknown): v is ScoredRecord[] => Array.isArray(v) && v.every(isScoredRecord);

function isRngState(v: unknown): v is RngState {
  return Array.isArray(v) && v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff);
}

/**
 * Draws a genotype whose hash is not in `seen`: up to 1 + maxRetries random samples, then, for a space
 * small enough to list (<= 1e6), a uniform pick among the unseen hashes. null when nothing unseen is found.
 */
export function sampleUnseen<G>(space: SearchSpace<G>, rng: Rng, seen: ReadonlySet<string>, maxRetries: number): G | null {
  for (let i = 0; i <= maxRetries; i++) {
    const g = space.sample(rng);
    if (!seen.has(space.hash(g))) return g;
  }
  if (space.enumerate && space.size() <= 1_000_000n) {
    const rest = new Map<string, G>();
    for (const g of space.enumerate()) {
      const h = space.hash(g);
      if (!seen.has(h) && !rest.has(h)) rest.set(h, g);
    }
    if (rest.size === 0) return null;
    const all = [...rest.values()];
    return all[rng.int(all.length)];
  }
  return null;
}

export abstract class BaseStrategy<G, O extends object> extends StatusOwner implements Strategy<G> {
  abstract readonly name: string;
  protected rng: Rng;
  protected nextId = 0;
  /** Created on first use: `name` is a subclass field, not yet set while this constructor runs. */
  private _machine: StatusMachine | null = null;
  private readonly pending = new Map<number, Candidate<G>>();
  private reissue: Candidate<G>[] = [];
  /** Lineage of the genotype propose() is about to return (set by the subclass; taken and cleared by ask()). */
  private nextParents: readonly number[] = [];
  /** The zero-cost warm-start pool, when the options ask for one (`prerank`). */
  protected readonly warm: WarmStartPool<G> | null;

  protected constructor(
    protected readonly space: SearchSpace<G>,
    /** Validated, fully defaulted options; saved in the state dict and checked on load. */
    readonly options: Readonly<O>,
    seed: number,
    /** Zero-cost scorer for the warm start; required when options.prerank is set. */
    scorer?: ProxyScorer<G>,
  ) {
    super();
    this.rng = createRng(seed);
    const prerank = (options as { prerank?: PrerankOptions }).prerank;
    if (prerank) {
      if (!scorer) throw new Error(`warm start with proxy "${prerank.proxy}" needs a zero-cost scorer (genotype -> score); the caller must pass one`);
      this.warm = new WarmStartPool(space, prerank, seed, scorer);
    } else this.warm = null;
  }

  protected get machine(): StatusMachine {
    return (this._machine ??= new StatusMachine(this.name));
  }

  finish(): void {
    this.machine.finish();
  }

  /** Candidates asked but not yet told, in id order. */
  pendingCandidates(): Candidate<G>[] {
    return [...this.pending.values()].sort((a, b) => a.id - b.id);
  }

  /** The next genotype to propose, or null when there is nothing more to propose. */
  protected abstract propose(): G | null;
  /**
   * A message when the strategy cannot propose before some pending result is told (a sequential
   * strategy asked twice); ask() then throws it without changing the status.
   */
  protected busy(): string | null {
    return null;
  }
  /** Learns from one result (the candidate is no longer pending). */
  protected abstract learn(candidate: Candidate<G>, result: EvalResult): void;
  /** Strategy-specific JSON state (the base adds rng, ids, status, pending, options, warm-start pool). */
  protected abstract saveState(): Record<string, unknown>;
  protected abstract loadState(state: StrategyState): void;

  /**
   * The next of the warm start's top-K (skipping hashes in `skip`), or null when there is no warm start
   * or its top-K is used up. Subclasses call it from propose() where their algorithm starts.
   */
  protected takeWarm(skip?: ReadonlySet<string>): G | null {
    return this.warm ? this.warm.take(skip) : null;
  }

  /** Names the earlier candidates (ids) the genotype propose() returns next was made from. */
  protected proposeWithParents(parents: readonly number[]): void {
    this.nextParents = parents.slice();
  }

  private candidate(id: number, genotype: G, hash: string, parents: readonly number[]): Candidate<G> {
    const metrics = this.warm?.metricsFor(hash);
    const c: Candidate<G> = metrics ? { id, genotype, hash, metrics } : { id, genotype, hash };
    return parents.length > 0 ? { ...c, parents: parents.slice() } : c;
  }

  ask(): Candidate<G> | null {
    const m = this.machine;
    if (m.status !== 'running') {
      const hint = m.status === 'paused' || m.status === 'interrupted' ? '; call resume() first'
        : m.status === 'done' ? (m.stopCause === 'budget' ? ' (budget spent); call resume() to extend it' : ' (nothing left to propose)')
        : ` (${m.failure ?? 'error'})`;
      throw new StrategyStatusError(`${this.name}: ask() while ${m.status}${hint}`);
    }
    const again = this.reissue.shift();
    if (again) return again;
    const busy = this.busy();
    if (busy !== null) throw new Error(`${this.name}: ${busy}`);
    let g: G | null;
    this.nextParents = [];
    try {
      g = this.propose();
    } catch (e) {
      m.failInternal(e);
      throw e;
    }
    if (g === null) {
      m.set('done', 'exhausted');
      return null;
    }
    const id = this.nextId++;
    const c = this.candidate(id, g, this.space.hash(g), this.nextParents.filter((p) => p < id));
    this.nextParents = [];
    this.pending.set(c.id, c);
    return c;
  }

  tell(candidate: Candidate<G>, result: EvalResult): void {
    if (this.status === 'failed' && this.stopCause === 'internal') {
      throw new StrategyStatusError(`${this.name}: tell() after the strategy failed (${this.failure ?? 'error'})`);
    }
    const p = this.pending.get(candidate.id);
    if (!p || p.hash !== candidate.hash) {
      throw new Error(`${this.name}: tell() for candidate ${candidate.id} (${candidate.hash}), which is not pending`);
    }
    if (typeof result.objective !== 'number' || Number.isNaN(result.objective) || result.objective === Infinity) {
      throw new Error(`${this.name}: objective of candidate ${candidate.id} must be a finite number or -Infinity, got ${result.objective}`);
    }
    this.pending.delete(candidate.id);
    this.reissue = this.reissue.filter((c) => c.id !== candidate.id);
    try {
      this.learn(p, result);
    } catch (e) {
      this.machine.failInternal(e);
      throw e;
    }
  }

  stateDict(): StrategyState {
    return {
      ...this.saveState(),
      strategy: this.name,
      version: STATE_VERSION,
      options: JSON.parse(JSON.stringify(this.options)) as unknown,
      rng: this.rng.state(),
      nextId: this.nextId,
      ...this.machine.save(),
      pending: this.pendingCandidates().map((c) => (c.parents?.length ? { id: c.id, arch: this.space.encode(c.genotype), parents: c.parents.slice() } : { id: c.id, arch: this.space.encode(c.genotype) })),
      prerank: this.warm ? this.warm.save() : null,
    };
  }

  loadStateDict(state: StrategyState): void {
    if (typeof state !== 'object' || state === null) throw new StrategyStateError(`${this.name}: state dict must be an object`);
    if (state.strategy !== this.name) throw new StrategyStateError(`${this.name}: cannot load a state dict of strategy "${String(state.strategy)}"`);
    if (!SUPPORTED_VERSIONS.includes(state.version)) {
      throw new StrategyStateError(`${this.name}: unsupported state version ${String(state.version)} (expected one of ${SUPPORTED_VERSIONS.join(', ')})`);
    }
    const mine = JSON.stringify(this.options);
    const theirs = JSON.stringify(state.options);
    if (mine !== theirs) throw new StrategyStateError(`${this.name}: state dict was saved with options ${theirs}, this strategy has ${mine}`);
    const rng = stateField(state, 'rng', isRngState, 'an array of 4 uint32');
    const nextId = stateField(state, 'nextId', isInt, 'a non-negative integer');
    const bad = (field: string, what: string) =>
      new StrategyStateError(`${this.name} state: "${field}" must be ${what}, got ${JSON.stringify(state[field])?.slice(0, 80)} (status ${JSON.stringify(state.status)})`);
    let status: StrategyStatus;
    let cause: StopCause | null;
    let failure: string | null;
    if (state.version === 1) {
      // Version 1 had no cause: a done strategy had exhausted its space, a failed one had thrown itself.
      status = state.status === undefined ? 'running' : stateField(state, 'status', isSearchStatus, `one of ${SEARCH_STATUSES.join(', ')}`);
      cause = status === 'done' ? 'exhausted' : status === 'failed' ? 'internal' : null;
      failure = status === 'failed' ? 'failed before this version recorded why' : null;
    } else {
      ({ status, stopCause: cause, failure } = parseStatusState(state, bad));
      if (cause === 'early-stop') throw bad('stopCause', 'a cause a black-box strategy can have (not early-stop)');
    }
    // `parents` (lineage) is optional: state dicts saved before it was recorded load with none.
    const pending = stateField(state, 'pending', (v): v is { id: number; arch: string; parents?: number[] }[] =>
      Array.isArray(v) && v.every((p) => isInt((p as { id: unknown }).id) && typeof (p as { arch: unknown }).arch === 'string' &&
        ((p as { parents?: unknown }).parents === undefined || (Array.isArray((p as { parents: unknown }).parents) && ((p as { parents: unknown[] }).parents).every(isInt)))),
    'an array of {id, arch, parents?}');
    const prerank = state.version === 1 ? null : state.prerank;
    if (this.warm) {
      if (prerank === null || prerank === undefined) throw new StrategyStateError(`${this.name} state: has no warm-start pool, but this strategy has options.prerank`);
      this.warm.load(prerank);
    } else if (prerank !== null && prerank !== undefined) {
      throw new StrategyStateError(`${this.name} state: has a warm-start pool, but this strategy has no options.prerank`);
    }
    const restored = pending.map((p) => {
      if (p.id >= nextId) throw new StrategyStateError(`${this.name} state: pending id ${p.id} >= nextId ${nextId}`);
      const genotype = this.space.decode(p.arch);
      return this.candidate(p.id, genotype, this.space.hash(genotype), p.parents ?? []);
    });
    this.loadState(state);
    this.rng = createRngFromState(rng);
    this.nextId = nextId;
    this.machine.set(status, cause, failure);
    this.pending.clear();
    for (const c of restored) this.pending.set(c.id, c);
    this.reissue = restored.slice();
  }

  /** Encodes a told candidate for the state dict. */
  protected record(c: Candidate<G>, objective: number): ScoredRecord {
    return { id: c.id, arch: this.space.encode(c.genotype), hash: c.hash, objective: encodeObjective(objective) };
  }
}
