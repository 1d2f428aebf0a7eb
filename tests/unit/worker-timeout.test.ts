/**
 * workers/timeout.ts: the time limit the backend worker puts on requestAdapter() and on the threaded WASM start — a
 * promise that never settles gives 'timeout' after the limit, one that settles in time gives its value (or its
 * rejection), and no timer is left behind either way.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../../workers/timeout';

afterEach(() => { vi.useRealTimers(); });

describe('withTimeout', () => {
  it("gives 'timeout' for a promise that never settles, after the limit and not before", async () => {
    vi.useFakeTimers();
    let settled = false;
    const p = withTimeout(new Promise<never>(() => {}), 20_000).then((v) => { settled = true; return v; });
    await vi.advanceTimersByTimeAsync(19_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toBe('timeout');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives the value of a promise that settles in time, and clears its timer', async () => {
    vi.useFakeTimers();
    const p = withTimeout(new Promise<number>((resolve) => setTimeout(() => resolve(7), 100)), 20_000);
    await vi.advanceTimersByTimeAsync(100);
    expect(await p).toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes a rejection through and clears its timer', async () => {
    vi.useFakeTimers();
    const p = withTimeout(Promise.reject(new Error('no adapter')), 20_000);
    await expect(p).rejects.toThrow('no adapter');
    expect(vi.getTimerCount()).toBe(0);
  });
});
