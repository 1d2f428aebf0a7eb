/**
 * The guided tour's state (issue 15, item 4): which step is shown, whether it is done, and its one action. The tour
 * trains nothing and stores nothing of its own: each action goes through the store of the tab it teaches (the same
 * calls that tab's buttons make), and "done" is read from those stores (the stored dataset and its split, the
 * one-shot run, the finalists job), so the tour picks up where the user is after a reload. Only the step index and
 * the steps the user has looked at are kept, in localStorage.
 */
import type { DatasetsStore } from '../datasets/datasets-store.svelte';
import type { FinalistsStore } from '../finalists/finalists-store.svelte';
import type { OneShotStore } from '../oneshot/oneshot-store.svelte';
import { oneShotSource } from '../finalists/finalist-source';
import type { OneShotRunRecord } from '../../protocol/oneshot-api';
import type { StoredDataset } from '../../db';
import {
  TOUR_DATA, TOUR_DATASET_NAME, TOUR_RETRAIN, TOUR_RUN_NAME, TOUR_STEPS, TOUR_TARGETS, tourOneShotConfig, type TourStep, type TourStepId, type TourTab,
} from './tour-steps';

export interface TourHost {
  readonly datasets: DatasetsStore;
  readonly oneShot: OneShotStore;
  readonly finalists: FinalistsStore;
  show(tab: TourTab): void;
}

const STORAGE_KEY = 'nas-playground.tour';

interface SavedTour {
  readonly open: boolean;
  readonly index: number;
  readonly seen: readonly TourStepId[];
}

function readSaved(): SavedTour {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<SavedTour> | null;
    if (v && typeof v.index === 'number' && Number.isInteger(v.index) && v.index >= 0 && v.index < TOUR_STEPS.length) {
      return { open: v.open === true, index: v.index, seen: Array.isArray(v.seen) ? v.seen.filter((s): s is TourStepId => TOUR_STEPS.some((t) => t.id === s)) : [] };
    }
  } catch { /* a damaged entry starts the tour afresh */ }
  return { open: false, index: 0, seen: [] };
}

