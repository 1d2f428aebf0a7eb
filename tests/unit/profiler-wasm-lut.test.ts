/**
 * A real (small) lookup table on the WASM backend for a tiny NB201 skeleton, validated on fresh networks, and one
 * model measured on the current backend as the backend comparison does. No timing assertions: structure,
 * positivity, no leaked tensors, and the round-robin protocol's record (pieces and fit networks timed in the same
 * rounds, the validation's fit networks timed with the fresh ones and the fit recalibrated on them).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { COMPARE_LATENCY, measureModelHere } from '../../src/engine/profiler/compare';
import { fingerprintKey, type DeviceFingerprint } from '../../src/engine/profiler/fingerprint';
import { opInstances } from '../../src/engine/profiler/instances';
import { buildLatencyLut, LUT_FORMAT_VERSION, lutIdOf, lutSum, predictLatency, type LatencyLut, type LutProgress } from '../../src/engine/profiler/lut';
import { validateLut } from '../../src/engine/profiler/report';
import { profilerSpace, sampleDistinct } from '../../src/engine/profiler/space';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';
import { createRng } from '../../src/engine/util/rng';

let tf: Awaited<ReturnType<typeof useBackend>>;
beforeAll(async () => { tf = await useBackend('wasm', { trainingKernels: true }); });

const skeleton = nb201Skeleton({ channels: 4, cellsPerStage: 1, inputShape: [8, 8, 3], numClasses: 10 });
const FAST = { warmupMs: 50, targetRunMs: 1, maxInner: 8 };
/** 3..6 rounds: whatever the machine's load, the record's structure is fixed enough to assert. */
const ROUNDS = { warmupRounds: 1, minRounds: 3, maxRounds: 6, ciHalfWidth: 0.05, maxMs: 60_000 };
const now = () => performance.now();

describe('a real LUT on wasm', () => {
  let lut: LatencyLut;
  const fingerprint = (): DeviceFingerprint => ({
    backend: 'wasm', adapter: 'wasm', software: false, wasmSimd: true, wasmThreads: 1, userAgent: 'node', hardwareConcurrency: 2, tfjsVersion: tf.version_core,
  });

  it('measures every op instance and the fit networks in the same rounds, and fits the overhead', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const before = tf.memory().numTensors;
    const progress: LutProgress[] = [];
    lut = await buildLatencyLut({ spaceId: 'nb201', skeleton, fingerprint: fingerprint(), fitSamples: 4, settings: FAST, rounds: ROUNDS, seed: 3 }, { now, onProgress: (p) => progress.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    expect(lut.formatVersion).toBe(LUT_FORMAT_VERSION);

    // The record: 3..6 timed rounds after 1 warm-up round; stable iff no item was left unstable.
    const rec = lut.measurement!;
    expect(rec.rounds).toBeGreaterThanOrEqual(3);
    expect(rec.rounds).toBeLessThanOrEqual(6);
    expect(rec.warmupRounds).toBe(1);
    expect(rec.stable).toBe(rec.unstable.length === 0);
    expect(rec.stopReason).toBe(rec.stable ? 'stable' : 'rounds');
    expect(rec.ciTarget).toBe(0.05);
    expect(lut.rounds).toMatchObject({ ...ROUNDS, seed: 3 });

    const instances = opInstances('nb201', skeleton);
    const timed = instances.filter((i) => !i.zeroCost);
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
        expect(e.runs).toBe(rec.rounds); // one timed run per round
        expect(e.ciHalfWidth).toBeGreaterThanOrEqual(0);
        expect(e.noisy).toBe(rec.unstable.includes(i.key));
      }
    }
    // Progress: warm-up, each piece and fit network built once, then one event per round (warm-up rounds as 0).
    expect(progress[0]).toEqual({ phase: 'warmup' });
    const prepared = progress.flatMap((p) => (p.phase === 'prepare' ? [p.label] : []));
    expect(prepared).toEqual([...timed.map((i) => i.key), ...lut.fitSamples.map((s) => s.label)]);
    const rounds = progress.flatMap((p) => (p.phase === 'rounds' ? [p] : []));
    expect(rounds.map((p) => p.round)).toEqual([0, ...Array.from({ length: rec.rounds }, (_, k) => k + 1)]);
    for (const p of rounds) expect(p).toMatchObject({ maxRounds: 6, items: timed.length + 4 });
    expect(rounds.at(-1)!.unstable).toBe(rec.unstable.length);

    expect(lut.fitSamples).toHaveLength(4);
    for (const s of lut.fitSamples) {
      expect(s.sumMs).toBeGreaterThan(0);
      expect(s.measuredMs).toBeGreaterThan(0);
      expect(s.noisy).toBe(rec.unstable.includes(s.label));
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

  it('validates against fresh measured networks the fit never saw, timed with the fit networks and recalibrated on them', async () => {
    const before = tf.memory().numTensors;
    const progress: LutProgress[] = [];
    const report = await validateLut(lut, { sampleSize: 4, now, settings: FAST, rounds: ROUNDS, onProgress: (p) => progress.push(p) });
    expect(tf.memory().numTensors).toBe(before);
    expect(report.n).toBe(4);
    const space = profilerSpace('nb201');
    const fitLabels = new Set(lut.fitSamples.map((s) => s.label));
    // the fit networks and the fresh ones were built and timed together
    const prepared = progress.flatMap((p) => (p.phase === 'prepare' ? [p.label] : []));
    expect(prepared).toEqual([...lut.fitSamples.map((s) => s.label), ...report.points.map((p) => p.label)]);
    const rec = report.measurement!;
    expect(rec.rounds).toBeGreaterThanOrEqual(3);
    expect(rec.rounds).toBeLessThanOrEqual(6);
    expect(progress.filter((p) => p.phase === 'rounds')).toHaveLength(1 + rec.rounds);
    expect(report.calibration).toBe('recalibrated');
    expect(report.fit!.n).toBe(4);
    expect(report.fit!.a).toBeGreaterThan(0);
    for (const p of report.points) {
      expect(fitLabels.has(p.label)).toBe(false);
      expect(p.measuredMs).toBeGreaterThan(0);
      const sum = lutSum(lut, space.decode(p.label)).sumMs;
      expect(p.predictedMs).toBeCloseTo(report.fit!.a * sum + report.fit!.b, 9);
      expect(p.noisy).toBe(rec.unstable.includes(p.label));
    }
    expect(report.within5).toBeGreaterThanOrEqual(0);
    expect(report.within10).toBeGreaterThanOrEqual(report.within5);
    expect(report.within10).toBeLessThanOrEqual(1);
    expect(report.worst.length).toBeLessThanOrEqual(4);
    // the table's own fit, scored beside it
    expect(report.withTableFit!.fit).toEqual(lut.fit);
    expect(report.withTableFit!.within10).toBeGreaterThanOrEqual(report.withTableFit!.within5);
    // how much the device's speed moved since the build: the median now/then ratio of the fit networks
    expect(report.drift).toMatchObject({ label: 'median of 4 fit networks' });
    expect(report.drift!.nowMs).toBeGreaterThan(0);
    expect(report.drift!.ratio).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
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
