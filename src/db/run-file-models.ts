/**
 * A run's registry models in its run file (shared/run-file-finalists.ts) and back, without weights.
 *  - `runFileFinalists`: the models of one run as the file's `finalists` (one per candidate and recipe: the
 *    newest; ordered by candidate id, then recipe hash), each with what the search measured for its candidate;
 *  - `importedModelRecords`: the file's finalists as model records of the imported run, marked `imported` (no
 *    weights: no download, export or latency measurement, the reason stored with them). A model already present
 *    (same run id + candidate + recipe hash, given in `present`) or listed twice is stored once. An entry
 *    without its seed or recipe (a file written before those fields) is left out and counted.
 * Pure functions over records; src/db/run-file.ts reads and writes them in its transactions.
 */
import { MODEL_RECORD_VERSION, type FinalistSourceKind, type ModelRecord, type TrainedReport } from '../protocol/finalists-api';
import type { SupernetRef } from '../shared/oneshot-lineage';
import type { SpaceKind } from '../shared/space-config';
import { recipeHash, type RunFileFinalist } from '../shared/run-file-finalists';

/** What the finalists need of a run file's candidates (a black-box or a one-shot one). */
export interface FinalistCandidate {
  readonly genotype?: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  readonly objective: number | null;
  /** Black-box lineage. */
  readonly parents?: readonly number[];
  /** One-shot lineage: the supernet it was derived or ranked in. */
  readonly supernet?: SupernetRef;
}

export const IMPORTED_MODEL_REASON = 'imported from a run file, which carries no weights: re-train this candidate here to download, export or measure it';

type FinalistModel = Extract<ModelRecord, { readonly kind: 'finalist' }>;
const isFinalistModel = (m: ModelRecord): m is FinalistModel => m.kind === 'finalist';

/** A model's identity across browsers: candidate and recipe (within one run). */
const keyOf = (candidateId: number, recipe: ModelRecord['recipe']) => `${candidateId}:${recipeHash(recipe)}`;

export function runFileFinalists(models: readonly ModelRecord[], candidates: readonly FinalistCandidate[]): RunFileFinalist[] {
  // The run's searched finalists (baselines and distilled students are not candidates of the run).
  const newest = new Map<string, FinalistModel>();
  for (const m of models.filter(isFinalistModel)) {
    const k = keyOf(m.candidateId, m.recipe);
    const had = newest.get(k);
    if (!had || m.createdAt > had.createdAt) newest.set(k, m);
  }
  return [...newest.entries()]
    .sort(([a], [b]) => Number(a.split(':')[0]) - Number(b.split(':')[0]) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([, m]): RunFileFinalist => {
      const c = candidates[m.candidateId];
      const valid = c?.metrics.valid_acc;
      return {
        id: m.candidateId, arch: m.arch, hash: m.hash, ...m.report,
        search: { objective: c?.objective ?? null, ...(valid !== undefined && Number.isFinite(valid) ? { valid_acc: valid } : {}) },
        seed: m.seed, recipe: m.recipe, latencyMs: m.latencyMs, classes: m.classes,
        lineage: { parents: m.lineage.parents, ...(c?.supernet ? { supernet: c.supernet.id } : {}) },
      };
    });
}

/** The report part of a file's finalist (what the registry keeps as `report`). */
function reportOf(f: RunFileFinalist): TrainedReport {
  const { params, macs, latency_ms, backend, valid_acc, retrain, test, targets, hpo } = f;
  return {
    params, macs, backend, valid_acc, retrain, test,
    ...(latency_ms !== undefined ? { latency_ms } : {}), ...(targets !== undefined ? { targets } : {}), ...(hpo !== undefined ? { hpo } : {}),
  };
}

export function importedModelRecords(
  o: {
    readonly runId: string;
    /** The imported run: which tab's, its name, space and the dataset it searched on. */
    readonly run: { readonly source: FinalistSourceKind; readonly name: string; readonly space: SpaceKind; readonly datasetId: string };
    readonly exportedAt: string;
    readonly finalists: readonly RunFileFinalist[];
    readonly candidates: readonly FinalistCandidate[];
    readonly present?: readonly ModelRecord[];
    readonly now: number;
  },
): { readonly models: ModelRecord[]; readonly skipped: number } {
  const seen = new Set((o.present ?? []).filter(isFinalistModel).filter((m) => m.runId === o.runId).map((m) => keyOf(m.candidateId, m.recipe)));
  const models: ModelRecord[] = [];
  let skipped = 0;
  for (const f of o.finalists) {
    if (f.seed === undefined || f.recipe === undefined) {
      skipped++;
      continue;
    }
    const k = keyOf(f.id, f.recipe);
    if (seen.has(k)) continue;
    seen.add(k);
    const report = reportOf(f);
    models.push({
      version: MODEL_RECORD_VERSION, kind: 'finalist', id: `imported:${o.runId}:${k}`, jobId: `imported:${o.runId}`, key: `finalist-${f.id}`,
      runId: o.runId, runName: o.run.name, candidateId: f.id, space: o.run.space, genotype: o.candidates[f.id]?.genotype ?? null,
      arch: f.arch, hash: f.hash, skeleton: null, datasetId: o.run.datasetId, classes: f.classes ?? f.test.per_class.map((c) => c.class),
      seed: f.seed, recipe: f.recipe, report,
      latencyMs: f.latencyMs ?? (f.latency_ms !== undefined ? { [f.backend]: f.latency_ms } : {}),
      source: o.run.source,
      lineage: {
        parents: f.lineage?.parents ?? o.candidates[f.id]?.parents ?? [],
        ...(o.candidates[f.id]?.supernet ? { supernet: o.candidates[f.id]?.supernet } : {}),
      },
      createdAt: o.now,
      imported: { exportedAt: o.exportedAt, reason: IMPORTED_MODEL_REASON },
    });
  }
  return { models, skipped };
}
