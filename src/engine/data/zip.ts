/**
 * A small, defensive zip reader: parses the central directory itself (so every entry's declared sizes
 * are checked before anything is inflated) and inflates one entry at a time with fflate's streaming
 * Inflate, stopping as soon as the output passes the declared size. Stored (0) and deflate (8) only;
 * no zip64, no encryption.
 */
import { Inflate } from 'fflate';
import { DatasetFormatError, fmtBytes, fmtInt } from './errors';
import { utf8Decode } from './text';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated; directories end with '/'. */
  name: string;
  isDirectory: boolean;
  method: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
  crc32: number;
  /** Offset of the local file header. */
  localOffset: number;
}

export interface ZipLimits {
  /** Max entries in the central directory (default 100,000). */
  maxEntries: number;
  /** Max declared uncompressed size of one entry (default 256 MiB). */
  maxEntryBytes: number;
  /** Max declared uncompressed size of all entries together (default 1 GiB). */
  maxTotalBytes: number;
  /** Max uncompressed/compressed ratio of one entry (default 100)... */
  maxRatio: number;
  /** ...applied to entries that expand to more than this (default 1 MiB). */
  ratioFloorBytes: number;
}

export const ZIP_DEFAULT_LIMITS: ZipLimits = {
  maxEntries: 100_000,
  maxEntryBytes: 256 * 2 ** 20,
  maxTotalBytes: 2 ** 30,
  maxRatio: 100,
  ratioFloorBytes: 2 ** 20,
};

const SIG_EOCD = 0x06054b50;
const SIG_CEN = 0x02014b50;
const SIG_LOC = 0x04034b50;

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** True when the bytes start like a zip (local header or an empty archive's EOCD). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (u32(bytes, 0) === SIG_LOC || u32(bytes, 0) === SIG_EOCD);
}

/** Clean an archive path: '\' -> '/', drop leading '/', './' and '.' segments; throws on '..'. */
export function normalizeArchivePath(raw: string, archive: string): string {
  const isDir = /[\\/]$/.test(raw);
  const segs = raw.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw new DatasetFormatError('bad-zip', archive, `entry "${raw}" has a ".." path segment`);
  return segs.join('/') + (isDir && segs.length > 0 ? '/' : '');
}

/** Read and check the central directory. Throws 'bad-zip', 'truncated', 'unsupported', 'zip-bomb', 'too-many-files', 'empty-file'. */
export function listZip(bytes: Uint8Array, archive = 'archive.zip', limits: Partial<ZipLimits> = {}): ZipEntry[] {
  const dir = findZipDirectory(bytes, 0, bytes.length, bytes.subarray(0, 4), archive, limits);
  return parseZipDirectory(bytes.subarray(dir.cdOffset, dir.eocd), dir, archive, limits);
}

/** Where the central directory is, from the end-of-central-directory record. */
export interface ZipDirectory {
  /** Byte offset of the EOCD record. */
  eocd: number;
  cdOffset: number;
  total: number;
}

/** Bytes the EOCD search looks at: the last 22 + 65,535 (the longest archive comment) of the file. */
export const ZIP_TAIL_BYTES = 22 + 0xffff;

/**
 * Find and check the end-of-central-directory record. `tail` is the file's bytes from `tailBase` to its end (at least
 * its last ZIP_TAIL_BYTES), `size` the file's size, `head` its first 4 bytes.
 */
