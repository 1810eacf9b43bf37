// The demo stack behind `npm start` and the end-to-end tests: the Helpline server (dev mode, embedded database)
// and one static server for the examples (landing page, shop website, CRM, supervisor board, widget assets).
// Expects the packages to be built (packages/*/dist); scripts/start.mjs takes care of that.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { seedReturningCustomer } from './lib/demo-cases.mjs';
import { seedDemoHistory } from './lib/demo-history.mjs';
import { demoEmailConfig, startDemoMailbox } from './lib/demo-mailbox.mjs';
import { startStaticServer, strictCsp } from './lib/static-server.mjs';
import { repoRoot } from './lib/test-files.mjs';

const examplesDir = join(repoRoot, 'examples');
const buildDir = join(examplesDir, '.build');
const pages = ['website', 'crm', 'supervisor'];
const defaultServer = 'http://127.0.0.1:8787';

/**
 * The example pages name the default server (http://127.0.0.1:8787); when the server runs elsewhere, copies that
 * name the real one are served in front of the originals.
 */
function renderPages(server) {
  if (server === defaultServer) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'helpline-demo-pages-'));
  for (const page of pages) {
    mkdirSync(join(dir, page));
    const html = readFileSync(join(examplesDir, page, 'index.html'), 'utf8');
    writeFileSync(join(dir, page, 'index.html'), html.replaceAll(defaultServer, server));
  }
  return dir;
}

/**
 * Bundles the React examples (crm, supervisor) into examples/.build/<app>/main.js (+ main.css). Code loaded with
 * `import()` (the console's voice engine, the Vonage SDK) goes to examples/.build/chunks/, fetched only when used.
 */
export async function buildExamples({ log = false } = {}) {
  mkdirSync(buildDir, { recursive: true });
  await build({
    entryPoints: {
      'crm/main': join(examplesDir, 'crm', 'main.tsx'),
      'supervisor/main': join(examplesDir, 'supervisor', 'main.tsx'),
    },
    outdir: buildDir,
    bundle: true,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    sourcemap: true,
    minify: false,
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: log ? 'info' : 'warning',
  });
}

/**
 * Starts the demo: the server in dev mode on `serverPort` (default 8787) with data in `dataDir`, and the
 * examples on `port` (default 8080). `config` replaces the server's built-in demo configuration (tests use one
 * with a closed queue); `mounts` adds folders to the examples' server (`{ '/closed/': dir }`). `mail` turns on the
 * demo's email (docs/email.md): the server's SMTP ingress on `mail.ingressPort` feeding the support queue, its replies
 * caught by the demo mailbox (`mail.catcherPort`, 0 = any) and listed on its page (`mail.pagePort`).
 * `returningCustomer` seeds Dana Whitfield, a returning customer with an open case (scripts/lib/demo-cases.mjs; the
 * shop page's "Returning customer" button signs the browser in as her). `history` seeds a year of past contacts and
 * shifts, once per data directory, for the supervisor's reports (scripts/lib/demo-history.mjs). `serverUrl` points
 * the pages at a server already running (several instances behind a balancer, docs/cluster.md) instead of starting
 * one: nothing is seeded and there is no mail then. Resolves with the URLs and `stop()`.
 */
export async function startDemo({
  port = 8080,
  serverPort = 8787,
  dataDir = join(repoRoot, '.helpline-data', 'demo'),
  config,
  logger,
  buildApps = true,
  mounts = {},
  mail,
  returningCustomer = false,
  history = false,
  serverUrl,
} = {}) {
  const givenOrigin = serverUrl === undefined ? undefined : originOf(serverUrl);
  if (buildApps) await buildExamples();
  if (givenOrigin !== undefined) return servePages({ port, mounts, serverOrigin: givenOrigin });
  const server = await import('../packages/server/dist/index.js');
  mkdirSync(dataDir, { recursive: true });
  const mailbox = mail
    ? await startDemoMailbox({
        catcherPort: mail.catcherPort ?? 0,
        pagePort: mail.pagePort ?? 0,
        ingressPort: mail.ingressPort,
      })
    : undefined;
  const baseConfig = config ?? server.DEV_CONFIG;
  const withMail = mailbox
    ? {
        ...baseConfig,
        email: demoEmailConfig({ ingressPort: mail.ingressPort, catcherPort: mailbox.catcherPort }),
      }
    : baseConfig;
  let helpline;
  try {
    helpline = await server.startServer({
      config: server.parseConfig(withMail),
      storage: { kind: 'pglite', dataDir },
      port: serverPort,
      dev: true,
      logger: logger ?? server.silentLogger,
      drainMs: 1000,
    });
  } catch (error) {
    await mailbox?.close();
    throw error;
  }
  let pagesServed;
  try {
    if (history) await seedDemoHistory(helpline);
    if (returningCustomer) await seedReturningCustomer(helpline);
    pagesServed = await servePages({ port, mounts, serverOrigin: helpline.url });
  } catch (error) {
    await helpline.close();
    await mailbox?.close();
    throw error;
  }
  let stopping;
  return {
    urls: { ...pagesServed.urls, ...(mailbox ? { mailbox: mailbox.url } : {}) },
    server: helpline,
    ...(mailbox ? { mailbox } : {}),
    stop() {
      stopping ??= Promise.all([pagesServed.stop(), helpline.close(), mailbox?.close()]).then(
        () => undefined,
      );
      return stopping;
    },
  };
}

/** `url`'s origin (`http://host:port`), refusing anything but an http(s) URL with a clear message. */
function originOf(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`The demo's server URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error(`The demo's server URL must be http:// or https://, not ${url}`);
  // The pages name the server by its origin (`/v1/…` under it): a server under a path is not one they can reach.
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '')
    throw new Error(`The demo's server URL must be an origin (http://host:port), without a path: ${url}`);
  return parsed.origin;
}

/** Serves the examples on `port`, their pages naming `serverOrigin`; resolves with their URLs and `stop()`. */
async function servePages({ port, mounts, serverOrigin }) {
  const socketOrigin = serverOrigin.replace(/^http/, 'ws');
  // The pages reach the server both as 127.0.0.1 and as localhost (a visitor may type either).
  const alternate = serverOrigin.replace('127.0.0.1', 'localhost');
  const connect = [serverOrigin, socketOrigin, alternate, alternate.replace(/^http/, 'ws')];
  const rendered = renderPages(serverOrigin);
  const renderedMounts = rendered
    ? Object.fromEntries(pages.map((page) => [`/${page}/`, join(rendered, page)]))
    : {};
  let statics;
  try {
    statics = await startStaticServer({
      port,
      mounts: {
        ...mounts,
        ...renderedMounts,
        '/': examplesDir,
        '/app/': buildDir,
        '/assets/': join(repoRoot, 'packages', 'widget', 'dist'),
      },
      csp: strictCsp(connect),
    });
  } catch (error) {
    if (rendered) rmSync(rendered, { recursive: true, force: true });
    throw error;
  }
  const base = statics.url;
  let stopping;
  return {
    urls: {
      landing: `${base}/`,
      website: `${base}/website/`,
      crm: `${base}/crm/`,
      supervisor: `${base}/supervisor/`,
      assets: `${base}/assets/`,
      server: serverOrigin,
    },
    stop() {
      stopping ??= statics.close().then(() => {
        if (rendered) rmSync(rendered, { recursive: true, force: true });
      });
      return stopping;
    },
  };
}
