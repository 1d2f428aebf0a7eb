/**
 * The op / block vocabulary of every space: the only names the model builder has to emit. Plain data in the
 * shared layer, so the app offers exactly these names without copying them or asking a worker.
 * NB201 ops: Dong & Yang, ICLR 2020. DARTS primitives: Liu, Simonyan & Yang, ICLR 2019 (quark0/darts genotypes.py order).
 * Mobile blocks: MobileNetV1 depthwise-separable (Howard et al. 2017), MobileNetV2 inverted bottleneck
 * (Sandler et al. 2018), squeeze-and-excitation (Hu et al. 2018), as in MnasNet/MobileNetV3 search spaces.
 */
/** The search spaces, by id (the `space` field of a space config, a run and a candidate). */
export const SPACE_KINDS = ['nb201', 'darts', 'mobile'] as const;

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** NAS-Bench-201 cell wiring: edge e = [from, to] between nodes 0 (input) .. 3 (output), in arch-string order. */
export const NB201_EDGES: readonly (readonly [from: number, to: number])[] = [
  [0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3],
];

/** DARTS PRIMITIVES in the published order; 'none' exists for the supernet's MixedOp only. */
export const DARTS_OPS = [
  'none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect',
  'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5',
] as const;
export type DartsOp = (typeof DARTS_OPS)[number];
/** Ops a derived (discrete) DARTS genotype may contain: every primitive except 'none'. */
export type DartsGenotypeOp = Exclude<DartsOp, 'none'>;

export const MOBILE_BLOCKS = ['ds', 'mb'] as const;
export type MobileBlock = (typeof MOBILE_BLOCKS)[number];
export const MOBILE_EXPANSIONS = [3, 4, 6] as const;
export const MOBILE_KERNELS = [3, 5] as const;
export const DEFAULT_MOBILE_WIDTHS = [16, 24, 32, 48] as const;
export const DEFAULT_MOBILE_DEPTHS = [1, 2, 3] as const;
/** Stride of each stage's first block (the worked example's six stages). */
export const DEFAULT_MOBILE_STRIDES = [1, 2, 2, 2, 1, 2] as const;
export const MOBILE_MAX_STAGES = 12;
export const MOBILE_MAX_WIDTH = 1024;
export const MOBILE_MAX_DEPTH = 8;

/**
 * What the space editor offers, per space: exactly the names the exporter/model builder can emit — the keys
 * of ops/nb201-ops.ts NB201_OP_FACTORIES, ops/darts-ops.ts DARTS_OP_FACTORIES and ops/mobile-ops.ts
 * MOBILE_BLOCK_FACTORIES (tests/unit/space-vocabulary.test.ts checks they match and that each one builds).
 * The config schema (config-schema.ts) accepts exactly these lists.
 */
export const SPACE_VOCABULARY = {
  nb201: { ops: NB201_OPS },
  darts: { ops: DARTS_OPS },
  mobile: {
    blocks: MOBILE_BLOCKS,
    expansions: MOBILE_EXPANSIONS,
    kernels: MOBILE_KERNELS,
    maxStages: MOBILE_MAX_STAGES,
    maxWidth: MOBILE_MAX_WIDTH,
    maxDepth: MOBILE_MAX_DEPTH,
  },
} as const;
export type SpaceVocabulary = typeof SPACE_VOCABULARY;
