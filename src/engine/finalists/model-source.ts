/**
 * What the finalists stage trains: anything that builds a fresh network from a seeded rng and knows its cost.
 * A searched genotype (through the space table) is one source; a hand-designed baseline or a distilled student
 * is another. Re-training (retrain.ts) and the test evaluation (evaluate-test.ts) only see this interface, so the
 * same recipe, checkpointing and honest test read apply to every model in the comparison table.
 */
import type { Network } from '../model/network';
import { spaceEntry } from '../space/table';
import type { Rng } from '../util/rng';

export interface ModelCost {
  /** Trainable parameters (equals the built network's count). */
  readonly params: number;
  /** Multiply-accumulates of one image. */
  readonly macs: number;
  readonly numClasses: number;
}

export interface ModelSource {
  /** Builds a new, untrained network; the caller owns (disposes) it. */
  build(rng: Rng): Network;
  readonly cost: ModelCost;
}

/** A genotype of a space in the space table, on a concrete skeleton. */
export function genotypeSource(spaceId: string, genotype: unknown, skeleton: unknown): ModelSource {
  const entry = spaceEntry(spaceId);
  const c = entry.cost(genotype, skeleton);
  return {
    build: (rng) => entry.buildNetwork(genotype, skeleton, rng),
    cost: { params: c.params, macs: c.flops, numClasses: c.outputShape[c.outputShape.length - 1] },
  };
}
