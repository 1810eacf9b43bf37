/// <reference types="mocha" />
import type { AgentSession, SupervisorSession, VisitorSession } from '@helpline/core';
import { fakeVoiceProvider } from '@helpline/core/testing';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import {
  adoptStyles,
  assertAccessible,
  assertKeyboardAndCsp,
  byLabel,
  byText,
  choose,
  cleanup,
  click,
  createFakeCall,
  createWorld,
  mount,
  offerChat,
  press,
  QUEUES,
  typeText,
  type World,
  waitForUi,
} from '../testing/harness';
import { AgentConsole } from './AgentConsole';
import { SupervisorBoard } from './SupervisorBoard';

const canned = {
  support: [{ id: 'thanks', label: 'Thanks', text: 'Thanks {customer.name}, anything else?' }],
};
/** The server's queues, with the support queue's canned responses configured there. */
const SERVER_QUEUES = QUEUES.map((queue) =>
  queue.id === 'support' ? { ...queue, cannedResponses: canned.support } : queue,
);

describe('<AgentConsole>', () => {
  let world: World;
  let agent: AgentSession;
  let visitor: VisitorSession;
  let supervisor: SupervisorSession;

  before(adoptStyles);

  beforeEach(() => {
    world = createWorld(SERVER_QUEUES);
    agent = world.agent();
    visitor = world.visitor();
    supervisor = world.supervisor();
  });

  afterEach(() => {
    cleanup();
    world.close();
  });

  it('an agent receives an offer, accepts, chats, and cannot finish wrap-up without the required disposition; the supervisor board shows the KPIs change', async () => {
    // No queue configuration in the app: dispositions, ACW and canned responses come from the server.
    const console = mount(
      <HelplineProvider agent={agent}>
        <AgentConsole escalationQueueId="supervisors" />
      </HelplineProvider>,
    ).container;
    const board = mount(
      <HelplineProvider supervisor={supervisor}>
        <SupervisorBoard />
      </HelplineProvider>,
    ).container;
    const kpi = (name: string) =>
      board.querySelector(`[data-kpi="${name}"] .helpline-kpi__value`)?.textContent ?? '';
    await waitForUi(() => board.querySelector('.helpline-agents tbody tr') !== null, 'board loaded');
    assert.match(kpi('ahtSeconds'), /^—/);
    assert.include(board.querySelector('.helpline-counts')?.textContent, consoleMessages.countsEmpty);

    // Available.
    await waitForUi(() => agent.$presence.get().status === 'offline', 'connected');
    await choose(byLabel(console, 'Status'), 'available');
    await waitForUi(() => agent.$presence.get().status === 'available', 'available');
    await waitForUi(
      () => byText(board, '.helpline-agents tr', 'Alice').getAttribute('data-presence') === 'available',
      'the board sees Alice available',
    );

    // An offer.
    const cid = await offerChat(agent, visitor, {
      queueId: 'support',
      topic: 'delivery',
      prechat: { name: 'Ada' },
    });
    await waitForUi(() => console.querySelector('.helpline-offer') !== null, 'offer toast');
    assert.strictEqual(console.querySelector('.helpline-offer h3')?.textContent, 'Chat from Ada');
    await click(byText(console.querySelector('.helpline-offer') as HTMLElement, 'button', 'Accept'));

    // The chat opens by itself, with the customer card.
    await waitForUi(() => console.querySelector('.helpline-chat') !== null, 'chat panel');
    assert.strictEqual(console.querySelector('.helpline-chat h2')?.textContent, 'Chat with Ada');
    assert.strictEqual(console.querySelector('.helpline-inbox__item')?.getAttribute('aria-current'), 'true');
    assert.strictEqual(console.querySelector('.helpline-customer h2')?.textContent, 'Ada');
    await act(() => visitor.sendMessage('Where is my parcel?'));
    await waitForUi(() => console.querySelector('.helpline-message') !== null, 'visitor message');
    await choose(byLabel(console, 'Canned response'), 'thanks');
    const composer = byLabel<HTMLTextAreaElement>(console, 'Message');
    assert.strictEqual(composer.value, 'Thanks Ada, anything else?');
    await typeText(composer, 'It ships **today**.');
    await press({ key: 'Enter' }, composer);
    await waitForUi(() => visitor.$messages.get().length === 2, 'reply delivered');

    // End, then wrap up: not without a disposition.
    await click(byText(console, 'button', 'End conversation'));
    await waitForUi(() => console.querySelector('.helpline-wrapup') !== null, 'wrap-up form');
    await typeText(byLabel(console, 'Notes'), 'Parcel ships today');
    await click(byText(console, 'button', 'Finish wrap-up'));
    assert.strictEqual(
      console.querySelector('.helpline-field-error')?.textContent,
      consoleMessages.dispositionRequired,
    );
    assert.strictEqual(world.hub.interaction(cid)?.state, 'wrap-up');
    assert.lengthOf(console.querySelectorAll('.helpline-inbox__item'), 1, 'still in the inbox');
    await choose(byLabel(console, 'Disposition'), 'resolved');
    await click(byText(console, 'button', 'Finish wrap-up'));
    await waitForUi(() => console.querySelector('.helpline-inbox__item') === null, 'done');
    // Nothing left: the inbox says so, once.
    assert.include(console.textContent, consoleMessages.inboxEmpty);
    assert.notInclude(console.textContent, consoleMessages.consoleNothingSelected);
    assert.strictEqual(world.hub.interaction(cid)?.disposition, 'resolved');
    assert.strictEqual(world.hub.interaction(cid)?.notes, 'Parcel ships today');

    // The board's KPIs moved: a handled contact with a handle time, answered, resolved.
    await waitForUi(() => !kpi('ahtSeconds').startsWith('—'), 'AHT on the board');
    assert.match(kpi('ahtSeconds'), /^\d+:\d\d/);
    assert.match(kpi('answerRate'), /^100\s?%/);
    // The topic counts from the start; the disposition once the board refreshed after the wrap-up (labelled
    // from the server's queue configuration).
    const counts = () =>
      [...board.querySelectorAll('.helpline-counts__item')].map((item) => item.textContent);
    await waitForUi(() => counts().includes('Resolved1'), 'the disposition counted');
    assert.includeMembers(counts(), ['delivery1', 'Resolved1']);
  });

  it('is driven by the keyboard: Alt+A accepts, Alt+N goes to the next interaction', async () => {
    const { container } = mount(
      <HelplineProvider agent={agent}>
        <AgentConsole queues={QUEUES} />
      </HelplineProvider>,
    );
    await act(() => agent.setPresence('available'));
    const first = await offerChat(agent, visitor);
    await waitForUi(() => container.querySelector('.helpline-offer') !== null, 'offer');
    await press({ code: 'KeyA', key: 'a', altKey: true }, document.body);
    await waitForUi(() => agent.$interactions.get()[first]?.state === 'active', 'accepted by Alt+A');

    const other = world.visitor('v2', 'Bo');
    const second = await offerChat(agent, other, { queueId: 'sales', prechat: { name: 'Bo' } });
    await press({ code: 'KeyA', key: 'a', altKey: true }, document.body);
    await waitForUi(() => agent.$interactions.get()[second]?.state === 'active', 'second accepted');
    await waitForUi(
      () => container.querySelector('.helpline-chat h2')?.textContent === 'Chat with Bo',
      'newest shown',
    );
    await press({ code: 'KeyN', key: 'n', altKey: true }, document.body);
    assert.strictEqual(container.querySelector('.helpline-chat h2')?.textContent, 'Chat with Ada');
    await press({ code: 'KeyN', key: 'n', altKey: true }, document.body);
    assert.strictEqual(container.querySelector('.helpline-chat h2')?.textContent, 'Chat with Bo');

    const shortcuts = container.querySelector('.helpline-shortcuts');
    assert.include(shortcuts?.textContent, 'Alt+AAccept the oldest offer');
    assert.include(shortcuts?.textContent, 'Alt+NNext interaction');
    assertKeyboardAndCsp(container);
  });

  it('during a call: Alt+M mutes, Alt+H hangs up; going offline is refused and nothing is lost', async () => {
    const voice = createFakeCall('none', { remoteName: 'Ada' });
    const { container } = mount(
      <HelplineProvider agent={agent} voice={voice}>
        <AgentConsole queues={QUEUES} />
      </HelplineProvider>,
    );
    await act(() => agent.setPresence('available'));
    const cid = await offerChat(agent, visitor, {
      channel: 'voice',
      queueId: 'support',
      prechat: { name: 'Ada' },
    });
    await click(byText(container, 'button', 'Accept'));
    await waitForUi(() => agent.$interactions.get()[cid]?.state === 'active', 'call accepted');
    // The voice provider rings and connects the call (no media in this test).
    act(() => voice.enter('active', { cid, remoteName: 'Ada' }));
    await waitForUi(
      () => container.querySelector('.helpline-softphone')?.getAttribute('data-state') === 'active',
      'softphone',
    );

    await choose(byLabel(container, 'Status'), 'offline');
    await waitForUi(() => container.querySelector('.helpline-presence [role="alert"]') !== null, 'refused');
    assert.strictEqual(
      container.querySelector('.helpline-presence [role="alert"]')?.textContent,
      consoleMessages['error.agent/has-work'],
    );
    assert.strictEqual(agent.$presence.get().status, 'available');
    assert.strictEqual(voice.$call.get()?.snapshot.value, 'active', 'the call goes on');
    assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active');

    await press({ code: 'KeyM', key: 'm', altKey: true }, document.body);
    assert.isTrue(voice.$call.get()?.snapshot.context.muted);
    assert.strictEqual(byText(container, 'button', 'Mute').getAttribute('aria-pressed'), 'true');
    await press({ code: 'KeyM', key: 'm', altKey: true }, document.body);
    assert.isFalse(voice.$call.get()?.snapshot.context.muted);
    await press({ code: 'KeyH', key: 'h', altKey: true }, document.body);
    assert.strictEqual(voice.$call.get()?.snapshot.value, 'wrap-up');
  });

  it('takes calls without host code: voice loads from the server, the offer rings, Accept picks it up microphone first', async () => {
    const voiceWorld = createWorld(
      SERVER_QUEUES.map((queue) => ({ ...queue, voice: { provider: 'webrtc' } })),
    );
    try {
      const media = fakeVoiceProvider();
      const alice = voiceWorld.agent('alice', 'Alice', { provider: () => media.provider, ringer: false });
      const { container } = mount(
        <HelplineProvider agent={alice}>
          <AgentConsole />
        </HelplineProvider>,
      );
      await act(() => alice.setPresence('available'));
      await waitForUi(() => alice.$calls.get() !== undefined, 'the session created its call session');
      const status = () => container.querySelector('.helpline-softphone__status')?.textContent;

      const cid = await offerChat(alice, voiceWorld.visitor('v9', 'Ada'), {
        channel: 'voice',
        queueId: 'support',
        prechat: { name: 'Ada' },
      });
      await waitForUi(() => status() === 'Incoming call from Ada', 'the softphone rings');
      await click(byText(container, '.helpline-offer button', 'Accept'));
      await waitForUi(() => alice.$interactions.get()[cid]?.state === 'active', 'accepted');
      assert.deepEqual(media.log.slice(0, 2), ['prepare', 'answer offerer=true resume=false']);
      act(() => media.emit({ type: 'media', health: 'connected' }));
      await waitForUi(() => status() === 'On a call with Ada', 'on the call');

      await click(byText(container, '.helpline-softphone button', 'Hold'));
      await waitForUi(() => status() === 'On hold with Ada', 'held');
      assert.include(media.log, 'hold true');
      await click(byText(container, '.helpline-softphone button', 'Hold'));
      await waitForUi(() => status() === 'On a call with Ada', 'resumed');
      await press({ code: 'KeyM', key: 'm', altKey: true }, document.body);
      assert.include(media.log, 'mute true');
      await click(byText(container, '.helpline-softphone button', 'Keypad'));
      await click(container.querySelector('button[aria-label="Send 9"]'));
      await waitForUi(() => media.log.includes('dtmf 9'), 'the tone');
      await assertAccessible(container);
      await press({ code: 'KeyH', key: 'h', altKey: true }, document.body);
      await waitForUi(() => alice.$interactions.get()[cid]?.state === 'wrap-up', 'hung up');
      assert.include(media.log, 'hangup');
    } finally {
      voiceWorld.close();
    }
  });

  it('a console without voice is offered no calls, only the chats', async () => {
    const bob = world.agent('bob', 'Bob', false);
    const { container } = mount(
      <HelplineProvider agent={bob}>
        <AgentConsole />
      </HelplineProvider>,
    );
    await act(() => bob.setPresence('available'));
    await act(async () => {
      await world.visitor('v8', 'Cy').startChat({ channel: 'voice', queueId: 'support' });
    });
    const chat = await offerChat(bob, world.visitor('v7', 'Di'));
    assert.deepEqual(Object.keys(bob.$offers.get()), [chat], 'the chat only');
    assert.isNull(
      container.querySelector('.helpline-softphone'),
      'no phone in a console that takes no calls',
    );
  });

  it('transfers to a queue or a colleague; a colleague gone offline is refused with the note kept', async () => {
    const { container } = mount(
      <HelplineProvider agent={agent}>
        <AgentConsole
          queues={QUEUES}
          transferAgents={[{ id: 'bob', name: 'Bob', presence: 'available' }]}
          escalationQueueId="supervisors"
        />
      </HelplineProvider>,
    );
    await act(() => agent.setPresence('available'));
    const cid = await offerChat(agent, visitor);
    await click(byText(container, 'button', 'Accept'));
    await waitForUi(() => container.querySelector('.helpline-chat') !== null, 'chat');
    const toggle = byText<HTMLButtonElement>(container, '.helpline-console__tools button', 'Transfer');
    await click(toggle);
    assert.strictEqual(toggle.getAttribute('aria-expanded'), 'true');
    const form = container.querySelector('.helpline-transfer') as HTMLElement;
    await click(
      [...form.querySelectorAll<HTMLInputElement>('input[type="radio"]')].find((r) => r.value === 'agent'),
    );
    await choose(byLabel(form, 'Agent'), 'bob');
    await typeText(byLabel(form, 'Note for the receiving agent'), 'Asked for a refund twice');
    await click(byText(form, 'button', /^Transfer$/));
    await waitForUi(() => form.querySelector('[role="alert"]') !== null, 'refused');
    assert.strictEqual(
      form.querySelector('[role="alert"]')?.textContent,
      consoleMessages['error.agent/unavailable'],
    );
    assert.strictEqual(
      byLabel<HTMLTextAreaElement>(form, 'Note for the receiving agent').value,
      'Asked for a refund twice',
    );
    assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active');
    assert.isNotNull(container.querySelector('.helpline-chat textarea'), 'still chatting');

    await click(
      [...form.querySelectorAll<HTMLInputElement>('input[type="radio"]')].find((r) => r.value === 'queue'),
    );
    await choose(byLabel(form, 'Queue'), 'sales');
    await click(byText(form, 'button', /^Transfer$/));
    await waitForUi(() => world.hub.interaction(cid)?.queueId === 'sales', 'transferred');
    await waitForUi(() => container.querySelector('.helpline-transfer') === null, 'form closed');
  });

  it('is accessible (axe) with an offer, a chat, wrap-up, transfer and callbacks on screen', async () => {
    const voice = createFakeCall('none');
    const { container } = mount(
      <HelplineProvider agent={agent} voice={voice} messages={{ accept: 'Take it' }}>
        <AgentConsole
          queues={QUEUES}
          cannedResponses={canned}
          escalationQueueId="supervisors"
          callbacks={{
            items: [
              {
                id: 'cb1',
                name: 'Cleo',
                phone: '+31201234567',
                dueAt: Date.now() - 60_000,
                attempts: 1,
                maxAttempts: 3,
              },
            ],
            onReschedule: async () => {},
          }}
        />
      </HelplineProvider>,
    );
    await act(() => agent.setPresence('available'));
    const first = await offerChat(agent, visitor);
    await waitForUi(() => container.querySelector('.helpline-offer') !== null, 'offer');
    await click(byText(container, 'button', 'Take it'));
    await waitForUi(() => agent.$interactions.get()[first]?.state === 'active', 'accepted');
    await act(() => visitor.sendMessage('Hello, see https://example.com and **this**'));
    await waitForUi(() => container.querySelector('.helpline-message') !== null, 'message');
    const other = world.visitor('v2', 'Bo');
    await offerChat(agent, other, { queueId: 'sales', prechat: { name: 'Bo' } });
    await waitForUi(() => container.querySelector('.helpline-offer') !== null, 'second offer');
    await click(byText(container, '.helpline-console__tools button', 'Transfer'));
    await click(byText(container, 'button', 'Escalate to a supervisor'));
    await assertAccessible(container);
    assertKeyboardAndCsp(container);

    await click(byText(container, '.helpline-inbox__item', 'Ada'));
    await click(byText(container, 'button', 'End conversation'));
    await waitForUi(() => container.querySelector('.helpline-wrapup') !== null, 'wrap-up');
    await click(byText(container, 'button', 'Finish wrap-up'));
    assert.isNotNull(container.querySelector('.helpline-field-error'));
    await assertAccessible(container);
  });
});
