/**
 * The uPlot bookkeeping the app's charts share: one plot, rebuilt when its shape changes, else fed new data.
 * New data is coalesced: at most one redraw per MIN_REDRAW_MS, in a task of its own, always with the latest
 * data (a burst of worker events during training costs one redraw, and the main thread stays free).
 */
import type uPlot from 'uplot';

/** Shortest time between two redraws of one chart (a few per second). */
export const MIN_REDRAW_MS = 250;

export class PlotHolder {
  private plot: uPlot | null = null;
  private key = '';
  private pending: uPlot.AlignedData | null = null;
  private scheduled: ReturnType<typeof setTimeout> | null = null;
  private lastDraw = -Infinity;

  /** `drawn` runs after each build and each applied data update (e.g. to expose what the plot holds). */
  constructor(private readonly drawn?: (u: uPlot) => void) {}

  /** Builds the plot with `make` on first use or when `key` differs from the last build's; otherwise sets `data` (throttled). */
  update(key: string, data: uPlot.AlignedData, make: () => uPlot): void {
    if (!this.plot || this.key !== key) {
      this.cancel();
      this.plot?.destroy();
      this.plot = make();
      this.key = key;
      this.lastDraw = performance.now();
      this.drawn?.(this.plot);
      return;
    }
    this.pending = data;
    if (this.scheduled !== null) return;
    const wait = Math.max(0, this.lastDraw + MIN_REDRAW_MS - performance.now());
    // A task of its own, not an animation frame: several charts updated by one event then redraw in separate
    // short tasks instead of one long frame.
    this.scheduled = setTimeout(() => {
      this.scheduled = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const data = this.pending;
    this.pending = null;
    if (!this.plot || !data) return;
    this.plot.setData(data);
    this.lastDraw = performance.now();
    this.drawn?.(this.plot);
  }

  private cancel(): void {
    if (this.scheduled !== null) clearTimeout(this.scheduled);
    this.scheduled = null;
    this.pending = null;
  }

  /** Keeps the plot as wide as `el` (at `height`); the returned cleanup (an $effect's) stops that and destroys the plot. */
  fitWidth(el: HTMLElement, height: number): () => void {
    const ro = new ResizeObserver(() => {
      if (this.plot && el.clientWidth > 0 && Math.abs(this.plot.width - el.clientWidth) > 2) this.plot.setSize({ width: el.clientWidth, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      this.destroy();
    };
  }

  destroy(): void {
    this.cancel();
    this.plot?.destroy();
    this.plot = null;
  }
}

/** How many values of series `i` of a plot are drawn (not null or missing). */
export function drawnCount(u: uPlot, i: number): number {
  const ys = u.data[i] ?? [];
  let n = 0;
  for (const y of ys) if (y !== null && y !== undefined) n++;
  return n;
}
