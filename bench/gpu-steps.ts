/**
 * The training steps whose WebGPU dispatches bench/browser/dispatch-count.ts counts (issue 16 item 5): one supernet
 * weight step (the engine's NB201 and DARTS supernets with the DARTS searcher's weight step, bench/supernet-workload.ts)
 * and one Search-tab candidate training step (an NB201 C16 N1 standalone network, 28x28x1, batch 16, the trainer's
 * SGD step). Variants:
 *  - 'plain':  supernet edges of plain ops (fastPath 'off'); candidate built as usual with `fused.candidate` off;
 *  - 'fast':   supernet fast edges (fastPath 'on') with `fused.webgpu` off (the fused ops' plain fallbacks);
 *  - 'fused':  the same with the accel layer's WGSL kernels (`fused.webgpu` on; the app's default).
 * Sizes: 'bench' = the bench rows' configurations (bench/run.ts) and the candidate; 'tiny' = the same layer
 * counts on small tensors (the e2e test; dispatch counts depend on the layers, not on tensor sizes). Only tfjs-core
 * and the engine are imported (runs in the browser worker and in Node).
 */
import * as tf from '@tensorflow/tfjs-core';
import { withAccelOptions, type AccelOptionsInput } from '../src/engine/accel';
import { spaceEntry } from '../src/engine/space/table';
import { nb201FromString } from '../src/engine/space/nb201/space';
import { Sgd } from '../src/engine/optim/sgd';
import { createRng } from '../src/engine/util/rng';
import { createWorkload, type WorkloadSpec } from './workloads';

export type GpuStepKind = 'nb201-supernet' | 'darts-supernet' | 'candidate';
export type GpuStepVariant = 'plain' | 'fast' | 'fused';
export type GpuStepSize = 'tiny' | 'bench';

export interface GpuStepCase {
  readonly kind: GpuStepKind;
  readonly variant: GpuStepVariant;
  readonly size: GpuStepSize;
}

/** Every NB201 op appears once (conv 3x3, conv 1x1, avg pool, skip, none). */
export const CANDIDATE_GENOTYPE = '|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|';

export interface GpuStep {
  readonly label: string;
  /** One training step, read back; returns the loss. */
  step(): Promise<number>;
  dispose(): void;
}

/** The accel options a variant runs under. */
export function variantOptions(c: GpuStepCase): AccelOptionsInput {
  if (c.kind === 'candidate') return { fused: { candidate: c.variant !== 'plain', webgpu: c.variant === 'fused' } };
  return { fused: { webgpu: c.variant === 'fused' } };
}

export function gpuStepLabel(c: GpuStepCase): string {
  return `${c.kind} ${c.variant} (${c.size})`;
}

function supernetSpec(c: GpuStepCase): WorkloadSpec {
  const impl = c.variant === 'plain' ? 'plain' : 'fast';
  const bench = c.size === 'bench';
  // bench/run.ts's rows: supernet('darts-supernet', 16, 16, 8, 5), supernet('nb201-supernet', 16, 32, 16, 2).
  return c.kind === 'darts-supernet'
    ? { kind: c.kind, size: bench ? 16 : 8, batch: bench ? 16 : 2, channels: bench ? 8 : 4, layers: 5, impl, seed: 4 }
    : { kind: 'nb201-supernet', size: bench ? 16 : 8, batch: bench ? 32 : 2, channels: bench ? 16 : 4, layers: 2, impl, seed: 4 };
}

function candidateStep(c: GpuStepCase): GpuStep {
  const bench = c.size === 'bench';
  const [h, batch, channels] = bench ? [28, 16, 16] : [8, 2, 4];
  const entry = spaceEntry('nb201');
  const skeleton = entry.runSkeleton({ channels, cellsPerStage: 1 }, [h, h, 1], 10);
  const net = entry.buildNetwork(nb201FromString(CANDIDATE_GENOTYPE), skeleton, createRng(7));
  const rng = createRng(8);
  const x = tf.tensor4d(Float32Array.from({ length: batch * h * h }, () => rng.next() * 2 - 1), [batch, h, h, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  const sgd = new Sgd(net.params, { learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  return {
    label: gpuStepLabel(c),
    step: () => sgd.step(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true)) as tf.Scalar),
    dispose() {
      sgd.dispose();
      tf.dispose([x, y]);
      net.dispose();
    },
  };
}

/** Builds the case's step; `step()` runs under the variant's accel options. */
export function createGpuStep(c: GpuStepCase): GpuStep {
  const inner: GpuStep = c.kind === 'candidate' ? candidateStep(c) : (() => {
    const w = createWorkload(supernetSpec(c));
    return { label: gpuStepLabel(c), step: () => w.step(0), dispose: () => w.dispose() };
  })();
  return { ...inner, step: () => withAccelOptions(variantOptions(c), () => inner.step()) };
}
