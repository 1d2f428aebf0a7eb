/**
 * Marker shapes, so that a chart's series or classes differ by shape as well as by colour (colour is never the only
 * carrier of meaning). One SVG path per shape serves both SVG charts and legends (`<path d>`) and canvas charts
 * (`new Path2D(d)`).
 */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';

export const MARKER_SHAPES: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

/** SVG path data of `shape` centred on (cx, cy), fitting a circle of radius r (areas roughly equal). */
export function markerPath(shape: MarkerShape, cx: number, cy: number, r: number): string {
  const f = (v: number) => Number(v.toFixed(2));
  switch (shape) {
    case 'circle':
      return `M${f(cx - r)},${f(cy)}a${f(r)},${f(r)} 0 1,0 ${f(2 * r)},0a${f(r)},${f(r)} 0 1,0 ${f(-2 * r)},0Z`;
    case 'square': {
      const h = r * 0.88;
      return `M${f(cx - h)},${f(cy - h)}H${f(cx + h)}V${f(cy + h)}H${f(cx - h)}Z`;
    }
    case 'triangle': {
      const t = r * 1.25;
      return `M${f(cx)},${f(cy - t)}L${f(cx + t * 0.866)},${f(cy + t * 0.5)}L${f(cx - t * 0.866)},${f(cy + t * 0.5)}Z`;
    }
    case 'diamond': {
      const d = r * 1.2;
      return `M${f(cx)},${f(cy - d)}L${f(cx + d)},${f(cy)}L${f(cx)},${f(cy + d)}L${f(cx - d)},${f(cy)}Z`;
    }
  }
}
