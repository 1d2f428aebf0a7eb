/** A check the SPOS tests share: a mid-training checkpoint, through JSON, resumes to the same next steps. */
import { expect } from 'vitest';
import type { SposSearch } from '../../src/engine/oneshot/spos';
import { checkpointFromJson, checkpointToJson } from '../../src/engine/supernet/state';

/**
 * Steps `a` 3 times, checkpoints it (JSON round trip) into a fresh search from `makeB`, then steps both twice:
 * same paths, same losses and the same supernet weights (to 1e-6). Returns the resumed search.
 */
export async function expectCheckpointResumes<G>(a: SposSearch<G>, makeB: () => SposSearch<G>): Promise<SposSearch<G>> {
  for (let i = 0; i < 3; i++) await a.step();
  const saved = JSON.stringify(checkpointToJson(await a.stateDict()));
  const ra = [await a.step(), await a.step()];
  const b = makeB();
  b.loadStateDict(checkpointFromJson(JSON.parse(saved)));
  const rb = [await b.step(), await b.step()];
  ra.forEach((r, i) => {
    expect(rb[i].arch).toBe(r.arch);
    expect(Math.abs(rb[i].trainLoss - r.trainLoss)).toBeLessThan(1e-6);
  });
  const [wa, wb] = [a, b].map((s) => s.supernet.weights.map((w) => Array.from(w.dataSync())));
  wa.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - wb[i][j])).toBeLessThan(1e-6)));
  return b;
}
