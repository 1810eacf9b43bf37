import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import type { Notice, ServerFrame } from '../protocol/protocol.types';
import { createTestClock, supportQueue } from '../testing';
import { createConversationHub } from './conversation.hub';
import { runAfterReply } from './dispatch';
import type { Subject } from './hub.types';
import { callerOf, liveOver, quietLog, waitingChat } from './live.testing';
import { createMemoryStorage } from './memory.storage';
import { createTurns } from './turns';

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };

function setup() {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const live = liveOver(clock, storage);
  const turns = createTurns();
  const log = quietLog(clock, storage, live);
  const notices: { to: string; notice: Notice }[] = [];
  const sent: ServerFrame[] = [];
  const standing: Notice = { type: 'position', cid: 'c1', position: 3 };
  const conversation = createConversationHub({
    clock,
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    queues: new Map([[supportQueue.id, supportQueue]]),
    storage,
    getLive: live.getLive,
    inTurn: live.inTurn,
    relationTo: live.relationTo,
    serialized: turns.serialized,
    log,
    notify: (to, notice) => notices.push({ to, notice }),
    send: (_conn, frame) => sent.push(frame),
    standingOf: (cid) => (cid === 'c1' ? standing : undefined),
  });
  const current = waitingChat('c1', clock.now(), 'v1');
  live.remember(current);
  return { clock, storage, live, conversation, notices, sent, current, standing };
}

const refusedWith = (code: string, field?: string) => (error: unknown) =>
  isHelplineError(error) && error.code === code && (field === undefined || error.field === field);

describe('conversation hub: writing', () => {
  it('a waiting customer writes; a retry with the same clientMsgId gets the original ack; card numbers are redacted', async () => {
    const { storage, conversation } = setup();
    const caller = callerOf(vera);
    const args = { cid: 'c1', clientMsgId: 'm-1', text: 'my card is 4111 1111 1111 1111' };
    const first = await conversation.handlers['message.send'](caller, args);
    const again = await conversation.handlers['message.send'](caller, args);
    assert.deepEqual(again, first);
    const messages = (await storage.events('c1', 0, 10)).filter((e) => e.ev.type === 'message');
    assert.equal(messages.length, 1);
    const [message] = messages;
    assert.equal(message?.ev.type === 'message' && message.ev.text.includes('4111 1111 1111 1111'), false);
  });

  it('an agent who does not hold the conversation may not write in it; nobody writes once it ended', async () => {
    const { conversation } = setup();
    await assert.rejects(
      conversation.handlers['message.send'](callerOf(alice), { cid: 'c1', clientMsgId: 'm-1', text: 'hi' }),
      (error: unknown) => isHelplineError(error),
    );
    await conversation.handlers['chat.end'](callerOf(vera), { cid: 'c1' });
    await assert.rejects(
      conversation.handlers['message.send'](callerOf(vera), { cid: 'c1', clientMsgId: 'm-2', text: 'hi' }),
      refusedWith('conflict/state'),
    );
  });

  it('typing reaches the other parties, not the one typing', async () => {
    const { conversation, notices, current } = setup();
    const joined = { id: 'alice', role: 'agent' as const, displayName: 'Alice', joinedAt: 0 };
    current.interaction = {
      ...current.interaction,
      participants: [...current.interaction.participants, joined],
    };
    await conversation.handlers.typing(callerOf(vera), { cid: 'c1', typing: true });
    assert.deepEqual(
      notices.map(({ to, notice }) => [to, notice.type]),
      [['alice', 'typing']],
    );
  });

  it('a read receipt cannot point past the last event', async () => {
    const { conversation } = setup();
    await assert.rejects(
      conversation.handlers.read(callerOf(vera), { cid: 'c1', seq: 99 }),
      refusedWith('validation/field', 'seq'),
    );
  });
});

describe('conversation hub: history, ending, rating', () => {
  it('history pages the log; a waiting customer hears their place in line after the reply', async () => {
    const { storage, conversation, sent, standing } = setup();
    await storage.appendEvent('c1', 0, { type: 'note', text: 'one' });
    await storage.appendEvent('c1', 0, { type: 'note', text: 'two' });
    const caller = callerOf(vera);
    const page = await conversation.handlers.history(caller, { cid: 'c1', after: 0, limit: 1 });
    assert.deepEqual([page.events.map((e) => e.seq), page.lastSeq], [[1], 2]);
    assert.deepEqual(sent, []);
    runAfterReply(caller);
    assert.deepEqual(sent, [{ t: 'notice', notice: standing }]);
  });

  it('a customer who leaves while waiting abandons the chat; a rating before it ended is refused', async () => {
    const { conversation, current } = setup();
    await assert.rejects(
      conversation.handlers['csat.submit'](callerOf(vera), { cid: 'c1', score: 5 }),
      (error: unknown) => isHelplineError(error),
    );
    await conversation.handlers['chat.end'](callerOf(vera), { cid: 'c1' });
    assert.deepEqual([current.snapshot.value, current.interaction.endReason], ['ended', 'abandoned']);
  });
});
