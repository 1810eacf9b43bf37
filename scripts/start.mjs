// `npm start`: the demo. Installs dependencies when node_modules is missing, builds the packages when their
// dist is missing or older than the sources, then starts the Helpline server (dev mode, embedded database) and
// the examples, prints the URLs and stops cleanly on Ctrl-C.
//   HELPLINE_PORT (default 8787): the server; HELPLINE_DEMO_PORT (default 8080): the examples;
//   HELPLINE_DEMO_SMTP_PORT (default 2525): the server's SMTP ingress for the demo mailbox (docs/email.md);
//   HELPLINE_DEMO_MAILBOX_PORT (default 8025): the demo mailbox page, where the replies to customers land;
//   HELPLINE_DEMO_SERVER (e.g. http://127.0.0.1:8000): serve only the pages, talking to the server already running
//   there — several instances behind a balancer (docs/cluster.md, "Try it on one machine").
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib/test-files.mjs';

/** Runs a command in the repository; returns whether it succeeded. */
function run(command, args) {
  console.log(`> ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status === 0) return true;
  console.error(`${command} ${args.join(' ')} failed (exit code ${result.status ?? result.signal})`);
  return false;
}

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.isFile()) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const packagesDir = join(repoRoot, 'packages');

// What the demo loads from the build; a failed build may have removed some of it.
const demoNeeds = [
  'server/dist/index.js',
  'core/dist/index.js',
  'react/dist/index.js',
  'widget/dist/helpline-widget.iife.js',
  'widget/dist/helpline-panel.js',
];

function missingBuildOutputs() {
  return demoNeeds.filter((file) => !existsSync(join(packagesDir, file)));
}

function needsBuild() {
  return readdirSync(packagesDir).some((name) => {
    const dist = newest(join(packagesDir, name, 'dist'));
    return dist === 0 || newest(join(packagesDir, name, 'src')) > dist;
  });
}

function port(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    console.error(`${name}=${value} is not a port number`);
    process.exit(1);
  }
  return parsed;
}

if (!existsSync(join(repoRoot, 'node_modules', '.package-lock.json'))) {
  if (!run('npm', ['ci', '--no-audit', '--no-fund'])) process.exit(1);
}
if (needsBuild() && !run('npm', ['run', 'build'])) {
  // A build broken by work in progress should not hide a demo that the previous build can still run.
  const missing = missingBuildOutputs();
  if (missing.length > 0) {
    console.error(`No build to fall back on: packages/${missing.join(', packages/')} missing.`);
    process.exit(1);
  }
  console.warn('\nThe build failed; the demo runs on the previous build in packages/*/dist.\n');
}

const { buildExamples, startDemo } = await import('./demo.mjs');
await buildExamples();
const { createLogger } = await import('../packages/server/dist/index.js');
const smtpPort = port('HELPLINE_DEMO_SMTP_PORT', 2525);
const serverUrl = process.env.HELPLINE_DEMO_SERVER || undefined;
let demo;
try {
  demo = await startDemo(
    serverUrl
      ? { port: port('HELPLINE_DEMO_PORT', 8080), buildApps: false, serverUrl }
      : {
          port: port('HELPLINE_DEMO_PORT', 8080),
          serverPort: port('HELPLINE_PORT', 8787),
          buildApps: false,
          returningCustomer: true,
          history: true,
          mail: {
            ingressPort: smtpPort,
            pagePort: port('HELPLINE_DEMO_MAILBOX_PORT', 8025),
          },
          logger: createLogger({ level: 'warn' }),
        },
  );
} catch (error) {
  console.error(`The demo did not start: ${error instanceof Error ? error.message : String(error)}`);
  if (error?.code === 'EADDRINUSE') {
    console.error(
      serverUrl
        ? 'Set HELPLINE_DEMO_PORT to a free port.'
        : 'Set HELPLINE_PORT / HELPLINE_DEMO_PORT / HELPLINE_DEMO_SMTP_PORT / HELPLINE_DEMO_MAILBOX_PORT to free ports.',
    );
  }
  process.exit(1);
}
const { urls } = demo;
if (serverUrl) {
  console.log(`
Helpline demo pages are running against the server at ${urls.server} (dev mode: anyone can get agent tokens).

  Start here:   ${urls.landing}
  Website:      ${urls.website}      (the visitor widget on a shop page)
  CRM:          ${urls.crm}          (agent console; sign in as alice, bob or carol)
  Supervisor:   ${urls.supervisor}   (the live board, as sam)

Nothing is seeded and there is no demo mailbox: the server is yours (docs/cluster.md, "Try it on one machine").

Press Ctrl-C to stop.`);
} else {
  console.log(`
Helpline demo is running (dev mode: anyone can get agent tokens; never expose it).

  Start here:   ${urls.landing}
  Website:      ${urls.website}      (the visitor widget on a shop page)
  CRM:          ${urls.crm}          (agent console; sign in as alice, bob or carol)
  Supervisor:   ${urls.supervisor}   (the live board and reports over a seeded year of history, as sam)
  Server:       ${urls.server}
  Mailbox:      ${urls.mailbox}   (the replies agents send to customers by email)

Try email: ${smtpPort === 2525 ? '' : `HELPLINE_DEMO_SMTP_PORT=${smtpPort} `}npm run demo:mail -- "Where is my order?" "Order 1234 has not arrived."
  (customers write to support@shop.localhost through the SMTP ingress on 127.0.0.1:${smtpPort};
   answer it in the CRM, read the reply and answer it as the customer in the mailbox)
Try a returning customer: sign in as alice in the CRM, then on the shop page click "Returning customer (Dana)" and
  chat: the offer and the console show Dana's open case, and one click attaches the chat to it (docs/cases.md)

Press Ctrl-C to stop.`);
}

let stopping = false;
async function stop(signal) {
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await demo.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
