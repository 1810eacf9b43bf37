import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { HelplineError, helplineError } from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate, type Hub } from '@helpline/core/hub';
import { createAgentSession, createVisitorSession, type VisitorSession } from '@helpline/core/session';
import { supportQueue, testAgent, waitFor } from '@helpline/core/testing';
import { createWidgetModel, describeError, isFinished, type WidgetModelEvent } from './widget.model';

const open: { hub: Hub; sessions: { close(): void }[] }[] = [];
afterEach(() => {
  for (const world of open.splice(0)) {
    for (const session of world.sessions) session.close();
    world.hub.close();
  }
});

function world() {
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
  });
  const transport = createMemoryTransport({ hub });
  const session: VisitorSession = createVisitorSession({ transport, token: 'dev:visitor:v1:Ada' });
  const agent = createAgentSession({ transport, token: 'dev:agent:alice:Alice' });
  open.push({ hub, sessions: [session, agent] });
  return { hub, session, agent };
}

describe('widget model', () => {
  it('describes errors with catalog keys, never server text', () => {
    assert.deepEqual(describeError(helplineError('limit/rate', { seconds: 3 }, { retryAfterMs: 2500 })), {
      key: 'errorRate',
      params: { count: 3 },
    });
    assert.deepEqual(describeError(helplineError('unavailable', { detail: 'x' }, { retryAfterMs: 1000 })), {
      key: 'errorUnavailable',
      params: { count: 1 },
    });
    assert.equal(describeError(helplineError('queue/closed', { queue: 'x' })).key, 'errorClosed');
    assert.equal(describeError(new HelplineError('voice/permission-denied', 'no')).key, 'errorMicDenied');
    assert.equal(describeError(new Error('<b>boom</b>')).key, 'errorGeneric');
  });

  it('skips the pre-chat form for an identified visitor and sends what identity knows', async () => {
    const { hub, session } = world();
    const model = createWidgetModel({
      session,
      language: 'nl',
      identity: { name: 'Ada', email: 'ada@example.com' },
      config: {
        prechat: [
          { name: 'name', required: true },
          { name: 'email', type: 'email', required: true },
        ],
      },
    });
    await model.beginChat();
    await waitFor(() => model.$view.get() === 'chat', 'straight into the chat');
    const [interaction] = hub.interactions();
    assert.deepEqual(interaction?.prechat, { name: 'Ada', email: 'ada@example.com' });
    assert.equal(interaction?.language, 'nl');
    model.dispose();
  });

  it('counts unread agent messages only while hidden, announces each once, and marks them read when seen', async () => {
    const { session, agent } = world();
    const events: WidgetModelEvent[] = [];
    const model = createWidgetModel({
      session,
      language: 'en',
      config: { prechat: [] },
      onEvent: (e) => events.push(e),
    });
    const stop = model.$unread.listen(() => undefined);
    await agent.setPresence('available');
    await model.beginChat();
    await waitFor(() => Object.keys(agent.$offers.get()).length === 1);
    const cid = Object.keys(agent.$offers.get())[0] ?? '';
    await agent.accept(cid);
    await agent.sendMessage(cid, 'one');
    await agent.sendMessage(cid, 'two');
    await waitFor(() => model.$unread.get() === 2, 'two unread while hidden');
    model.setVisible(true);
    await waitFor(() => model.$unread.get() === 0, 'seen');
    await waitFor(
      () => (agent.$conversations.get()[cid]?.readUpTo.v1 ?? 0) > 0,
      'read receipt reaches the agent',
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'message').map((e) => (e.type === 'message' ? e.message.text : '')),
      ['one', 'two'],
    );
    assert.ok(events.some((e) => e.type === 'chat-start'));
    stop();
    model.dispose();
  });

  it('validates messages locally before anything is sent', () => {
    const { session } = world();
    const model = createWidgetModel({ session, language: 'en' });
    assert.equal(model.send('  '), false);
    assert.equal(model.$error.get()?.key, 'errorEmptyMessage');
    assert.equal(model.send('x'.repeat(4001)), false);
    assert.deepEqual(model.$error.get(), { key: 'errorMessageTooLong', params: { count: 4001, max: 4000 } });
    model.dispose();
  });
});

describe('isFinished', () => {
  it("reads the interaction's phase: over for the visitor from wrap-up on, on every channel", () => {
    assert.equal(isFinished({ channel: 'chat', state: 'active' }), false);
    assert.equal(isFinished({ channel: 'chat', state: 'wrap-up' }), true);
    assert.equal(isFinished({ channel: 'callback', state: 'retry-wait' }), false);
    assert.equal(isFinished({ channel: 'callback', state: 'dialing' }), false);
    assert.equal(isFinished({ channel: 'callback', state: 'completed' }), true);
    assert.equal(isFinished(undefined), false);
  });
});
