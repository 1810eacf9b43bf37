import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { documentationFiles } from './samples';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) found.add(slug(heading[1] as string));
  }
  return found;
}

describe('links between the guides', () => {
  it('every relative link leads to a file, and every #anchor to a heading', () => {
    const problems: string[] = [];
    for (const file of documentationFiles(root)) {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, (block) =>
        block.replace(/[^\n]/g, ' '),
      );
      text.split('\n').forEach((line, index) => {
        for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/.test(target as string)) continue;
          const [path = '', anchor] = (target as string).split('#');
          const resolved = path ? join(dirname(file), path) : file;
          const at = `${relative(root, file)}:${index + 1}: ${target}`;
          if (!existsSync(resolved)) problems.push(`${at} (no such file)`);
          else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md')) {
            if (!anchors(readFileSync(resolved, 'utf8')).has(anchor))
              problems.push(`${at} (no such heading)`);
          }
        }
      });
    }
    assert.deepEqual(problems, [], `broken links:\n${problems.join('\n')}`);
  });
});
