import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_CAPACITY } from '../agent/agent.types';
import { type HelplineError, isHelplineError } from '../protocol/errors';
import { createAgentSession } from '../session/agent.session';
import { createVisitorSession } from '../session/visitor.session';
import { createTestClock, flush, salesQueue, supportQueue, testAgent, waitFor } from '../testing';
import { createMemoryTransport } from '../transport/memory.transport';
import { devAuthenticate } from './dev-auth';
import { createMemoryEscalationStore } from './escalations.store';
import { createHub } from './hub';
import type { Subject } from './hub.types';

// Escalation to a team leader over a whole hub (docs/cases.md, "Escalation"): offered to the available team leaders
// of the queue one at a time, on the supervisor board when none is left, consulted on in a private thread, taken over
// (the agent's capacity comes back) or handed back with a note; cancelled when the interaction ends.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const OFFER_MS = 30_000;
const subject = (id: string, role: Subject['role'] = 'agent'): Subject => ({ id, role, name: id });
const alice = subject('alice');
const bob = subject('bob');
const tess = subject('tess');
const tom = subject('tom');
const sam = subject('sam', 'supervisor');
const vera = subject('v1', 'visitor');

/** Waits until an answer read from the hub holds (the hub's own work runs between tries). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await flush();
  }
  assert.fail(`timed out waiting for ${what}`);
}

const refusedWith = (code: HelplineError['code']) => (error: unknown) =>
  isHelplineError(error) && error.code === code;

async function world() {
  const clock = createTestClock();
  const store = createMemoryEscalationStore();
  const hub = createHub({
    queues: [supportQueue, salesQueue],
    agents: [
      // Alice has room for one chat: a takeover must give it back.
      testAgent('alice', { queueIds: ['support'], capacity: { ...DEFAULT_CAPACITY, chat: 1 } }),
      testAgent('bob', { queueIds: ['support'] }),
      // Team leaders of support who take no support chats of their own (they serve sales).
      testAgent('tess', { queueIds: ['sales'], leads: ['support'] }),
      testAgent('tom', { queueIds: ['sales'], leads: ['support'] }),
      testAgent('sam', { role: 'supervisor' }),
    ],
    authenticate: devAuthenticate,
    clock,
    escalations: { store, offerMs: OFFER_MS },
    logger: { error() {} },
  });
  cleanups.push(() => hub.close());
  const transport = createMemoryTransport({ hub });
  const base = { clock, random: () => 0.5, transport };
  const agentSession = async (id: string, available = true) => {
    const session = createAgentSession({ ...base, token: `dev:agent:${id}:${id}` });
    cleanups.push(() => session.close());
    if (available) await session.setPresence('available');
    else await session.setPresence('away', 'meeting');
    return session;
  };
  const a = await agentSession('alice');
  await agentSession('bob', false);
  /** A chat of visitor `id`, accepted by Alice. */
  const chatWithAlice = async (id = 'v1') => {
    const visitor = createVisitorSession({ ...base, token: `dev:visitor:${id}:${id}` });
    cleanups.push(() => visitor.close());
    const cid = await visitor.startChat({ queueId: 'support' });
    await waitFor(() => a.$offers.get()[cid] !== undefined, `${cid} offered to alice`);
    await a.accept(cid);
    await visitor.sendMessage('My refund is late');
    return { cid, visitor };
  };
  const state = async (id: string) =>
    (await hub.execute(sam, 'escalation.get', { escalationId: id })).escalation;
  return { clock, hub, store, alice: a, agentSession, chatWithAlice, state };
}

