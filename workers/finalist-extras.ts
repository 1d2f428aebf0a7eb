/**
 * The models of a finalists job that are not searched candidates (issue 13, items 5 and 6): hand-designed
 * baselines and a distilled student beside the same student trained alone, planned by the engine
 * (engine/finalists/plan-extras.ts, shared with the headless runner). Here, what only the worker has: the
 * request's checks and the job's stored extra entries (at creation), and their registry records.
 */
import type {
  DistillRequest, ExtraJobEntry, FinalistJobEntry, FinalistsRequest, HandModelFields, ModelRecord, ModelRecordBase, SearchedModelFields,
} from '../src/protocol/finalists-api';
import { baselineName, parseBaselineName, type BaselineSpec } from '../src/shared/baselines';
import type { SpaceKind } from '../src/shared/space-config';
import { baselineSource, type BaselineIo, type BaselineModel } from '../src/engine/baselines/source';
import { checkDistillSettings } from '../src/engine/finalists/distill-loss';
import { baselineKey, extraSeed, STUDENT_KEYS, studentSeed, type ChosenStudent } from '../src/engine/finalists/plan-extras';

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
    key: baselineKey(name), kind: 'baseline', name, label: `baseline ${name}`, seed: extraSeed(runSeed, baselineKey(name)), epochsDone: 0,
  }));
  if (request.distill) {
    const s = parseStudent(request.distill);
    const name = s === 'narrow' ? 'narrow' : baselineName(s);
    // Both students share one seed, so they differ only in the soft targets.
    const seed = studentSeed(runSeed);
    extras.push(
      { key: STUDENT_KEYS.alone, kind: 'student', name, label: 'student (alone)', seed, epochsDone: 0 },
      { key: STUDENT_KEYS.distilled, kind: 'student', name, label: 'student (distilled)', seed, epochsDone: 0 },
    );
  }
  return extras;
}

/** A searched entry of the job as loaded: a narrow student's record copies its teacher's. */
export interface TeacherSource {
  readonly entry: FinalistJobEntry;
  readonly genotype: unknown;
  readonly lineage: SearchedModelFields['lineage'];
}

/** What a student's record needs beside the request: the engine's choice and the job's searched entries. */
export interface StudentContext {
  readonly request: DistillRequest;
  readonly chosen: ChosenStudent | undefined;
  readonly spaceId: SpaceKind;
  readonly teachers: readonly TeacherSource[];
}

const handFields = (b: BaselineModel, io: BaselineIo): HandModelFields => ({
  baseline: b.name, description: b.description, inputShape: [io.inputShape[0], io.inputShape[1], io.inputShape[2]],
});

function studentFields(c: ChosenStudent, io: BaselineIo, s: StudentContext): SearchedModelFields | HandModelFields {
  if (c.kind === 'baseline') return handFields(c.baseline, io);
  const t = s.teachers.find((x) => x.entry.key === c.teacher);
  if (!t) throw new Error(`finalists: teacher ${c.teacher} is not a finalist of this job`);
  return {
    candidateId: t.entry.candidateId, space: s.spaceId, genotype: t.genotype, arch: t.entry.arch, hash: t.entry.hash, skeleton: c.skeleton,
    lineage: { parents: [t.entry.candidateId], ...(t.lineage.supernet ? { supernet: t.lineage.supernet } : {}) },
  };
}

/** The registry record of a baseline or student entry. */
export function extraModelRecord(base: ModelRecordBase, extra: ExtraJobEntry, io: BaselineIo, student: StudentContext | undefined): ModelRecord {
  if (extra.kind === 'baseline') return { ...base, kind: 'baseline', ...handFields(baselineSource(parseBaselineName(extra.name), io), io) };
  const c = student?.chosen;
  if (!student || !c) throw new Error(`finalists: student ${extra.key} was trained before its teacher was chosen`);
  return {
    ...base, kind: 'student', ...studentFields(c, io, student),
    student: { teacher: c.teacher, distilled: extra.key === STUDENT_KEYS.distilled, temperature: student.request.temperature, alpha: student.request.alpha, description: c.description },
  };
}
