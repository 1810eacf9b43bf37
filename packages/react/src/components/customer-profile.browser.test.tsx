/// <reference types="mocha" />
import {
  type AgentSession,
  createAgentSession,
  createVisitorSession,
  type VisitorSession,
} from '@helpline/core';
import {
  type CustomerDirectory,
  type CustomerRow,
  createHub,
  createMemoryTransport,
  devAuthenticate,
  type Hub,
  type SuggestionRow,
} from '@helpline/core/hub';
import { testAgent } from '@helpline/core/testing';
import { assert } from 'chai';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import { AgentConsole } from '../prefabs/AgentConsole';
import {
  acceptChat,
  adoptStyles,
  assertAccessible,
  byLabel,
  byText,
  cleanup,
  click,
  mount,
  press,
  QUEUES,
  typeText,
  waitForUi,
} from '../testing/harness';
import { CustomerProfile, CustomerSearch } from './CustomerProfile';

declare global {
  var __xss: number | undefined;
}

const XSS = '<img src=x onerror="window.__xss=1">';

/** What the fake directory's reads wait for: resolved, unless a test holds the record back. */
let directoryReads: Promise<void> = Promise.resolve();

/**
 * A directory with one customer (Ada, on chat and SMS, with a CRM link) and one suggested merge: what the server's SQL
 * directory answers, without a database (the rules themselves are tested in @helpline/server).
 */
function fakeDirectory(calls: string[]): CustomerDirectory {
  const ada: CustomerRow = {
    id: 'cu_ada',
    displayName: `Ada ${XSS}`,
    createdAt: Date.UTC(2026, 0, 1),
    identifiers: [
      { id: 'ci_1', kind: 'contact', value: 'v1', verified: true, source: 'token', createdAt: 1 },
      { id: 'ci_2', kind: 'email', value: 'ada@example.com', verified: true, source: 'token', createdAt: 1 },
      { id: 'ci_3', kind: 'phone', value: '+447700900123', verified: false, source: 'prechat', createdAt: 1 },
    ],
    channels: ['chat', 'sms'],
    crm: { id: 'crm-1', url: 'https://crm.example/people/1' },
  };
  let suggestions: SuggestionRow[] = [
    { id: 'cs_1', customerId: 'cu_ada', otherId: 'cu_other', reason: `email:${XSS}`, createdAt: 1 },
  ];
  const linked: string[] = [];
  return {
    async link(cid) {
      linked.push(cid);
      return 'cu_ada';
    },
    customerOfInteraction: async () => 'cu_ada',
    async get(id) {
      await directoryReads;
      return id === 'cu_ada' ? ada : undefined;
    },
    interactionIds: async () => [...linked].reverse(),
    queuesOf: async () => ['support'],
    search: async (query) => (query.startsWith('ada') ? [ada] : []),
    suggestions: async () => suggestions,
    suggestion: async (id) => suggestions.find((s) => s.id === id),
    async merge(targetId, sourceId, _actor, suggestionId) {
      calls.push(`merge ${targetId} ${sourceId} ${suggestionId}`);
      suggestions = [];
      return ada;
    },
    async dismiss(id) {
      calls.push(`dismiss ${id}`);
      const [dismissed] = suggestions;
      suggestions = [];
      if (!dismissed) throw new Error('no suggestion');
      return dismissed;
    },
    split: async () => {
      throw new Error('not in this test');
    },
    audit: async () => [],
  };
}

