// Runs documentation samples: the server they talk to, TypeScript in child processes, configurations through the
// server's validator, shell commands against the CLI and package scripts, browser code through esbuild.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { exportJWK, generateKeyPair } from 'jose';
import ts from 'typescript';
import { ConfigError, type ConfigInput, DEV_CONFIG, parseConfig } from '../../packages/server/src/index';
import { createLogger } from '../../packages/server/src/log/logger';
import { type HelplineServer, startServer } from '../../packages/server/src/server';
import { freshPgliteDir } from '../../packages/server/src/testing/databases';
import { type DocSample, shellCommands, where } from './samples';

/**
 * Samples address the server as `http://localhost:8787` (the CLI's default port) or `127.0.0.1:8787`; the test
 * rewrites that origin to its own server's.
 */
export const DOC_ORIGIN = /(?<=(?:https?|wss?):\/\/)(?:localhost|127\.0\.0\.1):8787\b/g;

/**
 * What the samples' server runs with, as the guides describe a production setup: staff JWTs with issuer and
 * audience (docs/tokens.md), and a site `shop` that vouches for its logged-in customers.
 */
export const SAMPLE_SECRETS = {
  HELPLINE_JWT_SECRET: 'samples-test-staff-secret-at-least-32-bytes',
  SHOP_IDENTITY_SECRET: 'samples-test-shop-secret-at-least-32-bytes',
} as const;

export const SAMPLE_CONFIG: ConfigInput = {
  ...DEV_CONFIG,
  sites: [
    ...DEV_CONFIG.sites,
    {
      id: 'shop',
      name: 'Example shop',
      origins: ['https://shop.example.com'],
      identity: { secretEnv: 'SHOP_IDENTITY_SECRET', issuer: 'https://shop.example.com' },
    },
  ],
  auth: { issuer: 'https://auth.example.com', audience: 'helpline' },
};

/**
 * The environment of every sample: the secrets above, and `HELPLINE_SIGNING_JWK`, the private half (a JWK) of an
 * ES256 key whose public half the server fetches from its JWKS URL, as an identity provider's would be.
 */
export const sampleEnv: Record<string, string> = { ...SAMPLE_SECRETS };

/** Serves a fresh ES256 key's JWKS on a free port; its private JWK goes into {@link sampleEnv}. */
async function startJwks(): Promise<{ url: string; close(): void }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'samples-test';
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  sampleEnv.HELPLINE_SIGNING_JWK = JSON.stringify({ ...(await exportJWK(privateKey)), kid });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    close: () => server.close(),
  };
}

/**
 * The server every sample of one test run talks to, in dev mode (samples may ask for demo tokens), with staff JWTs
 * by HS256 secret or by JWKS.
 */
export async function startSampleServer(logLines: string[]): Promise<HelplineServer> {
  const jwks = await startJwks();
  const server = await startServer({
    config: parseConfig(SAMPLE_CONFIG),
    storage: { kind: 'pglite', dataDir: await freshPgliteDir() },
    port: 0,
    host: '127.0.0.1',
    dev: true,
    jwtSecret: SAMPLE_SECRETS.HELPLINE_JWT_SECRET,
    jwksUrl: jwks.url,
    env: { ...SAMPLE_SECRETS },
    logger: createLogger({ level: 'info', write: (line) => logLines.push(line) }),
    drainMs: 1_000,
  });
  return {
    ...server,
    async close() {
      await server.close();
      jwks.close();
    },
  };
}

/** The sample's code with the documented origin pointing at `server`. */
export const pointAt = (code: string, server: HelplineServer): string =>
  code.replace(DOC_ORIGIN, `127.0.0.1:${server.port}`);

/**
 * How long a sample may take. Samples take 1–3 s, but a child compiles the sources it imports on first use (tsx
 * caches them), which on a busy 2-core machine can take much longer.
 */
export const SAMPLE_TIMEOUT_MS = 60_000;

interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly timedOut: boolean;
}

/** Where sample files are written (inside the repository, so bare imports resolve as in the tests). */
export interface SampleWorkspace {
  readonly dir: string;
  readonly server: HelplineServer;
  readonly tsconfig: string;
}

function tail(output: string): string {
  const lines = output.trim().split('\n');
  return lines.slice(-15).join('\n');
}

/**
 * Runs a `run` sample with tsx in a child process; resolves with a failure message, or undefined when it exited
 * with code 0 within `timeoutMs`.
 */
