/** The Node host's kernel-pool SpawnHelper for tests: eval worker_threads Workers, all terminated by terminateAll(). */
import { Worker } from 'node:worker_threads';
import type { HelperPort } from '../../src/engine/accel/pool/kernel-pool';

export const spawnedWorkers: Worker[] = [];

export function spawnNode(source: string): HelperPort {
  const w = new Worker(source, { eval: true });
  spawnedWorkers.push(w);
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (cb) => { w.on('message', cb); },
    onError: (cb) => { w.on('error', (e) => cb(e.message)); },
    terminate: () => { void w.terminate(); },
  };
}

export async function terminateAll(): Promise<void> {
  await Promise.all(spawnedWorkers.map((w) => w.terminate()));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
