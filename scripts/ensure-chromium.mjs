// Finds the Chromium that browser tests drive, installing Debian's package when we can.
// Usage: `node scripts/ensure-chromium.mjs` prints the path; `ensureChromium()` returns it.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Returns the first usable browser: `$CHROME_PATH`, then the usual Debian/Ubuntu/Chrome locations. */
export function findChromium() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv))
      throw new Error(`CHROME_PATH is set to ${fromEnv}, which is not an executable file.`);
    return fromEnv;
  }
  return candidates.find(isExecutable);
}

function canInstallWithApt() {
  return process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
}

function run(command, args, log) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`})`,
    );
  }
}

/**
 * Returns the path of Chromium. If none is found and we are root on a Debian-like system, installs the
 * `chromium` package with apt (printing each command); otherwise throws, naming `CHROME_PATH`.
 */
export function ensureChromium({ log = (line) => console.error(`[ensure-chromium] ${line}`) } = {}) {
  const found = findChromium();
  if (found) return found;
  if (!canInstallWithApt()) {
    throw new Error(
      `No Chromium found (looked at ${candidates.join(', ')}). Install Chromium or Chrome, or set CHROME_PATH ` +
        'to its executable (e.g. CHROME_PATH=/path/to/chrome npm test).',
    );
  }
  log('Chromium is missing; installing the Debian package "chromium" (about 115 packages, 1-2 minutes).');
  // Another apt may hold the dpkg lock (unattended upgrades, a parallel install): wait for it, not fail.
  run('apt-get', ['update', '-o', 'DPkg::Lock::Timeout=900'], log);
  run('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=900', 'chromium'], log);
  const installed = findChromium();
  if (!installed) throw new Error('apt-get installed "chromium" but no browser was found; set CHROME_PATH.');
  log(`installed ${installed}`);
  return installed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(`[ensure-chromium] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
