/**
 * The one-shot engine on the WASM backend (the browser's CPU fallback), which lacks some kernels the CPU backend
 * has: DARTS (second order) and PC-DARTS steps on the NB201 supernet, a PC-DARTS step on the DARTS-space supernet
 * and a SPOS step all run and match the CPU backend's losses.
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { install } from '../../src/engine/accel';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit } from '../../src/engine/evaluator/tensors';
import { buildNb201Supernet } from '../../src/engine/supernet/nb201-supernet';
import { buildDartsSupernet } from '../../src/engine/supernet/darts-supernet';
import { DartsSearch } from '../../src/engine/oneshot/darts';
import { SposSearch } from '../../src/engine/oneshot/spos';
import { createNb201Space } from '../../src/engine/space/nb201/space';
import { createRng } from '../../src/engine/util/rng';

async function losses(backend: 'cpu' | 'wasm'): Promise<number[]> {
  await useBackend(backend);
  install();
  const data = quadrantSplits(16, 8, 2);
  const out: number[] = [];
  const skeleton = { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 4, cellsPerStage: 1 };
  const ops = ['none', 'skip_connect', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
  for (const pc of [false, true]) {
    const net = buildNb201Supernet({ skeleton, ops: ops.slice(), partialChannels: pc ? 2 : 1, edgeNormalization: pc }, createRng(1));
    const s = new DartsSearch(net, data, { epochs: 1, batchSize: 8, order: pc ? 'first' : 'second', antiCollapse: { opDropout: 0.2, entropyWeight: 0.1 } });
    const r = await s.step();
    out.push(r.trainLoss, r.validLoss);
    s.dispose();
    net.dispose();
  }
  const dnet = buildDartsSupernet({ skeleton: { inputShape: [8, 8, 1], numClasses: 2, channels: 4, layers: 2, stemMultiplier: 1 }, ops: ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3'], partialChannels: 2, edgeNormalization: true }, createRng(2));
  const d = new DartsSearch(dnet, data, { epochs: 1, batchSize: 8 });
  const dr = await d.step();
  out.push(dr.trainLoss, dr.validLoss);
  d.dispose();
  dnet.dispose();
  const space = createNb201Space({ ops: ops.slice() });
  const snet = buildNb201Supernet({ skeleton, ops: space.ops }, createRng(3));
  const spos = new SposSearch(snet, space, data, { epochs: 2, batchSize: 8 });
  out.push((await spos.step()).trainLoss, (await spos.step()).trainLoss);
  spos.dispose();
  snet.dispose();
  disposeSplit(data.train);
  disposeSplit(data.valid);
  return out;
}

describe('one-shot engine on wasm', () => {
  it('DARTS, PC-DARTS (both spaces) and SPOS steps run on wasm and match the CPU backend', async () => {
    const wasm = await losses('wasm');
    const cpu = await losses('cpu');
    expect(wasm.every(Number.isFinite)).toBe(true);
    wasm.forEach((l, i) => expect(Math.abs(l - cpu[i])).toBeLessThan(1e-3));
  });
});
