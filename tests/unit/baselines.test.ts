/**
 * Hand-designed baselines (engine/baselines/): a small ResNet (He et al. 2016) and a small MobileNetV2 (Sandler et
 * al. 2018) sized for the input. Params and MACs of tiny cases are checked against hand counts, the cost counter's
 * params equal the built network's, MNIST-size nets stay in the tens of thousands of params, and both train through
 * the finalists stage on a tiny task with the test split read once each and the tensor count flat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfType from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/tf-node';
import { quadrantDataset } from '../helpers/synthetic';
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../../src/engine/evaluator/tensors';
import { baselineSource, type BaselineIo } from '../../src/engine/baselines/source';
import { mobilenetCost, mobilenetLayout } from '../../src/engine/baselines/mobilenet';
import { resnetCost, resnetLayout } from '../../src/engine/baselines/resnet';
import { parseBaselineName, baselineName } from '../../src/shared/baselines';
import { parseFinalistRecipe } from '../../src/shared/finalist-recipe';
import { runFinalistsStage } from '../../src/engine/finalists/stage';
import { createRng } from '../../src/engine/util/rng';

let tf: typeof tfType;
beforeAll(async () => { tf = await useBackend('wasm', { trainingKernels: true }); });

const tiny = { inputShape: [8, 8, 1] as const, numClasses: 2 };

describe('baseline networks', () => {
  it('counts a tiny ResNet by hand: 2 stages (8x8 halves once), widths 4/8, projection shortcut', () => {
    const layout = resnetLayout(tiny, { width: 0.25 });
    expect(layout.blocks.map((b) => [b.cIn, b.cOut, b.stride, b.projection])).toEqual([[4, 4, 1, false], [4, 8, 2, true]]);
    const c = resnetCost(layout);
    // stem 8*8*4*9 | block1 2 * 8*8*4*36 | block2 4*4*8*36 + 4*4*8*72 + shortcut 4*4*8*4 | dense 8*2
    expect(c.flops).toBe(2304 + 2 * 9216 + 4608 + 9216 + 512 + 16);
    // stem 36+8 | block1 2*(144+8) | block2 288+16, 576+16, 32+16 | dense 8*2+2
    expect(c.params).toBe(44 + 304 + 944 + 18);
    expect(c.nonTrainable).toBe(2 * (4 + 4 + 4 + 8 + 8 + 8));
  });

  it('counts a tiny MobileNetV2 by hand: t=1 block without expansion, linear bottlenecks, head conv', () => {
    const layout = mobilenetLayout(tiny, { width: 0.5, depth: 1 });
    expect(layout.blocks.map((b) => [b.cIn, b.hidden, b.cOut, b.stride, b.expand, b.residual])).toEqual([
      [8, 8, 4, 1, false, false], [4, 24, 8, 2, true, false], [8, 48, 12, 1, true, false],
    ]);
    const c = mobilenetCost(layout);
    expect(c.flops).toBe(4608 + (4608 + 2048) + (6144 + 3456 + 3072) + (6144 + 6912 + 9216) + 12288 + 128);
    expect(c.params).toBe(88 + 128 + 616 + 1608 + 896 + 130);
  });

  it('builds networks whose params equal the cost counter on tiny, MNIST and CIFAR shapes; identity shortcuts where the shape is kept', () => {
    for (const name of ['resnet', 'mobilenet', 'resnet-0.5', 'mobilenet-0.5']) {
      for (const io of [tiny, { inputShape: [28, 28, 1] as const, numClasses: 10 }, { inputShape: [32, 32, 3] as const, numClasses: 10 }]) {
        const src = baselineSource(parseBaselineName(name), io, name.startsWith('resnet') ? 2 : undefined);
        const before = tf.memory().numTensors;
        const net = src.build(createRng(1));
        expect(net.countParams()).toBe(src.cost.params);
        const out = tf.tidy(() => net.forward(tf.zeros([2, ...io.inputShape]), false));
        expect(out.shape).toEqual([2, io.numClasses]);
        out.dispose();
        net.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
    }
    expect(resnetLayout({ inputShape: [28, 28, 1], numClasses: 10 }, { width: 1, depth: 2 }).blocks.filter((b) => !b.projection)).toHaveLength(4);
  });

  it('is small for MNIST-size inputs (tens of thousands of params) and halves with width 0.5', () => {
    const io = { inputShape: [28, 28, 1] as const, numClasses: 10 };
    const full = ['resnet', 'mobilenet'].map((n) => baselineSource(parseBaselineName(n), io));
    const half = ['resnet-0.5', 'mobilenet-0.5'].map((n) => baselineSource(parseBaselineName(n), io));
    for (const s of full) {
      expect(s.cost.params).toBeGreaterThan(10_000);
      expect(s.cost.params).toBeLessThan(100_000);
    }
    half.forEach((s, i) => expect(s.cost.params).toBeLessThan(full[i].cost.params / 2.5));
    expect(full[0].description).toMatch(/^ResNet-8 .*3 stages x 1 basic blocks, widths 16\/32\/64$/);
    expect(resnetLayout(io, { width: 1 }).blocks.at(-1)?.stride).toBe(2);
  });

  it('parses names and refuses bad ones specifically', () => {
    expect(parseBaselineName('mobilenet-0.5')).toEqual({ family: 'mobilenet', width: 0.5 });
    expect(baselineName(parseBaselineName(' resnet '))).toBe('resnet');
    expect(() => parseBaselineName('vgg')).toThrow(/baseline "vgg": must be resnet or mobilenet/);
    expect(() => parseBaselineName('resnet-0')).toThrow(/width multiplier must be in \(0, 4\], got 0/);
    const bad: BaselineIo = JSON.parse('{"inputShape": [8, 8], "numClasses": 2}');
    expect(() => resnetLayout(bad, { width: 1 })).toThrow(/resnet.inputShape: must be \[height, width, channels\]/);
  });
});

describe('baselines on the finalists stage', () => {
  const ds = quadrantDataset(96, 8, 5);
  const idx = Array.from({ length: 96 }, (_, i) => i);
  const stats = channelStats(ds, idx.slice(0, 48));
  let train: TensorSplit;
  let valid: TensorSplit;
  beforeAll(() => {
    train = toTensorSplit(ds, idx.slice(0, 48), stats);
    valid = toTensorSplit(ds, idx.slice(48, 72), stats);
  });
  afterAll(() => { disposeSplit(train); disposeSplit(valid); });

  it('re-trains both with the recipe, tests each once, reports the counter params, and leaks nothing', async () => {
    const io = { inputShape: [8, 8, 1] as const, numClasses: 2 };
    const models = [baselineSource(parseBaselineName('resnet-0.5'), io), baselineSource(parseBaselineName('mobilenet-0.5'), io)];
    let reads = 0;
    const before = tf.memory().numTensors;
    const reports = await runFinalistsStage({
      entries: models.map((m, i) => ({ key: `baseline-${m.name}`, model: m, seed: 11 + i, curveStop: false })),
      data: { train, valid },
      readTest: () => { reads++; return toTensorSplit(ds, idx.slice(72), stats); },
      classes: ds.classes,
      recipe: parseFinalistRecipe({ epochs: 3, batchSize: 16, learningRate: 0.05, patience: 0, curveStop: { enabled: true, margin: 0 } }),
      hint: 'digit-like',
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(reads).toBe(2);
    reports.forEach((r, i) => {
      expect(r.params).toBe(models[i].cost.params);
      expect(r.macs).toBe(models[i].cost.macs);
      expect(r.retrain.epochs).toBe(3); // baselines always train fully
      expect(r.test.count).toBe(24);
    });
    expect(Math.max(...reports.map((r) => r.valid_acc))).toBeGreaterThan(0.7);
  });
});
