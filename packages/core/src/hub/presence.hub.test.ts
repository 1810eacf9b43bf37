import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KpiLogEvent } from '../metrics/metrics.types';
import { helplineError, isHelplineError } from '../protocol/errors';
import type { Notice } from '../protocol/protocol.types';
import type { RoutingEvent } from '../routing/routing.types';
import { createTestClock, testAgent } from '../testing';
import type { PresenceChange, Subject } from './hub.types';
import { createPresenceHub } from './presence.hub';
import { createHubTimers } from './timers.hub';
import { createTurns } from './turns';

const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
const sue: Subject = { id: 'sue', role: 'supervisor', name: 'Sue' };

function setup(options: { refuseRecords?: boolean } = {}) {
  const clock = createTestClock();
  const recorded: PresenceChange[] = [];
  const logged: KpiLogEvent[] = [];
  const notices: { to: string; notice: Notice }[] = [];
  const routed: (readonly RoutingEvent[])[] = [];
  const applied: (readonly RoutingEvent[])[] = [];
  const failures: string[] = [];
  const online = new Set<string>();
  let scheduled = 0;
  const withdrawn: RoutingEvent[] = [{ type: 'requeued', interactionId: 'c1', queueId: 'support' }];
  const timers = createHubTimers({
    clock,
    serialized: createTurns().serialized,
    reportFailure: () => {},
    isClosed: () => false,
  });
  const presence = createPresenceHub({
    clock,
    agents: new Map([testAgent('alice'), testAgent('bob')].map((a) => [a.id, a])),
    storage: {
      async recordPresence(change) {
        if (options.refuseRecords) throw helplineError('unavailable');
        recorded.push(change);
      },
    },
    router: {
      agent: (agentId) => (agentId === 'alice' ? testAgent('alice') : undefined) as never,
      setPresence: (_agentId, status) => (status === 'available' ? [] : withdrawn),
    },
    log: (event) => logged.push(event),
    notify: (to, notice) => notices.push({ to, notice }),
    route: (events) => routed.push(events),
    applyRouting: async (events) => {
      applied.push(events);
    },
    schedule: async () => {
      scheduled++;
    },
    isOnline: (agentId) => online.has(agentId),
    graceTimers: timers.group(),
    agentGraceMs: 60_000,
    reportFailure: (what) => failures.push(what),
  });
  return {
    clock,
    presence,
    recorded,
    logged,
    notices,
    routed,
    applied,
    failures,
    online,
    scheduled: () => scheduled,
  };
}

describe('presence hub: an agent sets their presence', () => {
  it('is stored, logged, told to the agent, and what the router withdrew is routed again', async () => {
    const { clock, presence, recorded, logged, notices, routed } = setup();
    const at = clock.now();
    const available = await presence.handlers['presence.set']({ subject: alice }, { status: 'available' });
    assert.deepEqual(available, { status: 'available' });
    const away = await presence.handlers['presence.set'](
      { subject: alice },
      { status: 'away', reason: 'lunch' },
    );
    assert.deepEqual(away, { status: 'away', reason: 'lunch' });
    assert.deepEqual(recorded, [
      { agentId: 'alice', status: 'available', at },
      { agentId: 'alice', status: 'away', at, reason: 'lunch' },
    ]);
    assert.deepEqual(
      logged.map((e) => e.type === 'presence' && e.presence),
      ['available', 'away'],
    );
    assert.deepEqual(
      notices.map(({ to, notice }) => [to, notice.type === 'presence' && notice.status]),
      [
        ['alice', 'available'],
        ['alice', 'away'],
      ],
    );
    assert.deepEqual(routed, [[], [{ type: 'requeued', interactionId: 'c1', queueId: 'support' }]]);
    assert.equal(presence.current('alice')?.value, 'away');
  });

  it('changes nothing when storage refuses the change', async () => {
    const { presence, logged, notices } = setup({ refuseRecords: true });
    await assert.rejects(
      presence.handlers['presence.set']({ subject: alice }, { status: 'available' }),
      (error: unknown) => isHelplineError(error) && error.code === 'unavailable',
    );
    assert.equal(presence.presenceOf('alice').value, 'offline');
    assert.deepEqual([logged, notices], [[], []]);
  });

  it('asking for the presence one has is no error; away needs a reason', async () => {
    const { presence, recorded } = setup();
    await presence.set('alice', 'available', undefined, 'agent');
    await presence.set('alice', 'available', undefined, 'agent');
    assert.equal(recorded.length, 1);
    await assert.rejects(
      presence.set('alice', 'away', undefined, 'agent'),
      (error: unknown) =>
        isHelplineError(error) && error.code === 'validation/field' && error.field === 'reason',
    );
  });

  it('a change the hub makes itself is applied when storage is away, and waits for its routing', async () => {
    const { presence, failures, applied, routed } = setup({ refuseRecords: true });
    await presence.set('alice', 'away', 'missed-offers', 'system');
    assert.equal(presence.current('alice')?.value, 'away');
    assert.deepEqual(failures, ['presence record']);
    assert.deepEqual(applied, [[{ type: 'requeued', interactionId: 'c1', queueId: 'support' }]]);
    assert.deepEqual(routed, []);
  });
});

