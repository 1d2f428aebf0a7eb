/**
 * WebGPU AddN over any number of inputs. tfjs-backend-webgpu 4.22's AddN binds every input as a storage buffer of one
 * shader, but WebGPU allows 8 per stage by default (tfjs does not raise the limit; its Concat splits, AddN does not):
 * with more inputs the pipeline is invalid, the error surfaces only as an uncaptured device error, and the output
 * buffer keeps whatever it held. The gradient clipping's global norm adds one sum per weight tensor (hundreds in a
 * supernet), so every supernet weight step on webgpu was clipped by a garbage norm (losses off from wasm/cpu at the
 * second step, and different from run to run). This runs tfjs's kernel on chunks that fit, through an accumulator.
 */
import type * as tf from '@tensorflow/tfjs-core';

type Fallback = (kernelName: string) => tf.KernelConfig | undefined;

interface WebGpuLimitsLike { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } }; disposeData(dataId: object): void }

export function webgpuAddNConfig(fallback: Fallback): tf.KernelConfig {
  return {
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: (params) => {
      const previous = fallback('AddN');
      if (previous == null) throw new Error('AddN (webgpu, chunked): no previous kernel');
      const inputs = params.inputs as unknown as tf.TensorInfo[];
      const backend = params.backend as WebGpuLimitsLike;
      // One storage buffer is the output.
      const maxInputs = (backend.device?.limits?.maxStorageBuffersPerShaderStage ?? 8) - 1;
      if (inputs.length <= maxInputs) return previous.kernelFunc(params);
      const add = (list: tf.TensorInfo[]) => previous.kernelFunc({ ...params, inputs: list as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      let acc = add(inputs.slice(0, maxInputs));
      for (let i = maxInputs; i < inputs.length; i += maxInputs - 1) {
        const next = add([acc, ...inputs.slice(i, i + maxInputs - 1)]);
        backend.disposeData(acc.dataId);
        acc = next;
      }
      return acc;
    },
  };
}
