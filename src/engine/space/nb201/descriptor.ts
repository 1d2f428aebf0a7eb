/**
 * The NAS-Bench-201 space (Dong & Yang, ICLR 2020) as one descriptor of the space table: its config schema,
 * search space, skeleton, network, cost counter, latency-table pieces and supernet.
 */
import { buildNb201Supernet } from '../../supernet/nb201-supernet';
import { parseNb201Config, type Nb201SpaceConfig } from '../../../shared/space-config';
import type { SpaceDescriptor } from '../descriptor';
import { createNb201Space, nb201Space, type Nb201Genotype, type Nb201Space } from './space';
import { nb201Skeleton, type Nb201Skeleton } from './skeleton';
import { nb201CostGraph } from './cost';
import { nb201LatencyPieces } from './lut-pieces';
import { buildNb201Network } from './network';

export const nb201Descriptor: SpaceDescriptor<Nb201SpaceConfig, Nb201Genotype, Nb201Skeleton, Nb201Space> = {
  id: 'nb201',
  parseConfig: parseNb201Config,
  createSpace: createNb201Space,
  // The full space accepts every op: a structural check that holds for any config of the space.
  checkGenotype: (value) => nb201Space.validate(value),
  skeleton: nb201Skeleton,
  // C = channels of the first stage (then 2C, 4C); N = cells per stage (3 stages).
  runSkeleton: (s, io) => nb201Skeleton({ ...io, channels: s.channels, cellsPerStage: s.cellsPerStage }),
  buildNetwork: (g, skeleton, rng) => buildNb201Network(g, skeleton, rng),
  buildTappedNetwork: buildNb201Network,
  costGraph: nb201CostGraph,
  latencyPieces: nb201LatencyPieces,
  oneShot: (settings, io, rng) => {
    const skeleton = nb201Skeleton({ ...io, channels: settings.channels, cellsPerStage: settings.cellsPerStage });
    const space = createNb201Space();
    const net = buildNb201Supernet({ skeleton, ops: space.ops, partialChannels: settings.partialChannels, edgeNormalization: settings.edgeNormalization }, rng);
    return { net, space, skeleton };
  },
};
