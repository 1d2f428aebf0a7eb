/**
 * Headless search runner: the same engine as the app, under Node.
 *
 *   npm run search -- --config FILE [--strategy NAME] [--seed N] [--budget N] [--out run.json] [--table PATH] [--checkpoint FILE]
 *                     [--dataset PATH... [--test PATH...]]
 *   npm run search -- --resume run.json [--budget N] [--out FILE]
 *
 * --dataset trains a "train" config on any file the app imports (IDX pair or a folder of them, CIFAR .bin / .tar.gz,
 * an image zip or folder; scripts/node/dataset-file.ts) instead of the built-in MNIST subset; --test gives the
 * official test files (t10k-* and CIFAR test batches are also found by name). Repeat a flag for several files.
 * The summary line then carries "dataset": {name, count, train, valid, test, testOrigin}.
 *
 * Reads a JSON search config (format: examples/README.md), runs it, reports progress on stderr, writes the
 * run to --out as a run file (src/shared/run-file.ts: format 'nas-playground-run', config, every candidate with
 * its lineage, the checkpoint; the runner's summary — log, best, Pareto front — beside it), and prints one JSON summary as the last line of
 * stdout: {"strategy","seed","queries","best":{"arch","valid_acc","test_acc"}}.
 * Relative paths: --config/--out/--table against the current directory; the config's evaluator.table
 * against the repository root. Exit status: 0 done, 1 failed while running, 2 bad arguments, config or dataset file (the parser's message).
 * Ctrl-C stops the search after the candidate in flight and still writes what was done. With --checkpoint FILE the
 * run is saved there after every candidate and when it stops, and a run whose FILE exists continues from it.
 * --resume FILE continues a run file from its checkpoint (its config; --budget raises the query budget) and
 * writes the continued run back to FILE unless --out names another file: the same trajectory as one run.
 * A config with a `finalists` section (src/shared/finalists-spec.ts: top k, Pareto front, recipe, targets) then
 * re-trains the best candidates and tests each once on the locked test split, as `npm run finalists` does; the
 * summary line and the --out file carry "finalists" (that command's JSON). A stopped search skips this stage.
 * --resume keeps the file's finalists when it rewrites it (a fresh finalist of the same candidate and recipe replaces one).
 * The search itself is the engine's core, hosted by scripts/node/search-run.ts (the search worker hosts the same).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseRunConfig, RunConfigError, type EvaluatorConfig, type RunConfig } from '../src/shared/run-config';
import type { SearchCheckpoint, SearchEvent } from '../src/engine/search/loop';
import { isStrategyName, STRATEGY_NAMES } from '../src/engine/strategy/registry';
import { TableParseError } from '../src/engine/data/nb201-table';
import { DatasetFormatError } from '../src/engine/data/errors';
import { splitFingerprint } from '../src/engine/data/splits';
import { loadDatasetFiles, type FileDataset } from './node/dataset-file';
import { CliUsageError as UsageError, runSearchConfig } from './node/search-run';
import { cliRunFile, readRunFileToResume } from './node/run-file-io';
import { runFinalists } from './node/finalists-run';
import { parseTargets } from '../src/shared/targets';
import { mergeRunFileFinalists, type RunFileFinalist } from '../src/shared/run-file-finalists';
import { isOneShotInvocation, oneShotErrorCode, runOneShotCli } from './oneshot-cli';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = 'usage: npm run search -- --config FILE [--strategy NAME] [--seed N] [--budget N] [--out run.json] [--table PATH] [--checkpoint FILE] [--dataset PATH... [--test PATH...]]\n' +
  '       npm run search -- --resume run.json [--budget N] [--out FILE]';

interface Cli {
  config?: string;
  resume?: string;
  strategy?: string;
  seed?: number;
  budget?: number;
  out?: string;
  table?: string;
  checkpoint?: string;
  dataset: string[];
  test: string[];
}

function parseCli(argv: string[]): Cli {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        strategy: { type: 'string' },
        seed: { type: 'string' },
        budget: { type: 'string' },
        out: { type: 'string' },
        table: { type: 'string' },
        checkpoint: { type: 'string' },
        resume: { type: 'string' },
        dataset: { type: 'string', multiple: true },
        test: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.resume !== undefined) {
    const clash = (['config', 'strategy', 'seed', 'table', 'checkpoint'] as const).filter((k) => values[k] !== undefined);
    if (clash.length > 0) throw new UsageError(`--resume continues the run file's own config; it takes only --budget and --out (drop --${clash.join(', --')})`);
  } else if (!values.config) throw new UsageError(`--config FILE (or --resume run.json) is required\n${USAGE}`);
  const int = (flag: string, s: string | undefined, min: number): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) < min || !Number.isSafeInteger(Number(s))) throw new UsageError(`--${flag} must be an integer >= ${min}, got "${s}"`);
    return Number(s);
  };
  if (values.strategy !== undefined && !isStrategyName(values.strategy)) {
    throw new UsageError(`--strategy must be one of: ${STRATEGY_NAMES.join(', ')}; got "${values.strategy}"`);
  }
  const seed = int('seed', values.seed, 0);
  if (seed !== undefined && seed > 0xffffffff) throw new UsageError(`--seed must be < 2^32, got ${seed}`);
  const dataset = values.dataset ?? [];
  const test = values.test ?? [];
  if (test.length > 0 && dataset.length === 0) throw new UsageError(`--test needs --dataset (the training files)\n${USAGE}`);
  return {
    config: values.config, resume: values.resume, strategy: values.strategy, seed, budget: int('budget', values.budget, 1), out: values.out, table: values.table, checkpoint: values.checkpoint,
    dataset: dataset.map((p) => resolve(p)), test: test.map((p) => resolve(p)),
  };
}

function loadConfig(cli: Cli & { config: string }): RunConfig {
  const path = resolve(cli.config);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const cfg = parseRunConfig(raw);
  // Command-line overrides.
  let strategy = cfg.strategy;
  if (cli.strategy && cli.strategy !== cfg.strategy.name) {
    process.stderr.write(`search: --strategy ${cli.strategy} overrides the config's "${cfg.strategy.name}"; using ${cli.strategy}'s default options\n`);
    strategy = { name: cli.strategy as RunConfig['strategy']['name'], options: {} };
  }
  let evaluator: EvaluatorConfig = cfg.evaluator;
  if (cli.table !== undefined) {
    if (evaluator.kind !== 'tabular') throw new UsageError(`--table needs a config with evaluator.kind "tabular" (this one is "${evaluator.kind}")`);
    evaluator = { kind: 'tabular', table: resolve(cli.table) };
  } else if (evaluator.kind === 'tabular' && !isAbsolute(evaluator.table)) {
    evaluator = { kind: 'tabular', table: resolve(REPO_ROOT, evaluator.table) };
  }
  return {
    ...cfg,
    strategy,
    evaluator,
    seed: cli.seed ?? cfg.seed,
    budget: cli.budget !== undefined ? { queries: cli.budget } : cfg.budget,
  };
}

/**
 * A checkpoint resumes only on the data it was made on: beside FILE, FILE.data.json keeps the split fingerprint of
 * a --dataset run (no such file: the built-in MNIST subset); a resume whose data differs is refused (exit 2) instead of mixing scores.
 */
