/**
 * THE table of search spaces: one descriptor per space (space/<id>/descriptor.ts), keyed by id. The engine
 * dispatches on a space id only through here (descriptor fields), never with a switch.
 *
 * Two views of the same table:
 *  - typed, for the built-in spaces: `builtinSpace(id)` returns the descriptor with its config, genotype and
 *    skeleton types (SpaceTypes[id]), so typed callers need no casts;
 *  - erased, for any registered space: `spaceEntry(id)` returns a SpaceEntry whose functions take plain data
 *    (unknown genotypes and skeletons, e.g. read from a run record or a latency table) and check it with the
 *    descriptor's own checkGenotype / skeleton before calling the typed functions.
 * `registerSpace` adds a descriptor (tests register a toy space; tests/unit/space-table.test.ts).
 */
import { summarize, type CostReport } from '../model/cost-graph';
import type { Network } from '../model/network';
import type { ActivationTap } from '../ops/activation-tap';
import type { OpInstance, OpRunner } from '../profiler/op-instance';
import type { Supernet } from '../supernet/types';
import type { Rng } from '../util/rng';
import type { SpaceKind } from '../../shared/space-config';
import { dartsDescriptor } from './darts/descriptor';
import type {
  ConfiguredSpace, CostOptions, OneShotSettings, SkeletonBase, SkeletonIo, SkeletonSettings, SpaceConfigBase, SpaceDescriptor,
} from './descriptor';
import { mobileDescriptor } from './mobile/descriptor';
import { nb201Descriptor } from './nb201/descriptor';
import type { InputShape } from './skeleton-base';
import type { SearchSpace } from './types';

/** The built-in spaces: a new one is its folder (space/<id>/) and one entry here. */
const BUILTIN = { nb201: nb201Descriptor, darts: dartsDescriptor, mobile: mobileDescriptor } as const;

/** The types a descriptor is written for: its normalised config, genotype, skeleton and search space. */
type TypesOf<D> = D extends SpaceDescriptor<infer C, infer G, infer K, infer Sp> ? { config: C; genotype: G; skeleton: K; space: Sp } : never;

/** Config, genotype, skeleton and search-space type of each built-in space, read off its descriptor. */
export type SpaceTypes = { [S in keyof typeof BUILTIN]: TypesOf<(typeof BUILTIN)[S]> };

/** The id of a built-in space: the one space-id type of the engine. */
export type SpaceId = keyof SpaceTypes;
// The table's ids are exactly the config schema's space kinds (config-schema.ts), so the two cannot drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const ID_VOCABULARY_MATCHES: Same<SpaceId, SpaceKind> = true;
void ID_VOCABULARY_MATCHES;
export type ConfigOf<S extends SpaceId> = SpaceTypes[S]['config'];
export type GenotypeOf<S extends SpaceId> = SpaceTypes[S]['genotype'];
export type SkeletonOf<S extends SpaceId> = SpaceTypes[S]['skeleton'];
export type SearchSpaceOf<S extends SpaceId> = SpaceTypes[S]['space'];
export type DescriptorOf<S extends SpaceId> = SpaceDescriptor<ConfigOf<S>, GenotypeOf<S>, SkeletonOf<S>, SearchSpaceOf<S>>;

/** Indexed with a generic id, this mapped type keeps the id's own types (no cast needed at the call). */
type BuiltinTable = { readonly [S in SpaceId]: DescriptorOf<S> };

const TABLE: BuiltinTable = BUILTIN;

const isBuiltin = (id: string): id is SpaceId => Object.prototype.hasOwnProperty.call(BUILTIN, id);

function unknownSpace(id: unknown): Error {
  return new Error(`unknown space ${JSON.stringify(id)} (known: ${spaceIds().join(', ')})`);
}

/** The typed descriptor of a built-in space; throws on an unknown id. */
export function builtinSpace<S extends SpaceId>(id: S): DescriptorOf<S> {
  if (!isBuiltin(id)) throw unknownSpace(id);
  return TABLE[id];
}

