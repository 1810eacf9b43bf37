// Real mail servers on this machine for the email tests: a private Dovecot (IMAP + LMTP) and a private Postfix
// (SMTP on localhost, delivering to Dovecot over LMTP), both listening on 127.0.0.1 only, on ports of their own.
// Usage: `node scripts/ensure-mail.mjs` prints the HELPLINE_TEST_MAIL_URL the tests read (or why they will skip);
// `node scripts/ensure-mail.mjs --stop` stops both. `ensureMail()` returns `{ url }` or `{ skip }`.
//
// Idempotent: installs Debian's dovecot-imapd, dovecot-lmtpd and postfix when missing (as root, with apt), writes the
// configuration under HELPLINE_MAIL_DIR (default /var/lib/helpline-mail), starts what is not answering. The machine's
// own Postfix and Dovecot (ports 25, 143) are neither configured nor started.
//
// Every address at helpline.test is a mailbox, created on first delivery or login, with one password generated on
// first setup: tests use addresses of their own (a random local part) so parallel runs never share a mailbox. Mail to
// nowhere.helpline.test bounces at once (a DSN back to the sender); mail to any other domain bounces too — nothing
// leaves this machine.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIL_DIR = process.env.HELPLINE_MAIL_DIR ?? '/var/lib/helpline-mail';
const HOST = '127.0.0.1';
const PORTS = { imap: 10143, lmtp: 10024, smtp: 10025 };
/** The domain every test mailbox lives in (`.test` is reserved: it never reaches the internet). */
export const MAIL_DOMAIN = 'helpline.test';
/** A domain whose mail bounces at once, for the bounce tests. */
export const BOUNCE_DOMAIN = `nowhere.${MAIL_DOMAIN}`;
const PACKAGES = ['dovecot-imapd', 'dovecot-lmtpd', 'postfix'];
const BINARIES = {
  dovecot: '/usr/sbin/dovecot',
  postfix: '/usr/sbin/postfix',
  postconf: '/usr/sbin/postconf',
};
const STATE_FILE = join(MAIL_DIR, 'test-mail.json');
const DOVECOT_CONF = join(MAIL_DIR, 'dovecot', 'dovecot.conf');
const POSTFIX_DIR = join(MAIL_DIR, 'postfix');

const defaultLog = (line) => console.error(`[ensure-mail] ${line}`);

function isRoot() {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

function missingBinaries() {
  return Object.values(BINARIES).filter((path) => !existsSync(path));
}

/**
 * Runs a command and returns its output. `daemon`: the command leaves a server running, which keeps any pipe we
 * give it open for ever, so it gets none (its errors go to its own log).
 */
function run(command, args, log, { quiet = false, daemon = false } = {}) {
  if (!quiet) log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: daemon ? 'ignore' : 'pipe',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`})${output ? `: ${output}` : ''}`,
    );
  }
  return result.stdout ?? '';
}

function install(log) {
  log(`installing ${PACKAGES.join(', ')} (Debian packages, about a minute)`);
  // Postfix asks what kind of mail system this is; "No configuration" leaves the machine's own instance unset.
  spawnSync('debconf-set-selections', {
    input: 'postfix postfix/main_mailer_type select No configuration\n',
  });
  // Another apt may hold the dpkg lock (unattended upgrades, a parallel install): wait for it, not fail.
  run('apt-get', ['update', '-o', 'DPkg::Lock::Timeout=900'], log);
  run(
    'apt-get',
    ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=900', ...PACKAGES],
    log,
  );
}

/** Writes `text` to `path` unless it already holds exactly that; returns whether it changed. */
function writeIfChanged(path, text, mode = 0o644) {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return true;
}

/** The password of every test mailbox: made once, kept in the state file so a restart keeps it. */
function mailboxPassword() {
  try {
    const state = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
    if (typeof state.password === 'string' && state.password) return state.password;
  } catch {
    // No state yet: first setup.
  }
  return randomBytes(12).toString('hex');
}

function dovecotConfig(password) {
  return `# Written by scripts/ensure-mail.mjs: a private Dovecot for Helpline's email tests (localhost only).
instance_name = helpline-mail
protocols = imap lmtp
listen = ${HOST}
base_dir = ${MAIL_DIR}/dovecot/run/
state_dir = ${MAIL_DIR}/dovecot/state
log_path = ${MAIL_DIR}/dovecot/dovecot.log
ssl = no
# Plain passwords over plain IMAP: acceptable on 127.0.0.1 only, which is all this instance listens on.
disable_plaintext_auth = no
auth_mechanisms = plain login
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
mail_location = maildir:${MAIL_DIR}/mail/%Lu
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
first_valid_gid = 8
mail_max_userip_connections = 200
# Every address is a mailbox with the one test password (tests use addresses of their own).
passdb {
  driver = static
  args = password=${password}
}
userdb {
  driver = static
  args = uid=mail gid=mail home=${MAIL_DIR}/mail/%Lu
}
namespace inbox {
  inbox = yes
}
service imap-login {
  inet_listener imap {
    address = ${HOST}
    port = ${PORTS.imap}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = ${HOST}
    port = ${PORTS.lmtp}
  }
}
protocol lmtp {
  postmaster_address = postmaster@${MAIL_DOMAIN}
}
`;
}

