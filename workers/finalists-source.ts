/**
 * The stored run a finalists job re-trains (issue 13, items 1 and 7), for workers/finalists-session.ts: a
 * Search-tab run (top k by objective, optionally its Pareto front; lineage: the candidate's parents) or a One-shot
 * tab run (engine/finalists/oneshot-plan.ts: the selected architectures first, re-trained as the standalone network
 * of the supernet's own skeleton; lineage: the supernet it was derived or ranked in). `openSource` answers what a
 * new job needs (name, dataset, the picked candidates); `loadSource` rebuilds, for a stored job, each entry's
 * genotype on its skeleton and checks the candidates are still stored as they were picked.
 */
import { getOneShotRun, getRun, listCandidates, type Db } from '../src/db';
import type { FinalistJobRecord, FinalistSourceKind, FinalistsRequest, SearchedModelFields } from '../src/protocol/finalists-api';
import type { OneShotCandidate } from '../src/shared/oneshot-lineage';
import type { SpaceKind } from '../src/shared/space-config';
import { oneShotSkeleton, pickOneShot } from '../src/engine/finalists/oneshot-plan';
import { pickFinalists } from '../src/engine/finalists/pick';
import { spaceFromConfig } from '../src/engine/space/registry';
import { runSkeleton } from '../src/engine/space/run-skeleton';
import { spaceEntry } from '../src/engine/space/table';

export interface PickedCandidate {
  readonly id: number;
  readonly arch: string;
  readonly hash: string;
}

/** A stored run as a new job sees it. */
export interface OpenedSource {
  readonly kind: FinalistSourceKind;
  readonly id: string;
  readonly name: string;
  readonly seed: number;
  readonly datasetId: string;
  /** The top k (and the Pareto front where asked); throws with a clear message when there is nothing to pick. */
  pick(top: number, pareto: boolean): Promise<PickedCandidate[]>;
}

/** A stored job's source, ready to train: the space, the skeleton and, per entry key, what its model records. */
export interface LoadedSource {
  readonly seed: number;
  readonly datasetId: string;
  readonly spaceId: SpaceKind;
  /** C of the finalists' skeleton (a narrow distillation student takes half). */
  readonly channels: number;
  /** The skeleton the finalists are built on, for the dataset's image shape and classes (at `channels`, default C). */
  skeleton(inputShape: readonly [number, number, number], numClasses: number, channels?: number): unknown;
  readonly items: ReadonlyMap<string, { readonly genotype: unknown; readonly lineage: SearchedModelFields['lineage'] }>;
}

export const sourceKind = (request: Pick<FinalistsRequest, 'source'>): FinalistSourceKind => request.source ?? 'search';

/** A one-shot candidate's identity: its canonical hash (its text form in runs stored before hashes were kept). */
const oneShotHash = (c: OneShotCandidate): string => c.hash ?? c.arch;

function notRunning(status: string, name: string, what: string): void {
  if (status === 'running') throw new Error(`${what} "${name}" is still running; stop it (or let it finish) before re-training its finalists`);
}

export async function openSource(db: Db, request: FinalistsRequest): Promise<OpenedSource> {
  if (sourceKind(request) === 'oneshot') {
    const run = await getOneShotRun(db, request.runId);
    if (!run) throw new Error(`One-shot run ${request.runId} is not in this browser's storage`);
    notRunning(run.status, run.config.name, 'One-shot run');
    return {
      kind: 'oneshot', id: run.id, name: run.config.name, seed: run.config.seed, datasetId: run.config.datasetId,
      async pick(top, pareto) {
        if (pareto) throw new Error(`One-shot run "${run.config.name}" has no Pareto axes`);
        const picked = pickOneShot(run.candidates, top);
        if (picked.length === 0) throw new Error(`One-shot run "${run.config.name}" derived or ranked no architecture yet`);
        return picked.map((c) => ({ id: c.id, arch: c.arch, hash: oneShotHash(c) }));
      },
    };
  }
  const run = await getRun(db, request.runId);
  if (!run) throw new Error(`Run ${request.runId} is not in this browser's storage`);
  notRunning(run.status, run.config.name, 'Run');
  return {
    kind: 'search', id: run.id, name: run.config.name, seed: run.config.seed, datasetId: run.config.evaluator.dataset,
    async pick(top, pareto) {
      const log = await listCandidates(db, run.id);
      const axes = run.config.pareto;
      if (pareto && !axes) throw new Error(`Run "${run.config.name}" has no Pareto axes`);
      const picked = pickFinalists(log, top, pareto ? axes : undefined);
      if (picked.length === 0) throw new Error(`Run "${run.config.name}" has no feasible candidate to re-train (${log.length} evaluated)`);
      return picked.map((c) => ({ id: c.id, arch: c.arch, hash: c.hash }));
    },
  };
}

const changed = (job: FinalistJobRecord, id: number) => new Error(`Candidate ${id} of run "${job.runName}" is no longer stored as it was`);

/** The source of a stored job. */
export async function loadSource(db: Db, job: FinalistJobRecord): Promise<LoadedSource> {
  if (sourceKind(job.request) === 'oneshot') {
    const run = await getOneShotRun(db, job.runId);
    if (!run) throw new Error(`One-shot run ${job.runId} (${job.runName}) is no longer in this browser's storage`);
    const config = run.config;
    const entry = spaceEntry(config.space);
    const items = new Map(job.entries.map((e) => {
      const c = run.candidates.find((x) => x.id === e.candidateId);
      if (!c || oneShotHash(c) !== e.hash) throw changed(job, e.candidateId);
      // The space's own check of the stored genotype (a damaged record fails here, before any training).
      return [e.key, { genotype: entry.checkGenotype(c.genotype) as unknown, lineage: { parents: [], supernet: c.supernet } }] as const;
    }));
    return {
      seed: config.seed, datasetId: config.datasetId, spaceId: config.space, channels: config.channels,
      skeleton: (inputShape, numClasses, channels = config.channels) => oneShotSkeleton({ ...config, channels }, { inputShape, numClasses }), items,
    };
  }
  const run = await getRun(db, job.runId);
  if (!run) throw new Error(`Run ${job.runId} (${job.runName}) is no longer in this browser's storage`);
  const candidates = new Map((await listCandidates(db, run.id)).map((c) => [c.id, c]));
  const space = spaceFromConfig(run.config.space);
  const items = new Map(job.entries.map((e) => {
    const c = candidates.get(e.candidateId);
    if (!c || c.hash !== e.hash) throw changed(job, e.candidateId);
    return [e.key, { genotype: space.decode(c.arch) as unknown, lineage: { parents: c.parents } }] as const;
  }));
  return {
    seed: run.config.seed, datasetId: run.config.evaluator.dataset, spaceId: space.id, channels: run.config.evaluator.channels,
    skeleton: (inputShape, numClasses, channels = run.config.evaluator.channels) => runSkeleton(space.id, { ...run.config.evaluator, channels }, inputShape, numClasses), items,
  };
}
