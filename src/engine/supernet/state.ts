/**
 * Checkpoints of the one-shot searchers: plain JSON metadata plus named tensors read back as typed arrays
 * (structured-cloneable for IndexedDB; checkpointToJson/checkpointFromJson for a text round trip). A searcher
 * restored with loadStateDict takes exactly the step the saved one would have taken next.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface TensorData {
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  readonly data: Float32Array | Int32Array;
}

export interface OneShotCheckpoint {
  /** JSON-able: strategy name, version, options, counters, rng and stream states, histories. */
  readonly meta: { readonly strategy: string; readonly version: number; readonly [key: string]: unknown };
  readonly tensors: Readonly<Record<string, TensorData>>;
}

/** Everything JSON: typed arrays as number arrays (float32 values survive the round trip exactly). */
export interface JsonCheckpoint {
  readonly meta: OneShotCheckpoint['meta'];
  readonly tensors: Readonly<Record<string, { shape: number[]; dtype: 'float32' | 'int32'; data: number[] }>>;
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

export async function readTensors(named: readonly (readonly [string, tf.Tensor])[]): Promise<Record<string, TensorData>> {
  const out: Record<string, TensorData> = {};
  for (const [name, t] of named) {
    if (name in out) throw new Error(`readTensors: duplicate tensor name ${name}`);
    const data = await t.data();
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    out[name] = { shape: t.shape.slice(), dtype, data: dtype === 'int32' ? Int32Array.from(data as Int32Array) : Float32Array.from(data as Float32Array) };
  }
  return out;
}

export function checkpointToJson(c: OneShotCheckpoint): JsonCheckpoint {
  const tensors: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; data: number[] }> = {};
  for (const [k, t] of Object.entries(c.tensors)) tensors[k] = { shape: t.shape.slice(), dtype: t.dtype, data: Array.from(t.data) };
  return { meta: JSON.parse(JSON.stringify(c.meta)), tensors };
}

export function checkpointFromJson(j: JsonCheckpoint): OneShotCheckpoint {
  if (typeof j !== 'object' || j === null || typeof j.meta !== 'object' || typeof j.tensors !== 'object') {
    throw new CheckpointError('checkpoint must be an object {meta, tensors}');
  }
  const tensors: Record<string, TensorData> = {};
  for (const [k, t] of Object.entries(j.tensors)) {
    tensors[k] = { shape: t.shape.slice(), dtype: t.dtype, data: t.dtype === 'int32' ? Int32Array.from(t.data) : Float32Array.from(t.data) };
  }
  return { meta: j.meta, tensors };
}

/** The stored tensor `name`, checked against the expected shape. */
export function tensorEntry(c: OneShotCheckpoint, name: string, shape: readonly number[]): TensorData {
  const t = c.tensors[name];
  if (!t) throw new CheckpointError(`${c.meta.strategy} checkpoint: tensor "${name}" is missing`);
  if (!Array.isArray(t.shape) || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointError(`${c.meta.strategy} checkpoint: tensor "${name}" has shape [${t.shape}], expected [${shape}] (was it saved from a different supernet?)`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const typed = t.dtype === 'int32' ? t.data instanceof Int32Array : t.dtype === 'float32' && t.data instanceof Float32Array;
  if (!typed || t.data.length !== size) {
    throw new CheckpointError(`${c.meta.strategy} checkpoint: tensor "${name}" must hold ${size} ${t.dtype === 'int32' ? 'int32' : 'float32'} values, got ${t.data?.length ?? 'none'} (${String(t.dtype)} ${t.data?.constructor?.name ?? typeof t.data})`);
  }
  return t;
}

/** Assigns stored tensor `name` into variable v (shape-checked). */
export function assignFrom(c: OneShotCheckpoint, name: string, v: tf.Variable): void {
  const t = tensorEntry(c, name, v.shape);
  const value = tf.tensor(t.data, t.shape, t.dtype);
  v.assign(value);
  value.dispose();
}

/** A new tensor from stored tensor `name` (caller disposes). */
export function tensorFrom(c: OneShotCheckpoint, name: string, shape: readonly number[]): tf.Tensor {
  const t = tensorEntry(c, name, shape);
  return tf.tensor(t.data, t.shape, t.dtype);
}

/** Named tensors of a supernet: weight.i, buffer.i, alpha.<group>, beta.<group>. */
export function supernetTensorList(net: {
  readonly weights: readonly tf.Variable[];
  readonly buffers: readonly tf.Variable[];
  readonly alphas: readonly { name: string; variable: tf.Variable }[];
  readonly betas: readonly { name: string; variable: tf.Variable }[];
}): [string, tf.Variable][] {
  return [
    ...net.weights.map((v, i): [string, tf.Variable] => [`weight.${i}`, v]),
    ...net.buffers.map((v, i): [string, tf.Variable] => [`buffer.${i}`, v]),
    ...net.alphas.map((g): [string, tf.Variable] => [`alpha.${g.name}`, g.variable]),
    ...net.betas.map((g): [string, tf.Variable] => [`beta.${g.name}`, g.variable]),
  ];
}
