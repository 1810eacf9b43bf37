// Writes src/widget/widget-elements.generated.ts from the widget's Custom Elements Manifest
// (packages/widget/dist/custom-elements.json, written by the widget build).
// Run: `npm run build` (or the widget build), then `npm run generate:wrappers -w packages/react`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type CustomElementsManifest,
  generateWrappers,
  WIDGET_INTERNAL_TAGS,
} from '../src/widget/generate-wrappers';

const manifestPath = fileURLToPath(new URL('../../widget/dist/custom-elements.json', import.meta.url));
const outputPath = fileURLToPath(new URL('../src/widget/widget-elements.generated.ts', import.meta.url));

if (!existsSync(manifestPath)) {
  console.error(`No ${manifestPath}: build the widget first (npm run build). Nothing was written.`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as CustomElementsManifest;
writeFileSync(outputPath, generateWrappers(manifest, { exclude: WIDGET_INTERNAL_TAGS }));
// Formatted the way the rest of the repository is, so lint stays clean.
spawnSync(
  fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url)),
  ['format', '--write', outputPath],
  {
    stdio: 'ignore',
  },
);
console.log(`wrote ${outputPath}`);
