import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createMemoryBytes } from '../attachments/attachments.bytes';
import { parseConfig } from '../config/config';
import type { ConfigInput } from '../config/config.schema';
import type { HelplineServer } from '../server';
import { openStorage } from '../storage/sql.storage';
import { freshPgliteDir } from '../testing/databases';
import { activeChat, http, staffToken, startTestServer, TEST_CONFIG, TestClient } from '../testing/harness';
import { createRecordingStore } from './recordings.store';

// Recordings over HTTP: chunks from the call's agent only, in order, resumable (the server says the next index, a
// resent chunk is ignored); playback to supervisors, to the call's agents only with `agentPlayback`, never to
// visitors or other agents; the queue's policy validated in the configuration; retention deleting rows and bytes.

const servers: HelplineServer[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.terminate();
  for (const server of servers) await server.close();
});

function configWith(recordings: ConfigInput['recordings'], policy: 'always' | 'on-demand' | 'never') {
  const [support, ...others] = TEST_CONFIG.queues ?? [];
  return {
    ...TEST_CONFIG,
    recordings,
    queues: [{ ...support, recording: policy }, ...others],
  } as ConfigInput;
}

async function placed(
  recordings: ConfigInput['recordings'] = {},
  policy: 'always' | 'on-demand' | 'never' = 'always',
) {
  const server = await startTestServer({ config: configWith(recordings, policy) });
  servers.push(server);
  const chat = await activeChat(server);
  clients.push(chat.visitor, chat.agent);
  // The conversation's call, answered and connected: what the agent's browser records.
  const { cid } = chat;
  const { call } = await chat.visitor.ok('call.start', { cid });
  await chat.agent.ok('call.answer', { cid, callId: call.callId });
  await chat.agent.ok('call.media', { cid, callId: call.callId, media: 'connected' });
  return {
    server,
    ...chat,
    callId: call.callId,
    base: `/v1/recordings/calls/${call.callId}/segments/seg_1`,
    alice: await staffToken('alice'),
    bob: await staffToken('bob'),
    sam: await staffToken('sam', { role: 'supervisor' }),
  };
}

async function put(
  server: HelplineServer,
  token: string,
  path: string,
  bytes: Uint8Array,
  type = 'audio/webm;codecs=opus',
) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body: new Blob([new Uint8Array(bytes)]),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const chunk = (n: number) => new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, n, n, n]);
const errorCode = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

