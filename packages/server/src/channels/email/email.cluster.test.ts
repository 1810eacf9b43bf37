// Email in cluster mode, on the real Dovecot and Postfix and PostgreSQL. The IMAP readers run on the leader only
// (N instances reading a mailbox would read every mail N times): a mail is taken in once; after a kill -9 of the
// leader the new one takes the mailbox over from the cursor in the database, and the next mail is taken in once
// too, the first not again. The SMTP ingress runs on every instance: the same mail reaching two instances at once
// is taken in once, and a follower's ingress carries its mail to the leader's hub instead of refusing it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import type { ConfigInput } from '../../config/config';
import type { HelplineServer } from '../../server';
import { type Cluster, startCluster } from '../../testing/cluster.harness';
import { postgresTarget, testPostgresUrl } from '../../testing/databases';
import { startTestServer, TEST_CONFIG } from '../../testing/harness';
import { freePort } from '../../testing/ports';
import type { EmailConfigInput } from './email.config';
import { sendAsCustomer, testMailServers, uniqueAddress } from './email.testing';

const servers = testMailServers();
const mailSkip = 'skip' in servers ? servers.skip : false;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BASE: ConfigInput = {
  queues: [{ id: 'support', name: 'Support', acw: { kind: 'none' } }],
  agents: [{ id: 'alice', name: 'Alice' }],
  sites: [{ id: 'shop', origins: ['https://shop.example'] }],
  limits: TEST_CONFIG.limits,
};

