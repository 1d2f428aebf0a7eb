/** Pure helpers of the One-shot tab and the worker's config validation. */
import { describe, expect, it } from 'vitest';
import { emptyOneShotHistory } from '../../src/shared/oneshot-history';
import {
  alphaGroups, alphaLines, collapseSeries, edgeWeights, epochLossSeries, genotypeExport, graphEdgeId, heatColor, lossSeries, methodUnavailable, opShare,
  parseIntList, tauVerdict,
} from '../../src/app/oneshot/view-model';
import { oneShotMethodUnavailable } from '../../src/shared/oneshot-methods';
import { readOneShotRun } from '../../src/db/oneshot';
import { validateOneShotConfig } from '../../workers/oneshot-session';
import { migrateOneShotConfig, migrateOneShotRun, ONESHOT_CONFIG_VERSION, type OneShotAlphaSnapshot, type OneShotConfig, type OneShotHistory, type OneShotRunRecord } from '../../src/protocol/oneshot-api';

/** A version-1 record as the first One-shot tab stored it (NB201 only, no DARTS+ warm-up). */
const V1_CONFIG = {
  version: 1, name: 'DARTS', method: 'darts', space: 'nb201', datasetId: 'builtin:mnist-10k', seed: 1, epochs: 10, batchSize: 32,
  learningRate: 0.025, channels: 4, cellsPerStage: 1, trainSamples: 1024, validSamples: 512, backend: 'auto',
  darts: { order: 'first', warmupEpochs: 2, partialChannels: 2, entropyWeight: 0, opDropout: 0, maxSkips: 2, stableEpochs: 0, eigenvalueEvery: 0, eigenIterations: 8, eigenStopRatio: 0, excludeNone: false },
  spos: { subnets: 20, flopsPenalty: 0, topK: 3, rankingCheck: 0, rankingCheckEpochs: 1 },
};

const DEFAULT_ONESHOT_CONFIG_FOR_TEST: OneShotConfig = {
  ...V1_CONFIG, version: 2, method: 'darts', space: 'nb201', backend: 'auto', layers: 5, mobile: { stages: 3, widths: [8, 16], depths: [1, 2] },
  darts: { ...V1_CONFIG.darts, order: 'first', maxSkips: 0, earlyStopWarmup: 3 },
};

const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
const EDGES = ['cell:0->1', 'cell:0->2', 'cell:1->2', 'cell:0->3', 'cell:1->3', 'cell:2->3'];
const snap = (epoch: number, skip: number): OneShotAlphaSnapshot => ({
  epoch, ops: OPS, edges: EDGES, alphas: EDGES.map(() => [0.1, skip, 0.2, 0.7 - skip, 0]),
});

