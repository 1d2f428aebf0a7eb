/**
 * WorkerClient (src/app/worker-client.ts) against a real worker: a node:worker_threads thread exposing a comlink
 * api, behind a small adapter that gives it the DOM Worker's face (message / error events, terminate). Calls in
 * flight are rejected when the client terminates the worker or the worker crashes; a stop that gets no answer
 * in time terminates it; the next call starts a fresh worker. isUserStop tells the stop a user asked for from
 * a crash or a termination nobody asked for.
 */
import { createRequire } from 'node:module';
import { Worker as NodeWorker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserStop, WorkerClient, WorkerTerminatedError, type WorkerLike } from '../../src/app/worker-client';
import type { BackendLostEvent } from '../../src/protocol/backend';

interface TestApi {
  echo(x: number): Promise<number>;
  /** Never settles. */
  hang(): Promise<void>;
  /** Settles after `ms`. */
  sleep(ms: number): Promise<string>;
  /** Throws an uncaught error on the worker's event loop (a crash). */
  crashSoon(): Promise<void>;
  fail(message: string, name?: string): Promise<void>;
}

const comlinkPath = createRequire(import.meta.url).resolve('comlink');

// CommonJS, run with eval: the worker side of a comlink api over parentPort.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const Comlink = require(${JSON.stringify(comlinkPath)});
const listeners = new Map();
const endpoint = {
  postMessage: (m, t) => parentPort.postMessage(m, t),
  addEventListener: (_type, h) => { const l = (data) => h({ data }); listeners.set(h, l); parentPort.on('message', l); },
  removeEventListener: (_type, h) => { parentPort.off('message', listeners.get(h)); listeners.delete(h); },
};
Comlink.expose({
  echo: async (x) => x,
  hang: () => new Promise(() => {}),
  sleep: (ms) => new Promise((r) => setTimeout(() => r('slept'), ms)),
  crashSoon: async () => { setTimeout(() => { throw new Error('kernel exploded'); }, 5); return new Promise(() => {}); },
  fail: async (message, name) => { const e = new Error(message); e.name = name ?? 'DatasetFormatError'; throw e; },
}, endpoint);
`;

const threads: NodeWorker[] = [];

/** The DOM Worker's face on a worker thread: 'message' events carry `data`, 'error' events a `message`. */
function spawnThread(): WorkerLike {
  const w = new NodeWorker(WORKER_SOURCE, { eval: true });
  threads.push(w);
  const wrapped = new Map<unknown, (x: unknown) => void>();
  return {
    // These calls transfer nothing (no Comlink.proxy arguments), so the transfer list is not needed.
    postMessage: (m: unknown) => w.postMessage(m),
    addEventListener: (type: string, h: EventListenerOrEventListenerObject) => {
      const call = (ev: object) => (typeof h === 'function' ? h(ev as Event) : h.handleEvent(ev as Event));
      const l = type === 'message' ? (data: unknown) => call({ data }) : (err: unknown) => call({ message: err instanceof Error ? err.message : String(err) });
      wrapped.set(h, l);
      w.on(type === 'message' ? 'message' : 'error', l);
    },
    removeEventListener: (type: string, h: EventListenerOrEventListenerObject) => {
      const l = wrapped.get(h);
      if (l) w.off(type === 'message' ? 'message' : 'error', l);
    },
    terminate: () => { void w.terminate(); },
  };
}

class TestClient extends WorkerClient<TestApi, never> {
  spawned = 0;
  constructor() {
    super(() => { this.spawned++; return spawnThread(); }, 'the test worker');
  }
  echo(x: number) { return this.remote().echo(x); }
  hang() { return this.remote().hang(); }
  sleep(ms: number) { return this.remote().sleep(ms); }
  crashSoon() { return this.remote().crashSoon(); }
  fail(m: string) { return this.remote().fail(m); }
  sleepUnless(signal: AbortSignal, ms: number) { return this.abortable(signal, (api) => api.sleep(ms)); }
  stop(ask: (api: TestApi) => Promise<unknown>, graceMs: number) {
    return this.askOrTerminate((api) => ask(api as unknown as TestApi), graceMs);
  }
}

/** A client whose test plays the worker's events (the same emit a worker's comlink proxy calls). */
class EventClient extends WorkerClient<TestApi, BackendLostEvent | { readonly type: 'note' }> {
  spawned = 0;
  constructor() {
    super(() => { this.spawned++; return spawnThread(); }, 'the test worker');
  }
  echo(x: number) { return this.remote().echo(x); }
  sleep(ms: number) { return this.remote().sleep(ms); }
  event(e: BackendLostEvent | { readonly type: 'note' }) { this.emit(e); }
  fail(m: string, name?: string) { return this.remote().fail(m, name); }
}

afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.terminate()));
});

describe('WorkerClient', () => {
  it('starts the worker lazily, once, and passes calls and errors through (name and message)', async () => {
    const c = new TestClient();
    expect(c.spawned).toBe(0);
    expect(await c.echo(41)).toBe(41);
    expect(await c.echo(42)).toBe(42);
    expect(c.spawned).toBe(1);
    await expect(c.fail('bad header')).rejects.toMatchObject({ name: 'DatasetFormatError', message: 'bad header' });
    c.terminate();
  });

  it('terminate() rejects every call in flight with an AbortError; the next call starts a fresh worker', async () => {
    const c = new TestClient();
    const a = c.hang();
    const b = c.sleep(60_000);
    await c.echo(1); // both calls have reached the worker
    c.terminate();
    await expect(a).rejects.toBeInstanceOf(WorkerTerminatedError);
    await expect(a).rejects.toMatchObject({ name: 'AbortError', message: 'Cancelled: the test worker was stopped', crashed: false });
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    expect(await c.echo(7)).toBe(7);
    expect(c.spawned).toBe(2);
    c.terminate();
  });

  it('a crash (the worker\'s error event) rejects the calls in flight with WorkerCrashedError', async () => {
    const c = new TestClient();
    const pending = c.hang();
    const crash = c.crashSoon();
    await expect(crash).rejects.toMatchObject({ name: 'WorkerCrashedError', crashed: true, message: expect.stringMatching(/The test worker crashed: kernel exploded/) });
    await expect(pending).rejects.toMatchObject({ name: 'WorkerCrashedError' });
    expect(await c.echo(3)).toBe(3);
    expect(c.spawned).toBe(2);
    c.terminate();
  });

  it('askOrTerminate: an answer in time keeps the worker; no answer terminates it and rejects what was in flight', async () => {
    const c = new TestClient();
    expect(await c.stop((api) => api.echo(0), 5_000)).toBe('answered');
    const running = c.hang();
    expect(await c.stop((api) => api.hang(), 50)).toBe('terminated');
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(c.spawned).toBe(1);
    // Before any call there is nothing to stop.
    expect(await new TestClient().stop((api) => api.hang(), 10)).toBe('answered');
  });

  it('abortable(): aborting the signal terminates the worker and rejects the call; an aborted signal never reaches it', async () => {
    const c = new TestClient();
    const ac = new AbortController();
    const call = c.sleepUnless(ac.signal, 60_000);
    const other = c.hang();
    await c.echo(0);
    ac.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    await expect(other).rejects.toMatchObject({ name: 'AbortError' });
    await expect(c.sleepUnless(ac.signal, 1)).rejects.toMatchObject({ name: 'AbortError', message: 'Cancelled before the test worker was asked' });
    expect(c.spawned).toBe(1);
    // Not aborted: the answer comes back and the listener is gone.
    expect(await c.sleepUnless(new AbortController().signal, 1)).toBe('slept');
    expect(c.spawned).toBe(2);
    c.terminate();
  });

  it('isUserStop: a rejection after the stop the user asked for is a stop; a crash, a failure or an unasked stop is not', async () => {
    const c = new TestClient();
    const running = c.hang();
    expect(await c.stop((api) => api.hang(), 50)).toBe('terminated');
    const stopped = await running.catch((e: unknown) => e);
    expect(isUserStop(stopped, true)).toBe(true);
    expect(isUserStop(stopped, false)).toBe(false);

    const crashed = await c.crashSoon().catch((e: unknown) => e);
    expect(crashed).toMatchObject({ name: 'WorkerCrashedError' });
    expect(isUserStop(crashed, true)).toBe(false);

    const failed = await c.fail('bad header').catch((e: unknown) => e);
    expect(isUserStop(failed, true)).toBe(false);
    // A job's own cooperative cancel crosses the boundary as an AbortError too (workers/job.ts).
    expect(isUserStop(Object.assign(new Error('The profiler job was cancelled'), { name: 'AbortError' }), true)).toBe(true);
    expect(isUserStop(null, true)).toBe(false);
    expect(isUserStop('AbortError', true)).toBe(false);
    c.terminate();
  });

  it('a backend-lost event replaces the worker once its calls have settled (none rejected); the next call gets a fresh one', async () => {
    const c = new EventClient();
    const seen: string[] = [];
    c.on((e) => seen.push(e.type));
    const running = c.sleep(100);
    await c.echo(0);
    const first = threads[0];
    const exited = new Promise<'exited'>((resolve) => first.once('exit', () => resolve('exited')));
    c.event({ type: 'note' });
    c.event({ type: 'backend-lost', backend: 'webgpu', message: 'The webgpu backend was lost (the GPU device was destroyed).' });
    // The job in flight still answers (it stored its run as paused); only then does the worker go.
    expect(await running).toBe('slept');
    expect(await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000))])).toBe('exited');
    expect(seen).toEqual(['note', 'backend-lost']);
    expect(await c.echo(5)).toBe(5);
    expect(c.spawned).toBe(2);
    // Without a loss the worker stays.
    c.event({ type: 'note' });
    expect(await c.echo(6)).toBe(6);
    expect(c.spawned).toBe(2);
    // A worker whose backend was lost while idle refuses the next job with a BackendLostError: it is replaced too.
    await expect(c.fail('The webgl backend was lost (...). This worker cannot train any more', 'BackendLostError')).rejects.toMatchObject({ name: 'BackendLostError' });
    expect(await c.echo(7)).toBe(7);
    expect(c.spawned).toBe(3);
    c.terminate();
  });
});
