/** How a tab shows a stored search run's status (src/app/shown-status.ts): a 'running' run no worker runs is interrupted. */
import { describe, expect, it } from 'vitest';
import { shownStatus } from '../../src/app/shown-status';

describe('shownStatus', () => {
  const none = new Set<string>();
  it('a running run is running while this tab or another tab runs it, else interrupted', () => {
    expect(shownStatus({ id: 'a', status: 'running' }, 'a', none)).toBe('running');
    expect(shownStatus({ id: 'a', status: 'running' }, null, new Set(['a']))).toBe('running');
    expect(shownStatus({ id: 'a', status: 'running' }, 'b', new Set(['c']))).toBe('interrupted');
    expect(shownStatus({ id: 'a', status: 'running' }, null, none)).toBe('interrupted');
  });
  it('every other status is shown as stored', () => {
    for (const status of ['created', 'paused', 'done', 'failed'] as const) expect(shownStatus({ id: 'a', status }, null, none)).toBe(status);
  });
});
