/**
 * The PyTorch export's weight file and layouts without Python (tests/integration/export-pytorch.test.ts runs the
 * generated module under python3-torch): the documented binary (magic, aligned JSON header, little-endian float32
 * at the manifest's offsets) and the NHWC/HWIO -> NCHW/OIHW conversions done at export.
 */
import { useBackend } from '../helpers/tf-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeWeights, exportPytorch, PYTORCH_WEIGHTS_FORMAT, PYTORCH_WEIGHTS_MAGIC } from '../../src/engine/export/pytorch';
import { buildNetwork } from '../../src/engine/model/build';
import { createRng } from '../../src/engine/util/rng';

beforeAll(async () => { await useBackend('cpu'); });

interface Header { format: string; version: number; tensors: { name: string; shape: number[]; dtype: string; offset: number }[] }

function decode(bytes: Uint8Array): { header: Header; data: Float32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  expect(magic).toBe(PYTORCH_WEIGHTS_MAGIC);
  const length = view.getUint32(8, true);
  expect((12 + length) % 8).toBe(0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as Header;
  const n = (bytes.byteLength - 12 - length) / 4;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(12 + length + 4 * i, true);
  return { header, data };
}

describe('PyTorch export format', () => {
  it('writes the documented binary: magic, aligned JSON header, little-endian float32 at the offsets', () => {
    const bytes = encodeWeights({
      manifest: [
        { name: 'a.weight', shape: [2, 3], dtype: 'float32' },
        { name: 'b.bias', shape: [1], dtype: 'float32' },
      ],
      data: Float32Array.from([1, 2, 3, 4, 5, -6.5, 0.25]),
    });
    const { header, data } = decode(bytes);
    expect(header.format).toBe(PYTORCH_WEIGHTS_FORMAT);
    expect(header.version).toBe(1);
    expect(header.tensors.map((t) => [t.name, t.shape, t.dtype, t.offset])).toEqual([['a.weight', [2, 3], 'float32', 0], ['b.bias', [1], 'float32', 6]]);
    expect([...data]).toEqual([1, 2, 3, 4, 5, -6.5, 0.25]);
  });

  it('refuses a manifest that does not cover the data', () => {
    expect(() => encodeWeights({ manifest: [{ name: 'a', shape: [2], dtype: 'float32' }], data: new Float32Array(3) })).toThrow(/manifest/);
  });

  it('converts conv, depthwise and dense weights to PyTorch layouts and names them by state_dict keys', async () => {
    const sk = { stemChannels: 4, stemStride: 1 as const, headMultiplier: 0, seReduction: 2, inputShape: [4, 4, 2] as const, numClasses: 3 };
    const g = { stages: [{ block: 'ds' as const, expand: 1, kernel: 3, se: false, width: 5, depth: 1, stride: 1 as const }] };
    const net = buildNetwork('mobile', g, sk, createRng(3));
    try {
      const { source, weights } = await exportPytorch(net, 'mobile', g, sk);
      expect(source).toContain('class Net(nn.Module):');
      expect(source).toContain('def load(path):');
      const entry = (name: string) => {
        const i = weights.manifest.findIndex((m) => m.name === name);
        expect(i).toBeGreaterThanOrEqual(0);
        const offset = weights.manifest.slice(0, i).reduce((n, m) => n + m.shape.reduce((a, b) => a * b, 1), 0);
        return { shape: weights.manifest[i].shape, at: (...idx: number[]) => {
          let flat = 0;
          weights.manifest[i].shape.forEach((d, k) => { flat = flat * d + idx[k]; });
          return weights.data[offset + flat];
        } };
      };
      // params: stem conv [3,3,2,4], stem BN, depthwise [3,3,4,1], BN, pointwise [1,1,4,5], BN, dense [5,3] + bias.
      const [stemConv, , , dw, , , pw, , , dense] = net.params.map((v) => v.arraySync() as never);
      const stem = entry('stem_conv.weight');
      expect(stem.shape).toEqual([4, 2, 3, 3]);
      expect(stem.at(3, 1, 2, 0)).toBe((stemConv as number[][][][])[2][0][1][3]);
      const d = entry('block0_0_dw.weight');
      expect(d.shape).toEqual([4, 1, 3, 3]);
      expect(d.at(2, 0, 0, 1)).toBe((dw as number[][][][])[0][1][2][0]);
      const p = entry('block0_0_pw.weight');
      expect(p.shape).toEqual([5, 4, 1, 1]);
      expect(p.at(4, 3, 0, 0)).toBe((pw as number[][][][])[0][0][3][4]);
      const fc = entry('classifier.weight');
      expect(fc.shape).toEqual([3, 5]);
      expect(fc.at(2, 4)).toBe((dense as number[][])[4][2]);
      expect(entry('stem_bn.running_var').shape).toEqual([4]);
    } finally {
      net.dispose();
    }
  });
});
