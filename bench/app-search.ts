/**
 * Issue 16 item 1c, the tab's side: a random search over NB201 cells on the built-in MNIST, driven through the built
 * app's Search form (tests/helpers/kill-resume.ts startSearch + the skeleton and batch fields) on the forced WASM
 * backend, timed from what IndexedDB stores: each candidate's `createdAt` (the worker's clock when the candidate and
 * its checkpoint were written) and its metrics (`train_ms`: training with the per-epoch BN recalibration and
 * validation; `latency_ms`: the batch-1 median).
 */
import type { Page } from 'playwright-core';
import { setField } from '../tests/helpers/e2e-harness';
import { startSearch } from '../tests/helpers/kill-resume';
import { median } from '../src/engine/util/stats';
import { waitForRunDone, type StoredRun } from './app-page';

export interface AppSearchSettings {
  readonly candidates: number;
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly trainSamples: number;
  readonly validSamples: number;
  readonly seed: number;
}

/** One candidate as the tab timed it. */
export interface TabCandidate {
  readonly id: number;
  readonly arch: string;
  /** Since the previous candidate was stored (the first: since the Start click, so it holds the run's set-up). */
  readonly wallMs: number;
  /** Stored train_ms: E epochs of training, each with BN recalibration and validation. */
  readonly trainMs: number;
  /** wallMs - trainMs: build, cost counter, latency runs, inference-memory profile, save, events. */
  readonly otherMs: number;
  readonly latencyMedianMs: number;
  readonly validAcc: number;
}

export interface TabSearch {
  readonly name: string;
  readonly candidates: TabCandidate[];
  /** Start click to the first candidate stored (worker start when cold, dataset, backend, train set-up, one candidate). */
  readonly firstCandidateMs: number;
  /** Start click to the last candidate stored. */
  readonly totalMs: number;
  /** Candidates 2..n (the first when there is only one): what a running search spends per candidate. */
  readonly steady: { readonly count: number; readonly meanWallMs: number; readonly medianWallMs: number; readonly meanTrainMs: number; readonly meanOtherMs: number };
  /** 3,600,000 / steady.meanWallMs. */
  readonly candidatesPerHour: number;
  /** Over the whole run, set-up included: candidates * 3,600,000 / totalMs. */
  readonly candidatesPerHourWithStart: number;
  /** Train images * epochs / train_ms (train_ms includes the per-epoch validation), median over candidates. */
  readonly trainImagesPerS: number;
  readonly loadAvg1m: { readonly start: number; readonly end: number };
}

/** Fills the Search form (random strategy, WASM, NB201 skeleton C/N, batch) and starts a run named `name`. */
export async function startTabSearch(page: Page, name: string, s: AppSearchSettings): Promise<void> {
  await setField(page, 'channels', s.channels);
  await setField(page, 'cells', s.cellsPerStage);
  await setField(page, 'batch', s.batchSize);
  await startSearch(page, name, { budget: s.candidates, epochs: s.epochs, trainSamples: s.trainSamples, validSamples: s.validSamples, seed: s.seed, strategy: 'random' });
}

/** The candidates' steady-state set: 2..n, or the one candidate there is. */
export const steadyOf = <T>(xs: readonly T[]): readonly T[] => (xs.length > 1 ? xs.slice(1) : xs);

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** The figures of a finished run started by a click at `clickEpochMs` (the page's Date.now(), the worker's clock too). */
export function tabSearchOf(run: StoredRun, name: string, clickEpochMs: number, s: AppSearchSettings, load: TabSearch['loadAvg1m']): TabSearch {
  const failed = run.candidates.filter((c) => c.error !== null);
  if (failed.length > 0) throw new Error(`run "${name}": candidate ${failed[0].id} failed: ${failed[0].error}`);
  let previous = clickEpochMs;
  const candidates = run.candidates.map((c): TabCandidate => {
    const wallMs = c.createdAt - previous;
    previous = c.createdAt;
    const trainMs = c.metrics.train_ms;
    return { id: c.id, arch: c.arch, wallMs, trainMs, otherMs: wallMs - trainMs, latencyMedianMs: c.metrics.latency_ms, validAcc: c.metrics.valid_acc };
  });
  if (candidates.length === 0) throw new Error(`run "${name}" stored no candidate`);
  const steady = steadyOf(candidates);
  const totalMs = run.candidates[run.candidates.length - 1].createdAt - clickEpochMs;
  const meanWallMs = mean(steady.map((c) => c.wallMs));
  return {
    name, candidates, firstCandidateMs: candidates[0].wallMs, totalMs,
    steady: { count: steady.length, meanWallMs, medianWallMs: median(steady.map((c) => c.wallMs)), meanTrainMs: mean(steady.map((c) => c.trainMs)), meanOtherMs: mean(steady.map((c) => c.otherMs)) },
    candidatesPerHour: 3_600_000 / meanWallMs,
    candidatesPerHourWithStart: (candidates.length * 3_600_000) / totalMs,
    trainImagesPerS: median(candidates.map((c) => (s.trainSamples * s.epochs) / (c.trainMs / 1000))),
    loadAvg1m: load,
  };
}

/** Starts the run, waits for it to finish and reads it back. */
export async function runTabSearch(page: Page, name: string, s: AppSearchSettings, load: () => number): Promise<{ search: TabSearch; run: StoredRun }> {
  const load0 = load();
  // The click's time on the page's clock, recorded by a capture listener as the click is dispatched.
  await page.evaluate(() => {
    const w = window as unknown as { __benchClickAt: number | null };
    w.__benchClickAt = null;
    document.addEventListener('click', (e) => {
      if (w.__benchClickAt === null && e.target instanceof Element && e.target.closest('[data-testid="start"]')) w.__benchClickAt = Date.now();
    }, true);
  });
  await startTabSearch(page, name, s);
  const run = await waitForRunDone(page, name, 60_000 + s.candidates * 600_000);
  const clickAt = await page.evaluate(() => (window as unknown as { __benchClickAt: number | null }).__benchClickAt);
  if (clickAt === null) throw new Error('the Start click was not seen by the page');
  return { search: tabSearchOf(run, name, clickAt, s, { start: load0, end: load() }), run };
}
