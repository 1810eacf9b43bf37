/// <reference types="mocha" />
import { type AgentSession, createAgentSession } from '@helpline/core';
import {
  createHub,
  createMemoryTransport,
  devAuthenticate,
  type Hub,
  type InboundMessage,
} from '@helpline/core/hub';
import { supportQueue, testAgent } from '@helpline/core/testing';
import { assert } from 'chai';
import { act } from 'react';
import payloads from '../../../core/src/render/fixtures/xss-payloads.json';
import { HelplineProvider } from '../context/HelplineContext';
import {
  adoptStyles,
  assertAccessible,
  assertKeyboardAndCsp,
  byLabel,
  byText,
  cleanup,
  click,
  createClock,
  mount,
  press,
  settle,
  typeText,
  waitForUi,
} from '../testing/harness';
import { ChatPanel } from './ChatPanel';
import { Inbox } from './Inbox';

declare global {
  var __xss: number | undefined;
}

// Written conversations resolve without a disposition here.
const queue = { ...supportQueue, dispositionRequired: false, dispositions: [] };
const HOUR = 3_600_000;
const CUSTOMER_EMAIL = 'ann.example.com';

let hub: Hub;
let agent: AgentSession;
/** The agent session's messaging actions called by the UI, in order. */
let calls: string[];
let next = 0;

function inbound(overrides: Partial<InboundMessage>): InboundMessage {
  next += 1;
  return {
    channel: 'email',
    externalId: `<in-${next}@mail.example>`,
    threadKey: `<root-${next}@mail.example>`,
    // The hub names the customer `<channel>:<address>`, which the protocol's id pattern refuses for an address with
    // `@` or `+` (the agent session drops the frame as invalid): the addresses here avoid both until that is fixed.
    from: { address: CUSTOMER_EMAIL, name: 'Ann' },
    to: 'support@shop.example',
    subject: 'Where is my order?',
    text: 'Hello, my order 4711 has not arrived.',
    receivedAt: Date.now(),
    ...overrides,
  };
}

/** A customer's message through the hub's channel intake, offered to and accepted by alice; returns its id. */
async function conversation(message: Partial<InboundMessage>): Promise<string> {
  let cid = '';
  await act(async () => {
    cid = (await hub.channels.receive(inbound(message))).cid;
  });
  await waitForUi(() => agent.$offers.get()[cid] !== undefined, `offer of ${cid}`);
  await act(async () => {
    await agent.accept(cid);
  });
  await waitForUi(() => (agent.$conversations.get()[cid]?.messages.length ?? 0) > 0, 'history');
  return cid;
}

function panel(cid: string, clock?: ReturnType<typeof createClock>) {
  return mount(
    <HelplineProvider agent={agent} {...(clock ? { clock } : {})}>
      <Inbox />
      <ChatPanel id={cid} />
    </HelplineProvider>,
  ).container;
}

const stateOf = (cid: string) => agent.$conversations.get()[cid]?.interaction?.state;

