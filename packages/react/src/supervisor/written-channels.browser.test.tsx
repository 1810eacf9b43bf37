/// <reference types="mocha" />
import type { KpiReport } from '@helpline/core';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { CONSOLE_LOCALES, loadConsoleMessages } from '../i18n/locales';
import { SupervisorBoard } from '../prefabs/SupervisorBoard';
import {
  adoptStyles,
  assertAccessible,
  byText,
  choose,
  cleanup,
  createClock,
  createFakeSupervisor,
  kpiReport,
  mount,
  QUEUES,
  waitForUi,
} from '../testing/harness';
import type { BoardMailbox, BoardQueue, BoardSlaRow, SupervisorBoardState } from './supervisor.types';

// The supervisor board's parts for written conversations (email, SMS, WhatsApp, Messenger): the conversations at
// risk of missing their SLA, the messaging KPIs per channel and queue, and the mailboxes' health — from a board
// as the server sends it, changed live as the server announces it.

const NOW = Date.UTC(2026, 11, 7, 13, 0, 0);
const MIN = 60_000;

const queueRow = (queueId: string, name: string, figures: Partial<BoardQueue> = {}): BoardQueue => ({
  queueId,
  name,
  waiting: 0,
  offered: 0,
  slaTargetSeconds: 30,
  open: true,
  slaAtRisk: 0,
  slaBreached: 0,
  ...figures,
});

const atRisk: BoardSlaRow = {
  cid: 'e1',
  queueId: 'support',
  channel: 'email',
  state: 'active',
  agentId: 'alice',
  customerName: 'Ada',
  firstResponse: 'at-risk',
  resolution: 'on-track',
  standing: 'at-risk',
  firstResponseDueAt: NOW + 10 * MIN,
  resolutionDueAt: NOW + 20 * 60 * MIN,
};
const breached: BoardSlaRow = {
  cid: 's1',
  queueId: 'sales',
  channel: 'sms',
  state: 'snoozed',
  firstResponse: 'met',
  resolution: 'breached',
  standing: 'breached',
  firstResponseDueAt: NOW - 7 * 60 * MIN,
  resolutionDueAt: NOW - 5 * MIN,
  snoozedUntil: NOW + 60 * MIN,
};

const failing: BoardMailbox = {
  mailbox: 'support',
  address: 'support@shop.example',
  state: 'retrying',
  problem: 'authentication',
  error: 'Authentication failed',
  failures: 3,
  retryAt: NOW + 8_000,
  received: 0,
};

function board(overrides: Partial<SupervisorBoardState> = {}): SupervisorBoardState {
  return {
    queues: [
      queueRow('support', 'Support', { slaAtRisk: 1 }),
      queueRow('sales', 'Sales', { slaBreached: 1 }),
    ],
    agents: [],
    sla: [breached, atRisk],
    messaging: {
      email: {
        episodes: 4,
        responded: 3,
        firstResponseSeconds: 1800,
        resolved: 2,
        resolutionSeconds: 7200,
        repliesPerResolution: 1.5,
      },
      sms: { episodes: 1, responded: 1, firstResponseSeconds: 300, resolved: 0 },
      whatsapp: { episodes: 0, responded: 0, resolved: 0 },
      messenger: { episodes: 0, responded: 0, resolved: 0 },
    },
    messagingByQueue: {
      support: {
        email: {
          episodes: 4,
          responded: 3,
          firstResponseSeconds: 1800,
          resolved: 2,
          resolutionSeconds: 7200,
          repliesPerResolution: 1.5,
        },
      },
      sales: { sms: { episodes: 1, responded: 1, firstResponseSeconds: 300, resolved: 0 } },
    },
    mailboxes: [failing],
    ...overrides,
  };
}

