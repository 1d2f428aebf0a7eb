/** Names and colours of the lab's strategies (one colour per strategy across chart, table and cards). */
import type { LabStrategy } from '../../protocol/tabular-api';

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
