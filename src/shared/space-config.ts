/**
 * User-defined search spaces (shared layer: the app validates a draft with it directly, the engine builds from it): a plain-JSON config restricts the vocabulary of a space
 * (which ops, widths, depths, expansions, kernels, stages it allows). Validated with valibot;
 * every problem is reported as `path: what is wrong`, all at once, in a SpaceConfigError.
 */
import * as v from 'valibot';
import {
  DARTS_OPS, DEFAULT_MOBILE_DEPTHS, DEFAULT_MOBILE_STRIDES, DEFAULT_MOBILE_WIDTHS, MOBILE_BLOCKS,
  MOBILE_EXPANSIONS, MOBILE_KERNELS, MOBILE_MAX_DEPTH, MOBILE_MAX_STAGES, MOBILE_MAX_WIDTH, NB201_OPS, SPACE_KINDS,
  type DartsOp, type MobileBlock, type Nb201Op,
} from './space-vocab';

export interface Nb201SpaceConfig {
  readonly space: 'nb201';
  /** Ops every edge may take, in NB201_OPS order. */
  readonly ops: readonly Nb201Op[];
}
export interface DartsSpaceConfig {
  readonly space: 'darts';
  /** Candidate ops (the supernet's MixedOp), in DARTS_OPS order; genotypes use these minus 'none'. */
  readonly ops: readonly DartsOp[];
}
export interface MobileSpaceConfig {
  readonly space: 'mobile';
  readonly stages: number;
  /** Stride of each stage's first block; fixed by the space, length = stages. */
  readonly strides: readonly (1 | 2)[];
  readonly blocks: readonly MobileBlock[];
  /** Expansion ratios of 'mb' blocks; [] when blocks has no 'mb'. */
  readonly expansions: readonly number[];
  readonly kernels: readonly number[];
  /** Allowed squeeze-and-excitation settings: [false, true] searches it; [true] forces it on. */
  readonly se: readonly boolean[];
  readonly widths: readonly number[];
  readonly depths: readonly number[];
}
export type SpaceConfig = Nb201SpaceConfig | DartsSpaceConfig | MobileSpaceConfig;
export type SpaceKind = (typeof SPACE_KINDS)[number];

