/**
 * Presentation of op names: one colour and one short label per op, shared by every view so a colour
 * means the same op everywhere (the same `skip_connect` green in an NB201 cell and a DARTS cell).
 * Okabe–Ito colours (distinguishable with the common colour-vision deficiencies); `none` is drawn
 * faint and dashed rather than by colour alone. The op names themselves are the shared vocabulary
 * (src/shared/space-vocab.ts).
 */

export interface OpStyle {
  readonly color: string;
  /** Short label drawn on the edge. */
  readonly short: string;
  /** What the op is, for the legend and tooltips. */
  readonly description: string;
  readonly dashed: boolean;
}

const STYLES: Readonly<Record<string, OpStyle>> = {
  none: { color: '#9aa3b2', short: 'none', description: 'zero (edge removed)', dashed: true },
  skip_connect: { color: '#009E73', short: 'skip', description: 'identity (skip connection)', dashed: false },
  nor_conv_1x1: { color: '#56B4E9', short: 'conv 1×1', description: 'ReLU-conv 1×1-BN', dashed: false },
  nor_conv_3x3: { color: '#0072B2', short: 'conv 3×3', description: 'ReLU-conv 3×3-BN', dashed: false },
  avg_pool_3x3: { color: '#E69F00', short: 'avg pool', description: '3×3 average pooling', dashed: false },
  max_pool_3x3: { color: '#D55E00', short: 'max pool', description: '3×3 max pooling', dashed: false },
  sep_conv_3x3: { color: '#0072B2', short: 'sep 3×3', description: 'separable conv 3×3 (applied twice)', dashed: false },
  sep_conv_5x5: { color: '#56B4E9', short: 'sep 5×5', description: 'separable conv 5×5 (applied twice)', dashed: false },
  dil_conv_3x3: { color: '#CC79A7', short: 'dil 3×3', description: 'dilated separable conv 3×3', dashed: false },
  dil_conv_5x5: { color: '#7B3294', short: 'dil 5×5', description: 'dilated separable conv 5×5', dashed: false },
};

export const DEAD_COLOR = '#c5cad3';

export function opStyle(op: string): OpStyle {
  return STYLES[op] ?? { color: '#4a5568', short: op.replace(/_/g, ' '), description: op, dashed: false };
}

/** Mobile macro-space block colours: depthwise-separable vs inverted bottleneck by expansion. */
export function blockColor(block: string, expand: number): string {
  if (block === 'ds') return '#009E73';
  if (expand <= 3) return '#56B4E9';
  if (expand <= 4) return '#0072B2';
  return '#1d3557';
}

export function blockLabel(block: string, expand: number): string {
  return block === 'ds' ? 'DS conv' : `MBConv${expand}`;
}
