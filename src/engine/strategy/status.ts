/**
 * The status machine shared by the black-box strategies (base.ts) and the one-shot searchers (../oneshot/):
 * one vocabulary (src/shared/status.ts: SearchStatus, StopCause, STATUS_TRANSITIONS), one set of legal transitions, one
 * message for an illegal one, and one validated (status, stopCause, failure) triple for state dicts.
 */
import { isSearchStatus, isStopCause, SEARCH_STATUSES, STATUS_TRANSITIONS, STOP_CAUSES, type SearchStatus, type StopCause } from '../../shared/status';

export { isSearchStatus, isStopCause };

/** Thrown by a call or a transition that the current status does not allow. */
export class StrategyStatusError extends Error {
  override readonly name = 'StrategyStatusError';
}

/** The status as a state dict stores it. */
export interface StatusState {
  readonly status: SearchStatus;
  readonly stopCause: StopCause | null;
  readonly failure: string | null;
}

/**
 * Checks a stored (status, stopCause, failure) triple; `bad(field, what)` builds the caller's error naming the
 * field. done and failed need a cause, the other statuses must have none.
 */
export function parseStatusState(v: Readonly<Record<string, unknown>>, bad: (field: string, what: string) => Error): StatusState {
  if (!isSearchStatus(v.status)) throw bad('status', `one of ${SEARCH_STATUSES.join(', ')}`);
  if (!(v.stopCause === null || isStopCause(v.stopCause))) throw bad('stopCause', `null or one of ${STOP_CAUSES.join(', ')}`);
  if (!(v.failure === null || typeof v.failure === 'string')) throw bad('failure', 'a string or null');
  if ((v.status === 'done' || v.status === 'failed') !== (v.stopCause !== null)) {
    throw bad('stopCause', `${v.status === 'done' || v.status === 'failed' ? 'a cause' : 'null'} with status "${v.status}"`);
  }
  return { status: v.status, stopCause: v.stopCause as StopCause | null, failure: v.failure as string | null };
}

export class StatusMachine {
  private _status: SearchStatus = 'running';
  private _cause: StopCause | null = null;
  private _failure: string | null = null;

  /** `owner` starts every message (the strategy's or searcher's name). */
  constructor(private readonly owner: string) {}

  get status(): SearchStatus {
    return this._status;
  }

  get stopCause(): StopCause | null {
    return this._cause;
  }

  get failure(): string | null {
    return this._failure;
  }

  /** "done (budget)", "paused", ... */
  describe(): string {
    return this._cause ? `${this._status} (${this._cause})` : this._status;
  }

  /** Sets the status directly (a state dict, or the owner's own end: exhausted, early stop, internal failure). */
  set(status: SearchStatus, cause: StopCause | null = null, failure: string | null = null): void {
    this._status = status;
    this._cause = cause;
    this._failure = failure;
  }

  private transition(action: keyof typeof STATUS_TRANSITIONS): void {
    const allowed: readonly SearchStatus[] = STATUS_TRANSITIONS[action];
    if (!allowed.includes(this._status)) {
      throw new StrategyStatusError(`${this.owner}: cannot ${action}() while ${this.describe()}; ${action}() is allowed while ${allowed.join(' or ')}`);
    }
  }

  pause(): void {
    this.transition('pause');
    this.set('paused');
  }

  interrupt(): void {
    this.transition('interrupt');
    this.set('interrupted');
  }

  /** paused | interrupted | done (budget) | failed (external): the other ends are final. */
  canResume(): boolean {
    const s = this._status;
    return s === 'paused' || s === 'interrupted' || (s === 'done' && this._cause === 'budget') || (s === 'failed' && this._cause === 'external');
  }

  resume(): void {
    if (!this.canResume()) {
      const why = this._status === 'running' ? 'it is already running'
        : this._status === 'done' ? (this._cause === 'early-stop' ? 'it stopped early' : 'it is done: the space is exhausted')
        : this._status === 'failed' ? `it failed inside the strategy (${this._failure ?? 'unknown error'}); its state is not trusted`
        : `it is ${this._status}`;
      throw new StrategyStatusError(`${this.owner}: cannot resume(): ${why}`);
    }
    this.set('running');
  }

  /** The budget is spent: -> done (budget). */
  finish(): void {
    this.transition('finish');
    this.set('done', 'budget');
  }

  /** Something outside failed (e.g. the evaluator): -> failed (external). */
  fail(message: string): void {
    this.transition('fail');
    this.set('failed', 'external', message);
  }

  /** The owner's own code threw: -> failed (internal), final. */
  failInternal(error: unknown): void {
    this.set('failed', 'internal', error instanceof Error ? error.message : String(error));
  }

  save(): StatusState {
    return { status: this._status, stopCause: this._cause, failure: this._failure };
  }
}

/**
 * What a strategy or one-shot searcher exposes of its status: read-outs and the transitions a host may call,
 * all delegated to the owner's StatusMachine (which the owner alone sets when it ends by itself).
 */
export abstract class StatusOwner {
  protected abstract readonly machine: StatusMachine;

  get status(): SearchStatus {
    return this.machine.status;
  }

  get stopCause(): StopCause | null {
    return this.machine.stopCause;
  }

  get failure(): string | null {
    return this.machine.failure;
  }

  pause(): void {
    this.machine.pause();
  }

  interrupt(): void {
    this.machine.interrupt();
  }

  canResume(): boolean {
    return this.machine.canResume();
  }

  resume(): void {
    this.machine.resume();
  }

  /** Something outside the owner failed (e.g. the evaluator): -> failed (external), resumable. */
  fail(message: string): void {
    this.machine.fail(message);
  }
}
