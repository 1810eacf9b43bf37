// The supervisor board's SLA and mailbox parts on a hub with a fake clock: conversations at risk and past their
// targets appear by the clock alone (a board notice comes without any event), mailbox health changes are pushed, and
// a snoozed conversation carries its wake-up time on the wire.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ServerFrame } from '../protocol/protocol.types';
import { createTestClock, flush, supportQueue, testAgent } from '../testing';
import { mail } from './channels.testing';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';
import type { MailboxBoardStatus, Subject } from './hub.types';

const MIN = 60_000;
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
const sam: Subject = { id: 'sam', role: 'supervisor', name: 'Sam' };
/** Email answered within an hour and resolved within ten: warnings at 48 minutes and at 8 hours. */
const queue = {
  ...supportQueue,
  dispositionRequired: false,
  messagingSla: { email: { firstResponseSeconds: 3600, resolutionSeconds: 36_000 } },
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup() {
  const clock = createTestClock();
  let mailboxes: MailboxBoardStatus[] = [
    { mailbox: 'support', address: 'support@shop.example', state: 'connected', failures: 0, received: 0 },
  ];
  const listeners = new Set<() => void>();
  const hub = createHub({
    queues: [queue],
    agents: [testAgent('alice', {})],
    authenticate: devAuthenticate,
    clock,
    channels: {
      addresses: { 'support@shop.example': queue.id },
      outbound: { email: { send: async () => ({ externalId: '<out@shop.example>' }) } },
    },
    mailboxes: {
      statuses: () => mailboxes,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  });
  cleanups.push(() => hub.close());
  const connect = (token: string) => {
    const frames: ServerFrame[] = [];
    const connection = hub.connect({
      send(raw) {
        const frame = JSON.parse(raw) as ServerFrame;
        frames.push(frame);
        // A live console answers the heartbeat: the hours these tests skip keep it connected.
        if (frame.t === 'ping') connection.receive(JSON.stringify({ t: 'pong', ts: clock.now() }));
      },
      close() {},
    });
    connection.receive(JSON.stringify({ t: 'hello', v: 1, token }));
    return frames;
  };
  const agentFrames = connect('dev:agent:alice:Alice');
  const supervisorFrames = connect('dev:supervisor:sam:Sam');
  const boardNotices = () =>
    supervisorFrames.filter((frame) => frame.t === 'notice' && frame.notice.type === 'board').length;
  const setMailboxes = (next: MailboxBoardStatus[]) => {
    mailboxes = next;
    for (const listener of listeners) listener();
  };
  return { hub, clock, agentFrames, boardNotices, setMailboxes };
}

describe('supervisor board: SLA of asynchronous conversations', () => {
  it('lists a conversation at risk, then breached, as the clock alone moves, and counts them per queue', async () => {
    const { hub, clock, boardNotices } = setup();
    await hub.execute(alice, 'presence.set', { status: 'available' });
    const { cid } = await hub.channels.receive(mail({ threadKey: 'sla', receivedAt: clock.now() }));
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });

    let board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.deepEqual(board.sla, []);
    assert.equal(board.queues[0]?.slaAtRisk, 0);

    // Nothing happens but time: the board is told when the warning starts.
    await clock.advance(2 * MIN);
    const before = boardNotices();
    await clock.advance(47 * MIN);
    assert.ok(boardNotices() > before, 'a board notice at the warning, without any event');
    board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.equal(board.sla?.length, 1);
    assert.deepEqual(
      { ...board.sla?.[0] },
      {
        cid,
        queueId: 'support',
        channel: 'email',
        state: 'active',
        agentId: 'alice',
        customerName: 'Ann',
        firstResponse: 'at-risk',
        resolution: 'on-track',
        standing: 'at-risk',
        firstResponseDueAt: board.sla?.[0]?.firstResponseDueAt,
        resolutionDueAt: board.sla?.[0]?.resolutionDueAt,
      },
    );
    assert.equal(board.queues[0]?.slaAtRisk, 1);

    const atRisk = boardNotices();
    await clock.advance(12 * MIN);
    assert.ok(boardNotices() > atRisk, 'a board notice once the target passed');
    board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.equal(board.sla?.[0]?.standing, 'breached');
    assert.equal(board.queues[0]?.slaBreached, 1);
    assert.equal(board.queues[0]?.slaAtRisk, 0);

    // Resolved: off the list.
    await hub.execute(alice, 'conversation.resolve', { cid });
    board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.deepEqual(board.sla, []);
    assert.equal(board.messagingByQueue?.support?.email?.resolved, 1);
  });

  it('carries snoozedUntil on the wire while snoozed, and drops it when the conversation wakes', async () => {
    const { hub, clock, agentFrames } = setup();
    await hub.execute(alice, 'presence.set', { status: 'available' });
    const { cid } = await hub.channels.receive(mail({ threadKey: 'snooze', receivedAt: clock.now() }));
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    const until = clock.now() + 30 * MIN;
    await hub.execute(alice, 'conversation.snooze', { cid, until });
    assert.equal(hub.interaction(cid)?.snoozedUntil, until);
    const lastWire = () =>
      agentFrames
        .flatMap((frame) =>
          frame.t === 'notice' && frame.notice.type === 'interaction' ? [frame.notice.interaction] : [],
        )
        .filter((interaction) => interaction.id === cid)
        .at(-1);
    assert.equal(lastWire()?.snoozedUntil, until, "the agent's console hears when it wakes");
    const board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.equal(board.agents[0]?.interactions[0]?.state, 'snoozed');
    await clock.advance(30 * MIN);
    await flush();
    assert.equal(hub.interaction(cid)?.state, 'active');
    assert.equal(hub.interaction(cid)?.snoozedUntil, undefined);
    assert.equal(lastWire()?.snoozedUntil, undefined);
  });
});

describe('supervisor board: mailbox health', () => {
  it("shows every mailbox's status, and tells supervisors when one changes", async () => {
    const { hub, clock, boardNotices, setMailboxes } = setup();
    let board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.equal(board.mailboxes?.[0]?.state, 'connected');
    await clock.advance(MIN);
    const before = boardNotices();
    const failing: MailboxBoardStatus = {
      mailbox: 'support',
      address: 'support@shop.example',
      state: 'retrying',
      problem: 'authentication',
      error: 'Authentication failed',
      failures: 2,
      retryAt: clock.now() + 4000,
      received: 0,
    };
    setMailboxes([failing]);
    await clock.advance(MIN);
    assert.equal(boardNotices(), before + 1);
    board = await hub.execute(sam, 'supervisor.snapshot', {});
    assert.deepEqual({ ...board.mailboxes?.[0] }, failing);
  });
});
