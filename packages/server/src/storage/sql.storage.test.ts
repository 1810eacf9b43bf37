import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConversationEvent, Interaction, WireInteraction } from '@helpline/core';
import {
  createMemoryStorage,
  type HubStorage,
  type InteractionSnapshot,
  type StoredInteraction,
} from '@helpline/core/hub';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from '../testing/databases';
import { MIGRATIONS, migrate } from './migrations';
import { openPgliteThread } from './pglite.thread';
import { openPostgres, type SqlClient } from './sql.client';
import { createSqlStorage, openStorage, type SqlStorage, type StorageTarget } from './sql.storage';

const message = (clientMsgId: string, text: string): ConversationEvent => ({
  type: 'message',
  messageId: `m_${clientMsgId.slice(0, 8)}`,
  clientMsgId,
  from: { id: 'v1', role: 'visitor', name: 'Ada' },
  text,
});

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function interaction(id: string, customerId: string, state: string, csat?: 1 | 2 | 3 | 4 | 5): Interaction {
  return {
    id,
    channel: 'chat',
    state,
    queueId: 'support',
    customer: { id: customerId, identified: false, attributes: {} },
    participants: [{ id: customerId, role: 'visitor', displayName: 'Ada', joinedAt: 1 }],
    priority: 0,
    requiredSkills: [],
    prechat: { name: 'Ada' },
    timestamps: { createdAt: 1_000 },
    ...(csat ? { csat: { score: csat } } : {}),
  };
}

const snapshot = (value: string): InteractionSnapshot => ({
  value,
  context: { queueId: 'support', timestamps: { createdAt: 1_000 } } as InteractionSnapshot['context'],
});

interface Subject {
  storage: SqlStorage;
  /** The database under `storage`, for what only operators and reports read (columns the hub never reads back). */
  client: SqlClient;
  /** A second storage on the same database (a second server process), where the engine allows one. */
  second?: SqlStorage;
  reopen(): Promise<SqlStorage>;
}

/** A storage over a client the test keeps, opened and migrated as `openStorage` does. */
async function openWithClient(target: StorageTarget): Promise<{ storage: SqlStorage; client: SqlClient }> {
  const client =
    target.kind === 'pglite'
      ? await openPgliteThread(target.dataDir)
      : await openPostgres(target.url, target.schema === undefined ? {} : { schema: target.schema });
  await migrate(client);
  return { storage: createSqlStorage(client), client };
}

/** The `due_at` and `due_kind` columns of one interaction's row. */
async function dueOf(client: SqlClient, id: string): Promise<[number | null, string | null]> {
  const rows = await client.query<{ due_at: string | number | null; due_kind: string | null }>(
    'SELECT due_at, due_kind FROM interactions WHERE id = $1',
    [id],
  );
  const row = rows[0];
  if (!row) throw new Error(`no row ${id}`);
  return [row.due_at === null ? null : Number(row.due_at), row.due_kind];
}

/** A chat offered to alice until `expiresAt`, as the chat machine's context records it. */
const offeredSnapshot = (expiresAt: number): InteractionSnapshot => ({
  value: 'offered',
  context: {
    ...snapshot('offered').context,
    agentId: 'alice',
    offerExpiresAt: expiresAt,
  } as InteractionSnapshot['context'],
});

