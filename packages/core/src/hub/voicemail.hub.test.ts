import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { AttachmentClaim } from '../attachment/attachment.claims';
import type { Queue } from '../queue/queue.types';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, salesQueue, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';

// Voicemail through a whole hub (memory transport): a caller of a closed queue, or one whose call waited past the
// queue's `voicemail.afterSeconds`, records a message (`voicemail.start`, the upload, `voicemail.send`); it becomes a
// `voicemail` interaction of the queue with its recording bound to a message, and is offered, accepted and wrapped up
// like any other. The attachment store is a stand-in that answers the claim with the stored facts.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const VOICEMAIL = { afterSeconds: 60, maxSeconds: 120 };
/** Open all week, voicemail after a minute. */
const openQueue: Queue = { ...supportQueue, voicemail: VOICEMAIL };
/** Never open, voicemail at once. */
const closedQueue: Queue = {
  ...salesQueue,
  id: 'closed',
  businessHours: { timeZone: 'UTC', weekly: {} },
  voicemail: VOICEMAIL,
};
/** Closed, and no voicemail. */
const noVoicemail: Queue = { ...salesQueue, id: 'quiet', businessHours: { timeZone: 'UTC', weekly: {} } };

function setup() {
  const clock = createTestClock();
  const claims: AttachmentClaim[] = [];
  const types = new Map<string, string>([
    ['a-audio', 'audio/webm'],
    ['a-photo', 'image/png'],
  ]);
  const hub = createHub({
    queues: [openQueue, closedQueue, noVoicemail],
    agents: [testAgent('alice', { queueIds: [openQueue.id, closedQueue.id] })],
    authenticate: devAuthenticate,
    clock,
    attachments: {
      async claim(claim) {
        claims.push(claim);
        return claim.ids.map((id) => ({
          id,
          name: 'voicemail.webm',
          type: types.get(id) ?? 'audio/webm',
          size: 4096,
        }));
      },
    },
  });
  cleanups.push(() => hub.close());
  const transport = createMemoryTransport({ hub });
  const base = { clock, random: () => 0.5, transport };
  const visitor = (id: string) => {
    const session = createVisitorSession({ ...base, token: `dev:visitor:${id}:${id}` });
    cleanups.push(() => session.close());
    return session;
  };
  const agent = (id: string) => {
    const session = createAgentSession({ ...base, token: `dev:agent:${id}:${id}`, voice: false });
    cleanups.push(() => session.close());
    return session;
  };
  return { clock, hub, claims, visitor, agent };
}

const clientMsgId = '01890a5d-ac96-774b-bcce-b302099a8057';
const recording = [{ id: 'a-audio', name: 'voicemail.webm', type: 'audio/webm', size: 4096 }];

