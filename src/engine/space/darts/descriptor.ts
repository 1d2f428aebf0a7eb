/**
 * The DARTS cell space (Liu, Simonyan & Yang, ICLR 2019) as one descriptor of the space table: its config
 * schema, search space, skeleton, network, cost counter, latency-table pieces and supernet (DARTS, PC-DARTS).
 */
import { buildDartsSupernet } from '../../supernet/darts-supernet';
import { parseDartsConfig, type DartsSpaceConfig } from '../../../shared/space-config';
import { createDartsSpace, type DartsSpace } from './space';
import { checkDartsGenotype, type DartsGenotype } from './genotype';
import type { SpaceDescriptor } from '../descriptor';
import { dartsSkeleton, type DartsSkeleton } from './skeleton';
import { dartsCostGraph } from './cost';
import { dartsLatencyPieces } from './lut-pieces';
import { buildDartsNetwork } from './network';

export const dartsDescriptor: SpaceDescriptor<DartsSpaceConfig, DartsGenotype, DartsSkeleton, DartsSpace> = {
  id: 'darts',
  parseConfig: parseDartsConfig,
  createSpace: createDartsSpace,
  checkGenotype: (value) => checkDartsGenotype(value),
  skeleton: dartsSkeleton,
  // C = channels per node of the first cells (must be even); N = number of cells; stem multiplier 3
  // (DARTS' NetworkCIFAR).
  runSkeleton: (s, io) => dartsSkeleton({ ...io, channels: s.channels, layers: s.cellsPerStage }),
  buildNetwork: (g, skeleton, rng) => buildDartsNetwork(g, skeleton, rng),
  costGraph: (g, skeleton) => dartsCostGraph(g, skeleton),
  latencyPieces: dartsLatencyPieces,
  oneShot: (settings, io, rng) => {
    const skeleton = dartsSkeleton({ ...io, channels: settings.channels, layers: settings.layers, stemMultiplier: 3 });
    const net = buildDartsSupernet({ skeleton, partialChannels: settings.partialChannels, edgeNormalization: settings.edgeNormalization }, rng);
    return { net, space: createDartsSpace(), skeleton };
  },
};
