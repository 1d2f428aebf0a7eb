/**
 * Seeded pseudo-random numbers for the whole engine (never Math.random).
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state,
 * serialisable so a strategy's stateDict() can resume the exact same stream.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform element of a non-empty array. */
  choice<T>(items: readonly T[]): T;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Fisher-Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** A 32-bit seed derived from this stream, for child generators (tfjs initialisers, sub-rngs). */
  seed(): number;
  /** Serialisable state, restorable with createRngFromState. */
  state(): RngState;
}

export type RngState = [number, number, number, number];

function hashSeed(seed: number): RngState {
  // splitmix32 spreads a small integer seed over the 128-bit state.
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out.push((z ^ (z >>> 16)) >>> 0);
  }
  return out as RngState;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}`);
  const rng = createRngFromState(hashSeed(Math.floor(seed)));
  // Warm up so that nearby seeds decorrelate.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

export function createRngFromState(initial: RngState): Rng {
  let [a, b, c, d] = initial.map((v) => v >>> 0);
  const u32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  const rng: Rng = {
    next: () => u32() / 4294967296,
    int: (n) => {
      if (!(n >= 1)) throw new Error(`rng.int: n must be >= 1, got ${n}`);
      return Math.floor(rng.next() * n);
    },
    choice: (items) => {
      if (items.length === 0) throw new Error('rng.choice: empty array');
      return items[rng.int(items.length)];
    },
    normal: () => {
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    seed: () => u32(),
    state: () => [a >>> 0, b >>> 0, c >>> 0, d >>> 0],
  };
  return rng;
}