/** What a user may write: everything but `space` is optional and defaults to the full published space. */
export type Nb201SpaceConfigInput = Partial<Omit<Nb201SpaceConfig, 'space'>> & { readonly space?: 'nb201' };
export type DartsSpaceConfigInput = Partial<Omit<DartsSpaceConfig, 'space'>> & { readonly space?: 'darts' };
export type MobileSpaceConfigInput = Partial<Omit<MobileSpaceConfig, 'space'>> & { readonly space?: 'mobile' };
export type SpaceConfigInput =
  | (Nb201SpaceConfigInput & { readonly space: 'nb201' })
  | (DartsSpaceConfigInput & { readonly space: 'darts' })
  | (MobileSpaceConfigInput & { readonly space: 'mobile' });

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class SpaceConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(`Invalid search-space config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'SpaceConfigError';
    this.issues = issues;
  }
}

const show = (x: unknown): string => {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
};

function firstDuplicate(items: readonly unknown[]): unknown {
  const seen = new Set<unknown>();
  for (const x of items) {
    if (seen.has(x)) return x;
    seen.add(x);
  }
  return undefined;
}
const unique = (items: readonly unknown[]): boolean => new Set(items).size === items.length;

function listOf<const T extends readonly (string | number)[]>(allowed: T, what: string) {
  return v.pipe(
    v.array(
      v.picklist(allowed, (i) => `${show(i.input)} is not a valid ${what} (allowed: ${allowed.join(', ')})`),
      (i) => `must be an array, got ${show(i.input)}`,
    ),
    v.minLength(1, `must list at least one ${what}`),
    v.check((xs) => unique(xs), (i) => `lists ${show(firstDuplicate(i.input))} more than once`),
  );
}

function intList(what: string, max: number) {
  return v.pipe(
    v.array(
      v.pipe(
        v.number((i) => `${what} must be a number, got ${show(i.input)}`),
        v.integer((i) => `${what} must be an integer, got ${show(i.input)}`),
        v.minValue(1, (i) => `${what} must be at least 1, got ${show(i.input)}`),
        v.maxValue(max, (i) => `${what} must be at most ${max}, got ${show(i.input)}`),
      ),
      (i) => `must be an array, got ${show(i.input)}`,
    ),
    v.minLength(1, `must list at least one ${what}`),
    v.check((xs) => unique(xs), (i) => `lists ${show(firstDuplicate(i.input))} more than once`),
  );
}

const strict = <const E extends v.ObjectEntries>(entries: E) =>
  v.strictObject(entries, (i) =>
    i.expected === 'never'
      ? `unknown setting (allowed: ${Object.keys(entries).join(', ')})`
      : `must be an object, got ${show(i.input)}`);

const nb201Schema = strict({
  space: v.optional(v.literal('nb201')),
  ops: v.optional(v.pipe(
    listOf(NB201_OPS, 'NB201 op'),
    v.check((ops) => ops.some((o) => o !== 'none'), "must include at least one op other than 'none'"),
  )),
});

const dartsSchema = strict({
  space: v.optional(v.literal('darts')),
  ops: v.optional(v.pipe(
    listOf(DARTS_OPS, 'DARTS op'),
    v.check((ops) => ops.some((o) => o !== 'none'), "must include at least one op other than 'none' (derived genotypes never contain 'none')"),
  )),
});

const mobileSchema = strict({
  space: v.optional(v.literal('mobile')),
  stages: v.optional(v.pipe(
    v.number((i) => `must be a number, got ${show(i.input)}`),
    v.integer((i) => `must be an integer, got ${show(i.input)}`),
    v.minValue(1, (i) => `must be at least 1, got ${show(i.input)}`),
    v.maxValue(MOBILE_MAX_STAGES, (i) => `must be at most ${MOBILE_MAX_STAGES}, got ${show(i.input)}`),
  )),
  strides: v.optional(v.pipe(
    v.array(v.picklist([1, 2], (i) => `stride must be 1 or 2, got ${show(i.input)}`), (i) => `must be an array of strides, got ${show(i.input)}`),
    v.minLength(1, 'must list one stride per stage'),
    v.maxLength(MOBILE_MAX_STAGES, `must have at most ${MOBILE_MAX_STAGES} stages`),
  )),
  blocks: v.optional(listOf(MOBILE_BLOCKS, 'block type')),
  // May be empty only when blocks has no 'mb' (the normalised form of such a space); checked below.
  expansions: v.optional(v.pipe(
    v.array(
      v.picklist(MOBILE_EXPANSIONS, (i) => `${show(i.input)} is not a valid expansion ratio (allowed: ${MOBILE_EXPANSIONS.join(', ')})`),
      (i) => `must be an array, got ${show(i.input)}`,
    ),
    v.check((xs) => unique(xs), (i) => `lists ${show(firstDuplicate(i.input))} more than once`),
  )),
  kernels: v.optional(listOf(MOBILE_KERNELS, 'kernel size')),
  se: v.optional(v.pipe(
    v.array(v.boolean((i) => `SE setting must be true or false, got ${show(i.input)}`), (i) => `must be an array of booleans, got ${show(i.input)}`),
    v.minLength(1, 'must list at least one SE setting'),
    v.check((xs) => unique(xs), (i) => `lists ${show(firstDuplicate(i.input))} more than once`),
  )),
  widths: v.optional(intList('width', MOBILE_MAX_WIDTH)),
  depths: v.optional(intList('depth', MOBILE_MAX_DEPTH)),
});

function pathOf(issue: v.BaseIssue<unknown>, prefix: readonly (string | number)[] = []): string {
  const keys = [...prefix, ...(issue.path ?? []).map((p) => p.key as string | number)];
  let out = '';
  for (const k of keys) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${k}`;
  return out === '' ? '(config)' : out;
}

function parseWith<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (!result.success) throw new SpaceConfigError(result.issues.map((i) => ({ path: pathOf(i), message: i.message })));
  return result.output;
}

