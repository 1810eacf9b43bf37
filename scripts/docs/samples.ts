import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A fenced TypeScript sample found in a Markdown file. */
export interface DocSample {
  /** Repository-relative path of the Markdown file. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: 'ts' | 'tsx';
  readonly code: string;
}

const FENCE = /^```(ts|tsx|typescript)\s*$/;

/** Markdown files whose samples must compile: the docs, the root README and every package README. */
export function documentationFiles(root: string): string[] {
  const files: string[] = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'reference' || entry === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.md')) files.push(path);
    }
  };
  walk(join(root, 'docs'));
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const readme = join(root, 'packages', pkg, 'README.md');
    if (statSync(readme, { throwIfNoEntry: false })?.isFile()) files.push(readme);
  }
  return files;
}

/** Every ```ts / ```tsx block of a Markdown text. */
export function extractSamples(markdown: string, file: string): DocSample[] {
  const samples: DocSample[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) body.push(lines[i] ?? '');
    samples.push({
      file,
      line: start + 1,
      language: open[1] === 'tsx' ? 'tsx' : 'ts',
      code: body.join('\n'),
    });
  }
  return samples;
}

/** All samples of the repository's documentation, with repository-relative file names. */
export function collectSamples(root: string): DocSample[] {
  return documentationFiles(root).flatMap((file) =>
    extractSamples(readFileSync(file, 'utf8'), relative(root, file)),
  );
}
