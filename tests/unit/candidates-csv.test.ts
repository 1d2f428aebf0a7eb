/**
 * A run's candidates as CSV (src/app/runs/candidates-csv.ts): every record reads back field by field through a
 * strict RFC 4180 reader, including a failure reason and a run-made genotype text with commas, quotes and line
 * breaks; statuses say failed / stopped early / infeasible / ok.
 */
import { describe, expect, it } from 'vitest';
import { CANDIDATE_CSV_HEADER, candidatesCsv, candidatesCsvName, csvField } from '../../src/app/runs/candidates-csv';
import type { CandidateRecord } from '../../src/protocol/run';
import { parseCsv } from '../helpers/csv-parse';

const base = { version: 3, runId: 'r', space: 'nb201' as const, genotype: {}, backend: 'wasm' as const, createdAt: 0, curve: [] };
const CANDIDATES: CandidateRecord[] = [
  { ...base, id: 0, arch: '|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|', hash: 'h0', parents: [],
    metrics: { valid_acc: 91.25, params: 12345, flops: 2_500_000, latency_ms: 1.5, latency_p10_ms: 1.25, latency_p90_ms: 2 }, objective: 91.25, feasible: true },
  { ...base, id: 1, arch: 'a,"b"\ncell', hash: 'h1', parents: [0], metrics: { valid_acc: 10, failed: 1 }, objective: null, feasible: false,
    error: 'diverged: loss was NaN at epoch 2, "batch 7"\r\nretry with a lower learning rate' },
  { ...base, id: 2, arch: 'x', hash: 'h2', parents: [0, 1], metrics: { valid_acc: 50, curve_stopped: 1, flops: 1e6 }, objective: 50, feasible: true },
  { ...base, id: 3, arch: 'y', hash: 'h3', parents: [], metrics: { valid_acc: 60, latency_ms: 12 }, objective: null, feasible: false },
];

describe('candidates CSV', () => {
  it('quotes only what RFC 4180 needs', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('reads back to the stored candidates, field by field', () => {
    const rows = parseCsv(candidatesCsv(CANDIDATES));
    expect(rows[0]).toEqual([...CANDIDATE_CSV_HEADER]);
    expect(rows).toHaveLength(CANDIDATES.length + 1);
    const col = (name: (typeof CANDIDATE_CSV_HEADER)[number]) => CANDIDATE_CSV_HEADER.indexOf(name);
    CANDIDATES.forEach((c, i) => {
      const r = rows[i + 1];
      expect(r).toHaveLength(CANDIDATE_CSV_HEADER.length);
      expect(Number(r[col('id')])).toBe(c.id);
      expect(r[col('genotype')]).toBe(c.arch);
      expect(r[col('hash')]).toBe(c.hash);
      expect(r[col('failure_reason')]).toBe(c.error ?? '');
      expect(r[col('parents')].split(' ').filter(Boolean).map(Number)).toEqual(c.parents);
      expect(r[col('val_acc_pct')] === '' ? undefined : Number(r[col('val_acc_pct')])).toBe(c.metrics.valid_acc);
      expect(r[col('mflops')] === '' ? undefined : Number(r[col('mflops')]) * 1e6).toBe(c.metrics.flops);
      expect(r[col('latency_ms')] === '' ? undefined : Number(r[col('latency_ms')])).toBe(c.metrics.latency_ms);
      expect(r[col('objective')] === '' ? null : Number(r[col('objective')])).toBe(c.objective);
      expect(r[col('fits')]).toBe(c.feasible ? 'yes' : 'no');
      expect(r[col('backend')]).toBe(c.backend);
    });
    expect(rows.slice(1).map((r) => r[CANDIDATE_CSV_HEADER.indexOf('status')])).toEqual(['ok', 'failed', 'stopped early', 'infeasible']);
  });

  it('names the file after the run', () => {
    expect(candidatesCsvName('NB201 random search on MNIST')).toBe('nb201-random-search-on-mnist.candidates.csv');
    expect(candidatesCsvName('???')).toBe('run.candidates.csv');
  });
});
