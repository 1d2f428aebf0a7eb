/**
 * The black-box search path never touches the locked test split: a tiny real search (engine/search/loop.ts, random
 * strategy, the training evaluator of evaluator/train-setup.ts on wasm) gets a DatasetSplit whose `test` part is
 * counted on every read (0 reads), and the same search on a dataset whose test images and labels are scrambled
 * logs exactly the same candidates and metrics (test content cannot influence it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { createTrainSetup } from '../../src/engine/evaluator/train-setup';
import type { DatasetSplit, ImageDataset } from '../../src/engine/data/types';
import { runSearch, type RunLogEntry } from '../../src/engine/search/loop';
import { spaceFromConfig } from '../../src/engine/space/registry';
import { createStrategy } from '../../src/engine/strategy/registry';
import type { SearchSpace } from '../../src/engine/space/types';

beforeAll(async () => {
  await useBackend('wasm', { trainingKernels: true });
});

const range = (from: number, n: number) => Uint32Array.from({ length: n }, (_, i) => from + i);

function countedSplit(split: DatasetSplit, reads: { test: number }): DatasetSplit {
  return {
    train: split.train,
    valid: split.valid,
    get test() { reads.test++; return split.test; },
  };
}

async function tinySearch(ds: ImageDataset, split: DatasetSplit): Promise<readonly RunLogEntry[]> {
  const space = spaceFromConfig({ space: 'nb201' });
  const settings = { seed: 5, channels: 4, cellsPerStage: 1, epochs: 1, batchSize: 16, learningRate: 0.05, trainSamples: 48, validSamples: 16 };
  const setup = createTrainSetup(space, ds, split, settings);
  try {
    const s = space as unknown as SearchSpace<unknown>;
    const result = await runSearch({ space: s, strategy: createStrategy('random', s, {}, 5), evaluator: setup.evaluator, budget: { queries: 2 } });
    // Wall-clock timings differ run to run; everything else must not.
    return result.log.map((e) => ({ ...e, metrics: { ...e.metrics, train_ms: 0 } }));
  } finally {
    setup.dispose();
  }
}

describe('the search never reads the test split', () => {
  it('reads split.test zero times and is unaffected by the test images', async () => {
    const ds = quadrantDataset(96, 8, 4);
    const split: DatasetSplit = { train: range(0, 48), valid: range(48, 16), test: range(64, 32) };
    const reads = { test: 0 };
    const log = await tinySearch(ds, countedSplit(split, reads));
    expect(log).toHaveLength(2);
    expect(reads.test).toBe(0);

    const images = ds.images.slice();
    const labels = ds.labels.slice();
    for (const i of split.test) {
      images.fill(255 - (i % 7) * 30, i * 64, (i + 1) * 64);
      labels[i] = 1 - labels[i];
    }
    const scrambled: ImageDataset = { ...ds, images, labels };
    const again = await tinySearch(scrambled, countedSplit(split, reads));
    expect(reads.test).toBe(0);
    expect(again).toEqual(log);
  });
});
