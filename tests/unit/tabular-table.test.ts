import { describe, expect, it } from 'vitest';
import { parseNb201Table, TableParseError, type TableErrorCode } from '../../src/engine/data/nb201-table';
import { TabularEvaluator, TabularLookupError } from '../../src/engine/evaluator/tabular';
import { nb201FromString } from '../../src/engine/space/nb201/space';

const A1 = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const A2 = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';
const A3 = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
const HEADER = 'index,arch,valid_acc,test_acc,train_time_s,pixel3_ms';
const good = [HEADER, `0,${A2},81.98,81.52,1444.2,3.6`, `1,${A1},90.77,90.51,2169.6,17.2`, `2,${A3},10,10,1000,0.5`, ''].join('\n');

function parseError(text: string): TableParseError {
  try {
    parseNb201Table(text, { source: 't.csv' });
  } catch (e) {
    expect(e).toBeInstanceOf(TableParseError);
    return e as TableParseError;
  }
  throw new Error('expected a TableParseError');
}

describe('NB201 table CSV parser', () => {
  it('parses rows, columns and metrics', () => {
    const t = parseNb201Table(good);
    expect(t.size).toBe(3);
    expect(t.columns).toEqual(['index', 'valid_acc', 'test_acc', 'train_time_s', 'pixel3_ms']);
    expect(t.accuracyColumns).toEqual(['valid_acc', 'test_acc']);
    expect(t.latencyColumns).toEqual(['pixel3_ms']);
    expect(t.get(A1)?.metrics).toEqual({ index: 1, valid_acc: 90.77, test_acc: 90.51, train_time_s: 2169.6, pixel3_ms: 17.2 });
    expect(t.get(`  ${A1} `)?.arch).toBe(A1);
    expect(t.getGenotype(nb201FromString(A3))?.metrics.valid_acc).toBe(10);
    expect(t.get('|none~0|')).toBeUndefined();
  });

  it('accepts CRLF, a BOM, quoted fields, blank lines and columns in any order', () => {
    const text = `\uFEFFvalid_acc,"arch"\r\n91.5,"${A1}"\r\n\r\n1e1,${A3}\r\n`;
    const t = parseNb201Table(text);
    expect(t.size).toBe(2);
    expect(t.get(A3)?.metrics).toEqual({ valid_acc: 10 });
  });

  const cases: [string, string, TableErrorCode, number, string | null, string][] = [
    ['missing arch column', 'index,valid_acc\n0,90', 'missing_column', 1, 'arch', 't.csv: line 1, column "arch": required column is missing (header: index, valid_acc)'],
    ['no accuracy column', `arch,train_time_s\n${A1},100`, 'missing_column', 1, 'valid_acc', 't.csv: line 1, column "valid_acc": no accuracy column: need at least one column ending in "_acc", e.g. valid_acc (header: arch, train_time_s)'],
    ['bad number', `arch,valid_acc,pixel3_ms\n${A1},90.1,3.2\n${A2},9O.5,1`, 'bad_number', 3, 'valid_acc', 't.csv: line 3, column "valid_acc": "9O.5" is not a number'],
    ['empty number', `arch,valid_acc,pixel3_ms\n${A1},90.1,`, 'bad_number', 2, 'pixel3_ms', 't.csv: line 2, column "pixel3_ms": empty value, expected a number'],
    ['Infinity is not a number here', `arch,valid_acc\n${A1},Infinity`, 'bad_number', 2, 'valid_acc', 't.csv: line 2, column "valid_acc": "Infinity" is not a number'],
    ['1e999 overflows like Infinity', `arch,valid_acc\n${A1},1e999`, 'bad_number', 2, 'valid_acc', 't.csv: line 2, column "valid_acc": "1e999" is out of range (overflows to infinity)'],
    ['duplicate arch', `arch,valid_acc\n${A1},90\n${A2},80\n${A1},91`, 'duplicate_arch', 4, 'arch', `t.csv: line 4, column "arch": duplicate arch ${A1} (first on line 2)`],
    ['too few fields', `arch,valid_acc,test_acc\n${A1},90,89\n${A2},80`, 'field_count', 3, null, 't.csv: line 3: expected 3 fields (as the header), got 2'],
    ['too many fields', `arch,valid_acc\n${A1},90,89`, 'field_count', 2, null, 't.csv: line 2: expected 2 fields (as the header), got 3'],
    ['bad arch', `arch,valid_acc\n|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,90`, 'bad_arch', 2, 'arch', 't.csv: line 2, column "arch": Unknown NB201 op "conv"'],
    ['duplicate column', `arch,valid_acc,valid_acc\n${A1},1,2`, 'duplicate_column', 1, 'valid_acc', 't.csv: line 1, column "valid_acc": column appears twice in the header'],
    ['empty file', '\n\n', 'empty', 0, null, 't.csv: table: no header row (the file is empty)'],
    ['header only', 'arch,valid_acc\n', 'empty', 1, null, 't.csv: line 1: the table has a header but no rows'],
    ['unterminated quote', `arch,valid_acc\n"${A1},90`, 'bad_quote', 2, null, 't.csv: line 2: unterminated quoted field'],
  ];
  it.each(cases)('%s', (_name, text, code, line, column, message) => {
    const e = parseError(text);
    expect(e.code).toBe(code);
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    expect(e.message.startsWith(message)).toBe(true);
  });
});

describe('tabular evaluator', () => {
  it('returns the row metrics without index, counts queries, rejects unknown archs and honours abort', async () => {
    const ev = new TabularEvaluator(parseNb201Table(good));
    const g = nb201FromString(A1);
    expect(ev.evaluateSync({ id: 0, genotype: g, hash: A1 })).toEqual({ valid_acc: 90.77, test_acc: 90.51, train_time_s: 2169.6, pixel3_ms: 17.2 });
    expect(await ev.evaluate({ id: 1, genotype: g, hash: A1 })).toEqual({ valid_acc: 90.77, test_acc: 90.51, train_time_s: 2169.6, pixel3_ms: 17.2 });
    expect(ev.queries).toBe(2);
    const missing = nb201FromString('|none~0|+|skip_connect~0|none~1|+|none~0|none~1|none~2|');
    expect(() => ev.evaluateSync({ id: 2, genotype: missing, hash: 'x' })).toThrow(TabularLookupError);
    expect(() => ev.evaluateSync({ id: 2, genotype: missing, hash: 'x' })).toThrow(/candidate 2\) is not in the table \(3 rows\)/);
    const ac = new AbortController();
    ac.abort();
    await expect(ev.evaluate({ id: 3, genotype: g, hash: A1 }, ac.signal)).rejects.toThrow();
    expect(ev.queries).toBe(2);
  });
});
