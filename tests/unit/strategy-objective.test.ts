import { describe, expect, it } from 'vitest';
import { computeObjective, DEFAULT_OBJECTIVE, objectiveFn, parseConstraint, parseObjectiveSpec } from '../../src/engine/strategy/objective';

describe('objective: accuracy - lambda * cost, hard budgets', () => {
  it('plain accuracy by default', () => {
    expect(computeObjective(DEFAULT_OBJECTIVE, { valid_acc: 91.2, mflops: 100 })).toEqual({ objective: 91.2, feasible: true, penalty: 0, violations: [] });
  });

  it('the field guide example: 0.01 per MFLOP', () => {
    const spec = parseObjectiveSpec({ metric: 'valid_acc', penalties: [{ metric: 'mflops', lambda: 0.01 }] });
    const r = computeObjective(spec, { valid_acc: 90, mflops: 250 });
    expect(r.objective).toBeCloseTo(87.5, 12);
    expect(r.penalty).toBeCloseTo(2.5, 12);
    // A smaller net can win despite lower accuracy.
    const f = objectiveFn(spec);
    expect(f({ valid_acc: 89, mflops: 50 })).toBeGreaterThan(f({ valid_acc: 90, mflops: 250 }));
  });

  it('several penalties add up', () => {
    const spec = parseObjectiveSpec({ penalties: [{ metric: 'mflops', lambda: 0.01 }, { metric: 'params_m', lambda: 0.5 }, { metric: 'latency_ms', lambda: 0.1 }] });
    expect(computeObjective(spec, { valid_acc: 90, mflops: 100, params_m: 2, latency_ms: 10 }).objective).toBeCloseTo(90 - 1 - 1 - 1, 12);
  });

  it('a hard latency budget makes violators -Infinity but reports why', () => {
    const spec = parseObjectiveSpec({ penalties: [{ metric: 'mflops', lambda: 0.01 }], constraints: ['latency_ms <= 8', { metric: 'valid_acc', op: '>=', value: 50 }] });
    expect(spec.constraints).toEqual([{ metric: 'latency_ms', op: '<=', value: 8 }, { metric: 'valid_acc', op: '>=', value: 50 }]);
    const ok = computeObjective(spec, { valid_acc: 90, mflops: 100, latency_ms: 8 });
    expect(ok).toEqual({ objective: 89, feasible: true, penalty: 1, violations: [] });
    const slow = computeObjective(spec, { valid_acc: 95, mflops: 100, latency_ms: 9.5 });
    expect(slow.objective).toBe(-Infinity);
    expect(slow.feasible).toBe(false);
    expect(slow.violations).toEqual(['latency_ms = 9.5 > 8']);
    const both = computeObjective(spec, { valid_acc: 40, mflops: 0, latency_ms: 9 });
    expect(both.violations).toEqual(['latency_ms = 9 > 8', 'valid_acc = 40 < 50']);
  });

  it('names a missing metric and the metrics there are', () => {
    const spec = parseObjectiveSpec({ constraints: ['latency_ms <= 8'] });
    expect(() => computeObjective(spec, { valid_acc: 90, test_acc: 89 })).toThrow('objective: constraint metric "latency_ms" is missing (metrics: test_acc, valid_acc)');
    expect(() => computeObjective(DEFAULT_OBJECTIVE, { acc: 1 })).toThrow('objective: objective metric "valid_acc" is missing (metrics: acc)');
  });

  it('parses constraint strings and rejects bad specs with specific messages', () => {
    expect(parseConstraint(' pixel3_ms<=12.5 ')).toEqual({ metric: 'pixel3_ms', op: '<=', value: 12.5 });
    expect(parseConstraint('valid_acc >= 1e1')).toEqual({ metric: 'valid_acc', op: '>=', value: 10 });
    expect(() => parseConstraint('latency < 8')).toThrow('constraint "latency < 8" must look like "metric <= number" or "metric >= number"');
    expect(() => parseObjectiveSpec({ penalties: [{ metric: 'mflops', lambda: -1 }] })).toThrow('objective.penalties.0.lambda: penalty lambda must be >= 0');
    expect(() => parseObjectiveSpec({ constraints: ['fast please'] })).toThrow('objective.constraints.0:');
    expect(() => parseObjectiveSpec({ metrc: 'valid_acc' })).toThrow('objective.metrc: unknown objective field');
  });
});
