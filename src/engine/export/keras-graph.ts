/**
 * The Keras functional graph the tfjs exporter (tfjs-layers.ts) writes: a builder that appends Keras layer JSON with
 * inbound nodes, tracks each tensor's [h, w, c], and collects the weights to write by name (`layer/weight`). Weighted
 * layers are declared first (reserving the engine variables they own, in the builder's creation order) and applied
 * later, so a layer the graph never reaches is checked but not written. Every helper is one engine op expressed with
 * layers tfjs-layers 4.22 deserializes; the equivalences are listed in tfjs-layers.ts's header.
 */
import type { ExpectedVariable } from './variables';

/** Keras JSON of one layer in a functional model's config.layers. */
export interface KerasLayerJson {
  readonly class_name: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly inbound_nodes: [string, number, number, Record<string, never>][][];
}

/** Where a written weight's values come from. */
export type Source = { readonly list: 'params' | 'buffers'; readonly index: number } | { readonly constant: Float32Array };

export interface WeightOut {
  readonly name: string;
  readonly shape: readonly number[];
  readonly source: Source;
}

/** A tensor of the graph: the name of the layer whose (only) output it is, and its [h, w, c]. */
export interface GraphTensor {
  readonly ref: string;
  readonly shape: readonly [number, number, number];
}

export type Apply = (x: GraphTensor) => GraphTensor;
const CF = 'channels_last';

/** Builds the functional graph; weighted layers reserve their engine variables when declared. */
export class Graph {
  readonly layers: KerasLayerJson[] = [];
  readonly params: ExpectedVariable[] = [];
  readonly buffers: ExpectedVariable[] = [];
  readonly weights: WeightOut[] = [];
  private names = new Set<string>();
  private auto = new Map<string, number>();

  private reserve(list: 'params' | 'buffers', name: string, shape: readonly number[]): WeightOut {
    const slots = list === 'params' ? this.params : this.buffers;
    slots.push({ name, engineShape: shape });
    return { name, shape, source: { list, index: slots.length - 1 } };
  }

  /** A fresh layer name `${prefix}_${n}`. */
  fresh(prefix: string): string {
    const n = this.auto.get(prefix) ?? 0;
    this.auto.set(prefix, n + 1);
    return `${prefix}_${n}`;
  }

  node(className: string, name: string, config: Record<string, unknown>, inputs: readonly GraphTensor[], shape: readonly [number, number, number], weights: readonly WeightOut[] = []): GraphTensor {
    if (this.names.has(name)) throw new Error(`tfjs export: duplicate layer name ${name}`);
    this.names.add(name);
    this.layers.push({
      class_name: className,
      name,
      config: { name, trainable: true, dtype: 'float32', ...config },
      inbound_nodes: inputs.length === 0 ? [] : [inputs.map((t) => [t.ref, 0, 0, {}] as [string, number, number, Record<string, never>])],
    });
    for (const w of weights) this.weights.push({ ...w, name: `${name}/${w.name}` });
    return { ref: name, shape };
  }

  input(shape: readonly [number, number, number]): GraphTensor {
    return this.node('InputLayer', 'input', { batch_input_shape: [null, ...shape], sparse: false }, [], shape);
  }

  pad(x: GraphTensor, p: number): GraphTensor {
    if (p === 0) return x;
    const [h, w, c] = x.shape;
    return this.node('ZeroPadding2D', this.fresh('pad'), { padding: [[p, p], [p, p]], data_format: CF }, [x], [h + 2 * p, w + 2 * p, c]);
  }

  /** Conv2D k x k, symmetric padding (k-1)/2, no bias; declares its kernel now. */
  conv(name: string, cIn: number, cOut: number, k: number, stride = 1): Apply {
    const kernel = this.reserve('params', `${name}/kernel`, [k, k, cIn, cOut]);
    return (x) => {
      const p = this.pad(x, (k - 1) >> 1);
      const [h, w] = validOut(p.shape, k, stride, 1);
      return this.node('Conv2D', name, {
        filters: cOut, kernel_size: [k, k], strides: [stride, stride], padding: 'valid', data_format: CF,
        dilation_rate: [1, 1], activation: 'linear', use_bias: false,
      }, [p], [h, w, cOut], [{ ...kernel, name: 'kernel' }]);
    };
  }

