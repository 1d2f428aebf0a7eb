/**
 * The words the tabs show (issue 15, item 8): a disconnected NB201 cell is recognised, yes/no flags read as words,
 * a space's size says what its decisions are, and the glossary explains every term the issue found unexplained.
 */
import { describe, expect, it } from 'vitest';
import { disconnectedCellReason, nb201Connected } from '../../src/shared/cell-connectivity';
import { formatMetric } from '../../src/app/graph/metrics';
import { checkSpace, decisionsText } from '../../src/shared/space-check';
import { GLOSSARY, SEARCH_KNOB_HELP } from '../../src/shared/glossary';

const NONE6 = ['none', 'none', 'none', 'none', 'none', 'none'];

describe('NB201 cell connectivity', () => {
  it('finds a path from input to output through non-none edges', () => {
    expect(nb201Connected(NONE6)).toBe(false);
    // Only the direct edge 0 -> 3 (edge 3).
    expect(nb201Connected(['none', 'none', 'none', 'skip_connect', 'none', 'none'])).toBe(true);
    // 0 -> 1 -> 3 (edges 0 and 4).
    expect(nb201Connected(['nor_conv_3x3', 'none', 'none', 'none', 'avg_pool_3x3', 'none'])).toBe(true);
    // 0 -> 1 -> 2 -> 3 (edges 0, 2, 5).
    expect(nb201Connected(['nor_conv_1x1', 'none', 'skip_connect', 'none', 'none', 'nor_conv_3x3'])).toBe(true);
    // Node 2 reached, but nothing leaves it to 3; node 1 never reached.
    expect(nb201Connected(['none', 'nor_conv_3x3', 'none', 'none', 'nor_conv_3x3', 'none'])).toBe(false);
  });

  it('says why a derived cell is no model, and nothing for a connected one or another space', () => {
    expect(disconnectedCellReason('nb201', { ops: NONE6 })).toMatch(/^This cell is disconnected: every edge is 'none' from the input to the output/);
    expect(disconnectedCellReason('nb201', { ops: ['none', 'nor_conv_3x3', 'none', 'none', 'nor_conv_3x3', 'none'] })).toContain("its 4 'none' edges cut every path");
    expect(disconnectedCellReason('nb201', { ops: ['skip_connect', ...NONE6.slice(1, 3), 'nor_conv_3x3', ...NONE6.slice(4)] })).toBeNull();
    expect(disconnectedCellReason('darts', { normal: [] })).toBeNull();
    expect(disconnectedCellReason('nb201', undefined)).toBeNull();
  });
});

describe('words', () => {
  it('shows yes/no flags as words, not 0.000', () => {
    expect(formatMetric('stopped_early', 0)).toBe('no');
    expect(formatMetric('stopped_early', 1)).toBe('yes');
    expect(formatMetric('curve_stopped', 1)).toBe('yes');
    expect(formatMetric('valid_acc', 91.6)).toBe('91.60 %');
  });

  it('names a space\'s decisions: 6 edges x 5 ops for NB201', () => {
    expect(checkSpace({ space: 'nb201' })).toMatchObject({ ok: true, size: '15625', decisions: '6 edges × 5 ops' });
    expect(decisionsText('darts', [2, 2, 3])).toBe('3 choices of 2 to 3 options');
    expect(decisionsText('mobile', [4, 4])).toBe('2 choices × 4 options');
  });

  it('explains every term the tabs use and every Search knob in one line', () => {
    const terms = GLOSSARY.map((g) => g.term).join(' | ');
    for (const t of ['~0', 'C and N', 'Zero-cost', 'Pareto front cost', 'Objective', 'Fits', 'p10–p90', 'Entropy reg. λ', 'DARTS+', 'Eigenvalue']) expect(terms).toContain(t);
    for (const g of GLOSSARY) expect(g.text).not.toContain('\n');
    for (const help of Object.values(SEARCH_KNOB_HELP)) expect(help.length).toBeGreaterThan(10);
  });
});
