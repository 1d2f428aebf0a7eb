/** Test metrics against hand-computed answers (accuracy, per-class P/R/F1, macro recall, confusion, ECE with 15 bins). */
import { describe, expect, it } from 'vitest';
import { classificationMetrics, softmaxRows } from '../../src/engine/finalists/test-metrics';

// 5 images, 3 classes; confidences kept away from the 1/15 bin edges.
const probs = new Float32Array([
  0.7, 0.2, 0.1, //   true 0, predicted 0 (conf .70, bin 10)
  0.28, 0.62, 0.1, // true 0, predicted 1 (conf .62, bin 9)
  0.09, 0.82, 0.09, // true 1, predicted 1 (conf .82, bin 12)
  0.2, 0.15, 0.65, // true 2, predicted 2 (conf .65, bin 9)
  0.5, 0.1, 0.4, //   true 2, predicted 0 (conf .50, bin 7)
]);
const labels = [0, 0, 1, 2, 2];

describe('classificationMetrics', () => {
  const m = classificationMetrics({ scores: probs, kind: 'probabilities', labels, numClasses: 3 });

  it('counts the confusion matrix by [true][predicted] and the accuracy', () => {
    expect(m.confusion).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 1]]);
    expect(m.accuracy).toBeCloseTo(0.6, 12);
    expect(m.count).toBe(5);
  });

  it('gives per-class precision, recall, F1 and support, and the macro recall', () => {
    expect(m.perClass.map((c) => c.support)).toEqual([2, 1, 2]);
    expect(m.perClass[0].precision).toBeCloseTo(0.5, 12);
    expect(m.perClass[0].recall).toBeCloseTo(0.5, 12);
    expect(m.perClass[0].f1).toBeCloseTo(0.5, 12);
    expect(m.perClass[1].precision).toBeCloseTo(0.5, 12);
    expect(m.perClass[1].recall).toBeCloseTo(1, 12);
    expect(m.perClass[1].f1).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[2].precision).toBeCloseTo(1, 12);
    expect(m.perClass[2].recall).toBeCloseTo(0.5, 12);
    expect(m.perClass[2].f1).toBeCloseTo(2 / 3, 12);
    expect(m.macroRecall).toBeCloseTo(2 / 3, 12);
  });

  it('computes ECE over 15 equal-width bins (Guo et al. 2017) with the reliability bins', () => {
    // bin 7: 1 wrong at .5 -> .1; bin 9: acc .5 vs conf .635 over 2 -> .054; bin 10: .3/5; bin 12: .18/5
    expect(m.ece).toBeCloseTo(0.1 + 0.054 + 0.06 + 0.036, 6);
    expect(m.reliability).toHaveLength(15);
    expect(m.reliability.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 0, 1, 0, 0]);
    expect(m.reliability[9].accuracy).toBeCloseTo(0.5, 12);
    expect(m.reliability[9].confidence).toBeCloseTo(0.635, 6);
    expect(m.reliability[9].lower).toBeCloseTo(9 / 15, 12);
    expect(m.reliability[9].upper).toBeCloseTo(10 / 15, 12);
  });

  it('gives the same answers from logits (softmax first)', () => {
    const logits = probs.map((p) => Math.log(p) + 3);
    expect(Array.from(softmaxRows(logits, 3))).toEqual(Array.from(probs).map((p) => expect.closeTo(p, 6)));
    const l = classificationMetrics({ scores: logits, kind: 'logits', labels, numClasses: 3 });
    expect(l.confusion).toEqual(m.confusion);
    expect(l.ece).toBeCloseTo(m.ece, 6);
  });

  it('is perfectly calibrated when every confident prediction is right', () => {
    const p = classificationMetrics({ scores: new Float32Array([1, 0, 0, 1]), kind: 'probabilities', labels: [0, 1], numClasses: 2 });
    expect(p.accuracy).toBe(1);
    expect(p.ece).toBe(0);
    expect(p.reliability[14].count).toBe(2);
  });

  it('rejects mismatched sizes and labels out of range with a clear message', () => {
    expect(() => classificationMetrics({ scores: new Float32Array(5), kind: 'logits', labels: [0, 1], numClasses: 3 })).toThrow(/5 scores for 2 labels and 3 classes/);
    expect(() => classificationMetrics({ scores: new Float32Array(6), kind: 'logits', labels: [0, 3], numClasses: 3 })).toThrow(/label 3 at index 1 is outside 0..2/);
  });
});
