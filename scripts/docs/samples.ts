import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * How the samples test treats a fenced block (docs/README.md, "Samples that run", is the convention for authors):
 *
 * - `run`: TypeScript executed with tsx in a child process against the test's server; it must exit on its own.
 * - `serves`: TypeScript that starts a server; it must print its URL, answer, and stop on SIGTERM.
 * - `browser`: TypeScript/TSX for a page; type-checked and bundled with esbuild, not run.
 * - `config`: JSON validated by the server's configuration validator (a fragment is merged into the demo config).
 * - `shell`: commands checked against the `helpline` CLI and the package scripts; `curl` lines run against the server.
 * - `not-run`: an explicit opt-out with its reason (TypeScript is still type-checked); counted and listed.
 * - `text`: markup, stylesheets, diagrams and output, which have nothing to execute.
 */
export type SampleMode = 'run' | 'serves' | 'browser' | 'config' | 'shell' | 'not-run' | 'text';

/** A fenced code block found in a Markdown file. */
export interface DocSample {
  /** Repository-relative path of the Markdown file. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's language tag (`ts`, `tsx`, `json`, `sh`, …; `text` when it has none). */
  readonly language: string;
  readonly code: string;
  readonly mode: SampleMode;
  /**
   * What the marker adds: the reason of a `not-run`, the request a `serves` sample must answer (`GET /path`), or the
   * config list a JSON fragment belongs to (`queues[]`).
   */
  readonly detail?: string;
}

const FENCE = /^```([\w-]*)\s*$/;
/** `<!-- sample: browser -->`, `<!-- sample: not-run (needs Vonage credentials) -->`, … on the line before a fence. */
const MARKER = /^<!--\s*sample:\s*([\w-]+)\s*(.*?)\s*-->\s*$/;
const MARKED_MODES = new Set<SampleMode>(['run', 'serves', 'browser', 'config', 'not-run', 'text']);

/** Markdown files whose samples must work: the docs, the root README, every package's and every example's README. */
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
  for (const folder of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const readme = join(root, folder, entry.name, 'README.md');
      if (statSync(readme, { throwIfNoEntry: false })?.isFile()) files.push(readme);
    }
  }
  return files;
}

function defaultMode(language: string): SampleMode {
  switch (language) {
    case 'ts':
    case 'typescript':
    case 'js':
      return 'run';
    case 'tsx':
      return 'browser';
    case 'json':
      return 'config';
    case 'sh':
    case 'bash':
    case 'shell':
      return 'shell';
    default:
      return 'text';
  }
}

/**
 * Every fenced block of a Markdown text, with the mode its marker (or its language) gives it. Throws on a marker
 * the test does not know, and on a `not-run` without its reason, naming file:line.
 */
export function extractSamples(markdown: string, file: string): DocSample[] {
  const samples: DocSample[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) body.push(lines[i] ?? '');
    const tag = open[1] || 'text';
    const language = tag === 'typescript' ? 'ts' : tag;
    let previous = start - 1;
    while (previous >= 0 && (lines[previous] ?? '').trim() === '') previous--;
    const marker = MARKER.exec((lines[previous] ?? '').trim());
    let mode = defaultMode(language);
    let detail: string | undefined;
    if (marker) {
      const kind = marker[1] as SampleMode;
      if (!MARKED_MODES.has(kind))
        throw new Error(`${file}:${previous + 1}: unknown sample marker "${kind}"`);
      mode = kind;
      detail = marker[2] ? marker[2].replace(/^\((.*)\)$/, '$1') : undefined;
      if (mode === 'not-run' && !detail)
        throw new Error(
          `${file}:${previous + 1}: "not-run" needs its reason: <!-- sample: not-run (why) -->`,
        );
    }
    samples.push({
      file,
      line: start + 1,
      language,
      code: body.join('\n'),
      mode,
      ...(detail ? { detail } : {}),
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

/** Where a sample is, for failure messages: `docs/server.md:42`. */
export const where = (sample: DocSample): string => `${sample.file}:${sample.line}`;

/** TypeScript samples: those the compiler checks, whatever else happens to them. */
export const isTypeScript = (sample: DocSample): boolean =>
  sample.language === 'ts' || sample.language === 'tsx';

/** One shell command of a `sh` block: continuation lines joined, comment and environment assignments split off. */
export interface ShellCommand {
  /** 1-based line in the Markdown file. */
  readonly line: number;
  /** The command as written (without its trailing comment). */
  readonly text: string;
  /** `NAME=value` assignments before the command. */
  readonly env: Readonly<Record<string, string>>;
  /** The words after the assignments (quotes removed). */
  readonly argv: readonly string[];
  /** The trailing `# …` comment, if any. */
  readonly comment?: string;
}

/** Splits a shell line into words, honouring single and double quotes; stops at an unquoted `#`. */
function words(line: string): { argv: string[]; comment?: string } {
  const argv: string[] = [];
  let current: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      else current = (current ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      current ??= '';
    } else if (char === '#' && current === undefined) {
      return { argv, comment: line.slice(i + 1).trim() };
    } else if (/\s/.test(char)) {
      if (current !== undefined) argv.push(current);
      current = undefined;
    } else current = (current ?? '') + char;
  }
  if (current !== undefined) argv.push(current);
  return { argv };
}

/** The commands of a shell sample. */
export function shellCommands(sample: DocSample): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const lines = sample.code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let text = lines[i] ?? '';
    while (text.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      text = `${text.trimEnd().slice(0, -1)} ${(lines[++i] ?? '').trim()}`;
    }
    const { argv, comment } = words(text);
    if (argv.length === 0) continue;
    const env: Record<string, string> = {};
    while (argv.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(argv[0] as string)) {
      const [name, ...value] = (argv.shift() as string).split('=');
      env[name as string] = value.join('=');
    }
    const hash = comment === undefined ? -1 : text.lastIndexOf('#');
    commands.push({
      line: sample.line + 1 + first,
      text: (hash >= 0 ? text.slice(0, hash) : text).trim(),
      env,
      argv,
      ...(comment ? { comment } : {}),
    });
  }
  return commands;
}