/** The same contract, run on PGlite and on PostgreSQL. */
function contract(open: () => Promise<Subject>) {
  it('assigns gap-free seq under concurrent appends, also from two storages on one database', async () => {
    const { storage, second } = await open();
    const writers = [storage, second ?? storage];
    const appended = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (writers[i % 2] as SqlStorage).appendEvent('c1', 10 + i, { type: 'note', text: `n${i}` }),
      ),
    );
    assert.deepEqual(
      appended.map((e) => e.seq).sort((a, b) => a - b),
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    const stored = await storage.events('c1', 0, 500);
    assert.deepEqual(
      stored.map((e) => e.seq),
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    assert.equal(await storage.lastSeq('c1'), 120);
    assert.equal(await storage.lastSeq('nobody'), 0);
  });

  it('keeps one event per (cid, clientMsgId) and answers a duplicate append with the original', async () => {
    const { storage } = await open();
    const first = await storage.appendEvent('c2', 100, message(uuid(1), 'hello'));
    const duplicate = await storage.appendEvent('c2', 200, message(uuid(1), 'hello again'));
    assert.deepEqual(duplicate, first);
    const next = await storage.appendEvent('c2', 300, message(uuid(2), 'next'));
    assert.equal(next.seq, 2, 'the refused duplicate left no gap');
    assert.deepEqual(await storage.messageByClientId('c2', uuid(1)), first);
    assert.equal(await storage.messageByClientId('c2', uuid(3)), undefined);
    assert.equal(await storage.messageByClientId('other', uuid(1)), undefined);
  });

  it("knows a conversation it began holds no sends: the first message's dedupe check reads nothing", async () => {
    const { client, storage: other } = await open();
    let reads = 0;
    const storage = createSqlStorage({
      ...client,
      query: (text, params) => {
        if (text.includes('client_msg_id IS NOT NULL')) reads++;
        return client.query(text, params);
      },
    });
    await storage.commit('begun', [{ at: 1, ev: { type: 'note', text: 'created' } }], () => ({
      interaction: interaction('begun', 'v1', 'queued'),
      snapshot: snapshot('queued'),
      open: true,
    }));
    assert.equal(await storage.messageByClientId('begun', uuid(7)), undefined);
    assert.equal(reads, 0, 'a conversation begun here (seq 1) has no earlier sends to look up');
    await other.appendEvent('elsewhere', 1, { type: 'note', text: 'begun by another process' });
    assert.equal(await storage.messageByClientId('elsewhere', uuid(8)), undefined);
    assert.equal(reads, 1, 'one begun elsewhere is read once');
    const sent = await storage.appendEvent('begun', 2, message(uuid(7), 'hello'));
    assert.deepEqual(
      await storage.messageByClientId('begun', uuid(7)),
      sent,
      'and its sends are known after',
    );
  });

  it('writes a step of a stored record in one statement; a new record, or one that moved on, in a transaction', async () => {
    const { client, storage: other } = await open();
    let statements = 0;
    let transactions = 0;
    const storage = createSqlStorage({
      ...client,
      query: (text, params) => {
        statements++;
        return client.query(text, params);
      },
      transaction: (work, options) => {
        transactions++;
        return client.transaction(work, options);
      },
    });
    const record = (state: string) => ({
      interaction: interaction('s', 'v1', state),
      snapshot: snapshot(state),
      open: true,
    });
    const from = (expectState: string) => ({ expectState, recordIgnoresSeqs: true });
    const note = (text: string): ConversationEvent => ({ type: 'note', text });

    const creates = { ...from('queued'), createsRecord: true };
    const created = await storage.commit(
      's',
      [{ at: 1, ev: note('created') }],
      () => record('queued'),
      creates,
    );
    assert.deepEqual(
      [created.map((e) => e.seq), statements, transactions],
      [[1], 0, 1],
      'a step that creates its record: straight to the transaction',
    );
    // A record not stored yet, not said so: the statement finds nothing to lock, the transaction creates it.
    const unsaid = await storage.commit(
      'u',
      [{ at: 1, ev: note('created') }],
      () => ({ ...record('queued'), interaction: interaction('u', 'v1', 'queued') }),
      from('queued'),
    );
    assert.deepEqual([unsaid.map((e) => e.seq), statements, transactions], [[1], 1, 2]);
    assert.equal((await other.getInteraction('u'))?.interaction.state, 'queued');

    statements = 0;
    const steps = [
      { at: 2, ev: message(uuid(20), 'hello') },
      { at: 3, ev: note('assigned') },
    ];
    const stepped = await storage.commit('s', steps, () => record('active'), from('queued'));
    assert.deepEqual([statements, transactions], [1, 2], 'one statement, no transaction');
    assert.deepEqual(
      stepped,
      steps.map(({ at, ev }, i) => ({ cid: 's', seq: 2 + i, at, ev })),
    );
    assert.deepEqual(await other.events('s', 0, 10), [...created, ...stepped]);
    assert.deepEqual(await other.getInteraction('s'), record('active'));
    assert.deepEqual(await other.messageByClientId('s', uuid(20)), stepped[0], 'its send is deduped');

    // The record moved on since the hub's copy: the statement writes nothing, the transaction refuses.
    await assert.rejects(
      storage.commit('s', [{ at: 4, ev: note('late') }], () => record('ended'), from('queued')),
      (error: Error & { code?: string }) => error.code === 'conflict/state',
    );
    // A send stored already: refused whole.
    await assert.rejects(
      storage.commit('s', [{ at: 5, ev: message(uuid(20), 'again') }], () => record('ended'), from('active')),
    );
    assert.equal(await other.lastSeq('s'), 3, 'no seq taken by a refused step');
    assert.deepEqual(await other.getInteraction('s'), record('active'));

    // A step whose record needs its events' seqs (a `left`) takes the transaction.
    transactions = 0;
    await storage.commit('s', [{ at: 6, ev: note('left') }], () => record('ended'), {
      expectState: 'active',
    });
    assert.equal(transactions, 1);
    assert.equal(await other.lastSeq('s'), 4);
  });

  it('takes one of concurrent steps from one state, and every step that keeps it, gap-free', async () => {
    const { storage, second } = await open();
    const writers = [storage, second ?? storage];
    const record = (state: string) => ({
      interaction: interaction('r', 'v1', state),
      snapshot: snapshot(state),
      open: true,
    });
    const from = (expectState: string) => ({ expectState, recordIgnoresSeqs: true });
    await storage.commit('r', [{ at: 1, ev: { type: 'note', text: 'created' } }], () => record('queued'));
    const accepts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        (writers[i % 2] as SqlStorage).commit(
          'r',
          [{ at: 2, ev: { type: 'note', text: `accept ${i}` } }],
          () => record('active'),
          from('queued'),
        ),
      ),
    );
    assert.equal(accepts.filter((a) => a.status === 'fulfilled').length, 1, 'one step from queued');
    for (const refused of accepts.filter((a) => a.status === 'rejected'))
      assert.equal((refused.reason as { code?: string }).code, 'conflict/state');
    const sends = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (writers[i % 2] as SqlStorage).commit(
          'r',
          [{ at: 3 + i, ev: message(uuid(100 + i), `m${i}`) }],
          () => record('active'),
          from('active'),
        ),
      ),
    );
    assert.deepEqual(
      sends.map(([sent]) => sent?.seq).sort((a = 0, b = 0) => a - b),
      Array.from({ length: 40 }, (_, i) => 3 + i),
    );
    assert.deepEqual(
      (await storage.events('r', 0, 100)).map((e) => e.seq),
      Array.from({ length: 42 }, (_, i) => i + 1),
    );
  });

  it('dedupes a send that another process stored after this one last looked', async () => {
    const { storage, second } = await open();
    const other = second ?? storage;
    assert.equal(await other.messageByClientId('c9', uuid(5)), undefined, 'the other process looks first');
    const first = await storage.appendEvent('c9', 100, message(uuid(5), 'once'));
    const retried = await other.appendEvent('c9', 200, message(uuid(5), 'once'));
    assert.deepEqual(retried, first, 'the unique index turns the late duplicate into the original');
    assert.deepEqual(await other.messageByClientId('c9', uuid(5)), first);
    assert.equal(await storage.lastSeq('c9'), 1);
  });

  it('pages events after a seq, oldest first, and round-trips them exactly', async () => {
    const { storage } = await open();
    const events: ConversationEvent[] = [
      { type: 'created', interaction: interaction('c3', 'v1', 'prechat') as WireInteraction },
      { type: 'state', state: 'queued' },
      message(uuid(7), 'Ünïcødé ✓ and "quotes" \\ backslash'),
      { type: 'read', participantId: 'alice', seq: 3 },
    ];
    for (const [i, ev] of events.entries()) await storage.appendEvent('c3', 1_000 + i, ev);
    const page = await storage.events('c3', 1, 2);
    assert.deepEqual(page, [
      { cid: 'c3', seq: 2, at: 1_001, ev: events[1] },
      { cid: 'c3', seq: 3, at: 1_002, ev: events[2] },
    ]);
    assert.deepEqual(await storage.events('c3', 4, 10), []);
  });

  it('stores interactions with snapshots, lists the open ones and those of a customer', async () => {
    const { storage } = await open();
    await storage.putInteraction({
      interaction: interaction('a', 'v1', 'queued'),
      snapshot: snapshot('queued'),
      open: true,
    });
    await storage.putInteraction({
      interaction: interaction('b', 'v2', 'active'),
      snapshot: snapshot('active'),
      open: true,
    });
    await storage.putInteraction({
      interaction: interaction('a', 'v1', 'ended', 4),
      snapshot: snapshot('ended'),
      open: false,
    });
    assert.deepEqual(await storage.getInteraction('a'), {
      interaction: interaction('a', 'v1', 'ended', 4),
      snapshot: snapshot('ended'),
      open: false,
    });
    assert.equal(await storage.getInteraction('zzz'), undefined);
    assert.deepEqual(
      (await storage.openInteractions()).map((r) => r.interaction.id),
      ['b'],
    );
    assert.deepEqual(
      (await storage.interactionsOfCustomer('v1')).map((i) => [i.id, i.state, i.csat?.score]),
      [['a', 'ended', 4]],
    );
    // Reporting after a restart reads the interactions created since a time, oldest first.
    const later = { ...interaction('c', 'v3', 'ended'), timestamps: { createdAt: 5_000 } };
    await storage.putInteraction({ interaction: later, snapshot: snapshot('ended'), open: false });
    assert.deepEqual(
      (await storage.interactionsSince(0)).map((i) => i.id),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      (await storage.interactionsSince(2_000)).map((i) => i.id),
      ['c'],
    );
  });

  it('keeps the deadline of the state in due_at and due_kind, and clears it when the state has none', async () => {
    const { storage, client } = await open();
    const record = (state: string, taken: InteractionSnapshot, open = true) => ({
      interaction: { ...interaction('d', 'v1', state), agentId: 'alice' },
      snapshot: taken,
      open,
    });
    await storage.putInteraction(record('queued', snapshot('queued')));
    assert.deepEqual(await dueOf(client, 'd'), [null, null], 'waiting in line has no deadline');
    await storage.commit('d', [{ at: 2_000, ev: { type: 'state', state: 'offered' } }], () =>
      record('offered', offeredSnapshot(32_000)),
    );
    assert.deepEqual(await dueOf(client, 'd'), [32_000, 'offer-timeout'], 'an offer runs out at its expiry');
    await storage.putInteraction(record('active', snapshot('active')));
    assert.deepEqual(await dueOf(client, 'd'), [null, null], 'accepted: the deadline is gone');
    await storage.putInteraction(record('offered', offeredSnapshot(50_000), false));
    assert.deepEqual(await dueOf(client, 'd'), [null, null], 'a closed record waits for nothing');
    await storage.putInteraction({
      ...record('offered', offeredSnapshot(40_000)),
      interaction: interaction('e', 'v2', 'offered'),
    });
    const overdueAt = async (now: number) =>
      (
        await client.query<{ id: string }>('SELECT id FROM interactions WHERE due_at <= $1 ORDER BY due_at', [
          now,
        ])
      ).map((row) => row.id);
    assert.deepEqual(await overdueAt(35_000), []);
    assert.deepEqual(await overdueAt(45_000), ['e'], 'what is overdue is one query');
  });

  it('keeps the live browser call with its record (migration 29), and drops it once there is none or the record closed', async () => {
    const { storage, second } = await open();
    const call = {
      callId: 'v-1',
      cid: 'k',
      startedBy: 'visitor' as const,
      snapshot: { value: 'held', context: { media: 'connected', heldBy: 'visitor', heldMs: 0 } },
    } as unknown as NonNullable<StoredInteraction['call']>;
    const record = (state: string, open = true) => ({
      interaction: { ...interaction('k', 'v1', state), agentId: 'alice' },
      snapshot: snapshot(state),
      open,
    });
    await storage.commit('k', [{ at: 1, ev: { type: 'state', state: 'active' } }], () => ({
      ...record('active'),
      call,
    }));
    const reader = second ?? storage;
    assert.deepEqual((await reader.getInteraction('k'))?.call, call, 'read back as stored');
    assert.deepEqual(
      (await reader.openInteractions()).find((r) => r.interaction.id === 'k')?.call,
      call,
      'and with the open records a new leader restores',
    );
    await storage.putInteraction(record('active'));
    assert.equal((await reader.getInteraction('k'))?.call, undefined, 'a step without a call clears it');
    await storage.putInteraction({ ...record('ended', false), call });
    assert.equal((await reader.getInteraction('k'))?.call, undefined, 'a closed record keeps no call');
  });

  it('gives the open interactions stored before migration 6 their deadline', async () => {
    const { storage, client } = await open();
    await storage.putInteraction({
      interaction: interaction('old', 'v1', 'offered'),
      snapshot: offeredSnapshot(70_000),
      open: true,
    });
    await storage.putInteraction({
      interaction: interaction('done', 'v2', 'ended'),
      snapshot: offeredSnapshot(80_000),
      open: false,
    });
    // The database as a server before version 6 left it.
    await client.exec(`DROP INDEX interactions_due;
ALTER TABLE interactions DROP COLUMN due_at, DROP COLUMN due_kind;
DELETE FROM helpline_migrations WHERE version = 6;`);
    assert.deepEqual(await migrate(client), [6]);
    assert.deepEqual(await dueOf(client, 'old'), [70_000, 'offer-timeout']);
    assert.deepEqual(await dueOf(client, 'done'), [null, null]);
  });

  it('gives email legs stored before migration 21 the columns that keep when their visitor left', async () => {
    const { client } = await open();
    // The database as a server before version 21 left it, with a chat continued by email.
    await client.exec(`ALTER TABLE email_legs DROP COLUMN away_since, DROP COLUMN seen_through;
DELETE FROM helpline_migrations WHERE version = 21;
INSERT INTO email_legs (cid, address, thread_key, set_at) VALUES ('c1', 'ann@example.com', 't1', 5);`);
    assert.deepEqual(await migrate(client), [21]);
    const rows = await client.query<{ cid: string; away_since: string | null; seen_through: string | null }>(
      'SELECT cid, away_since, seen_through FROM email_legs',
    );
    assert.deepEqual(rows, [{ cid: 'c1', away_since: null, seen_through: null }]);
  });

  it('keeps presence history, visitor sessions until they expire, and single-use resume tokens', async () => {
    const { storage } = await open();
    await storage.recordPresence({ agentId: 'alice', status: 'available', at: 5 });
    await storage.recordPresence({ agentId: 'alice', status: 'away', reason: 'lunch', at: 9 });
    await storage.recordPresence({ agentId: 'bob', status: 'available', at: 7 });
    assert.deepEqual(await storage.presenceHistory('alice'), [
      { agentId: 'alice', status: 'available', at: 5 },
      { agentId: 'alice', status: 'away', reason: 'lunch', at: 9 },
    ]);
    assert.deepEqual(await storage.presenceSince(6), [
      { agentId: 'bob', status: 'available', at: 7 },
      { agentId: 'alice', status: 'away', at: 9 },
    ]);
    const subject = { id: 'v_1', role: 'visitor' as const, name: 'Visitor' };
    await storage.saveVisitorSession({
      tokenHash: 'h1',
      site: 'shop',
      subject,
      createdAt: 10,
      expiresAt: 100,
    });
    assert.deepEqual((await storage.findVisitorSession('h1', 50))?.subject, subject);
    assert.equal(await storage.findVisitorSession('h1', 100), undefined, 'expired');
    assert.equal(await storage.findVisitorSession('h2', 50), undefined, 'unknown');
    assert.equal(await storage.pruneVisitorSessions(101), 1);
    await storage.saveResumeToken('r_1', 'alice', 10);
    await storage.saveResumeToken('r_2', 'bob', 20);
    assert.equal(await storage.takeResumeToken('r_1'), 'alice');
    assert.equal(await storage.takeResumeToken('r_1'), undefined, 'single use');
    await storage.saveResumeToken('r_3', 'carol', 15);
    assert.equal(await storage.takeResumeToken('r_3', 16), undefined, 'issued too long ago');
    assert.equal(await storage.takeResumeToken('r_3'), undefined, 'and gone');
    assert.equal(await storage.pruneResumeTokens(21), 1);
    assert.equal(await storage.takeResumeToken('r_2'), undefined);
  });

  it("gives each agent's last kept presence", async () => {
    const { storage } = await open();
    assert.deepEqual(await storage.lastPresence?.(), []);
    await storage.recordPresence({ agentId: 'alice', status: 'available', at: 10 });
    await storage.recordPresence({ agentId: 'bob', status: 'available', at: 11 });
    await storage.recordPresence({ agentId: 'alice', status: 'away', reason: 'lunch', at: 12 });
    await storage.recordPresence({ agentId: 'bob', status: 'offline', reason: 'disconnected', at: 12 });
    assert.deepEqual(await storage.lastPresence?.(), [
      { agentId: 'alice', status: 'away', reason: 'lunch', at: 12 },
      { agentId: 'bob', status: 'offline', reason: 'disconnected', at: 12 },
    ]);
  });

  it('checks the fence inside every write of the hub state, and writes nothing when it refuses', async () => {
    const { client } = await open();
    // A real lease row and the real check (helpline_fence, migration 11): another instance winning raises the epoch.
    await client.query("INSERT INTO helpline_leases (name, epoch) VALUES ('test', 1)");
    const moveOn = (epoch: number) =>
      client.query("UPDATE helpline_leases SET epoch = $1 WHERE name = 'test'", [epoch]);
    let fences = 0;
    let held: number | undefined = 1;
    const refusedUnder: (number | undefined)[] = [];
    const storage = createSqlStorage(client, {
      fence: {
        lease: 'test',
        epoch() {
          fences++;
          return held;
        },
        refused(epoch, detail) {
          refusedUnder.push(epoch);
          return new Error(`stale epoch: ${detail}`);
        },
      },
    });
    const record = (state: string) => ({
      interaction: interaction('f', 'v1', state),
      snapshot: snapshot(state),
      open: true,
    });
    // A step of a stored record, in one statement (COMMIT_STEP).
    const oneStatement = { expectState: 'queued', recordIgnoresSeqs: true };
    await storage.commit('f', [{ at: 1, ev: { type: 'note', text: 'created' } }], () => record('queued'));
    await storage.commit(
      'f',
      [{ at: 2, ev: { type: 'note', text: 'noted' } }],
      () => record('queued'),
      oneStatement,
    );
    await storage.appendEvent('f', 2, message(uuid(900), 'one'));
    await storage.putInteraction(record('queued'));
    await storage.recordPresence({ agentId: 'alice', status: 'available', at: 3 });
    await storage.saveResumeToken('token-1', 'v1', 4);
    assert.equal(await storage.takeResumeToken('token-1'), 'v1');
    assert.equal(fences, 7, 'one fence per write');
    assert.deepEqual(refusedUnder, []);

    held = undefined;
    await assert.rejects(
      storage.saveResumeToken('token-2', 'v1', 5),
      /stale epoch: this instance holds no lease/,
    );
    held = 1;
    await storage.saveResumeToken('token-3', 'v1', 5);
    await moveOn(2);
    const refusals = [
      () => storage.commit('f', [{ at: 6, ev: { type: 'note', text: 'late' } }], () => record('offered')),
      () =>
        storage.commit(
          'f',
          [{ at: 6, ev: { type: 'note', text: 'late' } }],
          () => record('offered'),
          oneStatement,
        ),
      () => storage.appendEvent('f', 7, message(uuid(901), 'two')),
      () => storage.putInteraction(record('ended')),
      () => storage.recordPresence({ agentId: 'alice', status: 'away', at: 8 }),
      () => storage.saveResumeToken('token-4', 'v1', 9),
      () => storage.takeResumeToken('token-3'),
    ];
    for (const refused of refusals) await assert.rejects(refused(), /stale epoch: .*HL409/);
    assert.deepEqual(
      refusedUnder,
      [undefined, 1, 1, 1, 1, 1, 1, 1],
      'refused under the epoch each write was made in',
    );
    // The first append of a conversation refused too: no head row, no event.
    await assert.rejects(storage.appendEvent('g', 10, message(uuid(902), 'new')), /stale epoch/);
    assert.equal(await storage.lastSeq('g'), 0);
    assert.equal(await storage.lastSeq('f'), 3);
    assert.equal((await storage.getInteraction('f'))?.interaction.state, 'queued');
    assert.deepEqual(
      (await storage.presenceHistory('alice')).map((p) => p.status),
      ['available'],
    );
    assert.equal(await storage.findResumeToken('token-2'), undefined);
    assert.equal(await storage.findResumeToken('token-3'), 'v1', 'a refused take leaves the token');
    // Reads, and what every instance writes for itself (visitor sessions), need no fence.
    assert.equal((await storage.events('f', 0, 10)).length, 3);
    await storage.saveVisitorSession({
      tokenHash: 'h',
      site: 'shop',
      subject: { id: 'v9', role: 'visitor', name: 'V' },
      createdAt: 1,
      expiresAt: Number.MAX_SAFE_INTEGER,
    });
    assert.equal((await storage.findVisitorSession('h', 2))?.subject.id, 'v9');
  });

  it('loses nothing across a restart', async () => {
    const subject = await open();
    await subject.storage.putInteraction({
      interaction: interaction('r', 'v9', 'queued'),
      snapshot: snapshot('queued'),
      open: true,
    });
    const before = await subject.storage.appendEvent('r', 1, message(uuid(9), 'kept'));
    const reopened = await subject.reopen();
    assert.deepEqual(await reopened.events('r', 0, 10), [before]);
    assert.deepEqual(await reopened.messageByClientId('r', uuid(9)), before);
    assert.equal((await reopened.appendEvent('r', 2, { type: 'note', text: 'after' })).seq, 2);
    assert.deepEqual(
      (await reopened.openInteractions()).map((r) => r.interaction.id),
      ['r'],
    );
  });

  it('keeps thread keys and providers message ids with the commit, across a restart (migration 7)', async () => {
    const subject = await open();
    const record = {
      interaction: interaction('t', 'email:ann@example.com', 'queued'),
      snapshot: snapshot('queued'),
      open: true,
    };
    const events = [
      { at: 1, ev: { type: 'note', text: 'created' } as ConversationEvent },
      { at: 1, ev: message(uuid(20), 'Where is my order?') },
    ];
    const keys = {
      channel: 'email',
      threadKey: '<root@x>',
      externalIds: [{ externalId: '<in-1@x>', index: 1 }],
    } as const;
    await subject.storage.commit('t', events, () => record, { channel: keys });
    // A second thread start for the same key keeps the first conversation.
    await subject.storage.commit(
      'u',
      events.slice(0, 1),
      () => ({ ...record, interaction: { ...record.interaction, id: 'u' } }),
      {
        channel: { channel: 'email', threadKey: '<root@x>' },
      },
    );
    const reopened = await subject.reopen();
    assert.equal(await reopened.threadOf('email', '<root@x>'), 't');
    assert.equal(await reopened.threadOf('sms', '<root@x>'), undefined, 'threads are per channel');
    assert.deepEqual(await reopened.channelMessage('email', '<in-1@x>'), { cid: 't', seq: 2 });
    assert.equal(await reopened.channelMessage('email', '<in-2@x>'), undefined);
  });

  it('behaves like the memory storage for the same operations', async () => {
    const { storage } = await open();
    const memory = createMemoryStorage();
    const run = async (s: HubStorage) => {
      const out: unknown[] = [];
      for (let i = 0; i < 30; i++) {
        const cid = `x${i % 3}`;
        const ev = i % 4 === 0 ? message(uuid(100 + i), `t${i}`) : ({ type: 'note', text: `n${i}` } as const);
        out.push(await s.appendEvent(cid, i, ev));
      }
      for (const cid of ['x0', 'x1', 'x2']) out.push(await s.events(cid, 2, 4), await s.lastSeq(cid));
      return out;
    };
    assert.deepEqual(await run(storage), await run(memory));
  });
}

