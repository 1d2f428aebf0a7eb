/**
 * A promise with a time limit, for the browser calls that can wait for ever (a wedged GPU process's requestAdapter(),
 * a threaded WASM start whose pthread workers never load).
 */

/** What `promise` settles to, or 'timeout' if it has not settled within `ms`; the timer is cleared either way. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
