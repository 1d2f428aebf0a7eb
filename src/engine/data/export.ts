/**
 * Writing the formats we read: PNG (8-bit gray/RGB, filter 0, zlib via fflate) and zip (stored or
 * deflate). Used to export a dataset as class folders, and by tests and fixture scripts.
 */
import { deflateSync, zlibSync } from 'fflate';
import type { ImageDataset } from './types';
import { crc32 } from './zip';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(12 + data.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) b[4 + i] = type.charCodeAt(i);
  b.set(data, 8);
  dv.setUint32(8 + data.length, crc32(b.subarray(4, 8 + data.length)));
  return b;
}

/** Encode HWC pixels (1 = gray, 3 = RGB, 4 = RGBA) as a PNG. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4 = 3): Uint8Array {
  if (pixels.length !== width * height * channels) throw new RangeError(`encodePng: ${pixels.length} bytes != ${width}x${height}x${channels}`);
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  return concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlibSync(raw, { level: 6 })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

export interface ZipInput {
  /** '/'-separated path; a name ending in '/' is a directory entry. */
  name: string;
  data?: Uint8Array;
  /** 0 = stored; 1..9 = deflate level (default 6; PNG/JPEG are best stored). */
  level?: number;
}

function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** Write a zip archive (UTF-8 names, fixed 1980-01-01 timestamps, so output is deterministic). */
export function writeZip(entries: readonly ZipInput[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = utf8Encode(e.name);
    const data = e.data ?? new Uint8Array(0);
    const isDir = e.name.endsWith('/');
    const level = isDir ? 0 : e.level ?? 6;
    const method = level === 0 ? 0 : 8;
    const body = method === 0 ? data : deflateSync(data, { level: level as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 });
    const crc = crc32(data);
    const loc = new Uint8Array(30 + name.length);
    const lv = new DataView(loc.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x0800, true);
    lv.setUint16(8, method, true);
    lv.setUint16(10, 0, true);
    lv.setUint16(12, 0x21, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    loc.set(name, 30);
    const cen = new Uint8Array(46 + name.length);
    const cv = new DataView(cen.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(38, isDir ? 0x10 : 0, true);
    cv.setUint32(42, offset, true);
    cen.set(name, 46);
    locals.push(loc, body);
    centrals.push(cen);
    offset += loc.length + body.length;
  }
  const cdSize = centrals.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return concat([...locals, ...centrals, end]);
}

/** Safe folder name for a class (no '/', '\\', control characters, or dot-only names). */
export function classFolderName(name: string, index: number): string {
  const clean = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim();
  return clean === '' || /^\.+$/.test(clean) ? `class_${index}` : clean;
}

/** Export (a subset of) a dataset as a zip of PNGs in one folder per class, readable by loadImageZip. */
export function datasetToZip(ds: ImageDataset, indices?: ArrayLike<number>): Uint8Array {
  const [h, w, c] = ds.shape;
  if (c !== 1 && c !== 3) throw new RangeError(`datasetToZip: ${c} channels not supported`);
  const per = h * w * c;
  const idx = indices ?? Array.from({ length: ds.count }, (_, i) => i);
  const folders = ds.classes.map(classFolderName);
  const entries: ZipInput[] = folders.map((f) => ({ name: `${f}/` }));
  const digits = String(ds.count).length;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const png = encodePng(ds.images.subarray(i * per, (i + 1) * per), w, h, c);
    entries.push({ name: `${folders[ds.labels[i]]}/${String(i).padStart(digits, '0')}.png`, data: png, level: 0 });
  }
  return writeZip(entries);
}
