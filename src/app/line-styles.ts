/**
 * Line styles for charts with several lines, so lines differ by pattern as well as by colour: the i-th line gets
 * STROKE_DASHES[i] (canvas dash pattern) and its uPlot legend marker the matching CSS border style.
 */
const STROKE_DASHES: readonly (readonly number[])[] = [[], [8, 4], [2, 3], [10, 3, 2, 3]];
const LEGEND_BORDERS = ['solid', 'dashed', 'dotted', 'double'] as const;

export function lineDash(i: number): number[] {
  return [...STROKE_DASHES[i % STROKE_DASHES.length]];
}

export function legendBorder(i: number): (typeof LEGEND_BORDERS)[number] {
  return LEGEND_BORDERS[i % LEGEND_BORDERS.length];
}
