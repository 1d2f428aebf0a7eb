/**
 * What a run's two size settings mean in each space's skeleton (engine space/run-skeleton.ts builds it):
 *  - nb201:  C = channels of the first stage (then 2C, 4C); N = cells per stage (3 stages).
 *  - darts:  C = channels per node of the first cells (must be even); N = number of cells (reduction cells at
 *            N/3 and 2N/3); stem 3C (DARTS' NetworkCIFAR).
 *  - mobile: C = stem channels; no N (each stage's depth is part of the genotype).
 * Plain data (shared layer) for the forms that ask for C and N.
 */
import type { SpaceKind } from './space-config';

export interface SkeletonRule {
  /** Label of the C setting. */
  readonly channels: string;
  /** C must be a multiple of this. */
  readonly channelsStep: number;
  /** Label of the N setting; null where the space has no N. */
  readonly cells: string | null;
  /** One sentence on the skeleton. */
  readonly hint: string;
}

export const SKELETON_RULES: Readonly<Record<SpaceKind, SkeletonRule>> = {
  nb201: { channels: 'Channels C', channelsStep: 1, cells: 'Cells per stage N', hint: 'NB201 skeleton: 3 stages of N cells at C, 2C, 4C channels.' },
  darts: { channels: 'Channels C (per node, even)', channelsStep: 2, cells: 'Cells N (reductions at N/3, 2N/3)', hint: 'DARTS skeleton: stem 3C, N cells; C doubles at each reduction cell.' },
  mobile: {
    channels: 'Stem channels C',
    channelsStep: 1,
    cells: null,
    hint: 'Mobile skeleton: stem conv3×3 stride 2 to C channels, the stages of the genotype, head conv 4× the last width. Each stage’s depth is searched, so there is no N.',
  },
};

/**
 * Each space's published skeleton on 32×32×3 images, 10 classes (NB201's CIFAR-10 network; DARTS' NetworkCIFAR
 * at a proxy size; the field guide's mobile network): the starting values of forms that ask for a skeleton. The
 * engine's skeleton builders (space/<id>/skeleton.ts) default to these values (tests/unit/space-config.test.ts).
 */
export const SKELETON_DEFAULTS = {
  nb201: { channels: 16, cellsPerStage: 5, inputShape: [32, 32, 3], numClasses: 10 },
  darts: { channels: 16, layers: 8, stemMultiplier: 3, inputShape: [32, 32, 3], numClasses: 10 },
  mobile: { stemChannels: 16, stemStride: 2, headMultiplier: 4, seReduction: 4, inputShape: [32, 32, 3], numClasses: 10 },
} as const;
