import { describe, expect, it } from 'vitest';
import { SEARCH_PRESETS, deviceSpeedOf, extrapolation, estimateSeconds, formatDuration, secondsPerCandidate, trainingWork } from '../../src/shared/search-presets';
import { DEFAULT_CONFIG } from '../../src/app/search-store.svelte';

describe('search presets and the time estimate', () => {
  it('measures a run by the median spacing of its candidates, not counting the start-up', () => {
    expect(secondsPerCandidate([0, 1000])).toBeNull();
    // Stored at 10 s (start-up before), then every 2-3 s; one 30 s outlier (a paused tab) does not move the median.
    expect(secondsPerCandidate([10_000, 12_000, 15_000, 17_000, 47_000])).toBe(2.5);
    expect(secondsPerCandidate([17_000, 10_000, 12_000])).toBe(3.5);
  });

  it('splits a candidate into training that scales with the work and an overhead that does not', () => {
    const base = { channels: 8, cellsPerStage: 1, epochs: 1, trainSamples: 512 };
    // Candidates every 3 s, of which 2 s training: 1 s overhead.
    const speed = deviceSpeedOf('earlier', 'nb201', base, [0, 3000, 6000, 9000].map((t) => ({ createdAt: t + 5000, trainMs: 2000 })))!;
    expect(speed.secondsPerCandidate).toBe(3);
    expect(speed.overheadSeconds).toBe(1);
    expect(estimateSeconds({ ...base, budget: 30 }, 'nb201', speed)).toBeCloseTo(90);
    // Twice the channels: 4x the training work, the same overhead.
    expect(estimateSeconds({ ...base, channels: 16, budget: 30 }, 'nb201', speed)).toBeCloseTo(30 * (1 + 8));
    // Twice the epochs: twice the training.
    expect(estimateSeconds({ ...base, epochs: 2, budget: 10 }, 'nb201', speed)).toBeCloseTo(10 * (1 + 4));
    expect(extrapolation({ ...base, channels: 16 }, speed)).toBe(4);
    expect(extrapolation({ ...base, trainSamples: 128 }, speed)).toBe(4);
    expect(estimateSeconds({ ...base, budget: 30 }, 'darts', speed)).toBeNull();
    expect(estimateSeconds({ ...base, budget: 30 }, 'nb201', null)).toBeNull();
    expect(deviceSpeedOf('x', 'nb201', base, [{ createdAt: 0, trainMs: 1 }, { createdAt: 1, trainMs: 1 }])).toBeNull();
  });

  it('orders the presets by time and keeps them valid form settings', () => {
    expect(SEARCH_PRESETS.map((p) => p.id)).toEqual(['quick', 'proper', 'thorough']);
    const work = SEARCH_PRESETS.map((p) => p.settings.budget * trainingWork(p.settings));
    expect([...work].sort((a, b) => a - b)).toEqual(work);
    for (const p of SEARCH_PRESETS) {
      for (const k of Object.keys(p.settings)) expect(k in DEFAULT_CONFIG).toBe(true);
      expect(p.settings.validSamples).toBeLessThanOrEqual(p.settings.trainSamples);
    }
  });

  it('writes durations a person reads', () => {
    expect(formatDuration(42.4)).toBe('about 42 s');
    expect(formatDuration(150)).toBe('about 3 min');
    expect(formatDuration(3 * 3600)).toBe('about 3 h');
    expect(formatDuration(0.2)).toBe('about 1 s');
  });
});
