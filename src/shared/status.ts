/**
 * The one status vocabulary of a search (black-box strategies and one-shot searchers alike), as plain data:
 *
 *   running --pause()------> paused        --resume()--> running
 *   running|paused --interrupt()--> interrupted --resume()--> running
 *   running|paused|interrupted --finish()--> done (cause 'budget': the budget is spent; resume() reopens it)
 *   nothing more to propose / the whole schedule ran --> done (cause 'exhausted': final)
 *   any but failed --fail(msg)--> failed (cause 'external', e.g. the evaluator threw; resume() retries)
 *   the searcher's own code throws --> failed (cause 'internal': its state is suspect; final)
 *
 * The engine's status machine (engine/strategy/status.ts) enforces it; the app's run lists read the words.
 */
export type SearchStatus = 'running' | 'paused' | 'interrupted' | 'done' | 'failed';

/**
 * Why a search is done or failed. 'exhausted' is final: nothing more to propose, or a one-shot searcher ran
 * its whole schedule; 'early-stop' (one-shot only) is final too: an early-stopping rule fired.
 */
export type StopCause = 'budget' | 'exhausted' | 'early-stop' | 'external' | 'internal';

export const SEARCH_STATUSES: readonly SearchStatus[] = ['running', 'paused', 'interrupted', 'done', 'failed'];
export const STOP_CAUSES: readonly StopCause[] = ['budget', 'exhausted', 'early-stop', 'external', 'internal'];

/** The status transitions (the diagram above): each action and the statuses it is allowed from. */
export const STATUS_TRANSITIONS = {
  pause: ['running'],
  interrupt: ['running', 'paused'],
  finish: ['running', 'paused', 'interrupted'],
  fail: ['running', 'paused', 'interrupted', 'done'],
} as const satisfies Readonly<Record<string, readonly SearchStatus[]>>;

export const isSearchStatus = (v: unknown): v is SearchStatus => SEARCH_STATUSES.includes(v as SearchStatus);
export const isStopCause = (v: unknown): v is StopCause => STOP_CAUSES.includes(v as StopCause);

/**
 * A stored run's status (a Search-tab run or a one-shot run): 'created' until its first session starts, then
 * the search's status; a stored run is never left 'interrupted' (the worker stores it paused).
 */
export type RunStatus = 'created' | Exclude<SearchStatus, 'interrupted'>;
