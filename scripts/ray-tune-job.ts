/**
 * Writes the generated Ray Tune job (src/engine/export/ray-tune.ts) for any built-in space:
 *
 *   npm run ray-tune-job -- --out nas_tune.py [--space nb201|darts|mobile] [--space-config FILE] [--config RUN.json]
 *     [--ops a,b,...] [--channels C] [--cells N] [--skeleton JSON] [--epochs 12] [--batch-size 64] [--lr 0.05]
 *     [--weight-decay 0.0005] [--seed 0]
 *
 * The space: --space NAME (the full published space), --space-config FILE (JSON: a space config, or a name, as a
 * run config's "space" field; examples/README.md) or --config RUN.json (a search's run config: its space, and C and
 * N from its train evaluator); default nb201. --ops restricts an nb201 or darts space's ops. The skeleton: C and N
 * as in a run config (shared/skeleton-rules.ts: NB201 channels and cells per stage, DARTS channels per node and
 * cells, mobile stem channels; default 16 and 5), then --skeleton's fields of the space's own skeleton (e.g.
 * '{"stemMultiplier": 3}' or '{"headMultiplier": 2}').
 * Then, on a machine with torch and ray[tune]: python3 nas_tune.py --data-path DIR --num-samples N --address auto
 * (examples/README.md, "Run the search on a Ray cluster"). Exit status: 0 written, 2 bad arguments.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportRayTuneJob } from '../src/engine/export/ray-tune';
import { spaceEntry } from '../src/engine/space/table';
import { parseRunConfig, RunConfigError } from '../src/shared/run-config';
import { parseSpaceConfig, SpaceConfigError, type SpaceConfig } from '../src/shared/space-config';

function num(name: string, raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  return v;
}

function readJson(flag: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--${flag} ${file}: cannot read it (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`--${flag} ${file}: not valid JSON (${(e as Error).message})`);
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' }, space: { type: 'string' }, 'space-config': { type: 'string' }, config: { type: 'string' },
      ops: { type: 'string' }, channels: { type: 'string' }, cells: { type: 'string' }, skeleton: { type: 'string' },
      epochs: { type: 'string', default: '12' }, 'batch-size': { type: 'string', default: '64' }, lr: { type: 'string', default: '0.05' },
      'weight-decay': { type: 'string', default: '0.0005' }, seed: { type: 'string', default: '0' },
    },
    strict: true,
  });
  if (!values.out) throw new Error('--out FILE is required (the Python file to write, e.g. nas_tune.py)');
  const sources = (['space', 'space-config', 'config'] as const).filter((k) => values[k] !== undefined);
  if (sources.length > 1) throw new Error(`give the space once: --${sources.join(' and --')} both name one`);

  let raw: unknown = values.space ?? 'nb201';
  let C = 16;
  let N = 5;
  if (values['space-config'] !== undefined) raw = readJson('space-config', values['space-config']);
  if (values.config !== undefined) {
    const run = parseRunConfig(readJson('config', values.config));
    raw = run.space;
    if (run.evaluator.kind === 'train') ({ channels: C, cellsPerStage: N } = run.evaluator);
  }
  let input: unknown = typeof raw === 'string' ? { space: raw } : raw;
  if (values.ops !== undefined) {
    if (typeof input !== 'object' || input === null) throw new Error('--ops needs a space config object');
    input = { ...input, ops: values.ops.split(',').map((s) => s.trim()) };
  }
  const spaceConfig: SpaceConfig = parseSpaceConfig(input);
  if (values.channels !== undefined) C = num('channels', values.channels);
  if (values.cells !== undefined) N = num('cells', values.cells);

  const entry = spaceEntry(spaceConfig.space);
  const published = entry.skeleton({});
  // C and N through the space's own run mapping; the input shape and classes come from the data.
  const fromRun = Object.fromEntries(Object.entries(entry.runSkeleton({ channels: C, cellsPerStage: N }, published.inputShape, published.numClasses))
    .filter(([k]) => k !== 'inputShape' && k !== 'numClasses'));
  let extra: object = {};
  if (values.skeleton !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.skeleton);
    } catch (e) {
      throw new Error(`--skeleton must be a JSON object, e.g. '{"stemMultiplier": 3}' (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--skeleton must be a JSON object, got ${values.skeleton}`);
    extra = parsed;
  }
  const source = exportRayTuneJob({
    spaceConfig,
    skeleton: { ...fromRun, ...extra },
    recipe: {
      epochs: num('epochs', values.epochs), batchSize: num('batch-size', values['batch-size']),
      lr: num('lr', values.lr), weightDecay: num('weight-decay', values['weight-decay']),
    },
    datasetFormat: 'idx',
    seed: num('seed', values.seed),
  });
  writeFileSync(values.out, source);
  console.log(JSON.stringify({ out: values.out, space: spaceConfig }));
}

try {
  main();
} catch (e) {
  const msg = e instanceof SpaceConfigError || e instanceof RunConfigError || e instanceof Error ? e.message : String(e);
  console.error(`ray-tune-job: ${msg}`);
  process.exit(2);
}