describe('supervisor board: written conversations', () => {
  before(adoptStyles);
  afterEach(cleanup);

  function mountBoard(state: SupervisorBoardState, kpis: KpiReport = kpiReport()) {
    const fake = createFakeSupervisor(state, kpis);
    const clock = createClock(NOW);
    const mounted = mount(
      <HelplineProvider supervisor={fake} queues={QUEUES} clock={clock}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    return { ...mounted, fake, clock };
  }

  it('lists conversations at risk and past their SLA with counts per queue, and follows the board live', async () => {
    const { container, fake, clock } = mountBoard(board());
    const table = () => container.querySelector<HTMLTableElement>('table.helpline-sla');
    await waitForUi(() => table() !== null, 'the SLA table');
    const caption = table()?.caption?.textContent ?? '';
    assert.include(caption, 'Conversations at risk of missing their SLA');
    assert.include(caption, 'Past SLA: 1 · At risk: 1');
    const rows = [...(table()?.tBodies[0]?.rows ?? [])];
    assert.deepEqual(
      rows.map((row) => row.dataset.sla),
      ['breached', 'at-risk'],
      'the most urgent first, as the server ordered them',
    );
    const ada = byText<HTMLTableRowElement>(container, '.helpline-sla tbody tr', 'Ada');
    assert.strictEqual(ada.querySelector('th')?.getAttribute('scope'), 'row');
    assert.strictEqual(ada.cells[1]?.textContent, 'Email');
    assert.strictEqual(ada.cells[2]?.textContent, 'Support');
    assert.strictEqual(ada.cells[3]?.textContent, 'Active');
    assert.strictEqual(ada.cells[4]?.textContent, 'At risk, due in 10:00');
    assert.strictEqual(ada.cells[4]?.dataset.sla, 'at-risk');
    assert.match(ada.cells[5]?.textContent ?? '', /^On track, due in 20:00:00$/);
    const sms = rows[0];
    assert.match(sms?.cells[3]?.textContent ?? '', /^Snoozed until /, 'a snoozed one says until when');
    assert.strictEqual(sms?.cells[4]?.textContent, 'Met');
    assert.match(sms?.cells[5]?.textContent ?? '', /^Breached, was due /);
    // The queue table counts them.
    const support = byText<HTMLTableRowElement>(container, '.helpline-queues tbody tr', 'Support');
    assert.strictEqual(support.cells[5]?.textContent, '1', 'at risk');
    assert.strictEqual(support.cells[6]?.textContent, '0', 'past SLA');
    await assertAccessible(container);

    // The clock moves: the time left counts down.
    act(() => clock.set(NOW + 4 * MIN));
    await waitForUi(() => ada.cells[4]?.textContent === 'At risk, due in 6:00', 'six minutes left');
    // The server announces a new board: Ada's first response is now late, the SMS resolved.
    act(() =>
      fake.$board.set(board({ sla: [{ ...atRisk, firstResponse: 'breached', standing: 'breached' }] })),
    );
    await waitForUi(
      () => (table()?.caption?.textContent ?? '').includes('Past SLA: 1 · At risk: 0'),
      'recounted',
    );
    assert.strictEqual(table()?.tBodies[0]?.rows.length, 1);
    act(() => fake.$board.set(board({ sla: [] })));
    await waitForUi(
      () => table()?.textContent?.includes('No conversation is at risk of missing its SLA.') === true,
      'the empty list says so',
    );
    await assertAccessible(container);
  });

  it('shows first response, resolution and replies per resolution per channel, over all queues or one', async () => {
    const { container } = mountBoard(board());
    const section = () => container.querySelector<HTMLElement>('.helpline-channel-stats');
    await waitForUi(() => section() !== null, 'the channel table');
    const row = (channel: string) =>
      byText<HTMLTableRowElement>(container, '.helpline-channel-stats tbody tr', channel);
    assert.deepEqual(
      [...(row('Email').cells ?? [])].map((cell) => cell.textContent),
      ['Email', '4', '30:00', '2:00:00', '1.5'],
    );
    assert.deepEqual(
      [...row('SMS').cells].map((cell) => cell.textContent),
      ['SMS', '1', '5:00', '—', '—'],
    );
    assert.strictEqual(row('WhatsApp').cells[1]?.textContent, '0');
    const select = section()?.querySelector('select');
    assert.ok(select);
    assert.strictEqual(
      select.labels?.[0]?.textContent?.trim().startsWith('Queue'),
      true,
      'the select is labelled',
    );
    await choose(select, 'sales');
    await waitForUi(() => row('Email').cells[1]?.textContent === '0', 'the Sales queue');
    assert.strictEqual(row('SMS').cells[2]?.textContent, '5:00');
    assert.include(section()?.querySelector('caption')?.textContent ?? '', 'Sales');
    await assertAccessible(container);
  });

  it("shows each mailbox's health: why it fails, the attempts, the next retry, the last successful read", async () => {
    const { container, fake } = mountBoard(board());
    const mailbox = () =>
      byText<HTMLTableRowElement>(container, '.helpline-mailboxes tbody tr', 'support@shop.example');
    await waitForUi(() => container.querySelector('.helpline-mailboxes') !== null, 'the mailbox table');
    assert.strictEqual(mailbox().dataset.state, 'retrying');
    assert.strictEqual(mailbox().querySelector('th')?.getAttribute('scope'), 'row');
    assert.deepEqual(
      [...mailbox().cells].slice(1, 4).map((cell) => cell.textContent),
      ['Reconnecting', 'Authentication failed', '3'],
    );
    assert.notStrictEqual(mailbox().cells[4]?.textContent, '—', 'the next retry time');
    assert.strictEqual(mailbox().cells[5]?.textContent, 'Never');
    await assertAccessible(container);

    act(() =>
      fake.$board.set(
        board({
          mailboxes: [
            {
              ...failing,
              state: 'connected',
              problem: undefined,
              error: undefined,
              failures: 0,
              retryAt: undefined,
              lastSyncAt: NOW,
              received: 2,
            },
          ],
        }),
      ),
    );
    await waitForUi(() => mailbox().dataset.state === 'connected', 'connected again');
    assert.deepEqual(
      [...mailbox().cells].slice(1, 5).map((cell) => cell.textContent),
      ['Connected', '—', '0', '—'],
    );
    assert.notStrictEqual(mailbox().cells[5]?.textContent, 'Never');
    await assertAccessible(container);
  });

  it('leaves the three parts out for a server without written channels', async () => {
    const { container } = mountBoard({ queues: [queueRow('support', 'Support')], agents: [] });
    await waitForUi(() => container.querySelector('.helpline-queues') !== null, 'the board');
    assert.isNull(container.querySelector('.helpline-sla'));
    assert.isNull(container.querySelector('.helpline-channel-stats'));
    assert.isNull(container.querySelector('.helpline-mailboxes'));
  });

  for (const locale of CONSOLE_LOCALES) {
    it(`speaks ${locale} in the three parts, accessibly`, async () => {
      const catalog = await loadConsoleMessages(locale);
      const fake = createFakeSupervisor(board(), kpiReport());
      const { container } = mount(
        <HelplineProvider supervisor={fake} queues={QUEUES} clock={createClock(NOW)} locale={locale}>
          <SupervisorBoard />
        </HelplineProvider>,
      );
      await waitForUi(
        () => container.textContent?.includes(catalog.mailboxesTitle) === true,
        `${locale} strings`,
      );
      for (const key of [
        'slaTitle',
        'channelStatsTitle',
        'mailboxProblemAuthentication',
        'slaStandingAtRisk',
      ] as const)
        assert.include(container.textContent, catalog[key], key);
      await assertAccessible(container);
    });
  }
});
