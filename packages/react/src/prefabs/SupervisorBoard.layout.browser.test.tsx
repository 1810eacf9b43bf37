/// <reference types="mocha" />
import { assert } from 'chai';
import { HelplineProvider } from '../context/HelplineContext';
import {
  adoptStyles,
  assertAccessible,
  cleanup,
  createFakeSupervisor,
  kpiReport,
  mount,
  QUEUES,
} from '../testing/harness';
import { SupervisorBoard } from './SupervisorBoard';

/** Elements wider than the room they are in: what a reader would have to scroll sideways for. */
function overflowing(root: HTMLElement): string[] {
  const right = root.getBoundingClientRect().right + 0.5;
  return [...root.querySelectorAll<HTMLElement>('*')]
    .filter((element) => element.getBoundingClientRect().right > right)
    .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
}

describe('<SupervisorBoard> layout', () => {
  before(adoptStyles);
  afterEach(cleanup);

  it('fits a 360 px phone: KPI tiles two by two, tables and presence pickers inside the screen', async () => {
    const now = Date.now();
    const queue = (queueId: string, name: string) => ({
      queueId,
      name,
      waiting: 0,
      offered: 0,
      slaTargetSeconds: 30,
      open: true,
    });
    const agent = (agentId: string, name: string) => ({
      agentId,
      name,
      presence: 'away' as const,
      reason: 'supervisor',
      since: now - 60_000,
      interactions: [
        { cid: `c-${agentId}`, channel: 'chat', state: 'active', since: now, customerName: 'Noor de Vries' },
      ],
    });
    const fake = createFakeSupervisor(
      {
        queues: [queue('support', 'Support'), queue('sales', 'Sales')],
        agents: [agent('alice', 'Alice'), agent('bob', 'Bob')],
        waiting: [],
      },
      kpiReport({ queued: 4, answered: 3, abandoned: 1, answerRate: 0.75, abandonmentRate: 0.25 }),
    );
    const { container } = mount(
      <HelplineProvider supervisor={fake} queues={QUEUES}>
        <SupervisorBoard />
      </HelplineProvider>,
    );
    container.classList.add('phone-360');
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('.phone-360 { width: 360px; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

    const tiles = container.querySelector('.helpline-kpis__list');
    assert.isNotNull(tiles);
    assert.strictEqual(getComputedStyle(tiles as Element).gridTemplateColumns.split(' ').length, 2);
    assert.deepEqual(overflowing(container), []);
    await assertAccessible(container);
  });
});