export async function runSample(
  sample: DocSample,
  index: number,
  workspace: SampleWorkspace,
  timeoutMs = SAMPLE_TIMEOUT_MS,
): Promise<string | undefined> {
  const file = join(workspace.dir, `run-${index}.ts`);
  writeFileSync(file, `${pointAt(sample.code, workspace.server)}\nexport {};\n`);
  const result = await child(file, workspace, timeoutMs);
  if (result.timedOut)
    return `${where(sample)}: did not exit within ${timeoutMs / 1000} s (close what it opens: sessions, sockets, servers)\n${tail(result.output)}`;
  if (result.code !== 0)
    return `${where(sample)}: exited with ${result.code ?? result.signal}\n${tail(result.output)}`;
  return undefined;
}

/**
 * Runs a `serves` sample: it must print a line with its `http://` URL, answer the marker's request (`GET /path`)
 * with 2xx JSON, and stop on SIGTERM. A `token` in the answer must be one the server accepts.
 */
export async function serveSample(
  sample: DocSample,
  index: number,
  workspace: SampleWorkspace,
  timeoutMs = SAMPLE_TIMEOUT_MS,
): Promise<string | undefined> {
  const file = join(workspace.dir, `serves-${index}.ts`);
  writeFileSync(file, `${pointAt(sample.code, workspace.server)}\nexport {};\n`);
  let problem: string | undefined;
  const result = await child(file, workspace, timeoutMs, async (output, stop) => {
    const url = /https?:\/\/[\w.:-]+/.exec(output)?.[0];
    if (!url) return false;
    try {
      const [method = 'GET', path = '/'] = (sample.detail ?? '').split(/\s+/).filter(Boolean);
      if (sample.detail) {
        const response = await fetch(new URL(path, url), { method });
        const text = await response.text();
        if (!response.ok) problem = `${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`;
        else {
          const body = JSON.parse(text) as { token?: unknown };
          if (typeof body.token === 'string') await workspace.server.auth.authenticate(body.token);
        }
      }
    } catch (error) {
      problem = `${sample.detail}: ${error instanceof Error ? error.message : String(error)}`;
    }
    stop();
    return true;
  });
  if (result.timedOut)
    return `${where(sample)}: printed no URL or did not stop on SIGTERM within ${timeoutMs / 1000} s\n${tail(result.output)}`;
  if (problem) return `${where(sample)}: ${problem}\n${tail(result.output)}`;
  if (result.code !== 0 && result.signal !== 'SIGTERM')
    return `${where(sample)}: exited with ${result.code ?? result.signal}\n${tail(result.output)}`;
  return undefined;
}

function child(
  file: string,
  workspace: SampleWorkspace,
  timeoutMs: number,
  onOutput?: (output: string, stop: () => void) => Promise<boolean>,
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: workspace.dir,
      env: {
        ...process.env,
        ...sampleEnv,
        TSX_TSCONFIG_PATH: workspace.tsconfig,
        PORT: '0',
        HELPLINE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let timedOut = false;
    let watching = onOutput !== undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      process_.kill('SIGKILL');
    }, timeoutMs);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (watching && onOutput) {
        watching = false;
        void onOutput(output, () => process_.kill('SIGTERM')).then((done) => {
          if (!done) watching = true;
        });
      }
    };
    process_.stdout.on('data', collect);
    process_.stderr.on('data', collect);
    process_.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}

/** Validates a JSON sample with the server's configuration validator; a fragment is merged into the demo config. */
export function checkConfig(sample: DocSample): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(sample.code);
  } catch (error) {
    return `${where(sample)}: not valid JSON (${(error as Error).message})`;
  }
  const demo = DEV_CONFIG as unknown as Record<string, unknown>;
  // Items with an id replace the demo's item with that id, or join its list.
  const merge = (key: string, items: { id?: unknown }[]) => {
    const base = (demo[key] ?? []) as { id?: unknown }[];
    const ids = new Set(items.map((item) => item.id));
    return [...base.filter((item) => !ids.has(item.id)), ...items];
  };
  let config: unknown = value;
  const list = /^(\w+)\[\]$/.exec(sample.detail ?? '')?.[1];
  if (list) {
    // One item of a list (`<!-- sample: config queues[] -->`).
    config = { ...demo, [list]: merge(list, [value as { id?: unknown }]) };
  } else if (typeof value === 'object' && value !== null && !('queues' in value && 'sites' in value)) {
    // A fragment (some sections of a file): merged into the demo configuration.
    const fragment = value as Record<string, unknown>;
    config = { ...demo, ...fragment };
    for (const key of ['queues', 'agents', 'sites'])
      if (Array.isArray(fragment[key])) (config as Record<string, unknown>)[key] = merge(key, fragment[key]);
  }
  try {
    parseConfig(config);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return `${where(sample)}: ${error.message}`;
    throw error;
  }
}

