/**
 * About how many bytes a stored value takes: typed-array bytes, 2 bytes per string character, 8 per number or
 * boolean, plus the keys of objects. IndexedDB's own encoding differs, and the browser returns freed space to the
 * quota lazily, so this is what a deletion is reported to free ("about"), not a measurement of the disk.
 */
export function approxBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (typeof value === 'string') return value.length * 2;
  if (typeof value === 'number' || typeof value === 'boolean') return 8;
  if (Array.isArray(value)) return value.reduce((n: number, x) => n + approxBytes(x), 0);
  if (typeof value === 'object') {
    let n = 0;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) n += k.length * 2 + approxBytes(v);
    return n;
  }
  return 0;
}
