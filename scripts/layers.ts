/**
 * The dependency direction of ../shared/DESIGN.md as a checkable rule set:
 *   shared   -> shared, valibot   (plain data both sides import: no tfjs, no DOM, no IndexedDB)
 *   engine   -> engine, shared, @tensorflow/tfjs-core, valibot, fflate   (no DOM, IndexedDB, backends, Math.random)
 *   protocol -> protocol, shared; engine TYPES only
 *   db       -> db, protocol, shared, idb; engine TYPES only
 *   workers  -> workers, engine, protocol, db, shared, any package
 *   app      -> app, protocol, db, shared, any package; engine TYPES only; never a worker's source
 * tsconfig libs catch DOM use in the engine; this catches imports that cross a layer the wrong way,
 * including from .svelte files, which tsc -b does not see.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export type Layer = 'shared' | 'engine' | 'protocol' | 'db' | 'workers' | 'app';

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const LAYER_DIRS: Record<Layer, string> = {
  shared: 'src/shared',
  engine: 'src/engine',
  protocol: 'src/protocol',
  db: 'src/db',
  workers: 'workers',
  app: 'src/app',
};

const ENGINE_PACKAGES = new Set(['@tensorflow/tfjs-core', 'valibot', 'fflate']);
const SHARED_PACKAGES = new Set(['valibot']);

/** Which layers each layer may import values from, and which only types from. */
const RULES: Record<Layer, { values: Layer[]; types: Layer[]; packages: 'shared' | 'engine' | 'db' | 'none' | 'any' }> = {
  shared: { values: ['shared'], types: ['shared'], packages: 'shared' },
  engine: { values: ['engine', 'shared'], types: ['engine', 'shared'], packages: 'engine' },
  protocol: { values: ['protocol', 'shared'], types: ['protocol', 'engine', 'shared'], packages: 'none' },
  db: { values: ['db', 'protocol', 'shared'], types: ['db', 'protocol', 'engine', 'shared'], packages: 'db' },
  workers: { values: ['workers', 'engine', 'protocol', 'db', 'shared'], types: ['workers', 'engine', 'protocol', 'db', 'shared'], packages: 'any' },
  app: { values: ['app', 'protocol', 'db', 'shared'], types: ['app', 'protocol', 'db', 'engine', 'shared'], packages: 'any' },
};

export function layerOf(root: string, file: string): Layer | null {
  const rel = path.relative(root, file).split(path.sep).join('/');
  for (const [layer, dir] of Object.entries(LAYER_DIRS) as [Layer, string][]) {
    if (rel === dir || rel.startsWith(dir + '/')) return layer;
  }
  return null;
}

const IMPORT_RE = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_RE = /import\(\s*['"]([^'"]+)['"]\s*\)/g;

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function scriptOf(file: string, text: string): string {
  if (!file.endsWith('.svelte')) return text;
  // Keep offsets (and so line numbers): blank out everything outside <script> blocks.
  return text.replace(/<script[^>]*>([\s\S]*?)<\/script>|[\s\S]/g, (m, body: string | undefined) => (body !== undefined ? m : m === '\n' ? '\n' : ' '));
}

export function checkFile(root: string, file: string, text: string): Violation[] {
  const from = layerOf(root, file);
  if (!from) return [];
  const rule = RULES[from];
  const src = scriptOf(file, text);
  const out: Violation[] = [];
  const relFile = path.relative(root, file);
  const check = (spec: string, typeOnly: boolean, index: number) => {
    const line = lineAt(src, index);
    if (spec.startsWith('.')) {
      const target = layerOf(root, path.resolve(path.dirname(file), spec));
      if (!target) return out.push({ file: relFile, line, message: `imports "${spec}", which is outside every layer` });
      const allowed = typeOnly ? rule.types : rule.values;
      if (!allowed.includes(target)) {
        const what = typeOnly ? 'types' : rule.types.includes(target) ? 'runtime code (only `import type` is allowed)' : 'anything';
        out.push({ file: relFile, line, message: `${from} must not import ${what} from ${target} ("${spec}")` });
      }
      return;
    }
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (rule.packages === 'shared' && !SHARED_PACKAGES.has(pkg)) out.push({ file: relFile, line, message: `shared must not import the package "${spec}" (allowed: ${[...SHARED_PACKAGES].join(', ')})` });
    if (rule.packages === 'engine' && !ENGINE_PACKAGES.has(pkg)) out.push({ file: relFile, line, message: `engine must not import the package "${spec}" (allowed: ${[...ENGINE_PACKAGES].join(', ')})` });
    if (rule.packages === 'db' && pkg !== 'idb' && !typeOnly) out.push({ file: relFile, line, message: `db must not import the package "${spec}" (only idb)` });
    if (rule.packages === 'none' && !typeOnly) out.push({ file: relFile, line, message: `protocol is types only; it must not import "${spec}"` });
  };
  for (const m of src.matchAll(IMPORT_RE)) {
    if (m[1] === 'export' && !m[3]) continue; // `export const ...` etc.
    const clause = m[3] ?? '';
    const typeOnly = Boolean(m[2]) || /^\{\s*(type\s+[\w$]+(\s+as\s+[\w$]+)?\s*,?\s*)+\}\s+from\s+$/.test(clause.trim() + ' ');
    check(m[4], typeOnly, m.index);
  }
  for (const m of src.matchAll(DYNAMIC_RE)) check(m[1], false, m.index);
  if (from === 'shared') {
    // Plain data and pure functions: the tab and a Node script alike must be able to load it.
    for (const m of src.matchAll(/\b(document|window|self|navigator|indexedDB|localStorage)\s*[.[]/g)) out.push({ file: relFile, line: lineAt(src, m.index), message: `shared must not use the DOM or worker globals ("${m[1]}")` });
  }
  if (from === 'engine' || from === 'shared') {
    for (const m of src.matchAll(/Math\.random\s*\(/g)) out.push({ file: relFile, line: lineAt(src, m.index), message: `${from} must not use Math.random: pass a seeded rng (src/engine/util/rng.ts)` });
  }
  return out;
}

function walk(dir: string, files: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, files);
    else if (/\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts')) files.push(p);
  }
  return files;
}

export function checkLayers(root: string): Violation[] {
  return Object.values(LAYER_DIRS).flatMap((dir) => {
    const abs = path.join(root, dir);
    try {
      statSync(abs);
    } catch {
      return [];
    }
    return walk(abs).flatMap((f) => checkFile(root, f, readFileSync(f, 'utf8')));
  });
}
