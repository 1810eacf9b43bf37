// Writes src/widget/widget-elements.generated.ts from the widget's Custom Elements Manifest.
// Run: `npm run generate:wrappers -w packages/react` (after the widget build wrote custom-elements.json).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CustomElementsManifest, generateWrappers } from '../src/widget/generate-wrappers';

const manifestPath = fileURLToPath(new URL('../../widget/custom-elements.json', import.meta.url));
const outputPath = fileURLToPath(new URL('../src/widget/widget-elements.generated.ts', import.meta.url));

if (!existsSync(manifestPath)) {
  console.error(`No ${manifestPath}: build the widget's manifest first. Nothing was written.`);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as CustomElementsManifest;
writeFileSync(outputPath, generateWrappers(manifest));
console.log(`wrote ${outputPath}`);
