/**
 * Synthetic paint-defect dataset (the field guide's worked example, scaled down to a browser):
 * RGB crops of painted panels in 4 classes, `ok` : each defect = 8 : 1 (ok ~ 8/11 of images).
 *
 * Nuisances that make it non-trivial: paint colour (8 paints, jittered), a lighting gradient and gain,
 * a specular streak, orange-peel texture, dust specks (bubble look-alikes), sensor noise, and a slow
 * lighting drift across production weeks (lamps dim and warm up), so an ordered temporal split sees
 * a real shift. Defects vary in position, angle, size and contrast, with factory-like spatial priors
 * (gripper scratches run roughly horizontally in two bands; bubbles collect low on the panel; colour
 * drift creeps in from a panel edge, mostly towards warm).
 *
 * Deterministic: image i depends only on (seed, i, count, size), never on how generation is chunked.
 */
import { createRng, type Rng } from '../util/rng';
import type { ImageDataset } from './types';

export const PAINT_DEFECT_CLASSES = ['ok', 'scratch', 'bubble', 'color_drift'] as const;

export interface PaintDefectOptions {
  seed: number;
  /** Number of images. */
  count: number;
  /** Image size; default 32x32. */
  height?: number;
  width?: number;
  /** Production weeks the images span, in index order (default 12: weeks 0..11). */
  weeks?: number;
  /** `ok` images per image of each defect class (default 8). */
  okRatio?: number;
  /** Dataset name (default 'paint-defects'). */
  name?: string;
}

export interface PaintDefectChunk {
  start: number;
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
  week: Uint8Array;
}

export interface PaintDefectGenerator {
  readonly classes: readonly string[];
  readonly shape: readonly [number, number, number];
  readonly count: number;
  readonly weeks: number;
  labelOf(i: number): number;
  weekOf(i: number): number;
  /** Write images [start, start+n) at the start of the given buffers (or at `at` images in). */
  generateInto(start: number, n: number, images: Uint8Array, labels: Uint8Array, week: Uint8Array, at?: number): void;
  generate(start: number, n: number): PaintDefectChunk;
  /** Chunks of `size` images, in order, for progress reporting. */
  chunks(size: number): IterableIterator<PaintDefectChunk>;
}

const PAINTS: readonly (readonly [number, number, number])[] = [
  [232, 232, 226], // white
  [186, 189, 193], // silver
  [112, 114, 118], // grey
  [38, 40, 44], // black
  [168, 28, 34], // red
  [32, 62, 138], // blue
  [44, 96, 64], // green
  [206, 170, 52], // yellow
];

const STREAM_LABEL = 0x51a3;
const STREAM_IMAGE = 0x1e6b;

