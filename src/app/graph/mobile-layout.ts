/**
 * Mobile macro space as a stage diagram: one box per stage, left to right, showing the block type and
 * expansion, depthwise kernel, squeeze-and-excitation, width (also as a bar scaled to the widest stage),
 * depth (stacked outlines behind the box) and the stride of the stage's first block (with the running
 * downsampling factor).
 */
import { blockColor, blockLabel } from './ops';

export interface MobileStageData {
  readonly block: string;
  readonly expand: number;
  readonly kernel: number;
  readonly se: boolean;
  readonly width: number;
  readonly depth: number;
  readonly stride: number;
}

export interface StageBox {
  readonly index: number;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly title: string;
  readonly color: string;
  readonly stage: MobileStageData;
  /** width / widest width of the genotype, 0..1. */
  readonly widthFrac: number;
  /** Spatial downsampling after this stage (product of strides so far). */
  readonly downsample: number;
}

export interface StageDiagram {
  readonly kind: 'stages';
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly StageBox[];
  /** Arrow segments between consecutive boxes (and from the input / to the head). */
  readonly arrows: readonly { readonly x1: number; readonly x2: number; readonly y: number }[];
  readonly description: string;
}

export function readMobile(genotype: unknown): readonly MobileStageData[] {
  const stages = (genotype as { stages?: unknown } | null)?.stages;
  if (!Array.isArray(stages) || stages.length === 0) throw new Error('a mobile genotype is {stages: [{block, expand, kernel, se, width, depth, stride}, ...]}');
  return stages.map((s, i) => {
    const x = s as Record<string, unknown> | null;
    const num = (k: string) => {
      const v = x?.[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`stages[${i}].${k} must be a number, got ${JSON.stringify(v)}`);
      return v;
    };
    if (typeof x?.block !== 'string') throw new Error(`stages[${i}].block must be "ds" or "mb"`);
    return { block: x.block, expand: num('expand'), kernel: num('kernel'), se: x.se === true, width: num('width'), depth: num('depth'), stride: num('stride') };
  });
}

const BOX_W = 104;
const BOX_H = 124;
const GAP = 30;
const LEFT = 52;
const TOP = 34;
const DEPTH_STEP = 4;

export function layoutMobile(genotype: unknown): StageDiagram {
  const stages = readMobile(genotype);
  const widest = Math.max(...stages.map((s) => s.width));
  let down = 1;
  const boxes = stages.map((stage, i): StageBox => {
    down *= stage.stride;
    return {
      index: i,
      x: LEFT + i * (BOX_W + GAP),
      y: TOP,
      w: BOX_W,
      h: BOX_H,
      title: blockLabel(stage.block, stage.expand),
      color: blockColor(stage.block, stage.expand),
      stage,
      widthFrac: widest > 0 ? stage.width / widest : 0,
      downsample: down,
    };
  });
  const last = boxes[boxes.length - 1];
  const width = last.x + BOX_W + 52 + DEPTH_STEP * 3;
  const height = TOP + BOX_H + 46;
  const y = TOP + BOX_H / 2;
  const arrows = [
    { x1: 8, x2: LEFT - 4, y },
    ...boxes.slice(1).map((b, i) => ({ x1: boxes[i].x + BOX_W + 2, x2: b.x - 4, y })),
    { x1: last.x + BOX_W + 2, x2: width - 8, y },
  ];
  const description = stages
    .map((s, i) => `stage ${i + 1}: ${blockLabel(s.block, s.expand)}, kernel ${s.kernel}x${s.kernel}, ${s.se ? 'with' : 'no'} squeeze-and-excitation, width ${s.width}, depth ${s.depth}, stride ${s.stride}`)
    .join('; ');
  return { kind: 'stages', width, height, boxes, arrows, description: `Mobile macro network, ${stages.length} stages. ${description}.` };
}