describe('presence hub: supervisors', () => {
  it('force an agent they name, and routing runs again', async () => {
    const { presence, recorded, scheduled } = setup();
    await presence.handlers['supervisor.force-presence'](
      { subject: sue },
      { agentId: 'bob', status: 'away' },
    );
    assert.deepEqual(presence.current('bob')?.context.reasonCode, 'supervisor');
    assert.equal(recorded[0]?.reason, 'supervisor');
    assert.equal(scheduled(), 1);
  });

  it('an unknown agent is not found; an agent may not force anyone', async () => {
    const { presence } = setup();
    await assert.rejects(
      presence.handlers['supervisor.force-presence']({ subject: sue }, { agentId: 'nobody', status: 'away' }),
      (error: unknown) => isHelplineError(error) && error.code === 'not-found',
    );
    await assert.rejects(
      presence.handlers['supervisor.force-presence']({ subject: alice }, { agentId: 'bob', status: 'away' }),
      (error: unknown) => isHelplineError(error) && error.code === 'auth/forbidden',
    );
  });
});

describe('presence hub: an agent whose link is gone', () => {
  it('is set offline (disconnected) after the grace period, and routing runs again', async () => {
    const { clock, presence, recorded, scheduled } = setup();
    await presence.set('alice', 'available', undefined, 'agent');
    presence.awaitReturn('alice');
    await clock.advance(59_999);
    assert.equal(presence.current('alice')?.value, 'available');
    await clock.advance(1);
    assert.equal(presence.current('alice')?.value, 'offline');
    assert.deepEqual(recorded.at(-1), {
      agentId: 'alice',
      status: 'offline',
      at: clock.now(),
      reason: 'disconnected',
    });
    assert.equal(scheduled(), 1);
  });

  it('keeps their presence when they are back in time', async () => {
    const { clock, presence, online } = setup();
    await presence.set('alice', 'available', undefined, 'agent');
    presence.awaitReturn('alice');
    presence.returned('alice');
    await clock.advance(120_000);
    assert.equal(presence.current('alice')?.value, 'available');
    // Connected again without the hub hearing of it first: the timer finds them online.
    presence.awaitReturn('alice');
    online.add('alice');
    await clock.advance(120_000);
    assert.equal(presence.current('alice')?.value, 'available');
  });
});

describe('presence hub: after a restart or a takeover', () => {
  it('gives agents the presence last kept for them until their grace runs out, recording nothing again', async () => {
    const { clock, presence, recorded, online } = setup();
    const at = clock.now() - 5_000;
    online.add('bob');
    presence.restore([
      { agentId: 'alice', status: 'available', at },
      { agentId: 'bob', status: 'away', reason: 'break', at },
      { agentId: 'carol', status: 'available', at },
    ]);
    assert.equal(presence.current('alice')?.value, 'available');
    assert.equal(presence.current('alice')?.context.since, at);
    assert.equal(presence.current('bob')?.value, 'away');
    assert.equal(presence.current('bob')?.context.reasonCode, 'break');
    assert.equal(presence.current('carol'), undefined, 'not an agent of this configuration');
    assert.equal(recorded.length, 0, 'nothing recorded');
    await clock.advance(60_000);
    assert.equal(presence.current('alice')?.value, 'offline', 'alice never came back');
    assert.equal(presence.current('bob')?.value, 'away', 'bob is connected');
    assert.deepEqual(
      recorded.map((change) => [change.agentId, change.status, change.reason]),
      [['alice', 'offline', 'disconnected']],
    );
  });

  it('leaves a presence already set, and an agent who was offline', async () => {
    const { presence } = setup();
    await presence.set('alice', 'away', 'lunch', 'agent');
    presence.restore([
      { agentId: 'alice', status: 'available', at: 1 },
      { agentId: 'bob', status: 'offline', at: 1 },
    ]);
    assert.equal(presence.current('alice')?.value, 'away');
    assert.equal(presence.current('bob'), undefined);
  });
});
