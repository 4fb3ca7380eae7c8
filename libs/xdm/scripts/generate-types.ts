// Writes libs/xdm/src/generated/{types,schemas}.ts from libs/xdm/schemas/**/*.avsc.
// Run: node -r @swc-node/register libs/xdm/scripts/generate-types.ts
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { renderGeneratedFiles } from './render';

for (const file of renderGeneratedFiles()) {
  writeFileSync(file.path, file.content);
  console.log(`wrote ${relative(process.cwd(), file.path)}`);
}
