/**
 * Cost of a mobile macro-space network (the field guide's worked example; MnasNet-style blocks) from its
 * genotype, without building it. Network: see space/skeleton.ts. Counting rules: see cost-graph.ts.
 */
import type { MobileGenotype } from '../space/mobile';
import { mobileSkeleton, seChannels, type MobileSkeleton } from '../space/skeleton';
import { CostGraph, summarize, type CostReport } from './cost-graph';

function squeezeExcite(G: CostGraph, name: string, x: number, reduction: number): number {
  const c = G.shape(x)[2];
  const pooled = G.gap(`${name}.gap`, x);
  const squeezed = G.dense(`${name}.reduce`, pooled, seChannels(c, reduction));
  const gates = G.dense(`${name}.expand`, squeezed, c);
  return G.mul(`${name}.scale`, x, gates);
}

export function mobileCostGraph(g: MobileGenotype, skeleton: Partial<MobileSkeleton> = {}): CostGraph {
  const sk = mobileSkeleton(skeleton);
  const G = new CostGraph();
  let x = G.input(sk.inputShape);
  x = G.conv('stem', x, { k: 3, stride: sk.stemStride, cout: sk.stemChannels, bn: true });
  g.stages.forEach((st, s) => {
    for (let b = 0; b < st.depth; b++) {
      const name = `stage${s + 1}.block${b}`;
      const stride = b === 0 ? st.stride : 1;
      const cin = G.shape(x)[2];
      let h = x;
      if (st.block === 'mb') h = G.conv(`${name}.expand`, h, { k: 1, cout: cin * st.expand, bn: true });
      h = G.conv(`${name}.dw`, h, { k: st.kernel, stride, depthwise: true, bn: true });
      if (st.se) h = squeezeExcite(G, `${name}.se`, h, sk.seReduction);
      h = G.conv(`${name}.${st.block === 'mb' ? 'project' : 'pw'}`, h, { k: 1, cout: st.width, bn: true });
      x = stride === 1 && cin === st.width ? G.add(`${name}.residual`, [x, h]) : h;
    }
  });
  if (sk.headMultiplier > 0) x = G.conv('head', x, { k: 1, cout: sk.headMultiplier * G.shape(x)[2], bn: true });
  x = G.gap('gap', x);
  G.dense('classifier', x, sk.numClasses);
  return G;
}

export function mobileCost(g: MobileGenotype, skeleton: Partial<MobileSkeleton> = {}): CostReport {
  return summarize(mobileCostGraph(g, skeleton).steps);
}
