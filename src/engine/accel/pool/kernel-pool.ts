/**
 * A pool of helper threads that run the engine's own WebAssembly kernels on a SHARED WebAssembly.Memory (the
 * threaded tfjs wasm heap, or a standalone shared memory in tests), so one kernel is split across threads.
 *
 * Work is a list of LANES; a lane is a sequence of calls (function id + i32 args) that one thread runs in order.
 * Different lanes must write disjoint memory. Every thread, the calling one included, claims lanes dynamically from one
 * Atomics word of a control SharedArrayBuffer that holds (generation << 13 | next lane), by compare-exchange: a claim is
 * valid only for the generation it names, so a helper that wakes late can never take a lane of a later generation by
 * mistake. Helpers sleep in Atomics.wait on that word; the caller publishes a generation (lane table, calls, then the
 * word) and Atomics.notify's them, runs lanes itself, then waits until the done-lane counter reaches the lane count —
 * not for every helper to wake (on a loaded machine a descheduled helper would stall every kernel). No postMessage per
 * job (messages only start the helpers). Because a lane's calls run in the same order as on one thread, and lanes write
 * disjoint memory, the results are BIT-IDENTICAL to `runLanesInline` (one thread), the same executor the caller uses.
 *
 * Pure engine code: the host supplies how a helper is started (`spawn`: a Blob-URL Worker in the browser,
 * worker_threads under Node) and how to wait (`sleep`); the helper's source is helper-source.ts.
 * (Fork-join with a shared work counter, as in OpenMP's dynamic schedule; here over futex-style Atomics.wait/notify.)
 */
import { KERNEL_POOL_HELPER_SOURCE } from './helper-source';
import { isSharedMemory, wasmApi } from '../wasm/assembler';

/** A wasm module the pool instantiates on every thread: it must import `env.memory` (shared) and export `functions`. */
export interface PoolModule {
  readonly bytes: Uint8Array;
  readonly functions: readonly string[];
}

/** The few things the pool needs from a started helper thread. */
export interface HelperPort {
  postMessage(msg: unknown): void;
  /** Messages from the helper (structured-cloned data). */
  onMessage(cb: (msg: unknown) => void): void;
  /** A helper that fails to load or throws outside a kernel (optional: the start timeout covers hosts without it). */
  onError?(cb: (message: string) => void): void;
  terminate(): void;
}

/** Starts one helper thread running `source` (self-contained JS, see helper-source.ts). */
export type SpawnHelper = (source: string) => HelperPort;

export interface KernelPoolOptions {
  /** A shared WebAssembly.Memory (its buffer is a SharedArrayBuffer). */
  readonly memory: object;
  /** Threads in all, the calling thread included (>= 2 for a pool). */
  readonly threads: number;
  readonly modules: readonly PoolModule[];
  readonly spawn: SpawnHelper;
  /** How long every helper together may take to answer 'ready'. */
  readonly timeoutMs: number;
  /** Resolves after `ms` (the engine has no timers of its own). */
  readonly sleep: (ms: number) => Promise<void>;
}

export type KernelFn = (...args: number[]) => void;

/** Ints per call in a lane list and in the control buffer: function id + up to 11 i32 arguments. */
export const CALL_INTS = 12;
const MAX_ARGS = CALL_INTS - 1;

/**
 * A growable list of lanes of calls. `lane()` starts a lane; `call(fn, ...args)` appends a call to it. Lanes with no
 * calls are dropped.
 */
export class LaneList {
  calls = new Int32Array(CALL_INTS * 64);
  /** laneStart[i] = index of lane i's first call; laneStart[lanes] = number of calls. */
  laneStart: number[] = [0];
  callCount = 0;

  get lanes(): number {
    return this.laneStart.length - 1;
  }

  /** Ends the current lane (if it has calls) and starts a new one. */
  lane(): this {
    if (this.callCount > this.laneStart[this.laneStart.length - 1]) this.laneStart.push(this.callCount);
    return this;
  }

