import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, devAuthenticate, type Hub } from '../hub';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { type AgentSession, createAgentSession } from './agent.session';
import { createSupervisorSession, type SupervisorSession } from './supervisor.session';
import { createVisitorSession, type VisitorSession } from './visitor.session';

interface World {
  hub: Hub;
  visitor: VisitorSession;
  alice: AgentSession;
  sam: SupervisorSession;
}

const open: World[] = [];

function world(): World {
  const clock = createTestClock();
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice'), testAgent('sam', { role: 'supervisor', queueIds: ['support'] })],
    authenticate: devAuthenticate,
    clock,
  });
  const transport = createMemoryTransport({ hub });
  const options = { transport, clock, random: () => 0.5 };
  const w: World = {
    hub,
    visitor: createVisitorSession({ ...options, token: 'dev:visitor:v1:Ada' }),
    alice: createAgentSession({ ...options, token: 'dev:agent:alice:Alice' }),
    sam: createSupervisorSession({ ...options, token: 'dev:supervisor:sam:Sam' }),
  };
  open.push(w);
  return w;
}

afterEach(() => {
  for (const w of open.splice(0)) {
    w.visitor.close();
    w.alice.close();
    w.sam.close();
    w.hub.close();
  }
});

const texts = (view: { readonly messages: readonly { readonly text: string }[] } | undefined) =>
  (view?.messages ?? []).map((message) => message.text);

describe("a supervisor's transcript of a monitored chat", () => {
  it('holds the history from the start, then the live messages, and drops the chat when the leg ends', async () => {
    const { visitor, alice, sam } = world();
    await alice.setPresence('available');
    const cid = await visitor.startChat({ prechat: { name: 'Ada' }, topic: 'support' });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offer to alice');
    await alice.accept(cid);
    await visitor.sendMessage('My order is late.');
    await waitFor(() => alice.$conversations.get()[cid]?.messages.length === 1, 'alice has it');
    assert.deepEqual(sam.supervision.$transcripts.get(), {}, 'nothing before monitoring');

    await sam.supervision.start(cid, 'monitoring');
    await waitFor(() => texts(sam.supervision.$transcripts.get()[cid]).length === 1, 'history read');
    assert.deepEqual(texts(sam.supervision.$transcripts.get()[cid]), ['My order is late.']);

    await alice.sendMessage(cid, 'Let me check.');
    await waitFor(() => texts(sam.supervision.$transcripts.get()[cid]).length === 2, 'live message');
    const [first, second] = sam.supervision.$transcripts.get()[cid]?.messages ?? [];
    assert.equal(first?.from.role, 'visitor');
    assert.deepEqual([second?.from.id, second?.text], ['alice', 'Let me check.']);

    await sam.supervision.stop(cid);
    assert.equal(sam.supervision.$transcripts.get()[cid], undefined, 'gone with the leg');
    await alice.sendMessage(cid, 'Found it.');
    await sam.supervision.start(cid, 'monitoring');
    await waitFor(() => texts(sam.supervision.$transcripts.get()[cid]).length === 3, 'read again');
    assert.deepEqual(texts(sam.supervision.$transcripts.get()[cid]), [
      'My order is late.',
      'Let me check.',
      'Found it.',
    ]);
  });

  it("is empty in an agent's session", async () => {
    const { alice } = world();
    assert.deepEqual(alice.supervision.$transcripts.get(), {});
  });
});
