/**
 * Mobile macro space: the field guide's worked example (a MnasNet-style factorised space; Tan et al.,
 * "MnasNet: Platform-Aware Neural Architecture Search for Mobile", CVPR 2019). N stages (default 6); each stage
 * picks a block type — depthwise-separable `ds` (MobileNetV1, Howard et al. 2017) or inverted bottleneck `mb`
 * with expansion 3/4/6 (MobileNetV2, Sandler et al. 2018) —, a depthwise kernel 3/5, squeeze-and-excitation
 * on/off (Hu et al. 2018), a width and a depth. The stride of each stage's first block is fixed by the space.
 * Genotype: `{stages: [{block, expand, kernel, se, width, depth, stride}]}` (expand is 1 for ds; stride is copied
 * from the space so a genotype alone says how to build the net). Text: `mb6_k5_se_w32_d2_s2|ds_k3_w16_d1_s1|...`.
 */
import type { Rng } from '../../util/rng';
import { parseMobileConfig, type MobileSpaceConfig, type MobileSpaceConfigInput } from '../../../shared/space-config';
import { hashString } from '../hash';
import { checkIndices, choicesSize, crossoverIndices, mutateIndices, neighbourIndices, sampleIndices } from '../indexed';
import type { ChoiceSpec, SearchSpace } from '../types';
import type { MobileBlock } from '../../../shared/space-vocab';

export interface MobileStage {
  readonly block: MobileBlock;
  /** Expansion ratio: 1 for 'ds', one of the space's expansions for 'mb'. */
  readonly expand: number;
  readonly kernel: number;
  readonly se: boolean;
  /** Output channels of every block in the stage. */
  readonly width: number;
  /** Number of blocks in the stage. */
  readonly depth: number;
  /** Stride of the stage's first block (the others have stride 1); fixed by the space. */
  readonly stride: 1 | 2;
}

export interface MobileGenotype {
  readonly stages: readonly MobileStage[];
}

export function mobileStageToString(s: MobileStage): string {
  const block = s.block === 'ds' ? 'ds' : `mb${s.expand}`;
  return `${block}_k${s.kernel}${s.se ? '_se' : ''}_w${s.width}_d${s.depth}_s${s.stride}`;
}

export function mobileToString(g: MobileGenotype): string {
  return g.stages.map(mobileStageToString).join('|');
}

const STAGE_RE = /^(ds|mb(\d+))_k(\d+)(_se)?_w(\d+)_d(\d+)_s(\d+)$/;

/** Parses the text form (whitespace around stages allowed); checks only the syntax, not a space's lists. */
export function mobileFromString(text: string): MobileGenotype {
  if (typeof text !== 'string') throw new Error(`mobile genotype text must be a string, got ${typeof text}`);
  const parts = text.trim().split('|').map((p) => p.trim());
  const stages = parts.map((p, s): MobileStage => {
    const m = STAGE_RE.exec(p);
    if (!m) throw new Error(`mobile stage ${s + 1} "${p}" must look like mb6_k5_se_w32_d2_s2 or ds_k3_w16_d1_s1 (block_kernel[_se]_width_depth_stride)`);
    const stride = Number(m[7]);
    if (stride !== 1 && stride !== 2) throw new Error(`mobile stage ${s + 1} "${p}": stride must be 1 or 2, got ${stride}`);
    return {
      block: m[1] === 'ds' ? 'ds' : 'mb',
      expand: m[1] === 'ds' ? 1 : Number(m[2]),
      kernel: Number(m[3]),
      se: m[4] !== undefined,
      width: Number(m[5]),
      depth: Number(m[6]),
      stride,
    };
  });
  return { stages };
}

export interface MobileSpace extends SearchSpace<MobileGenotype> {
  readonly id: 'mobile';
  readonly config: MobileSpaceConfig;
  readonly strides: readonly (1 | 2)[];
  canonical(g: MobileGenotype): string;
}