describe('messaging conversations in the console', () => {
  before(adoptStyles);

  beforeEach(async () => {
    globalThis.__xss = undefined;
    hub = createHub({
      queues: [queue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      channels: {
        addresses: {
          'support@shop.example': queue.id,
          '+14155550100': queue.id,
          '+14155550101': queue.id,
          '107083064136738': queue.id,
        },
      },
    });
    agent = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
      voice: false,
    });
    calls = [];
    for (const name of ['setPending', 'snooze', 'resolve', 'reopen'] as const) {
      const original = agent[name].bind(agent) as (...args: unknown[]) => Promise<void>;
      (agent as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls.push(name);
        return original(...args);
      };
    }
    await act(async () => {
      await agent.setPresence('available');
    });
  });

  afterEach(() => {
    cleanup();
    agent.close();
    hub.close();
    assert.isUndefined(globalThis.__xss, 'no injected script ran');
  });

  it('shows the channel with an icon and its name, and an email by its subject', async () => {
    const email = await conversation({});
    await conversation({ channel: 'sms', from: { address: '447700900001' }, to: '+14155550100', text: 'Hi' });
    await conversation({ channel: 'whatsapp', from: { address: '447700900002' }, to: '+14155550101' });
    await conversation({ channel: 'messenger', from: { address: 'psid-1' }, to: '107083064136738' });
    const root = panel(email);
    await settle();
    const items = [...root.querySelectorAll('.helpline-inbox__item')];
    assert.deepEqual(
      items.map((item) => item.querySelector('.helpline-channel__label')?.textContent),
      ['Email', 'SMS', 'WhatsApp', 'Messenger'],
    );
    for (const item of items) {
      const icon = item.querySelector('.helpline-channel svg');
      assert.strictEqual(icon?.getAttribute('aria-hidden'), 'true');
    }
    assert.strictEqual(items[0]?.querySelector('.helpline-inbox__name')?.textContent, 'Where is my order?');
    const header = root.querySelector('.helpline-chat__header');
    assert.strictEqual(header?.querySelector('h2')?.textContent, 'Where is my order?');
    assert.strictEqual(header?.querySelector('.helpline-channel__label')?.textContent, 'Email');
    await assertAccessible(root);
    assertKeyboardAndCsp(root);
  });

  it('waits for the customer, snoozes, resolves and reopens through the session, showing the state', async () => {
    const cid = await conversation({});
    const root = panel(cid);
    await settle();
    const status = () => root.querySelector('.helpline-conversation-actions [role="status"]')?.textContent;
    assert.strictEqual(status(), 'Status: Active');
    assert.isNull(
      root.querySelector('.helpline-chat__header .helpline-button'),
      'no "End" for a written one',
    );

    await click(byText(root, 'button', 'Waiting for customer'));
    await waitForUi(() => stateOf(cid) === 'pending', 'pending');
    assert.deepEqual(calls, ['setPending']);
    assert.strictEqual(status(), 'Status: Waiting for customer');
    // Still the agent's: listed apart in the inbox, with its state.
    const waitingList = () => root.querySelector('.helpline-inbox__list[data-waiting]');
    assert.strictEqual(root.querySelector('.helpline-inbox__heading')?.textContent, 'Waiting (1)');
    assert.include(waitingList()?.textContent, 'Waiting for customer');
    assert.isFalse(
      [...root.querySelectorAll('button')].some((b) => b.textContent === 'Waiting for customer'),
      'not offered again while pending',
    );

    const toggle = byText(root, 'button', 'Snooze until…');
    await click(toggle);
    assert.strictEqual(toggle.getAttribute('aria-expanded'), 'true');
    assert.match(document.activeElement?.textContent ?? '', /^In 1 hour/, 'focus moves to the first preset');
    await assertAccessible(root);
    // Escape closes the options and gives focus back to the button.
    await press({ key: 'Escape' });
    assert.isNull(root.querySelector('.helpline-snooze'));
    assert.strictEqual(document.activeElement, toggle);
    await click(toggle);
    // A time in the past is refused in the form, before the server.
    await typeText(byLabel(root, 'Date and time'), '2001-01-01T09:00');
    await click(byText(root, 'button', /^Snooze$/));
    assert.include(root.querySelector('.helpline-snooze [role="alert"]')?.textContent, 'future');
    await click(byText(root, 'button', 'In 1 hour'));
    await waitForUi(() => stateOf(cid) === 'snoozed', 'snoozed');
    assert.deepEqual(calls, ['setPending', 'snooze']);
    assert.strictEqual(status(), 'Status: Snoozed');
    assert.include(waitingList()?.textContent, 'Snoozed');
    // The interaction carries its wake-up time: the inbox says until when.
    assert.match(waitingList()?.textContent ?? '', /Snoozed until \d{1,2}:\d\d/);
    assert.isNull(root.querySelector('.helpline-snooze'), 'the snooze options close');

    await click(byText(root, 'button', /^Resolve$/));
    await waitForUi(() => stateOf(cid) === 'resolved', 'resolved');
    assert.strictEqual(status(), 'Status: Resolved');
    assert.isNull(waitingList(), 'a resolved conversation is not waiting');
    assert.include(root.querySelector('.helpline-chat__closed')?.textContent, 'resolved');
    assert.isNull(root.querySelector('textarea'), 'no composer on a resolved conversation');

    await click(byText(root, 'button', 'Reopen'));
    await waitForUi(() => stateOf(cid) === 'active', 'reopened');
    assert.deepEqual(calls, ['setPending', 'snooze', 'resolve', 'reopen']);
    assert.isNotNull(root.querySelector('textarea'));
  });

  it('folds the quoted history of a mail and sends a reply with the thread subject to the customer', async () => {
    const cid = await conversation({
      text: 'Still nothing.\n\n> On Mon, 1 Dec 2026, Support wrote:\n> > It ships today.',
    });
    const root = panel(cid);
    await settle();
    const message = root.querySelector('.helpline-message__text');
    assert.include(message?.textContent, 'Still nothing.');
    const quoted = message?.querySelector('pre');
    assert.isTrue(quoted?.hidden, 'quoted text is folded');
    const toggle = byText(root, 'button', 'Show quoted text');
    assert.strictEqual(toggle.getAttribute('aria-expanded'), 'false');
    await click(toggle);
    assert.isFalse(quoted?.hidden);
    assert.strictEqual(toggle.textContent, 'Hide quoted text');
    assert.include(quoted?.textContent, '> > It ships today.');

    const headers = root.querySelector('.helpline-email-composer__headers')?.textContent ?? '';
    assert.include(headers, CUSTOMER_EMAIL);
    assert.include(headers, 'Re: Where is my order?');
    await typeText(byLabel(root, 'Message'), 'It is on its way.');
    await click(byText(root, 'button', 'Send email'));
    await waitForUi(
      () =>
        agent.$conversations.get()[cid]?.messages.some((m) => m.text === 'It is on its way.' && m.seq) ??
        false,
      'reply stored',
    );
    await assertAccessible(root);
  });

  it('renders the XSS corpus in subjects and quoted text as text', async () => {
    const sample = payloads.slice(0, 40);
    const cid = await conversation({
      subject: sample.join(' ').slice(0, 900),
      text: `Look:\n\n${sample.map((p) => `> ${p.replace(/\n/g, ' ')}`).join('\n')}`,
    });
    const root = panel(cid);
    await settle();
    await click(byText(root, 'button', 'Show quoted text'));
    assert.isNull(root.querySelector('.helpline-chat img, .helpline-chat script, .helpline-chat iframe'));
    assert.isNull(root.querySelector('.helpline-inbox img, .helpline-inbox script, .helpline-inbox iframe'));
    assert.include(root.querySelector('.helpline-quoted__text')?.textContent, sample[0]?.replace(/\n/g, ' '));
    assert.isUndefined(globalThis.__xss);
  });

  it('counts SMS segments as the agent types, and stops at the limit', async () => {
    const cid = await conversation({ channel: 'sms', from: { address: '447700900001' }, to: '+14155550100' });
    const root = panel(cid);
    await settle();
    const field = byLabel<HTMLTextAreaElement>(root, 'Message');
    const count = () => root.querySelector('.helpline-composer__count')?.textContent ?? '';
    await typeText(field, 'x'.repeat(150));
    assert.strictEqual(count(), 'SMS 1 of 6 · 10 characters left in this SMS');
    await typeText(field, 'x'.repeat(161));
    assert.strictEqual(count(), 'SMS 2 of 6 · 145 characters left in this SMS');
    await typeText(field, 'Hello 👋');
    assert.include(count(), 'special characters: 70 per SMS');
    assert.strictEqual(root.querySelector('.helpline-composer [role="status"]')?.textContent, '1 of 6 SMS');
    await typeText(field, 'x'.repeat(153 * 6 + 1));
    assert.include(count(), 'Too long: 7 SMS, at most 6');
    assert.strictEqual(field.getAttribute('aria-invalid'), 'true');
    assert.isTrue(byText<HTMLButtonElement>(root, 'button', 'Send').disabled);
    await assertAccessible(root);
  });

  it("says WhatsApp's 24-hour window is closed before the agent types, and disables the composer", async () => {
    const cid = await conversation({
      channel: 'whatsapp',
      from: { address: '447700900002' },
      to: '+14155550101',
    });
    const clock = createClock(Date.now());
    const root = panel(cid, clock);
    await settle();
    const field = byLabel<HTMLTextAreaElement>(root, 'Message');
    assert.isFalse(field.disabled, 'open right after the customer wrote');
    assert.include(root.querySelector('.helpline-composer__hint')?.textContent, 'You can write freely until');
    assert.isNull(root.querySelector('.helpline-notice'));

    await act(async () => clock.set(Date.now() + 25 * HOUR));
    await settle();
    const notice = root.querySelector('.helpline-notice');
    assert.strictEqual(notice?.getAttribute('role'), 'alert');
    assert.include(notice?.textContent, 'more than 24 hours ago');
    assert.isTrue(field.disabled);
    assert.include(field.getAttribute('aria-describedby'), notice?.id ?? 'none');
    assert.isTrue(byText<HTMLButtonElement>(root, 'button', 'Send').disabled);
    await assertAccessible(root);
  });

  it('reads right to left in Arabic', async () => {
    const cid = await conversation({ channel: 'sms', from: { address: '447700900001' }, to: '+14155550100' });
    const root = mount(
      <HelplineProvider agent={agent} locale="ar">
        <div dir="rtl" lang="ar">
          <ChatPanel id={cid} />
        </div>
      </HelplineProvider>,
    ).container;
    await waitForUi(() => root.textContent?.includes('رسالة نصية') ?? false, 'Arabic catalog');
    assert.include(root.querySelector('.helpline-conversation-actions')?.textContent, 'بانتظار العميل');
    await assertAccessible(root);
  });
});
