/**
 * The few Web Streams types the data layer needs, declared locally so the engine compiles with
 * `lib: ["ES2022"]` (no DOM). Nothing here is declared globally, so it cannot clash with
 * lib.dom / lib.webworker in projects that have them; the runtime objects are looked up on
 * `globalThis` (present in Node >= 18 and all current browsers).
 */
export interface ReadResultLike<T> {
  done: boolean;
  value?: T;
}

export interface ReadableStreamReaderLike<T> {
  read(): Promise<ReadResultLike<T>>;
  releaseLock(): void;
  cancel(reason?: unknown): Promise<void>;
}

export interface ReadableStreamLike<T> {
  getReader(): ReadableStreamReaderLike<T>;
}

export interface WritableStreamWriterLike<T> {
  write(chunk: T): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
  readonly ready: Promise<void>;
}

export interface WritableStreamLike<T> {
  getWriter(): WritableStreamWriterLike<T>;
}

export interface TransformPairLike<I, O> {
  readonly readable: ReadableStreamLike<O>;
  readonly writable: WritableStreamLike<I>;
}

export type CompressionFormatLike = 'gzip' | 'deflate' | 'deflate-raw';

export interface DecompressionStreamCtor {
  new (format: CompressionFormatLike): TransformPairLike<Uint8Array, Uint8Array>;
}

/** The global DecompressionStream constructor, or undefined where the runtime lacks it. */
export function getDecompressionStream(): DecompressionStreamCtor | undefined {
  const g = globalThis as unknown as { DecompressionStream?: DecompressionStreamCtor };
  return typeof g.DecompressionStream === 'function' ? g.DecompressionStream : undefined;
}

/** Anything we can pull Uint8Array chunks from: a web ReadableStream or an (async) iterable. */
export type ByteSource =
  | Uint8Array
  | ReadableStreamLike<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

/** Drain a byte source into one Uint8Array, refusing to go past `maxBytes`. */
export async function readAll(
  src: ByteSource,
  maxBytes = Number.POSITIVE_INFINITY,
  onTooBig?: (seen: number) => never,
): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const push = (c: Uint8Array): void => {
    total += c.byteLength;
    if (total > maxBytes) {
      if (onTooBig) onTooBig(total);
      throw new RangeError(`stream exceeds ${maxBytes} bytes`);
    }
    chunks.push(c);
  };
  if (isReadable(src)) {
    const reader = src.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value) push(value);
      }
    } catch (e) {
      await reader.cancel(e).catch(() => undefined);
      throw e;
    } finally {
      reader.releaseLock();
    }
  } else if (Symbol.asyncIterator in src) {
    for await (const c of src as AsyncIterable<Uint8Array>) push(c);
  } else {
    for (const c of src as Iterable<Uint8Array>) push(c);
  }
  return concatBytes(chunks, total);
}

function isReadable(x: unknown): x is ReadableStreamLike<Uint8Array> {
  return typeof (x as { getReader?: unknown }).getReader === 'function';
}

export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const n = total ?? chunks.reduce((s, c) => s + c.byteLength, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}
