import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection, DeliveredEvent } from '../connection/connection';
import type { CommandResult, ConversationEvent } from '../protocol/protocol.types';
import { createConversationsStore } from './conversations.store';

type HistoryPage = CommandResult<'history'>;

/** A connection whose history pages the test answers by hand, and whose live events it delivers by hand. */
function scriptedConnection() {
  const pages: ((page: HistoryPage) => void)[] = [];
  const listeners: ((event: DeliveredEvent) => void)[] = [];
  const connection = {
    command(op: string) {
      if (op !== 'history') return Promise.reject(new Error(`unexpected ${op}`));
      return new Promise<HistoryPage>((resolve) => pages.push(resolve));
    },
    onEvent(listener: (event: DeliveredEvent) => void) {
      listeners.push(listener);
      return () => {};
    },
    onNotice() {
      return () => {};
    },
    follow() {},
  } as unknown as Connection;
  return {
    connection,
    answer: (page: HistoryPage) => pages.shift()?.(page),
    deliver: (event: DeliveredEvent) => {
      for (const listener of listeners) listener(event);
    },
  };
}

const message = (seq: number, text: string): { seq: number; at: number; ev: ConversationEvent } => ({
  seq,
  at: seq,
  ev: {
    type: 'message',
    messageId: `m${seq}`,
    clientMsgId: `k${seq}`,
    from: { id: 'v1', role: 'visitor', name: 'Ada' },
    text,
  },
});

describe('conversations store: loading history', () => {
  it('keeps the events delivered while a history page was on its way', async () => {
    const { connection, answer, deliver } = scriptedConnection();
    const store = createConversationsStore({ connection });
    const loading = store.load('c1');
    // An agent who just accepted: the replay and the next message arrive before the history answer does.
    for (const seq of [1, 2, 3]) deliver({ cid: 'c1', ...message(seq, `m${seq}`) });
    answer({ events: [message(1, 'm1'), message(2, 'm2')], lastSeq: 2 });
    const view = await loading;
    assert.equal(view.lastSeq, 3);
    assert.deepEqual(
      view.messages.map((m) => `${m.seq}:${m.text}`),
      ['1:m1', '2:m2', '3:m3'],
    );
    assert.deepEqual(store.$conversations.get().c1?.messages.length, 3);
  });
});
