import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { checkFile, checkLayers } from '../../scripts/layers';

const root = path.resolve(import.meta.dirname, '../..');
const at = (rel: string) => path.join(root, rel);

describe('layering rules (DESIGN.md dependency direction)', () => {
  it('the repository itself has no violations', () => {
    expect(checkLayers(root)).toEqual([]);
  });

  it('rejects the engine importing the DOM-side layers, IndexedDB or a backend package', () => {
    const v = checkFile(root, at('src/engine/model/x.ts'), [
      "import { openDb } from '../../db';",
      "import '@tensorflow/tfjs-backend-wasm';",
      "import { openDB } from 'idb';",
      "import * as tf from '@tensorflow/tfjs-core';",
      "import type { Rng } from '../util/rng';",
      'const r = Math.random();',
    ].join('\n'));
    expect(v.map((x) => x.line)).toEqual([1, 2, 3, 6]);
    expect(v[0].message).toMatch(/engine must not import anything from db/);
    expect(v[1].message).toMatch(/package "@tensorflow\/tfjs-backend-wasm"/);
    expect(v[3].message).toMatch(/Math\.random/);
  });

  it('lets the app import engine types but not engine runtime code or worker source', () => {
    const v = checkFile(root, at('src/app/components/X.svelte'), [
      '<script lang="ts">',
      "  import type { Nb201Genotype } from '../../engine/space/nb201';",
      "  import { nb201Space } from '../../engine/space/nb201';",
      "  import { api } from '../../../workers/search.worker';",
      "  import { listRuns } from '../../db';",
      '</script>',
      '<p>{"import { x } from \'../../engine/y\'"}</p>',
    ].join('\n'));
    expect(v.map((x) => [x.line, x.message])).toEqual([
      [3, 'app must not import runtime code (only `import type` is allowed) from engine ("../../engine/space/nb201")'],
      [4, 'app must not import anything from workers ("../../../workers/search.worker")'],
    ]);
  });

  it('treats `import { type A, type B }` as type-only and protocol as types-only', () => {
    expect(checkFile(root, at('src/app/a.ts'), "import { type A, type B as C } from '../engine/space/types';")).toEqual([]);
    const v = checkFile(root, at('src/protocol/p.ts'), "import { createRng } from '../engine/util/rng';\nimport { openDB } from 'idb';");
    expect(v).toHaveLength(2);
  });

  it('keeps the shared layer pure (valibot only: no tfjs, no DOM, no other layer) and lets every layer import it', () => {
    const v = checkFile(root, at('src/shared/x.ts'), [
      "import * as v from 'valibot';",
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { NB201_OPS } from '../engine/space';",
      "import type { RunRecord } from '../protocol/run';",
      "import { openDb } from '../db';",
      'const w = document.body;',
      'const r = Math.random();',
    ].join('\n'));
    expect(v.map((x) => x.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(v[0].message).toMatch(/shared must not import the package "@tensorflow\/tfjs-core"/);
    expect(v[1].message).toMatch(/shared must not import anything from engine/);
    expect(v[4].message).toMatch(/shared must not use the DOM or worker globals \("document"\)/);
    expect(v[5].message).toMatch(/shared must not use Math\.random/);
    for (const file of ['src/engine/space/x.ts', 'src/protocol/x.ts', 'src/db/x.ts', 'src/app/x.ts', 'workers/x.ts']) {
      const spec = path.relative(path.dirname(at(file)), at('src/shared/space-config')).split(path.sep).join('/');
      expect(checkFile(root, at(file), `import { parseSpaceConfig } from '${spec.startsWith('.') ? spec : './' + spec}';`)).toEqual([]);
    }
  });
});