const opened: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

describe('SQL storage on PGlite', () => {
  contract(async () => {
    const dataDir = await freshPgliteDir();
    const target: StorageTarget = { kind: 'pglite', dataDir };
    const first = await openWithClient(target);
    let storage = first.storage;
    opened.push(() => storage.close());
    return {
      storage,
      client: first.client,
      async reopen() {
        await storage.close();
        storage = await openStorage(target);
        return storage;
      },
    };
  });

  it('applies each migration once in a transaction (PGlite in its worker thread); refuses a database newer than the server', async () => {
    const client = await openPgliteThread(await freshPgliteDir());
    opened.push(() => client.close());
    assert.deepEqual(await migrate(client), [], 'the template is already migrated');
    const rows = await client.query<{ version: number }>('SELECT version FROM helpline_migrations');
    assert.deepEqual(
      rows.map((r) => r.version),
      MIGRATIONS.map((m) => m.version),
    );
    await assert.rejects(
      migrate(client, []),
      new RegExp(`schema version ${MIGRATIONS.at(-1)?.version}, newer than this server knows \\(0\\)`),
    );
    const extra = { version: 99, name: 'test', sql: 'CREATE TABLE extra_table (id integer)' };
    assert.deepEqual(await migrate(client, [...MIGRATIONS, extra]), [99]);
    const broken = {
      version: 100,
      name: 'broken',
      sql: 'CREATE TABLE broken_a (id integer); SELECT nope FROM nowhere;',
    };
    await assert.rejects(migrate(client, [...MIGRATIONS, extra, broken]));
    const tables = await client.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM information_schema.tables WHERE table_name = 'broken_a'",
    );
    assert.equal(tables[0]?.n, '0', 'a failed migration leaves nothing behind');
  });
});

