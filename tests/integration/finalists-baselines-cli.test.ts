/**
 * `npm run finalists -- --baselines ... --distill ...`: hand-designed baselines trained with the finalists' recipe
 * and a student distilled from the best finalist by validation (and trained alone) come out in the JSON and in one
 * comparison table on stderr; a second run on the same checkpoint folder reuses every result. Bad options exit 2.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { baselineSource } from '../../src/engine/baselines/source';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs');
const node = (args: string[]) => [tsx, '--tsconfig', 'tsconfig.node.json', 'scripts/finalists.ts', ...args];

function runFile(dir: string): string {
  const run = path.join(dir, 'run.json');
  const log = [
    '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|',
    '|nor_conv_1x1~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|',
  ].map((arch, id) => ({ id, arch, hash: `h${id}`, metrics: { valid_acc: 50 - id }, objective: 50 - id, feasible: true }));
  writeFileSync(run, JSON.stringify({
    config: { version: 1, space: 'nb201', strategy: { name: 'random', options: {} }, seed: 4, budget: { queries: 2 }, evaluator: { kind: 'train', channels: 4, cellsPerStage: 1 } },
    log,
  }));
  return run;
}

describe('npm run finalists with baselines and distillation', () => {
  it('reports baselines and both students beside the finalists in one table, and reuses them on a second run', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-baselines-'));
    const args = ['--run', runFile(dir), '--top', '2', '--epochs', '1', '--train-samples', '128', '--valid-samples', '64', '--no-latency',
      '--baselines', 'resnet-0.5,mobilenet-0.5', '--distill', 'narrow', '--kd-temperature', '3', '--kd-alpha', '0.8', '--checkpoint', path.join(dir, 'ckpt')];
    const first = spawnSync(process.execPath, node(args), { cwd: root, encoding: 'utf8', timeout: 300_000 });
    expect(first.status, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout);
    const io = { inputShape: [28, 28, 1] as const, numClasses: 10 };
    expect(out.baselines.map((b: { name: string }) => b.name)).toEqual(['resnet-0.5', 'mobilenet-0.5']);
    out.baselines.forEach((b: { name: string; params: number; macs: number; description: string; retrain: { epochs: number }; test: { split: string } }, i: number) => {
      const src = baselineSource({ family: i === 0 ? 'resnet' : 'mobilenet', width: 0.5 }, io);
      expect(b.params).toBe(src.cost.params);
      expect(b.macs).toBe(src.cost.macs);
      expect(b.description).toBe(src.description);
      expect(b.retrain.epochs).toBe(1);
      expect(b.test.split).toBe('test');
    });
    const f: { id: number; valid_acc: number; params: number }[] = out.finalists;
    const best = f.reduce((a, b) => (b.valid_acc > a.valid_acc ? b : a));
    const d = out.distillation;
    expect(d.teacher).toBe(`finalist-${best.id}`);
    expect(d.student.description).toMatch(new RegExp(`^candidate ${best.id}'s genotype at C=2 \\(the teacher's C=4\\)`));
    expect(d.alone.params).toBe(d.distilled.params);
    expect(d.alone.params).toBeLessThan(best.params);
    expect(d.alone.test.split).toBe('test');
    expect(d.distilled.test.count).toBe(out.dataset.test);

    const table = first.stderr.slice(first.stderr.indexOf('TEST comparison')).split('\n').slice(1, 9);
    expect(table[0]).toMatch(/^model +test acc +macro recall +ECE +params +MACs +latency ms$/);
    expect(table.slice(2).map((l: string) => l.split(/ {2,}/)[0])).toEqual([
      `candidate ${f[0].id}`, `candidate ${f[1].id}`, 'baseline resnet-0.5', 'baseline mobilenet-0.5', 'student (alone)', 'student (distilled)',
    ]);

    const again = spawnSync(process.execPath, node(args), { cwd: root, encoding: 'utf8', timeout: 300_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/epoch \d\/1/);
    expect(again.stderr).toMatch(/student \(distilled\) was re-trained and tested before/);
    expect(JSON.parse(again.stdout)).toEqual(out);
  });

  it('exits 2 with a specific message on bad baseline or distillation options', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nas-baselines-bad-'));
    const run = runFile(dir);
    const cases: [string[], RegExp][] = [
      [['--baselines', 'resnet,vgg'], /--baselines: baseline "vgg": must be resnet or mobilenet/],
      [['--baselines', 'resnet,resnet-1'], /--baselines: "resnet-1" names resnet twice/],
      [['--distill', 'wide'], /--distill: baseline "wide": must be resnet or mobilenet/],
      [['--distill', 'narrow', '--kd-alpha', '2'], /--kd-alpha must be a number in \[0, 1\], got "2"/],
      [['--distill', 'narrow', '--kd-temperature', '0'], /--kd-temperature must be a number in \(0, 100\], got "0"/],
      [['--kd-alpha', '0.5'], /--kd-temperature and --kd-alpha need --distill/],
    ];
    for (const [extra, message] of cases) {
      const r = spawnSync(process.execPath, node(['--run', run, ...extra]), { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
