/**
 * Registry: a user-defined space from its JSON config (`{"space": "nb201" | "darts" | "mobile", ...}`).
 * The config is validated (SpaceConfigError lists every problem as `path: message`) and normalised; the
 * returned space carries the normalised config, which is what a run should store to rebuild the same space.
 */
import { parseSpaceConfig, type SpaceConfig } from '../../shared/space-config';
import { createDartsSpace, type DartsSpace } from './darts';
import { createMobileSpace, type MobileSpace } from './mobile';
import { createNb201Space, type Nb201Space } from './nb201';

export type AnySpace = Nb201Space | DartsSpace | MobileSpace;

export function spaceFromConfig(json: unknown): AnySpace {
  const config: SpaceConfig = parseSpaceConfig(json);
  switch (config.space) {
    case 'nb201': return createNb201Space(config);
    case 'darts': return createDartsSpace(config);
    case 'mobile': return createMobileSpace(config);
  }
}
