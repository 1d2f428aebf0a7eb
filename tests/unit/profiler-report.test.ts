/**
 * The predictor report on hand-made points (shares within ±5% / ±10%, error summary, worst cases, Kendall tau),
 * the device fingerprint key, and the backend-comparison CSV.
 */
import { describe, expect, it } from 'vitest';
import '../helpers/tf-node';
import { COMPARISON_CSV_COLUMNS, comparisonCsv, unavailableRow, type BackendComparison } from '../../src/engine/profiler/compare';
import { describeFingerprint, fingerprintDiff, fingerprintKey, type DeviceFingerprint } from '../../src/engine/profiler/fingerprint';
import { predictorReport, relativeError } from '../../src/engine/profiler/report';
import { nb201Skeleton } from '../../src/engine/space/nb201/skeleton';

describe('predictorReport', () => {
  // errors: +4%, -5%, +8%, +20%, -30%
  const points = [
    { label: 'a', predictedMs: 10.4, measuredMs: 10 },
    { label: 'b', predictedMs: 19, measuredMs: 20 },
    { label: 'c', predictedMs: 32.4, measuredMs: 30 },
    { label: 'd', predictedMs: 48, measuredMs: 40 },
    { label: 'e', predictedMs: 35, measuredMs: 50, noisy: true },
  ];

  it('shares, error summary and worst cases', () => {
    const r = predictorReport(points, 3);
    expect(r.n).toBe(5);
    expect(r.within5).toBeCloseTo(2 / 5, 12); // +4% and -5% (the limit is inclusive)
    expect(r.within10).toBeCloseTo(3 / 5, 12);
    expect(r.meanAbsErrorPct).toBeCloseTo((4 + 5 + 8 + 20 + 30) / 5, 9);
    expect(r.medianAbsErrorPct).toBeCloseTo(8, 9);
    expect(r.maxAbsErrorPct).toBeCloseTo(30, 9);
    expect(r.worst.map((w) => w.label)).toEqual(['e', 'd', 'c']);
    expect(r.worst[0].errorPct).toBeCloseTo(-30, 9);
    expect(r.worst[0].noisy).toBe(true);
    expect(r.points).toHaveLength(5);
  });

  it('Kendall tau between predicted and measured', () => {
    // measured rises; predicted rises except d > e: 9 concordant, 1 discordant pair -> tau = 0.8
    expect(predictorReport(points).kendallTau).toBeCloseTo(0.8, 12);
    const perfect = points.map((p) => ({ ...p, predictedMs: p.measuredMs * 1.5 }));
    expect(predictorReport(perfect).kendallTau).toBe(1);
    expect(predictorReport(perfect).within10).toBe(0); // ranks right, scale wrong: the two questions differ
  });

  it('drift: the device slowed down 2x since the build; the corrected shares scale predictions by the ratio', () => {
    const slow = points.map((p) => ({ ...p, measuredMs: p.measuredMs * 2 }));
    const r = predictorReport(slow, 5, undefined, { label: 'ref', thenMs: 1, nowMs: 2, ratio: 2 });
    expect(r.within10).toBe(0);
    expect(r.driftCorrected!.within5).toBeCloseTo(2 / 5, 12);
    expect(r.driftCorrected!.within10).toBeCloseTo(3 / 5, 12);
    expect(r.driftCorrected!.meanAbsErrorPct).toBeCloseTo(13.4, 9);
    expect(predictorReport(points).driftCorrected).toBeUndefined();
  });

  it('degenerate inputs', () => {
    const empty = predictorReport([]);
    expect(empty.n).toBe(0);
    expect(empty.within5).toBeNaN();
    expect(empty.kendallTau).toBeNaN();
    expect(predictorReport([points[0]]).kendallTau).toBeNaN();
    expect(relativeError(11, 10)).toBeCloseTo(0.1, 12);
  });
});

describe('device fingerprint', () => {
  const fp: DeviceFingerprint = {
    backend: 'webgl', adapter: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)', software: true,
    wasmSimd: null, wasmThreads: null, userAgent: 'Mozilla/5.0 HeadlessChrome/139', hardwareConcurrency: 2, tfjsVersion: '4.22.0',
  };

  it('is stable, and changes with any field', () => {
    expect(fingerprintKey(fp)).toBe(fingerprintKey({ ...fp }));
    expect(fingerprintKey(fp)).toMatch(/^webgl:[0-9a-f]{8}$/);
    const other = { ...fp, hardwareConcurrency: 8 };
    expect(fingerprintKey(other)).not.toBe(fingerprintKey(fp));
    expect(fingerprintDiff(fp, other)).toEqual(['hardwareConcurrency']);
    expect(fingerprintDiff(fp, { ...fp, backend: 'wasm', adapter: 'wasm' })).toEqual(['backend', 'adapter']);
    expect(describeFingerprint({ ...fp, backend: 'wasm', adapter: 'wasm', software: false, wasmSimd: true, wasmThreads: 1 })).toBe('wasm (SIMD, 1 thread), 2 cores, tfjs 4.22.0');
  });
});

describe('comparisonCsv', () => {
  it('one header and one row per backend, RFC 4180 quoting', () => {
    const c: BackendComparison = {
      model: { spaceId: 'nb201', arch: '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|', skeleton: nb201Skeleton({ channels: 4 }), batchSize: 1, params: 1234 },
      rows: [
        unavailableRow('webgpu', 'navigator.gpu.requestAdapter() returned no adapter'),
        { ...unavailableRow('webgl', 'ANGLE (Google, "SwiftShader")'), status: 'measured', softwareFallback: true, medianMs: 12.5, p10Ms: 11, p90Ms: 14.25, cv: 0.125, noisy: false, firstRunMs: 900, memoryBytes: 4096, memoryTensors: 10, gpuBytes: 2048 },
        { ...unavailableRow('wasm', 'SIMD on, 1 thread(s)'), status: 'measured', medianMs: 1.5, p10Ms: 1.25, p90Ms: 2, cv: 0.2, noisy: true, firstRunMs: 30, memoryBytes: 4096, memoryTensors: 10 },
      ],
      userAgent: 'x', hardwareConcurrency: 2, tfjsVersion: '4.22.0',
    };
    const lines = comparisonCsv(c).trimEnd().split('\n');
    expect(lines[0]).toBe(COMPARISON_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('webgpu,unavailable,false,,,,,,,,,,navigator.gpu.requestAdapter() returned no adapter,nb201,|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|,1,1234');
    expect(lines[2]).toBe('webgl,measured,true,12.5000,11,14.2500,0.1250,false,900,4096,10,2048,"ANGLE (Google, ""SwiftShader"")",nb201,|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|,1,1234');
    expect(lines[3].split(',').slice(0, 9)).toEqual(['wasm', 'measured', 'false', '1.5000', '1.2500', '2', '0.2000', 'true', '30']);
  });
});