  /** DepthwiseConv2D k x k (multiplier 1), symmetric padding, no bias. */
  depthwise(name: string, c: number, k: number, stride = 1): Apply {
    const kernel = this.reserve('params', `${name}/depthwise_kernel`, [k, k, c, 1]);
    return (x) => {
      const p = this.pad(x, (k - 1) >> 1);
      const [h, w] = validOut(p.shape, k, stride, 1);
      return this.node('DepthwiseConv2D', name, {
        kernel_size: [k, k], strides: [stride, stride], padding: 'valid', data_format: CF, depth_multiplier: 1,
        dilation_rate: [1, 1], activation: 'linear', use_bias: false,
      }, [p], [h, w, c], [{ ...kernel, name: 'depthwise_kernel' }]);
    };
  }

  /** SeparableConv2D: depthwise k x k (dilation) then pointwise to cOut, symmetric padding, no bias. */
  separable(name: string, c: number, cOut: number, k: number, stride: number, dilation: number): Apply {
    const dw = this.reserve('params', `${name}/depthwise_kernel`, [k, k, c, 1]);
    const pw = this.reserve('params', `${name}/pointwise_kernel`, [1, 1, c, cOut]);
    // tfjs refuses stride > 1 together with dilation > 1: run at stride 1 and subsample (the same sums).
    const convStride = dilation > 1 ? 1 : stride;
    return (x) => {
      const p = this.pad(x, ((k - 1) * dilation) >> 1);
      const [h, w] = validOut(p.shape, k, convStride, dilation);
      const y = this.node('SeparableConv2D', name, {
        filters: cOut, kernel_size: [k, k], strides: [convStride, convStride], padding: 'valid', data_format: CF,
        dilation_rate: [dilation, dilation], depth_multiplier: 1, activation: 'linear', use_bias: false,
      }, [p], [h, w, cOut], [{ ...dw, name: 'depthwise_kernel' }, { ...pw, name: 'pointwise_kernel' }]);
      return convStride === stride ? y : this.subsample(y, stride);
    };
  }

  bn(name: string, c: number, affine = true): Apply {
    const own: WeightOut[] = [];
    if (affine) {
      own.push({ ...this.reserve('params', `${name}/gamma`, [c]), name: 'gamma' });
      own.push({ ...this.reserve('params', `${name}/beta`, [c]), name: 'beta' });
    }
    own.push({ ...this.reserve('buffers', `${name}/moving_mean`, [c]), name: 'moving_mean' });
    own.push({ ...this.reserve('buffers', `${name}/moving_variance`, [c]), name: 'moving_variance' });
    return (x) => this.node('BatchNormalization', name, {
      axis: -1, momentum: 0.9, epsilon: 1e-5, center: affine, scale: affine,
    }, [x], x.shape, own);
  }

  /** Dense on the [N, features] output of a pooling layer (shape kept as [1, 1, units] here). */
  dense(name: string, inF: number, outF: number, activation: 'linear' | 'relu' | 'sigmoid' = 'linear'): Apply {
    const kernel = this.reserve('params', `${name}/kernel`, [inF, outF]);
    const bias = this.reserve('params', `${name}/bias`, [outF]);
    return (x) => this.node('Dense', name, { units: outF, activation, use_bias: true }, [x], [1, 1, outF],
      [{ ...kernel, name: 'kernel' }, { ...bias, name: 'bias' }]);
  }

  act(x: GraphTensor, activation: 'relu' | 'relu6'): GraphTensor {
    return this.node('Activation', this.fresh(activation), { activation }, [x], x.shape);
  }

  /** Sum of `terms` (one term: itself). */
  add(terms: readonly GraphTensor[], prefix = 'add'): GraphTensor {
    if (terms.length === 0) throw new Error('tfjs export: an empty sum');
    return terms.length === 1 ? terms[0] : this.node('Add', this.fresh(prefix), {}, terms, terms[0].shape);
  }

