#!/usr/bin/env tsx
/** `npm run typecheck` step: fails when an import crosses a layer the wrong way (see scripts/layers.ts). */
import path from 'node:path';
import { checkLayers } from './layers';

const root = path.resolve(import.meta.dirname, '..');
const violations = checkLayers(root);
for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
if (violations.length > 0) {
  console.error(`\n${violations.length} layering violation(s). See ARCHITECTURE.md, "Dependency direction".`);
  process.exit(1);
}
console.log('layers: ok');
