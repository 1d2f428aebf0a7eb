/**
 * Isomorphism-aware canonical form of a NAS-Bench-201 cell (Dong & Yang, ICLR 2020).
 *
 * The cell computes node_j = sum_{i<j} op_ij(node_i), output = node_3. The canonical form is the output written
 * as an expression, normalised by the algebra the ops really satisfy:
 *  - none is 0; 0 + a = a; conv(0) = pool(0) = 0, so edges out of a node with no live path from the input vanish,
 *    and anything that does not reach node_3 never appears (dead edges are removed);
 *  - skip_connect is the identity, so it forwards its source's summands unchanged;
 *  - avg_pool_3x3 (stride 1, no params) is LINEAR: pool(a + b) = pool(a) + pool(b), so it distributes over the
 *    summands of its source; pool∘pool stays pool∘pool;
 *  - nor_conv_kxk (ReLU-Conv-BN) is non-linear: it wraps its whole source sum, c3(a + b);
 *  - sums are commutative and associative: summands are kept as a sorted multiset.
 * Two cells get the same form exactly when they compute the same function with each op type standing for one
 * fixed function (weight-tied reading). A conv shared by two consumers and two equal convs on parallel edges are
 * therefore not told apart (as in NAS-Bench-201's own `to_unique_str`); every other difference is.
 * Grammar (unambiguous): sum := term ('+' term)* | '0'; term := 'P'* atom; atom := 'x' | ('c1'|'c3') '(' sum ')'.
 */
import { hashString } from '../hash';
import type { Nb201Genotype } from './space';
import { NB201_EDGES } from '../../../shared/space-vocab';

/** Summands of each node (sorted), node 0 = the cell input 'x'. */
function nodeTerms(g: Nb201Genotype): string[][] {
  const nodes: string[][] = [['x']];
  for (let j = 1; j <= 3; j++) {
    const terms: string[] = [];
    NB201_EDGES.forEach(([i, to], e) => {
      if (to !== j) return;
      const src = nodes[i];
      if (src.length === 0) return;
      switch (g.ops[e]) {
        case 'none': break;
        case 'skip_connect': terms.push(...src); break;
        case 'avg_pool_3x3': for (const t of src) terms.push('P' + t); break;
        case 'nor_conv_1x1': terms.push(`c1(${src.join('+')})`); break;
        case 'nor_conv_3x3': terms.push(`c3(${src.join('+')})`); break;
        default: throw new Error(`NB201 edge ${e}: unknown op ${JSON.stringify(g.ops[e])}`);
      }
    });
    nodes.push(terms.sort());
  }
  return nodes;
}

/** Canonical expression of the cell output, e.g. "Px+c3(x)"; "0" when the output is identically zero. */
export function nb201Canonical(g: Nb201Genotype): string {
  const out = nodeTerms(g)[3];
  return out.length === 0 ? '0' : out.join('+');
}

/** 64-bit hex hash of nb201Canonical: equal for cells with the same computation. */
export function nb201Hash(g: Nb201Genotype): string {
  return hashString(`nb201:${nb201Canonical(g)}`);
}

/**
 * Which edges are live: op is not none, its source has a live path from the input, and its target reaches
 * the output. Dead edges can be pruned without changing the cell's output.
 */
export function nb201LiveEdges(g: Nb201Genotype): boolean[] {
  const fromInput = [true, false, false, false];
  NB201_EDGES.forEach(([i, j], e) => { if (g.ops[e] !== 'none' && fromInput[i]) fromInput[j] = true; });
  const toOutput = [false, false, false, true];
  for (let e = NB201_EDGES.length - 1; e >= 0; e--) {
    const [i, j] = NB201_EDGES[e];
    if (g.ops[e] !== 'none' && toOutput[j]) toOutput[i] = true;
  }
  return NB201_EDGES.map(([i, j], e) => g.ops[e] !== 'none' && fromInput[i] && toOutput[j]);
}