  concat(parts: readonly GraphTensor[]): GraphTensor {
    const [h, w] = parts[0].shape;
    const c = parts.reduce((n, t) => n + t.shape[2], 0);
    return parts.length === 1 ? parts[0] : this.node('Concatenate', this.fresh('concat'), { axis: -1 }, parts, [h, w, c]);
  }

  gap(x: GraphTensor): GraphTensor {
    return this.node('GlobalAveragePooling2D', this.fresh('gap'), { data_format: CF }, [x], [1, 1, x.shape[2]]);
  }

  /** k x k pool, stride 1, padding 'same' (the engine's tf.avgPool / tf.maxPool call). */
  poolSame(x: GraphTensor, kind: 'avg' | 'max', k: number): GraphTensor {
    return this.node(kind === 'avg' ? 'AveragePooling2D' : 'MaxPooling2D', this.fresh(`${kind}pool`), {
      pool_size: [k, k], strides: [1, 1], padding: 'same', data_format: CF,
    }, [x], x.shape);
  }

  avgPoolValid(x: GraphTensor, k: number, stride: number): GraphTensor {
    const [h, w] = validOut(x.shape, k, stride, 1);
    return this.node('AveragePooling2D', this.fresh('avgpool'), {
      pool_size: [k, k], strides: [stride, stride], padding: 'valid', data_format: CF,
    }, [x], [h, w, x.shape[2]]);
  }

  /** x[:, ::s, ::s, :] as a 1x1 average pool with stride s. */
  subsample(x: GraphTensor, s: number): GraphTensor {
    if (s === 1) return x;
    const [h, w, c] = x.shape;
    return this.node('AveragePooling2D', this.fresh('subsample'), {
      pool_size: [1, 1], strides: [s, s], padding: 'valid', data_format: CF,
    }, [x], [Math.ceil(h / s), Math.ceil(w / s), c]);
  }

  /** PyTorch k x k pool, padding (k-1)/2, any stride, count_include_pad=False (see the header). */
  torchPool(x: GraphTensor, kind: 'avg' | 'max', k: number, stride: number): GraphTensor {
    return this.subsample(this.poolSame(x, kind, k), stride);
  }

  /** Exact zeros shaped like x[:, ::s, ::s, :] (a frozen zero 1x1 depthwise conv). */
  zeros(x: GraphTensor, stride = 1): GraphTensor {
    const [h, w, c] = x.shape;
    const name = this.fresh('zero');
    return this.node('DepthwiseConv2D', name, {
      trainable: false, kernel_size: [1, 1], strides: [stride, stride], padding: 'valid', data_format: CF,
      depth_multiplier: 1, dilation_rate: [1, 1], activation: 'linear', use_bias: false,
    }, [x], [Math.ceil(h / stride), Math.ceil(w / stride), c], [{ name: 'depthwise_kernel', shape: [1, 1, c, 1], source: { constant: new Float32Array(c) } }]);
  }

  crop(x: GraphTensor): GraphTensor {
    const [h, w, c] = x.shape;
    return this.node('Cropping2D', this.fresh('crop'), { cropping: [[1, 0], [1, 0]], data_format: CF }, [x], [h - 1, w - 1, c]);
  }

  /** x * gates ([N, c] -> [N, 1, 1, c], broadcast over h, w). */
  scale(x: GraphTensor, gates: GraphTensor): GraphTensor {
    const c = x.shape[2];
    const g = this.node('Reshape', this.fresh('se_reshape'), { target_shape: [1, 1, c] }, [gates], [1, 1, c]);
    return this.node('Multiply', this.fresh('se_scale'), {}, [x, g], x.shape);
  }
}

/** 'valid' output size of a k x k window (dilation) at `stride` on an [h, w] input. */
export function validOut(shape: readonly number[], k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = (n: number) => {
    const o = Math.floor((n - eff) / stride) + 1;
    if (o < 1) throw new Error(`tfjs export: a ${k}x${k} window (dilation ${dilation}) does not fit a size-${n} input`);
    return o;
  };
  return [out(shape[0]), out(shape[1])];
}
