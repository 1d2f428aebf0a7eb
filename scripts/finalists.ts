/**
 * Re-train the finalists of a saved search run and test them honestly (issue 13, items 1, 2 and 9):
 *
 *   npm run finalists -- --run run.json [--top 3] [--recipe recipe.json] [--dataset builtin|PATH... [--test PATH...]] [--epochs N]
 *                        [--seed N] [--train-samples N] [--valid-samples N] [--channels C] [--cells N]
 *                        [--hint digit-like|natural] [--pareto] [--no-latency] [--target "recall[3] >= 0.9"]...
 *                        [--checkpoint DIR] [--hpo] [--baselines resnet,mobilenet] [--distill narrow|resnet-0.5|mobilenet-0.5
 *                        [--kd-temperature 4] [--kd-alpha 0.9]]
 *
 * Reads the run file written by `npm run search -- --out run.json` (or a one-shot run file: its selected
 * architectures first, each re-trained at the supernet's own skeleton and reported with the supernet it was ranked
 * in as "lineage"), picks the top k candidates by objective (ties: earliest id; --pareto adds the run's Pareto front), re-trains each from scratch with the recipe (format:
 * src/shared/finalist-recipe.ts; --epochs overrides its epochs), evaluates each ONCE on the locked test split,
 * and prints one JSON document {finalists: [{id, arch, hash, params, macs, valid_acc, test: {...}, targets?}]}
 * on stdout; progress goes to stderr. With --checkpoint DIR each finalist's state is saved after every epoch and a
 * stopped run continues from it; a finalist already tested there is reported from its file, not tested again.
 * --hpo (or the recipe's "hpo": {"enabled": true}) first chooses each finalist's learning rate and weight decay by
 * successive halving on validation; each finalist's JSON then holds "hpo": {trials, chosen}.
 * --baselines adds hand-designed networks (a small ResNet, a small MobileNetV2; "-0.5" halves their widths) trained
 * with the same recipe ({baselines: [{name, description, ...}]}); --distill trains a student from the best finalist
 * by validation accuracy (soft targets at --kd-temperature mixed with the hard loss by --kd-alpha) and the same
 * student alone ({distillation: {teacher, student, alone, distilled}}). stderr ends with one comparison table. Exit status: 0 done, 1 failed, 2 bad arguments, run file or recipe.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseTargets, TargetError } from '../src/shared/targets';
import { BaselineNameError, baselineName, parseBaselineName, type BaselineSpec } from '../src/shared/baselines';
import { readRecipeFile, runFinalists } from './node/finalists-run';
import { CliUsageError } from './node/search-run';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run finalists -- --run run.json [--top 3] [--recipe recipe.json] [--dataset builtin|PATH... [--test PATH...]] [--epochs N] [--seed N] '
  + '[--train-samples N] [--valid-samples N] [--channels C] [--cells N] [--hint digit-like|natural] [--pareto] [--no-latency] [--target TEXT]... [--checkpoint DIR] [--hpo] '
  + '[--baselines resnet,mobilenet] [--distill narrow|resnet-0.5|mobilenet-0.5 [--kd-temperature 4] [--kd-alpha 0.9]]';

function baselineSpec(flag: string, name: string): BaselineSpec {
  try {
    return parseBaselineName(name);
  } catch (e) {
    if (e instanceof BaselineNameError) throw new CliUsageError(`--${flag}: ${e.message}`);
    throw e;
  }
}

/** A number in [min, max] (exclusive of min when `open`). */
function real(flag: string, s: string | undefined, fallback: number, min: number, max: number, open: boolean): number {
  if (s === undefined) return fallback;
  const x = Number(s);
  if (s.trim() === '' || !Number.isFinite(x) || (open ? x <= min : x < min) || x > max) {
    throw new CliUsageError(`--${flag} must be a number in ${open ? '(' : '['}${min}, ${max}], got "${s}"`);
  }
  return x;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        run: { type: 'string' },
        top: { type: 'string' },
        recipe: { type: 'string' },
        dataset: { type: 'string', multiple: true },
        test: { type: 'string', multiple: true },
        epochs: { type: 'string' },
        seed: { type: 'string' },
        'train-samples': { type: 'string' },
        'valid-samples': { type: 'string' },
        channels: { type: 'string' },
        cells: { type: 'string' },
        hint: { type: 'string' },
        pareto: { type: 'boolean' },
        'no-latency': { type: 'boolean' },
        target: { type: 'string', multiple: true },
        checkpoint: { type: 'string' },
        hpo: { type: 'boolean' },
        baselines: { type: 'string', multiple: true },
        distill: { type: 'string' },
        'kd-temperature': { type: 'string' },
        'kd-alpha': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new CliUsageError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.run) throw new CliUsageError(`--run FILE is required\n${USAGE}`);
  const int = (flag: string, s: string | undefined, min: number): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) < min || !Number.isSafeInteger(Number(s))) throw new CliUsageError(`--${flag} must be an integer >= ${min}, got "${s}"`);
    return Number(s);
  };
  const hint = values.hint;
  if (hint !== undefined && hint !== 'digit-like' && hint !== 'natural') throw new CliUsageError(`--hint must be digit-like or natural, got "${hint}"`);
  let targets;
  try {
    targets = parseTargets(values.target ?? []);
  } catch (e) {
    if (e instanceof TargetError) throw new CliUsageError(`--target: ${e.message}`);
    throw e;
  }
  const baselines = (values.baselines ?? []).flatMap((v) => v.split(',')).map((n) => baselineSpec('baselines', n));
  const seen = new Set<string>();
  for (const [i, b] of baselines.entries()) {
    const name = baselineName(b);
    if (seen.has(name)) throw new CliUsageError(`--baselines: "${(values.baselines ?? []).flatMap((v) => v.split(','))[i]}" names ${name} twice`);
    seen.add(name);
  }
  const distillKind = values.distill;
  if (distillKind === undefined && (values['kd-temperature'] !== undefined || values['kd-alpha'] !== undefined)) {
    throw new CliUsageError('--kd-temperature and --kd-alpha need --distill narrow|resnet-0.5|mobilenet-0.5');
  }
  const distill = distillKind === undefined ? undefined : {
    student: distillKind === 'narrow' ? 'narrow' as const : baselineSpec('distill', distillKind),
    temperature: real('kd-temperature', values['kd-temperature'], 4, 0, 100, true),
    alpha: real('kd-alpha', values['kd-alpha'], 0.9, 0, 1, false),
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const recipe = readRecipeFile(values.recipe !== undefined ? resolve(values.recipe) : undefined, int('epochs', values.epochs, 1), log, values.hpo ?? false);
  const out = await runFinalists({
    run: resolve(values.run),
    top: int('top', values.top, 1) ?? 3,
    recipe,
    dataset: values.dataset === undefined || (values.dataset.length === 1 && values.dataset[0] === 'builtin') ? 'builtin' : values.dataset.map((p) => resolve(p)),
    test: (values.test ?? []).map((p) => resolve(p)),
    seed: int('seed', values.seed, 0),
    trainSamples: int('train-samples', values['train-samples'], 1),
    validSamples: int('valid-samples', values['valid-samples'], 1),
    channels: int('channels', values.channels, 1),
    cellsPerStage: int('cells', values.cells, 1),
    hint,
    pareto: values.pareto ?? false,
    latency: !(values['no-latency'] ?? false),
    targets,
    checkpoint: values.checkpoint !== undefined ? resolve(values.checkpoint) : undefined,
    baselines,
    distill,
    repoRoot: REPO_ROOT,
    log,
  });
  process.stdout.write(`${JSON.stringify(out)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`finalists: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof CliUsageError ? 2 : 1);
  },
);
