import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveredEvent } from '../connection/connection';
import { helplineError } from '../protocol/errors';
import type { ConversationEvent, WireInteraction } from '../protocol/protocol.types';
import {
  foldAgentInteractions,
  foldInteractions,
  type InteractionInput,
  type InteractionRecords,
} from './interactions.fold';

const AT = Date.UTC(2026, 0, 5, 9, 0, 0);

function interaction(id: string, state: string, agentId?: string): WireInteraction {
  return {
    id,
    channel: 'chat',
    state,
    queueId: 'support',
    customer: { id: `cust-${id}`, name: 'Ada', identified: false, attributes: {} },
    participants: [
      { id: 'v1', role: 'visitor', displayName: 'Ada', joinedAt: AT },
      ...(agentId ? [{ id: agentId, role: 'agent' as const, displayName: agentId, joinedAt: AT }] : []),
    ],
    ...(agentId ? { agentId } : {}),
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: { createdAt: AT },
  };
}

const event = (cid: string, seq: number, ev: ConversationEvent): DeliveredEvent => ({
  cid,
  seq,
  at: AT + seq,
  ev,
});
const message = (cid: string, seq: number, text: string, key = `k${seq}`): DeliveredEvent =>
  event(cid, seq, {
    type: 'message',
    messageId: `m${seq}`,
    clientMsgId: key,
    from: { id: 'v1', role: 'visitor', name: 'Ada' },
    text,
  });
const offer = (cid: string, expiresAt = AT + 30_000) => ({
  interaction: interaction(cid, 'offered'),
  expiresAt,
});

/** Folds `inputs` one after the other, as an agent named alice. */
const asAlice = (inputs: readonly InteractionInput[], from: InteractionRecords = {}): InteractionRecords =>
  inputs.reduce((records, input) => foldAgentInteractions(records, input, 'alice'), from);
const asVisitor = (inputs: readonly InteractionInput[], from: InteractionRecords = {}): InteractionRecords =>
  inputs.reduce((records, input) => foldInteractions(records, input), from);

