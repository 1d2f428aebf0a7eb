/** The progress bars' time left (src/app/eta.ts): measured from the first progress seen, restarted on a new total. */
import { describe, expect, it } from 'vitest';
import { formatEta, RateEta } from '../../src/app/eta';

describe('RateEta', () => {
  it('estimates from the rate since the first observation', () => {
    const eta = new RateEta();
    expect(eta.observe(0, 10, 1000)).toBeNull(); // nothing measured yet
    expect(eta.observe(2, 10, 3000)).toBe(8000); // 1 s per unit, 8 left
    expect(eta.observe(5, 10, 4500)).toBeCloseTo(3500, 9); // 5 units in 3.5 s -> 0.7 s each, 5 left
    expect(eta.observe(10, 10, 6000)).toBe(0);
  });

  it('does not count time before the first progress, and restarts on a new total or a count that goes back', () => {
    const eta = new RateEta();
    expect(eta.observe(3, 10, 50_000)).toBeNull(); // e.g. a resumed run: 3 done earlier, the clock starts now
    expect(eta.observe(4, 10, 51_000)).toBe(6000);
    expect(eta.observe(0, 20, 60_000)).toBeNull();
    expect(eta.observe(5, 20, 65_000)).toBe(15_000);
    expect(eta.observe(1, 20, 70_000)).toBeNull();
  });

  it('formats', () => {
    expect(formatEta(null)).toBe('…');
    expect(formatEta(12_400)).toBe('12 s');
    expect(formatEta(185_000)).toBe('3 min 05 s');
    expect(formatEta(3_720_000)).toBe('1 h 02 min');
  });
});
