/** The search space behind a profiler request: sampling and parsing genotypes of nb201 / darts / mobile. */
import type { SpaceId } from '../model/build';
import { createDartsSpace } from '../space/darts';
import { createMobileSpace } from '../space/mobile';
import { createNb201Space } from '../space/nb201';
import type { SearchSpace } from '../space/types';
import type { Rng } from '../util/rng';

export function profilerSpace(spaceId: SpaceId, config?: unknown): SearchSpace<unknown> {
  const input = (config ?? {}) as never;
  switch (spaceId) {
    case 'nb201': return createNb201Space(input) as SearchSpace<unknown>;
    case 'darts': return createDartsSpace(input) as SearchSpace<unknown>;
    case 'mobile': return createMobileSpace(input) as SearchSpace<unknown>;
    default: throw new Error(`unknown space ${JSON.stringify(spaceId)} (expected nb201, darts or mobile)`);
  }
}

/** A genotype from its text form (string) or plain JSON (object), validated against the space. */
export function parseGenotype(space: SearchSpace<unknown>, input: unknown): unknown {
  return typeof input === 'string' ? space.decode(input) : space.validate(input);
}

/** Up to n distinct genotypes (by text form), drawn from rng. */
export function sampleDistinct(space: SearchSpace<unknown>, n: number, rng: Rng): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (let tries = 0; out.length < n && tries < n * 20; tries++) {
    const g = space.sample(rng);
    const text = space.encode(g);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(g);
  }
  return out;
}
