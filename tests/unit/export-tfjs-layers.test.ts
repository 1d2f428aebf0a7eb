/**
 * The tfjs LayersModel export (src/engine/export/tfjs-layers.ts) against the engine's own forward pass: for each space
 * a tiny network with non-trivial BN statistics (tests/helpers/export-cases.ts) is exported, loaded by stock
 * `tf.loadLayersModel(tf.io.fromMemory(...))` from '@tensorflow/tfjs' (tfjs-layers 4.22's deserializer, no code of
 * ours), and its predictions on fixed NHWC inputs must equal the engine's eval-mode logits within 1e-4 x logit scale.
 */
import { useBackend } from '../helpers/tf-node';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { exportTfjsLayers, TFJS_EXPORT_SPACES, TFJS_WEIGHTS_FILE, tfjsWeightBytes } from '../../src/engine/export/tfjs-layers';
import { buildNetwork } from '../../src/engine/model/build';
import { createRng } from '../../src/engine/util/rng';
import { caseInput, EXPORT_CASES, logitDiff, preparedNetwork, type ExportCase } from '../helpers/export-cases';
import type { SpaceId } from '../../src/engine/space/table';

/** Every layer class the exporter may emit: all of them built into tfjs-layers 4.22 (no custom layers). */
const ALLOWED = new Set([
  'InputLayer', 'ZeroPadding2D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'BatchNormalization', 'Activation',
  'Add', 'Concatenate', 'AveragePooling2D', 'MaxPooling2D', 'GlobalAveragePooling2D', 'Dense', 'Reshape', 'Multiply',
  'Cropping2D',
]);

beforeAll(async () => {
  await useBackend('cpu');
});

async function roundTrip<S extends SpaceId>(c: ExportCase<S>, seed: number) {
  const net = preparedNetwork(c, seed);
  const x = caseInput(c);
  try {
    const ours = tf.tidy(() => net.forward(x, false)).arraySync() as number[][];
    const exported = await exportTfjsLayers(net, c.space, c.genotype, c.skeleton);
    const json = JSON.parse(JSON.stringify(exported.modelJson)) as typeof exported.modelJson; // as a file would hold it
    const bytes = tfjsWeightBytes(exported);
    const before = tf.memory().numTensors;
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology as unknown as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }));
    const y = model.predict(x) as tf.Tensor;
    const theirs = y.arraySync() as number[][];
    y.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    return { ours, theirs, json, bytes };
  } finally {
    x.dispose();
    net.dispose();
  }
}

describe('tfjs LayersModel export', () => {
  it('covers every built-in space', () => {
    expect([...TFJS_EXPORT_SPACES].sort()).toEqual(['darts', 'mobile', 'nb201']);
  });

  it('refuses a network built from another genotype', async () => {
    const sk = { channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3] as const, numClasses: 3 };
    const net = buildNetwork('nb201', { ops: ['nor_conv_3x3', 'none', 'none', 'none', 'none', 'none'] }, sk, createRng(1));
    try {
      await expect(exportTfjsLayers(net, 'nb201', { ops: ['nor_conv_1x1', 'none', 'none', 'none', 'none', 'none'] }, sk)).rejects.toThrow(/tfjs export: params\[\d+\].*shape/);
      await expect(exportTfjsLayers(net, 'nb201', { ops: ['none', 'none', 'none', 'none', 'none', 'none'] }, sk)).rejects.toThrow(/params/);
    } finally {
      net.dispose();
    }
  });

  it('refuses a weight file name that is not a plain file beside model.json', async () => {
    const sk = { channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3] as const, numClasses: 3 };
    const g = { ops: ['nor_conv_3x3', 'none', 'none', 'none', 'none', 'none'] } as const;
    const net = buildNetwork('nb201', { ops: [...g.ops] }, sk, createRng(1));
    try {
      for (const bad of ['../w.bin', 'a/b.bin', 'model.json', '', '..']) {
        await expect(exportTfjsLayers(net, 'nb201', { ops: [...g.ops] }, sk, bad)).rejects.toThrow(/weight file name must be a plain file name/);
      }
      const ok = await exportTfjsLayers(net, 'nb201', { ops: [...g.ops] }, sk, 'weights.bin');
      expect(ok.modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    } finally {
      net.dispose();
    }
  });

  EXPORT_CASES.forEach((c, index) => {
    it(`${c.label}: tf.loadLayersModel gives the engine's logits`, async () => {
      const { ours, theirs, json, bytes } = await roundTrip(c, 2000 + index);
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest[0].paths).toEqual([TFJS_WEIGHTS_FILE]);
      const classes = new Set(json.modelTopology.config.layers.map((l) => l.class_name));
      expect([...classes].filter((k) => !ALLOWED.has(k))).toEqual([]);
      const values = json.weightsManifest[0].weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
      expect(bytes.byteLength).toBe(4 * values);
      const { maxDiff, scale } = logitDiff(ours, theirs);
      console.log(`export-tfjs ${c.label}: max |logit diff| ${maxDiff.toExponential(2)} (logit scale ${scale.toFixed(3)}), ${json.modelTopology.config.layers.length} layers`);
      expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
      expect(Math.max(...ours.flat()) - Math.min(...ours.flat())).toBeGreaterThan(1e-3);
    });
  });
});