function postfixMainConfig() {
  return `# Written by scripts/ensure-mail.mjs: a private Postfix for Helpline's email tests (localhost only).
compatibility_level = 3.6
queue_directory = ${POSTFIX_DIR}/queue
data_directory = ${POSTFIX_DIR}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.${MAIL_DOMAIN}
mydomain = ${MAIL_DOMAIN}
myorigin = ${MAIL_DOMAIN}
mydestination =
inet_interfaces = ${HOST}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = $myhostname ESMTP
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtputf8_enable = no
# Take mail for the bouncing domain in and bounce it afterwards (a DSN to the sender), as a real remote server would.
smtpd_reject_unlisted_recipient = no
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
local_recipient_maps =
recipient_delimiter = +
virtual_mailbox_domains = ${MAIL_DOMAIN}
virtual_transport = lmtp:inet:${HOST}:${PORTS.lmtp}
transport_maps = inline:{ { ${BOUNCE_DOMAIN} = error:5.1.1 mailbox unavailable (a test domain that bounces) } }
default_transport = error:5.7.1 this test server delivers only to ${MAIL_DOMAIN}
relay_transport = error:5.7.1 this test server delivers only to ${MAIL_DOMAIN}
delay_warning_time = 0
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
maillog_file = ${POSTFIX_DIR}/maillog
`;
}

// No chroot anywhere (Debian's own master.cf chroots, which needs copies of /etc in the queue directory).
const POSTFIX_MASTER = `# Written by scripts/ensure-mail.mjs. service type private unpriv chroot wakeup maxproc command
${HOST}:${PORTS.smtp} inet n - n - - smtpd
pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp       unix - - n - - smtp
relay      unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
lmtp       unix - - n - - lmtp
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
`;

