/**
 * A tiny, model-free "tensor program" for counting cost: a topologically ordered list of steps, each producing
 * one float32 tensor (batch 1). Summing the steps gives parameters and FLOPs; a liveness pass gives peak
 * activation memory. Used by cost-nb201.ts, cost-darts.ts and cost-mobile.ts.
 *
 * What is counted:
 *  - params: trainable weights: conv kernels (no conv biases unless `bias: true`), BN gamma + beta,
 *    dense kernels + biases. `nonTrainable`: BN moving mean + variance (2 per channel).
 *  - flops: multiply-accumulates (MACs) of convs (out_h * out_w * out_c * k * k * in_c / groups) and dense layers
 *    (in * out). BatchNorm, activations, pooling, adds, concats, SE multiplies and global pooling count 0.
 *    (This is the NAS papers' "FLOPs", e.g. NAS-Bench-201's 220M for the all-conv3x3 cell network.)
 *  - peak activation memory: each step is one tensor of 4 bytes per element; BN and activations right after a
 *    conv are fused into that conv's step (in place); identity ops (skip connections) make no tensor.
 *    Steps run in list order; a tensor is freed right after its last consumer runs; the network input is live
 *    until its first consumer finishes and the final output is kept. Peak = max over steps of the bytes of all
 *    live tensors, including that step's inputs and its new output. Weights and workspace are not included.
 */
export type Shape = readonly number[];
export type StepKind = 'input' | 'conv' | 'dwconv' | 'pool' | 'add' | 'concat' | 'gap' | 'dense' | 'bn' | 'mul' | 'zeros';

export interface CostStep {
  readonly name: string;
  readonly kind: StepKind;
  /** Ids (indices into the step list) of the tensors this step reads. */
  readonly inputs: readonly number[];
  /** Output shape without the batch axis: [h, w, c] for feature maps, [n] for vectors. */
  readonly shape: Shape;
  readonly params: number;
  readonly nonTrainable: number;
  readonly flops: number;
}

export interface CostReport {
  /** Trainable parameters. */
  readonly params: number;
  /** Non-trainable weights: BN moving mean + variance. params + nonTrainable = tf.LayersModel.countParams(). */
  readonly nonTrainable: number;
  /** Multiply-accumulates of convs and dense layers (see cost-graph.ts for what is not counted). */
  readonly flops: number;
  /** Liveness-based peak of activation bytes (float32, batch 1). */
  readonly peakActivationBytes: number;
  /** Shape of the network output (logits). */
  readonly outputShape: Shape;
}

export interface ConvSpec {
  readonly k: number;
  readonly stride?: number;
  /** Output channels; ignored (= input channels) when depthwise. */
  readonly cout?: number;
  readonly depthwise?: boolean;
  /** Followed by BatchNorm over the output channels (fused into this step). */
  readonly bn?: boolean;
  readonly bias?: boolean;
}

const numel = (s: Shape): number => s.reduce((a, b) => a * b, 1);

export class CostGraph {
  readonly steps: CostStep[] = [];

  private push(step: CostStep): number {
    step.inputs.forEach((t) => {
      if (!(t >= 0 && t < this.steps.length)) throw new Error(`cost graph: step "${step.name}" reads unknown tensor ${t}`);
    });
    this.steps.push(step);
    return this.steps.length - 1;
  }

  shape(t: number): Shape {
    return this.steps[t].shape;
  }

  input(shape: Shape): number {
    return this.push({ name: 'input', kind: 'input', inputs: [], shape, params: 0, nonTrainable: 0, flops: 0 });
  }

  conv(name: string, x: number, spec: ConvSpec): number {
    const [h, w, cin] = this.shape(x);
    const stride = spec.stride ?? 1;
    const cout = spec.depthwise ? cin : spec.cout ?? cin;
    const oh = Math.ceil(h / stride);
    const ow = Math.ceil(w / stride);
    const perOut = spec.k * spec.k * (spec.depthwise ? 1 : cin); // kernel weights feeding one output channel
    const bnParams = spec.bn ? 2 * cout : 0;
    return this.push({
      name,
      kind: spec.depthwise ? 'dwconv' : 'conv',
      inputs: [x],
      shape: [oh, ow, cout],
      params: perOut * cout + (spec.bias ? cout : 0) + bnParams,
      nonTrainable: bnParams,
      flops: oh * ow * cout * perOut,
    });
  }