describe('one-shot view model', () => {
  it('maps engine edge labels to CellGraph edge ids and weights the kept op', () => {
    expect(graphEdgeId('cell:0->2')).toBe('0-2');
    expect(graphEdgeId('1->3')).toBe('1-3');
    const w = edgeWeights(snap(0, 0.3), ['skip_connect', 'nor_conv_3x3', 'none', 'nor_conv_1x1', 'avg_pool_3x3', 'skip_connect']);
    const want: Record<string, number> = { '0-1': 0.3, '0-2': 0.4, '1-2': 0.1, '0-3': 0.2, '1-3': 0, '2-3': 0.3 };
    expect(Object.keys(w!).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) expect(w![k]).toBeCloseTo(v, 12);
    expect(edgeWeights(undefined, [])).toBeUndefined();
  });

  it('computes skip/none shares, series per epoch and per edge', () => {
    expect(opShare(snap(0, 0.3), 'skip_connect')).toBeCloseTo(0.3);
    expect(opShare(snap(0, 0.3), 'none')).toBeCloseTo(0.1);
    expect(opShare(snap(0, 0.3), 'missing')).toBe(0);
    const h: OneShotHistory = {
      ...emptyOneShotHistory(),
      alphas: [snap(1, 0.5), snap(0, 0.3)],
      eigenvalues: [{ epoch: 1, value: 0.9 }],
      steps: [{ globalStep: 0, epoch: 0, trainLoss: 2, validLoss: 2.2 }, { globalStep: 1, epoch: 0, trainLoss: 1.8, validLoss: null }],
      epochs: [{ epoch: 0, lr: 0.1, trainLoss: 1.9, validLoss: 2, validAcc: 30 }],
    };
    const c = collapseSeries(h);
    expect(c.x).toEqual([1, 2]);
    expect(c.ys[0][0]).toBeCloseTo(0.3);
    expect(c.ys[2]).toEqual([null, 0.9]);
    const l = lossSeries(h, 2);
    expect(l.x).toEqual([0.5, 1]);
    expect(l.ys).toEqual([[2, 1.8], [2.2, null]]);
    expect(lossSeries(h, 2, false).ys).toHaveLength(1);
    expect(epochLossSeries(h)).toEqual({ x: [1], ys: [[1.9], [2]] });
    const lines = alphaLines(h, 'skip_connect');
    expect(lines.ys).toHaveLength(6);
    expect(lines.ys[0]).toEqual([0.3, 0.5]);
  });

  it('colours weights and explains tau', () => {
    expect(heatColor(0).color).toBe('#1d3557');
    expect(heatColor(1).color).toBe('white');
    expect(heatColor(Number.NaN).background).toBe(heatColor(0).background);
    expect(tauVerdict(0.8)).toMatch(/strong/);
    expect(tauVerdict(0)).toMatch(/barely/);
    expect(tauVerdict(-0.8)).toMatch(/opposite/);
    expect(tauVerdict(Number.NaN)).toMatch(/not enough/);
  });

  it('exports the derived genotype as JSON', () => {
    const g = { ops: ['none', 'skip_connect', 'none', 'none', 'none', 'none'] as never };
    const h: OneShotHistory = { ...emptyOneShotHistory(), genotypes: [{ epoch: 0, genotype: g, arch: '|none~0|', changed: true }] };
    const doc = JSON.parse(genotypeExport({
      version: 3, id: 'x', config: DEFAULT_ONESHOT_CONFIG_FOR_TEST, status: 'done', stopCause: 'exhausted', epoch: 1, stepsPerEpoch: 1, phase: 'done', history: h, arch: null, candidates: [], createdAt: 0, updatedAt: 0,
    }));
    expect(doc.arch).toBe('|none~0|');
    expect(doc.genotype).toEqual(g);
    expect(doc.method).toBe('darts');
  });
});

describe('validateOneShotConfig', () => {
  it('accepts the default and names every bad field', () => {
    expect(validateOneShotConfig(DEFAULT_ONESHOT_CONFIG_FOR_TEST)).toEqual(DEFAULT_ONESHOT_CONFIG_FOR_TEST);
    const bad = { ...DEFAULT_ONESHOT_CONFIG_FOR_TEST, epochs: 0, darts: { ...DEFAULT_ONESHOT_CONFIG_FOR_TEST.darts, opDropout: 1 } };
    expect(() => validateOneShotConfig(bad)).toThrow(/epochs: epochs must be at least 1.*darts\.opDropout/);
    expect(() => validateOneShotConfig({ ...DEFAULT_ONESHOT_CONFIG_FOR_TEST, method: 'pc-darts', channels: 5, darts: { ...DEFAULT_ONESHOT_CONFIG_FOR_TEST.darts, partialChannels: 2 } })).toThrow(/divisible/);
    expect(() => validateOneShotConfig({ ...DEFAULT_ONESHOT_CONFIG_FOR_TEST, spos: { ...DEFAULT_ONESHOT_CONFIG_FOR_TEST.spos, rankingCheck: 1 } })).toThrow(/at least 2/);
  });
});

