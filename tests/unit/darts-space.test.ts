/**
 * DARTS and PC-DARTS searches on the DARTS cell space (tiny DARTS-space supernet, CPU backend): steps run in both
 * orders, epoch ends derive valid DARTS genotypes (2 inputs per node, no 'none'), PC-DARTS reports betas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { quadrantSplits } from '../helpers/synthetic';
import { disposeSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { buildDartsSupernet } from '../../src/engine/supernet/darts-supernet';
import type { OneShotEvent } from '../../src/engine/supernet/events';
import { DartsSearch } from '../../src/engine/oneshot/darts';
import { createPcDartsSearch } from '../../src/engine/oneshot/pc-darts';
import { dartsSpace, dartsFromString, type DartsGenotype } from '../../src/engine/space/darts/space';
import { createRng } from '../../src/engine/util/rng';

let train: TensorSplit;
let valid: TensorSplit;
beforeAll(async () => {
  await useBackend('cpu', { trainingKernels: true });
  ({ train, valid } = quadrantSplits(16, 8, 6));
});
afterAll(() => { disposeSplit(train); disposeSplit(valid); });

const cfg = {
  skeleton: { inputShape: [8, 8, 1] as const, numClasses: 2, channels: 4, layers: 2, stemMultiplier: 1 },
  ops: ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'] as const,
};

describe('DARTS-space search', () => {
  it('first and second order DARTS derive valid DARTS genotypes', async () => {
    for (const order of ['first', 'second'] as const) {
      const net = buildDartsSupernet({ ...cfg, ops: cfg.ops.slice() }, createRng(1));
      const s = new DartsSearch(net, { train, valid }, { epochs: 1, batchSize: 8, order });
      const events: OneShotEvent<DartsGenotype>[] = [];
      const res = await s.run({ onEvent: (e) => events.push(e) });
      expect(res.status).toBe('done');
      expect(() => dartsSpace.validate(res.genotype)).not.toThrow();
      expect(dartsFromString(res.arch)).toEqual(dartsSpace.validate(res.genotype));
      const alphas = events.find((e) => e.type === 'alphas');
      if (alphas?.type !== 'alphas') throw new Error('no alphas event');
      expect(alphas.alphas).toHaveLength(28);
      expect(alphas.edges[0]).toBe('normal:2<-0');
      expect(alphas.edges[27]).toBe('reduce:5<-4');
      s.dispose();
      net.dispose();
    }
  });

  it('PC-DARTS (K = 2, edge normalisation) reports normalised betas and derives with them', async () => {
    const net = buildDartsSupernet({ ...cfg, ops: cfg.ops.slice(), partialChannels: 2, edgeNormalization: true }, createRng(2));
    const s = createPcDartsSearch(net, { train, valid }, { epochs: 1, batchSize: 4, warmupEpochs: 0 });
    expect(s.name).toBe('pc-darts');
    const events: OneShotEvent<DartsGenotype>[] = [];
    const res = await s.run({ onEvent: (e) => events.push(e) });
    const alphas = events.find((e) => e.type === 'alphas');
    if (alphas?.type !== 'alphas') throw new Error('no alphas event');
    const betas = alphas.betas!;
    expect(betas).toHaveLength(28);
    // Node 2 of the normal cell: edges 0, 1 sum to 1; node 5: edges 9..13.
    expect(betas[0] + betas[1]).toBeCloseTo(1, 6);
    expect(betas.slice(9, 14).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(() => dartsSpace.validate(res.genotype)).not.toThrow();
    s.dispose();
    net.dispose();
    expect(() => createPcDartsSearch(buildDartsSupernet({ ...cfg, ops: cfg.ops.slice() }, createRng(3)), { train, valid })).toThrow(/partialChannels/);
  });
});