describe('customer records in the console', () => {
  let hub: Hub;
  let agent: AgentSession;
  let visitor: VisitorSession;
  let calls: string[];

  before(adoptStyles);

  beforeEach(async () => {
    globalThis.__xss = undefined;
    calls = [];
    hub = createHub({
      queues: QUEUES,
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      customers: fakeDirectory(calls),
    });
    const transport = createMemoryTransport({ hub });
    agent = createAgentSession({ transport, token: 'dev:agent:alice:Alice', voice: false });
    visitor = createVisitorSession({ transport, token: 'dev:visitor:v1:Ada' });
    await agent.setPresence('available');
  });

  afterEach(() => {
    cleanup();
    agent.close();
    visitor.close();
    hub.close();
    assert.isUndefined(globalThis.__xss, 'no injected script ran');
  });

  it('shows the record, its timeline with a channel on each item, and suggestions to accept or dismiss', async () => {
    const cid = await acceptChat(agent, visitor);
    const { container } = mount(
      <HelplineProvider agent={agent} queues={QUEUES}>
        <CustomerProfile cid={cid} />
      </HelplineProvider>,
    );
    await waitForUi(() => container.querySelector('h2') !== null, 'the record');
    assert.strictEqual(container.querySelector('h2')?.textContent, `Ada ${XSS}`, 'names are text');
    const link = container.querySelector('a');
    assert.strictEqual(link?.getAttribute('href'), 'https://crm.example/people/1');
    assert.strictEqual(link?.getAttribute('rel'), 'noopener noreferrer nofollow');
    assert.include(container.textContent, `${consoleMessages.identifierEmail}: ada@example.com (verified)`);
    assert.include(container.textContent, `${consoleMessages.identifierPhone}: +447700900123 (not verified)`);
    assert.notInclude(container.textContent, 'v1 (', 'the internal contact key is not shown');
    const items = [...container.querySelectorAll<HTMLElement>('.helpline-contact')];
    assert.deepEqual(
      items.map((item) => item.dataset.channel),
      ['chat'],
    );
    assert.include(items[0]?.textContent, consoleMessages.channelChat);
    assert.isNull(container.querySelector('img'), 'the suggestion reason is text');
    await assertAccessible(container);

    await click(byText(container, 'button', consoleMessages.customerMerge));
    await waitForUi(
      () => container.querySelectorAll('.helpline-customer__suggestions li').length === 0,
      'merged',
    );
    assert.deepEqual(calls, ['merge cu_ada cu_other cs_1']);
  });

  it('says the record is loading while it is on its way, never an empty box', async () => {
    const cid = await acceptChat(agent, visitor);
    let release = () => {};
    directoryReads = new Promise((resolve) => {
      release = resolve;
    });
    try {
      const { container } = mount(
        <HelplineProvider agent={agent} queues={QUEUES}>
          <CustomerProfile cid={cid} />
        </HelplineProvider>,
      );
      const section = container.querySelector('section');
      assert.strictEqual(section?.getAttribute('aria-busy'), 'true');
      assert.strictEqual(section?.getAttribute('aria-label'), consoleMessages.customerRecord);
      assert.strictEqual(section?.textContent, consoleMessages.customerRecordLoading);
      await assertAccessible(container);
      release();
      await waitForUi(() => container.querySelector('h2') !== null, 'the record');
      assert.notInclude(container.textContent, consoleMessages.customerRecordLoading);
    } finally {
      release();
      directoryReads = Promise.resolve();
    }
  });

  it('dismisses a suggestion', async () => {
    const cid = await acceptChat(agent, visitor);
    const { container } = mount(
      <HelplineProvider agent={agent} queues={QUEUES}>
        <CustomerProfile cid={cid} />
      </HelplineProvider>,
    );
    await waitForUi(
      () => container.querySelector('.helpline-customer__suggestions') !== null,
      'a suggestion',
    );
    await click(byText(container, 'button', consoleMessages.customerDismiss));
    await waitForUi(() => container.querySelector('.helpline-customer__suggestions') === null, 'dismissed');
    assert.deepEqual(calls, ['dismiss cs_1']);
  });

  it('searches customers with a labelled search box and lists them as text', async () => {
    const picked: string[] = [];
    const { container } = mount(
      <HelplineProvider agent={agent} queues={QUEUES}>
        <CustomerSearch onSelect={(customer) => picked.push(customer.id)} />
      </HelplineProvider>,
    );
    const input = byLabel<HTMLInputElement>(container, consoleMessages.customerSearchLabel);
    await typeText(input, 'nobody');
    await click(byText(container, 'button', consoleMessages.customerSearchSubmit));
    await waitForUi(
      () => container.textContent?.includes(consoleMessages.customerSearchEmpty) === true,
      'no result',
    );
    await typeText(input, 'ada');
    await click(byText(container, 'button', consoleMessages.customerSearchSubmit));
    await waitForUi(() => container.querySelector('.helpline-customer-search__results') !== null, 'results');
    assert.isNotNull(container.querySelector('search form'), 'a search landmark');
    await assertAccessible(container);
    await click(byText(container, 'button', `Ada ${XSS}`));
    assert.deepEqual(picked, ['cu_ada']);
  });

  it('in the console: the screen pop shows the record of the selected conversation, the search is the next tab (keyboard, axe)', async () => {
    const { container } = mount(
      <HelplineProvider agent={agent} queues={QUEUES}>
        <AgentConsole />
      </HelplineProvider>,
    );
    const tabs = () => [...container.querySelectorAll<HTMLElement>('[role="tab"]')];
    const panel = (tab: HTMLElement) => document.getElementById(tab.getAttribute('aria-controls') ?? '');
    assert.strictEqual(
      container.querySelector('[role="tablist"]')?.getAttribute('aria-label'),
      consoleMessages.customerTabs,
    );
    assert.include(container.textContent, consoleMessages.customerNoneSelected, 'nothing selected yet');

    await acceptChat(agent, visitor);
    await waitForUi(
      () => container.querySelector('.helpline-customer__history .helpline-contact') !== null,
      'the record of the accepted chat',
    );
    const [profile, search] = tabs();
    if (!profile || !search) throw new Error('two tabs');
    assert.deepEqual(
      tabs().map((tab) => [tab.textContent, tab.getAttribute('aria-selected'), tab.tabIndex]),
      [
        [consoleMessages.customerTitle, 'true', 0],
        [consoleMessages.customerSearchSubmit, 'false', -1],
      ],
    );
    const record = panel(profile);
    assert.include(record?.textContent, consoleMessages.channelChat, 'a channel badge on the timeline');
    assert.isNotNull(record?.querySelector('.helpline-customer__suggestions'), 'the suggestion to decide');
    assert.isTrue(panel(search)?.hidden);
    await assertAccessible(container);

    // Keyboard: the arrow moves to the search tab and focuses it; Home goes back.
    profile.focus();
    await press({ key: 'ArrowRight' }, profile);
    assert.strictEqual(document.activeElement, search);
    assert.strictEqual(search.getAttribute('aria-selected'), 'true');
    assert.isTrue(panel(profile)?.hidden);
    const input = byLabel<HTMLInputElement>(container, consoleMessages.customerSearchLabel);
    await typeText(input, 'ada');
    await click(container.querySelector('.helpline-customer-search button[type="submit"]'));
    await waitForUi(() => container.querySelector('.helpline-customer-search__results') !== null, 'results');
    await assertAccessible(container);
    // A result opens that customer's record below the results (customer.get), focused on its name.
    await click(byText(panel(search) ?? container, 'button', `Ada ${XSS}`));
    await waitForUi(() => panel(search)?.querySelector('.helpline-customer h2') != null, 'the opened record');
    const opened = panel(search)?.querySelector<HTMLElement>('.helpline-customer');
    assert.strictEqual(opened?.querySelector('h2')?.textContent, `Ada ${XSS}`);
    assert.strictEqual(document.activeElement, opened?.querySelector('h2'), 'focus on the record');
    assert.include(opened?.textContent, `${consoleMessages.identifierEmail}: ada@example.com (verified)`);
    assert.isNotNull(opened?.querySelector('.helpline-customer__history .helpline-contact'), 'its timeline');
    await assertAccessible(container);
    await press({ key: 'Home' }, search);
    assert.strictEqual(document.activeElement, profile);
    assert.isFalse(panel(profile)?.hidden);
  });
});
