/** Datasets in IndexedDB, stored in chunks so a large set never needs one huge value. */
import type { ImageDataset, DatasetSplit } from '../engine/data/types';
import { describeStorageError, type Db } from './schema';
import { DATASET_RECORD_VERSION, type DatasetMeta, type SplitRecord } from './records';

export const DEFAULT_CHUNK_SIZE = 2048;

export async function listDatasets(db: Db): Promise<DatasetMeta[]> {
  return db.getAll('datasets');
}

export async function getDatasetMeta(db: Db, id: string): Promise<DatasetMeta | undefined> {
  return db.get('datasets', id);
}

/** Writes meta + every chunk (+ split) in ONE transaction: a failure leaves nothing behind. */
export async function putDataset(
  db: Db,
  id: string,
  ds: ImageDataset,
  opts: { source: string; builtin: boolean; split?: Omit<SplitRecord, 'version' | 'datasetId' | 'createdAt'>; chunkSize?: number },
): Promise<DatasetMeta> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const [h, w, c] = ds.shape;
  const px = h * w * c;
  const chunks = Math.ceil(ds.count / chunkSize);
  const meta: DatasetMeta = {
    version: DATASET_RECORD_VERSION,
    id,
    name: ds.name,
    classes: ds.classes.slice(),
    shape: [h, w, c],
    count: ds.count,
    chunkSize,
    chunks,
    bytes: ds.images.byteLength + ds.labels.byteLength,
    source: opts.source,
    builtin: opts.builtin,
    createdAt: Date.now(),
  };
  const tx = db.transaction(['datasets', 'datasetChunks', 'splits'], 'readwrite');
  try {
    const writes: Promise<unknown>[] = [tx.objectStore('datasets').put(meta)];
    for (let k = 0; k < chunks; k++) {
      const start = k * chunkSize;
      const end = Math.min(ds.count, start + chunkSize);
      writes.push(tx.objectStore('datasetChunks').put({
        datasetId: id,
        index: k,
        images: ds.images.slice(start * px, end * px),
        labels: ds.labels.slice(start, end),
      }));
    }
    if (opts.split) {
      writes.push(tx.objectStore('splits').put({ version: DATASET_RECORD_VERSION, datasetId: id, createdAt: Date.now(), ...opts.split }));
    }
    await Promise.all([...writes, tx.done]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `storing dataset "${ds.name}"`);
  }
  return meta;
}

export async function loadDataset(db: Db, id: string): Promise<ImageDataset> {
  const meta = await db.get('datasets', id);
  if (!meta) throw new Error(`Dataset "${id}" is not in this browser's storage`);
  const [h, w, c] = meta.shape;
  const px = h * w * c;
  const images = new Uint8Array(meta.count * px);
  const labels = new Uint8Array(meta.count);
  const chunks = await db.getAllFromIndex('datasetChunks', 'byDataset', id);
  if (chunks.length !== meta.chunks) throw new Error(`Dataset "${meta.name}" is incomplete in storage: ${chunks.length} of ${meta.chunks} chunks`);
  for (const chunk of chunks) {
    const start = chunk.index * meta.chunkSize;
    images.set(chunk.images, start * px);
    labels.set(chunk.labels, start);
  }
  return { name: meta.name, classes: meta.classes, shape: [h, w, c], count: meta.count, images, labels };
}

export async function loadSplit(db: Db, datasetId: string): Promise<DatasetSplit | undefined> {
  const s = await db.get('splits', datasetId);
  return s ? { train: s.train, valid: s.valid, test: s.test } : undefined;
}

export async function deleteDataset(db: Db, id: string): Promise<void> {
  const tx = db.transaction(['datasets', 'datasetChunks', 'splits'], 'readwrite');
  const keys = await tx.objectStore('datasetChunks').index('byDataset').getAllKeys(id);
  await Promise.all([
    tx.objectStore('datasets').delete(id),
    tx.objectStore('splits').delete(id),
    ...keys.map((k) => tx.objectStore('datasetChunks').delete(k)),
    tx.done,
  ]);
}
