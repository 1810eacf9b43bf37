/// <reference types="mocha" />
import type { ReportFiguresRow, ReportQuery, ReportResult } from '@helpline/core';
import { assert } from 'chai';
import { HelplineProvider } from '../context/HelplineContext';
import { SupervisorBoard } from '../prefabs/SupervisorBoard';
import {
  adoptStyles,
  assertAccessible,
  byLabel,
  byText,
  choose,
  cleanup,
  click,
  createFakeSupervisor,
  createWorld,
  mount,
  QUEUES,
  waitForUi,
} from '../testing/harness';
import { ReportsPanel } from './ReportsPanel';

// The reports screen of the supervisor board: pickers, the table (caption, column headers, numbers at the end), the
// chart and the report's CSV, with a session that answers reports; and a real server without stored history, whose
// typed refusal is shown in the supervisor's language.

const WEEK = 7 * 86_400_000;
const FROM = Date.UTC(2026, 10, 30);

function figures(key: string | null, contacts: number, answered: number): ReportFiguresRow {
  return {
    key,
    contacts,
    outbound: 0,
    queued: contacts,
    answered,
    abandoned: contacts - answered,
    answerRate: answered / contacts,
    abandonmentRate: (contacts - answered) / contacts,
    asaSeconds: 42,
    serviceLevel: 0.8,
    handled: answered,
    ahtSeconds: 245,
    occupancy: 0.62,
    csatResponses: 3,
    csatAverage: 4.3,
    fcrContacts: answered,
    fcr: 0.75,
  };
}

/** A session that answers every report from fixed figures and records the queries. */
function reportingSupervisor() {
  const queries: ReportQuery[] = [];
  const fake = createFakeSupervisor({ queues: [], agents: [] });
  const runReport = async (query: ReportQuery): Promise<ReportResult> => {
    queries.push(query);
    const window = {
      from: FROM,
      to: FROM + WEEK,
      previousFrom: FROM - WEEK,
      timeZone: 'UTC', // The window above is in UTC whatever was asked.
    };
    return {
      kind: query.kind,
      ...window,
      groupBy: query.groupBy ?? 'total',
      figures: query.kind === 'figures' ? [figures('support', 120, 110), figures('sales', 40, 31)] : [],
      volume:
        query.kind === 'volume'
          ? [
              { weekday: 1, hour: 9, contacts: 14 },
              { weekday: 1, hour: 10, contacts: 20 },
              { weekday: 3, hour: 14, contacts: 6 },
            ]
          : [],
      problems:
        query.kind === 'problems'
          ? [{ dimension: 'topic', key: 'billing', contacts: 18, previous: 12, change: 0.5 }]
          : [],
    };
  };
  return { session: { ...fake, runReport }, queries };
}

