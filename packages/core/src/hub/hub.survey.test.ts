import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isHelplineError } from '../protocol/errors';
import type { Queue, SurveyPolicy } from '../queue/queue.types';
import { DEFAULT_SURVEY } from '../queue/survey';
import { createAgentSession } from '../session/agent.session';
import { createSupervisorSession } from '../session/supervisor.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createHub } from './hub';

// The survey after a contact: CSAT, then NPS where the queue asks it, within the queue's window; late, repeated
// and unasked answers are refused with typed errors and change nothing.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const HOUR = 3_600_000;

function setup(survey: Partial<SurveyPolicy> | undefined) {
  const clock = createTestClock();
  const queue: Queue = survey ? { ...supportQueue, survey: { ...DEFAULT_SURVEY, ...survey } } : supportQueue;
  const hub = createHub({
    queues: [queue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock,
    // Long pings keep tests that move the clock by hours fast.
    heartbeatMs: 24 * HOUR,
  });
  const transport = createMemoryTransport({ hub });
  const base = { clock, random: () => 0.5, transport };
  const track = <T extends { close(): void }>(session: T): T => {
    cleanups.push(() => session.close());
    return session;
  };
  const visitor = track(createVisitorSession({ ...base, token: 'dev:visitor:v1:Ada' }));
  const alice = track(createAgentSession({ ...base, token: 'dev:agent:alice:Alice' }));
  const supervisor = track(
    createSupervisorSession({ ...base, token: 'dev:supervisor:sam:Sam', kpisFrom: () => 0 }),
  );
  cleanups.push(() => hub.close());

  /** A chat answered by Alice and ended by her. */
  async function endedChat(channel: 'chat' | 'voice' = 'chat'): Promise<string> {
    await alice.setPresence('available');
    const cid = await visitor.startChat({ channel });
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await clock.advance(5_000);
    await alice.accept(cid);
    // A browser call without media fails after 30 s: the agent hangs up before that.
    await clock.advance(channel === 'voice' ? 1_000 : 60_000);
    await alice.end(cid);
    return cid;
  }
  return { clock, hub, visitor, alice, supervisor, endedChat };
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; field?: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isHelplineError(error), String(error));
    return { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };
  }
  assert.fail('expected a refusal');
}

describe('surveys after a contact', () => {
  it('tells the visitor what the queue will ask: CSAT only by default', async () => {
    const { visitor, endedChat } = setup(undefined);
    await endedChat();
    assert.deepEqual(visitor.$interaction.get()?.survey, { csat: true, nps: false, windowHours: 24 });
  });

  it('records CSAT with NPS when the queue asks NPS, for the agent, the store and the KPIs', async () => {
    const { hub, visitor, alice, supervisor, endedChat } = setup({ nps: true });
    const cid = await endedChat();
    assert.equal(visitor.$interaction.get()?.survey?.nps, true);
    await visitor.rate(4, 'Quick', 9);
    assert.deepEqual(hub.interaction(cid)?.csat, { score: 4, comment: 'Quick', nps: 9 });
    // Both parties fold the answer from the conversation's log.
    await waitFor(() => visitor.$interaction.get()?.csat?.nps === 9, "the visitor's view");
    await waitFor(() => alice.$conversations.get()[cid]?.interaction?.csat?.nps === 9, "the agent's view");
    const { kpis } = await supervisor.refresh();
    assert.equal(kpis.csatResponses, 1);
    assert.equal(kpis.npsResponses, 1);
    assert.equal(kpis.nps, 100);
  });

  it('asks web callers the same survey after a call', async () => {
    const { hub, visitor, endedChat } = setup({ nps: true });
    const cid = await endedChat('voice');
    assert.equal(hub.interaction(cid)?.channel, 'voice');
    await visitor.rate(2, undefined, 3);
    assert.deepEqual(hub.interaction(cid)?.csat, { score: 2, nps: 3 });
  });

  it('refuses a repeated answer with conflict/state and keeps the first', async () => {
    const { hub, visitor, endedChat } = setup({ nps: true });
    const cid = await endedChat();
    await visitor.rate(5, undefined, 10);
    const refused = await refusal(visitor.rate(1, 'changed my mind', 0));
    assert.equal(refused.code, 'conflict/state');
    assert.match(refused.message, /rated/);
    assert.deepEqual(hub.interaction(cid)?.csat, { score: 5, nps: 10 });
  });

  it('refuses a late answer with survey/closed after the queue window, and accepts one just inside it', async () => {
    const late = setup({ nps: true, windowHours: 2 });
    const cid = await late.endedChat();
    await late.clock.advance(2 * HOUR + 1);
    const refused = await refusal(late.visitor.rate(4, undefined, 8));
    assert.equal(refused.code, 'survey/closed');
    assert.match(refused.message, /closed 2 h after it ended/);
    assert.equal(late.hub.interaction(cid)?.csat, undefined);
    assert.equal((await late.supervisor.refresh()).kpis.npsResponses, 0);

    const inTime = setup({ nps: true, windowHours: 2 });
    const other = await inTime.endedChat();
    await inTime.clock.advance(2 * HOUR);
    await inTime.visitor.rate(4, undefined, 8);
    assert.deepEqual(inTime.hub.interaction(other)?.csat, { score: 4, nps: 8 });
  });

  it('closes the default window after 24 hours', async () => {
    const { visitor, clock, endedChat } = setup(undefined);
    await endedChat();
    await clock.advance(24 * HOUR + 1_000);
    assert.equal((await refusal(visitor.rate(3))).code, 'survey/closed');
  });

  it('refuses NPS where the queue does not ask it, and any answer where the queue asks nothing', async () => {
    const noNps = setup(undefined);
    const cid = await noNps.endedChat();
    const refused = await refusal(noNps.visitor.rate(4, undefined, 9));
    assert.equal(refused.code, 'survey/not-asked');
    assert.equal(refused.field, 'nps');
    assert.equal(noNps.hub.interaction(cid)?.csat, undefined, 'nothing recorded');
    await noNps.visitor.rate(4);
    assert.deepEqual(noNps.hub.interaction(cid)?.csat, { score: 4 });

    const none = setup({ csat: false });
    await none.endedChat();
    assert.equal(none.visitor.$interaction.get()?.survey?.csat, false);
    assert.equal((await refusal(none.visitor.rate(5))).code, 'survey/not-asked');
  });

  it('refuses an answer before the end with conflict/state', async () => {
    const { visitor, alice } = setup({ nps: true });
    await alice.setPresence('available');
    const cid = await visitor.startChat({});
    await waitFor(() => alice.$offers.get()[cid] !== undefined, 'offered');
    await alice.accept(cid);
    assert.equal((await refusal(visitor.rate(5, undefined, 9))).code, 'conflict/state');
  });

  it('counts nothing for a skipped survey', async () => {
    const { supervisor, endedChat } = setup({ nps: true });
    await endedChat();
    const { kpis } = await supervisor.refresh();
    assert.equal(kpis.csatResponses, 0);
    assert.equal(kpis.npsResponses, 0);
    assert.equal(kpis.nps, undefined);
  });
});
