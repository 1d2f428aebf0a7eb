/**
 * A Search-tab setup shared as a link (src/app/runs/share-link.ts): every field of the form comes back from the
 * payload; a cut-off, altered or foreign link is refused with a message naming what is wrong (validated by the one
 * run-config schema), never half-applied.
 */
import { describe, expect, it } from 'vitest';
import { deflateSync, strToU8 } from 'fflate';
import { decodeOneShotSetup, decodeSearchSetup, encodeOneShotSetup, encodeSearchSetup, oneShotPayloadOf, searchPayloadOf, ShareLinkError } from '../../src/app/runs/share-link';
import { ONE_SHOT_CONFIG_VERSION, type OneShotConfig } from '../../src/shared/oneshot-config';
import { RUN_FORM_VERSION, runConfigToForm, type RunForm } from '../../src/shared/run-form';
import { parseSpaceConfig } from '../../src/shared/space-config';

const FORM: RunForm = {
  version: RUN_FORM_VERSION, name: 'ignored: the name is passed', datasetId: 'user:paint-7', space: parseSpaceConfig({ space: 'darts', ops: ['sep_conv_3x3', 'skip_connect', 'max_pool_3x3'] }),
  strategy: 'evolution', seed: 4242, budget: 37, channels: 6, cellsPerStage: 2, epochs: 4, batchSize: 48, learningRate: 0.0375,
  trainSamples: 3000, validSamples: 700, backend: 'webgl',
  objective: { metric: 'valid_acc', penalties: [{ metric: 'flops', lambda: 2e-8 }], constraints: [{ metric: 'latency_ms', op: '<=', value: 8 }] },
  paretoCost: 'latency_ms', prerank: { proxy: 'naswot', pool: 64, keep: 8 }, curveStop: { enabled: true, margin: 3.5 },
};

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const payloadOf = (json: unknown) => b64url(deflateSync(strToU8(JSON.stringify(json))));
const message = (payload: string, decode: (p: string) => unknown = decodeSearchSetup): string => {
  try {
    decode(payload);
  } catch (e) {
    expect(e).toBeInstanceOf(ShareLinkError);
    return (e as Error).message;
  }
  throw new Error('the link was accepted');
};

describe('share link', () => {
  it('gives back every field of the form, with the dataset name', () => {
    const payload = encodeSearchSetup(FORM, 'paint defects, DARTS evolution', 'Paint defects (week-ordered)');
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
    const shared = decodeSearchSetup(payload);
    expect(shared.datasetName).toBe('Paint defects (week-ordered)');
    expect(runConfigToForm(shared.config)).toEqual({ ...FORM, name: 'paint defects, DARTS evolution' });
    expect(searchPayloadOf(`#search=${payload}`)).toBe(payload);
    expect(searchPayloadOf('#oneshot')).toBeNull();
  });

  it('says a cut-off link is incomplete', () => {
    const payload = encodeSearchSetup(FORM, 'x', null);
    for (const cut of [payload.slice(0, Math.floor(payload.length / 2)), payload.slice(0, -3), '']) {
      expect(message(cut)).toMatch(/^This shared link is incomplete or damaged \(it was probably cut off when it was copied\)/);
    }
    expect(message(`${payload}%20`)).toMatch(/characters a copied setup never has/);
  });

  it('names each invalid field as the run config does', () => {
    const good = decodeSearchSetup(encodeSearchSetup(FORM, 'x', null)).config;
    const msg = message(payloadOf({ link: 1, config: { ...good, seed: -1, evaluator: { ...good.evaluator, learningRate: 1e9, epochs: 2.5 } }, datasetName: null }));
    expect(msg).toMatch(/^This shared link's setup is invalid: /);
    expect(msg).toContain('Seed must be >= 0 (seed)');
    expect(msg).toContain('LR must be <= 10 (evaluator.learningRate)');
    expect(msg).toContain('Epochs must be an integer (evaluator.epochs)');
    expect(message(payloadOf({ link: 1, config: { ...good, evaluator: { kind: 'tabular', table: 'nb201.csv' }, space: 'nb201' }, datasetName: null }))).toContain('evaluator.kind: the Search tab trains its candidates');
    expect(message(payloadOf({ link: 1, config: { ...good, budget: { simulatedSeconds: 60 } }, datasetName: null }))).toContain('budget.queries: the Search tab needs a number of candidates');
    expect(message(payloadOf({ link: 2, config: good }))).toContain('another version of the app (link version 2');
    expect(message(payloadOf([1, 2, 3]))).toBe('This shared link holds no search setup.');
  });

  it('gives back a one-shot setup and names what is wrong with one', () => {
    const config: OneShotConfig = {
      version: ONE_SHOT_CONFIG_VERSION, name: 'SPOS on paint', method: 'spos', space: 'darts', datasetId: 'user:paint', seed: 9, epochs: 3, batchSize: 24,
      learningRate: 0.03, channels: 6, cellsPerStage: 1, layers: 5, mobile: { stages: 3, widths: [8, 16], depths: [1, 2] }, trainSamples: 500, validSamples: 200, backend: 'wasm',
      darts: { order: 'second', warmupEpochs: 1, partialChannels: 2, entropyWeight: 0.1, opDropout: 0, maxSkips: 2, stableEpochs: 0, earlyStopWarmup: 3, eigenvalueEvery: 0, eigenIterations: 8, eigenStopRatio: 0, excludeNone: true },
      spos: { subnets: 7, flopsPenalty: 0.5, topK: 2, rankingCheck: 3, rankingCheckEpochs: 1 },
    };
    const payload = encodeOneShotSetup(config, 'Paint');
    expect(decodeOneShotSetup(payload)).toEqual({ config, datasetName: 'Paint' });
    expect(oneShotPayloadOf(`#oneshot=${payload}`)).toBe(payload);
    expect(message(payload.slice(0, -4), decodeOneShotSetup)).toMatch(/^This shared link is incomplete or damaged/);
    expect(message(encodeOneShotSetup({ ...config, channels: 5 }, null), decodeOneShotSetup)).toBe("This shared link's setup is invalid: channels (5) must be even for the DARTS space (FactorizedReduce halves it).");
  });
});
