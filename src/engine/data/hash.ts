/** A small, stable, non-cryptographic 64-bit hash (two murmur3-style 32-bit lanes), as 16 hex digits. */
export class Hasher {
  private h1: number;
  private h2: number;
  private n = 0;

  constructor(seed = 0) {
    this.h1 = (0x811c9dc5 ^ seed) >>> 0;
    this.h2 = (0x9e3779b9 ^ Math.imul(seed, 0x85ebca6b)) >>> 0;
  }

  /** Mix one 32-bit word. */
  u32(v: number): this {
    let k = Math.imul(v >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    this.h1 ^= k;
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h1 = (Math.imul(this.h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul((v >>> 0) ^ 0x5bd1e995, 0x85ebca6b);
    j = (j << 17) | (j >>> 15);
    j = Math.imul(j, 0xc2b2ae35);
    this.h2 ^= j;
    this.h2 = (this.h2 << 11) | (this.h2 >>> 21);
    this.h2 = (Math.imul(this.h2, 7) + 0x2d358dcc) | 0;
    this.n++;
    return this;
  }

  /** Mix a length-prefixed run of 32-bit values. */
  values(a: ArrayLike<number>): this {
    this.u32(a.length);
    for (let i = 0; i < a.length; i++) this.u32(a[i]);
    return this;
  }

  /** Mix a length-prefixed byte string (4 bytes per word, little-endian by position). */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    const whole = b.length & ~3;
    for (let i = 0; i < whole; i += 4) this.u32(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
    let tail = 0;
    for (let i = whole; i < b.length; i++) tail |= b[i] << (8 * (i - whole));
    if (b.length > whole) this.u32(tail);
    return this;
  }

  /** Mix a string by UTF-16 code units. */
  str(s: string): this {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.u32(s.charCodeAt(i));
    return this;
  }

  digest(): string {
    const fmix = (h: number): number => {
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    };
    const a = fmix((this.h1 ^ this.n) + this.h2);
    const b = fmix((this.h2 ^ Math.imul(this.n, 0x27d4eb2f)) + a);
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}
