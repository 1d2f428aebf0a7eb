import { describe, expect, it } from 'vitest';
import { MARKER_SHAPES, markerPath } from '../../src/app/marker-shapes';

/** The points a path visits (absolute commands only; the circle's arcs are checked by their endpoints). */
function extent(d: string): { minX: number; maxX: number; minY: number; maxY: number } {
  const nums = d.match(/-?\d+(\.\d+)?/g)!.map(Number);
  if (d.startsWith('M') && d.includes('a')) {
    const [x0, y0, r] = nums;
    return { minX: x0, maxX: x0 + 2 * r, minY: y0 - r, maxY: y0 + r };
  }
  const xs: number[] = [];
  const ys: number[] = [];
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d.matchAll(/([MLHVZ])([^MLHVZ]*)/g)) {
    const v = args.split(/[ ,]/).filter(Boolean).map(Number);
    if (cmd === 'M' || cmd === 'L') [x, y] = v;
    else if (cmd === 'H') [x] = v;
    else if (cmd === 'V') [y] = v;
    if (cmd !== 'Z') {
      xs.push(x);
      ys.push(y);
    }
  }
  return { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) };
}

describe('marker shapes', () => {
  it('draws four different closed shapes around the given centre, about the given size', () => {
    const paths = MARKER_SHAPES.map((s) => markerPath(s, 50, 20, 5));
    expect(new Set(paths).size).toBe(4);
    for (const [i, d] of paths.entries()) {
      expect(d, MARKER_SHAPES[i]).toMatch(/^M.*Z$/);
      const e = extent(d);
      // Centred on (50, 20) within a pixel, between 4 and 7 px from the centre at the widest.
      expect(Math.abs((e.minX + e.maxX) / 2 - 50), MARKER_SHAPES[i]).toBeLessThan(1);
      expect(e.maxX - 50, MARKER_SHAPES[i]).toBeGreaterThanOrEqual(4);
      expect(e.maxX - 50, MARKER_SHAPES[i]).toBeLessThanOrEqual(7);
      expect(e.maxY - e.minY, MARKER_SHAPES[i]).toBeGreaterThanOrEqual(8);
    }
  });
});
