/**
 * Cost of a NAS-Bench-201 network (Dong & Yang, ICLR 2020) from its genotype, without building it.
 * Network: see space/nb201/skeleton.ts. Counting rules: see cost-graph.ts.
 * deadEdges 'keep' (default) counts every non-'none' edge, as NAS-Bench-201's PyTorch network instantiates them
 * (its published params/FLOPs include ops on dead edges); 'prune' counts only live edges (nb201LiveEdges).
 */
import { CostGraph, summarize, type CostReport } from '../../model/cost-graph';
import type { CostOptions } from '../descriptor';
import { NB201_EDGES, type Nb201Genotype } from './space';
import { nb201LiveEdges } from './canonical';
import { nb201Skeleton, type Nb201Skeleton } from './skeleton';
import { nb201Layout } from './layout';

export type Nb201CostOptions = CostOptions;

function cell(G: CostGraph, name: string, x: number, g: Nb201Genotype, prune: boolean): number {
  const live = nb201LiveEdges(g);
  const nodes: (number | null)[] = [x, null, null, null];
  for (let j = 1; j <= 3; j++) {
    const parts: number[] = [];
    NB201_EDGES.forEach(([i, to], e) => {
      const op = g.ops[e];
      if (to !== j || op === 'none' || (prune && !live[e])) return;
      const src = nodes[i] ?? (nodes[i] = G.zeros(`${name}.node${i}.zeros`, G.shape(x)));
      const edge = `${name}.edge${i}->${j}.${op}`;
      switch (op) {
        case 'skip_connect': parts.push(src); break;
        case 'nor_conv_1x1': parts.push(G.conv(edge, src, { k: 1, bn: true })); break;
        case 'nor_conv_3x3': parts.push(G.conv(edge, src, { k: 3, bn: true })); break;
        case 'avg_pool_3x3': parts.push(G.pool(edge, src, 3)); break;
      }
    });
    nodes[j] = parts.length === 0 ? null : parts.length === 1 ? parts[0] : G.add(`${name}.node${j}`, parts);
  }
  return nodes[3] ?? G.zeros(`${name}.out.zeros`, G.shape(x));
}

export function nb201CostGraph(g: Nb201Genotype, skeleton: Partial<Nb201Skeleton> = {}, opts: Nb201CostOptions = {}): CostGraph {
  const sk = nb201Skeleton(skeleton);
  const prune = (opts.deadEdges ?? 'keep') === 'prune';
  const layout = nb201Layout(sk);
  const G = new CostGraph();
  let x = G.input(layout.stem.inputShape);
  x = G.conv('stem', x, { k: 3, cout: layout.stem.out.c, bn: true });
  for (const step of layout.body) {
    if (step.kind === 'cell') {
      x = cell(G, `stage${step.stage + 1}.cell${step.index}`, x, g, prune);
      continue;
    }
    const name = `reduction${step.stage}`;
    const c = step.to.c;
    const a = G.conv(`${name}.conv_a`, x, { k: 3, stride: 2, cout: c, bn: true });
    const b = G.conv(`${name}.conv_b`, a, { k: 3, cout: c, bn: true });
    const p = G.pool(`${name}.shortcut.avgpool`, x, 2, 2);
    const sc = G.conv(`${name}.shortcut.conv`, p, { k: 1, cout: c });
    x = G.add(`${name}.add`, [b, sc]);
  }
  x = G.bn('lastact', x);
  x = G.gap('gap', x);
  G.dense('classifier', x, layout.head.classes);
  return G;
}

export function nb201Cost(g: Nb201Genotype, skeleton: Partial<Nb201Skeleton> = {}, opts: Nb201CostOptions = {}): CostReport {
  return summarize(nb201CostGraph(g, skeleton, opts).steps);
}
