/**
 * Partial channel connections of PC-DARTS (Xu et al., "PC-DARTS: Partial Channel Connections for
 * Memory-Efficient Architecture Search", ICLR 2020, model_search.py): 1/K of an edge's input channels go through
 * the mixed op, the other (K-1)/K bypass it (max-pooled 2x2 on a stride-2 edge), the two parts are concatenated
 * and the channels shuffled with K groups, so that other channels are sampled by the next edge. As in the
 * official code, the "sample" is the first C/K channels of the (shuffled) input.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * ShuffleNet's channel shuffle in NHWC: channel g * (C/groups) + i moves to position i * groups + g
 * (PyTorch's view(b, groups, C/groups, h, w).transpose(1, 2)).
 */
export function channelShuffle(x: tf.Tensor4D, groups: number): tf.Tensor4D {
  if (groups <= 1) return x;
  const [n, h, w, c] = x.shape;
  if (c % groups !== 0) throw new Error(`channelShuffle: ${c} channels are not divisible into ${groups} groups`);
  return tf.reshape(tf.transpose(tf.reshape(x, [n, h, w, groups, c / groups]), [0, 1, 2, 4, 3]), [n, h, w, c]);
}

/** The permutation channelShuffle applies: output channel o holds input channel perm[o]. */
export function channelShufflePermutation(channels: number, groups: number): number[] {
  const per = channels / groups;
  const perm: number[] = [];
  for (let i = 0; i < per; i++) for (let g = 0; g < groups; g++) perm.push(g * per + i);
  return perm;
}

/**
 * One PC-DARTS edge: `f` sees the first C/K channels (null from f = zeros); the rest bypass; concat; shuffle.
 * `stride` 2 max-pools the bypass (2x2, stride 2) to match f's output.
 */
export function partialChannelEdge(
  x: tf.Tensor4D,
  k: number,
  stride: number,
  f: (part: tf.Tensor4D) => tf.Tensor4D | null,
): tf.Tensor4D {
  if (k <= 1) {
    const y = f(x);
    if (y) return y;
    return stride === 1 ? tf.zerosLike(x) : tf.zerosLike(tf.maxPool(x, 2, 2, 'valid'));
  }
  const [n, h, w, c] = x.shape;
  if (c % k !== 0) throw new Error(`partial channels: ${c} channels are not divisible by K = ${k}`);
  const through = tf.slice(x, [0, 0, 0, 0], [n, h, w, c / k]);
  let bypass = tf.slice(x, [0, 0, 0, c / k], [n, h, w, c - c / k]);
  if (stride !== 1) bypass = tf.maxPool(bypass, 2, 2, 'valid');
  const y = f(through) ?? tf.zeros([n, bypass.shape[1], bypass.shape[2], c / k]);
  return channelShuffle(tf.concat([y, bypass], 3), k);
}
