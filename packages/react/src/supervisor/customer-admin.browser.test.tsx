/// <reference types="mocha" />
import { createAgentSession, createSupervisorSession, type SupervisorSession } from '@helpline/core';
import {
  type AuditRow,
  type CustomerDirectory,
  type CustomerRow,
  createHub,
  createMemoryTransport,
  devAuthenticate,
  type Hub,
} from '@helpline/core/hub';
import { testAgent } from '@helpline/core/testing';
import { assert } from 'chai';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages as en } from '../i18n/en';
import { nl } from '../i18n/nl';
import {
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
import { CustomerAdminPanel } from './CustomerAdminPanel';

const XSS = '<img src=x onerror="window.__xss=1">';

/** Ada with an email and a phone an agent merged in by mistake; split and audit as the server's directory answers. */
function fakeDirectory(calls: string[]): CustomerDirectory {
  let ada: CustomerRow = {
    id: 'cu_ada',
    displayName: `Ada ${XSS}`,
    createdAt: Date.UTC(2026, 0, 1),
    identifiers: [
      { id: 'ci_1', kind: 'contact', value: 'v1', verified: true, source: 'token', createdAt: 1 },
      { id: 'ci_2', kind: 'email', value: 'ada@example.com', verified: true, source: 'token', createdAt: 1 },
      { id: 'ci_3', kind: 'phone', value: '+447700900123', verified: false, source: 'prechat', createdAt: 1 },
    ],
    channels: ['chat'],
  };
  const audit: AuditRow[] = [
    {
      at: Date.UTC(2026, 10, 2, 9),
      actorId: 'alice',
      actorRole: 'agent',
      action: 'merge',
      customerId: 'cu_ada',
      otherId: 'cu_bo',
      identifiers: ['ci_3'],
      interactions: [],
    },
  ];
  return {
    link: async () => 'cu_ada',
    customerOfInteraction: async () => 'cu_ada',
    get: async (id) => (id === 'cu_ada' ? ada : undefined),
    interactionIds: async () => [],
    queuesOf: async () => ['support'],
    search: async (query) => (query.startsWith('ada') ? [ada] : []),
    suggestions: async () => [],
    suggestion: async () => undefined,
    merge: async () => ada,
    dismiss: async () => {
      throw new Error('not in this test');
    },
    async split(customerId, move, displayName, actor, at) {
      calls.push(`split ${customerId} ${move.identifierIds.join(',')} ${displayName} by ${actor.id}`);
      const moved = ada.identifiers.filter((i) => move.identifierIds.includes(i.id));
      ada = { ...ada, identifiers: ada.identifiers.filter((i) => !move.identifierIds.includes(i.id)) };
      audit.unshift({
        at,
        actorId: actor.id,
        actorRole: actor.role,
        action: 'split',
        customerId,
        otherId: 'cu_bo',
        identifiers: [...move.identifierIds],
        interactions: [...move.interactionIds],
      });
      return {
        customer: { id: 'cu_bo', displayName, createdAt: at, identifiers: moved, channels: [] },
        remaining: ada,
      };
    },
    audit: async () => [...audit],
  };
}

describe('customer records for supervisors', () => {
  let hub: Hub;
  let supervisor: SupervisorSession;
  let calls: string[];

  before(adoptStyles);

  beforeEach(() => {
    calls = [];
    hub = createHub({
      queues: QUEUES,
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      customers: fakeDirectory(calls),
    });
    supervisor = createSupervisorSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:supervisor:sue:Sue',
    });
  });

  afterEach(() => {
    cleanup();
    supervisor.close();
    hub.close();
    assert.isUndefined((globalThis as { __xss?: number }).__xss, 'no injected script ran');
  });

  it('finds a customer, splits a wrong identifier into a new customer, and shows the audit trail (axe)', async () => {
    const { container } = mount(
      <HelplineProvider supervisor={supervisor} queues={QUEUES}>
        <CustomerAdminPanel />
      </HelplineProvider>,
    );
    await typeText(byLabel<HTMLInputElement>(container, en.customerSearchLabel), 'ada');
    await click(byText(container, 'button', en.customerSearchSubmit));
    await waitForUi(() => container.querySelector('.helpline-customer-admin__results') !== null, 'results');
    await click(byText(container, 'button', `Ada ${XSS}`));
    await waitForUi(
      () => container.querySelector('.helpline-customer-admin__audit tbody tr') !== null,
      'record',
    );
    const name = container.querySelector('.helpline-customer-admin__record h3');
    assert.strictEqual(name?.textContent, `Ada ${XSS}`, 'names are text');
    assert.isTrue(document.activeElement === name, 'focus on the record opened');
    assert.notInclude(container.textContent, 'v1 (', 'the internal contact key is not offered');
    const splitButton = byText<HTMLButtonElement>(container, 'button', en.customerAdminSplit);
    assert.isTrue(splitButton.disabled, 'nothing ticked yet');
    assert.include(
      container.querySelector('.helpline-customer-admin__audit')?.textContent,
      en.customerAuditMerge,
    );
    await assertAccessible(container);

    await click(byText(container, 'label', /Phone: \+447700900123/).querySelector('input'));
    await typeText(byLabel<HTMLInputElement>(container, en.customerAdminNewName), 'Bo');
    await click(splitButton);
    await waitForUi(
      () => container.textContent?.includes(en.customerAdminSplitDone.replace('{name}', 'Bo')) === true,
      'the split announced',
    );
    assert.deepEqual(calls, ['split cu_ada ci_3 Bo by sue']);
    await waitForUi(
      () => container.querySelectorAll('.helpline-customer-admin__audit tbody tr').length === 2,
      'the split in the audit trail',
    );
    const [newest] = container.querySelectorAll<HTMLElement>('.helpline-customer-admin__audit tbody tr');
    assert.strictEqual(newest?.dataset.action, 'split');
    assert.include(newest?.textContent, 'sue');
    assert.notInclude(container.textContent, '+447700900123', 'the phone moved away');
    await assertAccessible(container);
  });

  it('speaks the supervisor language, and the server refuses a split to an agent', async () => {
    const { container } = mount(
      <HelplineProvider supervisor={supervisor} queues={QUEUES} locale="nl" messages={nl}>
        <CustomerAdminPanel />
      </HelplineProvider>,
    );
    assert.include(container.textContent, nl.customerAdminTitle);
    const agent = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'dev:agent:alice:Alice',
      voice: false,
    });
    try {
      await agent.connection.command('customer.split', {
        customerId: 'cu_ada',
        identifierIds: ['ci_3'],
        interactionIds: [],
      });
      assert.fail('an agent split');
    } catch (error) {
      assert.strictEqual((error as { code?: string }).code, 'auth/forbidden');
    } finally {
      agent.close();
    }
  });
});
