import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import { createTestClock } from '../testing';
import { type CallBook, type CallStep, createCallBook, type HubCall } from './voice.calls';
import { inState } from './voice.testing';

function setup() {
  const clock = createTestClock();
  let next = 0;
  const book = createCallBook({ clock, randomBytes: (length) => new Uint8Array(length).fill(++next) });
  return { clock, book };
}

/** Applies the steps as the hub does once it stored them; returns the last call they touched. */
function held(book: CallBook, steps: readonly (CallStep | undefined)[]): HubCall {
  let call: HubCall | undefined;
  for (const step of steps) if (step) call = book.apply(step).call;
  assert.ok(call);
  return call;
}

/** A call of a chat picked up by alice: `connecting`. */
function pickedUp(book: CallBook, at: number): HubCall {
  const call = held(book, [book.draft(inState('chat', 'active'), 'visitor')]);
  return held(book, [book.stage(call, { type: 'ANSWER', at }, 'answer')]);
}

describe('call book: new calls', () => {
  it('a call placed by either side rings at once, and is held only once its first step is applied', () => {
    const { book } = setup();
    const fromVisitor = book.draft(inState('chat', 'active'), 'visitor');
    assert.deepEqual(
      [fromVisitor.before, fromVisitor.next.value, fromVisitor.next.context.direction],
      [undefined, 'ringing', 'inbound'],
    );
    assert.equal(book.get('c1'), undefined);
    assert.equal(book.interactionOf('c1')?.interaction.channel, 'chat');
    const fromAgent = book.draft(inState('chat', 'active'), 'agent');
    assert.deepEqual([fromAgent.next.value, fromAgent.next.context.direction], ['ringing', 'outbound']);
    assert.notEqual(fromAgent.call.callId, fromVisitor.call.callId);
    assert.equal(held(book, [fromVisitor]), book.get('c1'));
  });

  it('a new call of the same interaction replaces the earlier one', () => {
    const { book } = setup();
    const first = held(book, [book.draft(inState('chat', 'active'), 'visitor')]);
    assert.equal(
      book.apply(book.stage(first, { type: 'TIMEOUT', at: 1 }, 'time out') as CallStep).replaced,
      undefined,
    );
    const second = book.apply(book.draft(inState('chat', 'active'), 'agent'));
    assert.equal(second.replaced, first);
    assert.equal(book.get('c1'), second.call);
    assert.deepEqual([...book.all()], [second.call]);
    assert.equal(book.forget('c1'), second.call);
    assert.deepEqual([book.get('c1'), book.interactionOf('c1'), [...book.all()]], [undefined, undefined, []]);
  });
});

describe('call book: steps', () => {
  it('a step is worked out without changing the call, after the steps already staged', () => {
    const { book } = setup();
    const call = pickedUp(book, 1);
    const connected = book.stage(call, { type: 'CONNECTED', at: 2 }, 'connect');
    assert.ok(connected);
    assert.deepEqual(
      [connected.before?.value, connected.next.value, call.snapshot.value],
      ['connecting', 'active', 'connecting'],
    );
    const held = book.stage(call, { type: 'HOLD', at: 3, by: 'agent' }, 'hold', [connected]);
    assert.deepEqual([held?.before?.value, held?.next.value], ['active', 'held']);
  });

  it('an event that changes nothing stages nothing; one the state does not take is a conflict', () => {
    const { book } = setup();
    const call = pickedUp(book, 1);
    assert.equal(book.stage(call, { type: 'MEDIA_RESTORED', at: 2 }, 'restore media'), undefined);
    assert.throws(
      () => book.stage(call, { type: 'RESUME', at: 2, by: 'agent' }, 'resume the call'),
      (error: unknown) =>
        isHelplineError(error) && error.code === 'conflict/state' && error.message.includes('connecting'),
    );
  });

  it('logs what both sides must see (state, media, hold), not what only one side knows (mute)', () => {
    const { book } = setup();
    const call = pickedUp(book, 1);
    const logged = (event: Parameters<CallBook['stage']>[1]) =>
      book.eventOf(book.stage(book.get('c1') as HubCall, event, 'step') as CallStep);
    const callEvent = (fields: object) => ({ type: 'call', callId: call.callId, ...fields });
    assert.equal(logged({ type: 'MUTE', at: 2 }), undefined);
    assert.deepEqual(
      logged({ type: 'MEDIA_RECONNECTING', at: 2 }),
      callEvent({ state: 'connecting', media: 'reconnecting' }),
    );
    held(book, [book.stage(call, { type: 'CONNECTED', at: 3 }, 'connect')]);
    assert.deepEqual(
      logged({ type: 'HOLD', at: 4, by: 'visitor' }),
      callEvent({ state: 'held', media: 'ok', heldBy: 'visitor' }),
    );
    assert.deepEqual(
      logged({ type: 'HANG_UP', at: 5, by: 'agent' }),
      callEvent({ state: 'ended', media: 'ok', endedBy: 'agent', endReason: 'completed' }),
    );
    assert.equal(
      book.eventOf(book.draft(inState('chat', 'active'), 'visitor'))?.type,
      'call',
      'a new call is logged',
    );
  });
});

