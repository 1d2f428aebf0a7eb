/**
 * Issue 16 item 1c, PyTorch's side: the genotypes a Search-tab run stored, each written as the candidate row's twin
 * (bench/candidate-case.ts writeCandidateTwin: the engine's PyTorch export of the very network the tab built, same
 * initial weights, on the same normalised proxy subsets of the built-in MNIST and its locked split) and trained by
 * bench/torch_candidate.py with the run's recipe (build, E epochs, BN recalibration + validation, latency runs).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadBuiltinMnist } from '../scripts/node/builtin';
import { DEFAULT_TRAIN_OPTIONS } from '../src/engine/evaluator/train';
import type { TrainSettings } from '../src/engine/evaluator/train-setup';
import { spaceFromConfig } from '../src/engine/space/registry';
import type { SpaceId } from '../src/engine/space/table';
import type { SearchSpace } from '../src/engine/space/types';
import { writeCandidateTwin } from './candidate-case';
import type { StoredRun } from './app-page';
import type { TorchClient } from './torch';

/** A stored candidate's twin on disk. */
export interface Twin {
  readonly id: number;
  readonly arch: string;
  readonly dir: string;
  readonly params: number;
}

/** The run's training settings as the tab stored them (evaluator fields of the run config). */
export function runSettings(run: StoredRun): TrainSettings {
  const e = run.config.evaluator;
  const n = (k: string): number => {
    const v = e[k];
    if (typeof v !== 'number') throw new Error(`stored run config: evaluator.${k} is not a number (${String(v)})`);
    return v;
  };
  return { seed: run.config.seed, channels: n('channels'), cellsPerStage: n('cellsPerStage'), epochs: n('epochs'), batchSize: n('batchSize'),
    learningRate: n('learningRate'), trainSamples: n('trainSamples'), validSamples: n('validSamples') };
}

/** Writes one twin per stored candidate under `work` (the tfjs Node backend must be set: the export builds the network). */
export async function writeRunTwins(run: StoredRun, repoRoot: string, work: string): Promise<Twin[]> {
  const space = spaceFromConfig(run.config.space) as unknown as SearchSpace<unknown>;
  const settings = runSettings(run);
  const { ds, split } = await loadBuiltinMnist(repoRoot);
  const twins: Twin[] = [];
  for (const c of run.candidates) {
    const genotype = space.validate(c.genotype);
    const hash = space.hash(genotype);
    // The weights' seed mixes in the hash: a different hash would give the twin other initial weights than the tab's.
    if (hash !== c.hash) throw new Error(`candidate ${c.id} (${c.arch}): stored hash ${c.hash}, the space computes ${hash}`);
    const dir = path.join(work, `candidate-${c.id}`);
    mkdirSync(dir, { recursive: true });
    const { params } = await writeCandidateTwin({ spaceId: space.id as SpaceId, space, candidate: { id: c.id, genotype, hash }, ds, split, settings }, dir);
    twins.push({ id: c.id, arch: c.arch, dir, params });
  }
  return twins;
}

/** One twin's evaluation (ms), as torch_candidate.py reports it. */
export interface TorchCandidate {
  readonly id: number;
  readonly totalMs: number;
  readonly buildMs: number;
  readonly trainMs: number;
  readonly validMs: number;
  readonly latencyMs: number;
  readonly params: number;
}

/** Trains every twin once with PyTorch (`client`: torch_candidate.py) and the run's recipe. */
export async function torchPass(client: TorchClient, twins: readonly Twin[], s: TrainSettings): Promise<TorchCandidate[]> {
  const out: TorchCandidate[] = [];
  for (const t of twins) {
    const r = await client.send({ cmd: 'run', dir: t.dir, epochs: s.epochs, batch: s.batchSize, lr: s.learningRate, momentum: DEFAULT_TRAIN_OPTIONS.momentum,
      weight_decay: DEFAULT_TRAIN_OPTIONS.weightDecay, bn_batches: DEFAULT_TRAIN_OPTIONS.bnRecalibrationBatches ?? 8, seed: s.seed });
    if (!r.ok) throw new Error(`PyTorch on candidate ${t.id} (${t.arch}): ${r.error ?? 'failed'}`);
    const n = (k: string) => Number(r[k]);
    out.push({ id: t.id, totalMs: n('total_ms'), buildMs: n('build_ms'), trainMs: n('train_ms'), validMs: n('valid_ms'), latencyMs: n('latency_ms'), params: n('params') });
  }
  return out;
}
