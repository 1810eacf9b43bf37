import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CliExit, runCli } from './cli';

const execFileAsync = promisify(execFile);
const cliEntry = fileURLToPath(new URL('../cli.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function run(args: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = runCli(args, {
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
  });
  return { code, ...out };
}

describe('helpline CLI', () => {
  it('prints usage and every option for --help when run as a process', async () => {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', cliEntry, '--help'],
      {
        cwd: packageDir,
      },
    );
    assert.match(stdout, /^Usage: helpline \[options\]/);
    assert.match(stdout, /-h, --help/);
    assert.match(stdout, /-v, --version/);
    assert.equal(stderr, '');
  });

  it('prints the package version for --version and -v', () => {
    assert.deepEqual(run(['--version']), { code: CliExit.ok, stdout: `${version}\n`, stderr: '' });
    assert.deepEqual(run(['-v']), { code: CliExit.ok, stdout: `${version}\n`, stderr: '' });
  });

  it('rejects unknown options and commands with a usage error on stderr', async () => {
    const option = run(['--frobnicate']);
    assert.equal(option.code, CliExit.usage);
    assert.equal(option.stdout, '');
    assert.match(option.stderr, /^helpline: Unknown option '--frobnicate'/);
    assert.match(option.stderr, /Run "helpline --help" for usage\./);

    const command = run(['frobnicate']);
    assert.equal(command.code, CliExit.usage);
    assert.match(command.stderr, /^helpline: Unknown command "frobnicate"\./);

    await assert.rejects(
      execFileAsync(process.execPath, ['--import', 'tsx', cliEntry, 'frobnicate'], { cwd: packageDir }),
      (error: { code?: unknown }) => error.code === CliExit.usage,
    );
  });
});
