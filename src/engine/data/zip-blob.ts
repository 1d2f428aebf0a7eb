/**
 * A zip read in place from a Blob (issue 14 item 7): the end record and the central directory through `slice` from the
 * end, each entry through `slice` + inflate when it is needed; never the whole archive. Same checks and messages as
 * `listZip` / `readZipEntry` on the archive's bytes.
 */
import { sliceBytes, type BlobLike } from './blob-source';
import { findZipDirectory, inflateZipEntry, parseZipDirectory, ZIP_TAIL_BYTES, zipEntryData, type ZipEntry, type ZipLimits } from './zip';

/** `listZip` on a Blob. */
export async function listZipBlob(blob: BlobLike, archive = 'archive.zip', limits: Partial<ZipLimits> = {}): Promise<ZipEntry[]> {
  const size = blob.size;
  const tailBase = Math.max(0, size - ZIP_TAIL_BYTES);
  const tail = await sliceBytes(blob, tailBase, size, archive);
  const head = tailBase === 0 ? tail.subarray(0, 4) : await sliceBytes(blob, 0, 4, archive);
  const dir = findZipDirectory(tail, tailBase, size, head, archive, limits);
  const cd = dir.cdOffset >= tailBase ? tail.subarray(dir.cdOffset - tailBase, dir.eocd - tailBase) : await sliceBytes(blob, dir.cdOffset, dir.eocd, archive);
  return parseZipDirectory(cd, dir, archive, limits);
}

/** `readZipEntry` on a Blob: reads the entry's local header and its data, nothing else. */
export async function readZipEntryBlob(blob: BlobLike, entry: ZipEntry, archive = 'archive.zip'): Promise<Uint8Array> {
  const local = await sliceBytes(blob, entry.localOffset, entry.localOffset + 30, archive);
  const { start, end } = zipEntryData(local, blob.size, entry, archive);
  return inflateZipEntry(await sliceBytes(blob, start, end, archive), entry, archive);
}