export function findZipDirectory(tail: Uint8Array, tailBase: number, size: number, head: Uint8Array, archive: string, limits: Partial<ZipLimits> = {}): ZipDirectory {
  const L = { ...ZIP_DEFAULT_LIMITS, ...limits };
  if (size === 0) throw new DatasetFormatError('empty-file', archive, 'the file is empty (0 bytes), expected a zip archive');
  let eocd = -1;
  for (let o = size - 22; o >= Math.max(0, size - ZIP_TAIL_BYTES); o--) {
    if (u32(tail, o - tailBase) === SIG_EOCD) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) {
    if (head.length >= 4 && u32(head, 0) === SIG_LOC) {
      throw new DatasetFormatError('truncated', archive, `starts like a zip but has no end-of-central-directory record (file has ${fmtBytes(size)}); the download or copy was probably cut short`);
    }
    throw new DatasetFormatError('bad-zip', archive, 'not a zip archive: no end-of-central-directory record found');
  }
  const e = eocd - tailBase;
  const disk = u16(tail, e + 4);
  const cdDisk = u16(tail, e + 6);
  const total = u16(tail, e + 10);
  const cdSize = u32(tail, e + 12);
  const cdOffset = u32(tail, e + 16);
  if (disk !== 0 || cdDisk !== 0) throw new DatasetFormatError('unsupported', archive, 'multi-part (split) zip archives are not supported');
  if (total === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    throw new DatasetFormatError('unsupported', archive, 'zip64 archives are not supported (re-zip with fewer than 65,535 files and under 4 GiB)');
  }
  if (total > L.maxEntries) {
    throw new DatasetFormatError('too-many-files', archive, `the archive lists ${fmtInt(total)} entries; the limit is ${fmtInt(L.maxEntries)}`);
  }
  if (cdOffset + cdSize > eocd) {
    throw new DatasetFormatError('truncated', archive, `the central directory (${fmtBytes(cdSize)} at byte ${fmtInt(cdOffset)}) runs past the end record at byte ${fmtInt(eocd)}; the archive is truncated or corrupt`);
  }
  return { eocd, cdOffset, total };
}

/** Read and check the central directory entries: `cd` is the file's bytes from `dir.cdOffset` to `dir.eocd`. */
export function parseZipDirectory(cd: Uint8Array, dir: ZipDirectory, archive: string, limits: Partial<ZipLimits> = {}): ZipEntry[] {
  const L = { ...ZIP_DEFAULT_LIMITS, ...limits };
  const { eocd, cdOffset, total } = dir;
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let o = cdOffset;
  let sum = 0;
  for (let i = 0; i < total; i++) {
    const r = o - cdOffset;
    if (o + 46 > eocd || u32(cd, r) !== SIG_CEN) {
      throw new DatasetFormatError('bad-zip', archive, `central directory entry ${i + 1} of ${total} is missing or corrupt (byte ${fmtInt(o)})`);
    }
    const flags = u16(cd, r + 8);
    const method = u16(cd, r + 10);
    const crc32 = u32(cd, r + 16);
    const compressedSize = u32(cd, r + 20);
    const size = u32(cd, r + 24);
    const nameLen = u16(cd, r + 28);
    const extraLen = u16(cd, r + 30);
    const commentLen = u16(cd, r + 32);
    const localOffset = u32(cd, r + 42);
    if (o + 46 + nameLen > eocd) throw new DatasetFormatError('bad-zip', archive, `central directory entry ${i + 1} has a name running past the directory`);
    const rawName = utf8Decode(cd.subarray(r + 46, r + 46 + nameLen));
    o += 46 + nameLen + extraLen + commentLen;
    const name = normalizeArchivePath(rawName, archive);
    const isDirectory = name.endsWith('/') || (size === 0 && compressedSize === 0 && rawName.endsWith('/'));
    if (name === '') continue;
    const where = `${archive}/${name}`;
    // Two entries with one name would let the second silently replace (or shadow) the first.
    if (seen.has(name)) throw new DatasetFormatError('bad-zip', where, `the archive holds two entries named "${name}"; refusing to pick one`);
    seen.add(name);
    if (flags & 1) throw new DatasetFormatError('unsupported', where, 'the entry is encrypted; password-protected zips are not supported');
    if (method !== 0 && method !== 8) {
      throw new DatasetFormatError('unsupported', where, `compression method ${method} is not supported (only stored and deflate)`);
    }
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw new DatasetFormatError('unsupported', where, 'zip64 entries are not supported');
    }
    if (method === 0 && size !== compressedSize) {
      throw new DatasetFormatError('bad-zip', where, `stored entry declares ${fmtBytes(size)} uncompressed but ${fmtBytes(compressedSize)} compressed`);
    }
    if (size > L.maxEntryBytes) {
      throw new DatasetFormatError('zip-bomb', where, `declares ${fmtBytes(size)} uncompressed, over the per-file limit of ${fmtBytes(L.maxEntryBytes)}`);
    }
    if (size > L.ratioFloorBytes && size / Math.max(1, compressedSize) > L.maxRatio) {
      throw new DatasetFormatError('zip-bomb', where, `compression ratio ${Math.round(size / Math.max(1, compressedSize))}:1 (${fmtBytes(compressedSize)} -> ${fmtBytes(size)}) is over the ${L.maxRatio}:1 limit; refusing a likely zip bomb`);
    }
    sum += size;
    if (sum > L.maxTotalBytes) {
      throw new DatasetFormatError('zip-bomb', archive, `entries declare more than ${fmtBytes(L.maxTotalBytes)} uncompressed in total (limit); refusing to unpack`);
    }
    if (localOffset + 30 + compressedSize > cdOffset) {
      throw new DatasetFormatError('truncated', where, `data (${fmtBytes(compressedSize)} at byte ${fmtInt(localOffset)}) runs past the start of the central directory`);
    }
    entries.push({ name, isDirectory, method, compressedSize, size, crc32, localOffset });
  }
  return entries;
}