  pool(name: string, x: number, k: number, stride = 1): number {
    const [h, w, c] = this.shape(x);
    void k;
    return this.push({ name, kind: 'pool', inputs: [x], shape: [Math.ceil(h / stride), Math.ceil(w / stride), c], params: 0, nonTrainable: 0, flops: 0 });
  }

  add(name: string, xs: readonly number[]): number {
    if (xs.length < 2) throw new Error(`cost graph: add "${name}" needs at least 2 inputs`);
    const s = this.shape(xs[0]);
    xs.forEach((t) => {
      if (this.shape(t).join('x') !== s.join('x')) throw new Error(`cost graph: add "${name}" mixes shapes ${s.join('x')} and ${this.shape(t).join('x')}`);
    });
    return this.push({ name, kind: 'add', inputs: xs.slice(), shape: s, params: 0, nonTrainable: 0, flops: 0 });
  }

  /** Channel concat, optionally followed by BN (fused). */
  concat(name: string, xs: readonly number[], bn = false): number {
    const [h, w] = this.shape(xs[0]);
    let c = 0;
    xs.forEach((t) => {
      const [th, tw, tc] = this.shape(t);
      if (th !== h || tw !== w) throw new Error(`cost graph: concat "${name}" mixes spatial sizes ${h}x${w} and ${th}x${tw}`);
      c += tc;
    });
    const bnParams = bn ? 2 * c : 0;
    return this.push({ name, kind: 'concat', inputs: xs.slice(), shape: [h, w, c], params: bnParams, nonTrainable: bnParams, flops: 0 });
  }

  /** Standalone BatchNorm (+ activation): its own step. */
  bn(name: string, x: number): number {
    const s = this.shape(x);
    const c = s[s.length - 1];
    return this.push({ name, kind: 'bn', inputs: [x], shape: s, params: 2 * c, nonTrainable: 2 * c, flops: 0 });
  }

  gap(name: string, x: number): number {
    const s = this.shape(x);
    return this.push({ name, kind: 'gap', inputs: [x], shape: [s[s.length - 1]], params: 0, nonTrainable: 0, flops: 0 });
  }

  dense(name: string, x: number, units: number): number {
    const s = this.shape(x);
    if (s.length !== 1) throw new Error(`cost graph: dense "${name}" needs a vector input, got ${s.join('x')}`);
    return this.push({ name, kind: 'dense', inputs: [x], shape: [units], params: s[0] * units + units, nonTrainable: 0, flops: s[0] * units });
  }

  /** Feature map times per-channel gates (SE excite). */
  mul(name: string, x: number, gate: number): number {
    return this.push({ name, kind: 'mul', inputs: [x, gate], shape: this.shape(x), params: 0, nonTrainable: 0, flops: 0 });
  }

  zeros(name: string, shape: Shape): number {
    return this.push({ name, kind: 'zeros', inputs: [], shape, params: 0, nonTrainable: 0, flops: 0 });
  }
}

/** Peak live activation bytes of a step list (see the header for the model). */
export function peakActivationBytes(steps: readonly CostStep[]): number {
  if (steps.length === 0) return 0;
  const lastUse = steps.map((_, i) => i);
  steps.forEach((s, i) => s.inputs.forEach((t) => { lastUse[t] = Math.max(lastUse[t], i); }));
  lastUse[steps.length - 1] = steps.length; // the output is kept
  const freeAt: number[][] = steps.map(() => []);
  lastUse.forEach((i, t) => { if (i < steps.length) freeAt[i].push(t); });
  let live = 0;
  let peak = 0;
  steps.forEach((s, i) => {
    live += 4 * numel(s.shape);
    peak = Math.max(peak, live);
    for (const t of freeAt[i]) live -= 4 * numel(steps[t].shape);
  });
  return peak;
}

export function summarize(steps: readonly CostStep[]): CostReport {
  let params = 0;
  let nonTrainable = 0;
  let flops = 0;
  for (const s of steps) {
    params += s.params;
    nonTrainable += s.nonTrainable;
    flops += s.flops;
  }
  return { params, nonTrainable, flops, peakActivationBytes: peakActivationBytes(steps), outputShape: steps[steps.length - 1]?.shape ?? [] };
}
