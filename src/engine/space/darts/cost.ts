/**
 * Cost of a DARTS network (Liu et al., ICLR 2019; NetworkCIFAR without the auxiliary head) from its genotype,
 * without building it. Network: see space/darts/skeleton.ts, walked by layout.ts. Counting rules: see cost-graph.ts.
 */
import { CostGraph, summarize, type CostReport } from '../../model/cost-graph';
import type { DartsEdge, DartsGenotype } from './genotype';
import { dartsSkeleton, type DartsSkeleton } from './skeleton';
import { dartsLayout, dartsOpStride } from './layout';

/** ReLU, two conv1x1 stride 2 with cout/2 channels each, concat, BN(cout). */
function factorizedReduce(G: CostGraph, name: string, x: number, cout: number): number {
  const a = G.conv(`${name}.conv_1`, x, { k: 1, stride: 2, cout: cout / 2 });
  const b = G.conv(`${name}.conv_2`, x, { k: 1, stride: 2, cout: cout / 2 });
  return G.concat(`${name}.concat_bn`, [a, b], true);
}

function op(G: CostGraph, name: string, x: number, [opName]: DartsEdge, stride: number, C: number): number {
  switch (opName) {
    case 'max_pool_3x3':
    case 'avg_pool_3x3':
      return G.pool(name, x, 3, stride);
    case 'skip_connect':
      return stride === 1 ? x : factorizedReduce(G, name, x, C);
    case 'sep_conv_3x3':
    case 'sep_conv_5x5': {
      const k = opName === 'sep_conv_3x3' ? 3 : 5;
      let h = G.conv(`${name}.dw1`, x, { k, stride, depthwise: true });
      h = G.conv(`${name}.pw1`, h, { k: 1, cout: C, bn: true });
      h = G.conv(`${name}.dw2`, h, { k, depthwise: true });
      return G.conv(`${name}.pw2`, h, { k: 1, cout: C, bn: true });
    }
    case 'dil_conv_3x3':
    case 'dil_conv_5x5': {
      const k = opName === 'dil_conv_3x3' ? 3 : 5;
      const h = G.conv(`${name}.dw`, x, { k, stride, depthwise: true });
      return G.conv(`${name}.pw`, h, { k: 1, cout: C, bn: true });
    }
  }
}

export function dartsCostGraph(g: DartsGenotype, skeleton: Partial<DartsSkeleton> = {}): CostGraph {
  const layout = dartsLayout(dartsSkeleton(skeleton));
  const G = new CostGraph();
  const x = G.input(layout.stem.inputShape);
  const stem = G.conv('stem', x, { k: 3, cout: layout.stem.channels, bn: true });
  let s0 = stem;
  let s1 = stem;
  for (const slot of layout.cells) {
    const { C, reduction } = slot;
    const name = `cell${slot.index}`;
    const p0 = slot.reductionPrev ? factorizedReduce(G, `${name}.preprocess0`, s0, C) : G.conv(`${name}.preprocess0`, s0, { k: 1, cout: C, bn: true });
    const p1 = G.conv(`${name}.preprocess1`, s1, { k: 1, cout: C, bn: true });
    const states = [p0, p1];
    const edges = reduction ? g.reduce : g.normal;
    const concat = reduction ? g.reduce_concat : g.normal_concat;
    for (let k = 0; k < edges.length / 2; k++) {
      const outs = [edges[2 * k], edges[2 * k + 1]].map((edge, e) =>
        op(G, `${name}.node${k + 2}.${e}.${edge[0]}`, states[edge[1]], edge, dartsOpStride(slot, edge[1]), C));
      states.push(G.add(`${name}.node${k + 2}`, outs));
    }
    const out = G.concat(`${name}.concat`, concat.map((s) => states[s]));
    s0 = s1;
    s1 = out;
  }
  const pooled = G.gap('gap', s1);
  G.dense('classifier', pooled, layout.head.classes);
  return G;
}

export function dartsCost(g: DartsGenotype, skeleton: Partial<DartsSkeleton> = {}): CostReport {
  return summarize(dartsCostGraph(g, skeleton).steps);
}
