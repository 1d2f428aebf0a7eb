/**
 * The WGSL programs of the webgpu kernels (kernels.ts). Tensors are dense float32 NHWC buffers indexed directly
 * (`X[i]`); channel c of a flat index is `i % C`. Two shapes of program:
 *  - element-wise: one invocation per output element, workgroups of 64;
 *  - per-row reductions (batch-norm statistics, the weighted sum's weight gradient): one workgroup of
 *    REDUCE_THREADS per output element, each thread summing a strided share, then a tree in workgroup memory
 *    (the pattern of tfjs's own ReduceProgram). Not tuned for any GPU: the point is one dispatch instead of many.
 * Every shaderKey names what the code text depends on (tfjs caches pipelines by it, plus ranks and dtypes).
 */
import type { GpuProgram } from './backend-like';

const ELEMENTWISE_THREADS = 64;
export const REDUCE_THREADS = 256;

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, c) => a * c, 1);

function elementwise(shaderKey: string, outputShape: number[], variableNames: string[], uniforms: string, body: string): GpuProgram {
  return {
    outputShape, shaderKey, variableNames, uniforms, size: true,
    workgroupSize: [ELEMENTWISE_THREADS, 1, 1],
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(sizeOf(outputShape) / ELEMENTWISE_THREADS), 1, 1],
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/** `partial` tree reduction (all threads of the workgroup call it; the sum lands in partial[0]). */
const TREE = `
  var<workgroup> partial : array<f32, ${REDUCE_THREADS}>;
  var<workgroup> partial2 : array<f32, ${REDUCE_THREADS}>;
  fn treeSum(lid : i32) {
    workgroupBarrier();
    for (var s = ${REDUCE_THREADS / 2}; s > 0; s = s / 2) {
      if (lid < s) {
        partial[lid] = partial[lid] + partial[lid + s];
        partial2[lid] = partial2[lid] + partial2[lid + s];
      }
      workgroupBarrier();
    }
  }`;

function perRow(shaderKey: string, outputShape: number[], rows: number, variableNames: string[], uniforms: string, code: string): GpuProgram {
  return {
    outputShape, shaderKey, variableNames, uniforms,
    workgroupSize: [REDUCE_THREADS, 1, 1],
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [rows, 1, 1],
    getUserCode: () => `${TREE}\n${code}`,
  };
}

/** One weighted-sum term: the part's variable name and its weight's index in W. */
export interface Term { readonly name: string; readonly wIndex: number }

/** result = [Acc +] sum_j W[wIndex_j] * P_j (every part of the output's shape). */
export function weightedSumProgram(shape: number[], terms: readonly Term[], withAcc: boolean): GpuProgram {
  const sum = terms.map((t) => `s = s + W[${t.wIndex}] * ${t.name}[index];`).join('\n          ');
  return elementwise(`nasWeightedSum_${withAcc ? 'acc_' : ''}${terms.map((t) => t.wIndex).join('_')}`, shape,
    ['W', ...(withAcc ? ['Acc'] : []), ...terms.map((t) => t.name)], '',
    `var s = ${withAcc ? 'Acc[index]' : '0.0'};
          ${sum}
          result[index] = s;`);
}

/** result = DY * W[wIndex] (a part's gradient). */
export function scaleProgram(shape: number[]): GpuProgram {
  return elementwise('nasScaleByW', shape, ['DY', 'W'], 'wIndex : i32,', 'result[index] = DY[index] * W[uniforms.wIndex];');
}

/** result[g] = [Acc[g] +] sum_i DY[i] * P_j[i] for g = wIndex_j, else [Acc[g] or] 0; one workgroup per weight. */
export function weightedSumGradWProgram(wLength: number, terms: readonly Term[], withAcc: boolean): GpuProgram {
  const pick = terms.map((t) => `if (g == ${t.wIndex}) { return ${t.name}[i]; }`).join('\n    ');
  return perRow(`nasWeightedSumGradW_${withAcc ? 'acc_' : ''}${terms.map((t) => t.wIndex).join('_')}`, [wLength], wLength,
    ['DY', ...(withAcc ? ['Acc'] : []), ...terms.map((t) => t.name)], 'count : i32,', `
  fn term(g : i32, i : i32) -> f32 {
    ${pick}
    return 0.0;
  }
  fn main(index : i32) {
    let g = index / ${REDUCE_THREADS};
    let lid = i32(localId.x);
    var acc = 0.0;
    for (var i = lid; i < uniforms.count; i = i + ${REDUCE_THREADS}) {
      acc = acc + DY[i] * term(g, i);
    }
    partial[lid] = acc;
    partial2[lid] = 0.0;
    treeSum(lid);
    if (lid == 0) {
      result[g] = ${withAcc ? 'Acc[g] + ' : ''}partial[0];
    }
  }`);
}

/** Batch statistics per channel of X [rows, C]: result [3, C] = (mean, 1 / sqrt(var + eps), var), var biased. */
export function bnStatsProgram(channels: number): GpuProgram {
  return perRow('nasBnStats', [3, channels], channels, ['X'], 'channels : i32, rows : i32, eps : f32,', `
  fn main(index : i32) {
    let c = index / ${REDUCE_THREADS};
    let lid = i32(localId.x);
    let C = uniforms.channels;
    let M = uniforms.rows;
    var acc = 0.0;
    for (var r = lid; r < M; r = r + ${REDUCE_THREADS}) {
      acc = acc + X[r * C + c];
    }
    partial[lid] = acc;
    partial2[lid] = 0.0;
    treeSum(lid);
    let mean = partial[0] / f32(M);
    workgroupBarrier();
    var dev = 0.0;
    for (var r = lid; r < M; r = r + ${REDUCE_THREADS}) {
      let d = X[r * C + c] - mean;
      dev = dev + d * d;
    }
    partial[lid] = dev;
    partial2[lid] = 0.0;
    treeSum(lid);
    if (lid == 0) {
      let variance = partial[0] / f32(M);
      result[c] = mean;
      result[C + c] = inverseSqrt(variance + uniforms.eps);
      result[2 * C + c] = variance;
    }
  }`);
}

/** y = (X - mean) * invStd [* G + B] with the statistics S of bnStatsProgram. */
export function bnApplyProgram(shape: number[], affine: boolean): GpuProgram {
  return elementwise(`nasBnApply${affine ? 'Affine' : ''}`, shape, ['X', 'S', ...(affine ? ['G', 'B'] : [])], 'channels : i32,',
    `let C = uniforms.channels;
          let c = index % C;
          var y = (X[index] - S[c]) * S[C + c];
          ${affine ? 'y = y * G[c] + B[c];' : ''}
          result[index] = y;`);
}

/** A running statistic's update: R * keep + (S[row] * factor) * momentum (factor n/(n-1): the unbiased variance). */
export function bnRunningProgram(channels: number): GpuProgram {
  return elementwise('nasBnRunning', [channels], ['R', 'S'], 'channels : i32, row : i32, keep : f32, momentum : f32, factor : f32,',
    'result[index] = R[index] * uniforms.keep + (S[uniforms.row * uniforms.channels + index] * uniforms.factor) * uniforms.momentum;');
}

/** Per channel: result [2, C] = (sum DY, sum DY * yhat), yhat = (X - mean) * invStd. */
export function bnGradStatsProgram(channels: number): GpuProgram {
  return perRow('nasBnGradStats', [2, channels], channels, ['DY', 'X', 'S'], 'channels : i32, rows : i32,', `
  fn main(index : i32) {
    let c = index / ${REDUCE_THREADS};
    let lid = i32(localId.x);
    let C = uniforms.channels;
    let mean = S[c];
    let inv = S[C + c];
    var a = 0.0;
    var b = 0.0;
    for (var r = lid; r < uniforms.rows; r = r + ${REDUCE_THREADS}) {
      let i = r * C + c;
      let g = DY[i];
      a = a + g;
      b = b + g * ((X[i] - mean) * inv);
    }
    partial[lid] = a;
    partial2[lid] = b;
    treeSum(lid);
    if (lid == 0) {
      result[c] = partial[0];
      result[C + c] = partial2[0];
    }
  }`);
}

/** dx = invStd [* G] * (DY - sum DY / M - yhat * sum(DY * yhat) / M). */
export function bnGradXProgram(shape: number[], affine: boolean): GpuProgram {
  return elementwise(`nasBnGradX${affine ? 'Affine' : ''}`, shape, ['DY', 'X', 'S', 'R', ...(affine ? ['G'] : [])], 'channels : i32, rows : i32,',
    `let C = uniforms.channels;
          let c = index % C;
          let m = f32(uniforms.rows);
          let inv = S[C + c];
          let yhat = (X[index] - S[c]) * inv;
          let scale = ${affine ? 'inv * G[c]' : 'inv'};
          result[index] = scale * (DY[index] - R[c] / m - yhat * (R[C + c] / m));`);
}

/** Row `row` of a [rows, C] tensor as [C]. */
export function rowProgram(channels: number): GpuProgram {
  return elementwise('nasRow', [channels], ['R'], 'channels : i32, row : i32,', 'result[index] = R[uniforms.row * uniforms.channels + index];');
}