describe('hub: voicemail', () => {
  it('a caller of a closed queue leaves a voicemail: recorded in prechat, sent into the queue, offered and accepted', async () => {
    const { hub, claims, visitor, agent } = setup();
    const alice = agent('alice');
    await alice.setPresence('available');
    const vera = visitor('vera');
    const { cid, interaction } = await vera.connection.command('voicemail.start', { queueId: 'closed' });
    assert.equal(interaction.channel, 'voicemail');
    assert.equal(interaction.state, 'prechat', 'nobody sees it while the caller records');
    assert.equal(hub.interaction(cid)?.queueId, 'closed');
    assert.equal(alice.$offers.get()[cid], undefined);

    const sent = await vera.connection.command('voicemail.send', {
      cid,
      clientMsgId,
      attachments: recording,
    });
    assert.equal(sent.interaction.state, 'queued');
    assert.deepEqual(claims, [{ cid, senderId: 'vera', clientMsgId, ids: ['a-audio'] }]);

    // Routed and offered like any other interaction, even though the queue is closed to live contacts.
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered to alice');
    await alice.accept(cid);
    assert.equal(hub.interaction(cid)?.state, 'active');
    const { events } = await alice.connection.command('history', { cid });
    const message = events.map((e) => e.ev).find((ev) => ev.type === 'message');
    assert.equal(message?.type === 'message' ? message.attachments?.[0]?.type : undefined, 'audio/webm');
    assert.equal(message?.type === 'message' ? message.from.id : undefined, 'vera');

    // Wrapped up like a chat: the agent ends it and submits the wrap-up.
    await alice.end(cid);
    assert.equal(hub.interaction(cid)?.state, 'wrap-up');
  });

  it('a caller nobody answered within afterSeconds leaves a voicemail; their waiting call ends', async () => {
    const { clock, hub, visitor } = setup();
    const vera = visitor('vera');
    const call = await vera.startChat({ channel: 'voice', queueId: openQueue.id });
    assert.equal(hub.interaction(call)?.state, 'queued');

    // Too early: the queue still tries to answer.
    await assert.rejects(vera.connection.command('voicemail.start', { fromCid: call }), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'conflict/state');
      assert.match(String((error as Error).message), /waiting 0 s of the queue's 60 s/);
      return true;
    });
    await clock.advance(60_000);
    const { cid, interaction } = await vera.connection.command('voicemail.start', { fromCid: call });
    assert.equal(interaction.queueId, openQueue.id);
    assert.equal(hub.interaction(call)?.state, 'ended', 'the unanswered call left the line');
    await vera.connection.command('voicemail.send', { cid, clientMsgId, attachments: recording });
    assert.equal(hub.interaction(cid)?.state, 'queued');
  });

  it('refuses voicemail in an open queue, a queue without it, someone else’s call, and a file that is not audio', async () => {
    const { clock, visitor, agent } = setup();
    const vera = visitor('vera');
    const code = (error: unknown) => (error as { code?: string }).code;
    await assert.rejects(vera.connection.command('voicemail.start', { queueId: openQueue.id }), (error) => {
      assert.equal(code(error), 'conflict/state');
      assert.match(String((error as Error).message), /open \(call instead\)/);
      return true;
    });
    await assert.rejects(vera.connection.command('voicemail.start', { queueId: 'quiet' }), (error) => {
      assert.match(String((error as Error).message), /without voicemail/);
      return true;
    });
    const call = await visitor('walt').startChat({ channel: 'voice', queueId: openQueue.id });
    await clock.advance(60_000);
    await assert.rejects(vera.connection.command('voicemail.start', { fromCid: call }), (error) => {
      assert.equal(code(error), 'not-found');
      return true;
    });
    // Staff do not leave voicemails; a voicemail is sent by its own caller only, once, with audio.
    const alice = agent('alice');
    await assert.rejects(alice.connection.command('voicemail.start', { queueId: 'closed' }), (error) => {
      assert.equal(code(error), 'auth/forbidden');
      return true;
    });
    const { cid } = await vera.connection.command('voicemail.start', { queueId: 'closed' });
    await assert.rejects(
      visitor('walt').connection.command('voicemail.send', { cid, clientMsgId, attachments: recording }),
      (error) => {
        assert.equal(code(error), 'not-found');
        return true;
      },
    );
    await assert.rejects(
      vera.connection.command('voicemail.send', {
        cid,
        clientMsgId,
        attachments: [{ ...recording[0], id: 'a-photo' } as (typeof recording)[number]],
      }),
      (error) => {
        assert.equal(code(error), 'validation/field');
        return true;
      },
    );
    await vera.connection.command('voicemail.send', { cid, clientMsgId, attachments: recording });
    await assert.rejects(
      vera.connection.command('voicemail.send', { cid, clientMsgId, attachments: recording }),
      (error) => {
        assert.equal(code(error), 'conflict/state');
        return true;
      },
    );
  });

  it('the caller may cancel a voicemail before sending it', async () => {
    const { hub, visitor } = setup();
    const vera = visitor('vera');
    const { cid } = await vera.connection.command('voicemail.start', { queueId: 'closed' });
    await vera.connection.command('chat.end', { cid });
    assert.equal(hub.interaction(cid)?.state, 'ended');
  });
});
