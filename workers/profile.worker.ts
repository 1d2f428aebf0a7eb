/**
 * The profile worker (issue 7): latency lookup tables, the LUT predictor and its validation, and the same model
 * on every backend of this device. It exposes ONE typed api object with comlink (the squoosh pattern); backends
 * are initialised by workers/backend.ts. One job runs at a time (workers/job.ts); cancel() stops it between
 * measurements.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { deleteLut, getLut, listLuts, openDb, putLut, putLutReport, LUT_RECORD_VERSION } from '../src/db';
import {
  buildLatencyLut, comparisonCsv, COMPARE_LATENCY, describeFingerprint, fingerprintDiff, fingerprintKey, lutIdOf, measureModelHere,
  normalizeSkeleton, parseGenotype, predictLatency, profilerSpace, unavailableRow, validateLut,
  type BackendComparisonRow, type DeviceFingerprint, type LutProgress,
} from '../src/engine/profiler';
import { AbortedError } from '../src/engine/util/abort';
import { createRng } from '../src/engine/util/rng';
import { BACKEND_ORDER, type BackendName } from '../src/protocol/backend';
import {
  PROFILE_SPACES,
  type BackendComparisonResult,
  type LutRecord,
  type LutSpec,
  type ModelSpec,
  type ProfileEventListener,
  type ProfileWorkerApi,
} from '../src/protocol/profile-api';
import { fingerprintOf, initBackendByName } from './backend';
import { cancelledAs, JobRunner } from './job';

/** Once a job is cancelled, whatever it throws (a measurement cut short) reports as cancelled. */
const jobs = new JobRunner((what) => `The profiler is busy; cancel the running job before starting ${what}`, { toWire: cancelledAs('The profiler job') });
let lastLutId: string | null = null;
const cache = new Map<string, LutRecord>();

const now = () => performance.now();
/** Hands the event loop back (cancel, events) at most every 50 ms: a 0 ms timeout is clamped to 4 ms when nested. */
let lastYield = 0;
const yieldNow = async (): Promise<void> => {
  if (performance.now() - lastYield < 50) return;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  lastYield = performance.now();
};

/** Sends at most one progress event per 100 ms, and always the last one. */
function throttled(send: () => void, done: number, total: number, state: { last: number }): void {
  const t = performance.now();
  if (done < total && t - state.last < 100) return;
  state.last = t;
  send();
}

/** A measurement's progress as a (throttled) event: warm-up, building the items, then rounds until stable. */
function sendProgress(type: 'lut-progress' | 'validate-progress', p: LutProgress, state: { last: number }, onEvent?: ProfileEventListener): void {
  if (p.phase === 'warmup') onEvent?.({ type, phase: 'warmup', done: 0, total: 1, item: 'warming up' });
  else if (p.phase === 'prepare') throttled(() => onEvent?.({ type, phase: 'prepare', done: p.done, total: p.total, item: p.label }), p.done, p.total, state);
  else {
    const item = p.round === 0 ? 'warm-up rounds' : `${p.items - p.unstable} of ${p.items} medians stable`;
    throttled(() => onEvent?.({ type, phase: 'rounds', done: p.round, total: p.maxRounds, item }), p.round, p.maxRounds, state);
  }
}

function checkBackend(x: unknown): BackendName {
  if (typeof x !== 'string' || !(BACKEND_ORDER as readonly string[]).includes(x)) throw new Error(`backend must be one of ${BACKEND_ORDER.join(', ')}, got ${JSON.stringify(x)}`);
  return x as BackendName;
}

function checkSpace(x: unknown): (typeof PROFILE_SPACES)[number] {
  if (typeof x !== 'string' || !(PROFILE_SPACES as readonly string[]).includes(x)) throw new Error(`space must be one of ${PROFILE_SPACES.join(', ')}, got ${JSON.stringify(x)}`);
  return x as (typeof PROFILE_SPACES)[number];
}

/** Initialises the backend and returns this device's fingerprint on it; throws when it is unavailable. */
async function useBackend(name: BackendName, onEvent?: ProfileEventListener): Promise<DeviceFingerprint> {
  const a = await initBackendByName(name);
  if (!a.available) throw new Error(`The ${name} backend is not available on this device: ${a.detail}`);
  const fp = fingerprintOf(a);
  onEvent?.({ type: 'backend', backend: name, fingerprint: fp, detail: describeFingerprint(fp) });
  return fp;
}

async function loadLut(id?: string): Promise<LutRecord> {
  const key = id ?? lastLutId;
  if (!key) throw new Error('No latency table selected: build one first (or pick a stored one)');
  let r = cache.get(key);
  if (!r) {
    r = await getLut(await openDb(), key);
    if (!r) throw new Error(`Latency table "${key}" is not in this browser's storage; build it again`);
    cache.set(key, r);
  }
  lastLutId = key;
  return r;
}

