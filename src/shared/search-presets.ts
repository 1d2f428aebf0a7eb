/**
 * Search presets per goal (issue 15, item 2) and the time estimate shown before Start. Pure data and arithmetic:
 * the Search tab fills its form from a preset, and estimates how long the form's settings take from how fast this
 * device ran an earlier search of the same space: its candidates' training time per unit of training work, scaled
 * to the form's settings, plus the rest of a candidate's time (validation, latency runs, saving) as measured. Without such a run there is no estimate for this device, and the tab says so instead of guessing;
 * once a search runs, the progress bar's ETA takes over.
 */
import type { SpaceKind } from './space-config';
import type { StrategyName } from './strategies';

export interface PresetSettings {
  readonly strategy: StrategyName;
  readonly budget: number;
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly trainSamples: number;
  readonly validSamples: number;
}

export interface SearchPreset {
  readonly id: 'quick' | 'proper' | 'thorough';
  readonly label: string;
  /** What the preset is for, one line. */
  readonly goal: string;
  /** Minutes it aims at on a 2-core laptop (bench/RESULTS.md's machine) on the built-in MNIST subset. */
  readonly aimMinutes: number;
  readonly settings: PresetSettings;
}

export const SEARCH_PRESETS: readonly SearchPreset[] = [
  {
    id: 'quick', label: 'Quick look', aimMinutes: 2,
    goal: 'See a search work: random cells, tiny networks, one short epoch each.',
    settings: { strategy: 'random', budget: 30, channels: 8, cellsPerStage: 1, epochs: 1, batchSize: 32, trainSamples: 512, validSamples: 256 },
  },
  {
    id: 'proper', label: 'Proper search', aimMinutes: 30,
    goal: 'Regularized evolution over more candidates, each trained long enough to rank them.',
    settings: { strategy: 'evolution', budget: 150, channels: 12, cellsPerStage: 1, epochs: 2, batchSize: 64, trainSamples: 2048, validSamples: 512 },
  },
  {
    id: 'thorough', label: 'Overnight', aimMinutes: 8 * 60,
    goal: 'A long evolution run on wider networks; leave the tab open (it resumes after a reload).',
    settings: { strategy: 'evolution', budget: 500, channels: 16, cellsPerStage: 2, epochs: 4, batchSize: 64, trainSamples: 4096, validSamples: 1024 },
  },
];

/** What an earlier search on this device measured. */
export interface DeviceSpeed {
  readonly runName: string;
  readonly space: SpaceKind;
  /** Median seconds between consecutive stored candidates (training, validation, latency and saving included). */
  readonly secondsPerCandidate: number;
  /** Median training seconds (the candidates' train_ms) per unit of training work (trainingWork). */
  readonly trainSecondsPerWork: number;
  /** Median of the rest of a candidate's time (validation, latency runs, set-up, saving), in seconds. */
  readonly overheadSeconds: number;
  /** The training work of one of its candidates (trainingWork of its settings). */
  readonly work: number;
}

/**
 * Beyond this ratio of training work (either way) the estimate is an extrapolation: a small run's training time
 * includes fixed costs (kernel set-up, the first steps) that a bigger one spreads over more images.
 */
export const FIRM_ESTIMATE_RATIO = 4;

/** How many times more (or less) training work `s` asks for than the run `speed` was measured on. */
export function extrapolation(s: WorkSettings, speed: DeviceSpeed): number {
  const r = trainingWork(s) / speed.work;
  return r >= 1 ? r : 1 / r;
}

type WorkSettings = Pick<PresetSettings, 'channels' | 'cellsPerStage' | 'epochs' | 'trainSamples'>;

/**
 * Relative training work of one candidate: images trained on times the network's size, which grows with C squared
 * (convolutions C -> C) and with the number of cells. Validation and latency runs are counted apart (overhead).
 */
export function trainingWork(s: WorkSettings): number {
  return s.epochs * s.trainSamples * s.channels * s.channels * (1 + Math.max(1, s.cellsPerStage));
}

const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/**
 * Median spacing of a run's candidates, in seconds (the first candidate's start-up, before any candidate is stored, is
 * not counted); null with fewer than 3 candidates.
 */
export function secondsPerCandidate(createdAt: readonly number[]): number | null {
  if (createdAt.length < 3) return null;
  const t = [...createdAt].sort((a, b) => a - b);
  return median(t.slice(1).map((x, i) => (x - t[i]) / 1000));
}

/** A run's speed from its candidates' store times and training times; null with fewer than 3 candidates. */
export function deviceSpeedOf(runName: string, space: SpaceKind, settings: WorkSettings, candidates: readonly { readonly createdAt: number; readonly trainMs: number }[]): DeviceSpeed | null {
  const spacing = secondsPerCandidate(candidates.map((c) => c.createdAt));
  const work = trainingWork(settings);
  if (spacing === null || !(work > 0)) return null;
  const train = median(candidates.map((c) => c.trainMs / 1000));
  return { runName, space, secondsPerCandidate: spacing, trainSecondsPerWork: train / work, overheadSeconds: Math.max(0, spacing - train), work };
}

/** Seconds the settings would take on the device `speed` was measured on; null when the space differs. */
export function estimateSeconds(s: WorkSettings & { readonly budget: number }, space: SpaceKind, speed: DeviceSpeed | null): number | null {
  if (!speed || speed.space !== space) return null;
  return s.budget * (speed.overheadSeconds + speed.trainSecondsPerWork * trainingWork(s));
}

/** "about 40 s", "about 3 min", "about 2.5 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(Math.round(seconds / 360) / 10).toLocaleString('en-US')} h`;
}
