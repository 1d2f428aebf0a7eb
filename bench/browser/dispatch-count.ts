/**
 * Counts WebGPU compute dispatches from the outside: wraps GPUComputePassEncoder.prototype.dispatchWorkgroups (every
 * tfjs-backend-webgpu program, ours included, is one such call) once per worker, so the engine carries no switch for
 * it. The software adapter (SwiftShader) dispatches exactly what a real GPU would; only the speed differs.
 */
type DispatchFn = (this: unknown, ...args: unknown[]) => unknown;
interface EncoderProto { dispatchWorkgroups: DispatchFn; dispatchWorkgroupsIndirect?: DispatchFn }

let dispatches = 0;
let wrapped = false;

function wrap(): void {
  if (wrapped) return;
  const proto = (globalThis as unknown as { GPUComputePassEncoder?: { prototype: EncoderProto } }).GPUComputePassEncoder?.prototype;
  if (!proto) throw new Error('dispatch count: no GPUComputePassEncoder here (WebGPU unavailable)');
  for (const name of ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect'] as const) {
    const original = proto[name];
    if (!original) continue;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      dispatches++;
      return original.apply(this, args);
    };
  }
  wrapped = true;
}

/** Compute dispatches issued while `run` runs (await its results inside, so nothing is left queued). */
export async function countDispatches<T>(run: () => Promise<T>): Promise<{ dispatches: number; result: T }> {
  wrap();
  const before = dispatches;
  const result = await run();
  return { dispatches: dispatches - before, result };
}
