import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createNb201Space, NB201_EDGES, NB201_OPS, NB201_SIZE, nb201Canonical, nb201FromIndex, nb201FromLexIndex,
  nb201FromString, nb201Index, nb201LexIndex, nb201LiveEdges, nb201Space, nb201ToString, PythonRandom,
  type Nb201Genotype,
} from '../../src/engine/space';
import { createRng } from '../../src/engine/util/rng';

const CSV = path.resolve(process.cwd(), '../shared/benchmarks/nb201/nb201-cifar10-valid.csv');
const g = (s: string): Nb201Genotype => nb201FromString(s);

describe('CPython random port', () => {
  it('reproduces the MT19937 reference output (mt19937ar.out, init_by_array {0x123, 0x234, 0x345, 0x456})', () => {
    const r = PythonRandom.fromKey([0x123, 0x234, 0x345, 0x456]);
    expect([r.uint32(), r.uint32(), r.uint32(), r.uint32(), r.uint32()]).toEqual([1067595299, 955945823, 477289528, 4107218783, 4228976476]);
  });
  it('shuffle is a permutation', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    new PythonRandom(7).shuffle(xs);
    expect(xs.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('NB201 arch string', () => {
  it('parses and prints the benchmark form', () => {
    const s = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
    const x = g(s);
    expect(x.ops).toEqual(['nor_conv_3x3', 'nor_conv_3x3', 'avg_pool_3x3', 'skip_connect', 'nor_conv_3x3', 'skip_connect']);
    expect(nb201ToString(x)).toBe(s);
    expect(nb201Space.decode(`  ${s}\n`)).toEqual(x);
  });
  it.each([
    ['|none~0|+|none~0|none~1|', "3 nodes separated by '+'"],
    ['|none~0|+|none~0|none~1|+|none~0|none~1|', 'node 3 must have 3 input(s), got 2'],
    ['|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|', 'Unknown NB201 op "conv"'],
    ['|none~1|+|none~0|none~1|+|none~0|none~1|none~2|', 'should come from node 0'],
    ['none~0|+|none~0|none~1|+|none~0|none~1|none~2|', "between '|' bars"],
    ['|none|+|none~0|none~1|+|none~0|none~1|none~2|', 'must look like op~0'],
  ])('rejects %s', (text, message) => {
    expect(() => nb201Space.decode(text)).toThrow(message);
  });
});

describe('NB201 index order', () => {
  it('matches every row of the NAS-Bench-201 table (index -> arch and arch -> index)', () => {
    expect(existsSync(CSV), `missing ${CSV} (the shared NB201 table)`).toBe(true);
    const lines = readFileSync(CSV, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const iIndex = header.indexOf('index');
    const iArch = header.indexOf('arch');
    expect(lines.length - 1).toBe(NB201_SIZE);
    const seen = new Set<number>();
    for (const line of lines.slice(1)) {
      const cols = line.split(',');
      const index = Number(cols[iIndex]);
      const arch = cols[iArch];
      expect(nb201ToString(nb201FromIndex(index))).toBe(arch);
      expect(nb201Index(g(arch))).toBe(index);
      seen.add(index);
    }
    expect(seen.size).toBe(NB201_SIZE);
  });
  it('enumerate() yields the cells in NB201 index order, each once', () => {
    let i = 0;
    const strings = new Set<string>();
    for (const x of nb201Space.enumerate!()) {
      expect(nb201Index(x)).toBe(i);
      strings.add(nb201ToString(x));
      i++;
    }
    expect(i).toBe(NB201_SIZE);
    expect(strings.size).toBe(NB201_SIZE);
    expect(BigInt(i)).toBe(nb201Space.size());
  });
  it('lexicographic index follows gen_all: edge 0->1 most significant, ops in NB201 order', () => {
    expect(nb201FromLexIndex(0).ops).toEqual(Array(6).fill('none'));
    expect(nb201FromLexIndex(1).ops).toEqual(['none', 'none', 'none', 'none', 'none', 'skip_connect']);
    expect(nb201FromLexIndex(5 ** 5).ops[0]).toBe('skip_connect');
    for (let i = 0; i < NB201_SIZE; i += 97) expect(nb201LexIndex(nb201FromLexIndex(i))).toBe(i);
    expect(() => nb201FromIndex(15625)).toThrow('0..15624');
    expect(() => nb201FromIndex(-1)).toThrow('0..15624');
  });
});

// ---- Independent brute force for the isomorphism dedupe: evaluate each cell numerically. ----
// Exact arithmetic in the prime field p = 2^61 - 1 (no rounding issues). Stand-ins:
// x = random vector; skip = identity; none = 0; avg_pool = a random LINEAR map (avg pooling is linear);
// conv_k = v -> (A_k v)^3 (elementwise) + B_k v, a fixed non-linear map with f(0) = 0 (ReLU-Conv-BN is
// non-linear). A cell's signature is node 3's value. Distinct expressions give distinct values except with
// probability ~ degree / p per pair (Schwartz-Zippel), i.e. never in practice.
const P = (1n << 61n) - 1n;
const D = 4;
function fieldRng(seed: number) {
  const r = createRng(seed);
  return () => ((BigInt(r.int(2 ** 30)) << 31n) + BigInt(r.int(2 ** 31))) % P;
}
function brute(cells: readonly Nb201Genotype[]): string[] {
  const rnd = fieldRng(2024);
  const mat = () => Array.from({ length: D }, () => Array.from({ length: D }, rnd));
  const mv = (m: bigint[][], v: bigint[]) => m.map((row) => row.reduce((acc, a, j) => (acc + a * v[j]) % P, 0n));
  const x = Array.from({ length: D }, rnd);
  const pool = mat();
  const conv = { nor_conv_1x1: [mat(), mat()], nor_conv_3x3: [mat(), mat()] } as const;
  const zero = Array(D).fill(0n) as bigint[];
  return cells.map((cell) => {
    const nodes: bigint[][] = [x];
    for (let j = 1; j <= 3; j++) {
      let acc = zero.slice();
      NB201_EDGES.forEach(([i, to], e) => {
        if (to !== j) return;
        const v = nodes[i];
        const op = cell.ops[e];
        let out: bigint[];
        if (op === 'none') out = zero;
        else if (op === 'skip_connect') out = v;
        else if (op === 'avg_pool_3x3') out = mv(pool, v);
        else {
          const [A, B] = conv[op];
          const a = mv(A, v);
          const b = mv(B, v);
          out = a.map((t, k) => (((t * t) % P) * t + b[k]) % P);
        }
        acc = acc.map((s, k) => (s + out[k]) % P);
      });
      nodes.push(acc);
    }
    return nodes[3].join(',');
  });
}

describe('NB201 isomorphism-aware hash', () => {
  const all = [...nb201Space.enumerate!()];
  it('dedupes the 15,625 cells to the same classes as a numerical brute force', () => {
    const canon = all.map(nb201Canonical);
    const hashes = all.map((x) => nb201Space.hash(x));
    const sig = brute(all);
    const uniqueCanon = new Set(canon).size;
    // The partitions must be identical, not just the same size: canonical form <-> signature is a bijection.
    const canonToSig = new Map<string, string>();
    const sigToCanon = new Map<string, string>();
    all.forEach((_, k) => {
      if (!canonToSig.has(canon[k])) canonToSig.set(canon[k], sig[k]);
      if (!sigToCanon.has(sig[k])) sigToCanon.set(sig[k], canon[k]);
      expect(canonToSig.get(canon[k])).toBe(sig[k]);
      expect(sigToCanon.get(sig[k])).toBe(canon[k]);
    });
    expect(new Set(sig).size).toBe(uniqueCanon);
    expect(new Set(hashes).size).toBe(uniqueCanon); // the 64-bit hash has no collision here
    // Both methods give 4660 classes. (NAS-Bench-201's own to_unique_str gives 6466: it keeps zero terms,
    // does not flatten skip-forwarded sums and treats pooling as non-linear; with pooling opaque ours gives 4930.)
    expect(uniqueCanon).toBe(4660);
    // all-zero-output cells form one class (e.g. every cell whose edges into node 3 are all none)
    const zeroClass = all.filter((_, k) => canon[k] === '0').length;
    const intoThreeAllNone = all.filter((x) => x.ops[3] === 'none' && x.ops[4] === 'none' && x.ops[5] === 'none').length;
    expect(zeroClass).toBeGreaterThanOrEqual(intoThreeAllNone);
  });

  it('treats dead edges, commutativity, skip identity and pool linearity as documented', () => {
    const h = (s: string) => nb201Space.hash(g(s));
    // dead edge: node 1 never reaches the output, so its op does not matter
    expect(h('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|')).toBe(h('|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'));
    // dead edge: node 2 is zero (all inputs none), so the conv 2->3 sees zeros
    expect(h('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|')).toBe(h('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'));
    // commutativity + skip identity: conv(x) via node 1 or node 2
    expect(h('|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|')).toBe(h('|none~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_1x1~2|'));
    expect(h('|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|')).toBe(h('|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|'));
    // pool is linear: pool(x + conv(x)) = pool(x) + pool(conv(x))
    expect(h('|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|'))
      .toBe(h('|nor_conv_3x3~0|+|none~0|none~1|+|avg_pool_3x3~0|avg_pool_3x3~1|none~2|'));
    // conv is not: conv(x + pool(x)) differs from conv(x) + conv(pool(x))
    expect(h('|avg_pool_3x3~0|+|skip_connect~0|skip_connect~1|+|none~0|none~1|nor_conv_3x3~2|'))
      .not.toBe(h('|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|nor_conv_3x3~1|none~2|'));
    // conv kinds and pool depth matter
    expect(h('|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|')).not.toBe(h('|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|'));
    expect(h('|avg_pool_3x3~0|+|none~0|avg_pool_3x3~1|+|none~0|none~1|skip_connect~2|')).not.toBe(h('|avg_pool_3x3~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|'));
    expect(nb201Canonical(g('|avg_pool_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|none~1|none~2|'))).toBe('x');
    expect(nb201Canonical(g('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'))).toBe('0');
  });

  it('live edges agree with the hash: dropping every dead edge keeps it; a structurally dead edge can take any op', () => {
    const withOp = (x: Nb201Genotype, e: number, o: Nb201Genotype['ops'][number]) => ({ ops: x.ops.map((p, k) => (k === e ? o : p)) });
    let deadSeen = 0;
    for (const x of all.filter((_, k) => k % 7 === 0)) {
      const live = nb201LiveEdges(x);
      const pruned = { ops: x.ops.map((o, e) => (live[e] ? o : 'none')) };
      expect(nb201Space.hash(pruned)).toBe(nb201Space.hash(x));
      NB201_EDGES.forEach((_, e) => {
        // Dead whatever its op: its source is zero or its target cannot reach the output.
        if (nb201LiveEdges(withOp(x, e, 'nor_conv_3x3'))[e]) return;
        deadSeen++;
        for (const o of NB201_OPS) expect(nb201Space.hash(withOp(x, e, o))).toBe(nb201Space.hash(x));
      });
    }
    expect(deadSeen).toBeGreaterThan(100);
  });
});

describe('NB201 space', () => {
  it('size() equals enumerate() for restricted op sets too', () => {
    for (const ops of [['skip_connect'], ['none', 'nor_conv_3x3'], ['skip_connect', 'nor_conv_1x1', 'avg_pool_3x3']] as const) {
      const space = createNb201Space({ ops: [...ops] });
      const list = [...space.enumerate!()];
      expect(BigInt(list.length)).toBe(space.size());
      expect(space.size()).toBe(BigInt(ops.length) ** 6n);
      // still in NB201 index order
      const idx = list.map(nb201Index);
      expect(idx).toEqual(idx.slice().sort((a, b) => a - b));
      for (const x of list) expect(x.ops.every((o) => (ops as readonly string[]).includes(o))).toBe(true);
    }
  });

  it('has 24 neighbours (6 edges x 4 other ops), all one edge away', () => {
    const rng = createRng(3);
    for (let t = 0; t < 200; t++) {
      const x = nb201Space.sample(rng);
      const ns = nb201Space.neighbours(x);
      expect(ns.length).toBe(24);
      expect(new Set(ns.map(nb201ToString)).size).toBe(24);
      for (const n of ns) expect(n.ops.filter((o, e) => o !== x.ops[e]).length).toBe(1);
    }
  });

  it('a restricted space refuses ops outside it and cannot mutate when it holds one cell', () => {
    const space = createNb201Space({ ops: ['skip_connect', 'nor_conv_3x3'] });
    expect(() => space.decode('|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|')).toThrow('ops[0] (edge 0->1): op "avg_pool_3x3" is not allowed in this space (allowed: skip_connect, nor_conv_3x3)');
    const single = createNb201Space({ ops: ['skip_connect'] });
    expect(() => single.mutate(single.sample(createRng(1)), createRng(1))).toThrow('single genotype');
  });

  it('validate names the problem', () => {
    expect(() => nb201Space.validate(null)).toThrow('must be an object');
    expect(() => nb201Space.validate({ ops: ['none'] })).toThrow('"ops" must have 6 entries');
    expect(() => nb201Space.validate({ ops: ['none', 'none', 'none', 'conv', 'none', 'none'] })).toThrow('ops[3] (edge 0->3): unknown op "conv"');
    expect(() => nb201Space.fromIndices([0, 1, 2, 3, 4, 5])).toThrow('index 5 (edge 2->3) must be an integer in 0..4, got 5');
  });

  it('samples uniformly-ish: each op appears on each edge about 1/5 of the time', () => {
    const rng = createRng(99);
    const counts = NB201_EDGES.map(() => new Map<string, number>());
    const n = 5000;
    for (let t = 0; t < n; t++) nb201Space.sample(rng).ops.forEach((o, e) => counts[e].set(o, (counts[e].get(o) ?? 0) + 1));
    for (const m of counts) for (const o of NB201_OPS) expect(Math.abs((m.get(o) ?? 0) / n - 0.2)).toBeLessThan(0.03);
  });
});
