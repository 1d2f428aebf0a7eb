/**
 * A tar archive read entry by entry from a stream (issue 14 item 7): `readTar`'s checks and messages, but only
 * one 512-byte header and what the caller takes of the current entry are in memory at a time.
 */
import type { ByteReader } from './blob-source';
import { isTarEnd, isTarFile, parseTarHeader, tarLongName, tarTooMany, tarTruncated } from './tar';

export interface TarStreamEntry {
  /** As `readTar` names it. */
  readonly name: string;
  readonly size: number;
  /** Byte offset of the entry's data in the archive. */
  readonly start: number;
  /**
   * Read up to n bytes of this entry's data into dst at off (dst null: skip); fewer only at its end. Throws the
   * archive's 'truncated' error if the archive ends inside the entry.
   */
  read(dst: Uint8Array | null, off: number, n: number): Promise<number>;
}

/**
 * Walk the regular files of a tar read by `reader`; `first` holds bytes already read from its start (at most one
 * block). `archiveSize` (a plain file's size) lets a cut-off entry be refused before its data is read, as `readTar`
 * does; for a gzip stream the cut is found where the data ends. `onEntry` may read part of the entry's data; the rest
 * is skipped.
 */
export async function walkTar(
  reader: ByteReader,
  first: Uint8Array,
  archiveName: string,
  onEntry: (e: TarStreamEntry) => Promise<void>,
  archiveSize?: number,
  maxEntries = 100_000,
): Promise<void> {
  let o = 0;
  let pending = first;
  let longName: string | undefined;
  let files = 0;
  const block = async (): Promise<Uint8Array> => {
    const need = 512 - pending.length;
    const rest = need > 0 ? await reader.read(need) : new Uint8Array(0);
    const b = new Uint8Array(pending.length + rest.length);
    b.set(pending, 0);
    b.set(rest, pending.length);
    pending = new Uint8Array(0);
    return b;
  };
  for (;;) {
    const b = await block();
    if (b.length < 512 || isTarEnd(b)) return;
    const h = parseTarHeader(b, o, archiveName);
    let name = longName ?? h.name;
    longName = undefined;
    const start = o + 512;
    if (archiveSize !== undefined && start + h.size > archiveSize) throw tarTruncated(archiveName, name, h.size, archiveSize - start);
    let taken = 0;
    const read = async (dst: Uint8Array | null, off: number, n: number): Promise<number> => {
      const want = Math.min(n, h.size - taken);
      const got = await reader.readInto(dst, off, want);
      taken += got;
      if (got < want) throw tarTruncated(archiveName, name, h.size, taken);
      return got;
    };
    if (h.type === 'L' || h.type === 'x') {
      const data = new Uint8Array(h.size);
      await read(data, 0, h.size);
      longName = tarLongName(h.type, data);
    } else if (isTarFile(h.type)) {
      name = name.replace(/^\.\//, '');
      files++;
      if (files > maxEntries) throw tarTooMany(archiveName, maxEntries);
      await onEntry({ name, size: h.size, start, read });
    }
    await read(null, 0, h.size - taken);
    const padded = Math.ceil(h.size / 512) * 512;
    const pad = await reader.skip(padded - h.size);
    o = start + padded;
    if (pad < padded - h.size) return;
  }
}
