/// <reference types="mocha" />
import type { AgentSession, SupervisorSession, VisitorSession } from '@helpline/core';
import { assert } from 'chai';
import { act } from 'react';
import { HelplineProvider } from '../context/HelplineContext';
import { consoleMessages } from '../i18n/en';
import { ReassignForm } from '../supervisor/ReassignForm';
import {
  adoptStyles,
  assertAccessible,
  assertKeyboardAndCsp,
  byLabel,
  byText,
  choose,
  cleanup,
  click,
  createClock,
  createFakeSupervisor,
  createWorld,
  kpiReport,
  mount,
  QUEUES,
  settle,
  type World,
  waitForUi,
} from '../testing/harness';
import { SupervisorBoard } from './SupervisorBoard';

describe('<SupervisorBoard>', () => {
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

  it('shows live queues and agents from the supervisor session, and forces an agent away', async () => {
    const { container } = mount(
      <HelplineProvider supervisor={supervisor} queues={QUEUES}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    await act(() => agent.setPresence('away', 'lunch'));
    let cid = '';
    await act(async () => {
      cid = await visitor.startChat({ queueId: 'support', prechat: { name: 'Ada' } });
    });
    const row = (selector: string, name: string) => byText<HTMLTableRowElement>(container, selector, name);
    await waitForUi(
      () => row('.helpline-queues tbody tr', 'Support').cells[1]?.textContent === '1',
      'one waiting',
    );
    const support = row('.helpline-queues tbody tr', 'Support');
    assert.strictEqual(support.querySelector('th')?.getAttribute('scope'), 'row');
    assert.match(support.cells[2]?.textContent ?? '', /^0:\d\d$/, 'longest wait');
    assert.strictEqual(support.cells[3]?.textContent, '0:30', 'SLA target');
    assert.strictEqual(support.cells[4]?.textContent, 'Open');
    assert.strictEqual(row('.helpline-queues tbody tr', 'Sales').cells[1]?.textContent, '0');

    await waitForUi(
      () => row('.helpline-agents tbody tr', 'Alice').dataset.presence === 'away',
      'Alice away',
    );
    const alice = row('.helpline-agents tbody tr', 'Alice');
    const presence = byLabel<HTMLSelectElement>(alice, 'Set presence of Alice');
    assert.strictEqual(presence.value, 'away:lunch');

    // The supervisor makes Alice available: the waiting chat is offered to her.
    await choose(presence, 'available');
    await waitForUi(() => agent.$presence.get().status === 'available', 'forced available');
    await waitForUi(() => agent.$offers.get()[cid] !== undefined, 'offered to Alice');
    await act(() => agent.accept(cid));
    await waitForUi(
      () => alice.cells[3]?.textContent?.startsWith('Ada · Chat · Active · ') === true,
      'Alice works on the chat with Ada',
    );

    // And back away, with the supervisor reason.
    await choose(presence, 'away:supervisor');
    await waitForUi(() => agent.$presence.get().status === 'away', 'forced away');
    assert.strictEqual(agent.$presence.get().reason, 'supervisor');
    assert.strictEqual(agent.$interactions.get()[cid]?.state, 'active', 'her chat stays with her');
    await assertAccessible(container);
    assertKeyboardAndCsp(container);
  });

  it('leaves the answer and abandonment rates blank while contacts only wait, instead of 0 %', async () => {
    const fake = createFakeSupervisor(
      { queues: [], agents: [] },
      kpiReport({ interactions: 1, queued: 1, answerRate: 0, abandonmentRate: 0 }),
    );
    const { container } = mount(
      <HelplineProvider supervisor={fake} queues={QUEUES}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    const value = (name: string) => container.querySelector(`[data-kpi="${name}"] dd`)?.textContent;
    assert.strictEqual(value('answerRate'), '—');
    assert.strictEqual(value('abandonmentRate'), '—');
    assert.isNull(container.querySelector('[data-kpi="answerRate"] .helpline-bar__fill'), 'no bar at 0');

    act(() => fake.$kpis.set(kpiReport({ queued: 2, answered: 1, answerRate: 0.5, abandonmentRate: 0 })));
    assert.match(value('answerRate') ?? '', /^50\s?%$/);
    assert.match(
      value('abandonmentRate') ?? '',
      /^0\s?%$/,
      'once a contact was answered, none abandoned is news',
    );
  });

  it('reassigns a waiting interaction to another queue', async () => {
    let cid = '';
    await act(async () => {
      cid = await visitor.startChat({ queueId: 'support', prechat: { name: 'Ada' } });
    });
    const { container } = mount(
      <HelplineProvider supervisor={supervisor} queues={QUEUES}>
        <ReassignForm cid={cid} customerName="Ada" queueId="support" />
      </HelplineProvider>,
    );
    // The field names the customer, never the interaction's id.
    const target = byLabel<HTMLSelectElement>(container, 'Reassign Ada to');
    await waitForUi(() => target.options.length > 1, 'queues');
    assert.notInclude(
      [...target.options].map((o) => o.value),
      'support',
    );
    await choose(target, 'sales');
    await click(byText(container, 'button', 'Move'));
    await waitForUi(() => world.hub.interaction(cid)?.queueId === 'sales', 'moved');
    assert.isNull(container.querySelector('[role="alert"]'));
  });

  it('exports the KPIs as CSV, to a callback or as a download', async () => {
    const exported: string[] = [];
    const { container } = mount(
      <HelplineProvider supervisor={supervisor} queues={QUEUES}>
        <SupervisorBoard csv={{ onExport: (csv) => exported.push(csv) }} />
      </HelplineProvider>,
    );
    await waitForUi(() => supervisor.$board.get() !== undefined, 'board');
    await click(byText(container, 'button', 'Export CSV'));
    await waitForUi(() => exported.length === 1, 'exported');
    assert.match(exported[0] ?? '', /serviceLevel|service/i);

    const downloads: { name: string; href: string }[] = [];
    const originalClick = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      downloads.push({ name: this.download, href: this.href });
    };
    try {
      const view = mount(
        <HelplineProvider supervisor={supervisor} queues={QUEUES}>
          <SupervisorBoard csv={{ fileName: 'today.csv' }} />
        </HelplineProvider>,
      );
      await click(byText(view.container, 'button', 'Export CSV'));
      await waitForUi(() => downloads.length === 1, 'downloaded');
    } finally {
      HTMLAnchorElement.prototype.click = originalClick;
    }
    assert.strictEqual(downloads[0]?.name, 'today.csv');
    assert.match(downloads[0]?.href ?? '', /^blob:/);
  });

  it('draws KPI tiles, trends and counts, and reports a failed action', async () => {
    const fake = createFakeSupervisor(
      {
        queues: [],
        agents: [
          {
            agentId: 'bob',
            name: 'Bob',
            presence: 'available',
            since: Date.now() - 90_000,
            interactions: [{ cid: 'c1', channel: 'voice', state: 'active', since: Date.now() - 30_000 }],
          },
        ],
        waiting: [
          {
            cid: 'c9',
            queueId: 'support',
            channel: 'chat',
            waitingSince: Date.now() - 45_000,
            customerName: 'Cleo',
          },
          {
            cid: 'c10',
            queueId: 'support',
            channel: 'chat',
            waitingSince: Date.now() - 5_000,
            customerName: 'Vera',
            priority: 10,
            reasons: ['VIP tier'],
          },
        ],
      },
      kpiReport({
        serviceLevel: 0.8,
        asaSeconds: 12,
        ahtSeconds: 250,
        queued: 20,
        answered: 19,
        abandoned: 1,
        abandonmentRate: 0.05,
        answerRate: 0.95,
        csatAverage: 4.25,
        nps: 30,
        byTopic: { delivery: 3, billing: 1 },
        byDisposition: { resolved: 2, 'follow-up': 1 },
      }),
    );
    const clock = createClock();
    const { container } = mount(
      <HelplineProvider supervisor={fake} queues={QUEUES} clock={clock} topics={{ delivery: 'Delivery' }}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    const kpi = (name: string) => container.querySelector(`[data-kpi="${name}"]`);
    assert.match(kpi('serviceLevel')?.querySelector('dd')?.textContent ?? '', /^80\s?%$/);
    assert.strictEqual(kpi('asaSeconds')?.querySelector('dd')?.textContent, '0:12');
    assert.strictEqual(kpi('ahtSeconds')?.querySelector('dd')?.textContent, '4:10');
    assert.strictEqual(kpi('fcr')?.querySelector('dd')?.textContent, '—');
    assert.strictEqual(kpi('csatAverage')?.querySelector('dd')?.textContent, '4.3 / 5');
    assert.strictEqual(kpi('nps')?.querySelector('dd')?.textContent, '+30');
    assert.match(kpi('answerRate')?.querySelector('dd')?.textContent ?? '', /^95\s?%$/);
    // Waiting contacts in service order: the VIP first, with the rule that made it one.
    const waitingItems = [...container.querySelectorAll('.helpline-waiting__item')].map(
      (li) => li.textContent ?? '',
    );
    assert.match(waitingItems[0] ?? '', /Vera.*Priority 10.*Why: VIP tier/);
    assert.match(waitingItems[1] ?? '', /Cleo/);
    assert.notMatch(waitingItems[1] ?? '', /Priority/);
    assert.strictEqual(
      kpi('serviceLevel')?.querySelector('.helpline-bar__fill')?.getAttribute('width'),
      '80.00',
    );
    assert.isNull(kpi('serviceLevel')?.querySelector('.helpline-sparkline'), 'no trend from one report');
    act(() => fake.$kpis.set(kpiReport({ serviceLevel: 0.9, ahtSeconds: 200 })));
    act(() => fake.$kpis.set(kpiReport({ serviceLevel: 0.85, ahtSeconds: 220 })));
    const line = kpi('serviceLevel')?.querySelector('.helpline-sparkline polyline');
    assert.lengthOf((line?.getAttribute('points') ?? '').split(' '), 3);
    assert.strictEqual(kpi('serviceLevel')?.querySelector('svg')?.getAttribute('aria-hidden'), 'true');

    // With the day's series the lines draw every hour that has data, not just what was seen since opening.
    const hour = (serviceLevel: number | undefined) => {
      const { byDisposition: _d, byTopic: _t, byEndReason: _e, ...point } = kpiReport({ serviceLevel });
      return point;
    };
    act(() => fake.$kpiSeries.set([hour(0.7), hour(undefined), hour(0.75), hour(0.9), hour(0.95)]));
    const dayLine = kpi('serviceLevel')?.querySelector('.helpline-sparkline polyline');
    assert.lengthOf((dayLine?.getAttribute('points') ?? '').split(' '), 4, 'the empty hour is skipped');
    assert.match(
      kpi('serviceLevel')?.querySelector('dd')?.textContent ?? '',
      /^85\s?%$/,
      "the value is today's",
    );

    const topics = byText(container, 'figure', 'Topics');
    assert.deepEqual(
      [...topics.querySelectorAll('.helpline-counts__item')].map((item) => item.textContent),
      [],
      'the latest report has no topics',
    );
    act(() =>
      fake.$kpis.set(
        kpiReport({ byTopic: { delivery: 3, billing: 1 }, byDisposition: { resolved: 2, 'follow-up': 1 } }),
      ),
    );
    assert.deepEqual(
      [...topics.querySelectorAll('.helpline-counts__item')].map((item) => item.textContent),
      ['Delivery3', 'billing1'],
    );
    const dispositions = byText(container, 'figure', 'Dispositions');
    assert.deepEqual(
      [...dispositions.querySelectorAll('.helpline-counts__item')].map((item) => item.textContent),
      ['Resolved2', 'Needs follow-up1'],
    );

    const bob = byText<HTMLTableRowElement>(container, '.helpline-agents tbody tr', 'Bob');
    const now = Date.now();
    act(() => clock.set(now));
    assert.match(bob.cells[2]?.textContent ?? '', /^1:3\d$/, 'time in state');
    assert.match(bob.cells[3]?.textContent ?? '', /^Call · Active · 0:3\d$/);

    const waiting = container.querySelector('.helpline-waiting');
    assert.include(waiting?.textContent, 'Cleo');
    assert.include(waiting?.textContent, 'Support');
    const cleo = [...(waiting?.querySelectorAll('.helpline-waiting__item') ?? [])].find((li) =>
      li.textContent?.includes('Cleo'),
    ) as HTMLElement;
    await choose(byLabel(cleo, 'Reassign Cleo to'), 'sales');
    await click(byText(cleo, 'button', 'Move'));
    assert.deepEqual(fake.reassigned, [['c9', { toQueueId: 'sales' }]]);

    fake.failNext(new Error('Forbidden for this supervisor'));
    await choose(byLabel(bob, 'Set presence of Bob'), 'offline');
    await waitForUi(() => bob.querySelector('[role="alert"]') !== null, 'error');
    assert.strictEqual(bob.querySelector('[role="alert"]')?.textContent, 'Forbidden for this supervisor');
    assert.strictEqual(byLabel<HTMLSelectElement>(bob, 'Set presence of Bob').value, 'available');
    await settle();
    await assertAccessible(container);
  });

  it('says there is no data before the first report, and needs a supervisor session', async () => {
    const fake = createFakeSupervisor({ queues: [], agents: [] });
    const { container } = mount(
      <HelplineProvider supervisor={fake}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    assert.include(container.textContent, consoleMessages.kpisEmpty);
    assert.isNull(container.querySelector('.helpline-waiting'), 'no waiting list when the board has none');
  });
});
