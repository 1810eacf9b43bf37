/// <reference types="mocha" />
import { DEFAULT_SURVEY, type Queue } from '@helpline/core';
import { supportQueue } from '@helpline/core/testing';
import { assert } from 'chai';
import { act } from 'react';
import { CustomerCard } from '../components/CustomerCard';
import { HelplineProvider } from '../context/HelplineContext';
import {
  acceptChat,
  assertAccessible,
  cleanup,
  createWorld,
  mount,
  QUEUES,
  type World,
  waitForUi,
} from '../testing/harness';
import { KpiPanel } from './KpiPanel';

// The console side of the survey: a visitor's rating and NPS answer reach the supervisor's KPIs (with the number of
// answers) and the agent's view of the customer's history.

const npsSupport: Queue = { ...supportQueue, survey: { ...DEFAULT_SURVEY, nps: true } };
const queues = QUEUES.map((queue) => (queue.id === 'support' ? npsSupport : queue));

let world: World;
beforeEach(() => {
  world = createWorld(queues);
});
afterEach(() => {
  cleanup();
  world.close();
});

/** A chat Alice handled for Ada, ended, wrapped up and rated by Ada; returns its id. */
async function ratedChat(score: 1 | 2 | 3 | 4 | 5, nps?: number) {
  const agent = world.agent();
  await act(async () => {
    await agent.setPresence('available');
  });
  const visitor = world.visitor();
  const cid = await acceptChat(agent, visitor);
  await act(async () => {
    await agent.end(cid);
    await agent.wrapUp(cid, { disposition: 'resolved' });
    await visitor.rate(score, undefined, nps);
  });
  return { cid, agent, visitor };
}

describe('survey results in the console', () => {
  it("shows today's CSAT and NPS with their number of answers on the supervisor's KPI panel", async () => {
    await ratedChat(4, 9);
    const supervisor = world.supervisor();
    await act(async () => {
      await supervisor.refresh();
    });
    const { container } = mount(
      <HelplineProvider supervisor={supervisor} queues={queues}>
        <KpiPanel />
      </HelplineProvider>,
    );
    const kpi = (name: string) => container.querySelector(`[data-kpi="${name}"]`);
    await waitForUi(() => kpi('nps') !== null, 'the KPI tiles');
    assert.strictEqual(kpi('csatAverage')?.querySelector('dd')?.textContent, '4 / 5');
    assert.strictEqual(
      kpi('csatAverage')?.querySelector('.helpline-kpi__answers')?.textContent,
      'Answers: 1',
    );
    assert.strictEqual(kpi('nps')?.querySelector('dd')?.textContent, '+100');
    assert.strictEqual(kpi('nps')?.querySelector('.helpline-kpi__answers')?.textContent, 'Answers: 1');
    await assertAccessible(container);
  });

  it("shows the customer's rating and NPS answer in their history", async () => {
    const { cid: rated, agent, visitor } = await ratedChat(2, 6);
    const next = await acceptChat(agent, visitor);
    const customerId = agent.$interactions.get()[next]?.customer.id;
    const { container } = mount(
      <HelplineProvider agent={agent} queues={queues}>
        <CustomerCard customerId={customerId} />
      </HelplineProvider>,
    );
    await waitForUi(() => container.querySelectorAll('.helpline-contact').length === 2, 'two contacts');
    const earlier = [...container.querySelectorAll<HTMLElement>('.helpline-contact')][1];
    assert.strictEqual(
      earlier?.querySelector('.helpline-contact__rating')?.textContent,
      ' · Rated 2 / 5 · NPS 6',
    );
    assert.isNull(
      container.querySelectorAll('.helpline-contact')[0]?.querySelector('.helpline-contact__rating') ?? null,
      'the open contact has no answers yet',
    );
    assert.ok(world.hub.interaction(rated)?.csat?.nps === 6);
    await assertAccessible(container);
  });
});
