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

export type Diagram = CellDiagram | StageDiagram;

export interface DiagramPanel {
  /** Heading of the panel, e.g. "Normal cell"; empty when the space has one diagram. */
  readonly heading: string;
  readonly diagram: Diagram;
}

/**
 * Every diagram of a genotype in a space: NB201 one cell, DARTS the normal and the reduction cell
 * (or just one of them), mobile one stage diagram. Throws a readable message for an unknown space or a
 * genotype that does not fit it.
 */
export function layoutGenotype(space: string, genotype: unknown, only?: DartsCell): DiagramPanel[] {
  switch (space) {
    case 'nb201':
      return [{ heading: '', diagram: layoutNb201(genotype) }];
    case 'darts': {
      const cells: DartsCell[] = only ? [only] : ['normal', 'reduce'];
      return cells.map((c) => ({ heading: c === 'normal' ? 'Normal cell' : 'Reduction cell', diagram: layoutDartsCell(genotype, c) }));
    }
    case 'mobile':
      return [{ heading: '', diagram: layoutMobile(genotype) }];
    default:
      throw new Error(`no diagram for search space "${space}"`);
  }
}
