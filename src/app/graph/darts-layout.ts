/**
 * DARTS cell diagram (normal or reduction): inputs c_{k-2}, c_{k-1} on the left, intermediate nodes
 * 0..3 placed in layers by longest path from the inputs (as graphviz's rankdir=LR drawing of DARTS
 * genotypes), and the cell output c_{k} on the right fed by the concatenated nodes. Node k's two edges
 * are entries 2k and 2k+1 of the genotype list: [op, input], input 0 = c_{k-2}, 1 = c_{k-1},
 * j >= 2 = intermediate node j-2.
 */
import { bezierAt, cubicPath, flowCurve, labelWidth, separateLabels, trimCubic, type CellDiagram, type GraphEdge, type GraphNode, type LabelBox, type Point } from './geometry';
import { DARTS_OPS } from '../../shared/space-vocab';
import { opStyle } from './ops';

/** The legend: the ops a derived genotype can hold (every primitive but 'none', in DARTS_OPS order). */
const LEGEND_OPS = DARTS_OPS.filter((o) => o !== 'none');

export type DartsCell = 'normal' | 'reduce';
export type DartsEdgeData = readonly [op: string, input: number];

export interface DartsCellData {
  readonly edges: readonly DartsEdgeData[];
  readonly concat: readonly number[];
}

/** Reads one cell of a DARTS genotype ({normal, normal_concat, reduce, reduce_concat}); throws naming the problem. */
export function readDartsCell(genotype: unknown, cell: DartsCell): DartsCellData {
  const g = genotype as Record<string, unknown> | null;
  const edges = g?.[cell];
  if (!Array.isArray(edges) || edges.length === 0 || edges.length % 2 !== 0) {
    throw new Error(`a DARTS genotype needs "${cell}": [op, input] pairs, two per intermediate node`);
  }
  const steps = edges.length / 2;
  edges.forEach((e, i) => {
    const ok = Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Number.isInteger(e[1]) && e[1] >= 0 && e[1] < Math.floor(i / 2) + 2;
    if (!ok) throw new Error(`${cell}[${i}] must be [op, input] with input 0..${Math.floor(i / 2) + 1}, got ${JSON.stringify(e)}`);
  });
  const rawConcat = g?.[`${cell}_concat`];
  const concat = Array.isArray(rawConcat) && rawConcat.every((x) => Number.isInteger(x) && x >= 2 && x < steps + 2)
    ? (rawConcat as number[])
    : Array.from({ length: steps }, (_, k) => k + 2);
  return { edges: edges as DartsEdgeData[], concat };
}

/** Longest-path layer of every state: inputs 0, node k = 1 + max(layer of its inputs). */
export function dartsLayers(edges: readonly DartsEdgeData[]): number[] {
  const steps = edges.length / 2;
  const layer = [0, 0];
  for (let k = 0; k < steps; k++) layer.push(1 + Math.max(layer[edges[2 * k][1]], layer[edges[2 * k + 1][1]]));
  return layer;
}

const DX = 168;
const DY = 74;
const MARGIN_X = 46;
const MARGIN_Y = 34;
const R_IO = 21;
const R_NODE = 15;

export function stateName(s: number): string {
  return s === 0 ? 'c_{k-2}' : s === 1 ? 'c_{k-1}' : `node ${s - 2}`;
}

