/** Names and colours of the lab's strategies (one colour per strategy across chart, table and cards). */
import { isWarmSeries, seriesStrategy, type LabSeries, type LabStrategy } from '../../protocol/tabular-api';
import { STRATEGY_LABELS, STRATEGY_NAMES } from '../../shared/strategies';

const STRATEGY_COLORS: Readonly<Record<LabStrategy, string>> = { random: '#6c7a91', evolution: '#e63946', reinforce: '#457b9d', local: '#2a9d8f' };

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
  /** The warm-started twin: same colour, dashed line. */
  readonly warm: boolean;
}

/** Name and colour of a lab curve: a strategy, or the strategy with the zero-cost warm start. */
export function seriesInfo(s: LabSeries): SeriesInfo {
  const base = STRATEGY_INFO[seriesStrategy(s)];
  if (!isWarmSeries(s)) return { ...base, warm: false };
  return { name: `${base.name} + zero-cost warm start`, color: base.color, blurb: `${base.blurb}; starts from the cells a zero-cost proxy ranks best`, warm: true };
}
