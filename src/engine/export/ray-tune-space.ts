/**
 * What the generated Ray Tune job (ray-tune.ts) needs from each space: its network as PyTorch classes with a
 * genotype-parameterised `build_net`, and the decoding of a trial's config (one value per choice of the engine's
 * search space, `SearchSpace.choices`) into the genotype. One entry per space, in a table keyed by space id
 * (ray-tune-spaces.ts); the shared data loading, trainable and main are ray-tune.ts's.
 * Pure engine code: strings only.
 */
import type { ConfigOf, SpaceId } from '../space/table';

export interface RayTuneSpace<S extends SpaceId> {
  /** The space's name in the job's docstring, e.g. "the NAS-Bench-201 cell space". */
  readonly title: string;
  /**
   * Python: module constants the decoder and the network need (may be empty), then
   * `genotype_from_config(cfg)`: the genotype, in the playground's JSON form, from the trial config's values at
   * CHOICE_KEYS (the engine space's choices, in order; each value one of that choice's option strings) — the
   * Python twin of the engine space's `fromIndices`.
   */
  decoder(config: ConfigOf<S>): string;
  /**
   * Python: the network classes and `build_net(genotype, num_classes, in_channels, **skeleton)`, the keyword
   * arguments being the space's skeleton fields in snake_case (without inputShape and numClasses).
   */
  network(): string;
}

/** A JSON value as a Python literal (strings, numbers, lists; booleans and null are converted). */
export function py(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}