/** Keeps `allowed`'s canonical order, so configs listing the same set normalise identically. */
const inOrder = <T>(canonical: readonly T[], chosen: readonly T[] | undefined): T[] =>
  chosen === undefined ? canonical.slice() : canonical.filter((x) => chosen.includes(x));

export function parseNb201Config(input: unknown = {}): Nb201SpaceConfig {
  const c = parseWith(nb201Schema, input);
  return { space: 'nb201', ops: inOrder(NB201_OPS, c.ops) };
}

export function parseDartsConfig(input: unknown = {}): DartsSpaceConfig {
  const c = parseWith(dartsSchema, input);
  return { space: 'darts', ops: inOrder(DARTS_OPS, c.ops) };
}

/** Default stride schedule for `n` stages: DEFAULT_MOBILE_STRIDES cut to n, padded with 1s. */
export function defaultMobileStrides(n: number): (1 | 2)[] {
  return Array.from({ length: n }, (_, i) => (i < DEFAULT_MOBILE_STRIDES.length ? DEFAULT_MOBILE_STRIDES[i] : 1));
}

export function parseMobileConfig(input: unknown = {}): MobileSpaceConfig {
  const c = parseWith(mobileSchema, input);
  const stages = c.stages ?? c.strides?.length ?? DEFAULT_MOBILE_STRIDES.length;
  const strides = c.strides ? c.strides.slice() : defaultMobileStrides(stages);
  const issues: ConfigIssue[] = [];
  if (strides.length !== stages) issues.push({ path: 'strides', message: `has ${strides.length} entries but stages is ${stages}; give one stride per stage` });
  const blocks = inOrder(MOBILE_BLOCKS, c.blocks);
  const hasMb = blocks.includes('mb');
  if (c.expansions !== undefined && c.expansions.length > 0 && !hasMb) issues.push({ path: 'expansions', message: "only applies to 'mb' blocks, which blocks does not allow" });
  if (c.expansions !== undefined && c.expansions.length === 0 && hasMb) issues.push({ path: 'expansions', message: "must list at least one expansion ratio (blocks allows 'mb')" });
  if (issues.length > 0) throw new SpaceConfigError(issues);
  return {
    space: 'mobile',
    stages,
    strides,
    blocks,
    // Without 'mb' blocks no expansion is used: [] (so the normalised config parses to itself).
    expansions: hasMb ? inOrder(MOBILE_EXPANSIONS, c.expansions) : [],
    kernels: inOrder(MOBILE_KERNELS, c.kernels),
    se: inOrder([false, true], c.se),
    widths: c.widths ? c.widths.slice().sort((a, b) => a - b) : DEFAULT_MOBILE_WIDTHS.slice(),
    depths: c.depths ? c.depths.slice().sort((a, b) => a - b) : DEFAULT_MOBILE_DEPTHS.slice(),
  };
}

/** Each space kind's parser (its schema plus normalisation), keyed by kind: parseSpaceConfig dispatches here. */
export const SPACE_CONFIG_PARSERS: { readonly [K in SpaceKind]: (input: unknown) => Extract<SpaceConfig, { space: K }> } = {
  nb201: parseNb201Config,
  darts: parseDartsConfig,
  mobile: parseMobileConfig,
};

const kindSchema = v.object(
  { space: v.picklist(SPACE_KINDS, (i) => `must be one of ${SPACE_KINDS.join(', ')}; got ${show(i.input)}`) },
  (i) => (i.path?.length ? `is required: one of ${SPACE_KINDS.join(', ')}` : `must be an object with a "space" field, got ${show(i.input)}`),
);

/** Validates any space config (a JSON string or an already-parsed value) and fills in defaults. */
export function parseSpaceConfig(json: unknown): SpaceConfig {
  let input = json;
  if (typeof json === 'string') {
    try {
      input = JSON.parse(json);
    } catch (e) {
      throw new SpaceConfigError([{ path: '(config)', message: `is not valid JSON (${(e as Error).message})` }]);
    }
  }
  const { space } = parseWith(kindSchema, input);
  return SPACE_CONFIG_PARSERS[space](input);
}