describe('foldInteractions: what every session knows', () => {
  it('folds a conversation event into its record: the interaction and the log', () => {
    const records = asVisitor([
      event('c1', 1, { type: 'created', interaction: interaction('c1', 'queued') }),
      event('c1', 2, { type: 'state', state: 'offered' }),
      event('c1', 3, { type: 'state', state: 'active' }),
      event('c1', 4, {
        type: 'joined',
        participant: { id: 'alice', role: 'agent', displayName: 'Alice', joinedAt: AT },
      }),
      message('c1', 5, 'Hello'),
      event('c1', 6, { type: 'read', participantId: 'alice', seq: 5 }),
      event('c1', 7, { type: 'note', text: 'from billing' }),
      event('c1', 8, { type: 'csat', score: 5, comment: 'Kind' }),
      event('c1', 9, { type: 'withheld' }),
    ]);
    const conversation = records.c1?.conversation;
    assert.equal(conversation?.interaction?.state, 'active');
    assert.equal(conversation?.interaction?.agentId, 'alice');
    assert.deepEqual(conversation?.interaction?.csat, { score: 5, comment: 'Kind' });
    assert.deepEqual(
      conversation?.messages.map((m) => [m.seq, m.text, m.status]),
      [[5, 'Hello', 'sent']],
    );
    assert.deepEqual(conversation?.readUpTo, { alice: 5 });
    assert.deepEqual(conversation?.notes, ['from billing']);
    assert.equal(conversation?.lastSeq, 9);
  });

  it('gives back the same records for an event already folded (a replay after a resume)', () => {
    const records = asVisitor([message('c1', 1, 'one'), message('c1', 2, 'two')]);
    assert.equal(foldInteractions(records, message('c1', 2, 'two')), records);
    assert.equal(foldInteractions(records, message('c1', 1, 'one')), records);
  });

  it('records an interaction an answer carried, keeping the log folded so far', () => {
    const withLog = asVisitor([message('c1', 1, 'early')]);
    const records = foldInteractions(withLog, {
      type: 'interaction',
      interaction: interaction('c1', 'queued'),
    });
    assert.equal(records.c1?.conversation?.interaction?.state, 'queued');
    assert.equal(records.c1?.conversation?.messages, withLog.c1?.conversation?.messages);
  });

  it('shows a message typed here until the server copy replaces it in place', () => {
    const entry = { cid: 'c1', clientMsgId: 'k1', text: 'Hi', at: AT };
    const from = { id: 'v1', role: 'visitor' as const, name: 'Ada' };
    const sending = asVisitor([{ type: 'sending', entry, from }]);
    assert.deepEqual(
      sending.c1?.conversation?.messages.map((m) => [m.key, m.status]),
      [['k1', 'sending']],
    );
    assert.equal(foldInteractions(sending, { type: 'sending', entry, from }), sending, 'echoed once');
    const sent = foldInteractions(sending, message('c1', 1, 'Hi', 'k1'));
    assert.deepEqual(
      sent.c1?.conversation?.messages.map((m) => [m.key, m.seq, m.status]),
      [['k1', 1, 'sent']],
    );
    const error = helplineError('validation/field', { scope: 'message.send', field: 'text', detail: 'x' });
    assert.equal(
      foldInteractions(sent, { type: 'failed', cid: 'c1', key: 'k1', error }),
      sent,
      'a confirmed message never fails',
    );
    const failed = foldInteractions(sending, { type: 'failed', cid: 'c1', key: 'k1', error });
    assert.equal(failed.c1?.conversation?.messages[0]?.status, 'failed');
    assert.equal(failed.c1?.conversation?.messages[0]?.error, error);
  });

  it("marks an agent's message on a messaging channel with the provider's receipts", () => {
    const records = asAlice([
      message('c1', 1, 'On its way'),
      event('c1', 2, { type: 'receipt', seq: 1, status: 'sent' }),
      event('c1', 3, { type: 'receipt', seq: 1, status: 'failed', detail: 'mailbox unavailable' }),
    ]);
    const [sent] = records.c1?.conversation?.messages ?? [];
    assert.deepEqual(sent?.delivery, { status: 'failed', detail: 'mailbox unavailable' });
    assert.equal(sent?.status, 'sent', 'the message itself stays stored');
  });

  it('keeps typing and the place in line by conversation, without making it a conversation', () => {
    const records = asVisitor([
      { type: 'position', cid: 'c1', position: 2, estimatedWaitSeconds: 40 },
      { type: 'typing', cid: 'c1', from: { id: 'alice', role: 'agent', name: 'Alice' }, typing: true },
    ]);
    assert.deepEqual(records.c1, {
      cid: 'c1',
      standing: { position: 2, estimatedWaitSeconds: 40 },
      typing: true,
    });
  });

  it('leaves the records alone for what only an agent knows, and for notices about no interaction', () => {
    const records = asVisitor([message('c1', 1, 'one')]);
    for (const input of [
      { type: 'offer', offer: offer('c2') },
      { type: 'transfer.result', cid: 'c1', toAgentId: 'bob', outcome: 'accepted' },
      { type: 'presence', status: 'available' },
      { type: 'board' },
      { type: 'rejected', cid: 'c1' },
    ] satisfies InteractionInput[]) {
      assert.equal(foldInteractions(records, input), records, input.type);
    }
  });
});

