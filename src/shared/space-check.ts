/**
 * A space config checked for the editor, in the tab itself (no worker, no tfjs): the normalised config, the
 * size of the space, the number of decisions of a genotype and the space's name, or every validation problem
 * as `{path, message}` (the SpaceConfigError messages). Plain data (the size is a decimal string: a bigint of
 * any length). The counts follow the engine's choice vectors (space/<id>/space.ts);
 * tests/unit/space-config.test.ts checks them against spaceFromConfig for many configs.
 */
import { parseSpaceConfig, SpaceConfigError, type ConfigIssue, type SpaceConfig, type SpaceKind } from './space-config';
import { NB201_EDGES, NB201_OPS } from './space-vocab';

export interface SpaceCheck {
  readonly ok: boolean;
  /** The normalised config (ok only). */
  readonly config?: SpaceConfig;
  /** Every problem (not ok only). */
  readonly issues: readonly ConfigIssue[];
  /** Number of distinct genotypes, as a decimal string (ok only). */
  readonly size?: string;
  /** Number of categorical decisions of a genotype (ok only). */
  readonly choices?: number;
  /** The decisions in words: "6 edges × 5 ops" (ok only). */
  readonly decisions?: string;
  readonly name?: string;
}

/** DARTS: intermediate nodes per cell; node k picks an ordered pair of distinct inputs among states 0..k+1. */
const DARTS_STEPS = 4;
const DARTS_CELLS = 2;

export interface SpaceSummary {
  /** Number of distinct genotypes. */
  readonly size: bigint;
  /** Option count of each categorical decision, in the order of the engine's choice vector. */
  readonly optionCounts: readonly number[];
  readonly name: string;
}

type Decisions = { readonly optionCounts: readonly number[]; readonly name: string };

/** Each space's decisions and name, one entry per space kind (a table, not a switch on the kind). */
const DECISIONS: { readonly [K in SpaceKind]: (config: Extract<SpaceConfig, { space: K }>) => Decisions } = {
  nb201: (config) => ({
    optionCounts: NB201_EDGES.map(() => config.ops.length),
    name: config.ops.length === NB201_OPS.length ? 'NAS-Bench-201 cell' : `NAS-Bench-201 cell (${config.ops.join(', ')})`,
  }),
  darts: (config) => {
    const ops = config.ops.filter((o) => o !== 'none');
    const counts: number[] = [];
    for (let c = 0; c < DARTS_CELLS; c++) for (let k = 0; k < DARTS_STEPS; k++) counts.push((k + 2) * (k + 1), ops.length, ops.length);
    return { optionCounts: counts, name: ops.length === 7 ? 'DARTS cells' : `DARTS cells (${ops.join(', ')})` };
  },
  mobile: (config) => {
    const blockOptions = (config.blocks.includes('ds') ? 1 : 0) + (config.blocks.includes('mb') ? config.expansions.length : 0);
    const counts: number[] = [];
    for (let s = 0; s < config.stages; s++) counts.push(blockOptions, config.kernels.length, config.se.length, config.widths.length, config.depths.length);
    return { optionCounts: counts, name: 'Mobile macro space' };
  },
};

/** Size, decisions and name of a normalised space config. */
export function summarizeSpace(config: SpaceConfig): SpaceSummary {
  const decide = DECISIONS[config.space] as (c: SpaceConfig) => Decisions;
  const { optionCounts, name } = decide(config);
  return { size: optionCounts.reduce((acc, n) => acc * BigInt(n), 1n), optionCounts, name };
}

/** Validates a space config (JSON text or value) and describes it; never throws. */
export function checkSpace(json: unknown): SpaceCheck {
  try {
    const config = parseSpaceConfig(json);
    const s = summarizeSpace(config);
    return { ok: true, config, issues: [], size: s.size.toString(), choices: s.optionCounts.length, decisions: decisionsText(config.space, s.optionCounts), name: s.name };
  } catch (e) {
    if (e instanceof SpaceConfigError) return { ok: false, issues: e.issues };
    return { ok: false, issues: [{ path: '(config)', message: e instanceof Error ? e.message : String(e) }] };
  }
}

/** "6 edges × 5 ops" for a NB201 cell; "14 choices of 2 to 7 options" where the decisions differ. */
export function decisionsText(kind: SpaceKind, optionCounts: readonly number[]): string {
  const n = optionCounts.length;
  const lo = Math.min(...optionCounts);
  const hi = Math.max(...optionCounts);
  if (kind === 'nb201') return `${n} edges × ${hi} op${hi === 1 ? '' : 's'}`;
  return lo === hi ? `${n} choices × ${hi} options` : `${n} choices of ${lo} to ${hi} options`;
}
