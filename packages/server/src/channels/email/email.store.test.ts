// The email store's contract, the same for the memory store, PGlite and PostgreSQL (migration 9): cursors with a
// 32-bit UIDVALIDITY beyond JavaScript's int range in bigint, threads stored once, found by token and by the first
// known id of a list, messages whose status changes in place.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { migrate } from '../../storage/migrations';
import { openPglite, openPostgres, type SqlClient } from '../../storage/sql.client';
import { freshPgliteDir, freshSchemaName, testPostgresUrl } from '../../testing/databases';
import { createMemoryEmailStore, createSqlEmailStore, type EmailStore } from './email.store';

const thread = (key: string, token: string) => ({
  threadKey: key,
  replyToken: token,
  mailbox: 'support',
  customerAddress: 'ann@example.com',
  subject: 'Order',
});

function contract(name: string, open: () => Promise<EmailStore>, skip: string | false = false) {
  it(`${name}: keeps cursors, threads and messages`, { skip }, async () => {
    const store = await open();
    assert.equal(await store.cursor('support', 'INBOX'), undefined);
    await store.saveCursor('support', 'INBOX', { uidValidity: 4_294_967_295n, lastUid: 7 });
    await store.saveCursor('support', 'INBOX', { uidValidity: 4_294_967_295n, lastUid: 9 });
    assert.deepEqual(await store.cursor('support', 'INBOX'), { uidValidity: 4_294_967_295n, lastUid: 9 });
    assert.equal(await store.cursor('support', 'Archive'), undefined);

    const saved = await store.saveThread(thread('<root@x>', 'aaaaaaaaaaaaaaaa'));
    assert.deepEqual(saved, thread('<root@x>', 'aaaaaaaaaaaaaaaa'));
    // A second thread with the same key is the first one (two mails of a new thread read twice).
    assert.deepEqual(await store.saveThread(thread('<root@x>', 'bbbbbbbbbbbbbbbb')), saved);
    await store.saveThread(thread('<other@x>', 'cccccccccccccccc'));
    assert.deepEqual(await store.threadByToken('aaaaaaaaaaaaaaaa'), saved);
    assert.equal(await store.threadByToken('bbbbbbbbbbbbbbbb'), undefined);
    assert.deepEqual(await store.threadByKey('<root@x>'), saved);

    await store.saveMessage({
      messageId: '<m1@x>',
      threadKey: '<root@x>',
      direction: 'inbound',
      status: 'received',
    });
    await store.saveMessage({
      messageId: '<m2@x>',
      threadKey: '<other@x>',
      direction: 'outbound',
      status: 'sent',
    });
    assert.equal(await store.threadByMessageIds([]), undefined);
    assert.equal(await store.threadByMessageIds(['<unknown@x>']), undefined);
    // The first known id of the list decides (In-Reply-To before References).
    assert.equal(
      (await store.threadByMessageIds(['<unknown@x>', '<m2@x>', '<m1@x>']))?.threadKey,
      '<other@x>',
    );
    assert.equal((await store.threadByMessageIds(['<m1@x>', '<m2@x>']))?.threadKey, '<root@x>');

    await store.saveMessage({
      messageId: '<m2@x>',
      threadKey: '<other@x>',
      direction: 'outbound',
      status: 'failed',
    });
    assert.deepEqual(await store.message('<m2@x>'), {
      messageId: '<m2@x>',
      threadKey: '<other@x>',
      direction: 'outbound',
      status: 'failed',
    });
    assert.equal(await store.message('<unknown@x>'), undefined);
  });
}

describe('the email store', async () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const migrated = async (client: SqlClient) => {
    cleanups.push(() => client.close());
    await migrate(client);
    return createSqlEmailStore(client);
  };

  contract('in memory', async () => createMemoryEmailStore());
  contract('on PGlite', async () => migrated(await openPglite(await freshPgliteDir())));
  const postgres = await testPostgresUrl();
  contract(
    'on PostgreSQL',
    async () => {
      if ('skip' in postgres) throw new Error(postgres.skip);
      const schema = freshSchemaName();
      const client = await openPostgres(postgres.url, { schema, maxConnections: 2 });
      const store = await migrated(client);
      // Runs before the close (cleanups run last first).
      cleanups.push(() => client.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      return store;
    },
    'skip' in postgres ? postgres.skip : false,
  );
});
