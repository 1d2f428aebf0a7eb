/**
 * The drawing model every cell diagram is laid out into (nodes, edges as cubic Béziers with a label
 * position), plus the little geometry it needs. Pure: no DOM, so it is unit-tested under Node.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type NodeKind = 'input' | 'intermediate' | 'output';

export interface GraphNode {
  readonly id: string;
  /** Main text, e.g. "0" or "c"; `sub` is drawn as a subscript ("k-2"). */
  readonly label: string;
  readonly sub?: string;
  /** Small text beside the node ("input", "output"). */
  readonly caption?: string;
  readonly captionSide?: 'left' | 'right' | 'below';
  readonly x: number;
  readonly y: number;
  readonly r: number;
  readonly kind: NodeKind;
  /** Carries nothing to the output (all its inputs are zero, or it reaches no output). */
  readonly dead: boolean;
}

/** live: computes something that reaches the output; none: the zero op; dead: a real op whose result is lost. */
export type EdgeState = 'live' | 'none' | 'dead';

export interface GraphEdge {
  /** Stable key (NB201: "1-3"; DARTS: "normal:5"); later views key edge weights (alphas) by it. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Op name, or null for a plain connection (DARTS concat into the cell output). */
  readonly op: string | null;
  readonly label: string;
  readonly color: string;
  readonly state: EdgeState;
  readonly dashed: boolean;
  /** SVG path data. */
  readonly path: string;
  readonly labelAt: Point;
  readonly labelWidth: number;
  /** Tooltip: "edge 0→2: nor_conv_3x3". */
  readonly title: string;
}

export interface CellDiagram {
  readonly kind: 'cell';
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Ops for the legend, in the space's order. */
  readonly legendOps: readonly string[];
  /** Whether any edge is dead (the legend then explains grey). */
  readonly hasDead: boolean;
  /** Plain-text account of the cell, for screen readers (<desc>). */
  readonly description: string;
  /** A warning worth showing, e.g. "no path from input to output: this cell outputs zeros". */
  readonly note?: string;
}

export interface Cubic {
  readonly p0: Point;
  readonly c1: Point;
  readonly c2: Point;
  readonly p3: Point;
}

const CHAR_WIDTH = 6.3;

/** Width of a label pill for `text` at the diagram's 11px font (a fixed estimate: no DOM to measure). */
export function labelWidth(text: string): number {
  return Math.ceil(text.length * CHAR_WIDTH + 10);
}

export function bezierAt(c: Cubic, t: number): Point {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const d = 3 * u * t * t;
  const e = t * t * t;
  return { x: a * c.p0.x + b * c.c1.x + d * c.c2.x + e * c.p3.x, y: a * c.p0.y + b * c.c1.y + d * c.c2.y + e * c.p3.y };
}

function toward(from: Point, to: Point, dist: number): Point {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const len = Math.hypot(dx, dy) || 1;
  return { x: from.x + (dx / len) * dist, y: from.y + (dy / len) * dist };
}

/** Trims a curve so it starts on the source circle and ends on the target circle (the arrowhead's tip). */
export function trimCubic(c: Cubic, r0: number, r3: number): Cubic {
  return { ...c, p0: toward(c.p0, c.c1, r0), p3: toward(c.p3, c.c2, r3) };
}

export function cubicPath(c: Cubic): string {
  const f = (p: Point) => `${round(p.x)} ${round(p.y)}`;
  return `M ${f(c.p0)} C ${f(c.c1)}, ${f(c.c2)}, ${f(c.p3)}`;
}

export const round = (x: number) => Math.round(x * 10) / 10;

/**
 * An arch from a to b whose middle sits `bow` px off the straight line (negative: upwards), with the
 * control points a little inside the ends so it leaves and enters the nodes at an angle.
 */
export function arc(a: Point, b: Point, bow: number): Cubic {
  const k = bow / 0.75; // a cubic's midpoint lies 3/4 of the way to its (equal) control-point offsets
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  // Unit normal; for a left-to-right edge it points down (+y), so a negative bow arches upwards.
  const nx = -dy / len;
  const ny = dx / len;
  const s = bow === 0 ? 1 / 3 : 0.15;
  return {
    p0: a,
    c1: { x: a.x + dx * s + nx * k, y: a.y + dy * s + ny * k },
    c2: { x: b.x - dx * s + nx * k, y: b.y - dy * s + ny * k },
    p3: b,
  };
}

/** A left-to-right spline leaving and entering horizontally (graphviz-like), optionally bowed by `bow` px. */
export function flowCurve(a: Point, b: Point, bow = 0): Cubic {
  const dx = (b.x - a.x) * 0.45;
  const k = bow / 0.75;
  return { p0: a, c1: { x: a.x + dx, y: a.y + k }, c2: { x: b.x - dx, y: b.y + k }, p3: b };
}

export interface LabelBox {
  x: number;
  y: number;
  readonly w: number;
  readonly h: number;
}

function overlapY(a: LabelBox, b: LabelBox, gap: number): number {
  const ox = Math.min(a.x + a.w / 2, b.x + b.w / 2) - Math.max(a.x - a.w / 2, b.x - b.w / 2);
  if (ox <= -gap) return 0;
  const oy = Math.min(a.y + a.h / 2, b.y + b.h / 2) - Math.max(a.y - a.h / 2, b.y - b.h / 2);
  return oy > -gap ? oy + gap : 0;
}

/**
 * Moves overlapping label boxes (centred at x, y) apart vertically until no two overlap (within `gap`),
 * in place. Deterministic: pairs are visited in index order and the lower box moves down.
 */
export function separateLabels(boxes: LabelBox[], gap = 2, maxIter = 200): LabelBox[] {
  for (let it = 0; it < maxIter; it++) {
    let moved = false;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const o = overlapY(boxes[i], boxes[j], gap);
        if (o <= 0) continue;
        const [upper, lower] = boxes[i].y <= boxes[j].y ? [boxes[i], boxes[j]] : [boxes[j], boxes[i]];
        upper.y -= o / 2;
        lower.y += o / 2;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return boxes;
}

/** Whether any two boxes overlap (touching allowed). */
export function anyOverlap(boxes: readonly LabelBox[]): boolean {
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlapY(boxes[i], boxes[j], 0) > 1e-9) return true;
  return false;
}
