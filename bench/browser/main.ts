/**
 * Benchmark page: starts the dedicated worker and exposes `window.nasBench.call(request)` to the driver
 * (bench/browser-runner.ts, through playwright-core). The `init` request says whether WASM may use threads.
 */
import type { WorkerReply, WorkerRequest } from './protocol';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const pending = new Map<number, (r: WorkerReply) => void>();
let nextId = 1;
worker.onmessage = (e: MessageEvent<WorkerReply>) => {
  const p = pending.get(e.data.id);
  pending.delete(e.data.id);
  p?.(e.data);
};
worker.onerror = (e) => {
  for (const [id, p] of pending) p({ id, ok: false, error: `worker error: ${e.message}` });
  pending.clear();
};

function call(req: Request): Promise<WorkerReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ ...req, id });
  });
}

(window as unknown as { nasBench: { call: typeof call; ready: boolean } }).nasBench = { call, ready: true };
document.getElementById('status')!.textContent = `ready (crossOriginIsolated: ${String(self.crossOriginIsolated)})`;
