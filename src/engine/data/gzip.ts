/**
 * gzip detection and decompression through the platform DecompressionStream (Node >= 18, browsers),
 * with output limits so a small file cannot expand without bound.
 */
import { DatasetFormatError, fmtBytes } from './errors';
import { concatBytes, getDecompressionStream } from './web-streams';

export interface GunzipOptions {
  /** File name used in error messages. */
  name?: string;
  /** Refuse output larger than this many bytes (default 1 GiB). */
  maxOutputBytes?: number;
  /**
   * Refuse an expansion ratio above this once the output passes `ratioFloorBytes`
   * (default 100, the same rule as zip entries).
   */
  maxRatio?: number;
  /** Outputs up to this size are never refused for their ratio (default 1 MiB). */
  ratioFloorBytes?: number;
}

export const GZIP_DEFAULTS = {
  maxOutputBytes: 2 ** 30,
  maxRatio: 100,
  ratioFloorBytes: 2 ** 20,
} as const;

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress a gzip file; throws DatasetFormatError ('bad-gzip', 'truncated', 'zip-bomb', 'empty-file'). */
export async function gunzip(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const name = opts.name ?? 'input.gz';
  checkGzipHead(bytes, bytes.length, name);
  const checkOutput = gunzipLimit(name, bytes.length, opts);

  const DS = getDecompressionStream();
  if (!DS) throw new DatasetFormatError('unsupported', name, 'this runtime has no DecompressionStream, cannot read gzip');

  const ds = new DS('gzip');
  const writer = ds.writable.getWriter();
  // Write without awaiting: the readable side must be drained concurrently or backpressure stalls.
  const writeDone = writer.write(bytes).then(
    () => writer.close(),
    () => undefined,
  );
  writeDone.catch(() => undefined);
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      let res;
      try {
        res = await reader.read();
      } catch (e) {
        throw classifyInflateError(e, name, bytes.length);
      }
      if (res.done) break;
      const v = res.value;
      if (!v) continue;
      total += v.byteLength;
      checkOutput(total);
      chunks.push(v);
    }
  } catch (e) {
    await reader.cancel(e).catch(() => undefined);
    await writer.abort(e).catch(() => undefined);
    throw e;
  }
  await writeDone.catch(() => undefined);
  return concatBytes(chunks, total);
}

/**
 * Checks a gzip file's first bytes (`head`: at least its first 3, or all of it) and its size before inflating;
 * throws 'empty-file', 'bad-gzip' or 'truncated'.
 */
export function checkGzipHead(head: Uint8Array, size: number, name: string): void {
  if (size === 0) throw new DatasetFormatError('empty-file', name, 'the file is empty (0 bytes)');
  if (!isGzip(head)) {
    throw new DatasetFormatError('bad-gzip', name, `not a gzip file: it starts with ${hex(head, 2)}, expected 1f 8b`);
  }
  // Smallest possible gzip member: 10-byte header + 2-byte empty deflate block + 8-byte trailer.
  if (size < 18) {
    throw new DatasetFormatError('truncated', name, `gzip file has only ${fmtBytes(size)}; a gzip member needs at least 18`);
  }
  if (head[2] !== 8) {
    throw new DatasetFormatError('bad-gzip', name, `unknown gzip compression method ${head[2]} (only 8, deflate, exists)`);
  }
}

/** The most bytes a gzip file of `size` bytes may inflate to under the limits (above it, `gunzipLimit` throws). */
export function gunzipMaxOutput(size: number, opts: GunzipOptions = {}): number {
  const maxOut = opts.maxOutputBytes ?? GZIP_DEFAULTS.maxOutputBytes;
  const floor = opts.ratioFloorBytes ?? GZIP_DEFAULTS.ratioFloorBytes;
  const maxRatio = opts.maxRatio ?? GZIP_DEFAULTS.maxRatio;
  return Math.min(maxOut, Math.max(floor, Math.floor(size * maxRatio)));
}

/** The output limits as a check on the running output total; throws 'zip-bomb'. */
export function gunzipLimit(name: string, size: number, opts: GunzipOptions = {}): (total: number) => void {
  const maxOut = opts.maxOutputBytes ?? GZIP_DEFAULTS.maxOutputBytes;
  const maxRatio = opts.maxRatio ?? GZIP_DEFAULTS.maxRatio;
  const floor = opts.ratioFloorBytes ?? GZIP_DEFAULTS.ratioFloorBytes;
  return (total) => {
    if (total > maxOut) {
      throw new DatasetFormatError('zip-bomb', name, `decompresses to more than ${fmtBytes(maxOut)} (limit) from ${fmtBytes(size)}`);
    }
    if (total > floor && total / size > maxRatio) {
      throw new DatasetFormatError('zip-bomb', name, `expands more than ${maxRatio}x (${fmtBytes(size)} -> over ${fmtBytes(total)}); refusing a likely decompression bomb`);
    }
  };
}

/** gunzip when the bytes start with 1f 8b, else return them unchanged. */
export async function maybeGunzip(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, opts) : bytes;
}

export function classifyInflateError(e: unknown, name: string, size: number): DatasetFormatError {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  // Node says Z_BUF_ERROR "unexpected end of file"; Chromium "Compressed input was truncated".
  if (code === 'Z_BUF_ERROR' || /end of (file|input|stream)|truncat/i.test(msg)) {
    return new DatasetFormatError('truncated', name, `gzip stream ends early (file has ${fmtBytes(size)}): ${msg}`);
  }
  return new DatasetFormatError('bad-gzip', name, `corrupt gzip data: ${msg}`);
}

function hex(bytes: Uint8Array, n: number): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ') || '(nothing)';
}
