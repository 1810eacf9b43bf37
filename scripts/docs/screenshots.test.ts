import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { documentationFiles } from './samples';
import { DOC_SCREENSHOTS } from './screenshots';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the guides’ screenshots', () => {
  it('every picture a guide shows is in docs/images and taken by an end-to-end test', () => {
    const known = new Set(DOC_SCREENSHOTS.map((screenshot) => screenshot.image));
    const problems: string[] = [];
    for (const file of documentationFiles(root)) {
      for (const [, path] of readFileSync(file, 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)) {
        const image = (path as string).replace(/^(\.\/)?(docs\/)?images\//, '');
        if (!known.has(image))
          problems.push(`${file.slice(root.length)}: ${path} is taken by no e2e test (DOC_SCREENSHOTS)`);
        else if (!existsSync(join(root, 'docs', 'images', image)))
          problems.push(
            `${file.slice(root.length)}: ${path} is missing (node --import tsx scripts/docs/screenshots.ts)`,
          );
      }
    }
    assert.deepEqual(problems, []);
  });

  it('every e2e test it names exists', () => {
    for (const { test } of DOC_SCREENSHOTS) assert.ok(existsSync(join(root, test)), test);
  });
});