  call(fn: number, ...args: number[]): this {
    if (args.length > MAX_ARGS) throw new Error(`kernel pool: a call takes at most ${MAX_ARGS} arguments, got ${args.length}`);
    if ((this.callCount + 1) * CALL_INTS > this.calls.length) {
      const grown = new Int32Array(this.calls.length * 2);
      grown.set(this.calls);
      this.calls = grown;
    }
    const o = this.callCount * CALL_INTS;
    this.calls[o] = fn;
    for (let i = 0; i < args.length; i++) this.calls[o + 1 + i] = args[i];
    for (let i = args.length; i < MAX_ARGS; i++) this.calls[o + 1 + i] = 0;
    this.callCount++;
    return this;
  }

  /** Closes the last lane; returns this (idempotent). */
  finish(): this {
    return this.lane();
  }
}

/** Runs calls [from, to) of `calls` (CALL_INTS ints each) on this thread, in order. */
function runCalls(fns: readonly KernelFn[], calls: Int32Array, from: number, to: number): void {
  for (let c = from; c < to; c++) {
    const o = c * CALL_INTS;
    const f = fns[calls[o]];
    f(calls[o + 1], calls[o + 2], calls[o + 3], calls[o + 4], calls[o + 5], calls[o + 6], calls[o + 7], calls[o + 8],
      calls[o + 9], calls[o + 10], calls[o + 11]);
  }
}

const functionTables = new WeakMap<object, readonly KernelFn[]>();

/**
 * The functions `names` of a module instance's exports, in that order: the table lanes of that module run with on this
 * thread (runLanesInline). Built once per instance.
 */
export function functionTable(exports: object, names: readonly string[]): readonly KernelFn[] {
  let t = functionTables.get(exports);
  if (!t) {
    t = names.map((name) => {
      const f = (exports as Record<string, unknown>)[name];
      if (typeof f !== 'function') throw new Error(`kernel pool: the module exports no function "${name}"`);
      return f as KernelFn;
    });
    functionTables.set(exports, t);
  }
  return t;
}

/** Every lane, one after the other, on this thread: what the pool computes, bit for bit. */
export function runLanesInline(fns: readonly KernelFn[], list: LaneList): void {
  list.finish();
  runCalls(fns, list.calls, 0, list.laneStart[list.lanes]);
}

/** Layout of the control buffer (Int32 indices); shared with helper-source.ts. */
export const CTL = {
  /** (generation << LANE_BITS) | next lane to claim; LANES: (generation << LANE_BITS) | that generation's lane count. */
  NEXT: 0, LANES: 1, DONE: 2, STOP: 3, ERROR: 4, HELPERS: 5, HELPER_LANES: 6,
  /** Lane table: LANE0 + i = first call of lane i (LANES + 1 entries). */
  LANE0: 16,
} as const;
/** Bits of the claim word for the lane index (MAX_LANES must stay below 2^LANE_BITS); the rest (18) for the generation. */
export const LANE_BITS = 13;
const GEN_MASK = (1 << 18) - 1;
export const MAX_LANES = 4096;
export const MAX_CALLS = 16384;
const CALLS0 = CTL.LANE0 + MAX_LANES + 1;
const CTL_INTS = CALLS0 + MAX_CALLS * CALL_INTS;

export interface KernelPool {
  /** Threads in all, the calling thread included. */
  readonly threads: number;
  /** The pool's function ids: index in the concatenation of the modules' `functions`. */
  readonly functions: readonly string[];
  /**
   * Runs every lane of `list` across the threads and returns when all are done (synchronous: the calling thread must
   * be allowed to Atomics.wait, i.e. a worker or Node). Throws if a kernel failed on any thread (the outputs are then
   * undefined); the pool is then unusable. `base` is added to every call's function id: the list's ids are then
   * indices into one module's functions, and `base` that module's first id in the pool (`moduleBases`).
   */
  run(list: LaneList, base?: number): void;
  /** The pool id of each module's first function (module order as in the options). */
  readonly moduleBases: readonly number[];
  /** Stops and terminates the helpers (idempotent). */
  dispose(): void;
  /** Counters since the start: generations run, lanes run, and of those the lanes the helpers took. */
  stats(): { generations: number; lanes: number; helperLanes: number };
  readonly disposed: boolean;
  /** False once disposed or after a failure (kernelPoolFor then stops handing it out: kernels run on one thread). */
  readonly usable: boolean;
}

