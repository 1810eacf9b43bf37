// The voice end-to-end tests run in a network namespace that has only `lo`: Chromium gathers no loopback ICE
// candidates otherwise (see docs/voice.md, "Testing"). A test file calls this first; it re-runs itself with `unshare -n`
// and reports the child's results as its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

/**
 * Runs `scenarios` inside a loopback-only network namespace: directly when this process already is the re-run
 * (`flag` set), else re-runs `file` under `unshare -n` and exits with its status.
 */
export function inLoopbackNamespace(file: string, flag: string, scenarios: () => void): void {
  if (process.env[flag] === '1') {
    scenarios();
    return;
  }
  const probe = spawnSync('unshare', ['-n', 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim();
    test('voice end-to-end runs in a loopback-only network namespace', () => {
      assert.fail(
        `cannot create a network namespace with \`unshare -n\` (${why}). WebRTC between two local browsers needs ` +
          'one (Chromium gathers no loopback candidates otherwise); run the tests as root, or where unprivileged ' +
          'user namespaces are allowed.',
      );
    });
    return;
  }
  const child = spawnSync(
    'unshare',
    ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.execArgv, file],
    { stdio: 'inherit', env: { ...process.env, [flag]: '1' } },
  );
  process.exitCode = child.status ?? 1;
}
