/** Float32 comparisons for kernel tests: the worst absolute difference relative to the expected values' scale. */
import { expect } from 'vitest';

export function expectClose(actual: Float32Array, expected: Float32Array, rel: number, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(scale, `${label}: non-trivial`).toBeGreaterThan(1e-3);
  expect(worst / scale, `${label}: max |diff| ${worst} vs scale ${scale}`).toBeLessThanOrEqual(rel);
}
