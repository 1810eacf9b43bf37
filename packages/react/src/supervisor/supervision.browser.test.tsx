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

  it('monitors a live chat from the agents table and sends its agent a private note the visitor never sees', async () => {
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
    const row = () => byText<HTMLTableRowElement>(container, '.helpline-agents tbody tr', 'Alice');
    await waitForUi(() => row().querySelector('fieldset.helpline-supervision') !== null, 'controls shown');
    const controls = row().querySelector('fieldset.helpline-supervision');
    assert.ok(controls);
    assert.strictEqual(controls.querySelector('legend')?.textContent, 'Supervise the contact with Ada');
    // A chat is only monitored: no whisper or barge.
    assert.deepEqual(
      [...controls.querySelectorAll('button')].map((button) => button.textContent),
      ['Monitor'],
    );
    await click(byText(controls, 'button', 'Monitor'));
    await waitForUi(() => controls.getAttribute('data-mode') === 'monitoring', 'monitoring');
    assert.strictEqual(byText(controls, 'button', 'Monitor').getAttribute('aria-pressed'), 'true');

    await typeText(byLabel(controls, 'Private note to Alice'), 'Offer the refund');
    await click(byText(controls, 'button', 'Send note'));
    await waitForUi(() => (agent.supervision.$notes.get()[cid] ?? []).length === 1, 'the agent has the note');
    const history = await visitor.connection.command('history', { cid });
    assert.ok(!JSON.stringify(history).includes('Offer the refund'), 'never in the conversation');
    await assertAccessible(container);
    assertKeyboardAndCsp(container);

    await click(byText(controls, 'button', 'Stop'));
    await waitForUi(() => controls.getAttribute('data-mode') === 'none', 'stopped');
    const audit = await supervisor.supervision.audit({ cid });
    assert.deepEqual(
      audit.map((entry) => entry.action),
      ['end', 'note', 'start'],
    );
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