describe('call book: the end of a call and its interaction', () => {
  for (const [by, kind] of [
    ['visitor', 'customer-leaves'],
    ['agent', 'agent-ends'],
  ] as const) {
    it(`a voice interaction's call hung up by the ${by} ends the interaction (${kind})`, () => {
      const { book } = setup();
      const call = held(book, [book.draft(inState('voice', 'active'), 'visitor')]);
      const end = book.stage(call, { type: 'HANG_UP', at: 1, by }, 'hang up') as CallStep;
      assert.deepEqual(book.intentOf(end), { intent: { kind } });
    });
  }

  it('a voice call that fails fails its interaction; a waiting caller who hangs up leaves', () => {
    const { book } = setup();
    const talking = pickedUp(book, 1);
    book.remember(inState('voice', 'active'));
    assert.deepEqual(book.intentOf(book.stage(talking, { type: 'FAIL', at: 2 }, 'fail') as CallStep), {
      intent: { kind: 'fail' },
    });
    const ringing = held(book, [book.draft(inState('voice', 'queued', { agentId: null }), 'visitor')]);
    const hangUp = book.stage(ringing, { type: 'HANG_UP', at: 3, by: 'visitor' }, 'hang up') as CallStep;
    assert.deepEqual(book.intentOf(hangUp), { intent: { kind: 'customer-leaves' } });
  });

  it('a live call, a chat call and a call of an interaction already past talking imply nothing', () => {
    const { book } = setup();
    const voice = pickedUp(book, 1);
    book.remember(inState('voice', 'active'));
    assert.deepEqual(
      book.intentOf(book.stage(voice, { type: 'CONNECTED', at: 2 }, 'connect') as CallStep),
      {},
    );
    book.remember(inState('voice', 'wrap-up'));
    assert.deepEqual(book.intentOf(book.stage(voice, { type: 'FAIL', at: 2 }, 'fail') as CallStep), {});
    book.remember(inState('chat', 'active'));
    assert.deepEqual(book.intentOf(book.stage(voice, { type: 'FAIL', at: 2 }, 'fail') as CallStep), {});
  });
});

describe('call book: calls follow their interactions', () => {
  it('a voice interaction that starts waiting rings; a missed offer keeps the same call ringing', () => {
    const { book } = setup();
    const waiting = inState('voice', 'queued', { agentId: null });
    const [first, ...rest] = book.plan(waiting, 'prechat', []);
    assert.deepEqual(
      [first?.before, first?.next.value, first?.call.startedBy, rest],
      [undefined, 'ringing', 'visitor', []],
    );
    held(book, [first]);
    assert.deepEqual(book.plan(waiting, 'offered', []), []);
  });

  it('an accepted voice offer answers the call', () => {
    const { book } = setup();
    const call = held(book, book.plan(inState('voice', 'queued', { agentId: null }), 'prechat', []));
    const [answer, ...rest] = book.plan(inState('voice', 'active'), 'offered', []);
    assert.deepEqual([answer?.call, answer?.next.value, rest], [call, 'connecting', []]);
  });

  it('a transferred voice call ends for the agent and a new one rings for the next', () => {
    const { book } = setup();
    const call = held(book, book.plan(inState('voice', 'queued', { agentId: null }), 'prechat', []));
    held(book, book.plan(inState('voice', 'active'), 'offered', []));
    const [ended, ringing, ...rest] = book.plan(inState('voice', 'queued', { agentId: null }), 'active', []);
    assert.deepEqual([ended?.call, ended?.next.value, ended?.next.context.endedBy], [call, 'ended', 'agent']);
    assert.deepEqual(
      [ringing?.call.callId === call.callId, ringing?.next.value, rest],
      [false, 'ringing', []],
    );
  });

  it('a call ends when its interaction leaves the states that allow one, hung up by whoever ended it', () => {
    const { book } = setup();
    pickedUp(book, 1);
    const [byVisitor] = book.plan(inState('chat', 'wrap-up', { endedBy: 'visitor' }), 'active', []);
    assert.deepEqual([byVisitor?.next.value, byVisitor?.next.context.endedBy], ['ended', 'visitor']);
    const [bySystem] = book.plan(inState('chat', 'wrap-up', { endedBy: 'system' }), 'active', []);
    assert.deepEqual(
      [bySystem?.next.context.endReason, bySystem?.next.context.endedBy],
      ['failed', 'system'],
    );
    assert.deepEqual(
      book.plan(inState('chat', 'active'), 'active', []),
      [],
      'a chat step that keeps handling',
    );
  });

  it('a call already ended, or ended by a step staged before, is left alone', () => {
    const { book } = setup();
    const call = pickedUp(book, 1);
    const hangUp = book.stage(call, { type: 'HANG_UP', at: 2, by: 'visitor' }, 'hang up') as CallStep;
    assert.deepEqual(book.plan(inState('chat', 'wrap-up', { endedBy: 'agent' }), 'active', [hangUp]), []);
    held(book, [hangUp]);
    assert.deepEqual(book.plan(inState('chat', 'wrap-up', { endedBy: 'agent' }), 'active', []), []);
  });
});
