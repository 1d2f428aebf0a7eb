/** Small formatting helpers for the datasets tab. */
export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export const fmtInt = (n: number): string => n.toLocaleString('en-US');

export const fmtShape = (s: readonly number[]): string => `${s[0]}×${s[1]}×${s[2]}`;

export function fmtDate(t: number): string {
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function pct(n: number, total: number): string {
  if (!(total > 0)) return '0%';
  const p = (100 * n) / total;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}
