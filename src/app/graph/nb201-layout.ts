/**
 * NAS-Bench-201 cell diagram: nodes 0 (input) .. 3 (output) on a line, edge i->j carrying one op;
 * neighbouring edges straight, 0->2 and 1->3 arched above, 0->3 below. An edge is
 *  - none: the zero op (drawn faint and dashed),
 *  - dead: a real op whose result never reaches the output, or whose input is always zero,
 *  - live: everything else.
 */
import { arc, cubicPath, labelWidth, separateLabels, trimCubic, type CellDiagram, type GraphEdge, type GraphNode, type LabelBox, type Point } from './geometry';
import { nb201Liveness } from '../../shared/nb201-liveness';
import { NB201_EDGES, NB201_OPS } from '../../shared/space-vocab';
import { DEAD_COLOR, opStyle } from './ops';

export { nb201Liveness, type Nb201Liveness } from '../../shared/nb201-liveness';

/** Reads `{ops: [6 op names]}`; throws a message naming the problem. */
export function readNb201(genotype: unknown): readonly string[] {
  const ops = (genotype as { ops?: unknown } | null)?.ops;
  if (!Array.isArray(ops) || ops.length !== 6 || !ops.every((o) => typeof o === 'string')) {
    throw new Error('an NB201 genotype is {ops: [6 op names]} in edge order 0→1, 0→2, 1→2, 0→3, 1→3, 2→3');
  }
  return ops as string[];
}

const W = 460;
const H = 174;
const Y = 88;
const XS = [62, 174, 286, 398];
const R = 16;

/** Bow of each edge (negative: above the line). */
const BOW: readonly number[] = [0, -50, 0, 64, -50, 0];

export function layoutNb201(genotype: unknown): CellDiagram {
  const ops = readNb201(genotype);
  const live = nb201Liveness(ops);
  const pos = (i: number): Point => ({ x: XS[i], y: Y });
  const nodes: GraphNode[] = XS.map((x, i) => ({
    id: String(i),
    label: String(i),
    x,
    y: Y,
    r: R,
    kind: i === 0 ? 'input' : i === 3 ? 'output' : 'intermediate',
    caption: i === 0 ? 'input' : i === 3 ? 'output' : undefined,
    captionSide: i === 0 ? 'left' : i === 3 ? 'right' : undefined,
    dead: i === 0 || i === 3 ? !live.connected : !(live.fed[i] && live.reaches[i]),
  }));

  const boxes: LabelBox[] = [];
  const drafts = NB201_EDGES.map(([a, b], e) => {
    const op = ops[e];
    const style = opStyle(op);
    const curve = trimCubic(arc(pos(a), pos(b), BOW[e]), R, R + 1);
    const state = live.edges[e];
    const label = style.short;
    const w = labelWidth(label);
    const mid = { x: (pos(a).x + pos(b).x) / 2, y: Y + BOW[e] };
    boxes.push({ x: mid.x, y: mid.y, w, h: 16 });
    const why = state === 'dead' ? (live.fed[a] ? ` — dead: node ${b} never reaches the output` : ` — dead: node ${a} only ever holds zeros`) : '';
    return {
      id: `${a}-${b}`,
      from: String(a),
      to: String(b),
      op,
      label,
      color: state === 'dead' ? DEAD_COLOR : style.color,
      state,
      dashed: style.dashed,
      path: cubicPath(curve),
      labelWidth: w,
      title: `edge ${a}→${b}: ${op}${why}`,
    };
  });
  separateLabels(boxes);
  const edges: GraphEdge[] = drafts.map((d, e) => ({ ...d, labelAt: { x: boxes[e].x, y: boxes[e].y } }));

  const lines = NB201_EDGES.map(([a, b], e) => `edge ${a} to ${b}: ${ops[e]}${live.edges[e] === 'dead' ? ' (dead)' : ''}`);
  const note = live.connected ? undefined : 'No path of non-zero ops joins input to output: this cell always outputs zeros.';
  return {
    kind: 'cell',
    width: W,
    height: H,
    nodes,
    edges,
    legendOps: NB201_OPS,
    hasDead: live.edges.includes('dead'),
    description: `NAS-Bench-201 cell, 4 nodes (0 input, 3 output). ${lines.join('; ')}.${note ? ` ${note}` : ''}`,
    note,
  };
}
