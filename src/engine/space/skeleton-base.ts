/**
 * What every macro skeleton (the fixed network around a genotype; space/<id>/skeleton.ts) shares: the input
 * shape and the checks of its settings. The builder, the cost counter and the latency-table pieces of a space
 * all walk the same network (space/<id>/layout.ts). Shapes are NHWC without the batch axis: [height, width, channels].
 * Conventions common to every network (the cost counters count exactly these weights):
 *  - every conv has NO bias (each is followed by BatchNorm), except where stated;
 *  - BatchNorm: gamma + beta are trainable params; moving mean + variance are non-trainable (not "params",
 *    but tf.LayersModel.countParams() includes them: params + nonTrainable);
 *  - dense layers have a bias; spatial size after a stride-s layer is ceil(size / s) (same padding).
 */
export type InputShape = readonly [height: number, width: number, channels: number];

/** Throws `path: must be an integer in 1..max` unless x is one. */
export function checkPositiveInt(path: string, x: unknown, max = 1 << 20): void {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > max) throw new Error(`${path}: must be an integer in 1..${max}, got ${JSON.stringify(x)}`);
}

/** An [height, width, channels] shape whose height and width the network can halve log2(divisor) times. */
export function checkInputShape(path: string, shape: unknown, divisor: number): InputShape {
  if (!Array.isArray(shape) || shape.length !== 3) throw new Error(`${path}: must be [height, width, channels], got ${JSON.stringify(shape)}`);
  shape.forEach((d, i) => checkPositiveInt(`${path}[${i}]`, d, 1 << 14));
  if (divisor > 1 && (shape[0] % divisor !== 0 || shape[1] % divisor !== 0)) {
    throw new Error(`${path}: height and width must be multiples of ${divisor} (the network halves them ${Math.log2(divisor)} times), got ${shape[0]}x${shape[1]}`);
  }
  return [shape[0], shape[1], shape[2]];
}
