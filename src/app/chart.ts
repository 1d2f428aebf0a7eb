/** The uPlot bookkeeping the app's charts share: one plot, rebuilt when its shape changes, else fed new data. */
import type uPlot from 'uplot';

export class PlotHolder {
  private plot: uPlot | null = null;
  private key = '';

  /** Builds the plot with `make` on first use or when `key` differs from the last build's; otherwise sets `data`. */
  update(key: string, data: uPlot.AlignedData, make: () => uPlot): void {
    if (!this.plot || this.key !== key) {
      this.plot?.destroy();
      this.plot = make();
      this.key = key;
    } else {
      this.plot.setData(data);
    }
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
    this.plot?.destroy();
    this.plot = null;
  }
}
