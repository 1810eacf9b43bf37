import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ServerFrame } from '@helpline/core';
import type { ConfigInput } from './config/config';
import { openPgliteThread } from './storage/pglite.thread';
import { openPostgres } from './storage/sql.client';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from './testing/databases';
import { SITE_ORIGIN, staffToken, TEST_CONFIG, TEST_SECRET, TestClient } from './testing/harness';

const cliEntry = fileURLToPath(new URL('./cli.ts', import.meta.url));
const children = new Set<ChildProcessByStdio<null, Readable, Readable>>();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups) await cleanup();
});

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** Runs `helpline serve` as its own process, so it can be killed without any chance to flush or say goodbye. */
async function serve(
  dataDir: string,
  env: Record<string, string>,
  config: ConfigInput = TEST_CONFIG,
): Promise<{ url: string; kill(): Promise<void> }> {
  const configPath = `${dataDir}.config.json`;
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cliEntry, 'serve', '--config', configPath, '--data', dataDir, '--port', '0'],
    {
      env: { ...process.env, HELPLINE_JWT_SECRET: TEST_SECRET, HELPLINE_DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"event":"listening","url":"([^"]+)"/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  return {
    url,
    async kill() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      children.delete(child);
    },
  };
}

async function visitorSession(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/sessions/visitor`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ site: 'shop' }),
  });
  return ((await response.json()) as { token: string }).token;
}

/**
 * Acknowledged messages, a waiting chat, a scheduled callback and the visitors' sessions survive `kill -9` of the
 * server: after a restart on the same database the visitor resumes, the log is whole, the waiting chat is offered,
 * the callback is still scheduled and today's KPIs still count both contacts.
 */
async function crashScenario(dataDir: string, env: Record<string, string>): Promise<void> {
  const first = await serve(dataDir, env);
  const socketUrl = `${first.url.replace('http', 'ws')}/v1/ws`;
  const waitingToken = await visitorSession(first.url);
  const waiting = await TestClient.connect(socketUrl, waitingToken);
  const { cid } = await waiting.ok('chat.start', { channel: 'chat', queueId: 'support' });
  const acks = [];
  for (let i = 0; i < 20; i++)
    acks.push(await waiting.ok('message.send', { cid, clientMsgId: uuid(i), text: `m${i}` }));
  const callbackToken = await visitorSession(first.url);
  const caller = await TestClient.connect(socketUrl, callbackToken);
  const slot = Date.now() + 3_600_000;
  const callback = await caller.ok('callback.request', {
    phone: '+31201234567',
    timeZone: 'Europe/Amsterdam',
    slot,
    queueId: 'sales',
  });
  assert.equal(callback.interaction.state, 'scheduled');
  const resumeToken = waiting.welcome?.resumeToken ?? '';
  const cursor = Math.max(...waiting.events(cid).map((e) => e.seq));
  await first.kill();
  waiting.terminate();
  caller.terminate();

  const second = await serve(dataDir, env);
  const url = `${second.url.replace('http', 'ws')}/v1/ws`;
  cleanups.push(() => second.kill());
  const back = await TestClient.connect(url, waitingToken, {
    resume: { token: resumeToken, cursors: { [cid]: cursor } },
  });
  assert.equal(back.welcome?.resumed, true, 'the visitor token and the resume token survived');
  const history = await back.ok('history', { cid });
  const messages = history.events.flatMap((e) =>
    e.ev.type === 'message' ? [{ seq: e.seq, text: e.ev.text }] : [],
  );
  assert.deepEqual(
    messages.map((m) => m.text),
    Array.from({ length: 20 }, (_, i) => `m${i}`),
  );
  assert.deepEqual(
    messages.map((m) => m.seq),
    acks.map((a) => a.seq),
    'every acknowledged message is where its ack said',
  );
  assert.deepEqual(
    history.events.map((e) => e.seq),
    Array.from({ length: history.lastSeq }, (_, i) => i + 1),
  );

  const alice = await TestClient.connect(url, await staffToken('alice'), { site: '', origin: null });
  await alice.ok('presence.set', { status: 'available' });
  await alice.waitFor(
    (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
    'the restored waiting chat is offered',
  );
  const callerBack = await TestClient.connect(url, callbackToken, { origin: SITE_ORIGIN });
  const list = await callerBack.ok('conversation.list', {});
  assert.equal(list.interactions.find((i) => i.id === callback.cid)?.state, 'scheduled');
  // Today's KPIs were rebuilt from the database: both contacts made before the crash still count.
  const sam = await TestClient.connect(url, await staffToken('sam', { role: 'supervisor' }), {
    site: '',
    origin: null,
  });
  const board = await sam.ok('supervisor.snapshot', { from: Date.now() - 3_600_000 });
  assert.equal(board.kpis.interactions, 2);
  assert.ok(board.kpis.queued >= 1, 'the waiting chat was queued');
  for (const client of [back, alice, callerBack, sam]) client.terminate();
}

/** The deadline columns of an interaction's row (migration 6), read while no server runs on the database. */
async function dueOf(dataDir: string, env: Record<string, string>, cid: string): Promise<unknown[]> {
  const url = env.HELPLINE_DATABASE_URL;
  const client = url
    ? await openPostgres(url, { schema: env.HELPLINE_DATABASE_SCHEMA ?? '' })
    : await openPgliteThread(dataDir);
  try {
    const rows = await client.query<{ due_at: string | number | null; due_kind: string | null }>(
      'SELECT due_at, due_kind FROM interactions WHERE id = $1',
      [cid],
    );
    return rows.map((row) => [row.due_at === null ? null : Number(row.due_at), row.due_kind]);
  } finally {
    await client.close();
  }
}

/**
 * An offer out when the server is killed is still the agent's after the restart: its row kept its deadline, the
 * agent finds the same offer (same expiry) in their snapshot, and accepting it works. The offer lasts long enough
 * here that a slow restart cannot make it run out.
 */
async function offerScenario(dataDir: string, env: Record<string, string>): Promise<void> {
  const config: ConfigInput = {
    ...TEST_CONFIG,
    queues: (TEST_CONFIG.queues ?? []).map((queue) => ({ ...queue, offerTimeoutSeconds: 600 })),
  };
  const first = await serve(dataDir, env, config);
  const socketUrl = `${first.url.replace('http', 'ws')}/v1/ws`;
  const staff = { site: '', origin: null };
  const bob = await TestClient.connect(socketUrl, await staffToken('bob'), staff);
  await bob.ok('presence.set', { status: 'available' });
  const visitor = await TestClient.connect(socketUrl, await visitorSession(first.url));
  const { cid } = await visitor.ok('chat.start', { channel: 'chat', queueId: 'support' });
  type OfferNotice = Extract<ServerFrame, { t: 'notice' }> & { notice: { type: 'offer' } };
  const offered = await bob.waitFor(
    (f): f is OfferNotice =>
      f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
    'offered to bob',
  );
  const { expiresAt } = offered.notice.offer;
  await first.kill();
  bob.terminate();
  visitor.terminate();
  assert.deepEqual(
    await dueOf(dataDir, env, cid),
    [[expiresAt, 'offer-timeout']],
    'the deadline is in the row',
  );

  const second = await serve(dataDir, env, config);
  const url = `${second.url.replace('http', 'ws')}/v1/ws`;
  cleanups.push(() => second.kill());
  const bobBack = await TestClient.connect(url, await staffToken('bob'), staff);
  const snapshot = await bobBack.ok('agent.snapshot', {});
  assert.deepEqual(
    snapshot.offers.map((offer) => [offer.interaction.id, offer.interaction.state, offer.expiresAt]),
    [[cid, 'offered', expiresAt]],
    'the same offer, still his',
  );
  const accepted = await bobBack.ok('offer.accept', { cid });
  assert.equal(accepted.interaction.state, 'active');
  bobBack.terminate();
}

/**
 * A browser call being talked on survives `kill -9` of the server (its media runs between the browsers): after a
 * restart on the same database both parties attach to the same call, on hold as they left it, and the agent's
 * hang-up ends it as any call — the interaction wraps up, it does not fail.
 */
async function callScenario(dataDir: string, env: Record<string, string>): Promise<void> {
  const staff = { site: '', origin: null };
  const first = await serve(dataDir, env);
  const socketUrl = `${first.url.replace('http', 'ws')}/v1/ws`;
  const alice = await TestClient.connect(socketUrl, await staffToken('alice'), staff);
  await alice.ok('presence.set', { status: 'available' });
  const callerToken = await visitorSession(first.url);
  const caller = await TestClient.connect(socketUrl, callerToken);
  const { cid } = await caller.ok('chat.start', { channel: 'voice', queueId: 'support' });
  await alice.waitFor(
    (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
    'the call is offered to alice',
  );
  await alice.ok('offer.accept', { cid });
  const callId = (await caller.ok('call.attach', { cid })).call?.callId ?? '';
  await caller.ok('call.media', { cid, callId, media: 'connected' });
  await alice.ok('call.hold', { cid, callId });
  // Alice consults Bob, who picks up: the caller waits on hold.
  const bob = await TestClient.connect(socketUrl, await staffToken('bob'), staff);
  await bob.ok('presence.set', { status: 'available' });
  const { leg } = await alice.ok('call.consult', { cid, callId, to: { kind: 'agent', id: 'bob' } });
  await bob.ok('consult.answer', { cid, legId: leg.legId });
  await first.kill();
  for (const client of [caller, alice, bob]) client.terminate();

  const second = await serve(dataDir, env);
  const url = `${second.url.replace('http', 'ws')}/v1/ws`;
  cleanups.push(() => second.kill());
  const callerBack = await TestClient.connect(url, callerToken);
  const aliceBack = await TestClient.connect(url, await staffToken('alice'), staff);
  const bobBack = await TestClient.connect(url, await staffToken('bob'), staff);
  const back = await callerBack.ok('call.attach', { cid });
  assert.deepEqual(
    [back.call?.callId, back.call?.state, back.call?.heldBy, back.call?.consult],
    [callId, 'consulting', 'agent', undefined],
    'the same call, on hold as it was (the caller is not told who is consulted)',
  );
  const agentSide = (await aliceBack.ok('call.attach', { cid })).call;
  assert.deepEqual(
    [agentSide?.callId, agentSide?.consult?.legId, agentSide?.consult?.answeredAt !== undefined],
    [callId, leg.legId, true],
    'the consult goes on, under the same leg',
  );
  assert.equal((await aliceBack.ok('call.merge', { cid, callId })).call.state, 'conferenced');
  const left = await bobBack.ok('consult.hangup', { cid, legId: leg.legId });
  assert.deepEqual([left.leg.state, left.leg.outcome], ['ended', 'ended'], 'Bob leaves the conference');
  assert.equal((await aliceBack.ok('call.attach', { cid })).call?.state, 'active');
  await aliceBack.ok('call.hangup', { cid, callId });
  const ended = await callerBack.waitFor(
    (f) => f.t === 'notice' && f.notice.type === 'call' && f.notice.call.state === 'ended',
    'the caller hears the call end',
  );
  assert.ok(ended.t === 'notice' && ended.notice.type === 'call');
  assert.deepEqual([ended.notice.call.endedBy, ended.notice.call.endReason], ['agent', 'completed']);
  const listed = await aliceBack.ok('conversation.list', {});
  assert.equal(listed.interactions.find((i) => i.id === cid)?.state, 'wrap-up', 'wrapped up, not failed');
  for (const client of [callerBack, aliceBack, bobBack]) client.terminate();
}

describe('a server killed with SIGKILL', () => {
  it('carries on a browser call being talked on, in a consult, on PGlite', async () => {
    await callScenario(await freshPgliteDir(), {});
  });

  it('carries on a browser call being talked on, in a consult, on PostgreSQL', (t) =>
    onPostgres(t, callScenario));

  it('loses nothing acknowledged on PGlite and restores waiting work', async () => {
    await crashScenario(await freshPgliteDir(), {});
  });

  it('keeps an offer that was out, with its expiry, on PGlite', async () => {
    await offerScenario(await freshPgliteDir(), {});
  });

  it('keeps an offer that was out, with its expiry, on PostgreSQL', (t) => onPostgres(t, offerScenario));

  it('loses nothing acknowledged on PostgreSQL and restores waiting work', (t) =>
    onPostgres(t, crashScenario));
});

/** Runs `scenario` on a fresh PostgreSQL schema of its own, or skips saying why when there is no PostgreSQL. */
async function onPostgres(
  t: TestContext,
  scenario: (dataDir: string, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  const available = await testPostgresUrl();
  if ('skip' in available) {
    t.skip(available.skip);
    return;
  }
  const target = postgresTarget(available.url);
  cleanups.push(() => target.drop());
  await scenario(await freshPgliteDir(), {
    HELPLINE_DATABASE_URL: available.url,
    HELPLINE_DATABASE_SCHEMA: target.schema ?? '',
  });
}
