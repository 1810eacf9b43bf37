import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LIFECYCLES, type Intent, type InteractionSnapshot, type Lifecycle } from '../hub/lifecycles';
import { can, type MachineEvent, type StateConfig, transition } from '../machine';
import type { Queue } from '../queue/queue.types';
import { supportQueue } from '../testing';
import { DEADLINE_KINDS, deadlineOf } from './deadline';
import { CHANNELS, type Channel, type Interaction } from './interaction.types';
import { latestTime } from './lifecycle';

type AnyStateConfig = StateConfig<string, MachineEvent>;

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const timedQueue: Queue = {
  ...supportQueue,
  acw: { kind: 'timed', seconds: 30 },
  dispositionRequired: false,
};

/** Everything the hub may ask of an interaction at `at`, on any channel (each lifecycle takes what it has). */
function intentsAt(at: number, queue: Queue): Intent[] {
  return [
    { kind: 'enqueue', prechat: {} },
    { kind: 'schedule', start: at + 60_000, end: at + 1_860_000 },
    { kind: 'offer', agentId: 'a1', expiresAt: at + 20_000 },
    { kind: 'accept', agentId: 'a1' },
    { kind: 'reject', agentId: 'a1' },
    { kind: 'offer-withdrawn' },
    { kind: 'customer-leaves' },
    { kind: 'agent-ends' },
    { kind: 'agent-cancels' },
    { kind: 'answered' },
    { kind: 'no-answer' },
    { kind: 'fail' },
    { kind: 'transfer', queue },
    { kind: 'reassign', queue },
    { kind: 'wrap-up', disposition: 'resolved' },
    // The messaging channels' own steps.
    { kind: 'customer-message' },
    { kind: 'agent-reply' },
    { kind: 'set-pending' },
    { kind: 'snooze', until: at + 3_600_000 },
    { kind: 'reopen', agentId: 'a1' },
    { kind: 'resolve', by: 'agent' },
  ];
}

/**
 * Snapshots of every state a lifecycle reaches from its start, through the hub's intents and the deadlines
 * themselves (several per state: a state may be reached with and without a time to wait for).
 */
function reachable(channel: Channel, lifecycle: Lifecycle, queue: Queue): InteractionSnapshot[] {
  const interaction = {
    id: 'i1',
    channel,
    customer: { id: 'v1', identified: false, attributes: {}, phone: '+31201234567' },
  } as Interaction;
  const start = lifecycle.create(T0, queue, interaction);
  const found: InteractionSnapshot[] = [start];
  const perState = new Map<string, number>([[start.value, 1]]);
  for (let i = 0; i < found.length; i++) {
    const snapshot = found[i] as InteractionSnapshot;
    const at = Math.max(T0, latestTime(snapshot.context.timestamps)) + 1_000;
    const events = intentsAt(at, queue).flatMap((intent) => lifecycle.event(intent, at) ?? []);
    const deadline = deadlineOf(channel, snapshot);
    if (deadline) events.push(deadline.event(deadline.at));
    for (const event of events) {
      const next = transition(lifecycle.machine, snapshot, event);
      const seen = perState.get(next.snapshot.value) ?? 0;
      if (!next.ok || !next.changed || seen >= 4) continue;
      perState.set(next.snapshot.value, seen + 1);
      found.push(next.snapshot);
    }
  }
  return found;
}

