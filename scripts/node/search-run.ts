/**
 * The headless runner's host around the engine's black-box search core (src/engine/search/loop.ts, which the
 * search worker and the Benchmark lab share): builds the space, the evaluator (a NB201 table, or training on
 * the built-in MNIST subset under Node), the warm start's proxy scorer and the strategy from a validated config,
 * and — with a checkpoint file — resumes from it and saves it after every candidate and when the run stops,
 * so a stopped run (Ctrl-C) continues where it stopped.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { EvaluatorConfig, RunConfig } from '../../src/shared/run-config';
import { migrateSearchCheckpoint, runSearch, type SearchCheckpoint, type SearchEvent, type SearchResult } from '../../src/engine/search/loop';
import { createStrategy } from '../../src/engine/strategy/registry';
import { parseNb201Table } from '../../src/engine/data/nb201-table';
import { TabularEvaluator } from '../../src/engine/evaluator/tabular';
import type { Evaluator } from '../../src/engine/evaluator/types';
import type { AbortSignalLike } from '../../src/engine/util/abort';
import { spaceFromConfig, type AnySpace } from '../../src/engine/space/registry';
import type { SearchSpace } from '../../src/engine/space/types';
import { createNodeTrainSetup } from './train-evaluator';
import { MNIST_10K } from '../../src/engine/data/builtin';
import { createCliProxyScorer } from './prerank-scorer';
import type { RunnerData } from './builtin';

/** A bad argument, config, table or checkpoint file (exit status 2). */
export class CliUsageError extends Error {}

export interface CliSearchOptions {
  readonly repoRoot: string;
  /** Progress lines (stderr in the CLI). */
  readonly log: (line: string) => void;
  readonly signal?: AbortSignalLike;
  readonly onEvent?: (e: SearchEvent) => void;
  /** Resume from this file when it exists; save to it after every candidate and when the run stops. */
  readonly checkpoint?: string;
  /** Resume from this checkpoint (with its log), e.g. a run file's (--resume); wins over `checkpoint`'s file. */
  readonly resumeFrom?: SearchCheckpoint;
  /** Gets the checkpoint the core saves when the run stops (the run file's `checkpoint`). */
  readonly onStop?: (checkpoint: SearchCheckpoint) => void;
  /** Train on this dataset and split (the runner's --dataset) instead of the one the config names. */
  readonly data?: RunnerData;
}

/** One case per evaluator kind (the config check already rejected a tabular evaluator on a non-NB201 space). */
async function makeEvaluator(cfg: EvaluatorConfig, space: AnySpace, seed: number, o: CliSearchOptions): Promise<{ evaluator: Evaluator<unknown>; dispose(): void }> {
  switch (cfg.kind) {
    case 'tabular': {
      let text: string;
      try {
        text = readFileSync(cfg.table, 'utf8');
      } catch (e) {
        throw new CliUsageError(`cannot read table ${cfg.table}: ${(e as Error).message}`);
      }
      const t0 = Date.now();
      const table = parseNb201Table(text, { source: cfg.table });
      o.log(`search: table ${cfg.table}: ${table.size} rows, columns ${table.columns.join(', ')} (${Date.now() - t0} ms)`);
      return { evaluator: new TabularEvaluator(table) as Evaluator<unknown>, dispose: () => undefined };
    }
    case 'train': {
      // The one config schema also describes the app's runs (any stored dataset, any backend); Node has these.
      if (!o.data && cfg.dataset !== MNIST_10K.id) throw new CliUsageError(`evaluator.dataset: the headless runner trains on "${MNIST_10K.id}", got "${cfg.dataset}"`);
      const { backend } = cfg;
      if (backend !== 'wasm' && backend !== 'cpu') throw new CliUsageError(`evaluator.backend: the headless runner trains on "wasm" or "cpu", got "${backend}"`);
      const setup = await createNodeTrainSetup(o.repoRoot, { ...cfg, backend }, space, seed, o.log, o.data);
      const inner = setup.evaluator as Evaluator<unknown>;
      // Training on wasm/cpu never leaves the microtask queue, so Node would not run a SIGINT handler (Ctrl-C)
      // until the whole search ended: give the event loop one turn before each candidate.
      const evaluator: Evaluator<unknown> = {
        evaluate: async (c, signal, context) => {
          await new Promise<void>((resolve) => setImmediate(resolve));
          return inner.evaluate(c, signal, context);
        },
      };
      return { evaluator, dispose: () => setup.dispose() };
    }
  }
}

function readCheckpoint(file: string): SearchCheckpoint | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return migrateSearchCheckpoint(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new CliUsageError(`checkpoint ${file}: ${(e as Error).message}`);
  }
}

/** Runs a validated config to its end (budget, exhausted, aborted); throws what failed it. */
export async function runSearchConfig(cfg: RunConfig, o: CliSearchOptions): Promise<SearchResult> {
  const built = spaceFromConfig(cfg.space);
  const space = built as unknown as SearchSpace<unknown>;
  o.log(`search: space ${built.name}, ${built.size().toLocaleString('en-US')} genotypes: ${JSON.stringify(cfg.space)}`);
  const resumeFrom = o.resumeFrom ?? (o.checkpoint ? readCheckpoint(o.checkpoint) : undefined);
  if (resumeFrom && !o.resumeFrom) o.log(`search: resuming from ${o.checkpoint} after ${resumeFrom.nextId} candidates`);
  const { evaluator, dispose } = await makeEvaluator(cfg.evaluator, built, cfg.seed, o);
  try {
    // Zero-cost warm start (strategy.options.prerank): the proxy scorer the strategy ranks its pool with.
    const prerank = await createCliProxyScorer(o.repoRoot, cfg, built.id, o.log, o.data);
    try {
      const strategy = createStrategy(cfg.strategy.name, space, cfg.strategy.options, cfg.seed, prerank?.score);
      const file = o.checkpoint;
      return await runSearch({
        space,
        strategy,
        evaluator,
        budget: cfg.budget,
        objective: cfg.objective,
        timeMetric: cfg.timeMetric,
        pareto: cfg.pareto,
        signal: o.signal,
        onEvent: o.onEvent,
        resumeFrom,
        checkpointEvery: file ? 1 : 0,
        save: (p) => {
          if (p.stop !== null) o.onStop?.(p.checkpoint);
          if (!file) return;
          // Written beside and renamed, so a kill mid-write leaves the previous checkpoint.
          writeFileSync(`${file}.tmp`, `${JSON.stringify(p.checkpoint)}\n`);
          renameSync(`${file}.tmp`, file);
        },
      });
    } finally {
      prerank?.dispose();
    }
  } finally {
    dispose();
  }
}
