/**
 * The headless runner's side of the run file (src/shared/run-file.ts): `--out` writes the run as one, with the
 * runner's summary beside it; `--resume FILE` reads one back as a config and the checkpoint (its candidates as
 * the log) the search core continues from. A one-shot run file (no supernet weights) is refused with the reason.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { RunConfig } from '../../src/shared/run-config';
import { isOneShotRunFile, parseJsonText, parseRunFile, RUN_FILE_FORMAT, RUN_FILE_VERSION, RunFileError, type RunFile, type RunFileCandidate, type RunFileFinalist } from '../../src/shared/run-file';
import { ONESHOT_FILE_NOTE, parseOneShotRunFile } from '../../src/shared/oneshot-run-file';
import type { SearchCheckpoint, SearchResult } from '../../src/engine/search/loop';
import { spaceFromConfig } from '../../src/engine/space/registry';
import { CliUsageError } from './search-run';

/** The run, its final checkpoint (without its log: the candidates are the log) and the runner's summary. */
export function cliRunFile(cfg: RunConfig, result: SearchResult, checkpoint: SearchCheckpoint | null, backend: string | null): RunFile & Record<string, unknown> {
  const space = spaceFromConfig(cfg.space);
  const candidates: RunFileCandidate[] = result.log.map((e) => ({
    id: e.id, arch: e.arch, hash: e.hash, genotype: space.decode(e.arch), metrics: e.metrics, objective: e.objective, feasible: e.feasible, parents: e.parents ?? [], ...(e.error !== undefined ? { error: e.error } : {}),
  }));
  const cp = checkpoint ? { version: checkpoint.version, nextId: checkpoint.nextId, strategy: checkpoint.strategy } : null;
  return {
    format: RUN_FILE_FORMAT,
    version: RUN_FILE_VERSION,
    kind: 'search',
    exportedAt: new Date().toISOString(),
    config: cfg,
    backend,
    status: result.stopReason === 'aborted' ? 'paused' : 'done',
    candidates,
    checkpoint: cp,
    strategy: cfg.strategy.name,
    seed: cfg.seed,
    stopReason: result.stopReason,
    queries: result.queries,
    simulatedTime: result.simulatedTime,
    best: result.best,
    pareto: result.pareto,
    log: result.log,
  };
}

/**
 * Reads a run file to resume: its config (a relative table path against the repository), its checkpoint with the
 * candidates as log, and its finalists (kept when the file is rewritten).
 */
export function readRunFileToResume(file: string, repoRoot: string): { config: RunConfig; resumeFrom: SearchCheckpoint | undefined; finalists: readonly RunFileFinalist[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliUsageError(`cannot read run file ${file}: ${(e as Error).message}`);
  }
  let run: RunFile;
  try {
    const raw = parseJsonText(text);
    if (isOneShotRunFile(raw)) {
      const o = parseOneShotRunFile(raw);
      throw new CliUsageError(`run file ${file} is a one-shot run (${o.config.method} on the ${o.config.space} supernet, ${o.epoch} epochs, ${o.candidates.length} candidates) and cannot be resumed: ${ONESHOT_FILE_NOTE} (npm run search -- --config FILE with its "config" object)`);
    }
    run = parseRunFile(raw);
  } catch (e) {
    if (e instanceof RunFileError) throw new CliUsageError(`run file ${file}: ${e.message}`);
    throw e;
  }
  let config = run.config;
  if (config.evaluator.kind === 'tabular' && !isAbsolute(config.evaluator.table)) config = { ...config, evaluator: { kind: 'tabular', table: resolve(repoRoot, config.evaluator.table) } };
  if (run.checkpoint === null) {
    if (run.candidates.length > 0) throw new CliUsageError(`run file ${file}: has ${run.candidates.length} candidates but no checkpoint to resume from`);
    return { config, resumeFrom: undefined, finalists: run.finalists ?? [] };
  }
  const log = run.candidates.map((c) => ({ id: c.id, arch: c.arch, hash: c.hash, metrics: c.metrics, objective: c.objective, feasible: c.feasible, parents: c.parents, ...(c.error !== undefined ? { error: c.error } : {}) }));
  return { config, resumeFrom: { ...run.checkpoint, log }, finalists: run.finalists ?? [] };
}
