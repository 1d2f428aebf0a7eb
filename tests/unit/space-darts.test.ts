import { describe, expect, it } from 'vitest';
import {
  createDartsSpace, DARTS_V2, dartsCellCanonical, dartsFromString, dartsInputPairs, dartsSpace, dartsToString,
  type DartsEdge, type DartsGenotype,
} from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

const V2_TEXT = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

describe('DARTS text form', () => {
  it('parses the published DARTS_V2 genotype into plain data and prints it back verbatim', () => {
    const g = dartsFromString(V2_TEXT);
    expect(g).toEqual(DARTS_V2);
    expect(g.normal[7]).toEqual(['dil_conv_3x3', 2]);
    expect(g.reduce[2]).toEqual(['skip_connect', 2]);
    expect(dartsToString(g)).toBe(V2_TEXT);
    expect(dartsSpace.encode(DARTS_V2)).toBe(V2_TEXT);
    expect(dartsSpace.decode(V2_TEXT)).toEqual(DARTS_V2);
  });

  it('accepts range(2, 6), double quotes, line breaks, trailing commas and any field order', () => {
    const text = `Genotype(
      reduce_concat=range(2, 6),
      normal=[("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
              ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2),],
      normal_concat=range(2,6),
      reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1),
              ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],
    )`;
    expect(dartsFromString(text)).toEqual(DARTS_V2);
  });

  it.each([
    ['Genotipe(normal=[])', "expected 'Genotype('"],
    [V2_TEXT.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)"), 'normal[7]: input 5 is not available to node 5 (inputs 0..4)'],
    [V2_TEXT.replace("('skip_connect', 0), ('dil_conv_3x3', 2)", "('skip_connect', 2), ('dil_conv_3x3', 2)"), "normal[7]: node 5's two inputs must differ (both are 2)"],
    [V2_TEXT.replace("('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip", "('conv_7x7', 0), ('max_pool_3x3', 1), ('skip"), 'reduce[0]: unknown op "conv_7x7"'],
    [V2_TEXT.replace("('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip", "('none', 0), ('max_pool_3x3', 1), ('skip"), "reduce[0]: 'none' never appears"],
    [V2_TEXT.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=[2, 3, 4]'), 'normal_concat: must be [2, 3, 4, 5]'],
    [V2_TEXT.replace(", reduce_concat=[2, 3, 4, 5]", ''), 'missing field(s) reduce_concat'],
    [V2_TEXT.replace('reduce_concat', 'reduce_concatt'), 'unknown field "reduce_concatt"'],
    [V2_TEXT.replace("('sep_conv_3x3', 0), ", ''), 'normal: must have 8 [op, input] pairs'],
    [V2_TEXT + ' x', 'expected nothing after the closing parenthesis'],
    [V2_TEXT.replace("[('sep_conv_3x3', 0)", "[('sep_conv_3x3' 0)"), "expected ','"],
    ["Genotype(normal=[('sep_conv_3x3', 0)$", 'unexpected character "$"'],
  ])('rejects bad text with a specific message (%#)', (text, message) => {
    expect(() => dartsSpace.decode(text)).toThrow(message);
  });

  it('validate names the path of the first problem', () => {
    const bad = { ...DARTS_V2, normal: DARTS_V2.normal.map((e, i) => (i === 3 ? ['sep_conv_3x3', -1] : e)) };
    expect(() => dartsSpace.validate(bad)).toThrow('normal[3]: input -1 is not available to node 3 (inputs 0..2)');
    expect(() => dartsSpace.validate({ ...DARTS_V2, reduce: 'x' })).toThrow('reduce: must be an array of 8 [op, input] pairs');
    expect(() => createDartsSpace({ ops: ['skip_connect', 'max_pool_3x3'] }).validate(DARTS_V2)).toThrow('normal[0]: op "sep_conv_3x3" is not allowed in this space (allowed: max_pool_3x3, skip_connect)');
  });
});

describe('DARTS choices', () => {
  it('node k chooses an ordered pair of distinct inputs among states 0..k+1', () => {
    expect(dartsInputPairs(0)).toEqual([[0, 1], [1, 0]]);
    expect(dartsInputPairs(3).length).toBe(5 * 4);
    expect(dartsSpace.choices.length).toBe(2 * 4 * 3);
  });

  it('size() matches a brute-force count of valid cells (1 op) and scales by ops^16', () => {
    // Brute force one cell: every [op, input] assignment with input in 0..node-1, kept if validate accepts it.
    const one = createDartsSpace({ ops: ['skip_connect'] });
    const cellsPerNode = [2, 3, 4, 5];
    let valid = 0;
    const rec = (k: number, edges: DartsEdge[]) => {
      if (k === 4) {
        try {
          one.validate({ normal: edges, normal_concat: [2, 3, 4, 5], reduce: DARTS_V2.reduce.map(([, i]) => ['skip_connect', i]), reduce_concat: [2, 3, 4, 5] });
          valid++;
        } catch { /* invalid */ }
        return;
      }
      for (let a = 0; a < cellsPerNode[k]; a++) for (let b = 0; b < cellsPerNode[k]; b++) rec(k + 1, [...edges, ['skip_connect', a], ['skip_connect', b]]);
    };
    rec(0, []);
    expect(valid).toBe(2 * 6 * 12 * 20);
    expect(one.size()).toBe(BigInt(valid) ** 2n);
    expect(createDartsSpace({ ops: ['skip_connect', 'avg_pool_3x3'] }).size()).toBe(BigInt(valid) ** 2n * 2n ** 16n);
    expect(dartsSpace.size()).toBe(BigInt(valid) ** 2n * 7n ** 16n);
  });

  it('has 168 neighbours: per cell (1 + 5 + 11 + 19) input pairs + 8 x 6 ops', () => {
    expect(dartsSpace.neighbours(DARTS_V2).length).toBe(2 * (1 + 5 + 11 + 19 + 8 * 6));
  });

  it("never samples 'none', even when the config lists it for the supernet", () => {
    const space = createDartsSpace({ ops: ['none', 'sep_conv_3x3'] });
    expect(space.candidateOps).toEqual(['none', 'sep_conv_3x3']);
    expect(space.ops).toEqual(['sep_conv_3x3']);
    const rng = createRng(3);
    for (let t = 0; t < 200; t++) for (const [op] of [...space.sample(rng).normal, ...space.sample(rng).reduce]) expect(op).toBe('sep_conv_3x3');
  });
});

// ---- Independent isomorphism test: search for a node bijection directly (no canonical strings). ----
const PERMS4: number[][] = [];
{
  const rec = (p: number[], rest: number[]): void => {
    if (rest.length === 0) PERMS4.push(p);
    else rest.forEach((x, i) => rec([...p, x], rest.filter((_, j) => j !== i)));
  };
  rec([], [0, 1, 2, 3]);
}
/** True if some bijection p of intermediate nodes maps cell a's edges onto cell b's (inputs of a node unordered). */
function cellsIsomorphic(a: readonly DartsEdge[], b: readonly DartsEdge[]): boolean {
  return PERMS4.some((p) => {
    const map = (i: number) => (i < 2 ? i : p[i - 2] + 2);
    for (let n = 0; n < 4; n++) {
      const [x0, x1] = [a[2 * n], a[2 * n + 1]];
      const [y0, y1] = [b[2 * p[n]], b[2 * p[n] + 1]];
      const same = (x: DartsEdge, y: DartsEdge) => x[0] === y[0] && map(x[1]) === y[1];
      if (!((same(x0, y0) && same(x1, y1)) || (same(x0, y1) && same(x1, y0)))) return false;
    }
    return true;
  });
}
const isomorphic = (a: DartsGenotype, b: DartsGenotype) => cellsIsomorphic(a.normal, b.normal) && cellsIsomorphic(a.reduce, b.reduce);

/** Renumbers intermediate nodes by a random order that keeps the DAG valid and swaps inputs at random. */
function scramble(edges: readonly DartsEdge[], rng: ReturnType<typeof createRng>): DartsEdge[] {
  for (;;) {
    const p = rng.shuffle([0, 1, 2, 3]);
    const ok = [0, 1, 2, 3].every((n) => [edges[2 * n][1], edges[2 * n + 1][1]].every((i) => i < 2 || p[i - 2] < p[n]));
    if (!ok) continue;
    const out: DartsEdge[] = new Array(8);
    for (let n = 0; n < 4; n++) {
      const pair = [edges[2 * n], edges[2 * n + 1]].map(([op, i]): DartsEdge => [op, i < 2 ? i : p[i - 2] + 2]);
      if (rng.next() < 0.5) pair.reverse();
      out[2 * p[n]] = pair[0];
      out[2 * p[n] + 1] = pair[1];
    }
    return out;
  }
}

describe('DARTS isomorphism-aware hash', () => {
  it('is unchanged by swapping a node\'s two inputs', () => {
    const swapped: DartsGenotype = { ...DARTS_V2, normal: DARTS_V2.normal.map((_, i) => DARTS_V2.normal[i ^ 1]) };
    expect(dartsSpace.encode(swapped)).not.toBe(dartsSpace.encode(DARTS_V2));
    expect(dartsSpace.hash(swapped)).toBe(dartsSpace.hash(DARTS_V2));
  });

  it('is unchanged by valid renumberings of intermediate nodes (random scrambles)', () => {
    const rng = createRng(21);
    for (let t = 0; t < 500; t++) {
      const g = dartsSpace.sample(rng);
      const s: DartsGenotype = { ...g, normal: scramble(g.normal, rng), reduce: scramble(g.reduce, rng) };
      dartsSpace.validate(s);
      expect(isomorphic(g, s)).toBe(true);
      expect(dartsSpace.hash(s)).toBe(dartsSpace.hash(g));
    }
  });

  it('equal hash <=> isomorphic (brute-force bijection search) over all neighbours of random genotypes', () => {
    const rng = createRng(22);
    let same = 0;
    let different = 0;
    for (let t = 0; t < 100; t++) {
      const g = dartsSpace.sample(rng);
      const h = dartsSpace.hash(g);
      for (const n of dartsSpace.neighbours(g)) {
        const iso = isomorphic(g, n);
        expect(dartsSpace.hash(n) === h).toBe(iso);
        if (iso) same++; else different++;
      }
    }
    expect(same).toBeGreaterThan(50);
    expect(different).toBeGreaterThan(10000);
  });

  it('counts the same isomorphism classes as an orbit enumeration, for all 2880 one-op cells', () => {
    // Every valid single-op cell, as edge lists.
    const cells: DartsEdge[][] = [];
    const rec = (k: number, edges: DartsEdge[]) => {
      if (k === 4) { cells.push(edges); return; }
      for (const [a, b] of dartsInputPairs(k)) rec(k + 1, [...edges, ['skip_connect', a], ['skip_connect', b]]);
    };
    rec(0, []);
    expect(cells.length).toBe(2880);
    // Orbits under "swap inputs / renumber nodes": grow each orbit with the brute-force isomorphism test.
    const key = (e: readonly DartsEdge[]) => e.map(([, i]) => i).join('');
    const orbitOf = new Map<string, number>();
    let orbits = 0;
    const byKey = new Map(cells.map((c) => [key(c), c]));
    for (const c of cells) {
      if (orbitOf.has(key(c))) continue;
      const id = orbits++;
      for (const d of byKey.values()) if (!orbitOf.has(key(d)) && cellsIsomorphic(c, d)) orbitOf.set(key(d), id);
    }
    const canon = new Set(cells.map(dartsCellCanonical));
    expect(canon.size).toBe(orbits);
    // and the partition is the same
    const canonToOrbit = new Map<string, number>();
    for (const c of cells) {
      const k = dartsCellCanonical(c);
      if (!canonToOrbit.has(k)) canonToOrbit.set(k, orbitOf.get(key(c))!);
      expect(canonToOrbit.get(k)).toBe(orbitOf.get(key(c)));
    }
  });
});
