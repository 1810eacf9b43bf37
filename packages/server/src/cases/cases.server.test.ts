import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { ConfigInput } from '../config/config';
import { freshPostgresStorage } from '../customers/customers.testing';
import type { HelplineServer } from '../server';
import { freshPgliteDir, testPostgresUrl } from '../testing/databases';
import { staffToken, startTestServer, TEST_CONFIG, TestClient, visitorToken } from '../testing/harness';

// Cases over the real server and protocol: opened from a chat, read and changed by the agents of its queue only,
// notes for staff, and reopened by the customer's answer — on PGlite and on PostgreSQL.

/** Alice serves support, Bob sales only; Sam supervises. */
const CONFIG: ConfigInput = {
  ...TEST_CONFIG,
  agents: [
    { id: 'alice', name: 'Alice', queues: ['support'] },
    { id: 'bob', name: 'Bob', queues: ['sales'] },
    { id: 'sam', name: 'Sam', role: 'supervisor' },
  ],
};

const clients: TestClient[] = [];
const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const client of clients) client.close();
  for (const close of closing.reverse()) await close();
});

async function connect(server: HelplineServer, token: string, staff = false) {
  const client = await TestClient.connect(server.socketUrl, token, staff ? { site: '', origin: null } : {});
  clients.push(client);
  return client;
}

