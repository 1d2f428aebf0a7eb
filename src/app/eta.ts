/**
 * Time left for a long task from the rate measured so far (pure): the clock starts at the first progress seen,
 * so time spent before it (loading a worker, a dataset) does not skew the rate; a new total or a count that
 * goes back starts a new measurement.
 */
export class RateEta {
  private t0 = 0;
  private done0 = 0;
  private total = -1;
  private last = -1;

  /** Feeds `done` of `total` at time `now` (ms); returns the estimated ms left, or null until a unit was measured. */
  observe(done: number, total: number, now: number): number | null {
    if (total !== this.total || done < this.last || this.last < 0) {
      this.total = total;
      this.t0 = now;
      this.done0 = done;
    }
    this.last = done;
    if (done >= total) return 0;
    const measured = done - this.done0;
    if (measured <= 0 || now <= this.t0) return null;
    return ((now - this.t0) / measured) * (total - done);
  }
}

/** "12 s", "3 min 05 s", "1 h 02 min"; "…" while unknown. */
export function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '…';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