describe('<ReportsPanel>', () => {
  before(adoptStyles);
  afterEach(cleanup);

  it('runs the week of the chosen date grouped by queue, shows a table and a chart, and exports its CSV', async () => {
    const { session, queries } = reportingSupervisor();
    const exported: string[] = [];
    const { container } = mount(
      <HelplineProvider supervisor={session} queues={QUEUES}>
        <ReportsPanel
          timeZone="Europe/Brussels"
          initialDate="2026-12-02"
          onExport={(csv) => exported.push(csv)}
        />
      </HelplineProvider>,
    );
    await waitForUi(
      () => container.querySelector('[data-report="figures"] tbody tr') !== null,
      'the figures',
    );
    assert.deepInclude(queries[0], {
      kind: 'figures',
      period: 'week',
      groupBy: 'queue',
      timeZone: 'Europe/Brussels',
    });
    assert.strictEqual(new Date(queries[0]?.at ?? 0).toISOString().slice(0, 10), '2026-12-02');

    assert.strictEqual(
      container.querySelector('.helpline-reports__window')?.textContent?.replace(/\s/g, ' '),
      'Nov 30 – Dec 6, 2026',
    );
    const table = container.querySelector<HTMLTableElement>('[data-report="figures"]');
    assert.strictEqual(table?.caption?.textContent, 'Contacts by Queue');
    const headers = [...(table?.tHead?.rows[0]?.cells ?? [])];
    assert.ok(headers.every((cell) => cell.getAttribute('scope') === 'col'));
    assert.include(
      headers.map((cell) => cell.textContent),
      'Avg. speed of answer (m:ss)',
    );
    const support = byText<HTMLTableRowElement>(container, '[data-report="figures"] tbody tr', 'Support');
    assert.deepStrictEqual(
      [...support.cells].slice(0, 8).map((cell) => cell.textContent),
      ['Support', '120', '110', '10', '92%', '80%', '0:42', '4:05'],
    );
    assert.strictEqual(getComputedStyle(support.cells[1] as Element).textAlign, 'end', 'numbers at the end');
    assert.strictEqual(
      container.querySelectorAll('.helpline-reports .helpline-counts__item').length,
      2,
      'one bar per queue',
    );

    await click(byText(container, 'button', 'Export CSV'));
    await waitForUi(() => exported.length === 1, 'the CSV');
    assert.strictEqual(exported[0]?.split('\r\n')[0]?.split(',')[0], 'queue');
    assert.match(exported[0] ?? '', /\r\nsupport,120,0,120,110,10,/);
    await assertAccessible(container);

    // Volume: the weekday × hour table, only the hours that had contacts.
    await choose(byLabel(container, 'Report'), 'volume');
    await waitForUi(() => container.querySelector('[data-report="volume"]') !== null, 'the volume');
    assert.isUndefined(queries.at(-1)?.groupBy, 'volume is not grouped');
    const monday = byText<HTMLTableRowElement>(container, '[data-report="volume"] tbody tr', 'Mon');
    assert.deepStrictEqual(
      [...monday.cells].map((cell) => cell.textContent),
      ['Mon', '14', '20', '0', '0', '0', '0'],
    );
    assert.strictEqual(monday.cells[2]?.dataset.level, '4');
    await assertAccessible(container);

    await choose(byLabel(container, 'Report'), 'problems');
    await waitForUi(() => container.querySelector('[data-report="problems"]') !== null, 'the problems');
    const billing = byText<HTMLTableRowElement>(container, '[data-report="problems"] tbody tr', 'billing');
    assert.deepStrictEqual(
      [...billing.cells].map((cell) => cell.textContent),
      ['billing', 'Topic', '18', '12', '+50%'],
    );
    await choose(byLabel(container, 'Period'), 'month');
    await waitForUi(() => queries.at(-1)?.period === 'month', 'the month');
    await assertAccessible(container);
  });

  it('shows a server without stored history refusing reports in Dutch, on the board', async () => {
    const world = createWorld();
    try {
      const { container } = mount(
        <HelplineProvider supervisor={world.supervisor()} queues={QUEUES} locale="nl">
          <SupervisorBoard />
        </HelplineProvider>,
      );
      await waitForUi(
        () => container.querySelector('.helpline-reports .helpline-error') !== null,
        'the refusal',
        15_000,
      );
      const status = container.querySelector('.helpline-reports__status');
      assert.strictEqual(status?.getAttribute('aria-live'), 'polite');
      assert.strictEqual(
        status?.textContent,
        'Rapporten hebben de opgeslagen geschiedenis van de server nodig; deze server bewaart die niet.',
      );
      assert.strictEqual(container.querySelector('.helpline-reports h2')?.textContent, 'Rapporten');
      assert.ok(byLabel(container, 'Groeperen per'), 'the grouping picker in Dutch');
      assert.isNull(container.querySelector('.helpline-reports .helpline-export'), 'nothing to export');
      await assertAccessible(container);
    } finally {
      world.close();
    }
  });
});
