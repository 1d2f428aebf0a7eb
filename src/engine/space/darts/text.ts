/**
 * The DARTS genotype text form (Liu et al., ICLR 2019; the repr of quark0/darts' Genotype namedtuple):
 * `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])`.
 * The parser accepts either quote style, any whitespace, fields in any order, a trailing comma,
 * and `range(a, b)` for a concat list; the printer writes the form above exactly.
 */
import { checkDartsGenotype, type DartsEdge, type DartsGenotype } from './genotype';
import type { DartsGenotypeOp } from '../../../shared/space-vocab';

const FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
type Field = (typeof FIELDS)[number];

export function dartsToString(g: DartsGenotype): string {
  const cell = (edges: readonly DartsEdge[]) => `[${edges.map(([op, i]) => `('${op}', ${i})`).join(', ')}]`;
  const list = (xs: readonly number[]) => `[${xs.join(', ')}]`;
  return `Genotype(normal=${cell(g.normal)}, normal_concat=${list(g.normal_concat)}, reduce=${cell(g.reduce)}, reduce_concat=${list(g.reduce_concat)})`;
}

type Token = { kind: 'ident' | 'int' | 'str' | 'punct'; text: string; pos: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|(-?\d+)|'([^']*)'|"([^"]*)"|([()[\],=]))/y;
  let pos = 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
    if (pos >= text.length) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`DARTS genotype text: unexpected character ${JSON.stringify(text[pos])} at position ${pos}`);
    const start = m.index + m[0].length - m[0].trimStart().length;
    if (m[1] !== undefined) tokens.push({ kind: 'ident', text: m[1], pos: start });
    else if (m[2] !== undefined) tokens.push({ kind: 'int', text: m[2], pos: start });
    else if (m[3] !== undefined || m[4] !== undefined) tokens.push({ kind: 'str', text: m[3] ?? m[4] ?? '', pos: start });
    else tokens.push({ kind: 'punct', text: m[5], pos: start });
    pos = re.lastIndex;
  }
  return tokens;
}

/** Parses the DARTS text form; the result is checked like `checkDartsGenotype` (ops, inputs, concat). */
export function dartsFromString(text: string): DartsGenotype {
  if (typeof text !== 'string') throw new Error(`DARTS genotype text must be a string, got ${typeof text}`);
  const tokens = tokenize(text);
  let k = 0;
  const where = () => (k < tokens.length ? `at position ${tokens[k].pos} ("${tokens[k].text}")` : 'at the end of the text');
  const fail = (what: string): never => { throw new Error(`DARTS genotype text: expected ${what} ${where()}`); };
  const punct = (p: string) => { if (tokens[k]?.kind === 'punct' && tokens[k].text === p) { k++; return true; } return false; };
  const expect = (p: string) => { if (!punct(p)) fail(`'${p}'`); };
  const int = (): number => { const t = tokens[k]; if (t?.kind !== 'int') return fail('an integer'); k++; return Number(t.text); };
  const ident = (): string => { const t = tokens[k]; if (t?.kind !== 'ident') return fail('a name'); k++; return t.text; };

  // list := '[' (item (',' item)*)? ','? ']' ; item := '(' str ',' int ')' | int ; or range(a, b)
  const value = (field: Field): unknown[] => {
    if (tokens[k]?.kind === 'ident' && tokens[k].text === 'range') {
      k++;
      expect('(');
      const a = int();
      expect(',');
      const b = int();
      expect(')');
      return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
    }
    expect('[');
    const items: unknown[] = [];
    while (!punct(']')) {
      if (punct('(')) {
        const t = tokens[k];
        if (t?.kind !== 'str') fail(`a quoted op name in ${field}`);
        k++;
        expect(',');
        const input = int();
        punct(',');
        expect(')');
        items.push([t.text as DartsGenotypeOp, input]);
      } else if (tokens[k]?.kind === 'int') {
        items.push(int());
      } else {
        fail(`('op', input) or an integer in ${field}`);
      }
      if (!punct(',')) { expect(']'); break; }
    }
    return items;
  };

  if (ident() !== 'Genotype') { k--; fail("'Genotype('"); }
  expect('(');
  const fields: Partial<Record<Field, unknown[]>> = {};
  while (!punct(')')) {
    const at = where();
    const name = ident();
    if (!(FIELDS as readonly string[]).includes(name)) throw new Error(`DARTS genotype text: unknown field "${name}" ${at} (fields: ${FIELDS.join(', ')})`);
    if (fields[name as Field]) throw new Error(`DARTS genotype text: field "${name}" given twice ${at}`);
    expect('=');
    fields[name as Field] = value(name as Field);
    if (!punct(',')) { expect(')'); break; }
  }
  if (k < tokens.length) fail('nothing after the closing parenthesis');
  const missing = FIELDS.filter((f) => !fields[f]);
  if (missing.length > 0) throw new Error(`DARTS genotype text: missing field(s) ${missing.join(', ')}`);
  return checkDartsGenotype(fields);
}
