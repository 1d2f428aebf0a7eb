/**
 * The engine is compiled without DOM/worker libs, so it names only the part of AbortSignal it reads.
 * A real AbortSignal (browser, worker or Node) satisfies it.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
}

export class AbortedError extends Error {
  constructor(what = 'Operation') {
    super(`${what} was cancelled`);
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal: AbortSignalLike | undefined, what?: string): void {
  if (signal?.aborted) throw new AbortedError(what);
}
