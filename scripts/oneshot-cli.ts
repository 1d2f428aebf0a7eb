/**
 * The headless runner's one-shot mode: the same search as the One-shot tab's worker (engine/search/oneshot-run.ts)
 * under Node, on the built-in MNIST subset with the WASM (or CPU) backend.
 *
 *   npm run search -- --config examples/oneshot-darts.json [--seed N] [--epochs N] [--out run.json]
 *
 * scripts/search.ts hands a config here when it is a one-shot config (it has "method" and no "strategy"); the
 * format is the tab's configuration (engine/search/oneshot-config.ts; version-1 configs are migrated), as its
 * "Download JSON" export holds under "config". Progress goes to stderr; --out writes the run as a one-shot run
 * file (src/shared/oneshot-run-file.ts: config, outcome, the chart history the tab would store, every derived or
 * ranked architecture with its hash and supernet lineage; no supernet weights), which the One-shot tab's
 * "Import run" shows; `--resume` refuses it with the reason; the last stdout line is one JSON object
 * {"strategy","seed","queries","queries_unit","best":{"arch","valid_acc","test_acc"}}:
 *   queries: SPOS = subnets scored with inherited weights (queries_unit "subnets"); DARTS / PC-DARTS = supernet
 *   epochs run (queries_unit "epochs");
 *   best: SPOS = the top-ranked subnet, valid_acc its inherited-weight validation accuracy (%); DARTS = the derived
 *   genotype, valid_acc the supernet's validation accuracy (%) in its last epoch; test_acc is null (one-shot search
 *   never touches the test split).
 * Exit status: 0 done (or stopped early by DARTS+ / DARTS-ES), 1 failed, 2 bad arguments or config, 130 Ctrl-C.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MNIST_10K } from '../src/engine/data/builtin';
import { OneShotConfigError, validateOneShotConfig, type OneShotConfig } from '../src/engine/search/oneshot-config';
import { runOneShotSearch, type OneShotRunEvent } from '../src/engine/search/oneshot-run';
import { emptyOneShotHistory, foldOneShotEvent } from '../src/db/oneshot';
import { migrateOneShotConfig, type OneShotUiEvent } from '../src/protocol/oneshot-api';
import { oneShotCandidates } from '../src/shared/oneshot-lineage';
import { ONESHOT_FILE_NOTE, type OneShotRunFile } from '../src/shared/oneshot-run-file';
import { RUN_FILE_FORMAT, RUN_FILE_VERSION } from '../src/shared/run-file';
import { loadBuiltinMnist, setNodeBackend } from './node/builtin';

const USAGE = 'usage: npm run search -- --config ONESHOT.json [--seed N] [--epochs N] [--out run.json]';

export class OneShotUsageError extends Error {}

/** True when `argv`'s --config file is a one-shot config (has "method", no "strategy"); false on anything else. */
export function isOneShotInvocation(argv: readonly string[]): boolean {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i < 0) return false;
  const file = argv[i].startsWith('--config=') ? argv[i].slice('--config='.length) : argv[i + 1];
  if (!file) return false;
  try {
    const raw = JSON.parse(readFileSync(path.resolve(file), 'utf8')) as Record<string, unknown>;
    return typeof raw === 'object' && raw !== null && 'method' in raw && !('strategy' in raw);
  } catch {
    return false;
  }
}

interface Cli {
  readonly config: string;
  readonly seed?: number;
  readonly epochs?: number;
  readonly out?: string;
}

function parseCli(argv: string[]): Cli {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, seed: { type: 'string' }, epochs: { type: 'string' }, out: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new OneShotUsageError(`${(e as Error).message} (one-shot configs take --seed, --epochs, --out)\n${USAGE}`);
  }
  const int = (flag: string, s: string | undefined, min: number): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) < min || !Number.isSafeInteger(Number(s))) throw new OneShotUsageError(`--${flag} must be an integer >= ${min}, got "${s}"`);
    return Number(s);
  };
  return { config: values.config!, seed: int('seed', values.seed, 0), epochs: int('epochs', values.epochs, 1), out: values.out };
}

function loadConfig(cli: Cli): OneShotConfig {
  const file = path.resolve(cli.config);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new OneShotUsageError(`cannot read one-shot config ${file}: ${(e as Error).message}`);
  }
  const migrated = migrateOneShotConfig(raw) as Record<string, unknown>;
  const cfg = validateOneShotConfig({ ...migrated, ...(cli.seed !== undefined ? { seed: cli.seed } : {}), ...(cli.epochs !== undefined ? { epochs: cli.epochs } : {}) });
  if (cfg.datasetId !== MNIST_10K.id) throw new OneShotUsageError(`datasetId: the headless runner has only "${MNIST_10K.id}", got "${cfg.datasetId}"`);
  if (cfg.backend !== 'auto' && cfg.backend !== 'wasm' && cfg.backend !== 'cpu') throw new OneShotUsageError(`backend: under Node use "wasm", "cpu" or "auto" (= wasm), got "${cfg.backend}"`);
  return cfg;
}