describe('foldAgentInteractions: offers, the work in hand, transfers', () => {
  it('follows an offer through accepted, wrap-up and ended', () => {
    const offered = asAlice([{ type: 'offer', offer: offer('c1') }]);
    assert.deepEqual(offered.c1, { cid: 'c1', offer: offer('c1') });

    const accepted = asAlice(
      [{ type: 'interaction', interaction: interaction('c1', 'active', 'alice') }],
      offered,
    );
    assert.equal(accepted.c1?.offer, undefined, 'the offer is over');
    assert.equal(Object.hasOwn(accepted.c1 ?? {}, 'offer'), false, 'deleted, not set to undefined');
    assert.equal(accepted.c1?.held, true);
    assert.equal(accepted.c1?.conversation?.interaction?.state, 'active');

    const wrapping = asAlice(
      [{ type: 'interaction', interaction: interaction('c1', 'wrap-up', 'alice') }],
      accepted,
    );
    assert.equal(wrapping.c1?.held, true, 'wrap-up is still in hand');

    const ended = asAlice(
      [{ type: 'interaction', interaction: interaction('c1', 'ended', 'alice') }],
      wrapping,
    );
    assert.equal(Object.hasOwn(ended.c1 ?? {}, 'held'), false);
    assert.equal(ended.c1?.conversation?.interaction?.state, 'ended', 'the conversation stays');
  });

  it('forgets an offer taken back, and the interaction known only through it', () => {
    const records = asAlice([
      { type: 'offer', offer: offer('c1') },
      { type: 'offer', offer: offer('c2') },
      { type: 'offer.revoked', cid: 'c1', reason: 'missed' },
      { type: 'rejected', cid: 'c2' },
    ]);
    assert.deepEqual(records, {});
  });

  it('keeps the conversation of an interaction offered again when its offer goes', () => {
    const handled = asAlice([
      message('c1', 1, 'before'),
      { type: 'offer', offer: offer('c1') },
      { type: 'offer.revoked', cid: 'c1', reason: 'missed' },
    ]);
    assert.deepEqual(Object.keys(handled.c1 ?? {}).sort(), ['cid', 'conversation']);
  });

  it('drops an offer once its interaction moves on elsewhere, and holds only its own work', () => {
    const records = asAlice([
      { type: 'offer', offer: offer('c1') },
      { type: 'interaction', interaction: interaction('c1', 'offered') },
    ]);
    assert.ok(records.c1?.offer, 'still offered');
    const taken = asAlice(
      [{ type: 'interaction', interaction: interaction('c1', 'active', 'bob') }],
      records,
    );
    assert.equal(taken.c1?.offer, undefined);
    assert.equal(taken.c1?.held, undefined, "bob's work is not in alice's hands");
  });

  it('lets go of work transferred to someone else', () => {
    const mine = asAlice([{ type: 'interaction', interaction: interaction('c1', 'active', 'alice') }]);
    const gone = asAlice([{ type: 'interaction', interaction: interaction('c1', 'active', 'bob') }], mine);
    assert.equal(gone.c1?.held, undefined);
    assert.equal(gone.c1?.conversation?.interaction?.agentId, 'bob');
  });

  it('does not take a state of a call for work in hand', () => {
    const records = asAlice([{ type: 'interaction', interaction: interaction('c1', 'connecting', 'alice') }]);
    assert.equal(records.c1?.held, undefined);
  });

  it('keeps the answer to a transfer until the agent dismisses it', () => {
    const answered = asAlice([{ type: 'transfer.result', cid: 'c1', toAgentId: 'bob', outcome: 'declined' }]);
    assert.deepEqual(answered.c1?.transfer, { toAgentId: 'bob', outcome: 'declined' });
    const dismissed = asAlice([{ type: 'dismissed', cid: 'c1' }], answered);
    assert.deepEqual(dismissed, {});
    assert.equal(foldAgentInteractions(dismissed, { type: 'dismissed', cid: 'c1' }, 'alice'), dismissed);
  });

  it('takes the snapshot after a reconnect as the truth: offers and work it leaves out are over', () => {
    const before = asAlice([
      { type: 'offer', offer: offer('c1') },
      { type: 'offer', offer: offer('c2') },
      { type: 'interaction', interaction: interaction('c3', 'active', 'alice') },
      { type: 'interaction', interaction: interaction('c4', 'active', 'alice') },
    ]);
    const after = asAlice(
      [
        {
          type: 'snapshot',
          offers: [offer('c2', AT + 60_000)],
          interactions: [interaction('c4', 'wrap-up', 'alice')],
        },
      ],
      before,
    );
    assert.equal(after.c1, undefined, 'an offer that lapsed meanwhile');
    assert.equal(after.c2?.offer?.expiresAt, AT + 60_000);
    assert.equal(after.c3?.held, undefined, 'finished while away');
    assert.equal(after.c3?.conversation?.interaction?.state, 'active', 'its conversation is still known');
    assert.equal(after.c4?.held, true);
    assert.equal(after.c4?.conversation?.interaction?.state, 'wrap-up');
  });

  it('goes on from the snapshot with the notices that arrived while it was on its way', () => {
    const records = asAlice([
      { type: 'snapshot', offers: [], interactions: [] },
      { type: 'offer', offer: offer('c1') },
    ]);
    assert.ok(records.c1?.offer);
  });

  it("fills in a customer's past interactions without overwriting what is known", () => {
    const live = interaction('c1', 'active', 'alice');
    const records = asAlice([
      { type: 'interaction', interaction: live },
      { type: 'past', interaction: interaction('c1', 'queued') },
      { type: 'past', interaction: interaction('c0', 'ended') },
    ]);
    assert.equal(records.c1?.conversation?.interaction, live);
    assert.equal(records.c0?.conversation?.interaction?.state, 'ended');
    assert.equal(records.c0?.held, undefined);
  });

  it('shares the rest with foldInteractions', () => {
    const records = asAlice([message('c1', 1, 'Hello')]);
    assert.deepEqual(records, asVisitor([message('c1', 1, 'Hello')]));
  });
});