const HELPLINE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  config: { type: 'string', short: 'c' },
  data: { type: 'string', short: 'd' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  dev: { type: 'boolean' },
} as const;

/** Commands a guide may show besides `helpline`, npm and curl: they belong to other tools, nothing to check. */
const OTHER_TOOLS = new Set([
  'git',
  'cd',
  'export',
  'createdb',
  'mkdir',
  'cp',
  'node',
  'openssl',
  'printf',
  'haproxy',
]);
/** Tools a guide runs with npx in the reader's app. */
const NPX_TOOLS = new Set(['tsx']);
/** Scripts of the app a walkthrough builds (Vite's), not of this repository. */
const APP_SCRIPTS = new Set(['dev']);

/**
 * Checks a shell sample: `helpline` commands and flags against the CLI's, `npm` scripts and workspace packages
 * against package.json, and runs each `curl` against the server (with `--fail-with-body`; a JSON comment after it
 * is the expected answer).
 */
export async function checkShell(sample: DocSample, root: string, server: HelplineServer): Promise<string[]> {
  const problems: string[] = [];
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
      .scripts,
  );
  const packages = ['core', 'widget', 'react', 'server'].map((name) => `@helpline/${name}`);
  for (const command of shellCommands(sample)) {
    const at = `${sample.file}:${command.line}`;
    const [program, ...args] = command.argv;
    const helpline = program === 'npx' && args[0] === 'helpline' ? args.slice(1) : undefined;
    if (helpline || program === 'helpline') {
      const cliArgs = helpline ?? args;
      try {
        const { positionals } = parseArgs({
          args: cliArgs,
          options: HELPLINE_OPTIONS,
          allowPositionals: true,
          strict: true,
        });
        if (positionals.length > 0 && (positionals[0] !== 'serve' || positionals.length > 1))
          problems.push(`${at}: helpline has one command, serve (got "${positionals.join(' ')}")`);
      } catch (error) {
        problems.push(`${at}: ${(error as Error).message}`);
      }
      for (const name of Object.keys(command.env)) {
        if (!/^(HELPLINE_[A-Z_]+|[A-Z_]+_SECRET|VONAGE_[A-Z_]+)$/.test(name))
          problems.push(`${at}: ${name} is no environment variable the server reads`);
      }
    } else if (program === 'npm') {
      const [verb, ...rest] = args;
      if (verb === 'install' || verb === 'i') {
        for (const name of rest.filter((arg) => arg.startsWith('@helpline/')))
          if (!packages.includes(name)) problems.push(`${at}: ${name} is not a package of this repository`);
      } else if (verb === 'run') {
        if (!scripts.includes(rest[0] ?? '') && !APP_SCRIPTS.has(rest[0] ?? ''))
          problems.push(`${at}: no npm script "${rest[0]}"`);
      } else if (verb === 'start' || verb === 'test') {
        if (!scripts.includes(verb)) problems.push(`${at}: no npm script "${verb}"`);
      } else if (verb !== 'create' && verb !== 'ci') problems.push(`${at}: npm ${verb} is not checked`);
    } else if (program === 'curl') {
      const problem = await runCurl(command.text, at, server, command.comment);
      if (problem) problems.push(problem);
    } else if (program === 'npx' && NPX_TOOLS.has(args[0] ?? '')) {
      // Another package's command in the reader's app.
    } else if (!OTHER_TOOLS.has(program ?? '')) {
      problems.push(
        `${at}: "${program}" is no command the samples test knows (add it to OTHER_TOOLS if it is fine)`,
      );
    }
  }
  return problems;
}

