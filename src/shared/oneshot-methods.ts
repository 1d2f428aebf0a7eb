/**
 * The one-shot methods and which supernet each can search: DARTS (Liu, Simonyan & Yang, ICLR 2019),
 * PC-DARTS (Xu et al., ICLR 2020) and SPOS (Guo et al., ECCV 2020). Plain data (shared layer), read by the
 * app's forms and by the engine's one-shot config check (engine/search/oneshot-config.ts), so both give the same
 * answers (tests/unit/oneshot-view-model.test.ts).
 */
import type { SpaceKind } from './space-config';

export const ONESHOT_METHODS = ['darts', 'pc-darts', 'spos'] as const;
export type OneShotMethodName = (typeof ONESHOT_METHODS)[number];

export const ONESHOT_METHOD_LABELS: Readonly<Record<OneShotMethodName, string>> = { darts: 'DARTS', 'pc-darts': 'PC-DARTS', spos: 'SPOS' };

/**
 * Why a method cannot search a space (null: it can). DARTS-style methods relax a per-edge op choice, which only
 * the cell spaces have; SPOS samples paths and works on every supernet.
 */
export function oneShotMethodUnavailable(space: SpaceKind, method: OneShotMethodName): string | null {
  if (space === 'mobile' && method !== 'spos') {
    return `${ONESHOT_METHOD_LABELS[method]} needs a cell space: the mobile macro space has no per-edge op mixture to relax (use SPOS)`;
  }
  return null;
}