/** Polls `check` every 100 ms until it holds (mail and the instances' logs arrive on their own time). */
async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('email in cluster mode', { skip: mailSkip }, async () => {
  if ('skip' in servers) return;
  const mail = servers;
  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('runs against PostgreSQL', { skip: available.skip }, () => {});
    return;
  }

  describe('the IMAP readers follow the lease', () => {
    const support = uniqueAddress(mail, 'support');
    const email: EmailConfigInput = {
      mailboxes: [
        {
          id: 'support',
          address: support,
          queueId: 'support',
          imap: {
            host: mail.host,
            port: mail.imapPort,
            secure: false,
            allowPlaintext: true,
            user: support,
            passwordEnv: 'HELPLINE_TEST_MAIL_PASSWORD',
          },
          smtp: { host: mail.host, port: mail.smtpPort, secure: false, allowPlaintext: true },
        },
      ],
      retry: { initialMs: 100, maxMs: 1000 },
    };
    let cluster: Cluster;
    const lines = new Map<number, string[]>();
    const logged = (index: number, event: string) =>
      (lines.get(index) ?? []).filter((line) => line.includes(`"event":"${event}"`)).length;
    before(
      async () => {
        cluster = await startCluster({
          adminUrl: available.url,
          instances: 2,
          config: { ...BASE, email } as ConfigInput,
          healthCheckMs: 250,
          env: () => ({ HELPLINE_TEST_MAIL_PASSWORD: mail.password }),
          onServerLine: (index, line) => {
            const own = lines.get(index) ?? [];
            own.push(line);
            lines.set(index, own);
          },
        });
      },
      { timeout: 120_000 },
    );
    after(async () => {
      if (process.env.HELPLINE_CLUSTER_DUMP)
        for (const [index, own] of lines) console.log(own.map((line) => `[${index}] ${line}`).join('\n'));
      await cluster?.close();
    });

    /** The conversation messages whose text holds `marker`, counted in the database. */
    const taken = async (marker: string) =>
      Number(
        (
          await cluster.query<{ n: string }>(
            "SELECT count(*) AS n FROM events WHERE type = 'message' AND body::text LIKE $1",
            [`%${marker}%`],
          )
        )[0]?.n,
      );
    const send = (marker: string) =>
      sendAsCustomer(mail, {
        from: uniqueAddress(mail, 'customer'),
        to: support,
        subject: `Order ${marker}`,
        text: `Where is order ${marker}?`,
      });

    it('reads each mail once, and the next leader takes the mailbox over from the cursor', {
      timeout: 120_000,
    }, async () => {
      let leader: number | undefined;
      await until(async () => {
        leader = await cluster.leader();
        return leader !== undefined && logged(leader, 'email.readers.start') === 1;
      }, 'the leader to read the mailbox');
      const first = leader as number;
      const second = first === 0 ? 1 : 0;
      await cluster.waitHealthy(second);
      assert.equal(logged(second, 'email.readers.start'), 0, 'the follower does not read the mailbox');

      const one = randomUUID();
      await send(one);
      await until(async () => (await taken(one)) === 1, 'the first mail taken in');
      // The cursor moves once the mail was taken in: what the next leader goes on from.
      await until(async () => {
        const [row] = await cluster.query<{ last_uid: string }>(
          "SELECT last_uid FROM email_cursors WHERE mailbox = 'support'",
        );
        return Number(row?.last_uid) === 1;
      }, 'the cursor saved');
      assert.equal(logged(second, 'email.readers.start'), 0, 'the follower still does not read it');

      await cluster.kill(first);
      await until(() => logged(second, 'email.readers.start') === 1, 'the new leader to read the mailbox');
      const two = randomUUID();
      await send(two);
      await until(async () => (await taken(two)) === 1, 'the second mail taken in by the new leader');

      // The killed instance comes back as a follower: it does not read, and nothing is read twice.
      await cluster.start(first);
      await cluster.waitHealthy(first);
      const three = randomUUID();
      await send(three);
      await until(async () => (await taken(three)) === 1, 'the third mail taken in');
      assert.equal(logged(first, 'email.readers.start'), 1, 'only its first life read the mailbox');

      // A drain hands the mailbox over too: the leader stops reading (cursor saved) and the other goes on.
      await cluster.kill(second, 'SIGTERM');
      assert.equal(logged(second, 'email.readers.stopped'), 1, 'the draining leader stopped its readers');
      await until(
        () => logged(first, 'email.readers.start') === 2,
        'the restarted instance to lead and read',
      );
      const four = randomUUID();
      await send(four);
      await until(async () => (await taken(four)) === 1, 'the fourth mail taken in');

      for (const marker of [one, two, three, four]) assert.equal(await taken(marker), 1, 'each mail once');
      const [inbound] = await cluster.query<{ n: string }>(
        "SELECT count(*) AS n FROM events WHERE type = 'message' AND client_msg_id LIKE 'email:%'",
      );
      assert.equal(Number(inbound?.n), 4, 'four mails, four messages');
    });
  });

  describe('the SMTP ingress on every instance', () => {
    const target = postgresTarget(available.url);
    const servers: HelplineServer[] = [];
    const ports: number[] = [];
    const support = uniqueAddress(mail, 'forwarded');
    before(async () => {
      for (let index = 0; index < 2; index++) {
        const port = await freePort();
        ports.push(port);
        const email: EmailConfigInput = {
          mailboxes: [
            {
              id: 'support',
              address: support,
              queueId: 'support',
              smtp: { host: mail.host, port: mail.smtpPort, secure: false, allowPlaintext: true },
            },
          ],
          ingress: { host: '127.0.0.1', port },
        };
        servers.push(await startTestServer({ config: { ...BASE, email } as ConfigInput, storage: target }));
      }
    });
    after(async () => {
      for (const server of servers.reverse()) await server.close();
      await target.drop();
    });

    it('takes the same mail in once, whichever instances it reaches', { timeout: 60_000 }, async () => {
      const [leader, follower] = servers as [HelplineServer, HelplineServer];
      assert.equal(leader.cluster?.leading, true);
      assert.equal(follower.cluster?.leading, false);
      const marker = randomUUID();
      const messageId = `<${marker}@customer.example>`;
      const deliver = async (port: number) => {
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port,
          secure: false,
          ignoreTLS: true,
        });
        try {
          await transport.sendMail({
            from: 'carla@customer.example',
            to: support,
            subject: 'Forwarded',
            text: `Forwarded ${marker}`,
            messageId,
          });
        } finally {
          transport.close();
        }
      };
      // Both accept it (250): a relay that reaches only the follower is not kept waiting for ever.
      await Promise.all(ports.map((port) => deliver(port)));
      await deliver(ports[1] as number);
      const rows = await leader.storage.sql.query<{ n: string }>(
        "SELECT count(*) AS n FROM events WHERE type = 'message' AND body::text LIKE $1",
        [`%${marker}%`],
      );
      assert.equal(Number(rows[0]?.n), 1, 'one message for three deliveries on two instances');
    });
  });
});
