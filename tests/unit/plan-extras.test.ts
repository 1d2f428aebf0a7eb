/**
 * The finalists stage's extra entries, planned once for both hosts (engine/finalists/plan-extras.ts): the seeds a
 * worker job stores at creation (workers/finalist-extras.ts) are the seeds the plan trains with, and the narrow
 * student is the chosen teacher's genotype at half the channels.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/tf-node';
import { planExtras } from '../../src/engine/finalists/plan-extras';
import { extraJobEntries } from '../../workers/finalist-extras';
import { tinyGenotype, tinySkeleton } from '../helpers/finalists';
import { createRng } from '../../src/engine/util/rng';
import { parseBaselineName } from '../../src/shared/baselines';
import type { FinalistsRequest } from '../../src/protocol/finalists-api';

const io = { inputShape: [8, 8, 1] as const, numClasses: 2 };
const genotype = tinyGenotype();

beforeAll(async () => { await useBackend('cpu'); });

describe('planExtras', () => {
  it('trains with the keys and seeds a stored job holds, and builds the narrow student at half the channels', () => {
    const request: FinalistsRequest = {
      runId: 'r', top: 1, pareto: false, backend: 'cpu', recipe: {}, targets: [],
      baselines: ['resnet', 'mobilenet-0.5'], distill: { student: 'narrow', temperature: 4, alpha: 0.7 },
    };
    const stored = extraJobEntries(request, 3);
    const plan = planExtras({
      seed: 3, io, baselines: ['resnet', 'mobilenet-0.5'].map(parseBaselineName), distill: { student: 'narrow', temperature: 4, alpha: 0.7 },
      teachers: [{ key: 'finalist-2', id: 2, genotype, arch: 'g' }], spaceId: 'nb201', channels: 4, skeleton: tinySkeleton,
    });
    expect(plan.baselines.map((b) => [b.key, b.seed, b.curveStop])).toEqual(stored.filter((e) => e.kind === 'baseline').map((e) => [e.key, e.seed, false]));
    expect(plan.distill?.seed).toBe(stored.find((e) => e.kind === 'student')?.seed);
    expect(plan.distill?.teachers).toEqual(['finalist-2']);
    expect(plan.chosen()).toBeUndefined();

    const student = plan.distill!.student({ key: 'finalist-2', model: plan.baselines[0].model, seed: 0, curveStop: true });
    expect(student.description).toBe("candidate 2's genotype at C=2 (the teacher's C=4): g");
    const chosen = plan.chosen();
    expect(chosen).toMatchObject({ teacher: 'finalist-2', kind: 'narrow', skeleton: tinySkeleton(2) });
    const net = student.model.build(createRng(1));
    expect(net.params.reduce((a, p) => a + p.size, 0)).toBe(student.model.cost.params);
    net.dispose();
    expect(() => plan.distill!.student({ key: 'baseline-resnet', model: plan.baselines[0].model, seed: 0, curveStop: false })).toThrow(/teacher baseline-resnet is not a finalist/);
  });
});
