/**
 * An opt-in hook on ReLU outputs, for proxies that read activations (NASWOT, Mellor et al., ICML 2021,
 * hooks every ReLU of the network). It is a build-time option of the network, never a global: a network
 * built without a tap applies exactly the plain tf.relu it always did (same kernels, nothing extra).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';

export interface ActivationTap {
  /**
   * Called with every ReLU output of a forward pass of a network built with this tap. It must not keep
   * or dispose the tensor (the forward pass owns it) and must dispose whatever it creates.
   */
  onRelu(out: tf.Tensor): void;
}

/** tf.relu(x), handed to the tap (if any). */
export function tappedRelu<T extends tf.Tensor>(x: T, tap: ActivationTap | undefined): T {
  const y = tf.relu(x);
  tap?.onRelu(y);
  return y;
}

/** A ReLU module: the plain one without a tap. */
export function reluModule(tap?: ActivationTap): Module {
  if (!tap) return { params: [], buffers: [], apply: (x) => tf.relu(x) };
  return { params: [], buffers: [], apply: (x) => tappedRelu(x, tap) };
}