describe('recordings over HTTP', () => {
  it('stores chunks in order from the call’s agent; a resend is ignored, a gap refused, the next index known', async () => {
    const { server, cid, alice, base } = await placed();
    assert.equal((await put(server, alice, `${base}/chunks/0?cid=${cid}`, chunk(0))).status, 200);
    const second = await put(server, alice, `${base}/chunks/1`, chunk(1));
    assert.deepEqual([second.status, second.body.next, second.body.bytes], [200, 2, 14]);
    // After a reload the browser resends what it still holds: the server already has it.
    const again = await put(server, alice, `${base}/chunks/1`, chunk(1));
    assert.deepEqual([again.status, again.body.next], [200, 2]);
    const gap = await put(server, alice, `${base}/chunks/3`, chunk(3));
    assert.equal(gap.status, 409);
    const where = await http(server, base, { token: alice });
    assert.deepEqual(where.body, { next: 2, bytes: 14 });
    const html = await put(server, alice, `${base}/chunks/2`, chunk(2), 'text/html');
    assert.equal(html.status, 400, 'only audio types');
  });

  it('refuses chunks from anyone but the interaction’s agent, and on a queue that never records', async () => {
    const { server, cid, alice, bob, visitorToken, base } = await placed();
    const byBob = await put(server, bob, `${base}/chunks/0?cid=${cid}`, chunk(0));
    assert.ok([403, 404].includes(byBob.status), `bob: ${byBob.status}`);
    const byVisitor = await put(server, visitorToken, `${base}/chunks/0?cid=${cid}`, chunk(0));
    assert.equal(byVisitor.status, 403);
    await put(server, alice, `${base}/chunks/0?cid=${cid}`, chunk(0));
    const intoAlices = await put(server, bob, `${base}/chunks/1`, chunk(1));
    assert.equal(intoAlices.status, 404, "another agent cannot add to alice's recording");

    const never = await placed({}, 'never');
    const refused = await put(never.server, never.alice, `${never.base}/chunks/0?cid=${never.cid}`, chunk(0));
    assert.deepEqual([refused.status, errorCode(refused.body)], [409, 'conflict/state']);
  });

  it('on an on-demand queue, takes chunks of a call only once its agent started recording it', async () => {
    const { server, cid, callId, alice, agent, base } = await placed({}, 'on-demand');
    // Not started: recording now would record the customer without the notice, the log or the audit trail.
    const early = await put(server, alice, `${base}/chunks/0?cid=${cid}`, chunk(0));
    assert.deepEqual([early.status, errorCode(early.body)], [409, 'conflict/state']);
    // Nor under a call id of the agent's choosing on a conversation whose call is recorded.
    await agent.ok('call.recording', { cid, callId, action: 'start' });
    const madeUp = await put(
      server,
      alice,
      `/v1/recordings/calls/call_x/segments/seg_1/chunks/0?cid=${cid}`,
      chunk(0),
    );
    assert.deepEqual([madeUp.status, errorCode(madeUp.body)], [409, 'conflict/state']);
    const started = await put(server, alice, `${base}/chunks/0?cid=${cid}`, chunk(0));
    assert.equal(started.status, 200);
  });

  it('plays back to supervisors only; agents and visitors are refused with typed errors', async () => {
    const { server, cid, alice, bob, sam, visitorToken, visitor, base } = await placed();
    await put(server, alice, `${base}/chunks/0?cid=${cid}`, chunk(0));
    await put(server, alice, `${base}/chunks/1`, chunk(1));
    const supervisor = await TestClient.connect(server.socketUrl, sam, { site: '', origin: null });
    clients.push(supervisor);
    const listed = await supervisor.ok('recording.list', { cid });
    assert.equal(listed.recordings.length, 1);
    const recording = listed.recordings[0];
    assert.ok(recording);
    assert.deepEqual([recording.bytes, recording.agentIds, recording.source], [14, ['alice'], 'browser']);

    const played = await fetch(`${server.url}${recording.url}`, {
      headers: { authorization: `Bearer ${sam}` },
    });
    assert.equal(played.status, 200);
    assert.equal(played.headers.get('content-type'), 'audio/webm');
    assert.equal(played.headers.get('x-content-type-options'), 'nosniff');
    assert.match(played.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.deepEqual(new Uint8Array(await played.arrayBuffer()), new Uint8Array([...chunk(0), ...chunk(1)]));

    for (const [who, token] of [
      ['alice', alice],
      ['bob', bob],
      ['the visitor', visitorToken],
    ] as const) {
      const refused = await http(server, recording.url, { token });
      assert.deepEqual([refused.status, errorCode(refused.body)], [403, 'auth/forbidden'], who);
    }
    const byVisitor = await visitor.command('recording.list', { cid });
    assert.ok(!byVisitor.ok && byVisitor.error.code === 'auth/forbidden');
  });

  it('with agentPlayback the call’s agent plays it back; another agent still cannot', async () => {
    const { server, cid, alice, bob, agent, base } = await placed({ agentPlayback: true });
    await put(server, alice, `${base}/chunks/0?cid=${cid}`, chunk(0));
    const listed = await agent.ok('recording.list', { cid });
    const url = listed.recordings[0]?.url ?? '';
    assert.equal((await http(server, url, { token: alice })).status, 200);
    const refused = await http(server, url, { token: bob });
    assert.deepEqual([refused.status, errorCode(refused.body)], [403, 'auth/forbidden']);
  });
});

describe('recordings: configuration', () => {
  it('validates the queue policy and the retention', () => {
    assert.equal(
      parseConfig(configWith({ retentionDays: 30 }, 'on-demand')).queues[0]?.recording,
      'on-demand',
    );
    assert.equal(parseConfig(TEST_CONFIG).queues[0]?.recording, 'never', 'nothing records unless configured');
    assert.throws(
      () => parseConfig(configWith({}, 'sometimes' as 'never')),
      /config\.queues\[0\]\.recording/,
    );
    assert.throws(() => parseConfig(configWith({ retentionDays: 0 }, 'always')), /recordings\.retentionDays/);
  });
});

describe('recordings: retention', () => {
  it('deletes rows and bytes when their time comes, and audits the deletion', async () => {
    const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
    after(() => storage.close());
    const bytes = createMemoryBytes();
    const store = createRecordingStore({ sql: storage.sql, bytes, retentionDays: 2 });
    const day = 86_400_000;
    const start = { cid: 'c1', customerId: 'v1', agentIds: ['alice'], source: 'browser' as const };
    const old = await store.begin({ ...start, callId: 'k1', segment: 's', mimeType: 'audio/webm', at: 0 });
    await store.append(old.id, 0, chunk(0), 0);
    const recent = await store.begin({
      ...start,
      callId: 'k2',
      segment: 's',
      mimeType: 'audio/webm',
      at: day,
    });
    await store.append(recent.id, 0, chunk(1), day);
    assert.equal(old.deleteAt, 2 * day);

    assert.equal(await store.prune(2 * day - 1), 0, 'not before its time');
    assert.equal(await store.prune(2 * day), 1);
    assert.equal(await store.get(old.id), undefined);
    const left: Uint8Array[] = [];
    for await (const piece of bytes.read(`recording-${old.id}`, 0, 7)) left.push(piece);
    assert.deepEqual(left, [], 'the bytes are gone too');
    assert.deepEqual(
      (await store.list({ cid: 'c1' })).map((r) => r.id),
      [recent.id],
    );
    assert.deepEqual(
      (await store.auditOf('k1')).map((e) => [e.action, e.actor]),
      [['deleted', 'retention']],
    );
  });
  it('a deletion whose bytes could not be removed is tried again: the row stays until its bytes are gone', async () => {
    const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
    after(() => storage.close());
    const memory = createMemoryBytes();
    let failRemove = true;
    const bytes = {
      ...memory,
      async remove(id: string) {
        if (failRemove) throw new Error('storage unreachable');
        return memory.remove(id);
      },
    };
    const store = createRecordingStore({ sql: storage.sql, bytes, retentionDays: 1 });
    const row = await store.begin({
      cid: 'c1',
      callId: 'k1',
      segment: 's',
      customerId: 'v1',
      agentIds: ['alice'],
      source: 'browser',
      mimeType: 'audio/webm',
      at: 0,
    });
    await store.append(row.id, 0, chunk(0), 0);
    await assert.rejects(store.prune(86_400_000), /storage unreachable/);
    assert.ok(await store.get(row.id), 'kept, so the next minute deletes it');
    assert.deepEqual(await store.auditOf('k1'), [], 'not audited as deleted while its audio is still there');
    failRemove = false;
    assert.equal(await store.prune(86_400_001), 1);
    const left: Uint8Array[] = [];
    for await (const piece of memory.read(`recording-${row.id}`, 0, 7)) left.push(piece);
    assert.deepEqual(left, [], 'the bytes are gone');
    assert.equal(await store.get(row.id), undefined);
    assert.deepEqual(
      (await store.auditOf('k1')).map((e) => e.action),
      ['deleted'],
    );
  });
});
