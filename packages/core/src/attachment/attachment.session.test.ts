import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, devAuthenticate } from '../hub';
import { helplineError } from '../protocol/errors';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import type { AttachmentClaims } from './attachment.claims';
import type { AttachmentRef } from './attachment.types';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const photo: AttachmentRef = {
  id: 'att_1',
  name: '<img src=x onerror=alert(1)>.png',
  type: 'image/png',
  size: 9,
};

/** Claims that know one upload of the visitor `v1`, and record what they bound. */
function claimsOf(bound: string[]): AttachmentClaims {
  return {
    async claim({ senderId, ids, clientMsgId }) {
      return ids.map((id) => {
        if (id !== photo.id || senderId !== 'v1')
          throw helplineError('not-found', { entity: 'Attachment', id });
        bound.push(clientMsgId);
        // The store's facts win over the client's: the size the server stored.
        return { ...photo, size: 10 };
      });
    },
  };
}

function world(attachments?: AttachmentClaims) {
  const clock = createTestClock();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock,
    ...(attachments ? { attachments } : {}),
  });
  const transport = createMemoryTransport({ hub });
  const options = { transport, clock, random: () => 0.5 };
  const visitor = createVisitorSession({ ...options, token: 'dev:visitor:v1:Ada', storageKey: false });
  const alice = createAgentSession({ ...options, token: 'dev:agent:alice:Alice' });
  cleanups.push(
    () => hub.close(),
    () => visitor.close(),
    () => alice.close(),
  );
  return { visitor, alice };
}

async function activeChat(w: ReturnType<typeof world>): Promise<string> {
  await w.alice.setPresence('available');
  const cid = await w.visitor.startChat({});
  await waitFor(() => w.alice.$offers.get()[cid] !== undefined, 'offer');
  await w.alice.accept(cid);
  return cid;
}

describe('messages with attachments through the sessions', () => {
  it('sends attachments without text; both sides see the stored facts, the name as it was', async () => {
    const bound: string[] = [];
    const w = world(claimsOf(bound));
    const cid = await activeChat(w);
    await w.visitor.sendMessage('', { attachments: [photo] });
    await waitFor(
      () => (w.alice.$conversations.get()[cid]?.messages.length ?? 0) > 0,
      'message at the agent',
    );
    const [message] = w.alice.$conversations.get()[cid]?.messages ?? [];
    assert.equal(message?.text, '');
    assert.deepEqual(message?.attachments, [{ ...photo, size: 10 }]);
    await waitFor(() => w.visitor.$messages.get()[0]?.status === 'sent', 'confirmed');
    assert.deepEqual(w.visitor.$messages.get()[0]?.attachments, [{ ...photo, size: 10 }]);
    assert.equal(bound.length, 1);
  });

  it('refuses an empty message without attachments at once, and attachments a server cannot keep', async () => {
    const w = world();
    await activeChat(w);
    await assert.rejects(w.visitor.sendMessage('  '), { code: 'validation/field' });
    await assert.rejects(w.visitor.sendMessage('', { attachments: [photo] }), {
      code: 'attachment/disabled',
    });
    await assert.rejects(
      w.visitor.upload({ name: 'a.png', type: 'image/png', size: 1, slice: () => new Blob() }),
      {
        code: 'attachment/disabled',
      },
    );
  });
});
