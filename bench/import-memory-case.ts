/**
 * One measurement of the "import memory" row (bench/import-memory.ts), in a process of its own:
 *
 *   node --expose-gc --import tsx bench/import-memory-case.ts idx|cifar stream|whole gc|no-gc FILE...
 *
 * prints one JSON line {peakBytes, payloadBytes}. Run it with MALLOC_MMAP_THRESHOLD_ set (the parent does), so glibc
 * maps every large buffer on its own and a freed one leaves the resident set at once: then the resident-set
 * high-water mark counts what the import holds and nothing reused from before.
 */
import { openAsBlob, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BlobLike, NamedBlob, StreamIo } from '../src/engine/data/blob-source';
import { loadCifarDataset } from '../src/engine/data/cifar';
import { streamCifarDataset } from '../src/engine/data/cifar-stream';
import { streamIdxTrainTest } from '../src/engine/data/idx-stream';
import { loadIdxTrainTest } from '../src/engine/data/official-test';
import type { ImageDataset } from '../src/engine/data/types';

setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

const MiB = 2 ** 20;

function procStatus(key: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`no ${key} in /proc/self/status (the import-memory measurement needs Linux)`);
  return Number(m[1]) * 1024;
}

interface Peak<T> {
  result: T;
  /** Resident-set high-water mark during the work, minus the resident set before it, in bytes. */
  peakBytes: number;
}

/**
 * Run `work` and measure its peak resident memory. `work` gets `onBytes` to call as it reads: with `gc` (default)
 * a full GC runs after every MiB, so chunks already copied out do not count.
 */
async function measurePeak<T>(work: (onBytes: (n: number) => void) => Promise<T>, gc = true): Promise<Peak<T>> {
  // V8 frees array buffers on a background thread after a GC: give it time, so freed memory leaves the baseline.
  for (let i = 0; i < 3; i++) {
    fullGc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const before = procStatus('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current resident set
  let seen = 0;
  let next = MiB;
  const onBytes = (n: number): void => {
    seen += n;
    if (gc && seen >= next) {
      fullGc();
      next = seen + MiB;
    }
  };
  const result = await work(onBytes);
  return { result, peakBytes: procStatus('VmHWM') - before };
}

/** A disk-backed Blob, as a picked File is in the browser. */
async function fileBlob(file: string): Promise<NamedBlob> {
  const blob: BlobLike = await openAsBlob(file);
  return { name: path.basename(file), blob };
}

/** The whole-file read the data worker did before streaming: one array of the file's size, filled from its stream. */
async function readWhole(f: NamedBlob, onBytes: (n: number) => void): Promise<Uint8Array> {
  const out = new Uint8Array(f.blob.size);
  const reader = f.blob.stream().getReader();
  let o = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) break;
    out.set(value, o);
    o += value.length;
    onBytes(value.length);
  }
  return out;
}

type ImportPath = 'stream' | 'whole';

/** IDX train pair through the worker's path (streaming) or the former whole-file path. */
async function importIdx(files: readonly string[], how: ImportPath, onBytes: (n: number) => void): Promise<ImageDataset> {
  const blobs = await Promise.all(files.map(fileBlob));
  if (how === 'stream') {
    const io: StreamIo = { onBytes };
    return (await streamIdxTrainTest(blobs, undefined, 'bench', undefined, io)).dataset;
  }
  const named = [];
  for (const b of blobs) named.push({ name: b.name, bytes: await readWhole(b, onBytes) });
  return (await loadIdxTrainTest(named, undefined, 'bench')).dataset;
}

/** CIFAR-10 batches through the worker's path or the former whole-file path. */
async function importCifar(files: readonly string[], how: ImportPath, onBytes: (n: number) => void): Promise<ImageDataset> {
  const blobs = await Promise.all(files.map(fileBlob));
  if (how === 'stream') return (await streamCifarDataset(blobs, 'bench', {}, { onBytes })).dataset;
  const named = [];
  for (const b of blobs) named.push({ name: b.name, bytes: await readWhole(b, onBytes) });
  return (await loadCifarDataset(named, 'bench')).dataset;
}


const [kind, how, gc, ...files] = process.argv.slice(2);
if ((kind !== 'idx' && kind !== 'cifar') || (how !== 'stream' && how !== 'whole') || files.length === 0) {
  console.error('usage: bench/import-memory-case.ts idx|cifar stream|whole gc|no-gc FILE...');
  process.exit(2);
}
const run = kind === 'idx' ? importIdx : importCifar;
const { result, peakBytes } = await measurePeak((onBytes) => run(files, how, onBytes), gc === 'gc');
console.log(JSON.stringify({ peakBytes, payloadBytes: result.images.length + result.labels.length }));
