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

/** List regular files; throws DatasetFormatError('bad-zip' for a broken header, 'truncated'). */
export function readTar(bytes: Uint8Array, archiveName = 'archive.tar', maxEntries = 100_000): TarEntry[] {
  const out: TarEntry[] = [];
  let o = 0;
  let longName: string | undefined;
  while (o + 512 <= bytes.length) {
    if (bytes.subarray(o, o + 512).every((x) => x === 0)) break;
    if (!headerChecksumOk(bytes, o)) {
      throw new DatasetFormatError('bad-zip', archiveName, `tar header at byte ${o} has a bad checksum`);
    }
    const sizeText = str(bytes, o + 124, 12).trim();
    if (!(bytes[o + 124] & 0x80) && !/^[0-7]*$/.test(sizeText)) {
      throw new DatasetFormatError('bad-zip', archiveName, `tar header at byte ${o} has a non-numeric size field ${JSON.stringify(sizeText)} (expected octal digits)`);
    }
    const size = octal(bytes, o + 124, 12);
    const type = String.fromCharCode(bytes[o + 156] || 48);
    const prefix = str(bytes, o + 257, 6) === 'ustar' ? str(bytes, o + 345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${str(bytes, o, 100)}` : str(bytes, o, 100));
    longName = undefined;
    const start = o + 512;
    if (start + size > bytes.length) {
      throw new DatasetFormatError('truncated', archiveName, `tar entry ${name} needs ${fmtBytes(size)} but the archive ends ${fmtBytes(bytes.length - start)} later`);
    }
    const data = bytes.subarray(start, start + size);
    if (type === 'L') {
      longName = str(data, 0, data.length);
    } else if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(utf8Decode(data));
      if (m) longName = m[1];
    } else if (type === '0' || type === '7') {
      name = name.replace(/^\.\//, '');
      out.push({ name, bytes: data });
      if (out.length > maxEntries) {
        throw new DatasetFormatError('too-many-files', archiveName, `more than ${maxEntries} files in the archive`);
      }
    }
    o = start + Math.ceil(size / 512) * 512;
  }
  return out;
}
