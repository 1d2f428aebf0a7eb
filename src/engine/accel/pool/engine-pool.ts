/**
 * The engine's kernel pool: which modules it holds and how it is attached. A host (a worker, a benchmark) says only
 * how many threads, how a helper thread starts and how to wait; the modules are the ones every pooled kernel of this
 * layer expects, built here in the SIMD mode the conv kernels run in:
 *  - 'conv'        the direct conv kernels (wasm/conv-module.ts; kernels/wasm-conv-grad.ts)
 *  - 'winograd'    the Winograd kernels (wasm/winograd-module.ts), only when they run in the same SIMD mode
 *  - 'elementwise' broadcast binary ops, ReLU gradient (wasm/elementwise-module.ts)
 *  - 'fused'       the supernet fast path's SIMD kernels (wasm/fused-module.ts, lanes in fused/lanes.ts)
 *  - then every module registered from outside this layer (registerPoolModule), in registration order.
 * Kernels find their module's pool through pool/registry.ts and run on one thread when there is none.
 */
import { convGradSimdFor, convSimdModule } from '../wasm/conv-module';
import { ELEMENTWISE_FUNCTIONS, elementwiseModuleBytes } from '../wasm/elementwise-module';
import { FUSED_FUNCTIONS, fusedModuleBytes } from '../wasm/fused-module';
import { WINOGRAD_FUNCTIONS, winogradModuleBytes, winogradSimdFor } from '../wasm/winograd-module';
import { wasmHeap } from '../wasm/backend-like';
import { createKernelPool, type KernelPool, type PoolModule, type SpawnHelper } from './kernel-pool';
import { attachKernelPool, kernelPoolFor } from './registry';

export interface StartKernelPoolOptions {
  /** The tfjs wasm backend object (tf.backend()); its heap must be shared (the threaded build). */
  readonly backend: unknown;
  /** Threads in all, the calling thread included (< 2: no pool). */
  readonly threads: number;
  readonly spawn: SpawnHelper;
  /** How long every helper together may take to start. */
  readonly timeoutMs: number;
  /** Resolves after `ms` (the engine has no timers of its own). */
  readonly sleep: (ms: number) => Promise<void>;
}

/** Modules registered from outside this layer, by name (a Map keeps registration order). */
const registered = new Map<string, PoolModule>();
const ENGINE_MODULE_NAMES: readonly string[] = ['conv', 'winograd', 'elementwise', 'fused'];

/**
 * The extension point for kernels of one's own (e.g. the benchmark's, bench/ops/conv-bias-relu-kernels.ts): a module
 * built with wasm/assembler.ts, importing a SHARED memory, that every kernel pool started AFTER this call also holds
 * under `name` (a pool's helpers instantiate their modules once, at start: a pool already running does not get it, and
 * the module's kernels then run on one thread, with the same bits). Its kernels find it with
 * modulePoolFor(memory, name) and run lane lists of the module's own function ids with runLanes. Registering a name
 * again replaces the module; the returned function removes it (for pools started later).
 */
export function registerPoolModule(name: string, module: PoolModule): () => void {
  if (ENGINE_MODULE_NAMES.includes(name)) throw new Error(`registerPoolModule: "${name}" is one of the engine's own modules`);
  registered.set(name, module);
  return () => {
    if (registered.get(name) === module) registered.delete(name);
  };
}

/**
 * The modules of the engine's pool on `memory`, with their names, in the SIMD mode `fma` of the conv kernels: the
 * engine's, then the registered ones.
 */
function engineKernelModules(memory: object, fma: boolean): { modules: PoolModule[]; names: string[] } {
  const modules: PoolModule[] = [convSimdModule(fma, true)];
  const names = ['conv'];
  if (winogradSimdFor(memory)?.fma === fma) {
    modules.push({ bytes: winogradModuleBytes(true, fma), functions: WINOGRAD_FUNCTIONS });
    names.push('winograd');
  }
  // Memory-bound: split in big ops only.
  modules.push({ bytes: elementwiseModuleBytes(true), functions: ELEMENTWISE_FUNCTIONS });
  names.push('elementwise');
  // Big stage calls split into lanes, reductions in fixed chunks.
  modules.push({ bytes: fusedModuleBytes(true), functions: FUSED_FUNCTIONS });
  names.push('fused');
  for (const [name, module] of registered) {
    modules.push(module);
    names.push(name);
  }
  return { modules, names };
}

/**
 * Starts the engine's kernel pool on the backend's shared heap and attaches it, so the engine's kernels split across
 * `threads` threads. Resolves to the pool, or null for fewer than 2 threads; rejects with the reason (no SIMD kernels on
 * the heap, a heap that is not shared, a helper that failed or timed out): the kernels then stay on one thread.
 */
export async function startKernelPool(o: StartKernelPoolOptions): Promise<KernelPool | null> {
  const memory = wasmHeap(o.backend);
  const simd = convGradSimdFor(memory);
  if (memory == null || simd == null) throw new Error('no SIMD kernels on the shared heap');
  const { modules, names } = engineKernelModules(memory, simd.fma);
  const pool = await createKernelPool({ memory, threads: o.threads, modules, spawn: o.spawn, timeoutMs: o.timeoutMs, sleep: o.sleep });
  if (pool) attachKernelPool(memory, pool, simd.fma, names);
  return pool;
}

/** Threads the engine's conv kernels run on for this backend's heap: the attached pool's, else 1. */
export function kernelPoolThreads(backend: unknown): number {
  const memory = wasmHeap(backend);
  const fma = convGradSimdFor(memory)?.fma;
  return fma == null ? 1 : kernelPoolFor(memory, fma)?.pool.threads ?? 1;
}
