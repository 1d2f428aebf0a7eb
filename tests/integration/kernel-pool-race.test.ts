/**
 * The kernel pool under contention (src/engine/accel/pool/kernel-pool.ts): more threads than cores, thousands of tiny
 * generations whose lane count changes every time. Each lane must run exactly once per generation and be finished
 * when run() returns: a helper that saw a generation's claim word with the NEXT generation's lane count once claimed a
 * lane twice (and counted it twice), which this test caught.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, spawnNode, terminateAll } from '../helpers/spawn-node';
import { I, I32, moduleBytes, type Fn } from '../../src/engine/accel/wasm/assembler';
import { createKernelPool, LaneList } from '../../src/engine/accel/pool/kernel-pool';

/** step(p, v): mem32[p] = mem32[p] * 3 + v. Run once on a zeroed cell it leaves v; run twice, 4 v. */
const STEP: Fn = {
  name: 'step', params: [I32, I32], results: [], locals: [],
  body: [...I.get(0), ...I.get(0), 0x28, 2, 0, ...I.i32(3), ...I.mul, ...I.get(1), ...I.add, 0x36, 2, 0],
};

afterAll(terminateAll);

describe('kernel pool under contention', () => {
  it('runs every lane exactly once per generation, and all of them before run() returns', { timeout: 60_000 }, async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const cells = new Int32Array(memory.buffer);
    const pool = await createKernelPool({ memory, threads: 4, modules: [{ bytes: moduleBytes([STEP], true), functions: ['step'] }], spawn: spawnNode, timeoutMs: 20_000, sleep });
    expect(pool).not.toBeNull();
    const LANES = 9;
    let bad = 0;
    let firstBad = '';
    try {
      const end = Date.now() + Number(process.env.POOL_RACE_MS ?? 4000);
      let g = 0;
      for (; Date.now() < end || g < 2000; g++) {
        const n = 1 + (g % LANES); // the lane count grows every generation (then falls back to 1)
        cells.fill(0, 0, LANES);
        const list = new LaneList();
        for (let i = 0; i < n; i++) list.lane().call(0, 4 * i, g * 16 + i + 1);
        pool!.run(list);
        for (let i = 0; i < LANES; i++) {
          const want = i < n ? g * 16 + i + 1 : 0;
          if (cells[i] !== want) { bad++; if (!firstBad) firstBad = `generation ${g}, lane ${i}: ${cells[i]}, want ${want}`; }
        }
      }
      console.log(`[kernel-pool-race] ${g} generations, ${bad} wrong cells${firstBad ? ` (first: ${firstBad})` : ''}; helpers took ${pool!.stats().helperLanes} lanes`);
      expect(bad, firstBad).toBe(0);
      expect(pool!.stats().helperLanes, 'the helpers took part of the work').toBeGreaterThan(0);
    } finally {
      pool!.dispose();
    }
  });
});
