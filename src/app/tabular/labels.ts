/** Names and colours of the lab's strategies (one colour per strategy across chart, table and cards). */
import { isWarmSeries, seriesStrategy, type LabSeries, type LabStrategy } from '../../protocol/tabular-api';
import { STRATEGY_LABELS, STRATEGY_NAMES } from '../../shared/strategies';
import type { MarkerShape } from '../marker-shapes';

const STRATEGY_COLORS: Readonly<Record<LabStrategy, string>> = { random: '#6c7a91', evolution: '#e63946', reinforce: '#457b9d', local: '#2a9d8f' };
/** Each strategy's curve also carries markers of its own shape: told apart without colour. */
export const STRATEGY_SHAPES: Readonly<Record<LabStrategy, MarkerShape>> = { random: 'circle', evolution: 'square', reinforce: 'triangle', local: 'diamond' };

export const STRATEGY_INFO: Readonly<Record<LabStrategy, { readonly name: string; readonly color: string; readonly blurb: string }>> = Object.fromEntries(
  STRATEGY_NAMES.map((s) => [s, { name: STRATEGY_LABELS[s].title, color: STRATEGY_COLORS[s], blurb: STRATEGY_LABELS[s].blurb }]),
) as Record<LabStrategy, { readonly name: string; readonly color: string; readonly blurb: string }>;

/** rgba() of a #rrggbb colour, for translucent bands. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export interface SeriesInfo {
  readonly name: string;
  readonly color: string;
  readonly blurb: string;
  /** The warm-started twin: same colour and marker shape (hollow), dashed line. */
  readonly warm: boolean;
  readonly shape: MarkerShape;
}

/** Name and colour of a lab curve: a strategy, or the strategy with the zero-cost warm start. */
export function seriesInfo(s: LabSeries): SeriesInfo {
  const base = STRATEGY_INFO[seriesStrategy(s)];
  const shape = STRATEGY_SHAPES[seriesStrategy(s)];
  if (!isWarmSeries(s)) return { ...base, warm: false, shape };
  return { name: `${base.name} + zero-cost warm start`, color: base.color, blurb: `${base.blurb}; starts from the cells a zero-cost proxy ranks best`, warm: true, shape };
}