describe('SQL storage on PostgreSQL', async () => {
  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('runs against PostgreSQL', { skip: available.skip }, () => {});
    return;
  }
  const target = postgresTarget(available.url);
  after(() => target.drop());
  let count = 0;
  contract(async () => {
    // A schema per test inside this run's schema would need nesting; a table prefix would need other SQL.
    // Instead each test gets its own schema, dropped at the end.
    const own = { ...target, schema: `${target.schema}_${++count}` };
    const first = await openWithClient(own);
    let storage = first.storage;
    const second = await openStorage(own);
    opened.push(async () => {
      await storage.close();
      await second.close();
      const dropper = await openPostgres(available.url);
      await dropper.exec(`DROP SCHEMA IF EXISTS ${own.schema} CASCADE`);
      await dropper.close();
    });
    return {
      storage,
      client: first.client,
      second,
      async reopen() {
        await storage.close();
        storage = await openStorage(own);
        return storage;
      },
    };
  });

  it('migrates concurrently from two processes without a race', async () => {
    const own = { ...target, schema: `${target.schema}_race` };
    const [a, b] = await Promise.all([openStorage(own), openStorage(own)]);
    opened.push(async () => {
      await a.close();
      await b.close();
      const dropper = await openPostgres(available.url);
      await dropper.exec(`DROP SCHEMA IF EXISTS ${own.schema} CASCADE`);
      await dropper.close();
    });
    await a.ping();
    await b.ping();
  });
});
