import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startS3rver } from '../attachments/attachments.s3.testing';
import type { HelplineServer } from '../server';
import { freshPgliteDir } from '../testing/databases';
import { TEST_CONFIG } from '../testing/harness';
import { CliExit, runCli } from './cli';

const execFileAsync = promisify(execFile);
const cliEntry = fileURLToPath(new URL('../cli.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const out = { stdout: '', stderr: '' };
  const code = await runCli(args, {
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
    env,
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
    for (const option of [
      '-h, --help',
      '-v, --version',
      '--config',
      '--data',
      '--port',
      '--dev',
      'HELPLINE_DATABASE_URL',
    ]) {
      assert.ok(stdout.includes(option), option);
    }
    assert.equal(stderr, '');
  });

  it('prints the package version for --version and -v', async () => {
    assert.deepEqual(await run(['--version']), { code: CliExit.ok, stdout: `${version}\n`, stderr: '' });
    assert.deepEqual(await run(['-v']), { code: CliExit.ok, stdout: `${version}\n`, stderr: '' });
  });

  it('rejects unknown options and commands with a usage error on stderr', async () => {
    const option = await run(['--frobnicate']);
    assert.equal(option.code, CliExit.usage);
    assert.equal(option.stdout, '');
    assert.match(option.stderr, /^helpline: Unknown option '--frobnicate'/);
    assert.match(option.stderr, /Run "helpline --help" for usage\./);

    const command = await run(['frobnicate']);
    assert.equal(command.code, CliExit.usage);
    assert.match(command.stderr, /^helpline: Unknown command "frobnicate"\./);

    await assert.rejects(
      execFileAsync(process.execPath, ['--import', 'tsx', cliEntry, 'frobnicate'], { cwd: packageDir }),
      (error: { code?: unknown }) => error.code === CliExit.usage,
    );
  });

  it('serve refuses to start without a configuration, with a bad port, or with an invalid config file', async () => {
    assert.match((await run(['serve'])).stderr, /needs a configuration/);
    assert.equal((await run(['serve', '--dev', '--port', 'eighty'])).code, CliExit.usage);
    const dir = await freshPgliteDir();
    const path = `${dir}/bad.json`;
    writeFileSync(
      path,
      JSON.stringify({
        ...TEST_CONFIG,
        queues: [{ id: 'q', name: 'Q', businessHours: { timeZone: 'Mars/Base', weekly: {} } }],
      }),
    );
    const bad = await run(['serve', '--config', path]);
    assert.equal(bad.code, CliExit.config);
    assert.match(
      bad.stderr,
      /config\.queues\[0\]\.businessHours\.timeZone: "Mars\/Base" is not an IANA time zone/,
    );
  });

  it('serve runs from flags and environment, logs JSON lines, and stops cleanly when asked', async () => {
    const dataDir = await freshPgliteDir();
    const path = `${dataDir}/config.json`;
    writeFileSync(path, JSON.stringify(TEST_CONFIG));
    let stop: (() => void) | undefined;
    let started: HelplineServer | undefined;
    const lines: string[] = [];
    const exit = runCli(['serve', '--data', dataDir, '--port', '0'], {
      stdout: (text) => lines.push(text),
      stderr: (text) => lines.push(text),
      env: { HELPLINE_CONFIG: path, HELPLINE_JWT_SECRET: 'x'.repeat(32) },
      onStop(handler) {
        stop = handler;
        return () => {};
      },
      onListening(server) {
        started = server;
        stop?.();
      },
    });
    assert.equal(await exit, CliExit.ok);
    assert.ok(started);
    const events = lines.map((line) => (JSON.parse(line) as { event: string }).event);
    assert.deepEqual(events, ['listening', 'shutdown', 'stopped']);
  });

  it('serve keeps attachments in the S3 bucket the environment names, and refuses to start without that bucket', async () => {
    const s3 = await startS3rver();
    try {
      const dataDir = await freshPgliteDir();
      const path = `${dataDir}/config.json`;
      writeFileSync(path, JSON.stringify(TEST_CONFIG));
      const env = {
        HELPLINE_CONFIG: path,
        HELPLINE_JWT_SECRET: 'x'.repeat(32),
        HELPLINE_ATTACHMENTS_S3_BUCKET: s3.options.bucket,
        HELPLINE_ATTACHMENTS_S3_ENDPOINT: s3.endpoint,
        HELPLINE_ATTACHMENTS_S3_FORCE_PATH_STYLE: 'true',
        HELPLINE_ATTACHMENTS_S3_ACCESS_KEY_ID: 'S3RVER',
        HELPLINE_ATTACHMENTS_S3_SECRET_ACCESS_KEY: 'S3RVER',
      };
      const lines: string[] = [];
      let stop: (() => void) | undefined;
      const exit = runCli(['serve', '--data', dataDir, '--port', '0'], {
        stdout: (text) => lines.push(text),
        stderr: (text) => lines.push(text),
        env,
        onStop(handler) {
          stop = handler;
          return () => {};
        },
        onListening: () => stop?.(),
      });
      assert.equal(await exit, CliExit.ok, lines.join(''));

      const missing = await run(['serve', '--data', dataDir, '--port', '0'], {
        ...env,
        HELPLINE_ATTACHMENTS_S3_BUCKET: 'no-such-bucket',
      });
      assert.equal(missing.code, CliExit.failure);
      const failed = JSON.parse(missing.stdout) as { event: string; error: string };
      assert.equal(failed.event, 'start-failed');
      // The log shows no quoted values (they may be input); the kind of failure is there.
      assert.match(failed.error, /^S3BytesError: attachments: the S3 bucket .* does not exist/);
      const half = await run(['serve', '--data', dataDir], {
        ...env,
        HELPLINE_ATTACHMENTS_S3_SECRET_ACCESS_KEY: undefined,
      });
      assert.equal(half.code, CliExit.config);
      assert.match(
        half.stderr,
        /set both HELPLINE_ATTACHMENTS_S3_ACCESS_KEY_ID and HELPLINE_ATTACHMENTS_S3_SECRET_ACCESS_KEY/,
      );
    } finally {
      await s3.close();
    }
  });

  it('`helpline serve --dev` starts on a fresh data directory, announces dev mode and exits 0 on SIGTERM', async () => {
    const dataDir = `${await freshPgliteDir()}-fresh`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cliEntry, 'serve', '--dev', '--port', '0', '--data', dataDir],
      {
        cwd: packageDir,
        env: { ...process.env, HELPLINE_DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const listening = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"event":"listening","url":"([^"]+)"/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const url = await listening;
    assert.match(output, /"level":"warn","event":"dev-mode".*DEVELOPMENT MODE/);
    const token = await fetch(`${url}/v1/dev/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'agent', id: 'alice' }),
    });
    assert.equal(token.status, 201);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output, /"event":"stopped"/);
  });
});
