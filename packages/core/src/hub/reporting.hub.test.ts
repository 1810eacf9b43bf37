import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PresenceSnapshot, presenceSnapshot } from '../agent/presence.machine';
import type { Interaction } from '../interaction/interaction.types';
import type { KpiLogEvent } from '../metrics/metrics.types';
import { isHelplineError } from '../protocol/errors';
import type { Notice } from '../protocol/protocol.types';
import type { RoutingItem } from '../routing/routing.types';
import { createTestClock, salesQueue, supportQueue, testAgent } from '../testing';
import type { HubStorage, Subject } from './hub.types';
import { DEFAULT_LIFECYCLES, type Lifecycle } from './lifecycles';
import type { LiveInteraction } from './live';
import { createReportingHub } from './reporting.hub';

const chat = DEFAULT_LIFECYCLES.chat as Lifecycle;
const supervisor: Subject = { id: 'sue', role: 'supervisor', name: 'Sue' };
const agentSubject: Subject = { id: 'alice', role: 'agent', name: 'Alice' };

function interaction(id: string, at: number, fields: Partial<Interaction> = {}): Interaction {
  return {
    id,
    channel: 'chat',
    state: 'queued',
    queueId: 'support',
    customer: { id: `v-${id}`, identified: false, attributes: {}, name: `Customer ${id}` },
    participants: [],
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: { createdAt: at },
    ...fields,
  };
}

function liveOf(record: Interaction): LiveInteraction {
  return {
    interaction: record,
    snapshot: { value: record.state, context: { timestamps: record.timestamps } },
    lifecycle: chat,
  } as LiveInteraction;
}

function setup(
  options: {
    waiting?: Record<string, RoutingItem[]>;
    interactions?: LiveInteraction[];
    storage?: Pick<HubStorage, 'interactionsSince' | 'presenceSince'>;
    presence?: Record<string, PresenceSnapshot>;
  } = {},
) {
  const clock = createTestClock();
  const notices: Notice[] = [];
  const logged: KpiLogEvent[] = [];
  const reporting = createReportingHub({
    clock,
    queues: new Map([supportQueue, salesQueue].map((q) => [q.id, q])),
    agents: new Map([testAgent('alice'), testAgent('bob')].map((a) => [a.id, a])),
    waiting: (queueId) => options.waiting?.[queueId] ?? [],
    interactions: () => options.interactions ?? [],
    presenceOf: (agentId) => options.presence?.[agentId] ?? presenceSnapshot({ at: clock.now() }),
    storage: options.storage ?? {},
    notifySupervisors: (notice) => notices.push(notice),
    onLog: (event) => logged.push(event),
  });
  return { clock, reporting, notices, logged };
}

describe('reporting hub: the events a step implies', () => {
  it('queued on enqueue, offered on offer, answered once, ended with who ended it', () => {
    const { clock, reporting } = setup();
    const at = clock.now();
    const waiting = interaction('c1', at);
    const queued = reporting.reportsOf(waiting, waiting, { kind: 'enqueue', prechat: {} });
    assert.deepEqual(queued, [
      { at, interactionId: 'c1', type: 'queued', queueId: 'support', channel: 'chat' },
    ]);
    const offered = reporting.reportsOf(waiting, waiting, { kind: 'offer', agentId: 'alice', expiresAt: at });
    assert.deepEqual(offered, [
      { at, interactionId: 'c1', type: 'offered', agentId: 'alice', queueId: 'support' },
    ]);
    const active = { ...waiting, agentId: 'alice', timestamps: { createdAt: at, answeredAt: at } };
    assert.deepEqual(reporting.reportsOf(waiting, active, { kind: 'accept', agentId: 'alice' }), [
      { at, interactionId: 'c1', type: 'answered', agentId: 'alice', queueId: 'support' },
    ]);
    // Answered is counted when it first happens, not on every later step.
    const ended = { ...active, endReason: 'completed' as const, endedBy: 'visitor' as const };
    assert.deepEqual(reporting.reportsOf(active, ended, { kind: 'customer-leaves' }), [
      { at, interactionId: 'c1', type: 'ended', endReason: 'completed', endedBy: 'visitor' },
    ]);
  });

  it("a wrap-up counts as resolved when its queue's disposition says so", () => {
    const { clock, reporting } = setup();
    const at = clock.now();
    const before = interaction('c1', at, { agentId: 'alice', timestamps: { createdAt: at, endedAt: at } });
    const after = {
      ...before,
      disposition: 'resolved',
      timestamps: { ...before.timestamps, wrapUpEndedAt: at },
    };
    assert.deepEqual(reporting.reportsOf(before, after, { kind: 'wrap-up', disposition: 'resolved' }), [
      { at, interactionId: 'c1', type: 'wrap-up-done', disposition: 'resolved', resolved: true },
    ]);
  });
});

