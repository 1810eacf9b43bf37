/// <reference types="mocha" />
import type { AgentSession, SupervisorSession, VisitorSession } from '@helpline/core';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { SupervisorBoard } from '../prefabs/SupervisorBoard';
import {
  adoptStyles,
  assertAccessible,
  assertKeyboardAndCsp,
  byLabel,
  byText,
  cleanup,
  click,
  createWorld,
  mount,
  QUEUES,
  typeText,
  type World,
  waitForUi,
} from '../testing/harness';
import { SupervisionBanner } from './SupervisionBanner';

const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

describe('supervision from <SupervisorBoard>', () => {
  let world: World;
  let agent: AgentSession;
  let visitor: VisitorSession;
  let supervisor: SupervisorSession;

  before(adoptStyles);

  beforeEach(() => {
    world = createWorld();
    agent = world.agent();
    visitor = world.visitor();
    supervisor = world.supervisor();
  });

  afterEach(() => {
    cleanup();
    world.close();
  });

  /** Alice holds Ada's chat (the visitor says `firstMessage` first, when given); the board shows its controls. */
  async function boardWithChat(firstMessage?: string) {
    const { container } = mount(
      <HelplineProvider supervisor={supervisor} queues={QUEUES}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    await act(() => agent.setPresence('available'));
    let cid = '';
    await act(async () => {
      cid = await visitor.startChat({ queueId: 'support', prechat: { name: 'Ada' } });
    });
    await waitForUi(() => agent.$offers.get()[cid] !== undefined, 'offered to Alice');
    await act(() => agent.accept(cid));
    if (firstMessage !== undefined) {
      await act(() => visitor.sendMessage(firstMessage));
      await waitForUi(() => agent.$conversations.get()[cid]?.messages.length === 1, 'Alice has it');
    }
    const row = () => byText<HTMLTableRowElement>(container, '.helpline-agents tbody tr', 'Alice');
    await waitForUi(() => row().querySelector('fieldset.helpline-supervision') !== null, 'controls shown');
    const controls = row().querySelector('fieldset.helpline-supervision');
    assert.ok(controls);
    return { container, cid, controls };
  }

  it('monitors a live chat from the agents table and sends its agent a private note the visitor never sees', async () => {
    const { container, cid, controls } = await boardWithChat();
    assert.strictEqual(controls.querySelector('legend')?.textContent, 'Supervise the contact with Ada');
    // A chat is only monitored: no whisper or barge.
    assert.deepEqual(
      [...controls.querySelectorAll('button')].map((button) => button.textContent),
      ['Monitor'],
    );
    await click(byText(controls, 'button', 'Monitor'));
    await waitForUi(() => controls.getAttribute('data-mode') === 'monitoring', 'monitoring');
    assert.strictEqual(byText(controls, 'button', 'Monitor').getAttribute('aria-pressed'), 'true');
    // The mode in force is pressed, not greyed out, and a line says what it means.
    assert.isFalse(byText<HTMLButtonElement>(controls, 'button', 'Monitor').disabled);
    assert.strictEqual(
      controls.querySelector('[role="status"]')?.textContent,
      'Reading silently. The customer never sees you.',
    );

    await typeText(byLabel(controls, 'Private note to Alice'), 'Offer the refund');
    await click(byText(controls, 'button', 'Send note'));
    await waitForUi(() => (agent.supervision.$notes.get()[cid] ?? []).length === 1, 'the agent has the note');
    const history = await visitor.connection.command('history', { cid });
    assert.ok(!JSON.stringify(history).includes('Offer the refund'), 'never in the conversation');
    await assertAccessible(container);
    assertKeyboardAndCsp(container);

    await click(byText(controls, 'button', 'Stop'));
    await waitForUi(() => controls.getAttribute('data-mode') === 'none', 'stopped');
    assert.strictEqual(controls.querySelector('[role="status"]')?.textContent, '');
    const audit = await supervisor.supervision.audit({ cid });
    assert.deepEqual(
      audit.map((entry) => entry.action),
      ['end', 'note', 'start'],
    );
  });

  it("shows a monitored chat's history, then a live message, as text in a polite log", async () => {
    const { container, cid, controls } = await boardWithChat(XSS);
    assert.strictEqual(controls.querySelector('[role="log"]'), null, 'no transcript before monitoring');

    await click(byText(controls, 'button', 'Monitor'));
    const log = () => controls.querySelector<HTMLElement>('[role="log"]');
    await waitForUi(() => (log()?.querySelectorAll('li').length ?? 0) === 1, 'history shown');
    const transcript = log();
    assert.ok(transcript);
    assert.strictEqual(transcript.getAttribute('aria-live'), 'polite');
    const heading = controls.querySelector('h3');
    assert.strictEqual(heading?.textContent, 'Conversation with Ada');
    assert.strictEqual(transcript.getAttribute('aria-labelledby'), heading?.id);
    // The payload is text: shown as typed, no element made of it, nothing ran.
    const first = transcript.querySelector('li');
    assert.strictEqual(first?.querySelector('.helpline-message__author')?.textContent, 'Ada');
    assert.strictEqual(first?.querySelector('.helpline-message__text')?.textContent, XSS);
    assert.strictEqual(transcript.querySelector('img, script'), null);
    assert.strictEqual((window as { __pwned?: number }).__pwned, undefined);

    await act(() => agent.sendMessage(cid, 'Let me check that for you.'));
    await waitForUi(() => (log()?.querySelectorAll('li').length ?? 0) === 2, 'live message shown');
    const second = log()?.querySelectorAll('li')[1];
    assert.strictEqual(second?.querySelector('.helpline-message__author')?.textContent, 'Alice');
    assert.strictEqual(
      second?.querySelector('.helpline-message__text')?.textContent,
      'Let me check that for you.',
    );
    // The private note field stays beside the transcript.
    assert.ok(byText(controls, 'label', 'Private note to Alice'));
    await assertAccessible(container);
    assertKeyboardAndCsp(container);

    await click(byText(controls, 'button', 'Stop'));
    await waitForUi(() => log() === null, 'transcript gone with the leg');
  });

  it('shows the agent the private notes, and a silent monitor only when told', async () => {
    await act(() => agent.setPresence('available'));
    let cid = '';
    await act(async () => {
      cid = await visitor.startChat({ queueId: 'support', prechat: { name: 'Ada' } });
    });
    await waitForUi(() => agent.$offers.get()[cid] !== undefined, 'offered to Alice');
    await act(() => agent.accept(cid));
    const { container } = mount(
      <HelplineProvider agent={agent} queues={QUEUES}>
        <SupervisionBanner cid={cid} />
      </HelplineProvider>,
    );
    await act(() => supervisor.supervision.start(cid, 'monitoring'));
    assert.strictEqual(container.textContent, '', 'silent monitoring is not shown by default');
    await act(() => supervisor.supervision.note(cid, 'Offer the refund'));
    await waitForUi(() => container.textContent?.includes('Offer the refund') === true, 'the note shown');
    assert.ok(container.querySelector('[aria-live="polite"]'));
    await assertAccessible(container);
  });
});
