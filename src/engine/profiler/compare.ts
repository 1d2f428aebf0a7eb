/**
 * The same model on every backend of this device, side by side: end-to-end inference latency (median, p10, p90,
 * CV), the first run (kernel compilation / shader build, weight upload), the tensor memory tfjs holds after the
 * warm-up (tf.memory(): the weights and the input; GPU bytes, pooled textures included, where the backend reports
 * them), and
 * whether the backend runs on a software fallback (then its numbers say nothing about a real GPU).
 * The worker initialises each backend; this file measures on whichever is current and formats the results.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spaceEntry, type SpaceId } from '../space/table';
import type { AbortSignalLike } from '../util/abort';
import { createRng } from '../util/rng';
import type { AnySkeleton } from './instances';
import { throwIfAborted } from '../util/abort';
import { DEFAULT_LATENCY_OPTIONS, measureLatency, type LatencyOptions } from './latency';
import { randomInputs, warmUp } from './lut';

export type ComparisonStatus = 'measured' | 'unavailable' | 'failed';

export interface BackendComparisonRow {
  readonly backend: string;
  readonly status: ComparisonStatus;
  /** GPU backend on a software renderer / fallback adapter (SwiftShader, llvmpipe). */
  readonly softwareFallback: boolean;
  /** Adapter / renderer / WASM features, or why the backend is unavailable or failed. */
  readonly detail: string;
  readonly medianMs: number | null;
  readonly p10Ms: number | null;
  readonly p90Ms: number | null;
  readonly cv: number | null;
  readonly noisy: boolean | null;
  /** The very first forward (compilation, upload). */
  readonly firstRunMs: number | null;
  /** tf.memory().numBytes / numTensors after warm-up (the model's weights and its input). */
  readonly memoryBytes: number | null;
  readonly memoryTensors: number | null;
  /** tf.memory().numBytesInGPU (WebGL) or null where the backend does not report it. */
  readonly gpuBytes: number | null;
}

export interface ComparisonModel {
  readonly spaceId: SpaceId;
  /** Text form of the genotype. */
  readonly arch: string;
  readonly skeleton: AnySkeleton;
  readonly batchSize: number;
  readonly params: number;
}

export interface BackendComparison {
  readonly model: ComparisonModel;
  readonly rows: readonly BackendComparisonRow[];
  readonly userAgent: string;
  readonly hardwareConcurrency: number;
  readonly tfjsVersion: string;
}

export const COMPARE_LATENCY: Omit<LatencyOptions, 'now'> = { ...DEFAULT_LATENCY_OPTIONS, repeats: 12, maxRounds: 2 };
/** Forward passes before timing (and before reading tf.memory()), after the first run. */
export const COMPARE_WARMUP_MS = 300;

export function unavailableRow(backend: string, detail: string, status: ComparisonStatus = 'unavailable', softwareFallback = false): BackendComparisonRow {
  return { backend, status, softwareFallback, detail, medianMs: null, p10Ms: null, p90Ms: null, cv: null, noisy: null, firstRunMs: null, memoryBytes: null, memoryTensors: null, gpuBytes: null };
}

/**
 * Builds the model on the CURRENT backend and measures it: the first forward alone (compilation, upload), then
 * forward passes for `warmupMs` (JIT and kernel caches), tf.memory() at that point, then measureLatency.
 * Disposes everything it made.
 */
export async function measureModelHere(
  model: { readonly spaceId: SpaceId; readonly genotype: unknown; readonly skeleton: AnySkeleton; readonly batchSize: number; readonly seed?: number },
  o: LatencyOptions & { readonly warmupMs?: number },
  signal?: AbortSignalLike,
): Promise<Omit<BackendComparisonRow, 'backend' | 'status' | 'softwareFallback' | 'detail'> & { params: number }> {
  const net = spaceEntry(model.spaceId).buildNetwork(model.genotype, model.skeleton, createRng(model.seed ?? 0));
  const [x] = randomInputs(1, model.batchSize, model.skeleton.inputShape, model.seed ?? 0);
  try {
    const run = async () => {
      throwIfAborted(signal, 'Latency measurement');
      const y = tf.tidy(() => net.forward(x, false));
      await y.data();
      y.dispose();
    };
    const t0 = o.now();
    await run();
    const firstRunMs = o.now() - t0;
    await warmUp(net, model.skeleton.inputShape, model.batchSize, o.warmupMs ?? COMPARE_WARMUP_MS, { now: o.now, signal });
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    const m = await measureLatency(run, model.batchSize, { ...o, warmup: 1 });
    return {
      medianMs: m.medianMs, p10Ms: m.p10Ms, p90Ms: m.p90Ms, cv: m.cv, noisy: m.noisy, firstRunMs,
      memoryBytes: mem.numBytes, memoryTensors: mem.numTensors, gpuBytes: typeof mem.numBytesInGPU === 'number' ? mem.numBytesInGPU : null,
      params: net.countParams(),
    };
  } finally {
    x.dispose();
    net.dispose();
  }
}

export const COMPARISON_CSV_COLUMNS = [
  'backend', 'status', 'software_fallback', 'median_ms', 'p10_ms', 'p90_ms', 'cv', 'noisy', 'first_run_ms',
  'memory_bytes', 'tensors', 'gpu_bytes', 'detail', 'space', 'arch', 'batch', 'params',
] as const;

function csvCell(x: unknown): string {
  if (x === null || x === undefined) return '';
  const s = typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(4)) : String(x);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One header line and one line per backend (RFC 4180 quoting). */
export function comparisonCsv(c: BackendComparison): string {
  const lines = [COMPARISON_CSV_COLUMNS.join(',')];
  for (const r of c.rows) {
    lines.push([
      r.backend, r.status, r.softwareFallback, r.medianMs, r.p10Ms, r.p90Ms, r.cv, r.noisy, r.firstRunMs,
      r.memoryBytes, r.memoryTensors, r.gpuBytes, r.detail, c.model.spaceId, c.model.arch, c.model.batchSize, c.model.params,
    ].map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}
