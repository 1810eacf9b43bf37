/// <reference types="mocha" />
import {
  type AgentSession,
  createAgentSession,
  createVisitorSession,
  type VisitorSession,
} from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate, type Hub } from '@helpline/core/hub';
import { testAgent } from '@helpline/core/testing';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import {
  acceptChat,
  adoptStyles,
  assertAccessible,
  byLabel,
  byText,
  cleanup,
  click,
  mount,
  QUEUES,
  typeText,
  waitForUi,
} from '../testing/harness';
import { EscalateToLeader } from './EscalateToLeader';
import { EscalationsInbox } from './EscalationsInbox';

declare global {
  var __xss: number | undefined;
}

const XSS = '<img src=x onerror="window.__xss=1">';

describe('escalation to a team leader in the console', () => {
  let hub: Hub;
  let alice: AgentSession;
  let tess: AgentSession;
  const visitors: VisitorSession[] = [];

  before(adoptStyles);

  beforeEach(async () => {
    globalThis.__xss = undefined;
    hub = createHub({
      queues: QUEUES,
      agents: [
        testAgent('alice', { queueIds: ['support'] }),
        // Tess leads support and serves sales only, so support chats go to Alice.
        testAgent('tess', { queueIds: ['sales'], leads: ['support'] }),
      ],
      authenticate: devAuthenticate,
    });
    alice = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
      voice: false,
    });
    tess = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:tess:Tess',
      voice: false,
    });
    await alice.setPresence('available');
    await tess.setPresence('available');
  });

  afterEach(() => {
    cleanup();
    alice.close();
    tess.close();
    for (const visitor of visitors.splice(0)) visitor.close();
    hub.close();
    assert.isUndefined(globalThis.__xss, 'no injected script ran');
  });

  it('the agent escalates with a reason; the team leader accepts, consults and takes over (axe)', async () => {
    const visitor = createVisitorSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:visitor:v1:Ada',
    });
    visitors.push(visitor);
    const cid = await acceptChat(alice, visitor);
    const agentUi = mount(
      <HelplineProvider agent={alice} queues={QUEUES}>
        <EscalateToLeader target={{ cid }} />
      </HelplineProvider>,
    );
    const open = byText(agentUi.container, 'button', consoleMessages.escalationEscalate);
    await click(open);
    const dialog = agentUi.container.querySelector('[role="dialog"]');
    assert.ok(dialog, 'the reason dialog');
    const reason = byLabel<HTMLTextAreaElement>(agentUi.container, consoleMessages.escalationReasonLabel);
    assert.strictEqual(document.activeElement, reason, 'focus moves to the reason');
    assert.isTrue(reason.required);
    await assertAccessible(agentUi.container);
    // Escape closes it and gives focus back.
    await act(async () => {
      reason.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    assert.isNull(agentUi.container.querySelector('[role="dialog"]'));
    assert.strictEqual(document.activeElement, open);
    await click(open);
    await typeText(
      byLabel(agentUi.container, consoleMessages.escalationReasonLabel),
      `Refund above my limit ${XSS}`,
    );
    const submit = agentUi.container.querySelector<HTMLButtonElement>(
      '[role="dialog"] button[type="submit"]',
    );
    assert.strictEqual(submit?.textContent, consoleMessages.escalationSubmit);
    await click(submit);
    await waitForUi(
      () =>
        agentUi.container.querySelector('.helpline-escalate-leader__status')?.textContent !== '' ||
        agentUi.container.querySelector('.helpline-error') !== null,
      'the outcome',
    );
    assert.include(
      agentUi.container.textContent,
      consoleMessages.escalationSentOffered,
      'a team leader was asked',
    );

    const leaderUi = mount(
      <HelplineProvider agent={tess} queues={QUEUES}>
        <EscalationsInbox />
      </HelplineProvider>,
    );
    await waitForUi(
      () => leaderUi.container.querySelector('.helpline-escalations__item') !== null,
      'the escalation in the inbox',
    );
    assert.include(leaderUi.container.textContent, XSS, 'the reason is text');
    assert.isNull(leaderUi.container.querySelector('img'));
    await click(leaderUi.container.querySelector('.helpline-escalations__open'));
    await click(byText(leaderUi.container, 'button', consoleMessages.escalationAccept));
    await waitForUi(
      () => leaderUi.container.textContent?.includes(consoleMessages.escalationTakeOver) === true,
      'take over offered once accepted',
    );
    await typeText(
      byLabel(leaderUi.container, consoleMessages.escalationMessageLabel),
      'What did you offer?',
    );
    await click(byText(leaderUi.container, 'button', consoleMessages.escalationSend));
    await waitForUi(
      () => leaderUi.container.textContent?.includes('What did you offer?') === true,
      'the thread',
    );
    await assertAccessible(leaderUi.container);
    await click(byText(leaderUi.container, 'button', consoleMessages.escalationTakeOver));
    await waitForUi(() => hub.interaction(cid)?.agentId === 'tess', 'the chat is the team leader’s');
    await waitForUi(
      () => leaderUi.container.textContent?.includes(consoleMessages.escalationStateTakenOver) === true,
      'the outcome shown',
    );
  });
});
