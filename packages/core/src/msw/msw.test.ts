import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setupServer } from 'msw/node';
import { WebSocket } from 'ws';
import { createAgentSession, createVisitorSession } from '../session';
import { createWebSocketTransport } from '../transport';
import { createHelplineMock, type HelplineMock } from '.';
import { until } from './scripted';

// Node 20 has no global WebSocket for msw to intercept (Node 22 has); any class will do, msw replaces it.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let helpline: HelplineMock;
const server = setupServer();
before(() => server.listen({ onUnhandledRequest: 'error' }));
after(() => server.close());
afterEach(() => {
  server.resetHandlers();
  helpline.close();
});

function mock(): HelplineMock {
  helpline = createHelplineMock();
  server.use(...helpline.handlers);
  return helpline;
}

const closing: { close(): void }[] = [];
afterEach(() => {
  for (const session of closing.splice(0)) session.close();
});

function consoleAgent(token: string) {
  const agent = createAgentSession({
    transport: createWebSocketTransport({ url: helpline.socketUrl }),
    token,
    voice: false,
    environment: null,
  });
  closing.push(agent);
  return agent;
}

describe('@helpline/core/msw in Node', () => {
  it('serves a CRM console: a dev token over HTTP, an offer, accept, messages both ways', async () => {
    mock();
    const response = await fetch(`${helpline.url}/v1/dev/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'agent', id: 'alice', name: 'Alice' }),
    });
    assert.equal(response.status, 201);
    const { token } = (await response.json()) as { token: string };
    const agent = consoleAgent(token);
    await agent.setPresence('available');

    await helpline.visitor.say('Hello, is anyone there?');
    const cid = await until(agent.$offers, (offers) => Object.keys(offers)[0], 'an offer', 5000);
    await agent.accept(cid);
    await until(
      agent.$conversations,
      (all) => all[cid]?.messages.find((m) => m.text === 'Hello, is anyone there?'),
      "the visitor's message",
      5000,
    );
    await agent.sendMessage(cid, 'Hi Ada, how can I help?');
    const reply = await helpline.visitor.waitForMessage('Hi Ada, how can I help?');
    assert.equal(reply.from.name, 'Alice');
    assert.equal(helpline.connections, 1);
  });

  it('serves a widget: site config, a visitor session, and the scripted agent answering', async () => {
    mock();
    const config = (await (await fetch(`${helpline.url}/v1/sites/demo/config`)).json()) as {
      queues: { id: string; open: boolean }[];
    };
    assert.deepEqual(
      config.queues.map((q) => [q.id, q.open]),
      [['support', true]],
    );
    const unknown = await fetch(`${helpline.url}/v1/sites/nope/config`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'not-found');

    const grant = await fetch(`${helpline.url}/v1/sessions/visitor`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'demo' }),
    });
    const { token } = (await grant.json()) as { token: string };
    const visitor = createVisitorSession({
      transport: createWebSocketTransport({ url: helpline.socketUrl, site: 'demo' }),
      token,
      environment: null,
    });
    closing.push(visitor);
    await visitor.startChat();
    const cid = await helpline.agent.accept();
    await helpline.agent.say('Welcome to the demo shop!');
    await until(
      visitor.$messages,
      (messages) => messages.find((m) => m.text === 'Welcome to the demo shop!'),
      'the welcome',
      5000,
    );
    await visitor.sendMessage('Where is my order?');
    await helpline.agent.waitForMessage('Where is my order?', cid);
  });

  it('refuses hello with a typed error, and the connection says why', async () => {
    mock();
    helpline.refuseHello('auth/invalid-token');
    const agent = consoleAgent(helpline.devToken('agent', 'alice', 'Alice'));
    await assert.rejects(agent.setPresence('available'));
    const snapshot = await until(
      agent.$connection,
      (state) => (state.context.error ? state : undefined),
      'a refusal',
      5000,
    );
    assert.equal(snapshot.context.error?.code, 'auth/invalid-token');
  });

  it('answers the next command with a typed nack, then runs the one after', async () => {
    mock();
    helpline.failNext('presence.set', 'auth/forbidden');
    const agent = consoleAgent(helpline.devToken('agent', 'alice', 'Alice'));
    await assert.rejects(agent.setPresence('available'), { code: 'auth/forbidden' });
    await agent.setPresence('available');
    assert.equal(helpline.hub.presenceOf('alice')?.value, 'available');
  });

  it('is unreachable while told so: sockets close before they open; then the client gets through', async () => {
    mock();
    helpline.setUnreachable(true);
    const agent = consoleAgent(helpline.devToken('agent', 'alice', 'Alice'));
    agent.connection.open();
    await until(agent.$connection, (s) => (s.value === 'reconnecting' ? true : undefined), 'a failure', 5000);
    assert.equal(helpline.connections, 0);
    helpline.setUnreachable(false);
    await until(
      agent.$connection,
      (s) => (s.value === 'caught-up' ? true : undefined),
      'the connection',
      5000,
    );
    assert.equal(helpline.connections, 1);
  });

  it('drops the socket; the client reconnects and the chat goes on', async () => {
    mock();
    const agent = consoleAgent(helpline.devToken('agent', 'alice', 'Alice'));
    await agent.setPresence('available');
    await helpline.visitor.say('Still there?');
    const cid = await until(agent.$offers, (offers) => Object.keys(offers)[0], 'an offer', 5000);
    await agent.accept(cid);
    helpline.dropConnections();
    await until(agent.$connection, (s) => (s.value === 'reconnecting' ? true : undefined), 'the loss', 5000);
    await until(agent.$connection, (s) => (s.value === 'caught-up' ? true : undefined), 'the return', 5000);
    await agent.sendMessage(cid, 'Yes, back again.');
    await helpline.visitor.waitForMessage('Yes, back again.');
  });
});