function suite(name: string, storage: () => Promise<Parameters<typeof startTestServer>[0]>) {
  describe(`cases over the server on ${name}`, () => {
    it('a case from a chat: the agents of its queue only, notes for staff, reopened by the customer', async () => {
      const logLines: string[] = [];
      const server = await startTestServer({ config: CONFIG, logLines, ...(await storage()) });
      closing.push(() => server.close());
      const alice = await connect(server, await staffToken('alice'), true);
      const bob = await connect(server, await staffToken('bob'), true);
      const sam = await connect(server, await staffToken('sam'), true);
      const visitor = await visitorToken(server);
      const vera = await connect(server, visitor.token);
      await alice.ok('presence.set', { status: 'available' });
      const { cid } = await vera.ok('chat.start', { channel: 'chat', queueId: 'support' });
      await alice.waitFor(
        (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
        'offer',
        30_000,
      );
      await alice.ok('offer.accept', { cid });

      const { case: created } = await alice.ok('case.create', {
        cid,
        subject: 'Refund for order 42',
        priority: 'high',
      });
      assert.equal(created.status, 'open');
      assert.equal(created.queueId, 'support');
      assert.deepEqual(created.interactionIds, [cid]);
      // The screen pop of the customer's contact offers the open case.
      assert.deepEqual((await alice.ok('customer.of', { cid })).openCaseIds, [created.id]);

      // Who may see it: not the visitor (by role), not Bob (another queue: as if it did not exist), Sam yes.
      const byVisitor = await vera.command('case.get', { caseId: created.id });
      assert.equal(byVisitor.ok ? 'ran' : byVisitor.error.code, 'auth/forbidden');
      for (const [op, args] of [
        ['case.get', { caseId: created.id }],
        ['case.update', { caseId: created.id, event: 'SOLVE' }],
        ['case.note', { caseId: created.id, text: 'mine now' }],
      ] as const) {
        const byBob = await bob.command(op, args);
        assert.equal(byBob.ok ? 'ran' : byBob.error.code, 'not-found', `${op} by an agent of another queue`);
      }
      assert.deepEqual((await bob.ok('case.list', { customerId: created.customerId })).cases, []);
      assert.equal((await sam.ok('case.list', { customerId: created.customerId })).cases.length, 1);

      const { note } = await alice.ok('case.note', { caseId: created.id, text: 'Refund asked of the bank' });
      assert.deepEqual((await sam.ok('case.get', { caseId: created.id })).notes, [note]);
      const closeEarly = await alice.command('case.update', { caseId: created.id, event: 'CLOSE' });
      assert.equal(closeEarly.ok ? 'ran' : closeEarly.error.code, 'conflict/state');
      const { case: solved } = await alice.ok('case.update', {
        caseId: created.id,
        event: 'SOLVE',
        tags: ['refund'],
      });
      assert.equal(solved.status, 'solved');

      // Vera answers on the chat: the case is open again, a second contact. The reopening follows the message
      // (the hub hears it once stored), so the case is read until it shows, for as long as a busy machine may take.
      await vera.ok('message.send', { cid, clientMsgId: randomUUID(), text: 'The refund has not arrived' });
      let reopened = solved;
      const deadline = Date.now() + 15_000;
      while (reopened.status !== 'open' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        reopened = (await alice.ok('case.get', { caseId: created.id })).case;
      }
      const failures = logLines.filter((line) => /"level":"(error|warn)"/.test(line));
      assert.equal(
        reopened.status,
        'open',
        `not reopened within 15 s; the server logged: ${failures.join('\n')}`,
      );
      assert.equal(reopened.reopenCount, 1);
      assert.equal(reopened.contacts, 2);
      assert.deepEqual(reopened.tags, ['refund']);
    });

    it('after a merge the cases of both customers are listed under the customer who holds them now', async () => {
      const server = await startTestServer({ config: CONFIG, ...(await storage()) });
      closing.push(() => server.close());
      const alice = await connect(server, await staffToken('alice'), true);
      await alice.ok('presence.set', { status: 'available' });
      /** A chat of a new visitor in support, accepted by Alice; its customer record. */
      async function chatOfNewVisitor() {
        const visitor = await connect(server, (await visitorToken(server)).token);
        const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
        await alice.waitFor(
          (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
          'offer',
          30_000,
        );
        await alice.ok('offer.accept', { cid });
        return { cid, customerId: (await alice.ok('customer.of', { cid })).customer.id };
      }
      const first = await chatOfNewVisitor();
      const second = await chatOfNewVisitor();
      assert.notEqual(first.customerId, second.customerId);
      const { case: created } = await alice.ok('case.create', { cid: first.cid, subject: 'Broken zip' });

      await alice.ok('customer.merge', { targetId: second.customerId, sourceId: first.customerId });
      const listed = (await alice.ok('case.list', { customerId: second.customerId })).cases;
      assert.deepEqual(
        listed.map((c) => [c.id, c.customerId]),
        [[created.id, second.customerId]],
      );
      // The merged-away id answers for the customer who holds it now; the screen pop offers the case.
      const byOldId = (await alice.ok('case.list', { customerId: first.customerId })).cases;
      assert.deepEqual(
        byOldId.map((c) => c.customerId),
        [second.customerId],
      );
      assert.deepEqual((await alice.ok('customer.of', { cid: second.cid })).openCaseIds, [created.id]);
      // Linking the other customer's chat, refused before the merge, is now a contact of the same person.
      const { case: linked } = await alice.ok('case.link', { caseId: created.id, cid: second.cid });
      assert.deepEqual(linked.interactionIds, [first.cid, second.cid]);
      assert.equal(linked.customerId, second.customerId);
    });

    it('a callback task, due, books a callback in the case’s queue, linked to the case; tasks survive in SQL', async () => {
      const server = await startTestServer({ config: CONFIG, ...(await storage()) });
      closing.push(() => server.close());
      const alice = await connect(server, await staffToken('alice'), true);
      const bob = await connect(server, await staffToken('bob'), true);
      const visitor = await visitorToken(server);
      const vera = await connect(server, visitor.token);
      await alice.ok('presence.set', { status: 'available' });
      const { cid } = await vera.ok('chat.start', { channel: 'chat', queueId: 'support' });
      await alice.waitFor((f) => f.t === 'notice' && f.notice.type === 'offer', 'offer', 30_000);
      await alice.ok('offer.accept', { cid });
      const { case: created } = await alice.ok('case.create', { cid, subject: 'Refund' });
      await alice.ok('chat.end', { cid });

      const reminder = await alice.ok('case.task.add', {
        caseId: created.id,
        kind: 'reminder',
        dueAt: Date.now() + 3_600_000,
        note: 'Check the refund',
      });
      const refused = await bob.command('case.task.add', {
        caseId: created.id,
        kind: 'reminder',
        dueAt: Date.now() + 3_600_000,
      });
      assert.equal(refused.ok ? 'ran' : refused.error.code, 'not-found', 'an agent of another queue');
      await alice.ok('case.task.cancel', { caseId: created.id, taskId: reminder.task.id });
      const { task } = await alice.ok('case.task.add', {
        caseId: created.id,
        kind: 'callback',
        dueAt: Date.now() + 500,
        phone: '+31201234567',
      });
      const offer = await alice.waitFor(
        (f) =>
          f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.channel === 'callback',
        'the callback offered',
        30_000,
      );
      assert.ok(offer.t === 'notice' && offer.notice.type === 'offer');
      const callbackId = offer.notice.offer.interaction.id;
      assert.equal(offer.notice.offer.interaction.queueId, 'support');
      assert.equal(offer.notice.offer.interaction.customer.phone, '+31201234567');
      const read = await alice.ok('case.get', { caseId: created.id });
      assert.deepEqual(read.case.interactionIds, [cid, callbackId]);
      assert.deepEqual(
        read.tasks.map((t) => [t.kind, t.status, t.interactionId]),
        [
          ['callback', 'done', callbackId],
          ['reminder', 'cancelled', undefined],
        ],
      );
      assert.equal(read.tasks[0]?.id, task.id);
    });
  });
}

suite('PGlite', async () => ({ storage: { kind: 'pglite', dataDir: await freshPgliteDir() } }));

const available = await testPostgresUrl();
if ('url' in available) {
  suite('PostgreSQL', async () => ({ storage: await freshPostgresStorage(available.url, closing) }));
} else {
  it('cases over the server on PostgreSQL', { skip: available.skip }, () => {});
}