/** A mobile macro space from a (validated) config; throws SpaceConfigError on a bad config. */
export function createMobileSpace(input: MobileSpaceConfigInput = {}): MobileSpace {
  const config = parseMobileConfig(input);
  const { stages: n, strides, blocks, expansions, kernels, se, widths, depths } = config;
  const blockOptions: { block: MobileBlock; expand: number; label: string }[] = [];
  if (blocks.includes('ds')) blockOptions.push({ block: 'ds', expand: 1, label: 'ds' });
  if (blocks.includes('mb')) for (const e of expansions) blockOptions.push({ block: 'mb', expand: e, label: `mb${e}` });

  const choices: ChoiceSpec[] = [];
  const groups: number[] = [];
  for (let s = 0; s < n; s++) {
    const st = `stage ${s + 1}`;
    choices.push(
      { name: `${st} block`, options: blockOptions.map((b) => b.label) },
      { name: `${st} kernel`, options: kernels.map(String) },
      { name: `${st} se`, options: se.map((x) => (x ? 'on' : 'off')) },
      { name: `${st} width`, options: widths.map(String) },
      { name: `${st} depth`, options: depths.map(String) },
    );
    groups.push(s, s, s, s, s);
  }
  const name = 'Mobile macro space';
  const list = (xs: readonly unknown[]) => xs.join(', ');

  const validate = (value: unknown): MobileGenotype => {
    if (typeof value !== 'object' || value === null) throw new Error(`mobile genotype must be an object {stages: [...]}, got ${JSON.stringify(value)}`);
    const raw = (value as { stages?: unknown }).stages;
    if (!Array.isArray(raw)) throw new Error('mobile genotype needs "stages": an array with one entry per stage');
    if (raw.length !== n) throw new Error(`stages: this space has ${n} stages, got ${raw.length}`);
    const out = raw.map((st, s): MobileStage => {
      const p = `stages[${s}]`;
      if (typeof st !== 'object' || st === null) throw new Error(`${p}: must be an object {block, expand, kernel, se, width, depth, stride}, got ${JSON.stringify(st)}`);
      const x = st as Record<string, unknown>;
      if (x.block !== 'ds' && x.block !== 'mb') throw new Error(`${p}.block: must be "ds" or "mb", got ${JSON.stringify(x.block)}`);
      if (!blocks.includes(x.block)) throw new Error(`${p}.block: "${x.block}" is not allowed in this space (allowed: ${list(blocks)})`);
      if (x.block === 'ds' && x.expand !== 1) throw new Error(`${p}.expand: a ds block has expand 1, got ${JSON.stringify(x.expand)}`);
      if (x.block === 'mb' && !expansions.includes(x.expand as number)) throw new Error(`${p}.expand: ${JSON.stringify(x.expand)} is not allowed (allowed: ${list(expansions)})`);
      if (!kernels.includes(x.kernel as number)) throw new Error(`${p}.kernel: ${JSON.stringify(x.kernel)} is not allowed (allowed: ${list(kernels)})`);
      if (typeof x.se !== 'boolean') throw new Error(`${p}.se: must be true or false, got ${JSON.stringify(x.se)}`);
      if (!se.includes(x.se)) throw new Error(`${p}.se: ${x.se} is not allowed in this space (allowed: ${list(se)})`);
      if (!widths.includes(x.width as number)) throw new Error(`${p}.width: ${JSON.stringify(x.width)} is not allowed (allowed: ${list(widths)})`);
      if (!depths.includes(x.depth as number)) throw new Error(`${p}.depth: ${JSON.stringify(x.depth)} is not allowed (allowed: ${list(depths)})`);
      if (x.stride !== strides[s]) throw new Error(`${p}.stride: this space fixes stage ${s + 1}'s stride to ${strides[s]}, got ${JSON.stringify(x.stride)}`);
      return {
        block: x.block, expand: x.expand as number, kernel: x.kernel as number, se: x.se,
        width: x.width as number, depth: x.depth as number, stride: strides[s],
      };
    });
    return { stages: out };
  };

  const toIndices = (g: MobileGenotype): number[] =>
    validate(g).stages.flatMap((s) => [
      blockOptions.findIndex((b) => b.block === s.block && b.expand === s.expand),
      kernels.indexOf(s.kernel), se.indexOf(s.se), widths.indexOf(s.width), depths.indexOf(s.depth),
    ]);
  const fromIndices = (idx: readonly number[]): MobileGenotype => {
    checkIndices(name, choices, idx);
    return {
      stages: Array.from({ length: n }, (_, s): MobileStage => {
        const [b, k, e, w, d] = idx.slice(5 * s, 5 * s + 5);
        return {
          block: blockOptions[b].block, expand: blockOptions[b].expand, kernel: kernels[k], se: se[e],
          width: widths[w], depth: depths[d], stride: strides[s],
        };
      }),
    };
  };
  const canonical = (g: MobileGenotype): string => mobileToString(validate(g));

  return {
    id: 'mobile',
    name,
    config,
    strides,
    choices,
    sample: (rng: Rng) => fromIndices(sampleIndices(choices, rng)),
    mutate: (g, rng) => fromIndices(mutateIndices(name, choices, toIndices(g), rng)),
    crossover: (a, b, rng) => fromIndices(crossoverIndices(toIndices(a), toIndices(b), groups, rng)),
    neighbours: (g) => neighbourIndices(choices, toIndices(g)).map(fromIndices),
    encode: canonical,
    decode: (text) => validate(mobileFromString(text)),
    // No two distinct genotypes of this space compute the same function, so the hash is of the exact form.
    hash: (g) => hashString(`mobile:${canonical(g)}`),
    canonical,
    size: () => choicesSize(choices),
    toIndices,
    fromIndices,
    validate,
  };
}

/** The worked example's space: 6 stages, ds/mb3/mb4/mb6, k3/k5, SE on/off, widths 16/24/32/48, depth 1..3. */
export const mobileSpace: MobileSpace = createMobileSpace();
