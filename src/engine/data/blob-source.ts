/**
 * Files read as streams instead of whole byte arrays (issue 14 item 7): a `BlobLike` (a File or Blob in the
 * browser and in Node >= 18) is pulled chunk by chunk through a `ByteReader`, gunzipped on the way through the
 * platform DecompressionStream when it starts with 1f 8b, under the same output limits and with the same
 * messages as `gunzip`. Parsers read headers, then copy payload bytes straight into their final arrays, so no
 * copy of the whole file is ever held.
 */
import { AbortedError, type AbortSignalLike } from '../util/abort';
import { checkGzipHead, classifyInflateError, gunzipLimit, gunzipMaxOutput, isGzip, type GunzipOptions } from './gzip';
import { DatasetFormatError } from './errors';
import { getDecompressionStream, type ReadableStreamLike, type ReadableStreamReaderLike } from './web-streams';

/** The part of a Blob (File) the streaming parsers need; DOM Blob and Node's Blob satisfy it. */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): BlobLike;
  stream(): ReadableStreamLike<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface NamedBlob {
  readonly name: string;
  readonly blob: BlobLike;
}

/** How a streamed read reports and stops: `onBytes(n)` after each n file bytes read (compressed bytes for gzip). */
export interface StreamIo {
  readonly signal?: AbortSignalLike;
  readonly onBytes?: (n: number) => void;
  readonly gzip?: GunzipOptions;
}

/** Bytes [start, end) of a blob (clamped to its size); a read failure (e.g. the file changed on disk) names the file. */
export async function sliceBytes(blob: BlobLike, start: number, end: number, name = 'the file'): Promise<Uint8Array> {
  const s = Math.max(0, Math.min(start, blob.size));
  const e = Math.max(s, Math.min(end, blob.size));
  try {
    return new Uint8Array(await blob.slice(s, e).arrayBuffer());
  } catch (x) {
    throw new Error(`Could not read ${name}: ${x instanceof Error ? x.message : String(x)}`);
  }
}

type Pull = () => Promise<Uint8Array | undefined>;

/** Sequential reads over a pull source; reads return fewer bytes than asked only at the end of the stream. */
export class ByteReader {
  private cur: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private ended = false;
  /** Bytes handed out (read or skipped) so far. */
  consumed = 0;

  constructor(
    private readonly pull: Pull,
    private readonly stop: () => Promise<void>,
  ) {}

  private failed: { error: unknown } | undefined;

  private async fill(): Promise<boolean> {
    while (this.pos >= this.cur.length) {
      if (this.failed) throw this.failed.error;
      if (this.ended) return false;
      let c;
      try {
        c = await this.pull();
      } catch (e) {
        this.failed = { error: e };
        throw e;
      }
      if (c === undefined) {
        this.ended = true;
        return false;
      }
      this.cur = c;
      this.pos = 0;
    }
    return true;
  }

  /** Copy up to n bytes into dst at off (dst null: skip them); returns how many. */
  async readInto(dst: Uint8Array | null, off: number, n: number): Promise<number> {
    let got = 0;
    while (got < n && (await this.fill())) {
      const k = Math.min(n - got, this.cur.length - this.pos);
      if (dst) dst.set(this.cur.subarray(this.pos, this.pos + k), off + got);
      this.pos += k;
      got += k;
    }
    this.consumed += got;
    return got;
  }

  /** Up to n bytes as a new array (headers; small n). */
  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    const got = await this.readInto(out, 0, n);
    return got === n ? out : out.slice(0, got);
  }

  /** Read and drop up to n bytes; returns how many. */
  skip(n: number): Promise<number> {
    return this.readInto(null, 0, n);
  }

  /** Read and drop the rest; returns how many bytes that was. */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.fill()) {
      n += this.cur.length - this.pos;
      this.pos = this.cur.length;
    }
    this.consumed += n;
    return n;
  }

  /** Stop reading (frees the underlying stream); safe to call twice. */
  async close(): Promise<void> {
    this.ended = true;
    this.cur = new Uint8Array(0);
    this.pos = 0;
    await this.stop().catch(() => undefined);
  }
}

