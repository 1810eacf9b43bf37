/// <reference types="mocha" />
import { expect } from 'chai';
import { createHub, devAuthenticate } from '../hub';
import { supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { createAgentSession } from './agent.session';
import { createVisitorSession } from './visitor.session';

describe('core in Chromium', () => {
  it('holds a chat between a visitor and an agent session over the memory transport', async () => {
    const hub = createHub({
      queues: [supportQueue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
    });
    const transport = createMemoryTransport({ hub });
    const visitor = createVisitorSession({ transport, token: 'dev:visitor:v1:Ada' });
    const agent = createAgentSession({ transport, token: 'dev:agent:alice:Alice' });
    try {
      await agent.setPresence('available');
      const cid = await visitor.startChat({ prechat: { name: 'Ada' } });
      await waitFor(() => agent.$offers.get()[cid] !== undefined, 'offer');
      await agent.accept(cid);
      await visitor.sendMessage('Hallo 👋 مرحبا');
      await waitFor(
        () => agent.$conversations.get()[cid]?.messages.length === 1,
        'message reaches the agent',
      );
      await agent.sendMessage(cid, '**Hi!**');
      await waitFor(() => visitor.$messages.get().length === 2, 'reply reaches the visitor');
      expect(visitor.$messages.get().map((m) => m.text)).to.deep.equal(['Hallo 👋 مرحبا', '**Hi!**']);
    } finally {
      visitor.close();
      agent.close();
      hub.close();
    }
  });
});
