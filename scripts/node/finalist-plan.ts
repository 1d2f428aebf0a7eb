/**
 * What the finalists CLI re-trains, from either kind of run file: a black-box search (`npm run search -- --out`,
 * the top k by objective and optionally the Pareto front) or a one-shot search (`kind: 'oneshot'`: DARTS's derived
 * cell, SPOS's ranked subnets). A one-shot finalist is re-trained as the standalone network of the supernet's own
 * skeleton (the space table's one-shot bundle), so the model tested is the one the supernet ranked; its lineage
 * names that supernet.
 */
import { spaceFromConfig } from '../../src/engine/space/registry';
import { spaceEntry, type ErasedOneShot } from '../../src/engine/space/table';
import type { LoggedCandidate } from '../../src/engine/search/types';
import { pickFinalists } from '../../src/engine/finalists/pick';
import { hasSupernet, oneShotDepth, pickOneShot, withOneShotBundle, type SkeletonInput } from '../../src/engine/finalists/oneshot-plan';
import type { OneShotConfig } from '../../src/shared/oneshot-config';
import type { OneShotCandidate } from '../../src/shared/oneshot-lineage';
import type { RunConfig } from '../../src/shared/run-config';
import { MNIST_10K } from '../../src/engine/data/builtin';
import { CliUsageError } from './search-run';

export type { SkeletonInput };

export interface FinalistPlan {
  readonly strategy: string;
  readonly seed: number;
  readonly candidates: number;
  /** The stored dataset the run searched on; null: scored from a table (any data may be used). */
  readonly datasetId: string | null;
  readonly backend: 'wasm' | 'cpu';
  readonly spaceId: string;
  readonly picked: readonly LoggedCandidate[];
  readonly genotypes: readonly unknown[];
  /** C of the re-trained networks (halved for a narrow distillation student). */
  readonly channels: number;
  readonly cellsPerStage: number;
  /** The skeleton at `channels` (default: the plan's own). */
  skeleton(io: SkeletonInput, channels?: number): unknown;
  /** Where a finalist came from, for the report (one-shot: the supernet it was ranked in). */
  readonly lineage?: ReadonlyMap<number, { readonly supernet: string }>;
}

export interface PlanOptions {
  readonly label: string;
  readonly top: number;
  readonly pareto: boolean;
  readonly channels?: number;
  readonly cellsPerStage?: number;
  readonly log: (line: string) => void;
}

function decodeAll(picked: readonly LoggedCandidate[], decode: (arch: string) => unknown, label: string): unknown[] {
  // Decode every finalist before any training: a bad arch fails at once.
  return picked.map((e) => {
    try {
      return decode(e.arch);
    } catch (err) {
      throw new CliUsageError(`run ${label}: candidate ${e.id}: ${(err as Error).message}`);
    }
  });
}

export function planFromSearch(config: RunConfig, log: readonly LoggedCandidate[], o: PlanOptions): FinalistPlan {
  const ev = config.evaluator;
  const space = spaceFromConfig(config.space);
  if (o.pareto && !config.pareto) throw new CliUsageError(`--pareto: run ${o.label} has no Pareto axes (its config's "pareto" field)`);
  const picked = pickFinalists(log, o.top, o.pareto ? config.pareto : undefined);
  if (picked.length === 0) throw new CliUsageError(`run ${o.label}: no feasible candidate to re-train (${log.length} logged)`);
  const genotypes = decodeAll(picked, (a) => space.decode(a), o.label);
  const channels = o.channels ?? (ev.kind === 'train' ? ev.channels : 8);
  const cellsPerStage = o.cellsPerStage ?? (ev.kind === 'train' ? ev.cellsPerStage : 1);
  if (ev.kind !== 'train' && (o.channels === undefined || o.cellsPerStage === undefined)) {
    o.log(`finalists: the run was scored from a table; re-training with C=${channels}, N=${cellsPerStage} (set --channels / --cells to change)`);
  }
  const entry = spaceEntry(space.id);
  return {
    strategy: config.strategy.name,
    seed: config.seed,
    candidates: log.length,
    datasetId: ev.kind === 'train' ? ev.dataset : null,
    backend: ev.kind === 'train' && ev.backend === 'cpu' ? 'cpu' : 'wasm',
    spaceId: space.id,
    picked,
    genotypes,
    channels,
    cellsPerStage,
    skeleton: (io, c = channels) => entry.runSkeleton({ channels: c, cellsPerStage }, io.inputShape, io.numClasses),
  };
}

/** The supernet bundle of a one-shot config (a space without a supernet is a usage error of the run file). */
function withBundle<T>(config: OneShotConfig, io: SkeletonInput, channels: number, use: (b: ErasedOneShot) => T): T {
  if (!hasSupernet(config)) throw new CliUsageError(`one-shot run: space "${config.space}" has no supernet`);
  return withOneShotBundle(config, io, channels, use);
}

export function planFromOneShot(config: OneShotConfig, runId: string, all: readonly OneShotCandidate[], o: PlanOptions): FinalistPlan {
  if (o.pareto) throw new CliUsageError(`--pareto: run ${o.label} is a one-shot run; it has no Pareto axes`);
  const chosen = pickOneShot(all, o.top);
  if (chosen.length === 0) throw new CliUsageError(`run ${o.label}: the one-shot run derived or ranked no architecture yet`);
  const channels = o.channels ?? config.channels;
  const picked: LoggedCandidate[] = chosen.map((c) => ({
    id: c.id, arch: c.arch, hash: c.hash ?? c.arch, metrics: c.metrics, objective: c.objective, feasible: true, parents: [],
  }));
  if (o.cellsPerStage !== undefined) o.log('finalists: --cells is ignored for a one-shot run (its supernet fixes the depth)');
  // The one-shot space is the supernet's (its decode checks the genotype); the io only sizes the throwaway supernet.
  const probe: SkeletonInput = { inputShape: [28, 28, 1], numClasses: 10 };
  const genotypes = withBundle(config, probe, config.channels, (b) => decodeAll(picked, (a) => b.space.decode(a), o.label));
  return {
    strategy: `one-shot ${config.method}`,
    seed: config.seed,
    candidates: all.length,
    datasetId: config.datasetId,
    backend: config.backend === 'cpu' ? 'cpu' : 'wasm',
    spaceId: config.space,
    picked,
    genotypes,
    channels,
    cellsPerStage: oneShotDepth(config),
    skeleton: (io, c = channels) => withBundle(config, io, c, (b) => b.skeleton),
    lineage: new Map(chosen.map((c) => [c.id, { supernet: c.supernet.id }])),
  };
}

/** The backend a run trained on, where the CLI can run it (wasm unless the run chose cpu); set before planning. */
export function runBackend(run: { readonly config: RunConfig } | { readonly kind: 'oneshot'; readonly config: OneShotConfig }): 'wasm' | 'cpu' {
  if ('kind' in run) return run.config.backend === 'cpu' ? 'cpu' : 'wasm';
  const ev = run.config.evaluator;
  return ev.kind === 'train' && ev.backend === 'cpu' ? 'cpu' : 'wasm';
}

/** The stored dataset a run searched on must be the data re-trained on (the built-in subset unless --dataset). */
export function checkDatasetMatches(plan: FinalistPlan, usingFiles: boolean, label: string): void {
  if (!usingFiles && plan.datasetId !== null && plan.datasetId !== MNIST_10K.id) {
    throw new CliUsageError(`run ${label} searched on dataset "${plan.datasetId}"; re-training it on ${MNIST_10K.name} would compare different data (pass the same dataset)`);
  }
}
