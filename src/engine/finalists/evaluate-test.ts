/**
 * The honest test evaluation of a re-trained finalist (issue 13, item 2): the locked test split is read through
 * the caller's accessor EXACTLY once, after training, and the numbers come back marked `split: 'test'` so no view
 * can mistake them for validation figures. Metrics: test-metrics.ts (accuracy, per-class precision / recall / F1,
 * macro recall, confusion, ECE with reliability bins), params and MACs from the space's cost counter (the same
 * layout walk as the builder), and, given a clock, batch-1 latency measured on this backend.
 * The split the accessor returns is disposed here once read.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorSplit } from '../evaluator/tensors';
import type { Network } from '../model/network';
import { DEFAULT_LATENCY_OPTIONS, measureLatency, type LatencyOptions } from '../profiler/latency';
import type { ModelSource } from './model-source';
import { classificationMetrics, type ClassificationMetrics } from './test-metrics';

export interface TestEvaluation extends ClassificationMetrics {
  /** These are test-split numbers, measured once. */
  readonly split: 'test';
  /** Trainable parameters (cost counter; equals the built network's count). */
  readonly params: number;
  /** Multiply-accumulates of one image (the cost counter's flops). */
  readonly macs: number;
  /** Median batch-1 latency (ms) on the backend it ran on; absent without a clock. */
  readonly latencyMs?: number;
  readonly backend: string;
}

export interface EvaluateTestOptions {
  readonly net: Network;
  readonly model: ModelSource;
  /** The locked test split; called exactly once. */
  readonly readTest: () => TensorSplit;
  readonly batchSize?: number;
  /** Measure latency with this clock (performance.now). */
  readonly latency?: Partial<Omit<LatencyOptions, 'now'>> & { readonly now: () => number };
}

/** Logits of every image of the split, in order, as one [n, k] buffer. */
async function logitsOf(net: Network, split: TensorSplit, batchSize: number): Promise<{ scores: Float32Array; k: number }> {
  const parts: Float32Array[] = [];
  let k = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    const out = tf.tidy(() => net.forward(tf.slice(split.x, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D, false));
    k = out.shape[1];
    parts.push(Float32Array.from(await out.data() as Float32Array));
    out.dispose();
  }
  const scores = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { scores.set(p, at); at += p.length; }
  return { scores, k };
}

export async function evaluateOnTest(o: EvaluateTestOptions): Promise<TestEvaluation> {
  const cost = o.model.cost;
  const numClasses = cost.numClasses;
  const test = o.readTest();
  let metrics: ClassificationMetrics;
  let shape: [number, number, number];
  try {
    if (test.count === 0) throw new Error('test evaluation: the test split is empty');
    shape = test.x.shape.slice(1) as [number, number, number];
    const { scores, k } = await logitsOf(o.net, test, o.batchSize ?? 256);
    if (k !== numClasses) throw new Error(`test evaluation: the network gives ${k} logits, the cost counter says ${numClasses} classes`);
    metrics = classificationMetrics({ scores, kind: 'logits', labels: await test.y.data() as Int32Array, numClasses: k });
  } finally {
    test.x.dispose();
    test.y.dispose();
  }
  let latencyMs: number | undefined;
  if (o.latency) {
    const input = tf.zeros([1, ...shape]) as tf.Tensor4D;
    try {
      const m = await measureLatency(async () => {
        const y = tf.tidy(() => o.net.forward(input, false));
        await y.data();
        y.dispose();
      }, 1, { ...DEFAULT_LATENCY_OPTIONS, ...o.latency });
      latencyMs = m.medianMs;
    } finally {
      input.dispose();
    }
  }
  return {
    split: 'test',
    ...metrics,
    params: cost.params,
    macs: cost.macs,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    backend: tf.getBackend(),
  };
}
