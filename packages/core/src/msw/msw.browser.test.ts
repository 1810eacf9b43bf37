/// <reference types="mocha" />
import { assert } from 'chai';
import { setupWorker } from 'msw/browser';
import { createAgentSession, createVisitorSession } from '../session';
import { createWebSocketTransport } from '../transport';
import { createHelplineMock, type HelplineMock } from '.';
import { until } from './scripted';

// One worker for the file; each test gives it a fresh mock's handlers.
const worker = setupWorker();
let helpline: HelplineMock;
const closing: { close(): void }[] = [];

before(() => worker.start({ quiet: true, onUnhandledRequest: 'bypass' }));
after(() => worker.stop());
beforeEach(() => {
  helpline = createHelplineMock();
  worker.use(...helpline.handlers);
});
afterEach(() => {
  for (const session of closing.splice(0)) session.close();
  worker.resetHandlers();
  helpline.close();
});

describe('@helpline/core/msw in the browser', () => {
  it('answers HTTP through the service worker and the protocol on the page, with no server', async () => {
    const config = (await (await fetch(`${helpline.url}/v1/sites/demo/config`)).json()) as { site: string };
    assert.strictEqual(config.site, 'demo');
    const grant = (await (
      await fetch(`${helpline.url}/v1/sessions/visitor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ site: 'demo' }),
      })
    ).json()) as { token: string };

    const visitor = createVisitorSession({
      transport: createWebSocketTransport({ url: helpline.socketUrl, site: 'demo' }),
      token: grant.token,
      storageKey: false,
    });
    closing.push(visitor);
    await visitor.startChat();
    const cid = await helpline.agent.accept();
    await helpline.agent.say('Hello from Sam');
    await until(visitor.$messages, (all) => all.find((m) => m.text === 'Hello from Sam'), 'reply', 5000);
    await visitor.sendMessage('Thanks!');
    await helpline.agent.waitForMessage('Thanks!', cid);
  });

  it('lets a console under test take the scripted visitor, and injects a refusal', async () => {
    const agent = createAgentSession({
      transport: createWebSocketTransport({ url: helpline.socketUrl }),
      token: helpline.devToken('agent', 'alice', 'Alice'),
      voice: false,
    });
    closing.push(agent);
    helpline.failNext('presence.set', 'agent/unavailable');
    await agent.setPresence('available').then(
      () => assert.fail('the first presence change is refused'),
      (error: { code?: string }) => assert.strictEqual(error.code, 'agent/unavailable'),
    );
    await agent.setPresence('available');
    await helpline.visitor.say('Anyone?');
    const cid = await until(agent.$offers, (offers) => Object.keys(offers)[0], 'an offer', 5000);
    await agent.accept(cid);
    await agent.sendMessage(cid, 'Alice here.');
    await helpline.visitor.waitForMessage('Alice here.');
  });
});
