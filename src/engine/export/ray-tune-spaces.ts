/**
 * The Ray Tune job's per-space parts (ray-tune-space.ts), keyed by space id: ray-tune.ts dispatches through this
 * table, never on the id. A space without an entry here fails to typecheck.
 */
import type { SpaceId } from '../space/table';
import { DARTS_RAY_TUNE } from './ray-tune-darts';
import { MOBILE_RAY_TUNE } from './ray-tune-mobile';
import { NB201_RAY_TUNE } from './ray-tune-nb201';
import type { RayTuneSpace } from './ray-tune-space';

export const RAY_TUNE_SPACES: { readonly [S in SpaceId]: RayTuneSpace<S> } = {
  nb201: NB201_RAY_TUNE,
  darts: DARTS_RAY_TUNE,
  mobile: MOBILE_RAY_TUNE,
};