const api: ProfileWorkerApi = {
  buildLut(spec: LutSpec, onEvent) {
    return jobs.run('a new latency table', async (signal) => {
      const spaceId = checkSpace(spec?.spaceId);
      const backend = checkBackend(spec?.backend);
      const fingerprint = await useBackend(backend, onEvent);
      const progress = { last: 0 };
      const lut = await buildLatencyLut({
        spaceId,
        skeleton: spec.skeleton ?? {},
        spaceConfig: spec.spaceConfig,
        fingerprint,
        batchSize: spec.batchSize,
        fitSamples: spec.fitSamples,
        settings: spec.settings,
        rounds: spec.rounds,
        seed: spec.seed,
      }, {
        now, signal, yieldNow,
        onProgress: (p: LutProgress) => sendProgress('lut-progress', p, progress, onEvent),
      });
      const record: LutRecord = { ...lut, version: LUT_RECORD_VERSION, id: lutIdOf(lut), createdAt: Date.now() };
      const summary = await putLut(await openDb(), record);
      cache.set(record.id, record);
      lastLutId = record.id;
      return summary;
    });
  },

  async listLuts() {
    return listLuts(await openDb());
  },

  async deleteLut(id) {
    await deleteLut(await openDb(), id);
    cache.delete(id);
    if (lastLutId === id) lastLutId = null;
  },

  async predict(genotypes, lutId) {
    if (!Array.isArray(genotypes)) throw new Error('predict: pass a list of genotypes (text or JSON)');
    const lut = await loadLut(lutId);
    const space = profilerSpace(lut.spaceId, lut.spaceConfig);
    return genotypes.map((g) => {
      try {
        return predictLatency(lut, parseGenotype(space, g));
      } catch {
        return NaN;
      }
    });
  },

  validate(sampleSize, onEvent, lutId) {
    return jobs.run('a validation', async (signal) => {
      const lut = await loadLut(lutId);
      const fp = await useBackend(checkBackend(lut.fingerprint.backend), onEvent);
      if (fingerprintKey(fp) !== lut.fingerprintKey) {
        throw new Error(`This latency table was measured on another device, browser or backend setup (differs in: ${fingerprintDiff(fp, lut.fingerprint).join(', ')}); build a new one here to validate it`);
      }
      const progress = { last: 0 };
      const report = await validateLut(lut, {
        sampleSize, now, signal, yieldNow,
        onProgress: (p: LutProgress) => sendProgress('validate-progress', p, progress, onEvent),
      });
      await putLutReport(await openDb(), lut.id, report);
      cache.set(lut.id, { ...lut, report });
      return report;
    });
  },

  compareBackends(spec: ModelSpec, onEvent) {
    return jobs.run('a backend comparison', async (signal): Promise<BackendComparisonResult> => {
      const spaceId = checkSpace(spec?.spaceId);
      const skeleton = normalizeSkeleton(spaceId, spec.skeleton ?? {});
      const batchSize = spec.batchSize ?? 1;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 4096) throw new Error(`batch size must be a whole number in 1..4096, got ${batchSize}`);
      const seed = spec.seed ?? 0;
      const space = profilerSpace(spaceId);
      const empty = spec.genotype === undefined || (typeof spec.genotype === 'string' && spec.genotype.trim() === '');
      const genotype = empty ? space.sample(createRng(seed)) : parseGenotype(space, spec.genotype);
      const rows: BackendComparisonRow[] = [];
      let params = 0;
      for (let i = 0; i < BACKEND_ORDER.length; i++) {
        if (signal.aborted) throw new AbortedError('The backend comparison');
        const name = BACKEND_ORDER[i];
        onEvent?.({ type: 'compare-progress', backend: name, index: i, total: BACKEND_ORDER.length });
        const a = await initBackendByName(name);
        let row: BackendComparisonRow;
        if (!a.available) {
          row = unavailableRow(name, a.detail);
        } else {
          try {
            const m = await measureModelHere({ spaceId, genotype, skeleton, batchSize, seed }, { ...COMPARE_LATENCY, now }, signal);
            params = m.params;
            const { params: _p, ...numbers } = m;
            row = { backend: name, status: 'measured', softwareFallback: a.software, detail: a.detail, ...numbers };
          } catch (e) {
            if (signal.aborted) throw new AbortedError('The backend comparison');
            row = unavailableRow(name, `${a.detail}; measurement failed: ${e instanceof Error ? e.message : String(e)}`, 'failed', a.software);
          }
        }
        rows.push(row);
        onEvent?.({ type: 'compare-progress', backend: name, index: i + 1, total: BACKEND_ORDER.length, row });
        await yieldNow();
      }
      const comparison = {
        model: { spaceId, arch: space.encode(genotype), skeleton, batchSize, params },
        rows,
        userAgent: navigator.userAgent,
        hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
        tfjsVersion: tf.version_core,
      };
      return { ...comparison, csv: comparisonCsv(comparison) };
    });
  },

  async fingerprint(backend) {
    const a = await initBackendByName(checkBackend(backend));
    return a.available ? fingerprintOf(a) : null;
  },

  cancel: () => jobs.stop(),
};

Comlink.expose(api);
