/**
 * The entries of a finalists stage that are not searched candidates (issue 13, items 5 and 6), planned once for
 * both hosts (workers/finalists-session.ts, scripts/node/finalists-run.ts): hand-designed baselines
 * (engine/baselines/) trained with the stage's recipe, and the distillation plan of distill-stage.ts, whose student
 * is the chosen teacher's genotype at half the channels ('narrow') or a baseline. Keys and seeds come from the run's
 * seed and the entry's key, so a stored job and the headless runner train the same models. Storage-free: what the
 * hosts keep is where the results go and where a teacher tested earlier has its weights (the stage's store).
 */
import { baselineName, type BaselineSpec } from '../../shared/baselines';
import { baselineSource, type BaselineIo, type BaselineModel } from '../baselines/source';
import { hashString } from '../evaluator/train-evaluator';
import type { DistillSettings } from './distill-loss';
import type { DistillPlan } from './distill-stage';
import { genotypeSource, type ModelSource } from './model-source';
import type { StageEntry } from './stage';

export const baselineKey = (name: string) => `baseline-${name}`;
/** The students' keys (distill-stage.ts's default prefix 'student'). */
export const STUDENT_KEYS = { alone: 'student-alone', distilled: 'student-distilled' } as const;
/** The seed of an extra entry: the run's seed mixed with the entry's key (both students share the key 'student'). */
export const extraSeed = (runSeed: number, key: string) => (runSeed ^ hashString(key)) >>> 0;
export const studentSeed = (runSeed: number) => extraSeed(runSeed, 'student');

/** A searched entry of the stage that may teach. */
export interface TeacherCandidate {
  readonly key: string;
  readonly id: number;
  readonly genotype: unknown;
  /** Appended to a narrow student's description where given (the runner's report; the worker's record keeps it apart). */
  readonly arch?: string;
}

export interface ExtrasInput {
  /** The run's seed. */
  readonly seed: number;
  readonly io: BaselineIo;
  readonly baselines: readonly BaselineSpec[];
  readonly distill?: DistillSettings & { readonly student: 'narrow' | BaselineSpec };
  /** The searched entries, in stage order: the allowed teachers. */
  readonly teachers: readonly TeacherCandidate[];
  readonly spaceId: string;
  /** C of the finalists (a narrow student takes half). */
  readonly channels: number;
  /** The finalists' skeleton at `channels`. */
  skeleton(channels: number): unknown;
}

/** The student the stage chose, once it picked the teacher: the teacher's genotype on a narrower skeleton, or a baseline. */
export type ChosenStudent = { readonly teacher: string; readonly description: string } & (
  | { readonly kind: 'narrow'; readonly skeleton: unknown }
  | { readonly kind: 'baseline'; readonly baseline: BaselineModel }
);

export interface ExtrasPlan {
  /** The baselines' stage entries (always trained fully: no learning-curve stop), after the searched ones. */
  readonly baselines: readonly (StageEntry & { readonly model: BaselineModel })[];
  readonly distill?: DistillPlan;
  /** Set once the stage picked the teacher (before the students train). */
  chosen(): ChosenStudent | undefined;
}

export function planExtras(o: ExtrasInput): ExtrasPlan {
  const baselines = o.baselines.map((spec) => {
    const model = baselineSource(spec, o.io);
    const key = baselineKey(baselineName(spec));
    return { key, model, seed: extraSeed(o.seed, key), curveStop: false };
  });
  const d = o.distill;
  let chosen: ChosenStudent | undefined;
  const half = Math.max(1, Math.floor(o.channels / 2));
  const student = (spec: 'narrow' | BaselineSpec, teacher: StageEntry): { model: ModelSource; description: string } => {
    if (spec !== 'narrow') {
      const b = baselineSource(spec, o.io);
      chosen = { teacher: teacher.key, description: `baseline ${b.name}: ${b.description}`, kind: 'baseline', baseline: b };
      return { model: b, description: chosen.description };
    }
    const t = o.teachers.find((c) => c.key === teacher.key);
    if (!t) throw new Error(`finalists: teacher ${teacher.key} is not a finalist of this stage`);
    const skeleton = o.skeleton(half);
    const description = `candidate ${t.id}'s genotype at C=${half} (the teacher's C=${o.channels})${t.arch !== undefined ? `: ${t.arch}` : ''}`;
    chosen = { teacher: t.key, description, kind: 'narrow', skeleton };
    return { model: genotypeSource(o.spaceId, t.genotype, skeleton), description };
  };
  return {
    baselines,
    ...(d ? {
      distill: {
        teachers: o.teachers.map((t) => t.key), seed: studentSeed(o.seed), temperature: d.temperature, alpha: d.alpha, key: 'student',
        student: (teacher) => student(d.student, teacher),
      },
    } : {}),
    chosen: () => chosen,
  };
}
