/// <reference types="mocha" />
import { type AgentSession, helplineError, LIMITS, type VisitorSession } from '@helpline/core';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import {
  acceptChat,
  adoptStyles,
  byLabel,
  byText,
  choose,
  cleanup,
  click,
  createClock,
  createWorld,
  mount,
  offerChat,
  press,
  QUEUES,
  settle,
  typeText,
  type World,
  waitForUi,
} from '../testing/harness';
import { ChatPanel } from './ChatPanel';
import { Inbox } from './Inbox';
import { DEFAULT_KEYMAP, ShortcutsContext } from './KeyboardShortcuts';
import { MessageText } from './MessageText';
import { OfferToasts } from './OfferToast';
import { PresenceSelector } from './PresenceSelector';

declare global {
  var __xss: number | undefined;
}

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

describe('agent components', () => {
  let world: World;
  let agent: AgentSession;
  let visitor: VisitorSession;

  before(adoptStyles);

  beforeEach(async () => {
    globalThis.__xss = undefined;
    world = createWorld();
    agent = world.agent();
    visitor = world.visitor('v1', 'Ada <i>the</i> visitor');
    await act(async () => {
      await agent.setPresence('available');
    });
  });

  afterEach(() => {
    cleanup();
    world.close();
    assert.isUndefined(globalThis.__xss, 'no injected script ran');
  });

  describe('MessageText', () => {
    it('renders the markdown subset as elements and everything else as text', async () => {
      const { container } = mount(
        <MessageText
          text={`**Hi** _there_ \`code\`\n${XSS} [docs](https://example.com/a) [bad](javascript:alert(1)) mail@x.org`}
        />,
      );
      await settle();
      assert.strictEqual(container.querySelector('strong')?.textContent, 'Hi');
      assert.strictEqual(container.querySelector('em')?.textContent, 'there');
      assert.strictEqual(container.querySelector('code')?.textContent, 'code');
      assert.isNotNull(container.querySelector('br'));
      assert.isNull(container.querySelector('img, script'), 'markup stays text');
      assert.include(container.textContent, '<img src=x onerror=');
      const links = [...container.querySelectorAll('a')];
      assert.deepEqual(
        links.map((a) => [a.textContent, a.getAttribute('href'), a.rel, a.target]),
        [['docs', 'https://example.com/a', 'noopener noreferrer nofollow', '_blank']],
      );
      assert.include(container.textContent, '[bad](javascript:alert(1))');
    });

    it('keeps names verbatim with markdown off', async () => {
      const { container } = mount(<MessageText text="**not bold** https://x.example" markdown={false} />);
      await settle();
      assert.isNull(container.querySelector('strong'));
      assert.strictEqual(container.textContent, '**not bold** https://x.example');
    });
  });

  describe('PresenceSelector', () => {
    it('sets available, away with a reason, and shows a forced reason', async () => {
      const { container } = mount(
        <HelplineProvider agent={agent}>
          <PresenceSelector reasons={['break', 'coaching']} />
        </HelplineProvider>,
      );
      const select = byLabel<HTMLSelectElement>(container, 'Status');
      await waitForUi(() => select.value === 'available', 'available');
      assert.strictEqual(
        container.querySelector('.helpline-presence__work')?.textContent,
        'No open interactions',
      );
      assert.deepEqual(
        [...select.options].map((o) => o.textContent),
        ['Available', 'Away: Break', 'Away: coaching', 'Offline'],
      );
      await choose(select, 'away:coaching');
      await waitForUi(() => agent.$presence.get().status === 'away', 'away');
      assert.strictEqual(agent.$presence.get().reason, 'coaching');
      assert.strictEqual(
        container.querySelector('.helpline-presence')?.getAttribute('data-presence'),
        'away',
      );

      await act(() => agent.setPresence('away', 'missed-offers'));
      await settle();
      assert.strictEqual(select.value, 'away:missed-offers');
      assert.include(
        [...select.options].map((o) => o.textContent),
        'Away: Missed offers',
      );
    });

    it('refuses to go offline during an active chat with a clear error, and keeps everything', async () => {
      const { container } = mount(
        <HelplineProvider agent={agent}>
          <PresenceSelector />
        </HelplineProvider>,
      );
      const cid = await acceptChat(agent, visitor);
      const select = byLabel<HTMLSelectElement>(container, 'Status');
      // Presence and workload are two facts: the picker says "Available", the line beside it what is held.
      const work = () => container.querySelector('.helpline-presence__work')?.textContent;
      await waitForUi(() => work() === 'Open interactions: 1', 'the workload shown');
      assert.strictEqual(select.options[0]?.textContent, 'Available');
      assert.strictEqual(
        container.querySelector('.helpline-presence')?.getAttribute('data-presence'),
        'available',
      );
      await choose(select, 'offline');
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'error');
      assert.strictEqual(
        container.querySelector('[role="alert"]')?.textContent,
        consoleMessages['error.agent/has-work'],
      );
      assert.strictEqual(select.value, 'available', 'the picker shows the real presence');
      assert.strictEqual(
        select.getAttribute('aria-describedby'),
        container.querySelector('[role="alert"]')?.id,
      );
      assert.strictEqual(agent.$presence.get().status, 'available');
      assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active');

      await choose(select, 'away:break');
      await waitForUi(() => agent.$presence.get().status === 'away', 'away');
      assert.isNull(container.querySelector('[role="alert"]'), 'the error clears on the next try');
      assert.strictEqual(
        container.querySelector('[role="status"]')?.textContent,
        consoleMessages.presenceKeepsWork,
      );
      assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active');
    });
  });

  describe('OfferToasts', () => {
    it('shows who and what, counts down to expiresAt, and accepts', async () => {
      const clock = createClock();
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES} clock={clock} topics={{ orders: 'My order' }}>
          <ShortcutsContext.Provider value={DEFAULT_KEYMAP}>
            <OfferToasts />
          </ShortcutsContext.Provider>
        </HelplineProvider>,
      );
      const region = container.querySelector('section[aria-label="Incoming offers"]');
      assert.strictEqual(region?.getAttribute('aria-live'), 'assertive');
      const cid = await offerChat(agent, visitor, {
        queueId: 'support',
        topic: 'orders',
        prechat: { name: 'Ada' },
      });
      const expiresAt = agent.$offers.get()[cid]?.expiresAt ?? 0;
      act(() => clock.set(expiresAt - 12_000));
      await waitForUi(() => container.querySelector('.helpline-offer') !== null, 'toast');
      const toast = container.querySelector<HTMLElement>('.helpline-offer');
      const title = toast?.querySelector('h3');
      assert.strictEqual(title?.textContent, 'Chat from Ada');
      assert.strictEqual(toast?.getAttribute('aria-labelledby'), title?.id);
      assert.strictEqual(
        toast?.querySelector('.helpline-offer__details')?.textContent,
        'Queue: Support · Topic: My order',
      );
      assert.strictEqual(toast?.querySelector('.helpline-offer__countdown')?.textContent, 'Expires in 12 s');
      assert.isNull(toast?.getAttribute('data-urgent'));
      act(() => clock.set(expiresAt - 2_500));
      assert.strictEqual(toast?.querySelector('.helpline-offer__countdown')?.textContent, 'Expires in 3 s');
      assert.strictEqual(toast?.getAttribute('data-urgent'), 'true');

      const accept = byText<HTMLButtonElement>(toast as HTMLElement, 'button', 'Accept');
      assert.strictEqual(accept.getAttribute('aria-keyshortcuts'), 'Alt+A');
      assert.include(accept.textContent, 'Alt+A');
      await click(accept);
      await waitForUi(() => container.querySelector('.helpline-offer') === null, 'accepted');
      assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active');
    });

    it('disables the buttons once expired', async () => {
      const clock = createClock();
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES} clock={clock}>
          <OfferToasts />
        </HelplineProvider>,
      );
      const cid = await offerChat(agent, visitor);
      await waitForUi(() => container.querySelector('.helpline-offer') !== null, 'toast');
      const accept = byText<HTMLButtonElement>(container, 'button', 'Accept');
      assert.isNull(accept.getAttribute('aria-keyshortcuts'), 'no shortcut outside the console');
      act(() => clock.set((agent.$offers.get()[cid]?.expiresAt ?? 0) + 1));
      assert.strictEqual(container.querySelector('.helpline-offer__countdown')?.textContent, 'Expired');
      assert.isTrue(accept.disabled);
      assert.isTrue(byText<HTMLButtonElement>(container, 'button', 'Decline').disabled);
    });

    it('shows why an answer was refused, and declines', async () => {
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <OfferToasts />
        </HelplineProvider>,
      );
      const cid = await offerChat(agent, visitor);
      await waitForUi(() => container.querySelector('.helpline-offer') !== null, 'toast');
      const accept = agent.accept;
      // As when another tab of the same agent answered first: the hub no longer knows the offer.
      agent.accept = async () => {
        throw helplineError('not-found', { entity: 'Offer', id: cid });
      };
      await click(byText(container, 'button', 'Accept'));
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'error');
      assert.strictEqual(
        container.querySelector('[role="alert"]')?.textContent,
        consoleMessages['error.not-found'],
      );
      agent.accept = accept;
      await click(byText(container, 'button', 'Decline'));
      await waitForUi(() => container.querySelector('[role="alert"]') === null, 'declined without error');
    });

    it('rings and notifies until the offer is answered, with a button where the browser blocked the sound', async () => {
      const sound = { ringing: false, blocked: true };
      const ringer = {
        start: async () => {
          sound.ringing = true;
          return !sound.blocked;
        },
        stop: () => {
          sound.ringing = false;
        },
        unblock: async () => {
          sound.blocked = false;
          return true;
        },
      };
      const notified: string[] = [];
      const closed: string[] = [];
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <OfferToasts
            alert={{
              ringer,
              notify: (offer) => {
                notified.push(offer.interaction.id);
                return () => closed.push(offer.interaction.id);
              },
            }}
          />
        </HelplineProvider>,
      );
      const cid = await offerChat(agent, visitor);
      await waitForUi(() => sound.ringing, 'ringing');
      assert.deepEqual(notified, [cid]);
      const turnOn = byText<HTMLButtonElement>(container, 'button', consoleMessages.offerSoundBlocked);
      await click(turnOn);
      await waitForUi(() => !container.textContent?.includes(consoleMessages.offerSoundBlocked), 'sound on');
      await click(byText(container, 'button', 'Accept'));
      await waitForUi(() => !sound.ringing, 'the ringing stopped');
      assert.deepEqual(closed, [cid]);
    });

    it('rings with Web Audio by default, and not at all with alert={false}', async () => {
      const original = globalThis.AudioContext;
      let contexts = 0;
      // Counts the ringtones the default ringer makes; suspended, as before a click, so nothing is heard.
      globalThis.AudioContext = class extends original {
        constructor() {
          super();
          contexts++;
        }
      };
      try {
        const silent = mount(
          <HelplineProvider agent={agent} queues={QUEUES}>
            <OfferToasts alert={false} />
          </HelplineProvider>,
        );
        await offerChat(agent, visitor);
        await settle();
        assert.strictEqual(contexts, 0, 'alert={false} makes no sound');
        silent.unmount();
        mount(
          <HelplineProvider agent={agent} queues={QUEUES}>
            <OfferToasts />
          </HelplineProvider>,
        );
        await waitForUi(() => contexts === 1, 'the default ringer started');
      } finally {
        globalThis.AudioContext = original;
      }
    });
  });

  describe('Inbox', () => {
    it('lists interactions with unread counts and an SLA-coloured reply timer; selects on click', async () => {
      const clock = createClock();
      const selected: string[] = [];
      const ui = (selectedId?: string) => (
        <HelplineProvider agent={agent} queues={QUEUES} clock={clock}>
          <Inbox selectedId={selectedId} onSelect={(id) => selected.push(id)} />
        </HelplineProvider>
      );
      const view = mount(ui());
      const { container } = view;
      assert.strictEqual(container.querySelector('nav')?.getAttribute('aria-label'), 'Your interactions');
      assert.include(container.textContent, consoleMessages.inboxEmpty);
      const cid = await acceptChat(agent, visitor);
      await waitForUi(() => container.querySelector('.helpline-inbox__item') !== null, 'listed');
      const item = container.querySelector<HTMLButtonElement>('.helpline-inbox__item');
      assert.strictEqual(item?.querySelector('.helpline-inbox__name')?.textContent, 'Ada');
      assert.strictEqual(item?.querySelector('.helpline-inbox__meta')?.textContent, 'Chat · Active');
      assert.isNull(item?.querySelector('.helpline-badge'));

      await act(() => visitor.sendMessage('Hello?'));
      await act(() => visitor.sendMessage('Anyone there?'));
      await waitForUi(() => item?.querySelector('.helpline-badge') !== null, 'badge');
      assert.strictEqual(item?.querySelector('.helpline-badge [aria-hidden="true"]')?.textContent, '2');
      // The last word of the conversation shows under the name; the initials beside it are decoration.
      await waitForUi(
        () => item?.querySelector('.helpline-inbox__preview')?.textContent === 'Anyone there?',
        'the last message previewed',
      );
      assert.strictEqual(item?.querySelector('.helpline-avatar')?.textContent, 'A');
      assert.strictEqual(item?.querySelector('.helpline-avatar')?.getAttribute('aria-hidden'), 'true');
      assert.strictEqual(
        item?.querySelector('.helpline-badge .helpline-visually-hidden')?.textContent,
        '2 unread messages',
      );

      const firstAt = agent.$conversations.get()[cid]?.messages[0]?.at ?? 0;
      const sla = () => item?.querySelector('.helpline-sla');
      act(() => clock.set(firstAt + 10_000));
      assert.strictEqual(sla()?.getAttribute('data-sla'), 'ok');
      assert.strictEqual(sla()?.textContent, 'Waiting for a reply for 0:10');
      act(() => clock.set(firstAt + 25_000));
      assert.strictEqual(sla()?.getAttribute('data-sla'), 'warning');
      act(() => clock.set(firstAt + 95_000));
      assert.strictEqual(sla()?.getAttribute('data-sla'), 'breached');
      assert.strictEqual(sla()?.textContent, 'Waiting for a reply for 1:35 (over target)');

      await click(item);
      assert.deepEqual(selected, [cid]);
      assert.isNull(item?.getAttribute('aria-current'));
      view.render(ui(cid));
      assert.strictEqual(item?.getAttribute('aria-current'), 'true');

      await act(() => agent.sendMessage(cid, '**Yes**, hi!'));
      await waitForUi(() => sla() === null, 'answered: no timer');
      await waitForUi(
        () => item?.querySelector('.helpline-inbox__preview')?.textContent === 'You: Yes, hi!',
        "the agent's own last message, as text without markup",
      );
    });
  });

  describe('ChatPanel', () => {
    const canned = {
      support: [
        {
          id: 'greet',
          label: 'Greeting',
          text: 'Hi {customer.name}, {agent.name} here. About {customer.plan}? {unknown}',
        },
      ],
    };

    it('keeps the log at its newest message while the agent reads at the end, and still while they scroll back', async () => {
      const cid = await acceptChat(agent, visitor, { queueId: 'support' });
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <ChatPanel id={cid} />
        </HelplineProvider>,
      );
      const log = container.querySelector<HTMLElement>('[role="log"]');
      if (!log) throw new Error('no log');
      const lastShown = () => {
        const last = [...log.querySelectorAll('.helpline-message')].at(-1)?.getBoundingClientRect();
        const box = log.getBoundingClientRect();
        return last !== undefined && last.bottom <= box.bottom + 1 && last.top >= box.top - 1;
      };
      /** Scrolls the log as the agent would (the event at once, not on the next frame). */
      const scrollLog = (top: number) => {
        log.scrollTop = top;
        log.dispatchEvent(new Event('scroll'));
      };
      for (let n = 1; n <= 30; n += 1) await act(() => visitor.sendMessage(`Line ${n} of a long story`));
      await waitForUi(() => log.querySelectorAll('.helpline-message').length === 30, '30 messages');
      assert.isAbove(log.scrollHeight, log.clientHeight, 'the log overflows');
      assert.isTrue(lastShown(), 'the newest message is in view');

      // Scrolled back to read: a new message does not pull the log away from what they read.
      scrollLog(0);
      await act(() => visitor.sendMessage('Line 31'));
      await waitForUi(() => log.querySelectorAll('.helpline-message').length === 31, '31 messages');
      assert.strictEqual(log.scrollTop, 0);

      // Back at the end: the next one scrolls into view again.
      scrollLog(log.scrollHeight);
      await act(() => visitor.sendMessage('Line 32'));
      await waitForUi(() => log.querySelectorAll('.helpline-message').length === 32, '32 messages');
      assert.isTrue(lastShown(), 'the newest message is in view again');

      // Scrolled back, the agent answers: their own message is brought into view.
      scrollLog(0);
      await typeText(byLabel(container, 'Message'), 'On it');
      await press({ key: 'Enter' }, byLabel(container, 'Message'));
      await waitForUi(() => log.querySelectorAll('.helpline-message').length === 33, 'the answer');
      await waitForUi(lastShown, 'the answer in view');
    });

    it('shows the conversation safely; sends with Enter; canned responses fill placeholders as text', async () => {
      const cid = await acceptChat(agent, visitor, { queueId: 'support', prechat: { name: '<b>Ada</b>' } });
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES} cannedResponses={canned}>
          <ChatPanel id={cid} />
        </HelplineProvider>,
      );
      await act(() => visitor.sendMessage(`Look: ${XSS} **please**`));
      await waitForUi(() => container.querySelectorAll('.helpline-message').length === 1, 'message');
      const log = container.querySelector('[role="log"]');
      assert.strictEqual(log?.getAttribute('aria-live'), 'polite');
      assert.strictEqual(log?.getAttribute('aria-label'), 'Messages');
      assert.strictEqual(log?.getAttribute('tabindex'), '0');
      assert.strictEqual(container.querySelector('h2')?.textContent, 'Chat with <b>Ada</b>');
      assert.isNull(container.querySelector('.helpline-message img, .helpline-message script, h2 b'));
      assert.strictEqual(container.querySelector('.helpline-message strong')?.textContent, 'please');
      // One name for the customer: the bubbles say what the heading says (the pre-chat name), not the name
      // the visitor's socket signed in with.
      assert.strictEqual(container.querySelector('.helpline-message__author')?.textContent, '<b>Ada</b>');

      // Read while shown.
      await waitForUi(() => (agent.$conversations.get()[cid]?.readUpTo.alice ?? 0) > 0, 'marked read');

      await choose(byLabel(container, 'Canned response'), 'greet');
      const composer = byLabel<HTMLTextAreaElement>(container, 'Message');
      assert.strictEqual(composer.value, 'Hi <b>Ada</b>, Alice here. About {customer.plan}? {unknown}');
      assert.strictEqual(byLabel<HTMLSelectElement>(container, 'Canned response').value, '');
      await typeText(composer, 'Hello **Ada**');
      await press({ key: 'Enter' }, composer);
      assert.strictEqual(composer.value, '', 'cleared on send');
      await waitForUi(() => visitor.$messages.get().length === 2, 'visitor got the reply');
      assert.strictEqual(visitor.$messages.get()[1]?.text, 'Hello **Ada**');
      const mine = [...container.querySelectorAll('.helpline-message')].at(-1);
      assert.strictEqual(mine?.getAttribute('data-author'), 'me');
      assert.strictEqual(mine?.querySelector('.helpline-message__author')?.textContent, 'You');

      await typeText(composer, 'line one');
      await press({ key: 'Enter', shiftKey: true }, composer);
      assert.strictEqual(composer.value, 'line one', 'Shift+Enter does not send');
    });

    it('keeps each message and name in its own direction inside a right-to-left console', async () => {
      const cid = await acceptChat(agent, visitor, {
        queueId: 'support',
        prechat: { name: 'Noor de Vries' },
      });
      const { container } = mount(
        <div dir="rtl">
          <HelplineProvider agent={agent} queues={QUEUES}>
            <ChatPanel id={cid} />
          </HelplineProvider>
        </div>,
      );
      await act(() => visitor.sendMessage('Do you have it in green?'));
      await waitForUi(() => container.querySelectorAll('.helpline-message').length === 1, 'message');
      const text = container.querySelector('.helpline-message__text');
      const author = container.querySelector('.helpline-message__author');
      // English in an Arabic console reads left to right (the question mark at its end, not before it).
      assert.strictEqual(text && getComputedStyle(text).direction, 'ltr');
      assert.strictEqual(author && getComputedStyle(author).direction, 'ltr');
    });

    it('shows typing and read state, and reports its own typing', async () => {
      const cid = await acceptChat(agent, visitor);
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <ChatPanel id={cid} typingIdleMs={60_000} />
        </HelplineProvider>,
      );
      const typing = container.querySelector('.helpline-chat__typing');
      assert.strictEqual(typing?.getAttribute('role'), 'status');
      await act(() => visitor.setTyping(true));
      await waitForUi(() => typing?.textContent === 'Ada is typing…', 'typing shown (the prechat name)');
      await act(() => visitor.setTyping(false));
      await waitForUi(() => typing?.textContent === '', 'typing gone');

      const composer = byLabel<HTMLTextAreaElement>(container, 'Message');
      await typeText(composer, 'H');
      await waitForUi(() => visitor.$agentTyping.get(), 'visitor sees the agent typing');
      await typeText(composer, 'Hi');
      await click(byText(container, 'button', 'Send'));
      await waitForUi(() => !visitor.$agentTyping.get(), 'typing stops on send');
      await waitForUi(() => visitor.$messages.get().length === 1, 'delivered');
      assert.notInclude(container.querySelector('.helpline-message')?.textContent, 'Read');
      await act(() => visitor.markRead());
      await waitForUi(
        () => container.querySelector('.helpline-message__meta')?.textContent?.includes('Read') === true,
        'read',
      );
    });

    it('gives a refused message back to the composer, and ends the chat into wrap-up', async () => {
      const cid = await acceptChat(agent, visitor);
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <ChatPanel id={cid} />
        </HelplineProvider>,
      );
      const composer = byLabel<HTMLTextAreaElement>(container, 'Message');
      assert.strictEqual(composer.maxLength, LIMITS.text);
      const tooLong = 'x'.repeat(LIMITS.text + 1);
      await typeText(composer, tooLong);
      await click(byText(container, 'button', 'Send'));
      await waitForUi(() => container.querySelector('[role="alert"]') !== null, 'refused');
      assert.match(
        container.querySelector('[role="alert"]')?.textContent ?? '',
        /text must be at most 4000 characters/,
      );
      assert.strictEqual(composer.value, tooLong, 'nothing lost');
      assert.lengthOf(container.querySelectorAll('.helpline-message'), 0);

      await click(byText(container, 'button', 'End conversation'));
      await waitForUi(() => container.querySelector('.helpline-chat__closed') !== null, 'closed');
      assert.isNull(container.querySelector('textarea'));
      assert.strictEqual(container.querySelector('.helpline-chat__state')?.textContent, 'Wrapping up');
      assert.strictEqual(agent.$interactions.get()[cid]?.state, 'wrap-up');
    });

    it('shows a message the server refused as not sent, with its text', async () => {
      const cid = await acceptChat(agent, visitor);
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <ChatPanel id={cid} />
        </HelplineProvider>,
      );
      await act(() => agent.end(cid));
      await act(async () => {
        await agent.sendMessage(cid, 'one more thing').catch(() => undefined);
      });
      await waitForUi(() => container.querySelector('.helpline-message__failed') !== null, 'failed');
      const failed = container.querySelector('.helpline-message[data-status="failed"]');
      assert.include(failed?.textContent, 'one more thing');
      assert.include(failed?.textContent, `Not sent: ${consoleMessages['error.conflict/state']}`);
      assert.isNull(failed?.querySelector('button'), 'nothing to edit in a closed chat');
    });
  });
});
