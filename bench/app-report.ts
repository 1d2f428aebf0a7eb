/**
 * The report of `npm run bench -- --suite app` (bench/app-rows.ts): its JSON shape, the PyTorch passes summarised on
 * the tab's steady-state candidates, the tab/PyTorch ratios, and the printed table.
 */
import type { ColdStartVisit } from './app-cold-start';
import { steadyOf, type AppSearchSettings, type TabSearch } from './app-search';
import type { TorchCandidate } from './app-twin';

/** One PyTorch pass over the run's genotypes with one thread count, summarised on the tab's steady candidates. */
export interface TorchPass {
  readonly threads: number;
  readonly candidates: readonly TorchCandidate[];
  /** Means over the steady candidates (2..n, or the only one) of the whole evaluation and of its parts. */
  readonly meanTotalMs: number;
  readonly meanTrainMs: number;
  readonly meanValidMs: number;
  readonly meanBuildMs: number;
  readonly meanLatencyMs: number;
  /** Train images * epochs / train_ms (training only), median over all candidates. */
  readonly trainImagesPerS: number;
  /** Train images * epochs / (train_ms + valid_ms): the same quantity as the tab's stored train_ms gives. */
  readonly trainValidImagesPerS: number;
  readonly loadAvg1m: { readonly start: number; readonly end: number };
}

export interface AppSearchRound {
  readonly tab: TabSearch;
  /** PyTorch right after this tab run (the next round's tab run has it before), by thread count, most first. */
  readonly torchAfter: TorchPass[];
}

export interface AppRatio {
  readonly threads: number;
  /** Per tab run: its steady time per candidate / the mean of its neighbouring PyTorch passes' (before and after). */
  readonly perRound: readonly number[];
  /** The same for train_ms (training + validation) against PyTorch's train + valid. */
  readonly trainPerRound: readonly number[];
  readonly median: number;
  readonly trainMedian: number;
}

