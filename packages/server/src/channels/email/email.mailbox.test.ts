// A mailbox's reader under faults, against the real Dovecot through a TCP proxy (testing/proxy.ts): the connection
// cut in the middle of a fetch, the server gone and back, a wrong password, a restart on the stored cursor. Every
// mail is handed to the hub exactly once.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { migrate } from '../../storage/migrations';
import { openPglite } from '../../storage/sql.client';
import { freshPgliteDir } from '../../testing/databases';
import { type FaultProxy, startFaultProxy } from '../../testing/proxy';
import { createEmailChannel, type EmailChannel } from './email.channel';
import { createMemoryEmailStore, createSqlEmailStore, type EmailStore } from './email.store';
import {
  createConditionWaiter,
  createRecordingIntake,
  type RecordingIntake,
  sendAsCustomer,
  testEmailConfig,
  testMailServers,
  uniqueAddress,
  waitForInbox,
} from './email.testing';
import type { MailboxStatus } from './email.types';

const servers = testMailServers();
const skip = 'skip' in servers ? servers.skip : false;

describe('a mailbox reader under faults', { skip }, () => {
  if ('skip' in servers) return;
  const mail = servers;
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function proxy(): Promise<FaultProxy> {
    const started = await startFaultProxy(mail.imapPort, mail.host);
    cleanups.push(() => started.close());
    return started;
  }

  function channelOn(
    support: string,
    port: number,
    options: { store?: EmailStore; intake?: RecordingIntake; password?: string } = {},
  ) {
    const intake = options.intake ?? createRecordingIntake();
    const statuses: MailboxStatus[] = [];
    // Resolves when a check holds after a status change.
    const { changed, until: statusUntil } = createConditionWaiter();
    const channel: EmailChannel = createEmailChannel({
      config: testEmailConfig(mail, support, { port }),
      store: options.store ?? createMemoryEmailStore(),
      intake,
      env: { HELPLINE_TEST_MAIL_PASSWORD: options.password ?? mail.password },
      onStatus(status) {
        statuses.push(status);
        changed();
      },
    });
    cleanups.push(() => channel.stop());
    return { intake, channel, statuses, statusUntil };
  }

  /** Sends `count` mails of about `kilobytes` each and waits until the mailbox holds `total` (default: them). */
  async function fill(support: string, count: number, kilobytes: number, total = count): Promise<string[]> {
    const customer = uniqueAddress(mail, 'customer');
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      ids.push(
        await sendAsCustomer(mail, {
          from: customer,
          to: support,
          subject: `Mail ${index}`,
          text: `Mail ${index}\n${'lorem ipsum '.repeat(kilobytes * 85)}`,
        }),
      );
    }
    await waitForInbox(mail, support, (list) => list.length === total);
    return ids;
  }

  const handedOnce = (intake: RecordingIntake, ids: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const call of intake.calls) counts.set(call.externalId, (counts.get(call.externalId) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), [...ids].sort());
    assert.ok(
      [...counts.values()].every((count) => count === 1),
      'no mail handed over twice',
    );
  };

  it('lose and duplicate nothing when the connection is cut in the middle of fetches', async () => {
    const support = uniqueAddress(mail, 'support');
    const ids = await fill(support, 12, 120);
    const faults = await proxy();
    faults.setDelay(15); // a fetch of a 120 KB mail spans many chunks: a cut lands inside one
    const { intake, channel, statuses } = channelOn(support, faults.port);
    const cuts: number[] = [];
    // Cut while the reader fetches the mail after the 3rd and after the 8th (20 ms into the fetch).
    const cutAfter = new Set([3, 8]);
    const watcher = intake.until(
      () => {
        const received = new Set(intake.calls.map((call) => call.externalId)).size;
        if (cutAfter.delete(received)) {
          setTimeout(() => {
            cuts.push(received);
            faults.cut();
          }, 20);
        }
        return received === ids.length;
      },
      'all mails',
      60_000,
    );
    await channel.start();
    await watcher;
    assert.deepEqual(cuts, [3, 8]);
    handedOnce(intake, ids);
    assert.ok(
      statuses.filter((status) => status.state === 'retrying').length >= 2,
      'each cut was noticed and retried',
    );
    assert.equal(channel.statuses()[0]?.state, 'connected');
  });

  it('report a server gone, retry with backoff, and read what arrived meanwhile once it is back', async () => {
    const support = uniqueAddress(mail, 'support');
    const faults = await proxy();
    faults.setTarget(1); // nothing listens on port 1: the server is gone
    const { intake, channel, statuses, statusUntil } = channelOn(support, faults.port);
    await channel.start();
    await statusUntil(() => statuses.filter((s) => s.state === 'retrying').length >= 3, 'three retries');
    const failing = channel.statuses()[0];
    assert.equal(failing?.state, 'retrying');
    assert.equal(failing?.problem, 'unreachable');
    assert.ok((failing?.failures ?? 0) >= 1 && failing?.retryAt !== undefined);
    const ids = await fill(support, 2, 1);
    faults.setTarget(mail.imapPort);
    // Healthy again once it has read everything (the cursor is saved then).
    await statusUntil(() => channel.statuses()[0]?.failures === 0, 'a healthy mailbox');
    handedOnce(intake, ids);
    assert.equal(channel.statuses()[0]?.failures, 0);
  });

  it('report a wrong password as an authentication problem and keep retrying', async () => {
    const support = uniqueAddress(mail, 'support');
    const { channel, statuses, statusUntil } = channelOn(support, mail.imapPort, { password: 'wrong' });
    await channel.start();
    await statusUntil(() => statuses.some((s) => s.failures >= 2), 'two failed attempts');
    const status = channel.statuses()[0];
    assert.equal(status?.state, 'retrying');
    assert.equal(status?.problem, 'authentication');
    assert.doesNotMatch(status?.error ?? '', /wrong/, 'no password in the status');
  });

  it('read nothing twice after a restart on the cursor stored in the database', async () => {
    const dir = await freshPgliteDir();
    const db = await openPglite(dir);
    cleanups.push(() => db.close());
    await migrate(db);
    const store = createSqlEmailStore(db);
    const support = uniqueAddress(mail, 'support');
    const ids = await fill(support, 3, 1);
    const intake = createRecordingIntake();
    const first = channelOn(support, mail.imapPort, { store, intake });
    await first.channel.start();
    await intake.until(() => intake.calls.length === 3, 'the first three');
    await first.channel.stop();
    // One more arrives while the reader is stopped; the stored cursor is at the third.
    await fill(support, 1, 1, 4);
    assert.equal((await store.cursor('support', 'INBOX'))?.lastUid, 3);
    const second = channelOn(support, mail.imapPort, { store, intake });
    await second.channel.start();
    // The first status with a sync time comes after the catch-up, cursor saved.
    await second.statusUntil(() => second.channel.statuses()[0]?.lastSyncAt !== undefined, 'the catch-up');
    // Postfix delivers in parallel: the mailbox's order (UIDs) need not be the order they were sent in.
    assert.deepEqual(
      intake.calls
        .slice(0, 3)
        .map((call) => call.externalId)
        .sort(),
      [...ids].sort(),
    );
    assert.equal(intake.calls.length, 4, 'only the new mail was read after the restart');
    assert.equal((await store.cursor('support', 'INBOX'))?.lastUid, 4);
    assert.equal(new Set(intake.calls.map((call) => call.externalId)).size, 4);

    // The same channel stopped and started again (an instance that leads again) goes on from the cursor.
    await second.channel.stop();
    await fill(support, 1, 1, 5);
    await second.channel.start();
    await intake.until(() => intake.calls.length === 5, 'the mail after the second start');
    assert.equal(new Set(intake.calls.map((call) => call.externalId)).size, 5);
  });
});
