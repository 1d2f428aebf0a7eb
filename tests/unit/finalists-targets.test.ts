/** Deployment targets: parsing (with clear errors) and checking against a metrics record. */
import { describe, expect, it } from 'vitest';
import { checkTargets, parseTarget, parseTargets, TargetError } from '../../src/shared/targets';

const metrics = {
  scalars: { accuracy: 0.93, latency_ms: 7.5, params: 120_000 },
  perClass: { scratch: { precision: 0.9, recall: 0.95, f1: 0.924 }, dent: { precision: 0.8, recall: 0.7, f1: 0.747 } },
};

describe('targets', () => {
  it('parses plain and per-class targets, with % meaning /100', () => {
    expect(parseTarget('recall[scratch] >= 0.94')).toEqual({ text: 'recall[scratch] >= 0.94', metric: 'recall', className: 'scratch', op: '>=', value: 0.94 });
    expect(parseTarget(' recall[scratch]>=94% ').value).toBeCloseTo(0.94, 12);
    expect(parseTarget('latency_ms <= 8')).toMatchObject({ metric: 'latency_ms', op: '<=', value: 8 });
    expect(parseTarget('params < 1e5')).toMatchObject({ metric: 'params', op: '<', value: 100000 });
  });

  it('checks targets against the record', () => {
    const r = checkTargets(parseTargets(['recall[scratch] >= 94%', 'recall[dent] >= 0.94', 'accuracy >= 0.9', 'latency_ms <= 8', 'params <= 100000']), metrics);
    expect(r.map((x) => x.met)).toEqual([true, false, true, true, false]);
    expect(r[1].actual).toBe(0.7);
  });

  it('reports an unmeasured metric as not met, with the reason', () => {
    const [r] = checkTargets([parseTarget('macs <= 1000')], metrics);
    expect(r).toEqual({ target: 'macs <= 1000', actual: null, met: false, reason: 'macs was not measured' });
  });

  it('gives clear parse errors', () => {
    expect(() => parseTarget('accuracy => 0.9')).toThrow(/comparison must be one of >=, <=, >, </);
    expect(() => parseTarget('accuracy >= high')).toThrow(/value must be a number/);
    expect(() => parseTarget('recall[scratch >= 0.9')).toThrow(/closing "\]"/);
    expect(() => parseTarget('accuracy[scratch] >= 0.9')).toThrow(/only precision, recall, f1 take a class/);
    expect(() => parseTarget('  ')).toThrow(TargetError);
    expect(() => parseTargets(['accuracy >= 0.9', 'x => 1', 'y'])).toThrow(/"x => 1".*; target "y"/);
  });

  it('rejects a class the record does not have, listing the classes', () => {
    expect(() => checkTargets([parseTarget('recall[scrach] >= 0.9')], metrics)).toThrow(/no class named "scrach" \(classes: scratch, dent\)/);
  });
});
