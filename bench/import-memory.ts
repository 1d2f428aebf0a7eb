/**
 * Benchmark row "import memory" (issue 14 item 7): the peak memory of importing a large dataset through the
 * importer's code path (the engine's streaming readers the data worker calls, fed a disk-backed Blob as a browser
 * File is), against the decoded payload (images + labels) and against the whole-file path the worker used before
 * (read each file into one array of its size, then parse the array).
 *
 *   npm run bench -- --suite import-memory [--count 60000] [--cifar-count 50000] [--only idx|cifar] [--no-whole] [--no-gc]
 *
 * Each import runs in a process of its own (bench/import-memory-case.ts). Peak = the process's resident-set
 * high-water mark during the import (Linux VmHWM, reset through /proc/self/clear_refs) minus the resident set just
 * before it, with a full GC before the import and after every MiB read, so what is measured is memory the import
 * holds, not garbage a later GC would take back (`--no-gc`: without those GCs, as in the app). Linux only.
 * tests/integration/import-memory.test.ts asserts the bound on a smaller set.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { encodeCifarBatch } from '../src/engine/data/cifar';
import { encodeIdxImages, encodeIdxLabels } from '../src/engine/data/idx';
import { ustar } from '../tests/helpers/dataset-files';

const MiB = 2 ** 20;

/** A deterministic MNIST-like image set: a bright ring per image on black, sizes and places from a seeded LCG. */
export function syntheticImages(count: number, side: number, channels: number): { pixels: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(count * side * side * channels);
  const labels = new Uint8Array(count);
  let s = 12345;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 10;
    const cx = side * (0.3 + 0.4 * rnd());
    const cy = side * (0.3 + 0.4 * rnd());
    const r = side * (0.15 + 0.15 * rnd());
    const base = i * side * side * channels;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const d = Math.abs(Math.hypot(x - cx, y - cy) - r);
        const v = d < 2 ? Math.round(255 - 60 * d - 20 * rnd()) : 0;
        for (let c = 0; c < channels; c++) pixels[base + (y * side + x) * channels + c] = channels === 1 ? v : (v * (c + 2)) >> 2;
      }
    }
  }
  return { pixels, labels };
}

/** Files for the cases, written once into a temporary folder. */
export interface DatasetFiles {
  dir: string;
  idx: { images: string; labels: string; imagesGz: string; labelsGz: string; payload: number };
  cifar?: { batches: string[]; tarGz: string; payload: number };
}

export function writeDatasetFiles(count: number, cifarCount: number): DatasetFiles {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nas-import-memory-'));
  const p = (f: string) => path.join(dir, f);
  const { pixels, labels } = syntheticImages(count, 28, 1);
  const images = encodeIdxImages(pixels, count, 28, 28);
  const lab = encodeIdxLabels(labels);
  writeFileSync(p('train-images-idx3-ubyte'), images);
  writeFileSync(p('train-labels-idx1-ubyte'), lab);
  writeFileSync(p('train-images-idx3-ubyte.gz'), gzipSync(images));
  writeFileSync(p('train-labels-idx1-ubyte.gz'), gzipSync(lab));
  const out: DatasetFiles = {
    dir,
    idx: { images: p('train-images-idx3-ubyte'), labels: p('train-labels-idx1-ubyte'), imagesGz: p('train-images-idx3-ubyte.gz'), labelsGz: p('train-labels-idx1-ubyte.gz'), payload: pixels.length + labels.length },
  };
  if (cifarCount > 0) {
    const per = Math.ceil(cifarCount / 5);
    const batches: string[] = [];
    for (let b = 0; b < 5; b++) {
      const n = Math.min(per, cifarCount - b * per);
      const c = syntheticImages(n, 32, 3);
      const f = p(`data_batch_${b + 1}.bin`);
      writeFileSync(f, encodeCifarBatch(c.pixels, c.labels));
      batches.push(f);
    }
    // The official layout: the batches in one tar.gz.
    const tarGz = p('cifar-10-binary.tar.gz');
    writeFileSync(tarGz, gzipSync(ustar(batches.map((f) => ({ name: `cifar-10-batches-bin/${path.basename(f)}`, data: readFileSync(f) })))));
    out.cifar = { batches, tarGz, payload: cifarCount * (3072 + 1) };
  }
  return out;
}

