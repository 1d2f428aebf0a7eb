/**
 * Registry: a user-defined space from its JSON config (`{"space": "nb201" | "darts" | "mobile", ...}`).
 * The config is validated (SpaceConfigError lists every problem as `path: message`) and normalised; the
 * returned space carries the normalised config, which is what a run should store to rebuild the same space.
 * The space is made by its descriptor in the space table (space/table.ts).
 */
import { parseSpaceConfig } from '../../shared/space-config';
import { builtinSpace, type SearchSpaceOf, type SpaceId } from './table';

/** The search space of any built-in space (a union over the table). */
export type AnySpace = SearchSpaceOf<SpaceId>;

export function spaceFromConfig(json: unknown): AnySpace {
  const config = parseSpaceConfig(json);
  return builtinSpace(config.space).createSpace(config);
}