describe('reporting hub: the log and the board', () => {
  it('hands every event to onLog and tells supervisors at most once per half second', async () => {
    const { clock, reporting, notices, logged } = setup();
    const at = clock.now();
    reporting.log({ type: 'presence', at, agentId: 'alice', presence: 'available' });
    reporting.log({ type: 'presence', at, agentId: 'bob', presence: 'available' });
    assert.equal(logged.length, 2);
    assert.deepEqual(notices, []);
    await clock.advance(500);
    assert.deepEqual(notices, [{ type: 'board' }]);
    reporting.log({ type: 'presence', at, agentId: 'bob', presence: 'away' });
    reporting.close();
    await clock.advance(1_000);
    assert.deepEqual(notices, [{ type: 'board' }]);
  });

  it('the board: who waits where and for how long, what each agent holds, and the KPIs of the log', async () => {
    const clock0 = createTestClock();
    const at = clock0.now();
    const offered = interaction('c2', at, { state: 'offered', agentId: 'alice' });
    const held = interaction('c3', at, {
      state: 'active',
      agentId: 'bob',
      timestamps: { createdAt: at, answeredAt: at + 5_000 },
    });
    const waitingItem: RoutingItem = {
      id: 'c1',
      queueId: 'support',
      channel: 'chat',
      priority: 5,
      requiredSkills: [],
      waitingSince: at,
    };
    const { clock, reporting } = setup({
      waiting: { support: [waitingItem] },
      interactions: [
        liveOf(interaction('c1', at, { routingReasons: ['vip'] })),
        liveOf(offered),
        liveOf(held),
      ],
    });
    reporting.log({
      type: 'created',
      at,
      interactionId: 'c1',
      channel: 'chat',
      queueId: 'support',
      customerId: 'v',
    });
    reporting.log({ type: 'queued', at, interactionId: 'c1', queueId: 'support', channel: 'chat' });
    await clock.advance(42_000);
    const board = await reporting.handlers['supervisor.snapshot']({ subject: supervisor }, {});
    const support = board.queues.find((q) => q.queueId === 'support');
    assert.deepEqual(
      { waiting: support?.waiting, offered: support?.offered, longest: support?.longestWaitSeconds },
      { waiting: 1, offered: 1, longest: 42 },
    );
    assert.equal(board.queues.find((q) => q.queueId === 'sales')?.longestWaitSeconds, undefined);
    assert.deepEqual(board.waiting, [
      {
        cid: 'c1',
        queueId: 'support',
        channel: 'chat',
        waitingSince: at,
        priority: 5,
        customerName: 'Customer c1',
        reasons: ['vip'],
      },
    ]);
    const bob = board.agents.find((a) => a.agentId === 'bob');
    assert.deepEqual(bob?.interactions, [
      { cid: 'c3', channel: 'chat', state: 'active', customerName: 'Customer c3', since: at + 5_000 },
    ]);
    assert.equal(board.kpis.queued, 1);
    assert.equal(board.byQueue.support?.queued, 1);
    assert.equal(board.byQueue.sales?.queued, 0);
  });

  it('refuses the board and trends to an agent', async () => {
    const { reporting } = setup();
    await assert.rejects(
      reporting.handlers['supervisor.snapshot']({ subject: agentSubject }, {}),
      (error: unknown) => isHelplineError(error) && error.code === 'auth/forbidden',
    );
    await assert.rejects(
      reporting.handlers['supervisor.kpi-series']({ subject: agentSubject }, { from: 0, bucketMinutes: 5 }),
      (error: unknown) => isHelplineError(error) && error.code === 'auth/forbidden',
    );
  });

  it('trends: a window of at most 288 buckets, of a queue that exists', async () => {
    const { clock, reporting } = setup();
    const to = clock.now();
    const series = await reporting.handlers['supervisor.kpi-series'](
      { subject: supervisor },
      { from: to - 3_600_000, to, bucketMinutes: 15 },
    );
    assert.equal(series.series.length, 4);
    await assert.rejects(
      reporting.handlers['supervisor.kpi-series'](
        { subject: supervisor },
        { from: to - 86_400_000 * 2, to, bucketMinutes: 5 },
      ),
      (error: unknown) =>
        isHelplineError(error) && error.code === 'validation/field' && error.field === 'from',
    );
    await assert.rejects(
      reporting.handlers['supervisor.kpi-series'](
        { subject: supervisor },
        { from: to - 3_600_000, to, bucketMinutes: 15, queueId: 'nowhere' },
      ),
      (error: unknown) => isHelplineError(error) && error.code === 'not-found',
    );
  });
});

describe('reporting hub: after a restart', () => {
  it("rebuilds today's KPIs from storage, once", async () => {
    const clock = createTestClock();
    const at = clock.now() - 60_000;
    let reads = 0;
    const { reporting } = setup({
      storage: {
        async interactionsSince() {
          reads++;
          return [
            interaction('c1', at, {
              state: 'ended',
              agentId: 'alice',
              endReason: 'completed',
              timestamps: { createdAt: at, queuedAt: at, answeredAt: at + 1_000, endedAt: at + 30_000 },
            }),
          ];
        },
        async presenceSince() {
          return [{ agentId: 'alice', status: 'available', at }];
        },
      },
    });
    await reporting.restore();
    const board = await reporting.handlers['supervisor.snapshot']({ subject: supervisor }, {});
    assert.equal(board.kpis.queued, 1);
    assert.equal(board.kpis.answered, 1);
    await reporting.restore();
    assert.equal(reads, 1);
  });
});