function runCurl(
  text: string,
  at: string,
  server: HelplineServer,
  comment: string | undefined,
): Promise<string | undefined> {
  const command = pointAt(text.replace(/localhost:8787|127\.0\.0\.1:8787/g, 'http://$&'), server)
    .replace(/http:\/\/http:\/\//g, 'http://')
    .replace(/^curl\b/, 'curl --fail-with-body --silent --show-error --max-time 10');
  return new Promise((resolve) => {
    const process_ = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    process_.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    process_.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    process_.on('close', (code) => {
      if (code !== 0) return resolve(`${at}: curl failed (${code}): ${stderr.trim()} ${stdout.trim()}`);
      let expected: unknown;
      try {
        expected = comment?.startsWith('{') ? JSON.parse(comment) : undefined;
      } catch {
        expected = undefined;
      }
      if (expected !== undefined && JSON.stringify(JSON.parse(stdout)) !== JSON.stringify(expected))
        return resolve(`${at}: answered ${stdout.trim()}, the comment says ${comment}`);
      resolve(undefined);
    });
  });
}

/** Bundles browser samples with esbuild as a page's bundler would; one failure message per sample. */
export async function bundleBrowserSamples(
  samples: readonly DocSample[],
  dir: string,
  tsconfig: string,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const problems: string[] = [];
  const byFile = new Map<string, DocSample>();
  samples.forEach((sample, index) => {
    const file = join(dir, `browser-${index}.${sample.language}`);
    writeFileSync(file, `${sample.code}\nexport {};\n`);
    byFile.set(file, sample);
  });
  // One build for all (esbuild names the entry of each error): seconds instead of one start per sample.
  try {
    await build({
      entryPoints: [...byFile.keys()],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outdir: join(dir, 'out'),
      tsconfig,
      jsx: 'automatic',
      logLevel: 'silent',
      loader: { '.css': 'css' },
    });
  } catch (error) {
    const errors =
      (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ??
      [];
    if (errors.length === 0) problems.push(`browser samples do not bundle: ${String(error)}`);
    for (const e of errors) {
      const sample = [...byFile].find(([file]) => e.location && file.endsWith(e.location.file))?.[1];
      problems.push(
        sample
          ? `${sample.file}:${sample.line + (e.location?.line ?? 0)}: does not bundle: ${e.text}`
          : `${e.location?.file ?? '?'}:${e.location?.line ?? 0}: does not bundle: ${e.text}`,
      );
    }
  }
  return problems;
}

/** Type-checks TypeScript samples against the sources (the root tsconfig's paths); one line per problem. */
export function typeCheck(samples: readonly DocSample[], dir: string, tsconfig: string): string[] {
  mkdirSync(dir, { recursive: true });
  // Stylesheets are imported for their side effect; bundlers handle them, the compiler only needs to know.
  writeFileSync(join(dir, 'assets.d.ts'), "declare module '*.css';\n");
  const names = new Map<string, DocSample>();
  samples.forEach((sample, index) => {
    const name = join(dir, `check-${index}.${sample.language}`);
    // Each sample is its own module (top-level await is allowed in modules).
    writeFileSync(name, `${sample.code}\nexport {};\n`);
    names.set(name, sample);
  });
  const config = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json does not parse');
  const program = ts.createProgram([...names.keys(), join(dir, 'assets.d.ts')], {
    ...config.options,
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && names.has(d.file.fileName))
    .map((d) => {
      const sample = names.get(d.file?.fileName ?? '') as DocSample;
      const line =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${sample.file}:${sample.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

/** {@link typeCheck} in a worker thread: the test's server keeps answering the samples that run meanwhile. */
export function typeCheckInWorker(
  samples: readonly DocSample[],
  dir: string,
  tsconfig: string,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./typecheck.worker.mjs', import.meta.url), {
      workerData: { samples, dir, tsconfig },
    });
    worker.once('message', (problems: string[]) => {
      resolve(problems);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * A tsconfig for the samples: the root one, with every published entry (`@helpline/react/hooks`,
 * `@helpline/widget/define`, `@helpline/react/styles.css`, …) mapped to its source, as the package's exports name it.
 */
export function writeSamplesTsconfig(dir: string, root: string): string {
  const paths: Record<string, string[]> = {};
  for (const name of ['core', 'widget', 'react', 'server']) {
    const pkg = join(root, 'packages', name);
    const { exports } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    for (const [key, target] of Object.entries(exports)) {
      const sub = key.slice(2);
      const candidates =
        typeof target === 'string' && target.startsWith('./src/')
          ? [target]
          : sub === ''
            ? ['./src/index.ts']
            : [`./src/${sub}/index.ts`, `./src/${sub}.ts`];
      const found = candidates.map((file) => join(pkg, file)).find((file) => existsSync(file));
      if (found) paths[`@helpline/${name}${sub ? `/${sub}` : ''}`] = [found];
    }
  }
  const file = join(dir, 'tsconfig.json');
  writeFileSync(
    file,
    JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { paths } }, null, 2),
  );
  return file;
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
