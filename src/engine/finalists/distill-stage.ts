/**
 * Knowledge distillation on the finalists stage (issue 13, item 6; Hinton, Vinyals & Dean, 2015, the loss in
 * distill-loss.ts): after the stage's entries are re-trained and tested, the best of the allowed teachers BY
 * VALIDATION ACCURACY (never by test; ties: the earlier entry) teaches a smaller student, and the same student with
 * the same seed is also trained alone, so the two differ only in the soft targets. Both are ordinary stage entries
 * (same recipe, checkpoints, one test read each; no learning-curve stop: both train fully).
 * The teacher's network comes from the weights captured when it was tested in this session, or, on a resumed
 * stage where it was tested before, from `store.weights(key)`. Storage-free like stage.ts. The students run as a
 * second stage call on the same store and callbacks, so their events carry indices 0 and 1 of that call (use the keys).
 */
import type { HpoReport, TrainedReport } from '../../shared/finalist-result';
import type { Network } from '../model/network';
import { createRng } from '../util/rng';
import type { DistillSettings } from './distill-loss';
import type { ModelSource } from './model-source';
import { loadWeights, snapshotWeights, type WeightsSnapshot } from './retrain-state';
import { runFinalistsStage, type StageEntry, type StageOptions, type StageStore } from './stage';

export interface DistillPlan extends DistillSettings {
  /** Keys of the entries allowed to teach (the searched finalists, not the baselines). */
  readonly teachers: readonly string[];
  /** The student for the chosen teacher: e.g. its genotype on a narrower skeleton, or a scaled baseline. */
  readonly student: (teacher: StageEntry) => { readonly model: ModelSource; readonly description: string };
  /** The seed of both students (weights, batch order, augmentation). */
  readonly seed: number;
  /** Prefix of the students' keys: `<prefix>-alone` and `<prefix>-distilled` (default 'student'). */
  readonly key?: string;
}

export interface DistillationOutcome {
  /** The teacher's entry key. */
  readonly teacher: string;
  readonly student: { readonly description: string };
  /** The student trained on the hard labels alone. */
  readonly alone: TrainedReport;
  /** The same student (same seed) trained from the teacher's soft targets mixed with the hard loss. */
  readonly distilled: TrainedReport;
}

/** The teacher: the allowed entry with the highest validation accuracy (ties: the earlier one). Reads no test number. */
export function pickTeacher(entries: readonly StageEntry[], reports: readonly Pick<TrainedReport, 'valid_acc'>[], teachers: readonly string[]): number {
  let best = -1;
  entries.forEach((e, i) => {
    if (!teachers.includes(e.key)) return;
    if (best < 0 || reports[i].valid_acc > reports[best].valid_acc) best = i;
  });
  if (best < 0) throw new Error(`distillation: none of the teachers ${JSON.stringify(teachers)} is an entry of the stage`);
  return best;
}

/** A fresh network of `entry` holding `w`, checked tensor by tensor. */
function rebuild(entry: StageEntry, w: WeightsSnapshot): Network {
  const net = entry.model.build(createRng(entry.seed));
  const fits = (got: readonly Float32Array[] | undefined, want: Network['params']) =>
    Array.isArray(got) && got.length === want.length && got.every((a, i) => a instanceof Float32Array && a.length === want[i].size);
  if (!fits(w.params, net.params) || !fits(w.buffers, net.buffers)) {
    net.dispose();
    throw new Error(`distillation: the stored weights of teacher ${entry.key} do not fit its network (${net.params.length} params, ${net.buffers.length} buffers)`);
  }
  loadWeights(net, w);
  return net;
}

/** Runs the stage, then the two students; reports of the stage's entries in entry order. */
export async function runStageWithDistillation(o: StageOptions, plan: DistillPlan): Promise<{ reports: TrainedReport[]; distillation: DistillationOutcome }> {
  const prefix = plan.key ?? 'student';
  const keys = { alone: `${prefix}-alone`, distilled: `${prefix}-distilled` };
  for (const k of [keys.alone, keys.distilled]) {
    if (o.entries.some((e) => e.key === k)) throw new Error(`distillation: the student key "${k}" is also an entry of the stage`);
  }
  for (const t of plan.teachers) {
    if (!o.entries.some((e) => e.key === t)) throw new Error(`distillation: teacher "${t}" is not an entry of the stage`);
  }
  const inner = o.store;
  // Weights of the allowed teachers tested in this session, captured while the stage still holds their networks.
  const kept = new Map<string, WeightsSnapshot>();
  const capture: StageStore = {
    result: (k) => inner?.result(k),
    state: (k) => inner?.state(k),
    saveState: (k, s) => inner?.saveState(k, s),
    // The store's HPO outcomes and kept weights too, so a resumed stage reuses a finished HPO.
    ...(inner?.hpo ? { hpo: (k: string) => inner.hpo?.(k) } : {}),
    ...(inner?.saveHpo ? { saveHpo: (k: string, h: HpoReport) => inner.saveHpo?.(k, h) } : {}),
    ...(inner?.weights ? { weights: (k: string) => inner.weights?.(k) } : {}),
    saveResult: async (k, r, net) => {
      await inner?.saveResult(k, r, net);
      if (plan.teachers.includes(k)) kept.set(k, await snapshotWeights(net));
    },
  };
  const reports = await runFinalistsStage({ ...o, store: capture });
  const teacherEntry = o.entries[pickTeacher(o.entries, reports, plan.teachers)];
  const student = plan.student(teacherEntry);
  const base = { model: student.model, seed: plan.seed, curveStop: false };

  let teacherNet: Network | null = null;
  try {
    // The teacher is only needed while the distilled student still has to train.
    if (!(await inner?.result(keys.distilled))) {
      const w = kept.get(teacherEntry.key) ?? await inner?.weights?.(teacherEntry.key);
      if (!w) throw new Error(`distillation: teacher ${teacherEntry.key} was tested in an earlier session and the store kept no weights for it (use a store that saves weights, or a new checkpoint)`);
      teacherNet = rebuild(teacherEntry, w);
    }
    const net = teacherNet;
    const [alone, distilled] = await runFinalistsStage({
      ...o,
      entries: [
        { key: keys.alone, ...base },
        { key: keys.distilled, ...base, ...(net ? { teacher: { forward: (x) => net.forward(x, false), temperature: plan.temperature, alpha: plan.alpha } } : {}) },
      ],
    });
    return { reports, distillation: { teacher: teacherEntry.key, student: { description: student.description }, alone, distilled } };
  } finally {
    teacherNet?.dispose();
  }
}