/** Pull from a stream reader, counting bytes and honouring the abort signal. */
function pullFrom(reader: ReadableStreamReaderLike<Uint8Array>, name: string, io: StreamIo): Pull {
  return async () => {
    if (io.signal?.aborted) throw new AbortedError(`Reading ${name}`);
    let res;
    try {
      res = await reader.read();
    } catch (e) {
      throw new Error(`Could not read ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (res.done || !res.value) return undefined;
    io.onBytes?.(res.value.byteLength);
    return res.value;
  };
}

export interface OpenedFile {
  readonly name: string;
  /** Size of the file itself (compressed size for gzip). */
  readonly size: number;
  readonly gzipped: boolean;
  /** The most bytes the reader can deliver: the file size, or for gzip the output limit. */
  readonly maxBytes: number;
  readonly reader: ByteReader;
}

/** Open a file for sequential reading, gunzipping it on the fly when it starts with 1f 8b. */
export async function openFile(f: NamedBlob, io: StreamIo = {}): Promise<OpenedFile> {
  const { name, blob } = f;
  const head = await sliceBytes(blob, 0, 3, name);
  const source = blob.stream().getReader();
  const stopSource = () => source.cancel().catch(() => undefined);
  const raw = pullFrom(source, name, io);
  if (!isGzip(head)) {
    return { name, size: blob.size, gzipped: false, maxBytes: blob.size, reader: new ByteReader(raw, stopSource) };
  }
  try {
    checkGzipHead(head, blob.size, name);
  } catch (e) {
    await stopSource();
    throw e;
  }
  const DS = getDecompressionStream();
  if (!DS) {
    await stopSource();
    throw new DatasetFormatError('unsupported', name, 'this runtime has no DecompressionStream, cannot read gzip');
  }
  const ds = new DS('gzip');
  const writer = ds.writable.getWriter();
  const out = ds.readable.getReader();
  let pumpError: unknown;
  // Feed the decompressor from the file as the output is drained (its backpressure bounds the memory).
  const pump = (async () => {
    try {
      for (;;) {
        const c = await raw();
        if (c === undefined) break;
        await writer.write(c);
      }
      await writer.close();
    } catch (e) {
      pumpError = e;
      await writer.abort(e).catch(() => undefined);
    }
  })();
  const check = gunzipLimit(name, blob.size, io.gzip);
  let total = 0;
  const pull: Pull = async () => {
    let res;
    try {
      res = await out.read();
    } catch (e) {
      // A read or cancel error of the file itself outranks the decompressor's reaction to it.
      if (pumpError !== undefined) throw pumpError;
      throw classifyInflateError(e, name, blob.size);
    }
    if (pumpError !== undefined) throw pumpError;
    if (res.done || !res.value) return undefined;
    total += res.value.byteLength;
    check(total);
    return res.value;
  };
  const stop = async () => {
    await out.cancel().catch(() => undefined);
    await writer.abort().catch(() => undefined);
    await stopSource();
    await pump;
  };
  return { name, size: blob.size, gzipped: true, maxBytes: gunzipMaxOutput(blob.size, io.gzip), reader: new ByteReader(pull, stop) };
}

/**
 * The whole-array parsers gunzip a file before looking inside, so a gzip fault (corrupt, cut short, a bomb) outranks
 * what the content looked like: read the gzip files on through and return the first one's fault, if any.
 */
export async function gzipFault(files: readonly OpenedFile[]): Promise<DatasetFormatError | undefined> {
  for (const f of files) {
    if (!f.gzipped) continue;
    try {
      await f.reader.drain();
    } catch (g) {
      if (g instanceof DatasetFormatError) return g;
    }
  }
  return undefined;
}

/** Run `work` on opened files and close them all afterwards, whatever happens. */
export async function withFiles<T>(files: readonly NamedBlob[], io: StreamIo, work: (opened: OpenedFile[]) => Promise<T>): Promise<T> {
  const opened: OpenedFile[] = [];
  try {
    for (const f of files) opened.push(await openFile(f, io));
    return await work(opened);
  } finally {
    await Promise.all(opened.map((o) => o.reader.close()));
  }
}