export type ImportPath = 'stream' | 'whole';

export interface Measured {
  peakBytes: number;
  payloadBytes: number;
}

/** Import `files` in a fresh process (bench/import-memory-case.ts) and return its peak memory. */
export function measureImport(kind: 'idx' | 'cifar', how: ImportPath, files: readonly string[], gc = true): Measured {
  const root = path.resolve(import.meta.dirname, '..');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(root, 'bench/import-memory-case.ts'), kind, how, gc ? 'gc' : 'no-gc', ...files], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', TSX_TSCONFIG_PATH: 'tsconfig.node.json' },
  });
  if (r.status !== 0) throw new Error(`import-memory-case ${kind} ${how} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Measured;
}

interface Row {
  case: string;
  path: ImportPath;
  fileMiB: number;
  payloadMiB: number;
  peakMiB: number;
  peakOverPayload: number;
  seconds: number;
}

export async function importMemoryMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '60000' },
      'cifar-count': { type: 'string', default: '50000' },
      only: { type: 'string' },
      'no-whole': { type: 'boolean', default: false },
      'no-gc': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('npm run bench -- --suite import-memory [--count 60000] [--cifar-count 50000] [--only idx|cifar] [--no-whole] [--no-gc]');
    return 0;
  }
  const files = writeDatasetFiles(Number(values.count), values.only === 'idx' ? 0 : Number(values['cifar-count']));
  try {
    const cases: { name: string; kind: 'idx' | 'cifar'; files: string[]; payload: number }[] = [
      { name: `IDX ${values.count}x28x28 raw`, kind: 'idx', files: [files.idx.images, files.idx.labels], payload: files.idx.payload },
      { name: `IDX ${values.count}x28x28 .gz`, kind: 'idx', files: [files.idx.imagesGz, files.idx.labelsGz], payload: files.idx.payload },
    ];
    if (files.cifar) {
      cases.push({ name: `CIFAR-10 ${values['cifar-count']}x32x32x3, 5 .bin`, kind: 'cifar', files: files.cifar.batches, payload: files.cifar.payload });
      cases.push({ name: `CIFAR-10 ${values['cifar-count']}x32x32x3, .tar.gz`, kind: 'cifar', files: [files.cifar.tarGz], payload: files.cifar.payload });
    }
    const rows: Row[] = [];
    for (const c of cases.filter((x) => !values.only || x.kind === values.only)) {
      for (const how of values['no-whole'] ? (['stream'] as const) : (['stream', 'whole'] as const)) {
        const t0 = performance.now();
        const m = measureImport(c.kind, how, c.files, !values['no-gc']);
        const seconds = (performance.now() - t0) / 1000;
        const fileBytes = c.files.reduce((n, f) => n + statSync(f).size, 0);
        const { peakBytes, payloadBytes: payload } = m;
        rows.push({ case: c.name, path: how, fileMiB: fileBytes / MiB, payloadMiB: payload / MiB, peakMiB: peakBytes / MiB, peakOverPayload: peakBytes / payload, seconds });
      }
    }
    console.log(`| case | path | files MiB | payload MiB | peak MiB | peak / payload | s |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |`);
    for (const r of rows) {
      console.log(`| ${r.case} | ${r.path} | ${r.fileMiB.toFixed(1)} | ${r.payloadMiB.toFixed(1)} | ${r.peakMiB.toFixed(1)} | ${r.peakOverPayload.toFixed(2)} | ${r.seconds.toFixed(1)} |`);
    }
    return 0;
  } finally {
    rmSync(files.dir, { recursive: true, force: true });
  }
}
