// Mailbox health on the supervisor board, through the whole server and the real WebSocket protocol, against the real
// Dovecot and Postfix: a wrong password shows as an authentication failure with its retry time and attempt count, a
// mail that arrives meanwhile waits on the IMAP server and is read once the password is fixed (the server started
// again on the same database); a server out of reach shows as unreachable, and the mailbox reads what arrived once it
// is back. Every change reaches the supervisor as a `board` notice first.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { CommandResult } from '@helpline/core';
import type { ConfigInput } from '../../config/config';
import type { HelplineServer } from '../../server';
import { freshPgliteDir } from '../../testing/databases';
import { staffToken, startTestServer, TEST_CONFIG, TestClient } from '../../testing/harness';
import { type FaultProxy, startFaultProxy } from '../../testing/proxy';
import {
  sendAsCustomer,
  testEmailConfig,
  testMailServers,
  uniqueAddress,
  waitForInbox,
} from './email.testing';

const servers = testMailServers();
const skip = 'skip' in servers ? servers.skip : false;
type Board = CommandResult<'supervisor.snapshot'>;
type Mailbox = NonNullable<Board['mailboxes']>[number];

describe('mailbox health on the supervisor board', { skip }, () => {
  if ('skip' in servers) return;
  const mail = servers;
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  // The test mailbox's configuration (retries from 100 ms to 1 s: the test waits for a few of them).
  const configFor = (support: string, imapPort: number): ConfigInput =>
    ({ ...TEST_CONFIG, email: testEmailConfig(mail, support, { port: imapPort }) }) as ConfigInput;

  async function serve(config: ConfigInput, password: string, dataDir: string): Promise<HelplineServer> {
    const server = await startTestServer({
      config,
      storage: { kind: 'pglite', dataDir },
      env: { HELPLINE_TEST_MAIL_PASSWORD: password },
    });
    cleanups.push(() => server.close());
    return server;
  }

  /** Sam on the server's socket, and a wait for a board (after a `board` notice) whose mailbox passes `check`. */
  async function supervisor(server: HelplineServer) {
    const sam = await TestClient.connect(server.socketUrl, await staffToken('sam', { role: 'supervisor' }), {
      site: '',
      origin: null,
    });
    cleanups.push(async () => sam.close());
    const boardUntil = async (check: (mailbox: Mailbox) => boolean, what: string): Promise<Board> => {
      for (;;) {
        const seen = sam.frames.length;
        const board = await sam.ok('supervisor.snapshot', {});
        const mailbox = board.mailboxes?.[0];
        if (mailbox && check(mailbox)) return board;
        // Pushed, not polled: the next look is after the server says the board changed.
        await sam.waitFor(
          (frame) => frame.t === 'notice' && frame.notice.type === 'board',
          `a board notice before ${what} (last: ${JSON.stringify(mailbox)})`,
          60_000,
          seen,
        );
      }
    };
    return { sam, boardUntil };
  }

  const sendTo = (support: string, marker: string) =>
    sendAsCustomer(mail, {
      from: uniqueAddress(mail, 'customer'),
      to: support,
      subject: `Order ${marker}`,
      text: `Where is order ${marker}?`,
    });

  it('shows a wrong password as an authentication failure, retried, and reads the waiting mail once it is fixed', {
    timeout: 120_000,
  }, async () => {
    const support = uniqueAddress(mail, 'support');
    const dataDir = await freshPgliteDir();
    const wrong = await serve(configFor(support, mail.imapPort), 'not-the-password', dataDir);
    const { boardUntil } = await supervisor(wrong);
    const failing = await boardUntil(
      (m) => m.problem === 'authentication' && m.failures >= 2,
      'two refusals',
    );
    const mailbox = failing.mailboxes?.[0];
    assert.equal(mailbox?.state, 'retrying');
    assert.equal(mailbox?.address, support);
    assert.ok(
      mailbox?.retryAt !== undefined && mailbox.retryAt > failing.at - 1000,
      'the next retry is named',
    );
    assert.equal(mailbox?.lastSyncAt, undefined, 'never read');
    assert.doesNotMatch(JSON.stringify(failing.mailboxes), /not-the-password/, 'no password on the board');

    // A customer writes while the mailbox cannot be read: the mail waits on the IMAP server.
    await sendTo(support, 'A-1');
    await waitForInbox(mail, support, (list) => list.length === 1);
    await wrong.close();

    // The password is fixed and the server started again on the same database.
    const fixed = await serve(configFor(support, mail.imapPort), mail.password, dataDir);
    const { boardUntil: fixedUntil } = await supervisor(fixed);
    const healthy = await fixedUntil(
      (m) => m.state === 'connected' && m.lastSyncAt !== undefined && m.received === 1,
      'the mailbox read',
    );
    assert.equal(healthy.mailboxes?.[0]?.failures, 0);
    assert.equal(healthy.mailboxes?.[0]?.problem, undefined);
    const emails = healthy.waiting.filter((item) => item.channel === 'email');
    assert.equal(emails.length, 1, 'the mail that waited became one conversation');
  });

  it('shows a server out of reach as unreachable, and reads what arrived meanwhile once it is back', {
    timeout: 120_000,
  }, async () => {
    const support = uniqueAddress(mail, 'support');
    const proxy: FaultProxy = await startFaultProxy(mail.imapPort, mail.host);
    cleanups.push(() => proxy.close());
    proxy.setTarget(1); // nothing listens on port 1: the IMAP server is gone
    const server = await serve(configFor(support, proxy.port), mail.password, await freshPgliteDir());
    const { boardUntil } = await supervisor(server);
    const failing = await boardUntil(
      (m) => m.problem === 'unreachable' && m.failures >= 2,
      'two failed connects',
    );
    assert.equal(failing.mailboxes?.[0]?.state, 'retrying');
    assert.ok(failing.mailboxes?.[0]?.retryAt !== undefined);

    await sendTo(support, 'B-1');
    await sendTo(support, 'B-2');
    await waitForInbox(mail, support, (list) => list.length === 2);
    proxy.setTarget(mail.imapPort);
    const healthy = await boardUntil(
      (m) => m.state === 'connected' && m.failures === 0 && m.received === 2,
      'the mailbox back and read',
    );
    assert.ok(healthy.mailboxes?.[0]?.lastSyncAt !== undefined);
    assert.equal(
      healthy.waiting.filter((item) => item.channel === 'email').length,
      2,
      'both mails, once each',
    );
  });
});
