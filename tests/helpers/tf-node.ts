/** Test-side backend setup under Node: the engine never selects a backend itself. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { install } from '../../src/engine/accel';

const require = createRequire(import.meta.url);

/**
 * Selects a backend and, with trainingKernels, installs our corrected training kernels as the workers do.
 * Import this helper before anything that imports tfjs-core's gradients (see ARCHITECTURE.md).
 */
export async function useBackend(name: 'wasm' | 'cpu', opts: { trainingKernels?: boolean } = {}): Promise<typeof tf> {
  if (name === 'wasm') {
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dist + path.sep);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`could not initialise tfjs backend ${name}`);
  await tf.ready();
  if (opts.trainingKernels) install();
  return tf;
}
