/**
 * The wasm backend's SIMD broadcasting Add/Sub/Multiply/RealDiv (src/engine/accel/kernels/wasm-broadcast.ts) against the
 * CPU backend on the shapes they take (per-channel [C] and [N,1,1,C] against NHWC, either operand order) and on
 * shapes they leave to tfjs (scalars, broadcasts of the last axis, both operands broadcast, int32); and the block
 * decomposition they rely on.
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { lcgValues } from '../helpers/synthetic';
import { broadcastBlocks, wasmBroadcastStats } from '../../src/engine/accel/kernels/wasm-broadcast';
import { withAccelOptions } from '../../src/engine/accel';

type Tf = Awaited<ReturnType<typeof useBackend>>;
const OPS = ['add', 'sub', 'mul', 'div'] as const;
/** [a shape, b shape, whether the SIMD kernels take it]. */
const CASES: [number[], number[], boolean][] = [
  [[3, 5, 4, 8], [8], true], [[8], [3, 5, 4, 8], true], [[2, 6, 5, 12], [2, 1, 1, 12], true], [[2, 1, 1, 12], [2, 6, 5, 12], true],
  [[4, 7, 16], [1, 7, 16], true], [[3, 5, 4, 8], [5, 4, 8], true],
  [[3, 5, 4, 6], [6], false], [[3, 5, 4, 8], [3, 5, 4, 1], false], [[3, 5, 4, 8], [], false], [[3, 1, 4, 8], [1, 5, 1, 8], false],
  [[3, 5, 4, 8], [3, 5, 4, 8], false], // equal shapes: XNNPACK's
];

function run(tf: Tf, op: (typeof OPS)[number], as: number[], bs: number[], dtype: 'float32' | 'int32' = 'float32'): Float32Array | Int32Array {
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  // b stays away from 0 so division is well conditioned
  const a = tf.tensor(lcgValues(size(as), 31, 1, 4), as, dtype);
  const b = tf.tensor(lcgValues(size(bs), 32, 1, 4).map((v) => (v >= 0 ? v + 0.5 : v - 0.5)), bs, dtype);
  const y = tf[op](a, b);
  const v = y.dataSync() as Float32Array | Int32Array;
  tf.dispose([a, b, y]);
  return v;
}

describe('wasm SIMD broadcasting binary ops', () => {
  it('finds the [outer, mid, inner] blocks of a broadcast', () => {
    expect(broadcastBlocks([3, 5, 4, 8], [8])).toEqual([1, 60, 8]);
    expect(broadcastBlocks([2, 6, 5, 12], [2, 1, 1, 12])).toEqual([2, 30, 12]);
    expect(broadcastBlocks([3, 5, 4, 8], [3, 5, 4, 8])).toEqual([60 * 8, 1, 1]);
    expect(broadcastBlocks([3, 5, 4, 8], [3, 5, 4, 1])).toEqual([60, 8, 1]);
    expect(broadcastBlocks([3, 1, 4, 8], [3, 1, 1, 8])).toEqual([3, 4, 8]);
    expect(broadcastBlocks([3, 5, 4, 8], [1, 5, 1, 8])).toBeNull(); // two broadcast blocks
    expect(broadcastBlocks([3, 5, 4, 8], [2, 5, 4, 8])).toBeNull(); // not a broadcast
  });

  it.each(CASES.map(([a, b, simd]) => [`[${a}] op [${b}] (${simd ? 'SIMD' : 'tfjs'})`, a, b, simd] as const))('%s equals the CPU backend for add, sub, mul, div', async (_n, as, bs, simd) => {
    for (const op of OPS) {
      let tf = await useBackend('cpu');
      const ref = run(tf, op, as, bs);
      tf = await useBackend('wasm', { trainingKernels: true });
      const before = tf.memory().numTensors;
      const calls = wasmBroadcastStats.simdCalls;
      const ours = run(tf, op, as, bs);
      expect(tf.memory().numTensors).toBe(before);
      expect(wasmBroadcastStats.simdCalls - calls, `${op}: SIMD kernel used`).toBe(simd ? 1 : 0);
      const theirs = withAccelOptions({ wasmBroadcast: false }, () => run(tf, op, as, bs));
      expect(ours.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) {
        expect(Math.abs(ours[i] - ref[i]), `${op} [${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref[i])));
        expect(ours[i], `${op} [${i}] vs tfjs wasm`).toBe(theirs[i]); // IEEE single ops: identical bits
      }
    }
  });

  it('leaves int32 to tfjs', async () => {
    const tf = await useBackend('wasm', { trainingKernels: true });
    expect(Array.from(run(tf, 'add', [2, 3, 4], [4], 'int32')).every(Number.isInteger)).toBe(true);
  });
});
