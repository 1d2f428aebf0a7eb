/** The search space behind a profiler request: sampling and parsing genotypes of any space of the space table. */
import { spaceEntry } from '../space/table';
import type { SearchSpace } from '../space/types';
import type { Rng } from '../util/rng';

export function profilerSpace(spaceId: string, config?: unknown): SearchSpace<unknown> {
  return spaceEntry(spaceId).open(config ?? {});
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