export async function runOneShotCli(argv: string[], repoRoot: string): Promise<number> {
  const cli = parseCli(argv);
  const cfg = loadConfig(cli);
  const log = (line: string) => process.stderr.write(`oneshot: ${line}\n`);
  const backend = cfg.backend === 'cpu' ? 'cpu' : 'wasm';
  await setNodeBackend(backend);
  const { ds, split } = await loadBuiltinMnist(repoRoot);
  log(`${cfg.method} on the ${cfg.space} supernet, ${MNIST_10K.name}: ${cfg.trainSamples} train / ${cfg.validSamples} validation images, backend ${tf.getBackend()}, seed ${cfg.seed}`);

  const ac = new AbortController();
  const onSigint = () => {
    log('interrupted, stopping after the current step');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  let history = emptyOneShotHistory();
  let epochsRun = 0;
  let stepsPerEpoch = 0;
  let subnets = 0;
  const onEvent = (e: OneShotRunEvent) => {
    history = foldOneShotEvent(history, e as OneShotUiEvent);
    if (e.type === 'epoch') {
      epochsRun++;
      const valid = e.validAcc === null ? '' : `, valid loss ${e.validLoss?.toFixed(4)} acc ${e.validAcc.toFixed(1)}%`;
      log(`epoch ${e.epoch + 1}/${cfg.epochs}: train loss ${e.trainLoss.toFixed(4)}${valid}`);
    } else if (e.type === 'genotype') log(`  derived ${e.arch}${e.changed ? '' : ' (unchanged)'}`);
    else if (e.type === 'eigenvalue') log(`  Hessian eigenvalue ${e.value.toFixed(4)}`);
    else if (e.type === 'early-stop') log(`stopped early after epoch ${e.epoch + 1}: ${e.reason}`);
    else if (e.type === 'subnet') {
      subnets = e.index + 1;
      if (subnets === e.total || subnets % Math.max(1, Math.ceil(e.total / 10)) === 0) log(`  ranked ${subnets}/${e.total} subnets (latest ${e.subnet.arch}: ${e.subnet.accuracy.toFixed(1)}%)`);
    } else if (e.type === 'check-subnet') log(`  ranking check ${e.index + 1}/${e.total}: ${e.subnet.arch} supernet ${e.subnet.supernetScore.toFixed(1)}% standalone ${e.subnet.standaloneScore.toFixed(1)}%`);
    else if (e.type === 'ranking-check') log(`ranking check: Kendall tau ${e.result.kendallTau.toFixed(3)} over ${e.result.n} subnets`);
  };
  const t0 = Date.now();
  const outcome = await runOneShotSearch({ config: cfg, dataset: ds, split }, {
    signal: ac.signal,
    yieldNow: () => new Promise<void>((r) => setImmediate(r)),
    onEvent,
    save: async () => undefined,
    onStart: (info) => {
      stepsPerEpoch = info.stepsPerEpoch;
      log(`supernet: ${info.weights} weight tensors, ${info.stepsPerEpoch} steps per epoch`);
    },
  });
  process.off('SIGINT', onSigint);
  log(`${outcome.status} after ${epochsRun} epochs${cfg.method === 'spos' ? ` and ${subnets} ranked subnets` : ''} in ${Date.now() - t0} ms`);

  const spos = cfg.method === 'spos';
  const top = outcome.ranked?.[0];
  const best = spos
    ? (top ? { arch: top.arch, valid_acc: top.accuracy, test_acc: null } : null)
    : (outcome.derived ? { arch: outcome.derived.arch, valid_acc: outcome.derived.validAcc, test_acc: null } : null);
  const summary = { strategy: cfg.method, seed: cfg.seed, queries: spos ? subnets : epochsRun, queries_unit: spos ? 'subnets' : 'epochs', best };
  if (cli.out) {
    const out = path.resolve(cli.out);
    const runId = `cli-${randomUUID()}`;
    const file: OneShotRunFile = {
      format: RUN_FILE_FORMAT, version: RUN_FILE_VERSION, kind: 'oneshot', exportedAt: new Date().toISOString(), supernetWeights: 'not-included', note: ONESHOT_FILE_NOTE,
      runId, config: cfg, backend: tf.getBackend(), status: outcome.status, stopCause: outcome.stopCause, epoch: outcome.epoch, stepsPerEpoch,
      phase: outcome.status === 'done' ? 'done' : 'train', arch: best?.arch ?? null, candidates: oneShotCandidates(runId, cfg, history, outcome.epoch), history, checkpoint: null,
    };
    writeFileSync(out, `${JSON.stringify({ ...file, stopReason: outcome.stopReason, summary, rankingCheck: outcome.rankingCheck }, null, 1)}\n`);
    log(`wrote ${out}`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return outcome.status === 'paused' ? 130 : 0;
}

/** Exit code for an error thrown by runOneShotCli: 2 for bad arguments or config, 1 otherwise. */
export function oneShotErrorCode(e: unknown): number | null {
  return e instanceof OneShotUsageError || e instanceof OneShotConfigError ? 2 : null;
}
