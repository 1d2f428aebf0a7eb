/** Minimal ustar/GNU tar reader (regular files only), enough for cifar-10-binary.tar(.gz). */
import { DatasetFormatError, fmtBytes } from './errors';
import { utf8Decode } from './text';

export interface TarEntry {
  name: string;
  /** A view into the archive bytes (no copy). */
  bytes: Uint8Array;
}

/** True when the bytes look like a tar archive (ustar magic at 257, or a valid v7 header checksum). */
export function isTar(bytes: Uint8Array): boolean {
  if (bytes.length < 512) return false;
  const magic = String.fromCharCode(...bytes.subarray(257, 262));
  if (magic === 'ustar') return true;
  return headerChecksumOk(bytes, 0) && bytes[0] !== 0;
}

function str(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = o; i < o + n && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s;
}

function octal(b: Uint8Array, o: number, n: number): number {
  if (b[o] & 0x80) {
    // GNU base-256 for big files.
    let v = 0;
    for (let i = o + 1; i < o + n; i++) v = v * 256 + b[i];
    return v;
  }
  const s = str(b, o, n).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function headerChecksumOk(b: Uint8Array, o: number): boolean {
  const want = octal(b, o + 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[o + i];
  return sum === want;
}

export interface TarHeader {
  /** The entry's path (ustar prefix joined), before any GNU / pax long name replaces it. */
  name: string;
  size: number;
  /** '0' (or '7') a regular file, 'L' a GNU long name, 'x' a pax header, ... */
  type: string;
}

/** True for the all-zero block that ends an archive. */
export function isTarEnd(block: Uint8Array): boolean {
  return block.every((x) => x === 0);
}

/** Parse the 512-byte header block found at byte `at` of the archive; throws 'bad-zip' for a bad checksum or size field. */
export function parseTarHeader(block: Uint8Array, at: number, archiveName: string): TarHeader {
  if (!headerChecksumOk(block, 0)) {
    throw new DatasetFormatError('bad-zip', archiveName, `tar header at byte ${at} has a bad checksum`);
  }
  const sizeText = str(block, 124, 12).trim();
  if (!(block[124] & 0x80) && !/^[0-7]*$/.test(sizeText)) {
    throw new DatasetFormatError('bad-zip', archiveName, `tar header at byte ${at} has a non-numeric size field ${JSON.stringify(sizeText)} (expected octal digits)`);
  }
  const size = octal(block, 124, 12);
  const type = String.fromCharCode(block[156] || 48);
  const prefix = str(block, 257, 6) === 'ustar' ? str(block, 345, 155) : '';
  return { name: prefix ? `${prefix}/${str(block, 0, 100)}` : str(block, 0, 100), size, type };
}

/** The long name an 'L' (GNU) or 'x' (pax) entry gives the next entry, if any. */
export function tarLongName(type: string, data: Uint8Array): string | undefined {
  if (type === 'L') return str(data, 0, data.length);
  if (type === 'x') return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(utf8Decode(data))?.[1];
  return undefined;
}

export const isTarFile = (type: string): boolean => type === '0' || type === '7';

export const tarTruncated = (archiveName: string, name: string, size: number, left: number): DatasetFormatError =>
  new DatasetFormatError('truncated', archiveName, `tar entry ${name} needs ${fmtBytes(size)} but the archive ends ${fmtBytes(left)} later`);

export const tarTooMany = (archiveName: string, maxEntries: number): DatasetFormatError =>
  new DatasetFormatError('too-many-files', archiveName, `more than ${maxEntries} files in the archive`);

/** List regular files; throws DatasetFormatError('bad-zip' for a broken header, 'truncated'). */
export function readTar(bytes: Uint8Array, archiveName = 'archive.tar', maxEntries = 100_000): TarEntry[] {
  const out: TarEntry[] = [];
  let o = 0;
  let longName: string | undefined;
  while (o + 512 <= bytes.length) {
    const block = bytes.subarray(o, o + 512);
    if (isTarEnd(block)) break;
    const h = parseTarHeader(block, o, archiveName);
    let name = longName ?? h.name;
    longName = undefined;
    const start = o + 512;
    if (start + h.size > bytes.length) throw tarTruncated(archiveName, name, h.size, bytes.length - start);
    const data = bytes.subarray(start, start + h.size);
    if (h.type === 'L' || h.type === 'x') {
      longName = tarLongName(h.type, data);
    } else if (isTarFile(h.type)) {
      name = name.replace(/^\.\//, '');
      out.push({ name, bytes: data });
      if (out.length > maxEntries) throw tarTooMany(archiveName, maxEntries);
    }
    o = start + Math.ceil(h.size / 512) * 512;
  }
  return out;
}
