/**
 * Progress events of the one-shot searchers (SPOS, DARTS, PC-DARTS), a typed union for the worker to forward.
 * Everything is plain JSON data.
 */
import type { OneShotEvent } from '../../shared/oneshot-events';

// The events are plain data in the shared layer (the app folds them into its charts).
export type { OneShotEvent, OneShotEventType, RankedSubnet } from '../../shared/oneshot-events';

export interface OneShotHooks<G> {
  readonly signal?: { readonly aborted: boolean };
  readonly onEvent?: (e: OneShotEvent<G>) => void;
  /** Lets the caller's event loop run (worker messages, cancel) between steps. */
  readonly yieldNow?: () => Promise<void>;
}
