/**
 * Writes the generated Ray Tune job (src/engine/export/ray-tune.ts) for the NAS-Bench-201 space:
 *
 *   npx tsx scripts/ray-tune-job.ts --out nas_tune.py [--ops nor_conv_3x3,nor_conv_1x1,avg_pool_3x3,skip_connect,none]
 *     [--channels 16] [--cells 5] [--epochs 12] [--batch-size 64] [--lr 0.05] [--weight-decay 0.0005] [--seed 0]
 *
 * Then, on a machine with torch and ray[tune]: python3 nas_tune.py --data-path DIR --num-samples N --address auto
 * (examples/README.md, "Run the search on a Ray cluster"). Exit status: 0 written, 2 bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportRayTuneJob } from '../src/engine/export/ray-tune';
import { parseNb201Config, SpaceConfigError } from '../src/shared/space-config';

function num(name: string, raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  return v;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' }, ops: { type: 'string' }, channels: { type: 'string', default: '16' },
      cells: { type: 'string', default: '5' }, epochs: { type: 'string', default: '12' },
      'batch-size': { type: 'string', default: '64' }, lr: { type: 'string', default: '0.05' },
      'weight-decay': { type: 'string', default: '0.0005' }, seed: { type: 'string', default: '0' },
    },
    strict: true,
  });
  if (!values.out) throw new Error('--out FILE is required (the Python file to write, e.g. nas_tune.py)');
  const spaceConfig = parseNb201Config(values.ops === undefined ? {} : { ops: values.ops.split(',').map((s) => s.trim()) });
  const source = exportRayTuneJob({
    spaceConfig,
    skeleton: { channels: num('channels', values.channels), cellsPerStage: num('cells', values.cells) },
    recipe: {
      epochs: num('epochs', values.epochs), batchSize: num('batch-size', values['batch-size']),
      lr: num('lr', values.lr), weightDecay: num('weight-decay', values['weight-decay']),
    },
    datasetFormat: 'idx',
    seed: num('seed', values.seed),
  });
  writeFileSync(values.out, source);
  console.log(JSON.stringify({ out: values.out, ops: spaceConfig.ops }));
}

try {
  main();
} catch (e) {
  const msg = e instanceof SpaceConfigError || e instanceof Error ? e.message : String(e);
  console.error(`ray-tune-job: ${msg}`);
  process.exit(2);
}
