/** Number formats of the finalists views. */
export const pct = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`);
export const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`);
export const count = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)}k` : String(x));