/** 32-bit mixing of two integers (murmur3 finaliser style). */
function mix(a: number, b: number): number {
  let h = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ (b >>> 0);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

const uni = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();

/** Standard-normal quantiles at 4096 evenly spaced probabilities: fast, deterministic pixel noise. */
const GAUSS = ((): Float32Array => {
  const t = new Float32Array(4096);
  for (let i = 0; i < t.length; i++) t[i] = normalQuantile((i + 0.5) / t.length);
  return t;
})();

/** Acklam's rational approximation of the inverse normal CDF (|error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q0 = Math.min(p, 1 - p);
  if (q0 < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(q0));
    const x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < 0.5 ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

export function createPaintDefectGenerator(opts: PaintDefectOptions): PaintDefectGenerator {
  const H = opts.height ?? 32;
  const W = opts.width ?? 32;
  const weeks = opts.weeks ?? 12;
  const okRatio = opts.okRatio ?? 8;
  const count = opts.count;
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 8 || W < 8 || H > 1024 || W > 1024) {
    throw new RangeError(`paint-defects: size ${H}x${W} must be 8..1024 per side`);
  }
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`paint-defects: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 255) throw new RangeError(`paint-defects: weeks must be 1..255, got ${weeks}`);
  if (!Number.isInteger(okRatio) || okRatio < 0 || okRatio > 100) throw new RangeError(`paint-defects: okRatio must be 0..100, got ${okRatio}`);
  const seed = Math.floor(opts.seed) >>> 0;
  const block = okRatio + 3;
  const blockTemplate = [...Array<number>(okRatio).fill(0), 1, 2, 3];
  let cachedBlock = -1;
  let cachedPerm: number[] = [];

  const labelOf = (i: number): number => {
    const b = Math.floor(i / block);
    if (b !== cachedBlock) {
      cachedPerm = createRng(mix(mix(seed, STREAM_LABEL), b)).shuffle(blockTemplate);
      cachedBlock = b;
    }
    return cachedPerm[i % block];
  };
  const weekOf = (i: number): number => Math.min(weeks - 1, Math.floor((i * weeks) / count));

  const S = Math.min(H, W) / 32;
  const n = H * W;
  const R = new Float32Array(n);
  const G = new Float32Array(n);
  const B = new Float32Array(n);

  const render = (i: number, out: Uint8Array, off: number): void => {
    const label = labelOf(i);
    const week = weekOf(i);
    const rng = createRng(mix(mix(seed, STREAM_IMAGE), i));
    const drift = weeks > 1 ? week / (weeks - 1) : 0;

    // Paint colour.
    const paint = PAINTS[rng.int(PAINTS.length)];
    const pr = paint[0] + rng.normal() * 9;
    const pg = paint[1] + rng.normal() * 9;
    const pb = paint[2] + rng.normal() * 9;

    // Lighting: gain, gradient, weekly drift (dimming, warmer).
    const gain = uni(rng, 0.82, 1.08) * (1 - 0.16 * drift);
    const warmR = 1 + 0.1 * drift;
    const warmB = 1 - 0.1 * drift;
    // The inspection lights are fixed (upper left), so the gradient direction only wobbles.
    const theta = -2.3 + rng.normal() * 0.45;
    const grad = uni(rng, 0.04, 0.32);
    const gx = Math.cos(theta);
    const gy = Math.sin(theta);

    // Specular streak.
    const spec = rng.next() < 0.5;
    const sx = W * (0.3 + rng.normal() * 0.18);
    const sy = H * (0.3 + rng.normal() * 0.18);
    const sAng = 0.8 + rng.normal() * 0.35;
    const sLong = uni(rng, 4, 12) * S;
    const sShort = uni(rng, 1.2, 3) * S;
    const sAmp = uni(rng, 12, 45);
    const sCos = Math.cos(sAng);
    const sSin = Math.sin(sAng);

    // Orange peel: value noise on a coarse grid.
    const cell = uni(rng, 2, 3.5) * S;
    const gw = Math.ceil(W / cell) + 2;
    const gh = Math.ceil(H / cell) + 2;
    const grid = new Float32Array(gw * gh);
    for (let k = 0; k < grid.length; k++) grid[k] = rng.normal();
    const peel = uni(rng, 2.5, 8);

    const noise = uni(rng, 2, 7);

    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        const u = ((x / W - 0.5) * gx + (y / H - 0.5) * gy) * 1.4;
        let light = gain * (1 + grad * u);
        const fx = x / cell;
        const fy = y / cell;
        const ix = Math.floor(fx);
        const iy = Math.floor(fy);
        let tx = fx - ix;
        let ty = fy - iy;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        const a = grid[iy * gw + ix];
        const b = grid[iy * gw + ix + 1];
        const c = grid[(iy + 1) * gw + ix];
        const d = grid[(iy + 1) * gw + ix + 1];
        const tex = peel * (a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty);
        let add = tex;
        if (spec) {
          const dx = x - sx;
          const dy = y - sy;
          const along = (dx * sCos + dy * sSin) / sLong;
          const across = (dy * sCos - dx * sSin) / sShort;
          const e = along * along + across * across;
          if (e < 30) add += sAmp * Math.exp(-0.5 * e);
        }
        light = Math.max(0.2, light);
        R[p] = pr * light * warmR + add;
        G[p] = pg * light + add;
        B[p] = pb * light * warmB + add;
      }
    }

    // Dust specks (all classes): small dark dots that look a little like bubbles.
    const specks = rng.next() < 0.35 ? 1 + rng.int(3) : 0;
    for (let k = 0; k < specks; k++) {
      const cx = uni(rng, 0, W);
      const cy = uni(rng, 0, H);
      const rad = uni(rng, 0.5, 1) * S;
      const amp = uni(rng, 15, 45);
      stamp(cx, cy, rad * 3, (dx, dy) => -amp * Math.exp(-0.5 * (dx * dx + dy * dy) / (rad * rad)), 1, 1, 1);
    }

    if (label === 1) drawScratch(rng);
    else if (label === 2) drawBubbles(rng);
    else if (label === 3) drawColorDrift(rng, pr, pg, pb);

    // Sensor noise: an inline mulberry32 stream (seeded from this image's rng) indexing a
    // normal-quantile table; 12 bits per sample.
    let ns = rng.seed();
    for (let p = 0; p < n; p++) {
      const o = off + 3 * p;
      ns = (ns + 0x6d2b79f5) | 0;
      let t = Math.imul(ns ^ (ns >>> 15), ns | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = (t ^ (t >>> 14)) >>> 0;
      ns = (ns + 0x6d2b79f5) | 0;
      t = Math.imul(ns ^ (ns >>> 15), ns | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const v = (t ^ (t >>> 14)) >>> 0;
      out[o] = clamp(R[p] + GAUSS[u & 4095] * noise);
      out[o + 1] = clamp(G[p] + GAUSS[(u >>> 16) & 4095] * noise);
      out[o + 2] = clamp(B[p] + GAUSS[v & 4095] * noise);
    }
  };

  /** Add f(dx, dy) * (kr, kg, kb) in a window of radius `reach` around (cx, cy). */
  function stamp(cx: number, cy: number, reach: number, f: (dx: number, dy: number) => number, kr: number, kg: number, kb: number): void {
    const x0 = Math.max(0, Math.floor(cx - reach));
    const x1 = Math.min(W - 1, Math.ceil(cx + reach));
    const y0 = Math.max(0, Math.floor(cy - reach));
    const y1 = Math.min(H - 1, Math.ceil(cy + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const v = f(x - cx, y - cy);
        const p = y * W + x;
        R[p] += v * kr;
        G[p] += v * kg;
        B[p] += v * kb;
      }
    }
  }

  function drawScratch(rng: Rng): void {
    let ang: number;
    let cy: number;
    if (rng.next() < 0.75) {
      // Gripper scratch: near horizontal, in an upper or lower band.
      ang = rng.normal() * 0.15;
      cy = H * (rng.next() < 0.5 ? uni(rng, 0.18, 0.3) : uni(rng, 0.7, 0.82));
    } else {
      ang = uni(rng, 0, Math.PI);
      cy = uni(rng, 0.15, 0.85) * H;
    }
    const cx = uni(rng, 0.25, 0.75) * W;
    const len = uni(rng, 0.3, 0.85) * Math.max(W, H);
    const width = uni(rng, 0.5, 1.2) * S;
    const bend = rng.normal() * 0.08;
    // Exposed primer is light grey; seen at a grazing angle it can also read dark.
    const light = rng.next() < 0.85;
    const amp = uni(rng, 16, 50) * (light ? 1 : -1);
    const ca = Math.cos(ang);
    const sa = Math.sin(ang);
    const half = len / 2;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const along = dx * ca + dy * sa;
        if (Math.abs(along) > half + 2 * width) continue;
        // Slight curvature: the centre line bows by bend * along^2 / len.
        const across = -dx * sa + dy * ca - (bend * along * along) / Math.max(1, half);
        const endFade = Math.min(1, Math.max(0, (half - Math.abs(along)) / (2 * width) + 0.5));
        const v = amp * Math.exp(-0.5 * (across / width) ** 2) * endFade;
        const p = y * W + x;
        // Primer is greyish: pull every channel towards the same offset.
        R[p] += v;
        G[p] += v;
        B[p] += v * 1.05;
      }
    }
  }

  function drawBubbles(rng: Rng): void {
    // A cluster of 1-5 blisters; clusters collect low on the panel (sagging paint).
    const k = 1 + rng.int(3) + (rng.next() < 0.3 ? 2 : 0);
    const lightAng = -2.3 + rng.normal() * 0.3; // lit from the upper left, like the panel
    const lx = Math.cos(lightAng);
    const ly = Math.sin(lightAng);
    const ccx = uni(rng, 0.15, 0.85) * W;
    const ccy = H * Math.min(0.88, 0.45 + 0.45 * Math.sqrt(rng.next()));
    const spread = uni(rng, 0.05, 0.16) * Math.min(W, H);
    for (let j = 0; j < k; j++) {
      const cx = ccx + rng.normal() * spread;
      const cy = ccy + rng.normal() * spread * 0.7;
      const r = uni(rng, 0.9, 2.4) * S;
      const amp = uni(rng, 20, 50);
      stamp(cx, cy, r * 1.8, (dx, dy) => {
        const d = Math.sqrt(dx * dx + dy * dy) / r;
        if (d > 1.6) return 0;
        // Dome (raised, catches light), shading towards/away from the light, and a dark rim.
        const dome = d < 1 ? Math.sqrt(1 - d * d) : 0;
        const shade = d < 1 ? ((dx * lx + dy * ly) / r) * 0.6 : 0;
        const rim = -0.45 * Math.exp(-((d - 1.05) ** 2) / 0.04);
        return amp * (0.6 * dome + shade + rim);
      }, 1, 1, 1);
    }
  }

  function drawColorDrift(rng: Rng, pr: number, pg: number, pb: number): void {
    // Mostly creeping in from the right edge (end of the spray pass), sometimes from elsewhere.
    const ang = rng.next() < 0.8 ? rng.normal() * 0.3 : uni(rng, 0, 2 * Math.PI);
    const dx = Math.cos(ang);
    const dy = Math.sin(ang);
    const edge = uni(rng, -0.1, 0.3);
    const soft = uni(rng, 0.03, 0.12);
    // Shift direction: mostly warm/yellow, with a random component; relative to the paint's brightness.
    const rnd = [rng.normal(), rng.normal(), rng.normal()];
    const warm = [1, 0.5, -0.9];
    const dir = warm.map((w, c) => 0.8 * w + 0.3 * rnd[c]);
    const norm = Math.hypot(dir[0], dir[1], dir[2]) || 1;
    const luma = (pr + pg + pb) / 3;
    const amp = uni(rng, 18, 40) * (0.6 + 0.4 * Math.min(1, luma / 128));
    const kr = (amp * dir[0]) / norm;
    const kg = (amp * dir[1]) / norm;
    const kb = (amp * dir[2]) / norm;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const t = (x / W - 0.5) * dx + (y / H - 0.5) * dy; // -0.7..0.7
        const m = 1 / (1 + Math.exp(-(t - edge) / soft));
        const p = y * W + x;
        R[p] += m * kr;
        G[p] += m * kg;
        B[p] += m * kb;
      }
    }
  }

  const per = H * W * 3;
  const gen: PaintDefectGenerator = {
    classes: PAINT_DEFECT_CLASSES,
    shape: [H, W, 3],
    count,
    weeks,
    labelOf,
    weekOf,
    generateInto(start, len, images, labels, week, at = 0) {
      if (start < 0 || len < 0 || start + len > count) throw new RangeError(`paint-defects: range [${start}, ${start + len}) outside 0..${count}`);
      for (let k = 0; k < len; k++) {
        const i = start + k;
        render(i, images, (at + k) * per);
        labels[at + k] = labelOf(i);
        week[at + k] = weekOf(i);
      }
    },
    generate(start, len) {
      const images = new Uint8Array(len * per);
      const labels = new Uint8Array(len);
      const week = new Uint8Array(len);
      gen.generateInto(start, len, images, labels, week);
      return { start, count: len, images, labels, week };
    },
    *chunks(size) {
      if (!(size >= 1)) throw new RangeError('paint-defects: chunk size must be >= 1');
      for (let s = 0; s < count; s += size) yield gen.generate(s, Math.min(size, count - s));
    },
  };
  return gen;
}

function clamp(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Generate the whole dataset at once (`fields.week` holds each image's production week). */
export function generatePaintDefects(opts: PaintDefectOptions, onProgress?: (done: number, total: number) => void, chunk = 256): ImageDataset {
  const g = createPaintDefectGenerator(opts);
  const [H, W, C] = g.shape;
  const images = new Uint8Array(g.count * H * W * C);
  const labels = new Uint8Array(g.count);
  const week = new Uint8Array(g.count);
  for (let s = 0; s < g.count; s += chunk) {
    const len = Math.min(chunk, g.count - s);
    g.generateInto(s, len, images, labels, week, s);
    onProgress?.(s + len, g.count);
  }
  return { name: opts.name ?? 'paint-defects', classes: g.classes.slice(), shape: g.shape, count: g.count, images, labels, fields: { week } };
}