/** A space's descriptor with its types erased: every function takes plain data and checks it. */
export interface SpaceEntry {
  readonly id: string;
  parseConfig(input: unknown): SpaceConfigBase;
  /** The search space of a config (validated and normalised first). */
  open(config: unknown): ConfiguredSpace<unknown, SpaceConfigBase>;
  checkGenotype(value: unknown): unknown;
  /** The skeleton validated and completed with defaults (a non-object counts as no settings). */
  skeleton(partial: unknown): SkeletonBase;
  runSkeleton(s: SkeletonSettings, inputShape: InputShape, numClasses: number): SkeletonBase;
  buildNetwork(genotype: unknown, skeleton: unknown, rng: Rng): Network;
  cost(genotype: unknown, skeleton: unknown, options?: CostOptions): CostReport;
  /** Null when the space's network has no activation tap. */
  readonly buildTappedNetwork: ((genotype: unknown, skeleton: unknown, rng: Rng, tap: ActivationTap) => Network) | null;
  /** Null when the space has no latency table. */
  readonly latencyPieces: {
    all(skeleton: unknown, config: unknown): OpInstance[];
    ofGenotype(genotype: unknown, skeleton: unknown): OpInstance[];
    build(instance: OpInstance, rng: Rng): OpRunner;
  } | null;
  /** Null when the space has no supernet. */
  readonly oneShot: ((settings: OneShotSettings, io: SkeletonIo, rng: Rng) => ErasedOneShot) | null;
}

/** A supernet bundle with its genotype type erased; `build` and `cost` check the genotype. */
export interface ErasedOneShot {
  readonly net: Supernet<unknown>;
  readonly space: SearchSpace<unknown>;
  readonly skeleton: SkeletonBase;
  buildNetwork(genotype: unknown, rng: Rng): Network;
  cost(genotype: unknown): CostReport;
}

const asObject = (x: unknown): object => (typeof x === 'object' && x !== null ? x : {});

/** The erased view of a descriptor: the typed functions closed over with the descriptor's own checks. */
export function eraseSpace<C extends SpaceConfigBase, G, K extends SkeletonBase, Sp extends ConfiguredSpace<G, C>>(d: SpaceDescriptor<C, G, K, Sp>): SpaceEntry {
  const skeleton = (partial: unknown): K => d.skeleton(asObject(partial));
  const pieces = d.latencyPieces;
  const oneShot = d.oneShot;
  const tapped = d.buildTappedNetwork;
  return {
    id: d.id,
    parseConfig: (input) => d.parseConfig(input),
    open: (config) => d.createSpace(d.parseConfig(config)),
    checkGenotype: (value) => d.checkGenotype(value),
    skeleton,
    runSkeleton: (s, inputShape, numClasses) => d.runSkeleton(s, { inputShape: [inputShape[0], inputShape[1], inputShape[2]], numClasses }),
    buildNetwork: (g, sk, rng) => d.buildNetwork(d.checkGenotype(g), skeleton(sk), rng),
    cost: (g, sk, options) => summarize(d.costGraph(d.checkGenotype(g), skeleton(sk), options).steps),
    buildTappedNetwork: tapped ? (g, sk, rng, tap) => tapped(d.checkGenotype(g), skeleton(sk), rng, tap) : null,
    latencyPieces: pieces
      ? {
        all: (sk, config) => pieces.all(skeleton(sk), d.parseConfig(config ?? {})),
        ofGenotype: (g, sk) => pieces.ofGenotype(d.checkGenotype(g), skeleton(sk)),
        build: (instance, rng) => pieces.build(instance, rng),
      }
      : null,
    oneShot: oneShot
      ? (settings, io, rng) => {
        const b = oneShot(settings, io, rng);
        return {
          net: b.net,
          space: b.space,
          skeleton: b.skeleton,
          buildNetwork: (g, r) => d.buildNetwork(d.checkGenotype(g), b.skeleton, r),
          cost: (g) => summarize(d.costGraph(d.checkGenotype(g), b.skeleton).steps),
        };
      }
      : null,
  };
}

const eraseBuiltin = <S extends SpaceId>(id: S): SpaceEntry => eraseSpace(TABLE[id]);
const entries = new Map<string, SpaceEntry>(Object.keys(BUILTIN).filter(isBuiltin).map((id) => [id, eraseBuiltin(id)]));

/** The erased entry of any registered space; throws `unknown space "x"` otherwise. */
export function spaceEntry(id: string): SpaceEntry {
  const e = entries.get(id);
  if (!e) throw unknownSpace(id);
  return e;
}

/** Ids of every registered space (built-ins first). */
export function spaceIds(): string[] {
  return [...entries.keys()];
}

/**
 * Adds a space to the table (a test's toy space, a plug-in). Throws if the id is taken. Returns the entry and
 * a function that removes it again.
 */
export function registerSpace<C extends SpaceConfigBase, G, K extends SkeletonBase, Sp extends ConfiguredSpace<G, C>>(d: SpaceDescriptor<C, G, K, Sp>): { entry: SpaceEntry; unregister(): void } {
  if (entries.has(d.id)) throw new Error(`registerSpace: space "${d.id}" is already registered`);
  const entry = eraseSpace(d);
  entries.set(d.id, entry);
  return { entry, unregister: () => { entries.delete(d.id); } };
}
