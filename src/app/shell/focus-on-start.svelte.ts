/**
 * Focus after a tab's primary action starts a long job. The Start button disables itself while the job runs, so
 * keyboard focus would drop to <body> and a screen reader would hear nothing; instead focus moves to the job's
 * status region (an aria-live region) once it is shown, which also scrolls the progress into view on a phone,
 * where the results sit below the long form.
 */
import { focusIsLost, focusRegion, resultsRegion, statusRegion, type Tab } from './tab-landmarks';

const POLL_MS = 50;
/** How long to wait for the status region to render (the worker answers first); then the results column. */
const WAIT_MS = 5000;

function moveFocusToStatus(tab: Tab): void {
  const since = performance.now();
  const step = (): void => {
    // The user moved focus meanwhile: leave it where they put it.
    if (!focusIsLost()) return;
    const status = statusRegion(tab);
    if (status) return focusRegion(status);
    if (performance.now() - since > WAIT_MS) {
      const results = resultsRegion(tab);
      if (results) focusRegion(results);
      return;
    }
    setTimeout(step, POLL_MS);
  };
  step();
}

/** For each tab: when `busy(tab)` turns true while that tab is shown and focus was lost, move it to the status. */
export function focusStatusOnStart(tabs: readonly Tab[], shown: () => Tab, busy: (tab: Tab) => boolean): void {
  for (const tab of tabs) {
    let wasBusy = busy(tab);
    $effect(() => {
      const now = busy(tab);
      if (now && !wasBusy && shown() === tab && focusIsLost()) moveFocusToStatus(tab);
      wasBusy = now;
    });
  }
}