export interface AppReport {
  readonly version: 1;
  readonly suite: 'app';
  readonly mode: 'smoke' | 'full';
  readonly command: string;
  readonly startedAt: string;
  finishedAt: string;
  readonly machine: {
    readonly cpus: number; readonly cpuModel: string; readonly node: string; browser: string;
    torch: { version: string; threads: number[] } | null;
    readonly loadAvg1m: { start: number; end: number };
    readonly uptime: { start: string; end: string };
  };
  readonly settings: AppSearchSettings & { readonly rounds: number; readonly visits: number };
  search: {
    readonly crossOriginIsolated: boolean;
    readonly backendPanel: { readonly backend: string; readonly isolatedText: string; readonly threads: number | null; readonly threadsText: string };
    readonly learningRate: number;
    readonly twins: readonly { readonly id: number; readonly arch: string; readonly params: number }[];
    readonly rounds: AppSearchRound[];
    ratios: AppRatio[];
  } | null;
  readonly coldStart: ColdStartVisit[];
  readonly missing: string[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** A PyTorch pass summarised on the same steady candidates as the tab run (`steadyIds`). */
export function torchPassOf(threads: number, candidates: readonly TorchCandidate[], steadyIds: readonly number[], s: AppSearchSettings, load: TorchPass['loadAvg1m']): TorchPass {
  const steady = candidates.filter((c) => steadyIds.includes(c.id));
  const img = s.trainSamples * s.epochs;
  return {
    threads, candidates, meanTotalMs: mean(steady.map((c) => c.totalMs)), meanTrainMs: mean(steady.map((c) => c.trainMs)), meanValidMs: mean(steady.map((c) => c.validMs)),
    meanBuildMs: mean(steady.map((c) => c.buildMs)), meanLatencyMs: mean(steady.map((c) => c.latencyMs)),
    trainImagesPerS: median(candidates.map((c) => img / (c.trainMs / 1000))), trainValidImagesPerS: median(candidates.map((c) => img / ((c.trainMs + c.validMs) / 1000))), loadAvg1m: load,
  };
}

export const steadyIdsOf = (tab: TabSearch): number[] => steadyOf(tab.candidates).map((c) => c.id);

/** Tab / PyTorch per round against the PyTorch passes before (the previous round's) and after it. */
export function ratiosOf(rounds: readonly AppSearchRound[], threads: readonly number[]): AppRatio[] {
  return threads.map((t) => {
    const perRound: number[] = [];
    const trainPerRound: number[] = [];
    rounds.forEach((r, i) => {
      const near = [i > 0 ? rounds[i - 1].torchAfter : [], r.torchAfter].flat().filter((p) => p.threads === t);
      if (near.length === 0) return;
      perRound.push(r.tab.steady.meanWallMs / mean(near.map((p) => p.meanTotalMs)));
      trainPerRound.push(r.tab.steady.meanTrainMs / mean(near.map((p) => p.meanTrainMs + p.meanValidMs)));
    });
    return { threads: t, perRound, trainPerRound, median: median(perRound), trainMedian: median(trainPerRound) };
  }).filter((r) => r.perRound.length > 0);
}

export function printAppReport(r: AppReport): void {
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(0));
  console.log(`\nload (1 min) ${r.machine.loadAvg1m.start} -> ${r.machine.loadAvg1m.end}; uptime at start: ${r.machine.uptime.start}`);
  if (r.search) {
    const s = r.search;
    console.log(`\nSearch in the tab (isolated: ${s.crossOriginIsolated}; panel: ${s.backendPanel.backend}, ${s.backendPanel.threadsText}): NB201 C${r.settings.channels} N${r.settings.cellsPerStage}, ` +
      `${r.settings.trainSamples}/${r.settings.validSamples} images, ${r.settings.epochs} epoch(s), batch ${r.settings.batchSize}, ${r.settings.candidates} candidates`);
    for (const [i, round] of s.rounds.entries()) {
      const t = round.tab;
      console.log(`  tab run ${i + 1}: ${t.candidatesPerHour.toFixed(0)} candidates/h (${t.candidatesPerHourWithStart.toFixed(0)} with the start), ${(t.steady.meanWallMs / 1000).toFixed(2)} s/candidate ` +
        `(train+valid ${(t.steady.meanTrainMs / 1000).toFixed(2)} s, other ${(t.steady.meanOtherMs / 1000).toFixed(2)} s), first ${(t.firstCandidateMs / 1000).toFixed(1)} s, ${t.trainImagesPerS.toFixed(0)} img/s, load ${t.loadAvg1m.start}->${t.loadAvg1m.end}`);
      for (const p of round.torchAfter) {
        console.log(`    PyTorch ${p.threads}T after: ${(p.meanTotalMs / 1000).toFixed(2)} s/candidate (build ${ms(p.meanBuildMs)}, train ${ms(p.meanTrainMs)}, valid ${ms(p.meanValidMs)}, latency ${ms(p.meanLatencyMs)} ms), ` +
          `${p.trainImagesPerS.toFixed(0)} img/s train (${p.trainValidImagesPerS.toFixed(0)} with valid), ${(3_600_000 / p.meanTotalMs).toFixed(0)} candidates/h, load ${p.loadAvg1m.start}->${p.loadAvg1m.end}`);
      }
    }
    for (const x of s.ratios) console.log(`  ratio tab / PyTorch ${x.threads}T: ${x.perRound.map((v) => v.toFixed(2)).join(', ')} (median ${x.median.toFixed(2)}); train+valid ${x.trainPerRound.map((v) => v.toFixed(2)).join(', ')}`);
  }
  for (const v of r.coldStart) {
    const f = v.firstLoad;
    console.log(`\nCold start, ${v.kind} (isolated ${v.crossOriginIsolated}, service worker ${v.controlledByServiceWorker}): open -> first candidate ${ms(v.phases.openToFirstCandidateMs)} ms = ` +
      `interactive ${ms(v.phases.loadToInteractiveMs)} + Start -> backend ${ms(v.phases.startToBackendMs)} + -> first row ${ms(v.phases.backendToFirstCandidateMs)} (form fill ${ms(v.formFillMs)} not counted)`);
    console.log(`  page: response ${ms(v.page.responseEnd)}, DOMContentLoaded ${ms(v.page.domContentLoaded)}, load ${ms(v.page.load)}, FCP ${ms(v.page.firstContentfulPaint)} ms`);
    console.log(`  first load JS: ${f.scripts} files, ${(f.jsDecodedBytes / 1024).toFixed(0)} KiB decoded, ${(f.jsEncodedBytes / 1024).toFixed(0)} KiB encoded, ${(f.jsTransferBytes / 1024).toFixed(0)} KiB transferred; ` +
      `main thread: script ${ms(f.mainThread?.scriptMs ?? null)} ms, tasks ${ms(f.mainThread?.taskMs ?? null)} ms; long tasks ${f.longTasks} (${ms(f.longTaskMs)} ms, max ${ms(f.maxLongTaskMs)})`);
    const a = v.afterStart;
    console.log(`  after Start (ms): worker bundle ${ms(a.workerScriptFetched)}, MNIST ${ms(a.datasetFetched)}, .wasm ${ms(a.wasmFetched)}, backend ready ${ms(a.backendReady)}, ` +
      `candidate started ${ms(a.candidateStarted)}, first candidate stored ${ms(a.firstCandidateStored)}, row ${ms(a.firstRow)}; main-thread long tasks ${a.longTasks} (${ms(a.longTaskMs)} ms)`);
  }
  if (r.missing.length) console.log(`\nmissing:\n  ${r.missing.join('\n  ')}`);
}
