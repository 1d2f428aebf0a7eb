/**
 * The parts of tfjs-backend-webgpu we touch, typed structurally: the engine imports tfjs-core only, so the backend
 * object and its program interface (tfjs-backend-webgpu's WebGPUProgram / runWebGPUProgram, 4.22) are described
 * here rather than imported. A program's WGSL body (getUserCode) is appended to tfjs's generated header: the output
 * buffer `result`, one read-only storage buffer per variable name (same name), `uniforms` with the shapes, `size`
 * when asked for, and the program's own uniform fields; `main(index)` receives the flat global invocation index.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface GpuProgram {
  outputShape: number[];
  /** Part of the pipeline cache key: must name everything that changes getUserCode's text. */
  shaderKey: string;
  variableNames: string[];
  workgroupSize: [number, number, number];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  /** Adds `size: i32` (the output's element count) to the uniforms. */
  size?: boolean;
  /** Extra uniform fields, e.g. 'eps : f32, channels : i32,' (values passed to runWebGPUProgram in this order). */
  uniforms?: string;
  getUserCode(): string;
}

export interface GpuUniform {
  type: 'float32' | 'int32';
  data: number[];
}

export interface WebGpuBackendLike {
  runWebGPUProgram(program: GpuProgram, inputs: tf.TensorInfo[], outputDtype: 'float32', uniforms?: GpuUniform[]): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
}

export function asWebGpuBackend(backend: unknown, who: string): WebGpuBackendLike {
  const b = backend as Partial<WebGpuBackendLike> | null;
  if (!b || typeof b.runWebGPUProgram !== 'function' || !b.device) throw new Error(`${who}: not the webgpu backend`);
  return b as WebGpuBackendLike;
}