export class TourStore {
  open = $state(false);
  index = $state(0);
  /** Steps whose "show me" action the user took (the reading steps are done once looked at). */
  seen = $state<readonly TourStepId[]>([]);
  acting = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly host: TourHost) {
    const saved = readSaved();
    this.open = saved.open;
    this.index = saved.index;
    this.seen = saved.seen;
    // A tour left open before a reload: read what the tabs hold, so its steps know what is done.
    if (this.open) void this.refresh();
  }

  private async refresh(): Promise<void> {
    await Promise.all([this.host.datasets.load(), this.host.oneShot.load()]);
  }

  readonly step = $derived<TourStep>(TOUR_STEPS[this.index]);
  readonly last = $derived(this.index === TOUR_STEPS.length - 1);

  /** The dataset the tour stored (the newest of that name with a week-ordered split). */
  readonly dataset = $derived.by((): StoredDataset | null =>
    this.host.datasets.stored.find((d) => d.meta.name === TOUR_DATASET_NAME && d.split?.spec?.method === 'temporal') ?? null);

  /** The tour's one-shot run (the newest of its name). */
  readonly run = $derived.by((): OneShotRunRecord | null => {
    const o = this.host.oneShot;
    if (o.current?.config.name === TOUR_RUN_NAME) return o.current;
    return o.runs.find((r) => r.config.name === TOUR_RUN_NAME) ?? null;
  });

  readonly job = $derived.by(() => {
    const f = this.host.finalists;
    const run = this.run;
    return run && f.runId === run.id ? f.job : null;
  });

  /** Whether step `id` is done, read from the tabs' stores. */
  isDone(id: TourStepId): boolean {
    const { datasets, finalists } = this.host;
    switch (id) {
      case 'data': return this.dataset !== null || datasets.preview?.name === TOUR_DATASET_NAME;
      case 'split': return this.dataset !== null;
      case 'targets': return TOUR_TARGETS.every((t) => finalists.targetLines.includes(t)) && finalists.targetError === null;
      case 'search': return this.run?.status === 'done';
      case 'rank': return this.run?.history.rankingCheck != null && this.seen.includes('rank');
      case 'retrain': return this.job?.status === 'done';
      case 'compare':
      case 'test': return this.job?.status === 'done' && this.seen.includes(id);
    }
  }

  readonly done = $derived(this.isDone(this.step.id));

  /** What the step's work is doing now, in a few words (empty when nothing runs). */
  readonly activity = $derived.by((): string => {
    const { datasets, oneShot, finalists } = this.host;
    switch (this.step.id) {
      case 'data':
      case 'split': return datasets.busy === 'preview' ? 'Generating the panels…' : datasets.busy === 'commit' ? 'Storing and locking the split…' : '';
      case 'search': {
        if (!oneShot.busy || oneShot.current?.config.name !== TOUR_RUN_NAME) return '';
        const h = oneShot.history;
        if (h.rankingCheck === null && h.rankingCheckDone.length > 0) return `Training ranked subnets alone: ${h.rankingCheckDone.length} / ${oneShot.current.config.spos.rankingCheck}`;
        if (h.subnets.length > 0) return `Scoring subnets: ${h.subnets.length} / ${h.subnetTotal || 8}`;
        return `Training the supernet: epoch ${Math.min(oneShot.epochsDone + 1, 2)} / 2`;
      }
      case 'retrain': {
        if (!finalists.busy) return '';
        const live = Object.values(finalists.live);
        const at = live[live.length - 1];
        return at ? `Re-training model ${live.length}: epoch ${at.epoch + 1} / ${at.epochs}` : 'Starting the re-training…';
      }
      default: return '';
    }
  });

  /** Opens the tour at the first step not done yet (what this browser already holds counts). */
  async start(): Promise<void> {
    this.open = true;
    this.error = null;
    await this.refresh();
    this.goTo(this.firstUndone());
  }

  close(): void {
    this.open = false;
    this.save();
  }

  next(): void {
    if (!this.last) this.goTo(this.index + 1);
    else this.close();
  }

  back(): void {
    if (this.index > 0) this.goTo(this.index - 1);
  }

  goTo(index: number): void {
    this.index = Math.max(0, Math.min(TOUR_STEPS.length - 1, index));
    this.error = null;
    this.host.show(this.step.tab);
    this.save();
  }

  private firstUndone(): number {
    const i = TOUR_STEPS.findIndex((s) => !this.isDone(s.id));
    return i < 0 ? 0 : i;
  }

  /** The step's one action, through the tab's own store. */
  async act(): Promise<void> {
    if (this.acting) return;
    const step = this.step;
    this.acting = true;
    this.error = null;
    this.host.show(step.tab);
    try {
      await this.perform(step.id);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.acting = false;
    }
  }

  private markSeen(id: TourStepId): void {
    if (!this.seen.includes(id)) this.seen = [...this.seen, id];
    this.save();
  }

  private async perform(id: TourStepId): Promise<void> {
    const { datasets, oneShot, finalists } = this.host;
    switch (id) {
      case 'data':
        await datasets.runImport({ kind: 'paint-defects', name: TOUR_DATASET_NAME, count: TOUR_DATA.count, seed: TOUR_DATA.seed, height: TOUR_DATA.height, width: TOUR_DATA.width });
        if (datasets.error) throw new Error(datasets.error.message);
        return;
      case 'split': {
        if (datasets.preview?.name !== TOUR_DATASET_NAME) await this.perform('data');
        datasets.splitMethod = 'temporal';
        datasets.field = 'week';
        datasets.validPct = TOUR_DATA.validPct;
        datasets.testPct = TOUR_DATA.testPct;
        datasets.wholeGroups = true;
        datasets.commitName = TOUR_DATASET_NAME;
        await datasets.refreshSplit();
        if (datasets.splitError) throw new Error(datasets.splitError);
        await datasets.commit();
        if (datasets.error) throw new Error(datasets.error.message);
        return;
      }
      case 'targets':
        finalists.targetsText = TOUR_TARGETS.join('\n');
        return;
      case 'search': {
        const ds = this.dataset;
        if (!ds) throw new Error('The tour\'s paint-defect dataset is not stored yet: do the first two steps.');
        if (oneShot.busy) throw new Error('A one-shot search is already running in this tab; stop it or let it finish first.');
        oneShot.config = tourOneShotConfig(oneShot.config, ds.meta.id);
        // Not awaited: the step shows the run's progress and is done when the run is.
        void oneShot.start();
        return;
      }
      case 'rank':
      case 'compare':
      case 'test':
        this.markSeen(id);
        return;
      case 'retrain': {
        const run = this.run;
        if (!run || run.status !== 'done') throw new Error('The tour\'s one-shot search has not finished yet.');
        if (oneShot.current?.id !== run.id) await oneShot.select(run.id);
        if (finalists.runId !== run.id) await finalists.load(run.id);
        finalists.top = TOUR_RETRAIN.top;
        finalists.recipe = { ...finalists.recipe, epochs: TOUR_RETRAIN.epochs, classWeights: 'balanced', patience: 0, hpoEnabled: false };
        finalists.trainSamples = 0;
        finalists.validSamples = 0;
        finalists.baselines = { ...finalists.baselines, [TOUR_RETRAIN.baseline]: true };
        if (!TOUR_TARGETS.every((t) => finalists.targetLines.includes(t))) finalists.targetsText = TOUR_TARGETS.join('\n');
        const source = oneShotSource(run, false);
        if (!source) return;
        void finalists.start(source);
        return;
      }
    }
  }

  private save(): void {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ open: this.open, index: this.index, seen: this.seen } satisfies SavedTour));
    } catch { /* storage refused: the tour still works in this page */ }
  }
}