let CRC_TABLE: Uint32Array | undefined;
/** CRC-32 (IEEE), as zip and gzip use. */
export function crc32(data: Uint8Array, crc = 0): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Where an entry's data lies, from its local header (`local`: at least the header's 30 bytes at `entry.localOffset`, fewer if the file ends). */
export function zipEntryData(local: Uint8Array, size: number, entry: ZipEntry, archive: string): { start: number; end: number } {
  const where = `${archive}/${entry.name}`;
  const lo = entry.localOffset;
  if (lo + 30 > size || u32(local, 0) !== SIG_LOC) {
    throw new DatasetFormatError('bad-zip', where, `no local file header at byte ${fmtInt(lo)}`);
  }
  const start = lo + 30 + u16(local, 26) + u16(local, 28);
  const end = start + entry.compressedSize;
  if (end > size) {
    throw new DatasetFormatError('truncated', where, `needs ${fmtBytes(entry.compressedSize)} of data from byte ${fmtInt(start)} but the archive ends at ${fmtInt(size)}`);
  }
  return { start, end };
}

/** Inflate one entry, never producing more than its declared size; verifies the CRC. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, archive = 'archive.zip'): Uint8Array {
  const { start, end } = zipEntryData(bytes.subarray(entry.localOffset, entry.localOffset + 30), bytes.length, entry, archive);
  return inflateZipEntry(bytes.subarray(start, end), entry, archive);
}

/** Inflate an entry's data (`src`: its compressedSize bytes), never past its declared size; verifies the CRC. */
export function inflateZipEntry(src: Uint8Array, entry: ZipEntry, archive: string): Uint8Array {
  const where = `${archive}/${entry.name}`;
  let out: Uint8Array;
  if (entry.method === 0) {
    out = src.slice();
  } else {
    out = new Uint8Array(entry.size);
    let n = 0;
    const inf = new Inflate((chunk) => {
      if (n + chunk.length > entry.size) {
        throw new DatasetFormatError('zip-bomb', where, `inflates past its declared size of ${fmtBytes(entry.size)}; refusing a likely zip bomb`);
      }
      out.set(chunk, n);
      n += chunk.length;
    });
    const step = 8192;
    try {
      if (src.length === 0) inf.push(src, true);
      for (let o = 0; o < src.length; o += step) inf.push(src.subarray(o, Math.min(src.length, o + step)), o + step >= src.length);
    } catch (e) {
      if (e instanceof DatasetFormatError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new DatasetFormatError('bad-zip', where, `corrupt deflate data: ${msg}`);
    }
    if (n !== entry.size) {
      throw new DatasetFormatError('bad-zip', where, `inflated to ${fmtBytes(n)} but the directory declares ${fmtBytes(entry.size)}`);
    }
  }
  const c = crc32(out);
  if (c !== entry.crc32) {
    throw new DatasetFormatError('bad-zip', where, `CRC mismatch (got ${c.toString(16).padStart(8, '0')}, directory says ${entry.crc32.toString(16).padStart(8, '0')}); the archive is corrupt`);
  }
  return out;
}
