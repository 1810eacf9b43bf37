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
import { nl } from '../i18n/nl';
import {
  acceptChat,
  adoptStyles,
  assertAccessible,
  byLabel,
  byText,
  cleanup,
  click,
  mount,
  offerChat,
  QUEUES,
  typeText,
  waitForUi,
} from '../testing/harness';
import { CasePanel } from './CasePanel';
import { OfferToasts } from './OfferToast';

/** Picks an option of a select as a user does (the change inside act). */
async function choose(select: HTMLSelectElement, value: string): Promise<void> {
  await act(async () => {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

declare global {
  var __xss: number | undefined;
}

const XSS = '<img src=x onerror="window.__xss=1">';

describe('cases in the console', () => {
  let hub: Hub;
  let alice: AgentSession;
  let bob: AgentSession;
  const visitors: VisitorSession[] = [];

  /** A visitor session of Ada (the same customer every time: a returning customer). */
  function ada(): VisitorSession {
    const visitor = createVisitorSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:visitor:v1:Ada',
    });
    visitors.push(visitor);
    return visitor;
  }

  before(adoptStyles);

  beforeEach(async () => {
    globalThis.__xss = undefined;
    hub = createHub({
      queues: QUEUES,
      agents: [testAgent('alice'), testAgent('bob', { queueIds: ['sales'] })],
      authenticate: devAuthenticate,
    });
    const transport = createMemoryTransport({ hub });
    alice = createAgentSession({ transport, token: 'dev:agent:alice:Alice', voice: false });
    bob = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:bob:Bob',
      voice: false,
    });
    await alice.setPresence('available');
  });

  afterEach(() => {
    cleanup();
    alice.close();
    bob.close();
    for (const visitor of visitors.splice(0)) visitor.close();
    hub.close();
    assert.isUndefined(globalThis.__xss, 'no injected script ran');
  });

  /** Alice's case panel on her chat with Ada, after she opened a case titled `subject` from it. */
  async function panelWithNewCase(subject: string) {
    const cid = await acceptChat(alice, ada());
    const mounted = mount(
      <HelplineProvider agent={alice} queues={QUEUES}>
        <CasePanel cid={cid} />
      </HelplineProvider>,
    );
    const { container } = mounted;
    // Until the customer's cases arrive the panel says it is loading them, not that there are none.
    assert.include(container.textContent, consoleMessages.casesLoading);
    assert.notInclude(container.textContent, consoleMessages.casesEmpty);
    await waitForUi(() => container.textContent?.includes(consoleMessages.casesEmpty) === true, 'no cases');
    assert.notInclude(container.textContent, consoleMessages.casesLoading);
    await typeText(byLabel(container, consoleMessages.caseSubject), subject);
    await click(byText(container, 'button', consoleMessages.caseCreate));
    return mounted;
  }

  it('opens a case from the conversation, changes it, keeps internal notes and shows its conversations (axe)', async () => {
    const { container } = await panelWithNewCase(`Broken zip ${XSS}`);
    await waitForUi(() => container.querySelector('.helpline-case') !== null, 'the new case');
    const item = container.querySelector<HTMLElement>('.helpline-case');
    assert.strictEqual(item?.dataset.status, 'open');
    assert.strictEqual(item?.dataset.unsolved, 'true', 'an open case is marked unsolved');
    assert.include(item?.textContent, consoleMessages.caseUnsolved);
    assert.include(
      container.querySelector('.helpline-case__subject')?.textContent,
      XSS,
      'the subject is text',
    );
    assert.isNull(container.querySelector('img'));
    // The new case is opened: its conversations (this one), notes, and the fields to change.
    const summary = container.querySelector('.helpline-case__summary');
    assert.strictEqual(summary?.getAttribute('aria-expanded'), 'true');
    await waitForUi(() => container.textContent?.includes(consoleMessages.caseNotesEmpty) === true, 'notes');
    assert.include(
      container.querySelector('.helpline-case__timeline')?.textContent,
      consoleMessages.caseThisConversation,
    );
    await assertAccessible(container);

    await typeText(byLabel(container, consoleMessages.caseNoteLabel), 'Asked the warehouse for a new zip');
    await click(byText(container, 'button', consoleMessages.caseNoteAdd));
    await waitForUi(
      () =>
        container.querySelector('.helpline-case__note-text')?.textContent ===
        'Asked the warehouse for a new zip',
      'the note',
    );

    const status = byLabel<HTMLSelectElement>(container, consoleMessages.caseStatus);
    assert.deepEqual(
      [...status.options].map((option) => option.value),
      ['open', 'pending', 'solved'],
      'only the moves the machine allows',
    );
    await choose(status, 'pending');
    const priority = byLabel<HTMLSelectElement>(
      container.querySelector('.helpline-case__form') ?? container,
      consoleMessages.casePriority,
    );
    await choose(priority, 'urgent');
    await typeText(byLabel(container, consoleMessages.caseTags), 'zip, warranty');
    await click(byText(container, 'button', consoleMessages.caseSave));
    await waitForUi(
      () => container.querySelector<HTMLElement>('.helpline-case')?.dataset.status === 'pending',
      'pending',
    );
    const [stored] = await alice.cases.list('v1');
    assert.strictEqual(stored?.status, 'pending');
    assert.strictEqual(stored?.priority, 'urgent');
    assert.deepEqual(stored?.tags, ['zip', 'warranty']);
    assert.strictEqual(stored?.assigneeId, 'alice');
  });

  it('schedules a follow-up callback from the case, lists it and cancels it (axe)', async () => {
    const { container } = await panelWithNewCase('Replacement zip');
    await waitForUi(
      () => container.textContent?.includes(consoleMessages.caseTasksEmpty) === true,
      'no tasks',
    );
    const form = container.querySelector<HTMLFormElement>(
      `form[aria-label="${consoleMessages.caseTaskNew}"]`,
    );
    assert.isNotNull(form, 'the follow-up form is named');
    assert.throws(
      () => byLabel(container, consoleMessages.caseTaskPhone),
      /no label/,
      'no number for a reminder',
    );
    await choose(byLabel<HTMLSelectElement>(container, consoleMessages.caseTaskKind), 'callback');
    const dueAt = Date.now() + 2 * 3_600_000;
    const local = new Date(dueAt - new Date(dueAt).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await typeText(byLabel(container, consoleMessages.caseTaskDue), local);
    await typeText(byLabel(container, consoleMessages.caseTaskPhone), '+31201234567');
    await typeText(byLabel(container, consoleMessages.caseTaskNote), `Ask about the zip ${XSS}`);
    await click(byText(container, 'button', consoleMessages.caseTaskAdd));
    await waitForUi(() => container.querySelector('.helpline-case__task') !== null, 'the task listed');
    const listed = container.querySelector<HTMLElement>('.helpline-case__task');
    assert.strictEqual(listed?.dataset.status, 'scheduled');
    assert.include(listed?.textContent, consoleMessages.caseTaskCallback);
    assert.include(listed?.textContent, '+31201234567');
    assert.include(listed?.textContent, XSS, 'the note is text');
    assert.isNull(container.querySelector('img'));
    await assertAccessible(container);

    const cancel = listed?.querySelector<HTMLButtonElement>('button');
    assert.match(cancel?.getAttribute('aria-label') ?? '', /^Cancel the Callback due /);
    await click(cancel);
    await waitForUi(
      () => container.querySelector<HTMLElement>('.helpline-case__task')?.dataset.status === 'cancelled',
      'cancelled',
    );
    const [kase] = await alice.cases.list('v1');
    const detail = await alice.cases.get(kase?.id ?? '');
    assert.deepEqual(
      detail.tasks.map((task) => [task.kind, task.status, task.phone, Math.floor(task.dueAt / 60_000)]),
      [['callback', 'cancelled', '+31201234567', Math.floor(dueAt / 60_000)]],
    );
  });

  it('a returning customer with an open case: the offer names it, and one click attaches the new chat', async () => {
    const first = await acceptChat(alice, ada());
    const opened = await alice.cases.create(first, { subject: 'Refund for order 42', priority: 'high' });
    const solvedOne = await alice.cases.create(first, { subject: 'Address change' });
    await alice.cases.update(solvedOne.id, { event: 'SOLVE' });

    const { container } = mount(
      <HelplineProvider agent={alice} queues={QUEUES}>
        <OfferToasts alert={false} />
      </HelplineProvider>,
    );
    const second = await offerChat(alice, ada());
    await waitForUi(
      () => container.querySelector('.helpline-offer__cases') !== null,
      'the open case on the offer',
    );
    assert.strictEqual(
      container.querySelector('.helpline-offer__cases')?.textContent,
      `${consoleMessages.caseOfferOpen.replace('{subject}', 'Refund for order 42')} · ${consoleMessages.caseStatusOpen}`,
      'the open case only, not the solved one',
    );
    await act(() => alice.accept(second));
    cleanup();

    const panel = mount(
      <HelplineProvider agent={alice} queues={QUEUES}>
        <CasePanel cid={second} />
      </HelplineProvider>,
    );
    await waitForUi(
      () => panel.container.querySelector('.helpline-case-attach') !== null,
      'the attach offer',
    );
    const subjects = [...panel.container.querySelectorAll('.helpline-case__subject')].map(
      (s) => s.textContent,
    );
    assert.deepEqual(subjects, ['Refund for order 42', 'Address change'], 'open cases first');
    assert.deepEqual(
      [...panel.container.querySelectorAll<HTMLElement>('.helpline-case')].map((c) => c.dataset.unsolved),
      ['true', undefined],
      'the unsolved one is marked',
    );
    await assertAccessible(panel.container);
    await click(byText(panel.container, 'button', consoleMessages.caseAttach));
    await waitForUi(() => panel.container.querySelector('.helpline-case-attach') === null, 'attached');
    const linked = (await alice.cases.get(opened.id)).case;
    assert.deepEqual(linked.interactionIds, [first, second]);
    // Visible: the case's conversations now include this one.
    await click(byText(panel.container, 'button', 'Refund for order 42'));
    await waitForUi(
      () => panel.container.querySelector('.helpline-case__current') !== null,
      'this conversation in the case timeline',
    );
    assert.lengthOf(panel.container.querySelectorAll('.helpline-case__timeline > li'), 2);
  });

  it('an agent of another queue sees none of the cases', async () => {
    const cid = await acceptChat(alice, ada());
    await alice.cases.create(cid, { subject: 'Refund' });
    assert.deepEqual(await bob.cases.list('v1'), []);
    assert.lengthOf(await alice.cases.list('v1'), 1);
  });

  it('speaks every shipped language: Dutch', async () => {
    const cid = await acceptChat(alice, ada());
    await alice.cases.create(cid, { subject: 'Retour' });
    const { container } = mount(
      <HelplineProvider agent={alice} queues={QUEUES} locale="nl" messages={nl}>
        <CasePanel cid={cid} />
      </HelplineProvider>,
    );
    await waitForUi(() => container.querySelector('.helpline-case') !== null, 'the case');
    assert.include(container.textContent, nl.casesTitle);
    assert.include(container.textContent, nl.caseUnsolved);
    assert.include(container.textContent, nl.caseCreate);
  });
});