export function layoutDartsCell(genotype: unknown, cell: DartsCell): CellDiagram {
  const { edges, concat } = readDartsCell(genotype, cell);
  const steps = edges.length / 2;
  const layer = dartsLayers(edges);
  const outLayer = Math.max(...layer) + 1;
  const byLayer = new Map<number, number[]>();
  layer.forEach((l, s) => byLayer.set(l, [...(byLayer.get(l) ?? []), s]));
  const rows = Math.max(2, ...[...byLayer.values()].map((xs) => xs.length));
  const height = MARGIN_Y * 2 + (rows - 1) * DY + 20;
  const midY = height / 2;
  const pos: Point[] = [];
  for (const [l, states] of byLayer) {
    states.forEach((s, i) => {
      pos[s] = { x: MARGIN_X + l * DX, y: midY + (i - (states.length - 1) / 2) * DY };
    });
  }
  const outPos: Point = { x: MARGIN_X + outLayer * DX, y: midY };
  const width = outPos.x + MARGIN_X + 8;
  const radius = (s: number) => (s < 2 ? R_IO : R_NODE);

  const nodes: GraphNode[] = [
    { id: 's0', label: 'c', sub: 'k-2', x: pos[0].x, y: pos[0].y, r: R_IO, kind: 'input', dead: false },
    { id: 's1', label: 'c', sub: 'k-1', x: pos[1].x, y: pos[1].y, r: R_IO, kind: 'input', dead: false },
    ...Array.from({ length: steps }, (_, k): GraphNode => ({ id: `s${k + 2}`, label: String(k), x: pos[k + 2].x, y: pos[k + 2].y, r: R_NODE, kind: 'intermediate', dead: false })),
    { id: 'out', label: 'c', sub: 'k', caption: 'concat', captionSide: 'below', x: outPos.x, y: outPos.y, r: R_IO, kind: 'output', dead: false },
  ];

  const boxes: LabelBox[] = [];
  const drafts: Omit<GraphEdge, 'labelAt'>[] = [];
  edges.forEach(([op, input], e) => {
    const target = Math.floor(e / 2) + 2;
    const span = layer[target] - layer[input];
    const a = pos[input];
    const b = pos[target];
    // An edge skipping layers bows away from the middle so it does not run through the nodes between.
    const bow = span > 1 ? (((a.y + b.y) / 2 <= midY ? -1 : 1) * 26 * (span - 1)) : 0;
    const full = flowCurve(a, b, bow);
    const curve = trimCubic(full, radius(input), radius(target) + 1);
    const style = opStyle(op);
    const label = style.short;
    const w = labelWidth(label);
    // A node's two edges put their labels at different distances along (a third / two thirds), so the
    // labels of edges converging on one node never sit side by side.
    const at = bezierAt(full, e % 2 === 0 ? 0.34 : 0.68);
    boxes.push({ x: at.x, y: at.y, w, h: 16 });
    drafts.push({
      id: `${cell}:${e}`,
      from: `s${input}`,
      to: `s${target}`,
      op,
      label,
      color: style.color,
      state: op === 'none' ? 'none' : 'live',
      dashed: style.dashed,
      path: cubicPath(curve),
      labelWidth: w,
      title: `${stateName(input)} → node ${target - 2}: ${op}`,
    });
  });
  separateLabels(boxes);
  const opEdges: GraphEdge[] = drafts.map((d, i) => ({ ...d, labelAt: { x: boxes[i].x, y: boxes[i].y } }));
  const concatEdges: GraphEdge[] = concat.map((s) => ({
    id: `${cell}:concat:${s - 2}`,
    from: `s${s}`,
    to: 'out',
    op: null,
    label: '',
    color: '#8d99ae',
    state: 'live',
    dashed: false,
    path: cubicPath(trimCubic(flowCurve(pos[s], outPos, 0), R_NODE, R_IO + 1)),
    labelAt: outPos,
    labelWidth: 0,
    title: `node ${s - 2} → c_{k} (concatenated)`,
  }));

  const what = cell === 'normal' ? 'Normal cell (keeps resolution)' : 'Reduction cell (halves resolution, doubles channels)';
  const lines = Array.from({ length: steps }, (_, k) => {
    const [o1, i1] = edges[2 * k];
    const [o2, i2] = edges[2 * k + 1];
    return `node ${k} = ${o1}(${stateName(i1)}) + ${o2}(${stateName(i2)})`;
  });
  return {
    kind: 'cell',
    width,
    height,
    nodes,
    edges: [...concatEdges, ...opEdges],
    legendOps: LEGEND_OPS,
    hasDead: false,
    description: `${what}. ${lines.join('; ')}; output c_{k} = concat(${concat.map((s) => `node ${s - 2}`).join(', ')}).`,
  };
}
