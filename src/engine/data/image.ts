/** Image sniffing (magic bytes), header-only size probing, and a small resampler; no decoding. */

export type ImageType = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';

export const IMAGE_EXTENSIONS: Readonly<Record<string, ImageType>> = {
  png: 'png', jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', jfif: 'jpeg', gif: 'gif', bmp: 'bmp', webp: 'webp',
};

/** Extension-based type, lower-cased; undefined for anything else. */
export function imageTypeFromName(name: string): ImageType | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  return m ? IMAGE_EXTENSIONS[m[1].toLowerCase()] : undefined;
}

/** Content-based type from the magic bytes. */
export function sniffImageType(b: Uint8Array): ImageType | undefined {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'gif';
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (b.length >= 16 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  return undefined;
}

/** A short description of what non-image bytes look like, for error messages. */
export function describeContent(b: Uint8Array): string {
  if (b.length === 0) return 'the file is empty';
  if (b[0] === 0x50 && b[1] === 0x4b) return 'the content is a zip archive';
  if (b[0] === 0x1f && b[1] === 0x8b) return 'the content is gzip data';
  if (ascii(b, 0, 4) === '%PDF') return 'the content is a PDF';
  if (ascii(b, 0, 4) === 'RIFF') return 'the content is a RIFF file that is not WebP';
  if (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) return 'the content is TIFF (unsupported)';
  if (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a) return 'the content is TIFF (unsupported)';
  let printable = 0;
  const n = Math.min(b.length, 64);
  for (let i = 0; i < n; i++) if ((b[i] >= 0x20 && b[i] < 0x7f) || b[i] === 9 || b[i] === 10 || b[i] === 13) printable++;
  const head = Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return printable === n ? `the content looks like text ("${ascii(b, 0, Math.min(24, b.length)).replace(/[\r\n\t]+/g, ' ')}")` : `the content starts with ${head}, which is no known image format`;
}

function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = o; i < o + n && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Width/height read from the header only (no decode); undefined when not found. */
export function probeImageSize(b: Uint8Array, type = sniffImageType(b)): { width: number; height: number } | undefined {
  const be16 = (o: number): number => (b[o] << 8) | b[o + 1];
  const le16 = (o: number): number => b[o] | (b[o + 1] << 8);
  const be32 = (o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const le32s = (o: number): number => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
  switch (type) {
    case 'png':
      if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR') return undefined;
      return { width: be32(16), height: be32(20) };
    case 'gif':
      return b.length >= 10 ? { width: le16(6), height: le16(8) } : undefined;
    case 'bmp':
      if (b.length < 26) return undefined;
      if (le32s(14) === 12) return { width: le16(18), height: le16(20) };
      return { width: Math.abs(le32s(18)), height: Math.abs(le32s(22)) };
    case 'webp': {
      const chunk = ascii(b, 12, 4);
      if (chunk === 'VP8 ' && b.length >= 30) return { width: le16(26) & 0x3fff, height: le16(28) & 0x3fff };
      if (chunk === 'VP8L' && b.length >= 25) {
        const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8X' && b.length >= 30) {
        return { width: (b[24] | (b[25] << 8) | (b[26] << 16)) + 1, height: (b[27] | (b[28] << 8) | (b[29] << 16)) + 1 };
      }
      return undefined;
    }
    case 'jpeg': {
      let o = 2;
      while (o + 9 < b.length) {
        if (b[o] !== 0xff) return undefined;
        const m = b[o + 1];
        if (m === 0xff) {
          o++;
          continue;
        }
        if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
          o += 2;
          continue;
        }
        if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
          return { width: be16(o + 7), height: be16(o + 5) };
        }
        if (m === 0xd9 || m === 0xda) return undefined;
        o += 2 + be16(o + 2);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

export type ResizeFit = 'stretch' | 'crop';

interface AxisWeights {
  /** Per output index: first contributing source index and its weights. */
  start: Int32Array;
  len: Int32Array;
  weights: Float32Array;
  /** Max taps per output. */
  taps: number;
}

/**
 * Map `dstLen` outputs onto the source interval [offset, offset+span) of a `srcLen` axis:
 * area averaging when shrinking, bilinear (half-pixel centres, clamped edges) when enlarging.
 */
function axisWeights(srcLen: number, dstLen: number, offset: number, span: number): AxisWeights {
  const scale = span / dstLen;
  const taps = scale >= 1 ? Math.ceil(scale) + 1 : 2;
  const start = new Int32Array(dstLen);
  const len = new Int32Array(dstLen);
  const weights = new Float32Array(dstLen * taps);
  for (let o = 0; o < dstLen; o++) {
    if (scale >= 1) {
      const a = offset + o * scale;
      const b = a + scale;
      const k0 = Math.floor(a);
      let k = k0;
      let n = 0;
      for (; k < b && n < taps; k++, n++) {
        const w = Math.min(b, k + 1) - Math.max(a, k);
        weights[o * taps + n] = w > 0 ? w / scale : 0;
      }
      start[o] = Math.min(k0, srcLen - 1);
      len[o] = n;
    } else {
      const c = offset + (o + 0.5) * scale - 0.5;
      const k0 = Math.floor(c);
      const t = c - k0;
      const lo = Math.max(0, Math.min(srcLen - 1, k0));
      const hi = Math.max(0, Math.min(srcLen - 1, k0 + 1));
      start[o] = lo;
      len[o] = 2;
      weights[o * taps] = 1 - t;
      // Encode the (possibly clamped) second tap relative to start.
      weights[o * taps + 1] = t;
      if (hi === lo) {
        weights[o * taps] = 1;
        weights[o * taps + 1] = 0;
      }
    }
  }
  return { start, len, weights, taps };
}

/**
 * Resize an RGBA image (alpha ignored) into `dst` at `dstOffset` as HWC with 1 (luma) or 3 channels.
 * `fit: 'crop'` takes the largest centred region with the target aspect ratio first.
 */
export function resizeRgbaInto(
  rgba: ArrayLike<number>,
  sw: number,
  sh: number,
  dst: Uint8Array,
  dstOffset: number,
  dw: number,
  dh: number,
  channels: 1 | 3,
  fit: ResizeFit = 'stretch',
): void {
  let ox = 0;
  let oy = 0;
  let spanX = sw;
  let spanY = sh;
  if (fit === 'crop') {
    if (sw * dh > sh * dw) {
      spanX = (sh * dw) / dh;
      ox = (sw - spanX) / 2;
    } else {
      spanY = (sw * dh) / dw;
      oy = (sh - spanY) / 2;
    }
  }
  const wx = axisWeights(sw, dw, ox, spanX);
  const wy = axisWeights(sh, dh, oy, spanY);
  const C = channels;
  // Horizontal pass over the source rows we need.
  const rowLo = wy.start.reduce((m, v) => Math.min(m, v), sh);
  let rowHi = 0;
  for (let o = 0; o < dh; o++) rowHi = Math.max(rowHi, Math.min(sh - 1, wy.start[o] + wy.len[o] - 1));
  const rows = rowHi - rowLo + 1;
  const tmp = new Float32Array(rows * dw * C);
  const px = new Float32Array(C);
  for (let r = 0; r < rows; r++) {
    const sr = (rowLo + r) * sw * 4;
    for (let o = 0; o < dw; o++) {
      px.fill(0);
      const s0 = wx.start[o];
      for (let t = 0; t < wx.len[o]; t++) {
        const w = wx.weights[o * wx.taps + t];
        if (w === 0) continue;
        const k = Math.min(sw - 1, s0 + t);
        const p = sr + k * 4;
        if (C === 3) {
          px[0] += w * rgba[p];
          px[1] += w * rgba[p + 1];
          px[2] += w * rgba[p + 2];
        } else {
          px[0] += w * (0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]);
        }
      }
      const q = (r * dw + o) * C;
      for (let c = 0; c < C; c++) tmp[q + c] = px[c];
    }
  }
  // Vertical pass.
  for (let o = 0; o < dh; o++) {
    const s0 = wy.start[o];
    for (let x = 0; x < dw; x++) {
      for (let c = 0; c < C; c++) {
        let v = 0;
        for (let t = 0; t < wy.len[o]; t++) {
          const w = wy.weights[o * wy.taps + t];
          if (w === 0) continue;
          const k = Math.min(sh - 1, s0 + t) - rowLo;
          v += w * tmp[(k * dw + x) * C + c];
        }
        dst[dstOffset + (o * dw + x) * C + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
}

/** Convenience wrapper returning a new buffer. */
export function resizeRgba(rgba: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number, channels: 1 | 3 = 3, fit: ResizeFit = 'stretch'): Uint8Array {
  const out = new Uint8Array(dw * dh * channels);
  resizeRgbaInto(rgba, sw, sh, out, 0, dw, dh, channels, fit);
  return out;
}
