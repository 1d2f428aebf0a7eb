/** Node-side tfjs setup for the benchmarks: wasm (SIMD, single thread) and cpu, with the engine's training kernels. */
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every gradient (and the cpu backend) in a way that loads under plain Node ESM.
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { install } from '../src/engine/accel';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

export type NodeBackend = 'wasm' | 'cpu';

export async function useNodeBackend(name: NodeBackend): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
  await tf.ready();
  install();
}

export { tf };