describe('one-shot config version 2: spaces, methods, migration', () => {
  it('migrates a version-1 record on read: defaults for the new fields, DARTS+ warm-up 0 (as v1 behaved)', () => {
    expect(ONESHOT_CONFIG_VERSION).toBe(2);
    const m = migrateOneShotConfig(structuredClone(V1_CONFIG)) as OneShotConfig;
    expect(m.version).toBe(2);
    expect(m.layers).toBe(5);
    expect(m.mobile).toEqual({ stages: 3, widths: [8, 16], depths: [1, 2] });
    expect(m.darts.earlyStopWarmup).toBe(0);
    expect(m.darts.maxSkips).toBe(2);
    expect(validateOneShotConfig(V1_CONFIG)).toEqual(m);
    const run = { version: 1, id: 'r', config: V1_CONFIG, status: 'paused', epoch: 1, stepsPerEpoch: 2, phase: 'train', history: undefined, arch: null, createdAt: 0, updatedAt: 0 } as unknown as OneShotRunRecord;
    const read = readOneShotRun(run);
    expect(read.config).toEqual(m);
    expect(read.history.steps).toEqual([]);
    // Current and unknown versions pass through unchanged (the validator names the problem).
    expect(migrateOneShotConfig(DEFAULT_ONESHOT_CONFIG_FOR_TEST)).toBe(DEFAULT_ONESHOT_CONFIG_FOR_TEST);
    expect(() => validateOneShotConfig({ ...V1_CONFIG, version: 7 })).toThrow(/version must be 2/);
  });

  it("migrates a version-1 run record's status words to the shared vocabulary", () => {
    const v1 = (status: string) => ({ version: 1, id: 'r', config: V1_CONFIG, status, epoch: 3, stepsPerEpoch: 2, phase: 'done', history: undefined, arch: null, createdAt: 0, updatedAt: 0 }) as unknown as OneShotRunRecord;
    expect(readOneShotRun(v1('stopped-early'))).toMatchObject({ version: 3, status: 'done', stopCause: 'early-stop' });
    expect(readOneShotRun(v1('done'))).toMatchObject({ version: 3, status: 'done', stopCause: 'exhausted' });
    expect(readOneShotRun(v1('paused'))).toMatchObject({ version: 3, status: 'paused', stopCause: null });
    const current = { ...v1('running'), version: 2, stopCause: null } as unknown as OneShotRunRecord;
    expect(migrateOneShotRun(current)).toBe(current);
  });

  it('offers NB201, DARTS and mobile; DARTS methods on the mobile space are refused with the reason', () => {
    const darts = { ...DEFAULT_ONESHOT_CONFIG_FOR_TEST, space: 'darts' as const };
    expect(validateOneShotConfig(darts)).toEqual(darts);
    expect(() => validateOneShotConfig({ ...darts, channels: 5 })).toThrow(/must be even for the DARTS space/);
    const mobile = { ...DEFAULT_ONESHOT_CONFIG_FOR_TEST, space: 'mobile' as const, method: 'spos' as const };
    expect(validateOneShotConfig(mobile)).toEqual(mobile);
    expect(() => validateOneShotConfig({ ...mobile, method: 'darts' })).toThrow(/DARTS needs a cell space/);
    expect(() => validateOneShotConfig({ ...mobile, method: 'pc-darts' })).toThrow(/PC-DARTS needs a cell space/);
    expect(() => validateOneShotConfig({ ...mobile, mobile: { stages: 3, widths: [], depths: [1] } })).toThrow(/mobile\.widths: mobile\.widths must not be empty/);
    expect(() => validateOneShotConfig({ ...mobile, space: 'nasnet' })).toThrow(/space must be "nb201", "darts" or "mobile"/);
    // One rule (shared): the UI shows it and the engine's validation rejects exactly those pairs, with its words.
    for (const space of ['nb201', 'darts', 'mobile'] as const) {
      for (const method of ['darts', 'pc-darts', 'spos'] as const) {
        const why = oneShotMethodUnavailable(space, method);
        expect(methodUnavailable(space, method)).toBe(why);
        const config = { ...DEFAULT_ONESHOT_CONFIG_FOR_TEST, space, method };
        if (why) expect(() => validateOneShotConfig(config)).toThrow(why);
        else expect(validateOneShotConfig(config)).toEqual(config);
      }
    }
  });

  it('groups alpha rows by cell type and parses width lists', () => {
    const edges = [...Array.from({ length: 14 }, (_, i) => `normal:e${i}`), ...Array.from({ length: 14 }, (_, i) => `reduce:e${i}`)];
    expect(alphaGroups({ epoch: 0, ops: ['a'], edges, alphas: edges.map(() => [1]) })).toEqual({ normal: 14, reduce: 14 });
    expect(alphaGroups(snap(0, 0.3))).toEqual({ cell: 6 });
    expect(parseIntList('8, 16,24')).toEqual([8, 16, 24]);
    expect(parseIntList('8, x')).toBeNull();
    expect(parseIntList('')).toBeNull();
  });
});
