/** Test-side backend setup under Node: the engine never selects a backend itself. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export async function useBackend(name: 'wasm' | 'cpu'): Promise<typeof tf> {
  if (name === 'wasm') {
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dist + path.sep);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`could not initialise tfjs backend ${name}`);
  await tf.ready();
  return tf;
}
