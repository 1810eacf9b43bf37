import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChatMessage, type ConversationView, EMPTY_LOAD, type WireInteraction } from '@helpline/core';
import { supportQueue } from '@helpline/core/testing';
import { awaitingReplySince, interactionFlags, loadOf, unreadCount } from './derive';

const message = (
  seq: number | undefined,
  id: string,
  role: 'visitor' | 'agent',
  at: number,
): ChatMessage => ({
  key: `k${seq ?? at}`,
  ...(seq === undefined ? {} : { seq }),
  from: { id, role, name: id },
  text: 'x',
  at,
  status: seq === undefined ? 'sending' : 'sent',
});

const view = (messages: ChatMessage[], readUpTo: Record<string, number> = {}): ConversationView => ({
  cid: 'c1',
  messages,
  readUpTo,
  lastSeq: Math.max(0, ...messages.map((m) => m.seq ?? 0)),
  notes: [],
});

const interaction = (fields: Partial<WireInteraction>): WireInteraction => ({
  id: 'c1',
  channel: 'chat',
  state: 'active',
  queueId: 'support',
  customer: { id: 'v1', identified: false, attributes: {} },
  participants: [],
  priority: 0,
  requiredSkills: [],
  prechat: {},
  timestamps: { createdAt: 1000, answeredAt: 2000 },
  ...fields,
});

describe('derive', () => {
  it('counts confirmed messages of others after my read mark', () => {
    const v = view(
      [
        message(1, 'v1', 'visitor', 1),
        message(2, 'me', 'agent', 2),
        message(3, 'v1', 'visitor', 3),
        message(5, 'v1', 'visitor', 5),
      ],
      {
        me: 3,
      },
    );
    assert.equal(unreadCount(v, 'me'), 1);
    assert.equal(unreadCount(v, 'someone-else'), 4);
    assert.equal(unreadCount(undefined, 'me'), 0);
    assert.equal(unreadCount(v, undefined), 0);
  });

  it('times the wait for a reply from the first unanswered customer message', () => {
    assert.equal(awaitingReplySince(view([])), undefined);
    assert.equal(
      awaitingReplySince(view([message(1, 'v1', 'visitor', 10), message(2, 'v1', 'visitor', 20)])),
      10,
    );
    assert.equal(
      awaitingReplySince(view([message(1, 'v1', 'visitor', 10), message(2, 'me', 'agent', 20)])),
      undefined,
    );
    assert.equal(
      awaitingReplySince(
        view([
          message(1, 'v1', 'visitor', 10),
          message(2, 'me', 'agent', 20),
          message(3, 'v1', 'visitor', 30),
        ]),
      ),
      30,
    );
    assert.equal(
      awaitingReplySince(view([message(1, 'v1', 'visitor', 10), message(undefined, 'me', 'agent', 40)])),
      undefined,
    );
  });

  it('loads channels', () => {
    assert.deepEqual(
      loadOf([interaction({}), interaction({ id: 'c2', channel: 'voice' }), interaction({ id: 'c3' })]),
      { ...EMPTY_LOAD, chat: 2, voice: 1 },
    );
  });

  it('derives chat flags under the queue policy', () => {
    const active = interactionFlags(interaction({}), supportQueue);
    assert.equal(active.canEnd, true);
    assert.equal(active.isWrappingUp, false);
    const wrapUp = interactionFlags(
      interaction({ state: 'wrap-up', timestamps: { createdAt: 1, endedAt: 5000 } }),
      supportQueue,
    );
    assert.equal(wrapUp.needsDisposition, true);
    assert.equal(wrapUp.canSkipWrapUp, false);
    const chosen = interactionFlags(interaction({ state: 'wrap-up', disposition: 'resolved' }), supportQueue);
    assert.equal(chosen.needsDisposition, false);
    const timed = interactionFlags(
      interaction({ state: 'wrap-up', timestamps: { createdAt: 1, endedAt: 5000 } }),
      {
        ...supportQueue,
        acw: { kind: 'timed', seconds: 30 },
        dispositionRequired: false,
      },
    );
    assert.equal(timed.wrapUpDeadlineAt, 35_000);
    const unknownQueue = interactionFlags(interaction({ state: 'wrap-up' }));
    assert.equal(unknownQueue.needsDisposition, false);
    assert.equal(unknownQueue.canSkipWrapUp, true);
  });
});

describe('interactionFlags across channels', () => {
  const base = {
    id: 'c1',
    channel: 'callback' as const,
    queueId: 'support',
    customer: { id: 'v', identified: false, attributes: {} },
    participants: [],
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: { createdAt: 1 },
  };
  it('reads a callback in its own states without crashing, as the chat state it corresponds to', () => {
    assert.equal(interactionFlags({ ...base, state: 'dialing' }).isActive, true);
    assert.equal(interactionFlags({ ...base, state: 'retry-wait' }).isQueued, true);
    assert.equal(interactionFlags({ ...base, state: 'completed' }).isEnded, true);
    assert.equal(interactionFlags({ ...base, state: 'something-new' }).isEnded, true);
  });
});
