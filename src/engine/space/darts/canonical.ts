/**
 * Canonical form of a DARTS genotype (Liu et al., ICLR 2019) up to cell isomorphism:
 *  - a node sums its two inputs, so the order of its two [op, input] entries does not matter;
 *  - intermediate nodes may be renumbered in any order that keeps inputs before consumers: every node is
 *    concatenated into the cell output, and a channel permutation of that output is absorbed by the next cell's
 *    1x1 preprocessing conv (or the classifier), so the network's function class is unchanged.
 * The two cell inputs (state 0 = output of cell k-2, state 1 = output of cell k-1) are distinct and stay fixed.
 * We take the lexicographically smallest serialisation over the (at most 4! = 24) valid renumberings,
 * which is exact graph-isomorphism canonisation for these labelled DAGs.
 */
import { DARTS_STEPS, type DartsEdge, type DartsGenotype } from './genotype';
import { hashString } from '../hash';

const PERMS: number[][] = (() => {
  const out: number[][] = [];
  const rec = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) { out.push(prefix); return; }
    rest.forEach((x, i) => rec([...prefix, x], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  rec([], Array.from({ length: DARTS_STEPS }, (_, i) => i));
  return out;
})();

/** Canonical string of one cell's 2*steps edges, e.g. "sep_conv_3x3~0,sep_conv_3x3~1|...". */
export function dartsCellCanonical(edges: readonly DartsEdge[]): string {
  let best: string | null = null;
  for (const p of PERMS) {
    // p[old node] = new node (both 0-based among intermediate nodes; state = node + 2).
    let valid = true;
    const nodes: string[] = new Array(DARTS_STEPS);
    for (let old = 0; old < DARTS_STEPS && valid; old++) {
      const pair: string[] = [];
      for (const [op, input] of [edges[2 * old], edges[2 * old + 1]]) {
        let mapped = input;
        if (input >= 2) {
          mapped = p[input - 2] + 2;
          if (p[input - 2] >= p[old]) { valid = false; break; }
        }
        pair.push(`${op}~${mapped}`);
      }
      nodes[p[old]] = pair.sort().join(',');
    }
    if (!valid) continue;
    const s = nodes.join('|');
    if (best === null || s < best) best = s;
  }
  return best as string;
}

export function dartsCanonical(g: DartsGenotype): string {
  return `normal=${dartsCellCanonical(g.normal)};reduce=${dartsCellCanonical(g.reduce)}`;
}

export function dartsHash(g: DartsGenotype): string {
  return hashString(`darts:${dartsCanonical(g)}`);
}