describe('deadlineOf against every lifecycle table', () => {
  for (const channel of CHANNELS) {
    const lifecycle = DEFAULT_LIFECYCLES[channel];
    if (!lifecycle) continue;
    const states = Object.entries(lifecycle.machine.states as Record<string, AnyStateConfig>);

    test(`${channel}: each state declares at most one deadline, of a known kind; final states none`, () => {
      for (const [state, config] of states) {
        if (config.after === undefined) continue;
        assert.ok(DEADLINE_KINDS.includes(config.after.kind as never), `${state}: ${config.after.kind}`);
        assert.notEqual(config.final, true, `final ${state} declares a deadline`);
      }
      assert.ok(
        states.some(([, config]) => config.after !== undefined),
        `${channel} has states that wait for a time`,
      );
    });

    test(`${channel}: a state's deadline, once due, fires an event the state accepts, and it moves on`, () => {
      const snapshots = reachable(channel, lifecycle, timedQueue);
      const reached = new Set(snapshots.map((s) => s.value));
      assert.deepEqual([...reached].sort(), states.map(([state]) => state).sort(), 'every state reached');
      const timed = new Set<string>();
      for (const snapshot of snapshots) {
        const declared: AnyStateConfig['after'] = (
          lifecycle.machine.states as Record<string, AnyStateConfig>
        )[snapshot.value]?.after;
        const deadline = deadlineOf(channel, snapshot);
        if (declared === undefined) {
          assert.equal(deadline, undefined, `${snapshot.value} declares no deadline`);
          continue;
        }
        if (deadline === undefined) continue;
        timed.add(snapshot.value);
        assert.equal(deadline.kind, declared.kind);
        for (const now of [deadline.at, deadline.at + 60_000]) {
          const event: MachineEvent = deadline.event(now);
          assert.equal(event.type, declared.event(now).type);
          assert.ok(
            can(lifecycle.machine, snapshot, event),
            `${snapshot.value} accepts ${event.type} at +${now - deadline.at}`,
          );
          const next = transition(lifecycle.machine, snapshot, event).snapshot.value;
          assert.notEqual(next, snapshot.value, `${snapshot.value}'s deadline moves it on`);
        }
      }
      // Not vacuous: every state that declares a deadline was reached with a time to wait for.
      const declaring = states.filter(([, config]) => config.after !== undefined).map(([state]) => state);
      assert.deepEqual([...timed].sort(), declaring.sort());
    });
  }

  test('a wrap-up without a time limit waits for nothing; a timed one ends a grace after its deadline', () => {
    const chat = DEFAULT_LIFECYCLES.chat as Lifecycle;
    const wrapUps = (queue: Queue) => reachable('chat', chat, queue).filter((s) => s.value === 'wrap-up');
    for (const snapshot of wrapUps(supportQueue)) assert.equal(deadlineOf('chat', snapshot), undefined);
    for (const snapshot of wrapUps(timedQueue)) {
      const endedAt = snapshot.context.timestamps.endedAt ?? Number.NaN;
      assert.deepEqual(
        { kind: deadlineOf('chat', snapshot)?.kind, at: deadlineOf('chat', snapshot)?.at },
        { kind: 'wrap-up-end', at: endedAt + 30_000 + 5_000 },
      );
    }
  });

  test('the callback waits for its slot, then its retries; an offer for its expiry', () => {
    const callback = DEFAULT_LIFECYCLES.callback as Lifecycle;
    for (const snapshot of reachable('callback', callback, timedQueue)) {
      const deadline = deadlineOf('callback', snapshot);
      const { slot, nextAttemptAt, offerExpiresAt } = snapshot.context;
      if (snapshot.value === 'scheduled') assert.equal(deadline?.at, slot?.start);
      if (snapshot.value === 'retry-wait') assert.equal(deadline?.at, nextAttemptAt);
      if (snapshot.value === 'offered') assert.equal(deadline?.at, offerExpiresAt);
    }
  });

  test('a conversation on a messaging channel waits for its offer to expire, or for its snooze to end', () => {
    for (const channel of ['email', 'sms', 'whatsapp', 'messenger'] as const) {
      const lifecycle = DEFAULT_LIFECYCLES[channel] as Lifecycle;
      for (const snapshot of reachable(channel, lifecycle, supportQueue)) {
        const deadline = deadlineOf(channel, snapshot);
        const { offerExpiresAt, snoozedUntil } = snapshot.context as {
          snoozedUntil?: number;
        } & typeof snapshot.context;
        if (snapshot.value === 'snoozed')
          assert.deepEqual([deadline?.kind, deadline?.at], ['snooze-wake', snoozedUntil]);
        else if (snapshot.value === 'offered') assert.equal(deadline?.at, offerExpiresAt);
        else assert.equal(deadline, undefined, `${channel} ${snapshot.value} waits for nothing`);
      }
    }
  });

  test('a state no machine knows waits for nothing', () => {
    assert.equal(deadlineOf('chat', { value: 'held', context: {} }), undefined);
    assert.equal(deadlineOf('callback', { value: 'toString', context: {} }), undefined);
  });
});
