/// <reference types="mocha" />
import type { AgentSession, Notice } from '@helpline/core';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import { nl } from '../i18n/nl';
import { CaseSlaTable } from '../supervisor/CaseSlaTable';
import type { BoardCaseSla } from '../supervisor/supervisor.types';
import {
  adoptStyles,
  assertAccessible,
  byText,
  cleanup,
  click,
  createClock,
  createFakeSupervisor,
  mount,
  QUEUES,
  waitForUi,
} from '../testing/harness';
import { CaseSlaAlerts, type CaseSlaNotice } from './CaseSlaAlerts';

// Case SLA warnings in the console: the assignee's notices (case.sla) and the supervisor board's list (caseSla).

const NOW = Date.UTC(2026, 0, 5, 15, 0);
const XSS = '<img src=x onerror="window.__xss=1">';

function wireCase(id: string, subject: string, standing: 'at-risk' | 'breached'): CaseSlaNotice['case'] {
  return {
    id,
    customerId: 'cu1',
    subject,
    status: 'open',
    priority: 'normal',
    queueId: 'support',
    assigneeId: 'alice',
    tags: [],
    interactionIds: ['c1'],
    sla: {
      firstResponseDueAt: NOW - 60_000,
      resolutionDueAt: NOW + 3 * 86_400_000,
      standing,
      firstResponse: standing,
      resolution: 'on-track',
    },
    contacts: 1,
    reopenCount: 0,
    createdAt: NOW - 8 * 3_600_000,
    updatedAt: NOW,
  };
}

/** An agent session as far as the alerts read it: the notices of its connection, pushed by the test. */
function agentWithNotices() {
  const listeners = new Set<(notice: Notice) => void>();
  const agent = {
    connection: {
      onNotice(listener: (notice: Notice) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  } as unknown as AgentSession;
  const push = (notice: Notice) =>
    act(async () => {
      for (const listener of listeners) listener(notice);
    });
  return { agent, push, listeners };
}

describe('case SLA warnings in the console', () => {
  before(adoptStyles);
  afterEach(cleanup);

  it("the assignee's warnings: one line per case and target, the latest replacing the one before, dismissable (axe)", async () => {
    const { agent, push, listeners } = agentWithNotices();
    const { container } = mount(
      <HelplineProvider agent={agent} queues={QUEUES}>
        <CaseSlaAlerts />
      </HelplineProvider>,
    );
    const region = container.querySelector<HTMLElement>('.helpline-case-sla');
    assert.isTrue(region?.hidden, 'nothing shown before a warning');
    const at = NOW - 2 * 3_600_000;
    await push({
      type: 'case.sla',
      kind: 'at-risk',
      target: 'first-response',
      dueAt: NOW,
      at,
      case: wireCase('k1', `Refund ${XSS}`, 'at-risk'),
    });
    await push({ type: 'board' });
    await waitForUi(() => region?.hidden === false, 'the warning');
    assert.lengthOf(region?.querySelectorAll('li') ?? [], 1);
    assert.include(region?.textContent, `“Refund ${XSS}” — ${consoleMessages.caseSlaFirstResponse}`);
    assert.include(region?.textContent, consoleMessages.caseSlaAtRisk);
    assert.isNull(container.querySelector('img'), 'the subject is text');
    assert.strictEqual(region?.querySelector('ul')?.getAttribute('aria-live'), 'polite');
    await push({
      type: 'case.sla',
      kind: 'breached',
      target: 'first-response',
      dueAt: NOW,
      at: NOW + 1,
      case: wireCase('k1', `Refund ${XSS}`, 'breached'),
    });
    await waitForUi(
      () => region?.textContent?.includes(consoleMessages.caseSlaBreached) === true,
      'the breach replaces the warning',
    );
    assert.lengthOf(region?.querySelectorAll('li') ?? [], 1);
    assert.strictEqual(region?.querySelector('li')?.dataset.sla, 'breached');
    await assertAccessible(container);
    await click(byText(container, 'button', consoleMessages.attachDismiss));
    await waitForUi(() => region?.hidden === true, 'dismissed');
    cleanup();
    assert.strictEqual(listeners.size, 0, 'unmounting stops listening');
  });

  it('the supervisor board lists the cases at risk or overdue with their counts, in Dutch too (axe)', async () => {
    const caseSla: BoardCaseSla = {
      atRisk: 1,
      breached: 1,
      cases: [
        wireCase('k1', 'Refund', 'breached'),
        { ...wireCase('k2', 'Login', 'at-risk'), assigneeId: undefined },
      ],
    };
    const fake = createFakeSupervisor({ queues: [], agents: [], caseSla });
    const { container } = mount(
      <HelplineProvider supervisor={fake} queues={QUEUES} clock={createClock(NOW)}>
        <CaseSlaTable />
      </HelplineProvider>,
    );
    const rows = [...container.querySelectorAll<HTMLTableRowElement>('tbody tr')];
    assert.deepEqual(
      rows.map((row) => [row.dataset.sla, row.querySelector('th')?.textContent]),
      [
        ['breached', 'Refund'],
        ['at-risk', 'Login'],
      ],
    );
    assert.include(container.querySelector('caption')?.textContent, consoleMessages.caseSlaBoardTitle);
    assert.include(rows[1]?.textContent, consoleMessages.caseUnassigned);
    await assertAccessible(container);
    await act(async () =>
      fake.$board.set({ queues: [], agents: [], caseSla: { atRisk: 0, breached: 0, cases: [] } }),
    );
    assert.include(container.textContent, consoleMessages.caseSlaBoardEmpty);
    cleanup();
    const dutch = mount(
      <HelplineProvider supervisor={fake} queues={QUEUES} clock={createClock(NOW)} locale="nl" messages={nl}>
        <CaseSlaTable />
      </HelplineProvider>,
    );
    assert.include(dutch.container.textContent, nl.caseSlaBoardEmpty);
  });
});
