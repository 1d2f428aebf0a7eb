import { it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { installTrainingKernels } from '../../src/engine/kernels/install';
import { quadrantDataset } from '../helpers/synthetic';
import { channelStats, toTensorSplit } from '../../src/engine/evaluator/tensors';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { dominantEigenvalue } from '../../src/engine/supernet/anti-collapse';
import { crossEntropy } from '../../src/engine/supernet/loss';
import { sliceBatch } from '../../src/engine/supernet/batches';
import { DartsSearch } from '../../src/engine/strategy/darts';
import { valueAndGrads } from '../../src/engine/strategy/darts-architect';
import { createRng } from '../../src/engine/util/rng';

it('eigen noise', async () => {
  await useBackend('cpu');
  installTrainingKernels();
  const ds = quadrantDataset(96, 8, 2);
  const idx = Array.from({ length: 96 }, (_, i) => i);
  const st = channelStats(ds, idx);
  const train = toTensorSplit(ds, idx.slice(0, 48), st);
  const valid = toTensorSplit(ds, idx.slice(48), st);
  const net = buildNb201Supernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 4, cellsPerStage: 1 } }, createRng(3));
  const s = new DartsSearch(net, { train, valid }, { epochs: 3, batchSize: 16, arch: { learningRate: 3e-3 } });
  await s.run();
  const b = sliceBatch(valid, 0, 48);
  const alphas = net.alphas.map((g) => g.variable);
  const grad = () => { const { value, grads } = valueAndGrads(() => crossEntropy(net.forward(b.x, { kind: 'mixture' }, true), b.y), alphas); value.dispose(); return grads; };
  for (const eps of [1e-3, 1e-2, 3e-2, 1e-1]) {
    const vals: string[] = [];
    for (const seed of [1, 2, 3]) {
      for (const its of [10, 30]) {
        const r = await dominantEigenvalue(grad, alphas, { iterations: its, eps, rng: createRng(seed), tol: 1e-4 });
        vals.push(`${its}:${r.value.toFixed(3)}(${r.iterations})`);
      }
    }
    console.log('eps', eps, vals.join(' '));
  }
}, 300000);
