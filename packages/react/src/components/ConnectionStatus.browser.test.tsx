/// <reference types="mocha" />
import {
  type ConnectionSnapshot,
  createAgentSession,
  createSupervisorSession,
  helplineError,
} from '@helpline/core';
import { createHub, createMemoryTransport, type Hub } from '@helpline/core/hub';
import { assert } from 'chai';
import { atom } from 'nanostores';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import { nl } from '../i18n/nl';
import { AgentConsole } from '../prefabs/AgentConsole';
import { SupervisorBoard } from '../prefabs/SupervisorBoard';
import { adoptStyles, assertAccessible, cleanup, mount, QUEUES, waitForUi } from '../testing/harness';
import { ConnectionStatus } from './ConnectionStatus';

/** A hub that refuses every token with `code`, as a server would. */
function refusingHub(code: 'auth/token-expired' | 'auth/invalid-token'): Hub {
  return createHub({
    queues: QUEUES,
    agents: [],
    authenticate: () => {
      throw code === 'auth/token-expired'
        ? helplineError(code)
        : helplineError(code, { detail: 'signature does not verify' });
    },
  });
}

describe('<ConnectionStatus>: why the connection is down, in words', () => {
  const printed: unknown[] = [];
  const originalError = console.error;
  let hub: Hub | undefined;

  before(adoptStyles);
  beforeEach(() => {
    printed.length = 0;
    console.error = (...args: unknown[]) => printed.push(args[0]);
  });
  afterEach(() => {
    cleanup();
    hub?.close();
    hub = undefined;
    console.error = originalError;
  });

  it('<AgentConsole> with an expired sign-in says so as an alert, without taking focus, and stops', async () => {
    hub = refusingHub('auth/token-expired');
    const agent = createAgentSession({
      transport: createMemoryTransport({ hub }),
      token: 'old',
      voice: false,
    });
    const before = document.createElement('button');
    before.textContent = 'Elsewhere';
    document.body.append(before);
    before.focus();
    const { container } = mount(
      <HelplineProvider agent={agent}>
        <AgentConsole />
      </HelplineProvider>,
    );
    await waitForUi(() => container.querySelector('[role="alert"].helpline-connection') !== null, 'alert');
    const alert = container.querySelector('.helpline-connection');
    assert.equal(alert?.textContent, consoleMessages.connectionExpired);
    assert.equal(alert?.getAttribute('data-reason'), 'auth/token-expired');
    assert.equal(agent.$connection.get().value, 'closed');
    assert.strictEqual(document.activeElement, before, 'focus stays where it was');
    assert.equal(printed.length, 1, 'told once on the developer console');
    assert.match(String(printed[0]), /auth\/token-expired/);
    await assertAccessible(container);
    agent.close();
    before.remove();
  });

  it('<SupervisorBoard> with a refused sign-in says so', async () => {
    hub = refusingHub('auth/invalid-token');
    const supervisor = createSupervisorSession({
      transport: createMemoryTransport({ hub }),
      token: 'forged',
    });
    const { container } = mount(
      <HelplineProvider supervisor={supervisor}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    await waitForUi(() => container.querySelector('[role="alert"].helpline-connection') !== null, 'alert');
    assert.equal(
      container.querySelector('.helpline-connection')?.textContent,
      consoleMessages.connectionSignInRefused,
    );
    supervisor.close();
  });

  it('retryable reasons are a polite status: unreachable, busy with its wait, in the console language', () => {
    const $connection = atom<ConnectionSnapshot>({
      value: 'reconnecting',
      context: {
        attempt: 3,
        error: { code: 'connection/unreachable', message: 'No WebSocket to ws://x/v1/ws after 3 tries' },
      },
    });
    const { container, render } = mount(
      <HelplineProvider>
        <ConnectionStatus session={{ $connection }} />
      </HelplineProvider>,
    );
    const line = () => container.querySelector('.helpline-connection');
    assert.equal(line()?.getAttribute('role'), 'status');
    assert.equal(line()?.textContent, consoleMessages.connectionUnreachable);
    $connection.set({
      value: 'reconnecting',
      context: {
        attempt: 0,
        error: { code: 'limit/rate', message: 'Too many requests', retryAfterMs: 20_000 },
      },
    });
    render(
      <HelplineProvider locale="nl">
        <ConnectionStatus session={{ $connection }} />
      </HelplineProvider>,
    );
    return waitForUi(
      () => line()?.textContent === nl.connectionBusy.replace('{seconds}', '20'),
      'Dutch, 20 s',
    );
  });

  it('a healthy connection shows its state as before, with no reason', () => {
    const $connection = atom<ConnectionSnapshot>({ value: 'caught-up', context: { attempt: 0 } });
    const { container } = mount(
      <HelplineProvider>
        <ConnectionStatus session={{ $connection }} />
      </HelplineProvider>,
    );
    const line = container.querySelector('.helpline-connection');
    assert.equal(line?.textContent, consoleMessages.connectionOnline);
    assert.isFalse(line?.hasAttribute('data-reason'));
  });
});
