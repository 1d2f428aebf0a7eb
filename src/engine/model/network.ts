import type * as tf from '@tensorflow/tfjs-core';

/** A built candidate network: its variables and a forward pass from images to logits. */
export interface Network {
  readonly params: readonly tf.Variable[];
  readonly buffers: readonly tf.Variable[];
  /** [N, H, W, C] float images -> [N, classes] logits. Call inside tf.tidy. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** Number of trainable scalars. */
  countParams(): number;
  /** Frees every variable. */
  dispose(): void;
}

export function networkFrom(
  params: readonly tf.Variable[],
  buffers: readonly tf.Variable[],
  forward: (x: tf.Tensor4D, training: boolean) => tf.Tensor2D,
): Network {
  return {
    params,
    buffers,
    forward,
    countParams: () => params.reduce((n, p) => n + p.size, 0),
    dispose: () => {
      for (const v of [...params, ...buffers]) v.dispose();
    },
  };
}
