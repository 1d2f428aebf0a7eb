/** Names and colours of the lab's strategies (one colour per strategy across chart, table and cards). */
import { isWarmSeries, seriesStrategy, type LabSeries, type LabStrategy } from '../../protocol/tabular-api';

export const STRATEGY_INFO: Readonly<Record<LabStrategy, { readonly name: string; readonly color: string; readonly blurb: string }>> = {
  random: { name: 'Random search', color: '#6c7a91', blurb: 'samples cells uniformly, never repeating one: the baseline every method must beat' },
  evolution: { name: 'Regularized evolution', color: '#e63946', blurb: 'mutates the best of a random sample of a population, retiring the oldest (REA)' },
  reinforce: { name: 'REINFORCE', color: '#457b9d', blurb: 'a policy over each edge\'s op, pushed towards ops of high-reward cells' },
  local: { name: 'Local search', color: '#2a9d8f', blurb: 'climbs to the best neighbour (one edge changed), restarting at local optima' },
};

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