/** Resolves to the first line the server at `port` sends, or rejects after `timeoutMs`. */
function greeting(port, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no greeting on ${HOST}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.end();
      resolve(chunk.toString('utf8').split('\r\n')[0]);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function answers(port) {
  return greeting(port, 1000).then(
    () => true,
    () => false,
  );
}

async function waitForGreeting(port, what) {
  const deadline = Date.now() + 20_000;
  let last;
  while (Date.now() < deadline) {
    try {
      return await greeting(port);
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${what} did not answer on ${HOST}:${port}: ${last?.message ?? 'timed out'}`);
}

function prepareDirectories() {
  for (const dir of ['dovecot/run', 'dovecot/state', 'mail', 'postfix/queue', 'postfix/data']) {
    mkdirSync(join(MAIL_DIR, dir), { recursive: true });
  }
  chmodSync(MAIL_DIR, 0o755);
  chownSync(join(MAIL_DIR, 'mail'), 8, 8); // the `mail` user Dovecot stores messages as
  const postfixUser = spawnSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).stdout.trim();
  const postfixGroup = spawnSync('id', ['-g', 'postfix'], { encoding: 'utf8' }).stdout.trim();
  chownSync(join(POSTFIX_DIR, 'data'), Number(postfixUser), Number(postfixGroup));
}

/** Mailboxes of test runs older than a day go: every run makes new ones, and nothing reads old ones. */
function pruneOldMailboxes() {
  const root = join(MAIL_DIR, 'mail');
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
  }
}

async function startDovecot(password, log) {
  const changed = writeIfChanged(DOVECOT_CONF, dovecotConfig(password), 0o600);
  if (await answers(PORTS.imap)) {
    if (changed) run('doveadm', ['-c', DOVECOT_CONF, 'reload'], log, { daemon: true });
    return;
  }
  run(BINARIES.dovecot, ['-c', DOVECOT_CONF], log, { daemon: true });
  await waitForGreeting(PORTS.imap, 'Dovecot (IMAP)');
  await waitForGreeting(PORTS.lmtp, 'Dovecot (LMTP)');
}

async function startPostfix(log) {
  const main = writeIfChanged(join(POSTFIX_DIR, 'main.cf'), postfixMainConfig());
  const master = writeIfChanged(join(POSTFIX_DIR, 'master.cf'), POSTFIX_MASTER);
  // Postfix runs a configuration directory other than its default only when the default one names it. With the
  // package's "No configuration" answer the default main.cf does not exist yet: a minimal one is made for it.
  if (!existsSync('/etc/postfix/main.cf')) {
    writeFileSync(
      '/etc/postfix/main.cf',
      '# Made by scripts/ensure-mail.mjs (this instance is not started).\ncompatibility_level = 3.6\n',
    );
  }
  const listed = run(BINARIES.postconf, ['-h', 'alternate_config_directories'], log, { quiet: true });
  if (!listed.split(/[\s,]+/).includes(POSTFIX_DIR)) {
    const value = [listed.trim(), POSTFIX_DIR].filter(Boolean).join(', ');
    run(BINARIES.postconf, ['-e', `alternate_config_directories = ${value}`], log);
  }
  if (await answers(PORTS.smtp)) {
    if (main || master) run(BINARIES.postfix, ['-c', POSTFIX_DIR, 'reload'], log, { daemon: true });
    return;
  }
  run(BINARIES.postfix, ['-c', POSTFIX_DIR, 'set-permissions'], log, { quiet: true });
  run(BINARIES.postfix, ['-c', POSTFIX_DIR, 'start'], log, { daemon: true });
  await waitForGreeting(PORTS.smtp, 'Postfix (SMTP)');
}

/** The URL tests read: IMAP host and port, the password, the SMTP port and the domain. */
export function mailUrl({ password, host = HOST, imap = PORTS.imap, smtp = PORTS.smtp }) {
  return `imap://:${encodeURIComponent(password)}@${host}:${imap}/?smtp=${smtp}&domain=${MAIL_DOMAIN}&bounce=${BOUNCE_DOMAIN}`;
}

/**
 * Makes sure the test mail servers answer and resolves to `{ url }` for HELPLINE_TEST_MAIL_URL, or to `{ skip }`
 * saying why the email tests cannot run here. A HELPLINE_TEST_MAIL_URL already in the environment wins.
 */
export async function ensureMail({ log = defaultLog } = {}) {
  if (process.env.HELPLINE_TEST_MAIL_URL) return { url: process.env.HELPLINE_TEST_MAIL_URL };
  const canInstall = isRoot() && existsSync('/usr/bin/apt-get');
  if (!isRoot()) {
    // Someone (root) set them up already: use them.
    if (existsSync(STATE_FILE) && (await answers(PORTS.imap)) && (await answers(PORTS.smtp))) {
      return { url: JSON.parse(readFileSync(STATE_FILE, 'utf8')).url };
    }
    return {
      skip:
        'the test mail servers are not running and starting them needs root (run `sudo node scripts/ensure-mail.mjs` ' +
        'once, or set HELPLINE_TEST_MAIL_URL to servers of your own)',
    };
  }
  if (missingBinaries().length > 0) {
    if (!canInstall) {
      return {
        skip: `Dovecot and Postfix are not installed (${missingBinaries().join(', ')} missing) and apt-get is not available`,
      };
    }
    install(log);
  }
  const password = mailboxPassword();
  prepareDirectories();
  pruneOldMailboxes();
  await startDovecot(password, log);
  await startPostfix(log);
  const url = mailUrl({ password });
  writeIfChanged(STATE_FILE, `${JSON.stringify({ url, password }, null, 2)}\n`);
  return { url };
}

/**
 * The test command's step: sets HELPLINE_TEST_MAIL_URL for the test processes, or says why the email tests will
 * skip. With HELPLINE_TEST_MAIL_REQUIRED=1 (CI sets it) a skip fails the step instead, so CI never skips them silently.
 */
export async function prepareMailForTests({ log = defaultLog } = {}) {
  console.log('\n=== mail servers: node scripts/ensure-mail.mjs');
  const result = await ensureMail({ log });
  if ('url' in result) {
    process.env.HELPLINE_TEST_MAIL_URL = result.url;
    return { ok: true, note: 'Dovecot and Postfix on 127.0.0.1' };
  }
  const required = ['1', 'true'].includes((process.env.HELPLINE_TEST_MAIL_REQUIRED ?? '').toLowerCase());
  console.log(`Email tests will skip: ${result.skip}`);
  return { ok: !required, note: `email tests skip: ${result.skip}` };
}

/** Stops the private Dovecot and Postfix (the configuration and mailboxes stay). */
export function stopMail({ log = defaultLog } = {}) {
  if (existsSync(DOVECOT_CONF)) spawnSync('doveadm', ['-c', DOVECOT_CONF, 'stop']);
  if (existsSync(join(POSTFIX_DIR, 'main.cf'))) spawnSync(BINARIES.postfix, ['-c', POSTFIX_DIR, 'stop']);
  log('stopped');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv.includes('--stop')) {
      stopMail();
    } else {
      const result = await ensureMail();
      if ('url' in result) console.log(result.url);
      else console.error(`[ensure-mail] email tests will skip: ${result.skip}`);
    }
  } catch (error) {
    console.error(`[ensure-mail] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