function guardCheckpointData(file: string, data: FileDataset | undefined): void {
  const side = `${file}.data.json`;
  const now = data ? splitFingerprint(data.split, data.ds) : 'builtin';
  if (existsSync(file)) {
    let was = 'builtin';
    if (existsSync(side)) {
      try {
        was = String((JSON.parse(readFileSync(side, 'utf8')) as { fingerprint?: unknown }).fingerprint);
      } catch (e) {
        throw new UsageError(`checkpoint data record ${side}: ${(e as Error).message}`);
      }
    }
    if (was !== now) throw new UsageError(`checkpoint ${file} was made on data with split ${was}; this run's data has split ${now} (give the same --dataset / --test, or a new --checkpoint)`);
    return;
  }
  if (data) writeFileSync(side, `${JSON.stringify({ fingerprint: now })}\n`);
}

async function main(): Promise<number> {
  // One-shot configs (DARTS / PC-DARTS / SPOS, the One-shot tab's format) run in scripts/oneshot-cli.ts.
  if (isOneShotInvocation(process.argv.slice(2))) return runOneShotCli(process.argv.slice(2), REPO_ROOT);
  const cli = parseCli(process.argv.slice(2));
  let cfg: RunConfig;
  let resumeFrom: SearchCheckpoint | undefined;
  let keptFinalists: readonly RunFileFinalist[] = [];
  if (cli.resume !== undefined) {
    const r = readRunFileToResume(resolve(cli.resume), REPO_ROOT);
    cfg = cli.budget !== undefined ? { ...r.config, budget: { queries: cli.budget } } : r.config;
    resumeFrom = r.resumeFrom;
    keptFinalists = r.finalists;
    process.stderr.write(`search: resuming run file ${resolve(cli.resume)} after ${resumeFrom?.nextId ?? 0} candidates\n`);
  } else cfg = loadConfig({ ...cli, config: cli.config ?? '' });
  const outPath = cli.out ?? cli.resume;
  const budgetText = [cfg.budget.queries !== undefined ? `${cfg.budget.queries} queries` : '', cfg.budget.simulatedSeconds !== undefined ? `${cfg.budget.simulatedSeconds} simulated s` : '']
    .filter(Boolean).join(' or ');
  process.stderr.write(`search: ${cfg.strategy.name} ${JSON.stringify(cfg.strategy.options)} seed ${cfg.seed}, budget ${budgetText}, objective ${JSON.stringify(cfg.objective)}\n`);

  const ac = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nsearch: interrupted, stopping after the candidate in flight\n');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  let lastTenth = -1;
  const onEvent = (e: SearchEvent) => {
    if (e.type === 'candidate' && e.entry.metrics.curve_stopped === 1) {
      const m = e.entry.metrics;
      process.stderr.write(`search:   candidate ${e.entry.id} stopped at epoch ${m.epochs}/${m.epochs_planned} (evaluator.curveStop): predicted ${m.predicted_final_acc.toFixed(1)}% at the last epoch, best objective so far ${m.curve_bar.toFixed(3)}\n`);
    }
    if (e.type !== 'progress') return;
    const tenth = Math.floor(e.fraction * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    const best = e.bestSoFar === null ? 'none feasible' : e.bestSoFar.toFixed(3);
    process.stderr.write(`search: ${String(Math.round(e.fraction * 100)).padStart(3)}%  ${e.queries} queries, ${e.simulatedTime.toFixed(0)} simulated s, best objective ${best}\n`);
  };
  let data: FileDataset | undefined;
  if (cli.dataset.length > 0) {
    if (cfg.evaluator.kind !== 'train') throw new UsageError(`--dataset needs a config with evaluator.kind "train" (this one is "${cfg.evaluator.kind}")`);
    data = await loadDatasetFiles(cli.dataset, cli.test);
    const origin = data.testOrigin.test === 'official' ? `official (${data.split.test.length} images from ${data.testOrigin.files.join(', ')})` : 'carved (stratified 10%)';
    process.stderr.write(`search: dataset ${data.name}: ${data.ds.count} images ${data.ds.shape.join('x')}, ${data.ds.classes.length} classes; split ${data.split.train.length} train / ${data.split.valid.length} validation / ${data.split.test.length} test; test split: ${origin}\n`);
  }
  if (cli.checkpoint !== undefined) guardCheckpointData(resolve(cli.checkpoint), data);
  const t0 = Date.now();
  let finalCheckpoint: SearchCheckpoint | null = null;
  const result = await runSearchConfig(cfg, {
    resumeFrom,
    onStop: (cp) => { finalCheckpoint = cp; },
    data,
    repoRoot: REPO_ROOT,
    log: (line) => process.stderr.write(`${line}\n`),
    signal: ac.signal,
    onEvent,
    checkpoint: cli.checkpoint !== undefined ? resolve(cli.checkpoint) : undefined,
  });
  process.off('SIGINT', onSigint);
  process.stderr.write(`search: ${result.stopReason} after ${result.queries} queries in ${Date.now() - t0} ms\n`);

  const best = result.best;
  const datasetInfo = data
    ? {
      dataset: {
        name: data.name, count: data.ds.count, train: data.split.train.length, valid: data.split.valid.length, test: data.split.test.length,
        testOrigin: data.testOrigin, files: { dataset: cli.dataset, test: cli.test }, fingerprint: splitFingerprint(data.split, data.ds),
      },
    }
    : {};
  // The config's finalists stage: re-train and test the best candidates right away (not after a stop).
  const finalists = cfg.finalists && result.stopReason !== 'aborted'
    ? await runFinalists({
      run: { label: 'this search', file: { config: cfg, log: result.log, ...(data ? { datasetFingerprint: splitFingerprint(data.split, data.ds) } : {}) } },
      top: cfg.finalists.top,
      pareto: cfg.finalists.pareto,
      recipe: cfg.finalists.recipe,
      targets: parseTargets(cfg.finalists.targets),
      dataset: data ? cli.dataset : 'builtin',
      test: cli.test,
      trainSamples: cfg.finalists.trainSamples,
      validSamples: cfg.finalists.validSamples,
      latency: true,
      repoRoot: REPO_ROOT,
      log: (line) => process.stderr.write(`${line}\n`),
    })
    : undefined;
  if (outPath) {
    const out = resolve(outPath);
    const backend = cfg.evaluator.kind === 'train' ? cfg.evaluator.backend : null;
    // A resumed file keeps its finalists (a fresh one of the same candidate and recipe replaces its old report).
    const fileFinalists = mergeRunFileFinalists(keptFinalists, finalists?.finalists ?? []);
    writeFileSync(out, `${JSON.stringify({ ...cliRunFile(cfg, result, finalCheckpoint, backend), ...datasetInfo, ...(fileFinalists.length > 0 ? { finalists: fileFinalists } : {}) }, null, 1)}\n`);
    process.stderr.write(`search: wrote ${out}\n`);
  }
  const summary = {
    strategy: cfg.strategy.name,
    seed: cfg.seed,
    queries: result.queries,
    best: best ? { arch: best.arch, valid_acc: best.metrics.valid_acc, test_acc: best.metrics.test_acc } : null,
    ...(data
      ? { dataset: { name: data.name, count: data.ds.count, train: data.split.train.length, valid: data.split.valid.length, test: data.split.test.length, testOrigin: data.testOrigin } }
      : {}),
    ...(finalists ? { finalists } : {}),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return result.stopReason === 'aborted' ? 130 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const bad = e instanceof UsageError || e instanceof DatasetFormatError || e instanceof RunConfigError || e instanceof TableParseError || oneShotErrorCode(e) === 2;
    process.stderr.write(`search: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(bad ? 2 : 1);
  },
);