/** Instantiates the modules on `memory` on this thread; the function table in pool-id order. */
export function instantiatePoolModules(memory: object, modules: readonly PoolModule[]): KernelFn[] {
  const api = wasmApi();
  if (!api) throw new Error('kernel pool: this engine has no WebAssembly');
  const fns: KernelFn[] = [];
  for (const m of modules) {
    const exports = new api.Instance(new api.Module(m.bytes), { env: { memory } }).exports;
    for (const name of m.functions) {
      const f = exports[name];
      if (typeof f !== 'function') throw new Error(`kernel pool: the module exports no function "${name}"`);
      fns.push(f as KernelFn);
    }
  }
  return fns;
}

/**
 * Starts `threads - 1` helpers on `memory` and resolves to the pool once every helper answered 'ready'; resolves to
 * null when `threads` < 2 (nothing to split). Rejects with a specific error (memory not shared, Atomics.wait not
 * allowed on this thread, a helper that errors or does not answer within `timeoutMs`), after terminating every
 * helper it started: callers then run the kernels on one thread.
 */
export async function createKernelPool(opts: KernelPoolOptions): Promise<KernelPool | null> {
  const threads = Math.floor(opts.threads);
  if (!(threads >= 2)) return null;
  if (threads > 64) throw new Error(`kernel pool: ${opts.threads} threads requested, at most 64 are supported`);
  if (!isSharedMemory(opts.memory)) throw new Error('kernel pool: the wasm memory is not shared (needs a cross-origin-isolated page and the threaded wasm build)');
  if (opts.modules.length === 0) throw new Error('kernel pool: no modules to run');
  const ctlBuffer = new SharedArrayBuffer(CTL_INTS * 4);
  const ctl = new Int32Array(ctlBuffer);
  try {
    Atomics.wait(ctl, CTL.NEXT, 1, 0); // throws where this thread may not block (a browser's main thread)
  } catch (e) {
    throw new Error(`kernel pool: this thread may not block in Atomics.wait (${e instanceof Error ? e.message : String(e)})`);
  }
  const fns = instantiatePoolModules(opts.memory, opts.modules);
  const helpers = threads - 1;
  ctl[CTL.HELPERS] = helpers;
  const ports: HelperPort[] = [];
  const terminateAll = () => { for (const p of ports) { try { p.terminate(); } catch { /* already gone */ } } };
  let lastHelperError: string | undefined;
  try {
    const ready = Promise.all(Array.from({ length: helpers }, (_, i) => new Promise<void>((resolve, reject) => {
      const port = opts.spawn(KERNEL_POOL_HELPER_SOURCE);
      ports.push(port);
      port.onMessage((msg) => {
        const m = msg as { type?: string; message?: string };
        if (m?.type === 'ready') resolve();
        else if (m?.type === 'error') {
          lastHelperError = m.message ?? 'unknown error';
          reject(new Error(`kernel pool: helper ${i + 1} failed: ${lastHelperError}`));
        }
      });
      port.onError?.((message) => {
        lastHelperError = message;
        reject(new Error(`kernel pool: helper ${i + 1} failed to start: ${message}`));
      });
      port.postMessage({ type: 'start', memory: opts.memory, control: ctlBuffer, modules: opts.modules.map((m) => ({ bytes: m.bytes, functions: [...m.functions] })) });
    })));
    let timedOut = false;
    await Promise.race([ready, opts.sleep(opts.timeoutMs).then(() => { timedOut = true; })]);
    if (timedOut) throw new Error(`kernel pool: ${helpers} helper thread(s) did not start within ${opts.timeoutMs} ms`);
  } catch (e) {
    terminateAll();
    throw e;
  }

  let disposed = false;
  let broken: string | null = null;
  let generations = 0;
  let lanesRun = 0;
  const functions = opts.modules.flatMap((m) => m.functions);
  const moduleBases = opts.modules.map((_, i) => opts.modules.slice(0, i).reduce((a, m) => a + m.functions.length, 0));
  const calls0 = CALLS0;

  let gen = 0;
  /** Claims and runs lanes of generation `g` until none is left; errors are counted as done and returned. */
  const work = (g: number, nLanes: number): unknown => {
    let failure: unknown = null;
    const callView = ctl.subarray(calls0);
    let v = Atomics.load(ctl, CTL.NEXT);
    for (;;) {
      if (v >>> LANE_BITS !== g) return failure;
      const i = v & ((1 << LANE_BITS) - 1);
      if (i >= nLanes) return failure;
      const w = Atomics.compareExchange(ctl, CTL.NEXT, v, v + 1);
      if (w !== v) { v = w; continue; }
      try {
        runCalls(fns, callView, ctl[CTL.LANE0 + i], ctl[CTL.LANE0 + i + 1]);
      } catch (e) {
        failure ??= e;
      }
      Atomics.add(ctl, CTL.DONE, 1);
      v = Atomics.load(ctl, CTL.NEXT);
    }
  };

  /** One generation: lanes [0, nLanes) whose calls are already in the control buffer. */
  const generation = (nLanes: number) => {
    generations++;
    lanesRun += nLanes;
    gen = (gen + 1) & GEN_MASK;
    // The lane count names its generation too: a helper that still holds the previous generation's claim word must not
    // read this count as that generation's (it would claim a lane twice: tests/integration/kernel-pool-race.test.ts).
    Atomics.store(ctl, CTL.LANES, (gen << LANE_BITS) | nLanes);
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.store(ctl, CTL.NEXT, gen << LANE_BITS);
    Atomics.notify(ctl, CTL.NEXT);
    const own = work(gen, nLanes);
    // Wait for the lanes the helpers took (a short spin first: they are usually nearly done).
    let waited = 0;
    for (let spin = 0; ; spin++) {
      const d = Atomics.load(ctl, CTL.DONE);
      if (d >= nLanes) break;
      if (spin < 2000) continue;
      if (Atomics.wait(ctl, CTL.DONE, d, 1000) === 'timed-out' && ++waited >= 60) {
        broken = 'a helper thread stopped responding';
        throw new Error(`kernel pool: ${broken} (waited 60 s for its lanes)`);
      }
    }
    if (own) {
      broken = `a kernel failed on the calling thread (${own instanceof Error ? own.message : String(own)})`;
      throw own;
    }
    if (Atomics.load(ctl, CTL.ERROR) !== 0) {
      broken = `a helper thread failed in a kernel${lastHelperError ? ` (${lastHelperError})` : ''}`;
      throw new Error(`kernel pool: ${broken}`);
    }
  };

  const pool: KernelPool = {
    threads,
    functions,
    get disposed() { return disposed; },
    get usable() { return !disposed && broken == null; },
    stats: () => ({ generations, lanes: lanesRun, helperLanes: Atomics.load(ctl, CTL.HELPER_LANES) }),
    moduleBases,
    run(list: LaneList, base = 0): void {
      if (disposed) throw new Error('kernel pool: run() after dispose()');
      if (broken) throw new Error(`kernel pool: unusable, ${broken}`);
      list.finish();
      const { calls, laneStart } = list;
      const nl = list.lanes;
      let lane = 0;
      let from = laneStart[0];
      // Pack lanes into generations of at most MAX_LANES lanes / MAX_CALLS calls. A lane longer than MAX_CALLS is cut
      // into pieces that run in consecutive generations, so its calls still run in order.
      while (lane < nl) {
        let n = 0;
        let used = 0;
        while (lane < nl && n < MAX_LANES && used < MAX_CALLS) {
          const take = Math.min(laneStart[lane + 1] - from, MAX_CALLS - used);
          ctl[CTL.LANE0 + n] = used;
          const at = calls0 + used * CALL_INTS;
          ctl.set(calls.subarray(from * CALL_INTS, (from + take) * CALL_INTS), at);
          if (base !== 0) for (let c = 0; c < take; c++) ctl[at + c * CALL_INTS] += base;
          used += take;
          n++;
          from += take;
          if (from === laneStart[lane + 1]) lane++;
        }
        ctl[CTL.LANE0 + n] = used;
        generation(n);
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      Atomics.store(ctl, CTL.STOP, 1);
      gen = (gen + 1) & GEN_MASK;
      Atomics.store(ctl, CTL.LANES, gen << LANE_BITS);
      Atomics.store(ctl, CTL.NEXT, gen << LANE_BITS);
      Atomics.notify(ctl, CTL.NEXT);
      terminateAll();
    },
  };
  return pool;
}
