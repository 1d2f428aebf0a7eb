/**
 * Cost of a mobile macro-space network (the field guide's worked example; MnasNet-style blocks) from its
 * genotype, without building it. Network: see space/mobile/skeleton.ts, walked by layout.ts. Counting rules: see cost-graph.ts.
 */
import { CostGraph, summarize, type CostReport } from '../../model/cost-graph';
import type { MobileGenotype } from './space';
import { mobileSkeleton, seChannels, type MobileSkeleton } from './skeleton';
import { mobileLayout } from './layout';

function squeezeExcite(G: CostGraph, name: string, x: number, reduction: number): number {
  const c = G.shape(x)[2];
  const pooled = G.gap(`${name}.gap`, x);
  const squeezed = G.dense(`${name}.reduce`, pooled, seChannels(c, reduction));
  const gates = G.dense(`${name}.expand`, squeezed, c);
  return G.mul(`${name}.scale`, x, gates);
}

export function mobileCostGraph(g: MobileGenotype, skeleton: Partial<MobileSkeleton> = {}): CostGraph {
  const sk = mobileSkeleton(skeleton);
  const layout = mobileLayout(g, sk);
  const G = new CostGraph();
  let x = G.input(layout.stem.inputShape);
  x = G.conv('stem', x, { k: 3, stride: layout.stem.stride, cout: layout.stem.channels, bn: true });
  for (const { stage, block, spec: st, stride, input } of layout.blocks) {
    const name = `stage${stage + 1}.block${block}`;
    const cin = input[2];
    let h = x;
    if (st.block === 'mb') h = G.conv(`${name}.expand`, h, { k: 1, cout: cin * st.expand, bn: true });
    h = G.conv(`${name}.dw`, h, { k: st.kernel, stride, depthwise: true, bn: true });
    if (st.se) h = squeezeExcite(G, `${name}.se`, h, sk.seReduction);
    h = G.conv(`${name}.${st.block === 'mb' ? 'project' : 'pw'}`, h, { k: 1, cout: st.width, bn: true });
    x = stride === 1 && cin === st.width ? G.add(`${name}.residual`, [x, h]) : h;
  }
  if (layout.headConv) x = G.conv('head', x, { k: 1, cout: layout.headConv.outChannels, bn: true });
  x = G.gap('gap', x);
  G.dense('classifier', x, layout.head.classes);
  return G;
}

export function mobileCost(g: MobileGenotype, skeleton: Partial<MobileSkeleton> = {}): CostReport {
  return summarize(mobileCostGraph(g, skeleton).steps);
}
