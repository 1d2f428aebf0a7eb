/**
 * Where keyboard focus goes on each tab: its primary action (what "Skip to Start" reaches) and its results column
 * (what "Skip to results" reaches, and where focus lands after the primary action starts a long job). Found in the
 * rendered tab by test id or structure, so the tab components need no focus code of their own.
 */
export type Tab = 'search' | 'oneshot' | 'runs' | 'lab' | 'profiler' | 'datasets';

export interface TabLandmarks {
  /** Test id of the tab's primary action button. */
  readonly start: string;
  /** Label of that button as shown, for the skip link. */
  readonly startLabel: string;
  /** Selector (inside the tab's panel) of the region showing a running job's progress, once it exists. */
  readonly status: string;
}

export const TAB_LANDMARKS: Readonly<Record<Tab, TabLandmarks>> = {
  search: { start: 'start', startLabel: 'Start', status: '#search-status' },
  oneshot: { start: 'oneshot-start', startLabel: 'Start', status: '[data-testid="oneshot-status"]' },
  runs: { start: 'run-open', startLabel: 'Open (first run)', status: '[data-testid="all-runs"]' },
  lab: { start: 'lab-run', startLabel: 'Run', status: '[data-testid="lab-progress"]' },
  profiler: { start: 'prof-build', startLabel: 'Build table', status: '[data-testid="prof-progress"]' },
  datasets: { start: 'import-preview', startLabel: 'Preview', status: '[data-testid="import-progress"]' },
};

const panelOf = (tab: Tab): HTMLElement | null => document.getElementById(`view-${tab}`);

export function startButton(tab: Tab): HTMLButtonElement | null {
  const el = panelOf(tab)?.querySelector(`[data-testid="${TAB_LANDMARKS[tab].start}"]`);
  return el instanceof HTMLButtonElement ? el : null;
}

/** The tab's results column (every tab lays out `main > section.left` and `main > section.right`). */
export function resultsRegion(tab: Tab): HTMLElement | null {
  return panelOf(tab)?.querySelector<HTMLElement>('main > section.right') ?? null;
}

/** The tab's status region once it shows something (the search's wrapper is empty until the first progress). */
export function statusRegion(tab: Tab): HTMLElement | null {
  const el = panelOf(tab)?.querySelector<HTMLElement>(TAB_LANDMARKS[tab].status) ?? null;
  return el && el.getBoundingClientRect().height > 0 ? el : null;
}

/** Focuses `el`, making a non-interactive element focusable by script only (tabindex -1) first; scrolls it into view. */
export function focusRegion(el: HTMLElement): void {
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.tabIndex = -1;
  el.focus();
  el.scrollIntoView({ block: 'nearest' });
}

/** Whether keyboard focus is nowhere useful: on <body>, or on a control that just disabled itself (Start). */
export function focusIsLost(): boolean {
  const a = document.activeElement;
  return a === null || a === document.body || ((a instanceof HTMLButtonElement || a instanceof HTMLInputElement) && a.disabled);
}
