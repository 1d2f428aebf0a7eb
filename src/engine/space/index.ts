/** Public surface of the search spaces. */
export type { ChoiceSpec, SearchSpace } from './types';
export * from '../../shared/space-vocab';
export * from '../../shared/space-config';
export type { InputShape } from './skeleton-base';
export * from './nb201/skeleton';
export * from './darts/skeleton';
export * from './mobile/skeleton';
export { hashString } from './hash';
export { PythonRandom } from './python-random';
export { choicesSize, checkIndices, crossoverIndices, mutateIndices, neighbourIndices, sampleIndices } from './indexed';
export { createNb201Space, nb201Space, nb201FromString, nb201ToString, NB201_EDGES, type Nb201Genotype, type Nb201Space } from './nb201/space';
export { NB201_SIZE, nb201FromIndex, nb201FromLexIndex, nb201Index, nb201LexIndex } from './nb201/arch-index';
export { nb201Canonical, nb201Hash, nb201LiveEdges } from './nb201/canonical';
export * from './darts/space';
export * from './mobile/space';
export { spaceFromConfig, type AnySpace } from './registry';
export type { ConfiguredSpace, CostOptions, LatencyPieces, OneShotSettings, SkeletonBase, SkeletonSettings, SpaceConfigBase, SpaceDescriptor } from './descriptor';
export { builtinSpace, eraseSpace, registerSpace, spaceEntry, spaceIds, type SpaceEntry, type SpaceId, type SpaceTypes } from './table';
