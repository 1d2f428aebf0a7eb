/** The re-training recipe: defaults, clear errors, the flip hint, the learning-rate schedule, class weights and the augmentation geometry. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FINALIST_RECIPE, flipEnabled, parseFinalistRecipe, RecipeError } from '../../src/shared/finalist-recipe';
import { classWeightsFor, learningRateAt } from '../../src/engine/finalists/recipe';
import { assembleBatch, type HostImages } from '../../src/engine/finalists/augment';
import { createRng, type Rng } from '../../src/engine/util/rng';

describe('finalist recipe', () => {
  it('fills every default and keeps what is given', () => {
    expect(DEFAULT_FINALIST_RECIPE).toMatchObject({
      version: 1, epochs: 30, batchSize: 64, learningRate: 0.05, warmupEpochs: 0, weightDecay: 5e-4, momentum: 0.9, labelSmoothing: 0.1,
      augment: { cropPadding: 2 }, classWeights: 'inverse-frequency', patience: 5, curveStop: { enabled: true, margin: 2 }, trainOn: 'train',
    });
    expect(parseFinalistRecipe({ epochs: 3, augment: { flip: true }, trainOn: 'train+valid' })).toMatchObject({ epochs: 3, augment: { cropPadding: 2, flip: true }, trainOn: 'train+valid' });
  });

  it('names every bad field and rejects unknown ones', () => {
    expect(() => parseFinalistRecipe({ epochs: 0, labelSmoothing: 1, augment: { flip: 'yes' }, lr: 0.1 })).toThrow(RecipeError);
    try {
      parseFinalistRecipe({ epochs: 0, labelSmoothing: 1, augment: { flip: 'yes' }, lr: 0.1 });
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toMatch(/epochs: epochs must be >= 1/);
      expect(msg).toMatch(/labelSmoothing: labelSmoothing must be < 1/);
      expect(msg).toMatch(/augment.flip: augment.flip must be true or false/);
      expect(msg).toMatch(/lr: unknown recipe field/);
    }
    expect(() => parseFinalistRecipe({ epochs: 5, warmupEpochs: 5 })).toThrow(/warmupEpochs \(5\) must be less than epochs \(5\)/);
  });

  it('flips only natural images unless the recipe says otherwise', () => {
    expect(flipEnabled(DEFAULT_FINALIST_RECIPE, 'digit-like')).toBe(false);
    expect(flipEnabled(DEFAULT_FINALIST_RECIPE, 'natural')).toBe(true);
    expect(flipEnabled(parseFinalistRecipe({ augment: { flip: false } }), 'natural')).toBe(false);
    expect(flipEnabled(parseFinalistRecipe({ augment: { flip: true } }), 'digit-like')).toBe(true);
  });

  it('warms up linearly, then decays by a cosine to zero', () => {
    expect(learningRateAt(0.1, 0, 100, 0)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(0.1, 50, 100, 0)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(0.1, 99, 100, 0)).toBeGreaterThan(0);
    expect(learningRateAt(0.1, 0, 100, 10)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(0.1, 9, 100, 10)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(0.1, 10, 100, 10)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(0.1, 55, 100, 10)).toBeCloseTo(0.05, 12);
  });

  it('weights classes by N / (K n_c) over the classes present, the mean weight per image being 1', () => {
    const labels = [0, 0, 0, 1, 2, 2];
    const w = classWeightsFor({ classWeights: 'inverse-frequency' }, labels, 4);
    expect(w).toEqual([6 / 9, 6 / 3, 6 / 6, 0]); // K = 3 classes present
    expect(labels.reduce((s, y) => s + w[y], 0) / labels.length).toBeCloseTo(1, 12);
    expect(classWeightsFor({ classWeights: 'none' }, labels, 4)).toEqual([1, 1, 1, 1]);
    expect(() => classWeightsFor({ classWeights: 'inverse-frequency' }, [0, 5], 4)).toThrow(/label 5 at index 1 is outside 0..3/);
  });
});

/** An rng that replays fixed draws (int(n) takes the next value; next() the next fraction). */
function scripted(ints: number[], fractions: number[]): Rng {
  const base = createRng(1);
  return { ...base, int: () => ints.shift()!, next: () => fractions.shift()! };
}

describe('augmentation', () => {
  // One 3x3 single-channel image with values 1..9.
  const img: HostImages = { x: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), y: Int32Array.from([4]), count: 1, shape: [3, 3, 1] };

  it('crops a zero-padded image at the drawn offset', () => {
    // padding 1: draws 2, 0 -> dy = +1, dx = -1 (content moves up one row and right one column)
    const b = assembleBatch(img, [0], { cropPadding: 1, flip: false }, scripted([2, 0], []));
    expect(Array.from(b.x)).toEqual([0, 4, 5, 0, 7, 8, 0, 0, 0]);
    expect(Array.from(b.y)).toEqual([4]);
  });

  it('mirrors the image when the flip draw is below 1/2, and is the identity with no shift and no flip', () => {
    expect(Array.from(assembleBatch(img, [0], { cropPadding: 1, flip: true }, scripted([1, 1], [0.2])).x)).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    expect(Array.from(assembleBatch(img, [0], { cropPadding: 1, flip: true }, scripted([1, 1], [0.7])).x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(assembleBatch(img, [0], { cropPadding: 0, flip: false }, createRng(3)).x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
