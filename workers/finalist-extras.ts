/**
 * The models of a finalists job that are not searched candidates (issue 13, items 5 and 6): hand-designed
 * baselines (src/shared/baselines.ts, engine/baselines/) trained with the job's recipe, and a student distilled
 * from the best finalist by validation beside the same student trained alone (engine/finalists/distill-stage.ts).
 * Here: the request's checks and the job's extra entries (at creation), their stage entries and distillation plan
 * (at run time), and their registry records. The session (finalists-session.ts) only wires these in.
 */
import type {
  DistillRequest, ExtraJobEntry, FinalistsRequest, HandModelFields, ModelRecord, ModelRecordBase, SearchedModelFields,
} from '../src/protocol/finalists-api';
import { baselineName, parseBaselineName, type BaselineSpec } from '../src/shared/baselines';
import { baselineSource, type BaselineIo } from '../src/engine/baselines/source';
import { hashString } from '../src/engine/evaluator/train-evaluator';
import { checkDistillSettings } from '../src/engine/finalists/distill-loss';
import type { DistillPlan } from '../src/engine/finalists/distill-stage';
import type { ModelSource } from '../src/engine/finalists/model-source';
import type { StageEntry } from '../src/engine/finalists/stage';

export const baselineKey = (name: string) => `baseline-${name}`;
export const STUDENT_KEYS = { alone: 'student-alone', distilled: 'student-distilled' } as const;

/** The student a request names: 'narrow' (the teacher's genotype at half the channels) or a baseline spec. */
export function parseStudent(d: DistillRequest): 'narrow' | BaselineSpec {
  checkDistillSettings(d);
  if (d.student === 'narrow') return 'narrow';
  try {
    return parseBaselineName(d.student);
  } catch (e) {
    throw new Error(`distillation student: ${e instanceof Error ? e.message : String(e)}, or "narrow"`);
  }
}

/** Checks the request's baselines and distillation; the job's extra entries, after the searched ones. */
export function extraJobEntries(request: FinalistsRequest, runSeed: number): ExtraJobEntry[] {
  const names = (request.baselines ?? []).map((b) => baselineName(parseBaselineName(b)));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`baseline "${twice}" is asked for twice`);
  const extras: ExtraJobEntry[] = names.map((name) => ({
    key: baselineKey(name), kind: 'baseline', name, label: `baseline ${name}`, seed: (runSeed ^ hashString(baselineKey(name))) >>> 0, epochsDone: 0,
  }));
  if (request.distill) {
    const s = parseStudent(request.distill);
    const name = s === 'narrow' ? 'narrow' : baselineName(s);
    // Both students share one seed, so they differ only in the soft targets.
    const seed = (runSeed ^ hashString('student')) >>> 0;
    extras.push(
      { key: STUDENT_KEYS.alone, kind: 'student', name, label: 'student (alone)', seed, epochsDone: 0 },
      { key: STUDENT_KEYS.distilled, kind: 'student', name, label: 'student (distilled)', seed, epochsDone: 0 },
    );
  }
  return extras;
}

/** The job's baselines as stage entries (always trained fully: no learning-curve stop). */
export function baselineStageEntries(extras: readonly ExtraJobEntry[], io: BaselineIo): StageEntry[] {
  return extras.filter((e) => e.kind === 'baseline').map((e) => ({ key: e.key, model: baselineSource(parseBaselineName(e.name), io), seed: e.seed, curveStop: false }));
}

/** A narrow student of a teacher: its genotype's source on the narrower skeleton and the registry fields. */
export interface NarrowStudent {
  readonly model: ModelSource;
  readonly description: string;
  readonly fields: SearchedModelFields;
}

/** What the distillation chose, for the students' registry records. */
export interface ChosenStudent {
  readonly teacher: string;
  readonly description: string;
  readonly fields: SearchedModelFields | HandModelFields;
}

export interface DistillWiring {
  readonly plan: DistillPlan;
  /** Set once the stage picked the teacher (before the students train). */
  chosen(): ChosenStudent | undefined;
}

export function distillWiring(d: DistillRequest, teachers: readonly string[], seed: number, io: BaselineIo, narrow: (teacherKey: string) => NarrowStudent): DistillWiring {
  const spec = parseStudent(d);
  let chosen: ChosenStudent | undefined;
  const plan: DistillPlan = {
    teachers, seed, temperature: d.temperature, alpha: d.alpha, key: 'student',
    student: (teacher) => {
      if (spec === 'narrow') {
        const n = narrow(teacher.key);
        chosen = { teacher: teacher.key, description: n.description, fields: n.fields };
        return { model: n.model, description: n.description };
      }
      const b = baselineSource(spec, io);
      const description = `baseline ${b.name}: ${b.description}`;
      chosen = { teacher: teacher.key, description, fields: { baseline: b.name, description: b.description, inputShape: [io.inputShape[0], io.inputShape[1], io.inputShape[2]] } };
      return { model: b, description };
    },
  };
  return { plan, chosen: () => chosen };
}

/** The registry record of a baseline or student entry. */
export function extraModelRecord(base: ModelRecordBase, extra: ExtraJobEntry, io: BaselineIo, distill: { request: DistillRequest; chosen: ChosenStudent | undefined } | undefined): ModelRecord {
  if (extra.kind === 'baseline') {
    const b = baselineSource(parseBaselineName(extra.name), io);
    return { ...base, kind: 'baseline', baseline: b.name, description: b.description, inputShape: [io.inputShape[0], io.inputShape[1], io.inputShape[2]] };
  }
  const c = distill?.chosen;
  if (!distill || !c) throw new Error(`finalists: student ${extra.key} was trained before its teacher was chosen`);
  return {
    ...base, kind: 'student', ...c.fields,
    student: { teacher: c.teacher, distilled: extra.key === STUDENT_KEYS.distilled, temperature: distill.request.temperature, alpha: distill.request.alpha, description: c.description },
  };
}
