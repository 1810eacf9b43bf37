import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { putBytes, uploadWhole } from '../../packages/server/src/attachments/attachments.testing';
import { testMailServers, uniqueAddress } from '../../packages/server/src/channels/email/email.testing';
import type { ConfigInput } from '../../packages/server/src/config/config';
import type { HelplineServer } from '../../packages/server/src/server';
import {
  activeChat,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
} from '../../packages/server/src/testing/harness';
import type { BenchRow } from './bench.types';

/*
 * The channels of issue 18 under load, on one server on PGlite (the embedded default) on this machine:
 * - inbound email: a mailbox on the real Dovecot of scripts/ensure-mail.mjs (started here when the test command has
 *   not), watched over IMAP IDLE by the server; N mails from N customers are appended to it at once, and the clock
 *   runs until the last of them is an interaction offered to an agent. Messages per second, IMAP to offer.
 * - attachments: files uploaded by a visitor into its chat over the HTTP routes (create, PUT, complete), whole and in
 *   1 MB chunks, stored in files under the data directory. MB per second.
 * HELPLINE_BENCH_EMAILS and HELPLINE_BENCH_UPLOADS shrink or grow them.
 */

const EMAILS = Number(process.env.HELPLINE_BENCH_EMAILS ?? 300);
const UPLOADS = Number(process.env.HELPLINE_BENCH_UPLOADS ?? 20);
const UPLOAD_BYTES = 8 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const AGENTS = 40;
const EMAILS_PER_AGENT = 8;
const WAIT_MS = 180_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const mbps = (bytes: number, ms: number) => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(1)} MB/s`;

async function mailServers() {
  if (!process.env.HELPLINE_TEST_MAIL_URL) {
    // @ts-expect-error: a plain .mjs script of the repository, without types.
    const { prepareMailForTests } = await import('../ensure-mail.mjs');
    await prepareMailForTests({ log: () => {} });
  }
  return testMailServers();
}

/** A PDF's first bytes (for the type sniffer), then random bytes. */
function pdf(size: number): Uint8Array {
  const bytes = randomBytes(size);
  bytes.write('%PDF-1.4\n', 0, 'latin1');
  return bytes;
}

async function inboundEmailRow(): Promise<BenchRow> {
  const what = `inbound email: IMAP to an offered interaction (${EMAILS} mails from ${EMAILS} customers appended at once to a mailbox the server watches with IDLE; PGlite)`;
  const servers = await mailServers();
  if ('skip' in servers)
    return { what, measured: `skipped: ${servers.skip}`, budget: '—', competitors: '—', ok: null };
  const support = uniqueAddress(servers, 'bench-support');
  const agents = Array.from({ length: AGENTS }, (_, index) => `agent${index}`);
  const config: ConfigInput = {
    ...TEST_CONFIG,
    agents: agents.map((id) => ({
      id,
      name: id,
      queues: ['support'],
      capacity: { email: EMAILS_PER_AGENT },
    })),
    email: {
      mailboxes: [
        {
          id: 'support',
          address: support,
          queueId: 'support',
          imap: {
            host: servers.host,
            port: servers.imapPort,
            secure: false,
            allowPlaintext: true,
            user: support,
            passwordEnv: 'HELPLINE_BENCH_MAIL_PASSWORD',
          },
          smtp: { host: servers.host, port: servers.smtpPort, secure: false, allowPlaintext: true },
        },
      ],
    },
  };
  const server = await startTestServer({ config, env: { HELPLINE_BENCH_MAIL_PASSWORD: servers.password } });
  const clients: TestClient[] = [];
  const imap = new ImapFlow({
    host: servers.host,
    port: servers.imapPort,
    secure: false,
    auth: { user: support, pass: servers.password },
    logger: false,
  });
  try {
    for (const id of agents) {
      const client = await TestClient.connect(server.socketUrl, await staffToken(id), {
        site: '',
        origin: null,
      });
      clients.push(client);
      await client.ok('presence.set', { status: 'available' });
    }
    await imap.connect();
    const mails = Array.from({ length: EMAILS }, (_, index) =>
      Buffer.from(
        [
          `From: Customer ${index} <customer${index}@${servers.domain}>`,
          `To: ${support}`,
          `Subject: Order ${index} has not arrived`,
          `Message-ID: <bench-${index}-${randomBytes(6).toString('hex')}@${servers.domain}>`,
          `Date: ${new Date().toUTCString()}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          `Hello, my order ${index} has not arrived yet. Could you look into it?`,
          '',
        ].join('\r\n'),
      ),
    );
    const offered = () =>
      server.hub.interactions().filter((i) => i.channel === 'email' && i.state !== 'queued').length;
    const started = performance.now();
    for (const mail of mails) await imap.append('INBOX', mail);
    const appended = performance.now() - started;
    const deadline = Date.now() + WAIT_MS;
    while (offered() < EMAILS && Date.now() < deadline) await sleep(10);
    const took = performance.now() - started;
    const count = offered();
    return {
      what,
      measured:
        count < EMAILS
          ? `only ${count} of ${EMAILS} offered within ${WAIT_MS / 1000} s`
          : `${(EMAILS / (took / 1000)).toFixed(0)} mails/s (${EMAILS} in ${(took / 1000).toFixed(2)} s; appending them took ${(appended / 1000).toFixed(2)} s)`,
      budget: '—',
      competitors: 'Chatwoot polls IMAP once a minute',
      ok: count < EMAILS ? false : null,
    };
  } finally {
    await imap.logout().catch(() => {});
    for (const client of clients) client.terminate();
    await server.close();
  }
}

