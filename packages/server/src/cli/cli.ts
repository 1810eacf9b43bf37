import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Where {@link runCli} writes; `process.stdout`/`process.stderr` in the real CLI, buffers in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes of the `helpline` command (2 follows the shell convention for usage errors). */
export const CliExit = { ok: 0, usage: 2 } as const;

const helpText = `Usage: helpline [options]

The Helpline reference server's command line.

Options:
  -h, --help       Show this help and exit
  -v, --version    Print the version and exit
`;

/**
 * Runs the `helpline` command with `args` (without `node` and the script) and returns its exit code.
 *
 * @example
 * ```ts
 * process.exitCode = runCli(process.argv.slice(2));
 * ```
 */
export function runCli(args: readonly string[], io: CliIo = processIo): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout(`${serverVersion()}\n`);
    return CliExit.ok;
  }
  if (values.help || positionals.length === 0) {
    io.stdout(helpText);
    return CliExit.ok;
  }
  return usageError(io, `Unknown command "${positionals[0]}".`);
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`helpline: ${message}\nRun "helpline --help" for usage.\n`);
  return CliExit.usage;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * The version of `@helpline/server`, read from its package.json. The file is looked up from this module
 * upwards because this code runs both from `src/cli/` and bundled into `dist/`.
 */
export function serverVersion(): string {
  let directory = new URL('./', import.meta.url);
  for (;;) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(new URL('package.json', directory), 'utf8'));
      if (isServerManifest(manifest)) return manifest.version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parent = new URL('../', directory);
    if (parent.href === directory.href) throw new Error('Cannot find the package.json of @helpline/server');
    directory = parent;
  }
}

function isServerManifest(value: unknown): value is { version: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    value.name === '@helpline/server' &&
    'version' in value &&
    typeof value.version === 'string'
  );
}
