/**
 * The mobile macro space (the field guide's worked example; MnasNet-style, Tan et al., CVPR 2019) as one
 * descriptor of the space table: its config schema, search space, skeleton, network, cost counter,
 * latency-table pieces and the elastic supernet (SPOS with Once-for-All's elastic dimensions).
 */
import { buildMobileSupernet } from '../../supernet/mobile-supernet';
import { parseMobileConfig, type MobileSpaceConfig } from '../../../shared/space-config';
import type { SpaceDescriptor } from '../descriptor';
import { createMobileSpace, type MobileGenotype, type MobileSpace, type MobileStage } from './space';
import { mobileSkeleton, type MobileSkeleton } from './skeleton';
import { mobileCostGraph } from './cost';
import { mobileLatencyPieces } from './lut-pieces';
import { buildMobileNetwork } from './network';

const show = (x: unknown): string => JSON.stringify(x) ?? String(x);
const posInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1;

/** The shape of a mobile genotype, whatever the space's lists (mobile.ts `validate` checks those). */
export function checkMobileGenotype(value: unknown): MobileGenotype {
  if (typeof value !== 'object' || value === null) throw new Error(`mobile genotype must be an object {stages: [...]}, got ${show(value)}`);
  const raw: unknown = 'stages' in value ? value.stages : undefined;
  if (!Array.isArray(raw) || raw.length === 0) throw new Error('mobile genotype needs a non-empty "stages" array');
  const stages = raw.map((st: unknown, s): MobileStage => {
    const p = `stages[${s}]`;
    if (typeof st !== 'object' || st === null) throw new Error(`${p}: must be an object {block, expand, kernel, se, width, depth, stride}, got ${show(st)}`);
    const fields: Record<string, unknown> = { ...st };
    const { block, expand, kernel, se, width, depth, stride } = fields;
    if (block !== 'ds' && block !== 'mb') throw new Error(`${p}.block: must be "ds" or "mb", got ${show(block)}`);
    if (!posInt(expand) || (block === 'ds' && expand !== 1)) throw new Error(`${p}.expand: must be 1 for ds and a positive integer for mb, got ${show(expand)}`);
    if (!posInt(kernel)) throw new Error(`${p}.kernel: must be a positive integer, got ${show(kernel)}`);
    if (typeof se !== 'boolean') throw new Error(`${p}.se: must be true or false, got ${show(se)}`);
    if (!posInt(width)) throw new Error(`${p}.width: must be a positive integer, got ${show(width)}`);
    if (!posInt(depth)) throw new Error(`${p}.depth: must be a positive integer, got ${show(depth)}`);
    if (stride !== 1 && stride !== 2) throw new Error(`${p}.stride: must be 1 or 2, got ${show(stride)}`);
    return { block, expand, kernel, se, width, depth, stride };
  });
  return { stages };
}

export const mobileDescriptor: SpaceDescriptor<MobileSpaceConfig, MobileGenotype, MobileSkeleton, MobileSpace> = {
  id: 'mobile',
  parseConfig: parseMobileConfig,
  createSpace: createMobileSpace,
  checkGenotype: checkMobileGenotype,
  skeleton: mobileSkeleton,
  // C = stem channels; N is not used (each stage's depth is part of the genotype); stem stride 2, head
  // multiplier 4, SE reduction 4 (the defaults of space/mobile/skeleton.ts).
  runSkeleton: (s, io) => mobileSkeleton({ ...io, stemChannels: s.channels }),
  buildNetwork: (g, skeleton, rng) => buildMobileNetwork(g, skeleton, rng),
  costGraph: (g, skeleton) => mobileCostGraph(g, skeleton),
  latencyPieces: mobileLatencyPieces,
  // The one-shot supernet's own settings: a head conv of 2x the last width.
  oneShot: (settings, io, rng) => {
    const skeleton = mobileSkeleton({ ...io, stemChannels: settings.channels, stemStride: 2, headMultiplier: 2, seReduction: 4 });
    const m = settings.mobile;
    const net = buildMobileSupernet({ skeleton, space: { stages: m.stages, widths: [...m.widths], depths: [...m.depths] } }, rng);
    return { net, space: net.searchSpace, skeleton };
  },
};
