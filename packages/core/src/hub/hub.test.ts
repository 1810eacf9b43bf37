import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import type { ServerFrame } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import { createAgentSession } from '../session/agent.session';
import { createSupervisorSession } from '../session/supervisor.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, flush, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import type { Transport } from '../transport';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub, type Hub } from './hub';
import type { HubStorage, Subject } from './hub.types';
import { createMemoryStorage } from './memory.storage';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(
  options: {
    queues?: Queue[];
    storage?: HubStorage;
    clock?: TestClock;
    replayLimit?: number;
    /** Long pings keep tests that move the clock by hours fast. */
    heartbeatMs?: number;
  } = {},
) {
  const clock = options.clock ?? createTestClock();
  const hub = createHub({
    queues: options.queues ?? [supportQueue],
    agents: [testAgent('alice'), testAgent('bob')],
    authenticate: devAuthenticate,
    clock,
    ...(options.storage ? { storage: options.storage } : {}),
    ...(options.replayLimit ? { replayLimit: options.replayLimit } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  // The visitor has a link of its own, so faults injected on it leave the agents connected.
  const transport = createMemoryTransport({ hub });
  const staffTransport = createMemoryTransport({ hub });
  const base = { clock, random: () => 0.5 };
  const visitor = (id = 'v1') =>
    track(createVisitorSession({ ...base, transport, token: `dev:visitor:${id}:Visitor ${id}` }));
  const agent = (id = 'alice') =>
    track(createAgentSession({ ...base, transport: staffTransport, token: `dev:agent:${id}:${id}` }));
  const supervisor = (kpisFrom = () => 0) =>
    track(
      createSupervisorSession({
        ...base,
        transport: staffTransport,
        token: 'dev:supervisor:sam:Sam',
        kpisFrom,
      }),
    );
  cleanups.push(() => hub.close());
  return { clock, hub, transport, visitor, agent, supervisor };
}

function track<T extends { close(): void }>(session: T): T {
  cleanups.push(() => session.close());
  return session;
}

/** A raw protocol client on the hub, for frames the sessions never send. */
function rawClient(hub: Hub) {
  const frames: ServerFrame[] = [];
  let closedWith: number | undefined;
  const connection = hub.connect({
    send: (raw) => frames.push(JSON.parse(raw) as ServerFrame),
    close: (code) => {
      closedWith = code;
    },
  });
  return {
    frames,
    closedWith: () => closedWith,
    disconnect: () => connection.disconnected(),
    send: (frame: unknown) => connection.receive(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    async answerTo(id: string) {
      await waitFor(
        () => frames.some((f) => (f.t === 'ack' || f.t === 'nack') && f.id === id),
        `answer to ${id}`,
      );
      return frames.find((f) => (f.t === 'ack' || f.t === 'nack') && f.id === id) as Extract<
        ServerFrame,
        { t: 'ack' | 'nack' }
      >;
    },
  };
}

const closedQueue: Queue = {
  ...supportQueue,
  id: 'night',
  name: 'Night desk',
  closedAlternative: 'offline-message',
  // Open Monday 09:00–17:00 in Amsterdam only; the test clock starts Monday 2026-01-05 09:00 UTC = 10:00 local.
  businessHours: { timeZone: 'Europe/Amsterdam', weekly: { 1: [{ open: '09:00', close: '17:00' }] } },
};

describe('hub: callbacks', () => {
  it('runs an as-soon-as-possible callback from request to wrap-up', async () => {
    const { visitor, agent, hub } = setup();
    const alice = agent();
    await alice.setPresence('available');
    const v = visitor();
    const cid = await v.requestCallback({
      phone: '+31201234567',
      timeZone: 'Europe/Amsterdam',
      slot: 'asap',
    });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'callback offered');
    assert.equal(alice.$offers.get()[cid]?.interaction.channel, 'callback');
    await alice.accept(cid);
    assert.equal(hub.interaction(cid)?.state, 'dialing');
    await alice.connection.command('callback.outcome', { cid, outcome: 'answered' });
    await alice.end(cid);
    await alice.wrapUp(cid, { disposition: 'resolved' });
    assert.equal(hub.interaction(cid)?.state, 'completed');
    assert.equal(hub.interaction(cid)?.customer.phone, '+31201234567');
  });

  it('retries an unanswered callback after its back-off', async () => {
    const { visitor, agent, hub, clock } = setup();
    const alice = agent();
    await alice.setPresence('available');
    const cid = await visitor().requestCallback({ phone: '+31201234567', timeZone: 'UTC', slot: 'asap' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await alice.accept(cid);
    await alice.connection.command('callback.outcome', { cid, outcome: 'no-answer' });
    assert.equal(hub.interaction(cid)?.state, 'retry-wait');
    // Step through the back-off; a large jump would also let the new offer time out.
    for (let step = 0; step < 360 && alice.$offers.get()[cid] === undefined; step++)
      await clock.advance(10_000);
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered again after the back-off');
    assert.equal(hub.interaction(cid)?.state, 'offered');
  });

  it('schedules a callback in a slot and queues it when the slot starts', async () => {
    const { visitor, agent, hub, clock } = setup({ queues: [closedQueue], heartbeatMs: 30 * 60_000 });
    const alice = agent();
    await alice.setPresence('available');
    const start = clock.now() + 2 * 60 * 60_000; // 12:00 Amsterdam, inside opening hours
    const cid = await visitor().requestCallback({
      phone: '+31201234567',
      timeZone: 'Europe/Amsterdam',
      slot: start,
    });
    assert.equal(hub.interaction(cid)?.state, 'scheduled');
    await clock.advance(2 * 60 * 60_000);
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered when the slot starts');
  });

  it('moves a callback to a new slot: the customer while it waits, the agent before reaching them', async () => {
    const { visitor, agent, supervisor, hub, clock } = setup({
      queues: [closedQueue],
      heartbeatMs: 30 * 60_000,
    });
    const alice = agent();
    const v = visitor();
    const noon = clock.now() + 2 * 60 * 60_000; // 12:00 Amsterdam
    const cid = await v.requestCallback({ phone: '+31201234567', timeZone: 'Europe/Amsterdam', slot: noon });
    const hasCode = (code: string, field?: string) => (e: unknown) => {
      assert.equal((e as { code: string }).code, code);
      if (field) assert.equal((e as { field: string }).field, field);
      return true;
    };

    // The customer moves it; a time in the past or after closing is refused, naming `at`.
    for (const at of [clock.now() - 1_000, clock.now() + 10 * 60 * 60_000]) {
      await assert.rejects(
        v.connection.command('callback.reschedule', { cid, at }),
        hasCode('validation/field', 'at'),
      );
    }
    const oneOClock = noon + 60 * 60_000;
    const moved = await v.connection.command('callback.reschedule', { cid, at: oneOClock });
    assert.equal(moved.interaction.state, 'scheduled');
    assert.deepEqual(moved.interaction.callback?.slot, { start: oneOClock, end: oneOClock + 30 * 60_000 });
    await waitFor(
      () => v.$interaction.get()?.callback?.slot?.start === oneOClock,
      "the customer's view has the new time",
    );
    // An agent who does not hold it learns nothing about it.
    await assert.rejects(alice.rescheduleCallback(cid, noon), hasCode('not-found'));

    // The old slot passes without an offer; the new one brings it to the queue.
    await alice.setPresence('available');
    await clock.advance(2 * 60 * 60_000);
    await flush();
    assert.equal(hub.interaction(cid)?.state, 'scheduled', 'not due at the old slot');
    await clock.advance(60 * 60_000);
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered at the new slot');
    await alice.accept(cid);
    assert.equal(hub.interaction(cid)?.callback?.attempts, 1);

    // The customer cannot move it while the agent dials; the agent can hand it back.
    await assert.rejects(
      v.connection.command('callback.reschedule', { cid, at: clock.now() + 60 * 60_000 }),
      hasCode('conflict/state'),
    );
    await alice.rescheduleCallback(cid, clock.now() + 60 * 60_000);
    const handedBack = hub.interaction(cid);
    assert.equal(handedBack?.state, 'scheduled');
    assert.equal(handedBack?.agentId, undefined);
    assert.equal(handedBack?.callback?.attempts, 0);
    assert.equal(alice.$interactions.get()[cid], undefined, 'out of her hands');
    // Nobody talked to the customer: no answer for the KPIs (talk time starts when the customer picks up).
    const board = await supervisor(() => 0).refresh();
    assert.equal(board.kpis.answered, 0);
    assert.ok(handedBack?.participants.every((p) => p.leftAt !== undefined || p.role !== 'agent'));

    // A supervisor moves a queued one out of the line until its slot.
    const sam = supervisor();
    await alice.setPresence('away', 'break');
    const v2 = visitor('v2');
    const asap = await v2.requestCallback({
      phone: '+31201234568',
      timeZone: 'Europe/Amsterdam',
      slot: 'asap',
    });
    assert.equal(hub.interaction(asap)?.state, 'queued');
    const movedTo = clock.now() + 30 * 60_000;
    await sam.connection.command('callback.reschedule', { cid: asap, at: movedTo });
    assert.equal(hub.interaction(asap)?.state, 'scheduled');
    await waitFor(
      () => v2.$interaction.get()?.callback?.slot?.start === movedTo,
      'the customer hears of the time a supervisor set',
    );
    await alice.setPresence('available');
    await flush();
    assert.equal(alice.$offers.get()[asap], undefined, 'no longer in the line');
    // A chat is not a callback.
    const chat = await visitor('v3').startChat({ queueId: 'night' });
    await assert.rejects(
      sam.connection.command('callback.reschedule', { cid: chat, at: clock.now() + 60_000 }),
      hasCode('conflict/state'),
    );
  });

  it('refuses a slot outside business hours or in the past, naming the field', async () => {
    const { visitor, clock } = setup({ queues: [closedQueue] });
    const v = visitor();
    for (const slot of [clock.now() - 1000, clock.now() + 10 * 60 * 60_000]) {
      await assert.rejects(
        v.requestCallback({ phone: '+31201234567', timeZone: 'UTC', slot }),
        (e: unknown) => {
          assert.equal((e as { code: string }).code, 'validation/field');
          assert.equal((e as { field: string }).field, 'slot');
          return true;
        },
      );
    }
  });
});

const timedQueue: Queue = { ...supportQueue, id: 'timed', acw: { kind: 'timed', seconds: 30 } };

describe('hub: timed wrap-up', () => {
  async function chatInWrapUp(env: ReturnType<typeof setup>) {
    const alice = env.agent();
    await alice.setPresence('available');
    const cid = await env.visitor().startChat({ queueId: 'timed' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await alice.accept(cid);
    await alice.end(cid);
    assert.equal(env.hub.interaction(cid)?.state, 'wrap-up');
    return { alice, cid };
  }

  it('ends a timed wrap-up on the server when its time runs out, even with a disposition required', async () => {
    const env = setup({ queues: [timedQueue] });
    const { alice, cid } = await chatInWrapUp(env);
    await env.clock.advance(30_000);
    // At the deadline the agent's form still has a moment to submit what it has.
    assert.equal(env.hub.interaction(cid)?.state, 'wrap-up', 'not before the deadline and its grace');
    await env.clock.advance(5_000);
    await waitFor(() => env.hub.interaction(cid)?.state === 'ended', 'ended by the timer');
    const ended = env.hub.interaction(cid);
    assert.equal(ended?.disposition, undefined);
    assert.equal(ended?.timestamps.wrapUpEndedAt, (ended?.timestamps.endedAt ?? 0) + 35_000);
    // The agent's capacity is free: the interaction left their snapshot.
    const snapshot = await alice.connection.command('agent.snapshot', {});
    assert.deepEqual(
      snapshot.interactions.map((i) => i.id),
      [],
    );
    await assert.rejects(
      alice.wrapUp(cid, { disposition: 'resolved' }),
      (e: unknown) => (e as { code: string }).code === 'conflict/state',
    );
  });

  it('keeps the disposition of a form submitted before the deadline, and the timer then does nothing', async () => {
    const env = setup({ queues: [timedQueue] });
    const { alice, cid } = await chatInWrapUp(env);
    await env.clock.advance(10_000);
    await alice.wrapUp(cid, { disposition: 'follow-up', notes: 'call Tuesday' });
    await env.clock.advance(60_000);
    const done = env.hub.interaction(cid);
    assert.equal(done?.state, 'ended');
    assert.equal(done?.disposition, 'follow-up');
    assert.equal(done?.timestamps.wrapUpEndedAt, (done?.timestamps.endedAt ?? 0) + 10_000);
  });

  it('ends a wrap-up whose time ran out while the server was down, right after the restart', async () => {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const first = setup({ queues: [timedQueue], storage, clock });
    const { cid } = await chatInWrapUp(first);
    first.hub.close();
    await clock.advance(120_000);

    const second = setup({ queues: [timedQueue], storage, clock });
    await second.hub.restore();
    await clock.advance(0);
    await waitFor(() => second.hub.interaction(cid)?.state === 'ended', 'ended after the restart');
  });
});

describe('hub: business hours and offline messages', () => {
  it('refuses a chat when the queue is closed, and takes an offline message instead', async () => {
    const { visitor, clock, hub } = setup({ queues: [closedQueue] });
    await clock.advance(9 * 60 * 60_000); // 19:00 in Amsterdam: closed
    const v = visitor();
    await assert.rejects(
      v.startChat({ queueId: 'night' }),
      (e: unknown) => (e as { code: string }).code === 'queue/closed',
    );
    const cid = await v.leaveOfflineMessage({
      queueId: 'night',
      text: 'Call me tomorrow',
      prechat: { email: 'a@b.example' },
    });
    assert.equal(hub.interaction(cid)?.channel, 'offline-message');
    await waitFor(() => v.$messages.get().length === 1, 'message kept');
    assert.equal(v.$messages.get()[0]?.text, 'Call me tomorrow');
  });
});

describe('hub: persistence and resume', () => {
  it('restores a waiting chat after a restart and offers it', async () => {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const first = setup({ storage, clock });
    const cid = await first.visitor().startChat({});
    first.hub.close();

    const second = setup({ storage, clock });
    await second.hub.restore();
    assert.equal(second.hub.interaction(cid)?.state, 'queued');
    const alice = second.agent();
    await alice.setPresence('available');
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered after restart');
  });

  it('keeps a visitor in the conversation across a restart that forgot its resume token', async () => {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    let current = setup({ storage, clock });
    // One transport for the visitor that always reaches whichever hub is running.
    const transport = {
      open: (handlers: Parameters<Transport['open']>[0]) => current.transport.open(handlers),
    };
    const visitor = track(
      createVisitorSession({ transport, clock, random: () => 0.5, token: 'dev:visitor:v1:Ada' }),
    );
    const cid = await visitor.startChat({});
    await visitor.sendMessage('before the restart');
    current.hub.close();

    current = setup({ storage, clock });
    await current.hub.restore();
    const alice = current.agent();
    await alice.setPresence('available');
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered after restart');
    await alice.accept(cid);
    await alice.sendMessage(cid, 'after the restart');
    await clock.advance(31_000);
    await waitFor(() => visitor.$messages.get().length === 2, 'the visitor is back in the same conversation');
    assert.deepEqual(
      visitor.$messages.get().map((m) => m.text),
      ['before the restart', 'after the restart'],
    );
    await waitFor(() => visitor.$connection.get().value === 'caught-up', 'caught up, not signed out');
  });

  it("rebuilds today's live KPIs from storage after a restart", async () => {
    const storage = createMemoryStorage();
    const clock = createTestClock();
    const first = setup({ storage, clock });
    const alice = first.agent();
    await alice.setPresence('available');
    const v = first.visitor();
    const cid = await v.startChat({ topic: 'support' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await clock.advance(4_000);
    await alice.accept(cid);
    await clock.advance(60_000);
    await alice.end(cid);
    await alice.wrapUp(cid, { disposition: 'resolved' });
    await v.rate(4);
    const waiting = await first.visitor('v2').startChat({});
    const before = (await first.supervisor().refresh()).kpis;
    first.hub.close();

    const second = setup({ storage, clock });
    await second.hub.restore();
    const after = (await second.supervisor().refresh()).kpis;
    for (const key of ['interactions', 'queued', 'answered', 'handled', 'csatResponses'] as const) {
      assert.equal(after[key], before[key], key);
    }
    assert.equal(after.asaSeconds, 4);
    assert.equal(after.ahtSeconds, before.ahtSeconds);
    assert.deepEqual(after.byDisposition, { resolved: 1 });
    // alice was free when it came in: an offer outstanding at the restart stays hers, until its expiry.
    assert.equal(second.hub.interaction(waiting)?.state, 'offered', 'open work is restored as it was');
    assert.equal(second.hub.interaction(waiting)?.agentId, 'alice');
  });

  it('lets finished interactions leave memory after a while, reading them back from storage when used', async () => {
    const { hub, visitor, agent, clock } = setup({ heartbeatMs: 60_000 });
    const alice = agent();
    await alice.setPresence('available');
    const v = visitor();
    const cid = await v.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await alice.accept(cid);
    await v.sendMessage('Thanks for the help');
    await alice.end(cid);
    await alice.wrapUp(cid, { disposition: 'resolved' });
    assert.equal(hub.interaction(cid)?.state, 'ended');

    await clock.advance(5 * 60_000);
    assert.ok(hub.interaction(cid), 'kept for a while after the end');
    await clock.advance(7 * 60_000);
    assert.equal(hub.interaction(cid), undefined, 'out of memory ten minutes after its last use');
    // Still there for what comes after a conversation: history, then a late rating.
    const { events } = await v.connection.command('history', { cid });
    assert.ok(events.some((e) => e.ev.type === 'message' && e.ev.text === 'Thanks for the help'));
    await v.rate(5);
    assert.equal(hub.interaction(cid)?.csat?.score, 5);
  });

  it('forgets resume tokens after their time to live', async () => {
    const { hub, clock } = setup({ heartbeatMs: 60_000 });
    const first = rawClient(hub);
    first.send({ t: 'hello', v: 1, token: 'dev:visitor:v7:Ida' });
    await waitFor(() => first.frames.some((f) => f.t === 'welcome'), 'welcome');
    const welcome = first.frames.find((f) => f.t === 'welcome') as Extract<ServerFrame, { t: 'welcome' }>;
    await clock.advance(8 * 86_400_000);
    const late = rawClient(hub);
    late.send({
      t: 'hello',
      v: 1,
      token: 'dev:visitor:v7:Ida',
      resume: { token: welcome.resumeToken, cursors: {} },
    });
    await waitFor(() => late.closedWith() !== undefined, 'refused');
    assert.equal(late.closedWith(), 4401);
  });

  it('replays missed events on resume, and answers `gap` when too many were missed', async () => {
    const { hub, visitor, agent, transport, clock } = setup({ replayLimit: 2 });
    const alice = agent();
    await alice.setPresence('available');
    const v = visitor();
    const cid = await v.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer');
    await alice.accept(cid);
    await waitFor(() => v.$interaction.get()?.state === 'active', 'active');

    transport.setUnreachable(true);
    transport.dropAll();
    await waitFor(() => v.$connection.get().value === 'reconnecting', 'visitor offline');
    // Alice writes five messages while the visitor is away: more than the replay limit.
    for (const text of ['1', '2', '3', '4', '5']) await alice.sendMessage(cid, text);
    transport.setUnreachable(false);
    await clock.advance(31_000);
    await waitFor(() => v.$messages.get().length === 5, 'visitor caught up through backfill');
    assert.deepEqual(
      v.$messages.get().map((m) => m.text),
      ['1', '2', '3', '4', '5'],
    );
    await waitFor(() => v.$connection.get().value === 'caught-up', 'caught up');
    assert.ok(hub.interaction(cid));
  });
});

describe('hub: protocol and authorization', () => {
  it('refuses frames before hello, malformed frames and prototype-polluting keys', async () => {
    const { hub } = setup();
    const early = rawClient(hub);
    early.send({ t: 'cmd', id: 'a', op: 'conversation.list', args: {} });
    await waitFor(() => early.closedWith() !== undefined, 'closed');
    assert.equal(early.closedWith(), 4401);

    const client = rawClient(hub);
    client.send({ t: 'hello', v: 1, token: 'dev:visitor:v9:Eve' });
    await waitFor(() => client.frames.some((f) => f.t === 'welcome'), 'welcome');
    client.send(
      '{"t":"cmd","id":"p1","op":"typing","args":{"cid":"c_x","typing":true,"__proto__":{"polluted":1}}}',
    );
    const polluted = await client.answerTo('p1');
    assert.equal(polluted.t, 'nack');
    assert.equal(polluted.t === 'nack' && polluted.error.code, 'protocol/invalid-frame');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    client.send({
      t: 'cmd',
      id: 'p2',
      op: 'message.send',
      args: { cid: 'c_x', clientMsgId: 'nope', text: 'x' },
    });
    const invalid = await client.answerTo('p2');
    assert.equal(invalid.t === 'nack' && invalid.error.code, 'validation/field');
    assert.equal(invalid.t === 'nack' && invalid.error.field, 'clientMsgId');
    assert.match(invalid.t === 'nack' ? invalid.error.message : '', /^\[message\.send\] clientMsgId /);
    client.send('not json');
    await waitFor(() => client.closedWith() !== undefined, 'closed on garbage');
    assert.equal(client.closedWith(), 4400);
  });

  it("never lets a visitor, or an agent, touch someone else's conversation", async () => {
    const { hub, visitor, agent } = setup();
    const alice = agent();
    const bob = agent('bob');
    await alice.setPresence('available');
    const owner = visitor('owner');
    const cid = await owner.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer to alice');

    const intruder = rawClient(hub);
    intruder.send({ t: 'hello', v: 1, token: 'dev:visitor:eve:Eve' });
    const attempts: [string, Record<string, unknown>][] = [
      ['history', { cid }],
      ['message.send', { cid, clientMsgId: '0190a6e0-0000-7000-8000-000000000001', text: 'hi' }],
      ['typing', { cid, typing: true }],
      ['read', { cid, seq: 1 }],
      ['chat.end', { cid }],
      ['csat.submit', { cid, score: 1 }],
      ['callback.cancel', { cid }],
      ['offer.accept', { cid }],
      ['wrapup.submit', { cid, disposition: 'resolved' }],
      ['presence.set', { status: 'available' }],
      ['supervisor.snapshot', {}],
    ];
    for (const [index, [op, args]] of attempts.entries()) {
      intruder.send({ t: 'cmd', id: `x${index}`, op, args });
      const answer = await intruder.answerTo(`x${index}`);
      assert.equal(answer.t, 'nack', `${op} must be refused`);
      assert.ok(
        answer.t === 'nack' && ['not-found', 'auth/forbidden'].includes(answer.error.code),
        `${op}: ${answer.t === 'nack' ? answer.error.code : ''}`,
      );
    }
    await assert.rejects(bob.accept(cid), (e: unknown) => (e as { code: string }).code === 'not-found');
    await alice.accept(cid);
    await assert.rejects(
      bob.sendMessage(cid, 'not mine'),
      (e: unknown) => (e as { code: string }).code === 'not-found',
    );
  });

  it('starts one conversation per request id, however often the start is retried', async () => {
    const { hub } = setup();
    const client = rawClient(hub);
    client.send({ t: 'hello', v: 1, token: 'dev:visitor:v7:Ann' });
    const requestId = '0190a6e0-0000-7000-8000-00000000abcd';
    for (const id of ['s1', 's2'])
      client.send({ t: 'cmd', id, op: 'chat.start', args: { channel: 'chat', requestId } });
    const [first, second] = [await client.answerTo('s1'), await client.answerTo('s2')];
    assert.ok(first.t === 'ack' && second.t === 'ack');
    assert.equal((first.result as { cid: string }).cid, (second.result as { cid: string }).cid);
    assert.equal(hub.interactions().length, 1);
  });

  it("shows an agent the customer's past interactions with their dispositions, and nobody else's", async () => {
    const { visitor, agent, clock } = setup();
    const alice = agent();
    const bob = agent('bob');
    await alice.setPresence('available');
    const ada = visitor('ada');
    const first = await ada.startChat({ topic: 'support' });
    await waitFor(() => alice.$offers.get()[first] !== undefined, 'first offer');
    await alice.accept(first);
    await alice.end(first);
    await alice.wrapUp(first, { disposition: 'follow-up' });
    await clock.advance(60_000);
    const second = await ada.startChat({ topic: 'support' });
    await waitFor(() => alice.$offers.get()[second] !== undefined, 'second offer');
    await alice.accept(second);
    // The screen pop filled the earlier contact in, with its disposition.
    await waitFor(
      () => alice.$conversations.get()[first]?.interaction?.disposition === 'follow-up',
      'history',
    );
    const history = await alice.customerHistory('ada');
    assert.deepEqual(
      history.map((i) => i.id),
      [second, first],
    );
    await assert.rejects(
      bob.customerHistory('ada'),
      (e: unknown) => (e as { code: string }).code === 'not-found',
    );
    await assert.rejects(
      ada.connection.command('customer.history', { customerId: 'ada' }),
      (e: unknown) => (e as { code: string }).code === 'auth/forbidden',
    );
  });

  it("gives staff the queues' console configuration, without routing internals; visitors get none", async () => {
    const canned = [{ id: 'hi', label: 'Greeting', text: 'Hi {customer.name}' }];
    const { agent, visitor } = setup({
      queues: [{ ...closedQueue, cannedResponses: canned, overflow: { afterSeconds: 60 } }],
    });
    const alice = agent();
    const { queues } = await alice.connection.command('queues.list', {});
    assert.deepEqual(queues, [
      {
        id: 'night',
        name: 'Night desk',
        priority: closedQueue.priority,
        slaTargetSeconds: closedQueue.slaTargetSeconds,
        skills: [],
        closedAlternative: 'offline-message',
        acw: closedQueue.acw,
        dispositions: closedQueue.dispositions,
        dispositionRequired: true,
        offerTimeoutSeconds: closedQueue.offerTimeoutSeconds,
        cannedResponses: canned,
      },
    ]);
    await waitFor(() => alice.$queues.get().length === 1, "the agent session holds the server's queues");
    await assert.rejects(
      visitor().connection.command('queues.list', {}),
      (e: unknown) => (e as { code: string }).code === 'auth/forbidden',
    );
  });

  it('redacts card numbers before storing messages', async () => {
    const storage = createMemoryStorage();
    const { visitor } = setup({ storage });
    const v = visitor();
    const cid = await v.startChat({ prechat: { name: 'Ada', note: 'card 4111 1111 1111 1111' } });
    await v.sendMessage('my card is 4111111111111111');
    const events = await storage.events(cid, 0, 100);
    const text = JSON.stringify(events);
    assert.ok(!text.includes('4111111111111111') && !text.includes('4111 1111 1111 1111'));
    assert.ok(text.includes('•••• 1111'));
    const stored = await storage.getInteraction(cid);
    assert.equal(stored?.interaction.prechat.note, 'card •••• 1111');
  });
});

describe('hub: supervisor', () => {
  it('shows the board, moves KPIs, forces presence and reassigns a waiting chat', async () => {
    const { visitor, agent, supervisor, clock } = setup({
      queues: [supportQueue, { ...supportQueue, id: 'vip', name: 'VIP' }],
    });
    const sam = supervisor();
    const alice = agent();
    await alice.setPresence('available');
    const v = visitor();
    const cid = await v.startChat({ queueId: 'support', topic: 'support' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer');
    await clock.advance(5_000);
    await alice.accept(cid);
    await alice.end(cid);
    await alice.wrapUp(cid, { disposition: 'resolved' });
    await v.rate(4);
    const board = await sam.refresh();
    assert.equal(board.kpis.answered, 1);
    assert.equal(board.kpis.csatResponses, 1);
    assert.equal(board.kpis.byDisposition.resolved, 1);
    assert.ok(board.agents.some((a) => a.agentId === 'alice' && a.presence === 'available'));
    assert.match(sam.exportCsv(), /answered/);
    // The messaging channels' KPIs follow, overall and per queue.
    assert.match(sam.exportCsv(), /\nscope,channel,episodes,responded,first_response_seconds,/);
    assert.match(sam.exportCsv(), /\r\nsupport,email,0,0,,0,,\r\n/);

    await sam.forcePresence('alice', 'away', 'supervisor');
    await waitFor(() => alice.$presence.get().status === 'away', 'alice forced away');

    const waitingCid = await visitor('v2').startChat({ queueId: 'support' });
    await flush();
    const listed = await sam.refresh();
    assert.deepEqual(
      listed.waiting.map((w) => [w.cid, w.queueId]),
      [[waitingCid, 'support']],
    );
    await sam.reassign(waitingCid, { toQueueId: 'vip' });
    const after = await sam.refresh();
    assert.equal(after.queues.find((q) => q.queueId === 'vip')?.waiting, 1);
    assert.equal(after.queues.find((q) => q.queueId === 'support')?.waiting, 0);
  });

  it('gives the KPIs of the day by hour, for trends that start before the board was opened', async () => {
    const { visitor, agent, supervisor, clock, hub } = setup({ heartbeatMs: 30 * 60_000 });
    const dayStart = clock.now();
    const alice = agent();
    await alice.setPresence('available');
    // One chat answered at once in the first hour; one answered after 40 s in the third.
    for (const [index, wait] of [0, 40_000].entries()) {
      const cid = await visitor(`v${index}`).startChat({});
      await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
      await clock.advance(wait);
      await alice.accept(cid);
      await alice.end(cid);
      await alice.wrapUp(cid, { disposition: 'resolved' });
      await clock.advance(2 * 60 * 60_000 - wait);
    }
    const sam = supervisor(() => dayStart);
    const series = await sam.refreshKpiSeries();
    assert.deepEqual(
      series.map((hour) => [hour.from - dayStart, hour.answered, hour.asaSeconds]),
      [
        [0, 1, 0],
        [3_600_000, 0, undefined],
        [7_200_000, 1, 40],
        [10_800_000, 0, undefined],
      ],
    );
    assert.equal(series.at(-1)?.to, clock.now(), 'the last hour ends now');
    assert.equal('byTopic' in (series[0] ?? {}), false, 'no breakdowns in a series');

    // Observing the store loads it.
    const seen: (readonly unknown[] | undefined)[] = [];
    const stop = sam.$kpiSeries.subscribe((value) => seen.push(value));
    await waitFor(() => seen.at(-1)?.length === 4, 'loaded on first observer');
    stop();

    const hasCode = (code: string) => (e: unknown) => (e as { code: string }).code === code;
    const cmd = sam.connection.command.bind(sam.connection);
    await assert.rejects(
      cmd('supervisor.kpi-series', { from: clock.now() - 400 * 3_600_000, bucketMinutes: 60 }),
      hasCode('validation/field'),
      'more than 288 buckets',
    );
    await assert.rejects(
      cmd('supervisor.kpi-series', { from: clock.now(), bucketMinutes: 0 }),
      hasCode('validation/field'),
    );
    await assert.rejects(
      cmd('supervisor.kpi-series', { from: dayStart, bucketMinutes: 60, queueId: 'nope' }),
      hasCode('not-found'),
    );
    await assert.rejects(
      alice.connection.command('supervisor.kpi-series', { from: dayStart, bucketMinutes: 60 }),
      hasCode('auth/forbidden'),
    );
    // A session asked for buckets the server would refuse says so at once.
    for (const kpiBucketMinutes of [0, 1.5, 1441]) {
      assert.throws(
        () =>
          createSupervisorSession({
            transport: createMemoryTransport({ hub }),
            token: 'x',
            kpiBucketMinutes,
          }),
        (e: unknown) => (e as { code: string; message: string }).message.includes('kpiBucketMinutes'),
      );
    }
  });
});

describe('hub: an agent who reconnects', () => {
  /** A raw agent connection that says hello (resuming when given a token) and waits for its welcome. */
  async function rawAgent(hub: Hub, resumeToken?: string) {
    const client = rawClient(hub);
    client.send({
      t: 'hello',
      v: 1,
      token: 'dev:agent:alice:Alice',
      ...(resumeToken ? { resume: { token: resumeToken, cursors: {} } } : {}),
    });
    await waitFor(() => client.frames.some((f) => f.t === 'welcome'), 'welcome');
    const welcome = client.frames.find((f) => f.t === 'welcome');
    return { ...client, resumeToken: welcome?.t === 'welcome' ? welcome.resumeToken : '' };
  }

  it('keeps its presence, hears of offers taken back while it was gone, and gets the history with its accept', async () => {
    const { hub, clock, visitor } = setup();
    const first = await rawAgent(hub);
    first.send({ t: 'cmd', id: 'p1', op: 'presence.set', args: { status: 'available' } });
    assert.equal((await first.answerTo('p1')).t, 'ack');
    const v = visitor();
    const missedCid = await v.startChat({ prechat: { name: 'Ada' } });
    await waitFor(
      () => first.frames.some((f) => f.t === 'notice' && f.notice.type === 'offer'),
      'the first offer',
    );
    // The link goes; the offer runs out while nobody is there to hear it.
    first.disconnect();
    await clock.advance(25_000);

    const back = await rawAgent(hub, first.resumeToken);
    const afterWelcome = back.frames.slice(back.frames.findIndex((f) => f.t === 'welcome') + 1);
    assert.ok(
      afterWelcome.some(
        (f) => f.t === 'notice' && f.notice.type === 'offer.revoked' && f.notice.cid === missedCid,
      ),
      'the revoke reaches the agent when it is back',
    );
    assert.equal(hub.presenceOf('alice')?.value, 'available', 'presence survives the reconnect');

    // A new chat whose customer wrote while it waited: the accept brings the whole conversation, in order.
    const w = visitor('v2');
    const cid = await w.startChat({ prechat: { name: 'Grace' } });
    await w.sendMessage('Hello?');
    await w.sendMessage('Anyone?');
    await waitFor(
      () =>
        back.frames.some(
          (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
        ),
      'the second offer',
    );
    const before = back.frames.length;
    back.send({ t: 'cmd', id: 'a1', op: 'offer.accept', args: { cid } });
    assert.equal((await back.answerTo('a1')).t, 'ack');
    const answer = back.frames.slice(before);
    const ackAt = answer.findIndex((f) => f.t === 'ack');
    const seqs = answer.slice(0, ackAt).flatMap((f) => (f.t === 'evt' && f.cid === cid ? [f.seq] : []));
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      'from seq 1, gap-free, before the ack',
    );
    const texts = answer.flatMap((f) => (f.t === 'evt' && f.ev.type === 'message' ? [f.ev.text] : []));
    assert.deepEqual(texts, ['Hello?', 'Anyone?']);
    assert.ok(answer.slice(0, ackAt).some((f) => f.t === 'evt' && f.ev.type === 'joined'));
  });
});

describe('hub: transfer to a named agent', () => {
  /** Alice holds an active chat; Bob and Carol are the candidates. */
  async function activeWithAlice() {
    const world = setup({ heartbeatMs: 3_600_000 });
    const alice = world.agent('alice');
    await alice.setPresence('available');
    const v = world.visitor();
    const cid = await v.startChat({ prechat: { name: 'Ada' } });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer to alice');
    await alice.accept(cid);
    // Alice steps away so the queue cannot hand the chat straight back to her.
    await alice.setPresence('away', 'break');
    return { ...world, alice, v, cid };
  }

  it('offers the work to that agent only, and tells the transferring agent when it is taken', async () => {
    const { agent, hub, alice, cid } = await activeWithAlice();
    const bob = agent('bob');
    await bob.setPresence('available');
    await alice.transfer(cid, { toAgentId: 'bob', note: 'Billing question' });
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'offer to bob');
    assert.equal(hub.interaction(cid)?.agentId, 'bob');
    await bob.accept(cid);
    await waitFor(
      () => alice.$transferResults.get()[cid]?.outcome === 'accepted',
      'alice hears it was taken',
    );
    assert.equal(hub.interaction(cid)?.state, 'active');
  });

  it('puts declined or missed work back in its queue with its original wait, and says so', async () => {
    const { agent, hub, clock, alice, cid } = await activeWithAlice();
    const waitingSince = hub.interaction(cid)?.timestamps.queuedAt;
    const bob = agent('bob');
    await bob.setPresence('available');
    await alice.transfer(cid, { toAgentId: 'bob' });
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'offer to bob');
    await bob.reject(cid);
    await waitFor(
      () => alice.$transferResults.get()[cid]?.outcome === 'declined',
      'alice hears of the decline',
    );
    assert.equal(hub.interaction(cid)?.timestamps.queuedAt, waitingSince, 'the original wait counts');
    alice.dismissTransferResult(cid);
    assert.equal(alice.$transferResults.get()[cid], undefined);

    // Back with Alice (Bob steps away meanwhile), then to Bob again, who lets the offer run out this time.
    await bob.setPresence('away', 'break');
    await alice.setPresence('available');
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer back to alice');
    await alice.accept(cid);
    await alice.setPresence('away', 'break');
    await bob.setPresence('available');
    await alice.transfer(cid, { toAgentId: 'bob' });
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'second offer to bob');
    await clock.advance(21_000);
    await waitFor(() => alice.$transferResults.get()[cid]?.outcome === 'missed', 'alice hears of the miss');
    assert.notEqual(hub.interaction(cid)?.agentId, 'alice');
  });

  it('refuses, changing nothing, a named agent who is away, unknown, oneself, or serves another queue', async () => {
    const { agent, hub, alice, cid } = await activeWithAlice();
    await alice.setPresence('available');
    const before = hub.interaction(cid);
    const refusal = (target: { toAgentId: string; toQueueId?: string }) =>
      alice.transfer(cid, target as { toAgentId: string }).then(
        () => assert.fail('accepted'),
        (error: unknown) => (isHelplineError(error) ? [error.code, error.field] : [String(error)]),
      );
    assert.deepEqual(await refusal({ toAgentId: 'bob' }), ['agent/unavailable', undefined], 'bob is offline');
    assert.deepEqual(await refusal({ toAgentId: 'nobody' }), ['not-found', undefined]);
    assert.deepEqual(await refusal({ toAgentId: 'alice' }), ['validation/field', 'toAgentId']);
    const bob = agent('bob');
    await bob.setPresence('available');
    assert.deepEqual(await refusal({ toAgentId: 'bob', toQueueId: 'elsewhere' }), ['not-found', undefined]);
    assert.deepEqual(hub.interaction(cid), before, 'nothing changed');
  });
});

describe('hub: an agent who leaves', () => {
  it('stays available through a reload, and goes offline after the grace period: offers go to someone else', async () => {
    const { hub, clock, visitor, agent } = setup({ heartbeatMs: 3_600_000 });
    const login = async () => {
      const client = rawClient(hub);
      client.send({ t: 'hello', v: 1, token: 'dev:agent:alice:Alice' });
      await waitFor(() => client.frames.some((f) => f.t === 'welcome'), 'welcome');
      return client;
    };
    const first = await login();
    first.send({ t: 'cmd', id: 'p1', op: 'presence.set', args: { status: 'available' } });
    await first.answerTo('p1');

    // A reload: gone for 50 s, then back. Nothing changes.
    first.disconnect();
    await clock.advance(50_000);
    const second = await login();
    await clock.advance(30_000);
    assert.equal(hub.presenceOf('alice')?.value, 'available');

    // An offer waits for her when she closes the tab for good.
    const v = visitor();
    const cid = await v.startChat({ prechat: { name: 'Ada' } });
    await waitFor(() => hub.interaction(cid)?.state === 'offered', 'offer to alice');
    second.disconnect();
    await clock.advance(10_000);
    assert.equal(hub.presenceOf('alice')?.value, 'available', 'not before the grace period');
    const bob = agent('bob');
    await bob.setPresence('available');
    await clock.advance(51_000);
    assert.equal(hub.presenceOf('alice')?.value, 'offline');
    await waitFor(() => bob.$offers.get()[cid] !== undefined, 'the withdrawn offer goes to bob');
  });
});

describe('hub: routing rules', () => {
  it('sets priority, skills and queue from what is known at start, and shows supervisors why', async () => {
    const clock = createTestClock();
    const benelux: Queue = { ...supportQueue, id: 'benelux', name: 'Benelux' };
    const subjects: Record<string, Subject> = {
      plain: { id: 'v-plain', role: 'visitor', name: 'Pat' },
      gold: {
        id: 'v-gold',
        role: 'visitor',
        name: 'Gwen',
        identified: true,
        customer: { attributes: { tier: 'gold' } },
      },
      sam: { id: 'sam', role: 'supervisor', name: 'Sam' },
    };
    const hub = createHub({
      queues: [supportQueue, benelux],
      // Alice serves the support queue only, and takes one chat at a time: who is served first is the point.
      agents: [
        testAgent('alice', { queueIds: ['support'], capacity: { ...testAgent('a').capacity, chat: 1 } }),
      ],
      authenticate: (token) => subjects[token] ?? devAuthenticate(token),
      clock,
      routingRules: [
        { name: 'VIP tier', when: { claim: { tier: ['gold'] } }, set: { priority: 10 } },
        { name: 'Belgium', when: { country: ['BE'] }, set: { queueId: 'benelux' } },
      ],
    });
    cleanups.push(() => hub.close());
    const plain = await hub.execute(subjects.plain as Subject, 'chat.start', {
      channel: 'chat',
      queueId: 'support',
    });
    clock.advance(1_000);
    const gold = await hub.execute(subjects.gold as Subject, 'chat.start', {
      channel: 'chat',
      queueId: 'support',
    });
    const belgian = await hub.execute(
      subjects.plain as Subject,
      'chat.start',
      { channel: 'chat', queueId: 'support' },
      { country: 'BE' },
    );
    assert.equal(hub.interaction(gold.cid)?.priority, 10);
    assert.equal(hub.interaction(belgian.cid)?.queueId, 'benelux', 'location routing');
    assert.equal(gold.interaction.routingReasons, undefined, 'the customer is not told they are VIP');

    const board = await hub.execute(subjects.sam as Subject, 'supervisor.snapshot', {});
    const waiting = new Map(board.waiting.map((item) => [item.cid, item]));
    assert.deepEqual(waiting.get(gold.cid)?.reasons, ['VIP tier']);
    assert.equal(waiting.get(gold.cid)?.priority, 10);
    assert.deepEqual(waiting.get(belgian.cid)?.reasons, ['Belgium']);
    assert.equal(waiting.get(plain.cid)?.reasons, undefined);

    // The VIP, though later, is offered first.
    const alice = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
      clock,
      random: () => 0.5,
    });
    cleanups.push(() => alice.close());
    await alice.setPresence('available');
    await waitFor(() => Object.keys(alice.$offers.get()).length > 0, 'an offer');
    assert.deepEqual(Object.keys(alice.$offers.get()), [gold.cid]);
  });
});
