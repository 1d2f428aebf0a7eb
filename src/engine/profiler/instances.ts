/**
 * Op instances for a latency lookup table: the distinct (op, input shape, stride, output channels) pieces the
 * networks of a space contain for one skeleton, and the decomposition of one genotype's network into them.
 *
 * Each space lists its pieces in its descriptor (space/<id>/lut-pieces.ts), from the same layout walk its model
 * builder uses, so the sum of the pieces runs the same kernels as the whole network. `opInstances` enumerates them
 * for a whole space (its config may restrict the vocabulary); `genotypeInstances` lists one genotype's pieces with
 * multiplicity. Both produce keys with `instanceKey` (op-instance.ts), so a genotype of the space always finds
 * its pieces in a table built from `opInstances`.
 */
import { builtinSpace, spaceEntry, type ConfigOf, type SkeletonOf, type SpaceEntry, type SpaceId } from '../space/table';
import type { Rng } from '../util/rng';
import { dedupe, genericRunner, type OpInstance, type OpRunner } from './op-instance';

export type { SpaceId, SpaceTypes } from '../space/table';
export { instanceKey, type OpInstance, type OpRole, type OpRunner } from './op-instance';
/** A skeleton / a normalised config of any built-in space (unions over the space table). */
export type AnySkeleton = SkeletonOf<SpaceId>;
export type AnySpaceConfig = ConfigOf<SpaceId>;

function piecesOf(spaceId: string): NonNullable<SpaceEntry['latencyPieces']> {
  const pieces = spaceEntry(spaceId).latencyPieces;
  if (!pieces) throw new Error(`space "${spaceId}" has no latency table`);
  return pieces;
}

/** The skeleton validated and completed with defaults (what a LUT stores). */
export function normalizeSkeleton<S extends SpaceId>(spaceId: S, skeleton: Partial<SkeletonOf<S>>): SkeletonOf<S> {
  return builtinSpace(spaceId).skeleton(skeleton);
}

/** The space config validated and completed with defaults (the full published space when omitted). */
export function normalizeSpaceConfig<S extends SpaceId>(spaceId: S, config?: unknown): ConfigOf<S> {
  return builtinSpace(spaceId).parseConfig(config ?? {});
}

/**
 * Every distinct op instance the networks of a space contain for this skeleton (first occurrence order:
 * stem, stage by stage, head). `spaceConfig` restricts the vocabulary (default: the full space).
 */
export function opInstances(spaceId: string, skeleton: unknown, spaceConfig?: unknown): OpInstance[] {
  return dedupe(piecesOf(spaceId).all(skeleton, spaceConfig ?? {}));
}

/** The pieces of one genotype's network, in execution order, with multiplicity. */
export function genotypeInstances(spaceId: string, genotype: unknown, skeleton: unknown): OpInstance[] {
  return piecesOf(spaceId).ofGenotype(genotype, skeleton);
}

/** Key -> how many times the genotype's network runs that piece. */
export function genotypeKeyCounts(spaceId: string, genotype: unknown, skeleton: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of genotypeInstances(spaceId, genotype, skeleton)) counts.set(i.key, (counts.get(i.key) ?? 0) + 1);
  return counts;
}

/**
 * Builds one op instance of a space with weights from `rng`, from the same op tables and layers as the model
 * builders. Throws on an op the space does not have.
 */
export function buildOpInstance(spaceId: string, instance: OpInstance, rng: Rng): OpRunner {
  return genericRunner(instance) ?? piecesOf(spaceId).build(instance, rng);
}
