/**
 * A real (small) lookup table on the WASM backend for a tiny NB201 skeleton, validated on fresh networks, and one
 * model measured on the current backend as the backend comparison does. No timing assertions: structure,
 * positivity, and no leaked tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { COMPARE_LATENCY, measureModelHere } from '../../src/engine/profiler/compare';
import { fingerprintKey, type DeviceFingerprint } from '../../src/engine/profiler/fingerprint';
import { opInstances } from '../../src/engine/profiler/instances';
import { buildLatencyLut, lutIdOf, predictLatency, type LatencyLut, type LutProgress } from '../../src/engine/profiler/lut';
import { validateLut } from '../../src/engine/profiler/report';
import { profilerSpace, sampleDistinct } from '../../src/engine/profiler/space';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';
import { createRng } from '../../src/engine/util/rng';

let tf: Awaited<ReturnType<typeof useBackend>>;
beforeAll(async () => { tf = await useBackend('wasm', { trainingKernels: true }); });

const skeleton = nb201Skeleton({ channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3], numClasses: 10 });
const FAST = { passes: 2, warmup: 1, repeats: 3, warmupMs: 50, targetRunMs: 1, maxInner: 8 };
const now = () => performance.now();

describe('a real LUT on wasm', () => {
  let lut: LatencyLut;
  const fingerprint = (): DeviceFingerprint => ({
    backend: 'wasm', adapter: 'wasm', software: false, wasmSimd: true, wasmThreads: 1, userAgent: 'node', hardwareConcurrency: 2, tfjsVersion: tf.version_core,
  });

  it('measures every op instance and fits the overhead', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const before = tf.memory().numTensors;
    const progress: LutProgress[] = [];
    lut = await buildLatencyLut({ spaceId: 'nb201', skeleton, fingerprint: fingerprint(), fitSamples: 4, settings: FAST, seed: 3 }, { now, onProgress: (p) => progress.push(p) });
    expect(tf.memory().numTensors).toBe(before);

    const instances = opInstances('nb201', skeleton);
    expect(Object.keys(lut.entries).sort()).toEqual(instances.map((i) => i.key).sort());
    for (const i of instances) {
      const e = lut.entries[i.key];
      if (i.zeroCost) {
        expect(e).toMatchObject({ ms: 0, measured: false, inner: 0 });
      } else {
        expect(e.measured).toBe(true);
        expect(e.ms, i.key).toBeGreaterThan(0);
        expect(e.p90Ms).toBeGreaterThanOrEqual(e.p10Ms);
        expect(e.firstRunMs).toBeGreaterThan(0);
        expect(e.inner).toBeGreaterThanOrEqual(1);
        expect(e.inner).toBeLessThanOrEqual(8);
        expect(e.runs).toBe(2 * 3);
      }
    }
    const timed = instances.filter((i) => !i.zeroCost).length;
    expect(progress[0]).toEqual({ phase: 'warmup' });
    expect(progress.filter((p) => p.phase === 'ops')).toHaveLength(2 * timed);
    expect(progress.filter((p) => p.phase === 'fit')).toHaveLength(2 * 4);

    expect(lut.fitSamples).toHaveLength(4);
    for (const s of lut.fitSamples) {
      expect(s.sumMs).toBeGreaterThan(0);
      expect(s.measuredMs).toBeGreaterThan(0);
    }
    expect(lut.fit.n).toBe(4);
    expect(Number.isFinite(lut.fit.a) && lut.fit.a > 0).toBe(true);
    expect(Number.isFinite(lut.fit.b)).toBe(true);
    expect(lut.fingerprintKey).toBe(fingerprintKey(fingerprint()));
    expect(lutIdOf(lut)).toContain('|nb201|');
    expect(lut.buildMs).toBeGreaterThan(0);
    // plain JSON: survives structured cloning / IndexedDB
    expect(JSON.parse(JSON.stringify(lut))).toEqual(lut);
  });

  it('predicts a positive latency for sampled genotypes', () => {
    const space = profilerSpace('nb201');
    for (const g of sampleDistinct(space, 10, createRng(9))) {
      const ms = predictLatency(lut, g);
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThan(0);
    }
  });

  it('validates against fresh measured networks the fit never saw', async () => {
    const before = tf.memory().numTensors;
    const report = await validateLut(lut, { sampleSize: 4, now, settings: FAST });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.n).toBe(4);
    const fitLabels = new Set(lut.fitSamples.map((s) => s.label));
    for (const p of report.points) {
      expect(fitLabels.has(p.label)).toBe(false);
      expect(p.measuredMs).toBeGreaterThan(0);
      expect(p.predictedMs).toBeCloseTo(predictLatency(lut, profilerSpace('nb201').decode(p.label)), 9);
    }
    expect(report.within5).toBeGreaterThanOrEqual(0);
    expect(report.within10).toBeGreaterThanOrEqual(report.within5);
    expect(report.within10).toBeLessThanOrEqual(1);
    expect(report.worst.length).toBeLessThanOrEqual(4);
    expect(report.fit).toEqual(lut.fit);
    // the first fit network, measured again alongside: how much the device's speed moved since the build
    expect(report.drift).toMatchObject({ label: lut.fitSamples[0].label, thenMs: lut.fitSamples[0].measuredMs });
    expect(report.drift!.nowMs).toBeGreaterThan(0);
    expect(report.drift!.ratio).toBeCloseTo(report.drift!.nowMs / report.drift!.thenMs, 12);
  });

  it('measures one model on the current backend with memory after warm-up', async () => {
    const before = tf.memory().numTensors;
    const g = profilerSpace('nb201').sample(createRng(1));
    const m = await measureModelHere({ spaceId: 'nb201', genotype: g, skeleton, batchSize: 2 }, { ...COMPARE_LATENCY, repeats: 3, maxRounds: 1, now });
    expect(tf.memory().numTensors).toBe(before);
    expect(m.medianMs).toBeGreaterThan(0);
    expect(m.firstRunMs).toBeGreaterThan(0);
    expect(m.memoryTensors).toBeGreaterThan(before + 1); // the model's weights and input were alive then
    expect(m.memoryBytes).toBeGreaterThan(0);
    expect(m.gpuBytes).toBeNull();
    expect(m.params).toBeGreaterThan(0);
  });
});