async function uploadRows(): Promise<BenchRow[]> {
  // The bench measures throughput, not the per-address upload limit (docs/attachments.md).
  const config: ConfigInput = {
    ...TEST_CONFIG,
    limits: { ...TEST_CONFIG.limits, uploads: { burst: 1_000, perMinute: 60_000 } },
  };
  const server: HelplineServer = await startTestServer({ config });
  const placed = await activeChat(server);
  try {
    const files = Array.from({ length: UPLOADS }, () => pdf(UPLOAD_BYTES));
    const whole = performance.now();
    for (const [index, bytes] of files.entries()) {
      const done = await uploadWhole(server, placed.visitorToken, placed.cid, {
        name: `invoice-${index}.pdf`,
        type: 'application/pdf',
        bytes,
      });
      if (done.status !== 200) throw new Error(`upload ${index}: ${done.status} ${done.text}`);
    }
    const wholeMs = performance.now() - whole;

    const chunked = performance.now();
    for (const [index, bytes] of files.entries()) {
      const created = await createChunked(server, placed.visitorToken, placed.cid, index, bytes);
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
        const chunk = bytes.subarray(offset, Math.min(offset + CHUNK_BYTES, bytes.length));
        const put = await putBytes(server.url, placed.visitorToken, created, offset, chunk, bytes.length);
        if (put.status !== 200) throw new Error(`chunk at ${offset}: ${put.status} ${await put.text()}`);
      }
      const done = await fetch(`${server.url}/v1/attachments/${created}/complete`, {
        method: 'POST',
        headers: { authorization: `Bearer ${placed.visitorToken}` },
      });
      if (done.status !== 200) throw new Error(`complete ${index}: ${done.status}`);
    }
    const chunkedMs = performance.now() - chunked;
    const total = UPLOADS * UPLOAD_BYTES;
    const scale = `${UPLOADS} PDFs of ${UPLOAD_BYTES / 1024 / 1024} MB by a visitor into its chat, stored in files; PGlite`;
    return [
      {
        what: `attachment upload throughput, whole (${scale})`,
        measured: `${mbps(total, wholeMs)} (${(wholeMs / UPLOADS).toFixed(0)} ms a file, created, sent, sniffed, hashed and completed)`,
        budget: '—',
        competitors: '—',
        ok: null,
      },
      {
        what: `attachment upload throughput, in ${CHUNK_BYTES / 1024 / 1024} MB chunks (${scale})`,
        measured: `${mbps(total, chunkedMs)} (${(chunkedMs / UPLOADS).toFixed(0)} ms a file)`,
        budget: '—',
        competitors: '—',
        ok: null,
      },
    ];
  } finally {
    placed.visitor.terminate();
    placed.agent.terminate();
    await server.close();
  }
}

async function createChunked(
  server: HelplineServer,
  token: string,
  cid: string,
  index: number,
  bytes: Uint8Array,
): Promise<string> {
  const response = await fetch(`${server.url}/v1/conversations/${cid}/attachments?site=shop`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `chunked-${index}.pdf`, type: 'application/pdf', size: bytes.length }),
  });
  if (response.status !== 201)
    throw new Error(`create ${index}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export default async function channelsBench(): Promise<BenchRow[]> {
  return [await inboundEmailRow(), ...(await uploadRows())];
}
