/** Presentational helpers of the app's diagrams and charts (pure: no DOM, no engine code). */
export * from './geometry';
export * from './ops';
export * from './nb201-layout';
export * from './darts-layout';
export * from './mobile-layout';
export * from './metrics';
export * from './pareto-view';

import { layoutDartsCell, type DartsCell } from './darts-layout';
import type { CellDiagram } from './geometry';
import { layoutMobile, type StageDiagram } from './mobile-layout';
import { layoutNb201 } from './nb201-layout';
import type { SpaceKind } from '../../shared/space-config';

export type Diagram = CellDiagram | StageDiagram;

export interface DiagramPanel {
  /** Heading of the panel, e.g. "Normal cell"; empty when the space has one diagram. */
  readonly heading: string;
  readonly diagram: Diagram;
}

/** How each space draws a genotype: one table keyed by space id (no switch on the id elsewhere in the app). */
const DIAGRAMS: Readonly<Record<SpaceKind, (genotype: unknown, only?: DartsCell) => DiagramPanel[]>> = {
  nb201: (genotype) => [{ heading: '', diagram: layoutNb201(genotype) }],
  darts: (genotype, only) => {
    const cells: DartsCell[] = only ? [only] : ['normal', 'reduce'];
    return cells.map((c) => ({ heading: c === 'normal' ? 'Normal cell' : 'Reduction cell', diagram: layoutDartsCell(genotype, c) }));
  },
  mobile: (genotype) => [{ heading: '', diagram: layoutMobile(genotype) }],
};

/**
 * Every diagram of a genotype in a space: NB201 one cell, DARTS the normal and the reduction cell
 * (or just one of them), mobile one stage diagram. Throws a readable message for an unknown space or a
 * genotype that does not fit it.
 */
export function layoutGenotype(space: string, genotype: unknown, only?: DartsCell): DiagramPanel[] {
  const draw = Object.hasOwn(DIAGRAMS, space) ? DIAGRAMS[space as SpaceKind] : undefined;
  if (!draw) throw new Error(`no diagram for search space "${space}"`);
  return draw(genotype, only);
}