describe('escalation to a team leader', () => {
  it('is offered to the available team leaders one at a time, then waits on the board; a supervisor takes it', async () => {
    const w = await world();
    const t1 = await w.agentSession('tess');
    const t2 = await w.agentSession('tom');
    const { cid } = await w.chatWithAlice();
    const { escalation } = await w.hub.execute(alice, 'escalation.create', {
      cid,
      reason: 'Wants a refund above my limit, card 4111 1111 1111 1111',
    });
    assert.equal(escalation.state, 'offered');
    assert.equal(escalation.leaderId, 'tess', 'the team leader holding fewest escalations, then by id');
    assert.ok(!escalation.reason.includes('4111 1111'), 'the reason is redacted like every text');
    await t1.escalations.refresh();
    assert.equal(t1.escalations.$escalations.get()[0]?.id, escalation.id, "in tess's inbox");
    assert.deepEqual(t1.escalations.$leads.get(), ['support']);

    // Tess declines: Tom gets it.
    const declined = await w.hub.execute(tess, 'escalation.decline', { escalationId: escalation.id });
    assert.equal(declined.escalation.leaderId, 'tom');
    await waitFor(
      () => t2.escalations.$escalations.get().some((e) => e.id === escalation.id && e.state === 'offered'),
      'tom told of the offer',
    );
    // Tom lets it run out: nobody is left, it waits on the board.
    await w.clock.advance(OFFER_MS + 1);
    await eventually(async () => (await w.state(escalation.id)).state === 'waiting', 'back on the board');
    const board = await w.hub.execute(sam, 'supervisor.snapshot', {});
    assert.deepEqual(board.escalations, { waiting: 1, offered: 0, accepted: 0 });
    // From the board, a supervisor takes it.
    const taken = await w.hub.execute(sam, 'escalation.accept', { escalationId: escalation.id });
    assert.equal(taken.escalation.state, 'accepted');
    assert.equal(taken.escalation.leaderId, 'sam');
    const audit = (await w.store.audit(escalation.id)).map((e) => `${e.type}:${e.actorId}`);
    assert.deepEqual(audit, [
      'CREATE:alice',
      'OFFER:system',
      'DECLINE:tess',
      'OFFER:system',
      'OFFER_TIMEOUT:system',
      'BOARD:system',
      'ACCEPT:sam',
    ]);
  });

  it('with no team leader available it goes straight to the board', async () => {
    const w = await world();
    await w.agentSession('tess', false);
    const { cid } = await w.chatWithAlice();
    const { escalation } = await w.hub.execute(alice, 'escalation.create', { cid, reason: 'Legal threat' });
    assert.equal(escalation.state, 'waiting');
    assert.equal(escalation.offers, 0);
    assert.ok(escalation.boardedAt !== undefined, 'recorded as having reached the board');
    // A team leader of the queue sees it in their inbox and may take it.
    const list = await w.hub.execute(tess, 'escalation.list', {});
    assert.ok(list.escalations.some((e) => e.id === escalation.id));
    const accepted = await w.hub.execute(tess, 'escalation.accept', { escalationId: escalation.id });
    assert.equal(accepted.escalation.leaderId, 'tess');
  });

  it('the team leader reads the history, consults the agent, and takes the chat over: the agent gets her room back', async () => {
    const w = await world();
    const t1 = await w.agentSession('tess');
    const { cid } = await w.chatWithAlice();
    const { escalation } = await w.hub.execute(alice, 'escalation.create', {
      cid,
      reason: 'Refund over limit',
    });
    await w.hub.execute(tess, 'escalation.accept', { escalationId: escalation.id });
    // The private thread: both write, the customer never sees it.
    await w.hub.execute(tess, 'escalation.message', {
      escalationId: escalation.id,
      text: 'What did you offer?',
    });
    await w.hub.execute(alice, 'escalation.message', { escalationId: escalation.id, text: 'A 10% voucher' });
    await waitFor(() => w.alice.escalations.$lastMessage.get()[escalation.id] !== undefined, 'alice told');
    const detail = await w.hub.execute(tess, 'escalation.get', { escalationId: escalation.id });
    assert.deepEqual(
      detail.messages.map((m) => `${m.authorId}: ${m.text}`),
      ['tess: What did you offer?', 'alice: A 10% voucher'],
    );
    assert.ok(
      detail.history.some((e) => e.ev.type === 'message' && e.ev.text === 'My refund is late'),
      'the conversation so far',
    );
    // Bob, another agent, reads nothing of it.
    await assert.rejects(
      w.hub.execute(bob, 'escalation.get', { escalationId: escalation.id }),
      refusedWith('not-found'),
    );
    // Tom leads the queue too: he reads the escalation, not the thread between Tess and Alice.
    const byTom = await w.hub.execute(tom, 'escalation.get', { escalationId: escalation.id });
    assert.equal(byTom.escalation.id, escalation.id);
    assert.deepEqual(byTom.messages, []);

    const taken = await w.hub.execute(tess, 'escalation.takeover', { escalationId: escalation.id });
    assert.equal(taken.escalation.state, 'taken-over');
    assert.equal(w.hub.interaction(cid)?.agentId, 'tess');
    assert.equal(w.hub.interaction(cid)?.state, 'active');
    const mine = await w.hub.execute(tess, 'agent.snapshot', {});
    assert.deepEqual(
      mine.interactions.map((i) => i.id),
      [cid],
    );
    const hers = await w.hub.execute(alice, 'agent.snapshot', {});
    assert.deepEqual(hers.interactions, [], 'alice is released');
    // Her one chat of room is back: the next support chat is offered to her.
    const visitor2 = createVisitorSession({
      clock: w.clock,
      random: () => 0.5,
      transport: createMemoryTransport({ hub: w.hub }),
      token: 'dev:visitor:v2:v2',
    });
    cleanups.push(() => visitor2.close());
    const next = await visitor2.startChat({ queueId: 'support' });
    await waitFor(() => w.alice.$offers.get()[next] !== undefined, 'the next chat offered to alice');
    // Tess writes to the customer as the chat's agent now.
    await t1.sendMessage(cid, 'Hello, I am the team leader.');
  });

  it('hands back with a note: the chat stays with the agent', async () => {
    const w = await world();
    await w.agentSession('tess');
    const { cid } = await w.chatWithAlice();
    const { escalation } = await w.hub.execute(alice, 'escalation.create', {
      cid,
      reason: 'Unsure of policy',
    });
    await w.hub.execute(tess, 'escalation.accept', { escalationId: escalation.id });
    await assert.rejects(
      w.hub.execute(tom, 'escalation.handback', { escalationId: escalation.id, note: 'mine' }),
      refusedWith('auth/forbidden'),
      'another team leader of the queue does not act on an escalation tess holds',
    );
    const back = await w.hub.execute(tess, 'escalation.handback', {
      escalationId: escalation.id,
      note: 'Policy allows a full refund',
    });
    assert.equal(back.escalation.state, 'handed-back');
    assert.equal(back.escalation.note, 'Policy allows a full refund');
    assert.equal(w.hub.interaction(cid)?.agentId, 'alice');
    await waitFor(
      () => w.alice.escalations.$escalations.get().some((e) => e.state === 'handed-back'),
      'alice told of the hand-back',
    );
  });

  it('a case is escalated by its assignee and taken over: the case is reassigned', async () => {
    const w = await world();
    await w.agentSession('tess');
    const { cid } = await w.chatWithAlice();
    const { case: opened } = await w.hub.execute(alice, 'case.create', { cid, subject: 'Refund' });
    await assert.rejects(
      w.hub.execute(bob, 'escalation.create', { caseId: opened.id, reason: 'not mine' }),
      refusedWith('not-found'),
      'only the assignee escalates a case',
    );
    const { escalation } = await w.hub.execute(alice, 'escalation.create', {
      caseId: opened.id,
      reason: 'VIP',
    });
    assert.deepEqual(escalation.target, { kind: 'case', id: opened.id });
    await w.hub.execute(tess, 'escalation.accept', { escalationId: escalation.id });
    const detail = await w.hub.execute(tess, 'escalation.get', { escalationId: escalation.id });
    assert.equal(detail.case?.id, opened.id);
    await w.hub.execute(tess, 'escalation.takeover', { escalationId: escalation.id });
    const { case: after } = await w.hub.execute(sam, 'case.get', { caseId: opened.id });
    assert.equal(after.assigneeId, 'tess');
  });

  it('is cancelled when the interaction ends; one open escalation per interaction', async () => {
    const w = await world();
    const { cid, visitor } = await w.chatWithAlice();
    const { escalation } = await w.hub.execute(alice, 'escalation.create', { cid, reason: 'Abusive' });
    await assert.rejects(
      w.hub.execute(alice, 'escalation.create', { cid, reason: 'Again' }),
      refusedWith('conflict/state'),
    );
    await visitor.endChat();
    await eventually(async () => (await w.state(escalation.id)).state === 'cancelled', 'cancelled');
  });

  it('two escalations of one interaction sent at once: one is opened, the other refused', async () => {
    const w = await world();
    const { cid } = await w.chatWithAlice();
    const results = await Promise.allSettled([
      w.hub.execute(alice, 'escalation.create', { cid, reason: 'First tab' }),
      w.hub.execute(alice, 'escalation.create', { cid, reason: 'Second tab' }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    assert.ok(refusedWith('conflict/state')((results[1] as PromiseRejectedResult).reason));
    const listed = await w.hub.execute(sam, 'escalation.list', {});
    assert.equal(listed.escalations.filter((e) => e.target.id === cid).length, 1);
  });

  it('refuses team-leader actions to agents and visitors, and escalating work that is not yours', async () => {
    const w = await world();
    const { cid } = await w.chatWithAlice();
    const { escalation } = await w.hub.execute(alice, 'escalation.create', { cid, reason: 'Help' });
    for (const op of ['escalation.accept', 'escalation.decline', 'escalation.takeover'] as const) {
      await assert.rejects(
        w.hub.execute(bob, op, { escalationId: escalation.id }),
        refusedWith('auth/forbidden'),
        `${op} by an agent who leads no queue`,
      );
      await assert.rejects(
        w.hub.execute(vera, op, { escalationId: escalation.id }),
        refusedWith('auth/forbidden'),
        `${op} by a visitor`,
      );
    }
    await assert.rejects(
      w.hub.execute(alice, 'escalation.accept', { escalationId: escalation.id }),
      refusedWith('auth/forbidden'),
      'an agent does not accept her own escalation',
    );
    await assert.rejects(
      w.hub.execute(bob, 'escalation.create', { cid, reason: 'Not my chat' }),
      refusedWith('not-found'),
    );
    await assert.rejects(
      w.hub.execute(vera, 'escalation.create', { cid, reason: 'Manager!' }),
      refusedWith('auth/forbidden'),
    );
    await assert.rejects(
      w.hub.execute(alice, 'escalation.report', { period: 'month' }),
      refusedWith('auth/forbidden'),
    );
    await assert.rejects(
      w.hub.execute(alice, 'escalation.create', { cid, caseId: 'c', reason: 'both' }),
      refusedWith('validation/field'),
    );
  });
});
