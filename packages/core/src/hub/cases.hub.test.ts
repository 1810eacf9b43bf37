import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HelplineError } from '../protocol/errors';
import { isHelplineError } from '../protocol/errors';
import { validateCommandArgs } from '../protocol/protocol.commands';
import type { CommandArgs, Notice } from '../protocol/protocol.types';
import { createTestClock, type TestClock } from '../testing';
import { relationOf } from './access';
import type { StaffCallbackRequest } from './callbacks.hub';
import { type CaseSlaWarning, type CasesHubDeps, createCasesHub } from './cases.hub';
import { type CaseStore, createMemoryCaseStore } from './cases.store';
import type { InteractionStepped } from './conversation.log';
import type { Subject } from './hub.types';
import { callerOf, liveOver, waitingChat } from './live.testing';
import { createMemoryStorage } from './memory.storage';
import { createHubTimers } from './timers.hub';

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };
const bob: Subject = { id: 'bob', role: 'agent', name: 'Bob' };
const sue: Subject = { id: 'sue', role: 'supervisor', name: 'Sue' };
const HOUR = 3_600_000;

function setup() {
  const clock = createTestClock();
  const live = liveOver(clock, createMemoryStorage());
  // Vera's chat with Alice (queue support) and a later email of hers, waiting in the same queue.
  const chat = waitingChat('c1', clock.now(), 'v1');
  chat.interaction = { ...chat.interaction, agentId: 'alice', state: 'active' };
  live.remember(chat);
  live.remember(waitingChat('c2', clock.now(), 'v1'));
  live.remember(waitingChat('other', clock.now(), 'v9'));
  const store = createMemoryCaseStore();
  const queues: Record<string, ReadonlySet<string>> = {
    alice: new Set(['support']),
    bob: new Set(['sales']),
  };
  const cases = createCasesHub({
    clock,
    store,
    load: async (cid) => live.get(cid),
    relationTo: (subject, current) =>
      relationOf(subject, current.interaction, { offered: false, queuesOf: (agentId) => queues[agentId] }),
    queuesOf: (agentId) => queues[agentId],
    reportFailure: (what, error) => assert.fail(`${what}: ${String(error)}`),
  });
  return { clock, live, cases, store };
}

/** The step of Vera's message `seq` on `cid`, as the log tells the cases (seq 1: the step that began `cid`). */
const veraWrote = (live: ReturnType<typeof setup>['live'], clock: TestClock, cid: string, seq: number) =>
  ({
    current: live.get(cid),
    stored: [
      {
        cid,
        seq,
        at: clock.now(),
        ev: { type: 'message', id: `m${seq}`, cid, from: { id: 'v1', role: 'visitor', name: 'Vera' } },
      },
    ],
  }) as unknown as InteractionStepped;

/** Counts the store's lookups of an interaction's cases from now on. */
function countLookups(store: ReturnType<typeof setup>['store']): () => number {
  let lookups = 0;
  const original = store.ofInteraction.bind(store);
  store.ofInteraction = async (cid) => {
    lookups++;
    return original(cid);
  };
  return () => lookups;
}

/** Lets the cases' work after a step (lookups, saves) finish. */
const settle = async () => {
  for (let round = 0; round < 20; round += 1) await new Promise((resolve) => setImmediate(resolve));
};

const refusedWith = (code: HelplineError['code']) => (error: unknown) =>
  isHelplineError(error) && error.code === code;

describe('cases hub', () => {
  it('an agent opens a case from her chat: the customer, queue and first contact come from the interaction', async () => {
    const { cases } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund for order 42',
      priority: 'high',
    });
    assert.equal(created.customerId, 'v1');
    assert.equal(created.queueId, 'support');
    assert.equal(created.status, 'open');
    assert.equal(created.assigneeId, 'alice');
    assert.deepEqual(created.interactionIds, ['c1']);
    assert.equal(created.sla.standing, 'on-track');
    assert.deepEqual(
      await cases.openCaseIds('v1', alice),
      [created.id],
      'her next contact is offered the open case',
    );
    assert.deepEqual(await cases.openCaseIds('v1', bob), [], 'not to an agent of another queue');
  });

  it('visitors are refused; an agent of another queue is told the case does not exist; supervisors see all', async () => {
    const { cases } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    await assert.rejects(
      cases.handlers['case.get'](callerOf(vera), { caseId: created.id }),
      refusedWith('auth/forbidden'),
    );
    await assert.rejects(
      cases.handlers['case.create'](callerOf(vera), { cid: 'c1', subject: 'x' }),
      refusedWith('auth/forbidden'),
    );
    for (const attempt of [
      cases.handlers['case.get'](callerOf(bob), { caseId: created.id }),
      cases.handlers['case.update'](callerOf(bob), { caseId: created.id, event: 'SOLVE' }),
      cases.handlers['case.note'](callerOf(bob), { caseId: created.id, text: 'mine now' }),
      cases.handlers['case.link'](callerOf(bob), { caseId: created.id, cid: 'c2' }),
      cases.handlers['case.create'](callerOf(bob), { cid: 'c1', subject: 'x' }),
    ])
      await assert.rejects(attempt, refusedWith('not-found'));
    assert.deepEqual((await cases.handlers['case.list'](callerOf(bob), { customerId: 'v1' })).cases, []);
    assert.equal((await cases.handlers['case.list'](callerOf(sue), { customerId: 'v1' })).cases.length, 1);
    await assert.rejects(
      cases.handlers['case.update'](callerOf(alice), { caseId: created.id, queueId: 'sales' }),
      refusedWith('auth/forbidden'),
    );
  });

  it('status changes go through the machine: an illegal one is refused and nothing changes', async () => {
    const { cases, store } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    await assert.rejects(
      cases.handlers['case.update'](callerOf(alice), { caseId: created.id, event: 'CLOSE' }),
      refusedWith('conflict/state'),
    );
    const { case: solved } = await cases.handlers['case.update'](callerOf(alice), {
      caseId: created.id,
      event: 'SOLVE',
      tags: ['refund'],
      assigneeId: null,
    });
    assert.equal(solved.status, 'solved');
    assert.deepEqual(solved.tags, ['refund']);
    assert.equal(solved.assigneeId, undefined);
    assert.deepEqual(
      (await store.audit(created.id)).map((entry) => entry.type),
      ['CREATE', 'UPDATE', 'SOLVE'],
    );
  });

  it('internal notes are kept with the case and read back by staff only', async () => {
    const { cases } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    const { note } = await cases.handlers['case.note'](callerOf(alice), {
      caseId: created.id,
      text: 'Called bank',
    });
    const read = await cases.handlers['case.get'](callerOf(sue), { caseId: created.id });
    assert.deepEqual(read.notes, [note]);
    assert.equal(note.authorId, 'alice');
  });

  it('linking another interaction of the customer; one of another customer is refused', async () => {
    const { cases } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    const { case: linked } = await cases.handlers['case.link'](callerOf(alice), {
      caseId: created.id,
      cid: 'c2',
    });
    assert.deepEqual(linked.interactionIds, ['c1', 'c2']);
    assert.equal(linked.contacts, 2);
    await assert.rejects(
      cases.handlers['case.link'](callerOf(alice), { caseId: created.id, cid: 'other' }),
      refusedWith('validation/field'),
    );
  });

  it("the customer's message on a linked interaction reopens a solved case", async () => {
    const { cases, live, clock, store } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    await cases.handlers['case.update'](callerOf(alice), { caseId: created.id, event: 'SOLVE' });
    const current = live.get('c1');
    assert.ok(current);
    await clock.advance(HOUR);
    const stepped = {
      current,
      stored: [
        {
          cid: 'c1',
          seq: 5,
          at: clock.now(),
          ev: {
            type: 'message',
            id: 'm1',
            cid: 'c1',
            from: { id: 'v1', role: 'visitor', name: 'Vera' },
            text: 'still broken',
          },
        },
      ],
    } as unknown as InteractionStepped;
    cases.stepped(stepped);
    // The reopening is written after the step; wait for it by reading the audit trail it appends.
    for (let round = 0; round < 100 && (await store.audit(created.id)).length < 3; round += 1)
      await new Promise((resolve) => setImmediate(resolve));
    const { case: reopened } = await cases.handlers['case.get'](callerOf(alice), { caseId: created.id });
    assert.equal(reopened.status, 'open');
    assert.equal(reopened.reopenCount, 1);
    assert.equal(reopened.contacts, 2);
  });

  it("an interaction's cases are looked up once, not per message; a case linked later, even mid-lookup, is seen", async () => {
    const { cases, live, clock, store } = setup();
    const lookups: string[] = [];
    let holdLookup: Promise<void> | undefined;
    const original = store.ofInteraction.bind(store);
    store.ofInteraction = async (cid) => {
      lookups.push(cid);
      const records = await original(cid);
      await holdLookup;
      return records;
    };
    let seq = 10;
    const customerWrites = (cid: string) => cases.stepped(veraWrote(live, clock, cid, ++seq));
    for (let i = 0; i < 3; i += 1) customerWrites('c1');
    await settle();
    assert.equal(lookups.length, 1, 'three messages, one lookup');
    // A case opened (and solved) from the chat: the next message finds it and reopens it.
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    await cases.handlers['case.update'](callerOf(alice), { caseId: created.id, event: 'SOLVE' });
    customerWrites('c1');
    await settle();
    assert.equal((await store.get(created.id))?.snapshot.value, 'open', 'the message reopened the case');
    // Another case linked while a lookup (which found only the first) is still on its way: the stale answer is not kept.
    const { case: second } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c2',
      subject: 'Invoice',
    });
    await cases.handlers['case.update'](callerOf(alice), { caseId: second.id, event: 'SOLVE' });
    let release = () => {};
    holdLookup = new Promise((resolve) => {
      release = resolve;
    });
    const before = lookups.length;
    customerWrites('c2');
    await settle();
    assert.equal(lookups.length, before + 1, 'the lookup of c2 is under way');
    const { case: third } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c2',
      subject: 'Delivery',
    });
    await cases.handlers['case.update'](callerOf(alice), { caseId: third.id, event: 'SOLVE' });
    release();
    holdLookup = undefined;
    await settle();
    customerWrites('c2');
    await settle();
    assert.equal(
      (await store.get(third.id))?.snapshot.value,
      'open',
      'the case linked mid-lookup is reopened',
    );
  });

  it('an interaction a step began has no case: its messages look nothing up, until a case is linked', async () => {
    const { cases, live, clock, store } = setup();
    const lookups = countLookups(store);
    cases.stepped(veraWrote(live, clock, 'c1', 1));
    cases.stepped(veraWrote(live, clock, 'c1', 2));
    await settle();
    assert.equal(lookups(), 0, 'begun by the step (seq 1): no case can be linked yet');
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    await cases.handlers['case.update'](callerOf(alice), { caseId: created.id, event: 'SOLVE' });
    cases.stepped(veraWrote(live, clock, 'c1', 3));
    await settle();
    assert.equal(lookups(), 1, 'the case forgot what was known');
    assert.equal((await store.get(created.id))?.snapshot.value, 'open', 'and her message reopened it');
  });

  it('what it knows of interactions it began is bounded: the oldest is forgotten and looked up again', async () => {
    const { cases, live, clock, store } = setup();
    const lookups = countLookups(store);
    cases.stepped(veraWrote(live, clock, 'c1', 1));
    // Twenty thousand more interactions begin (a long-running server): each is known to have no case.
    for (let i = 0; i < 20_000; i += 1)
      cases.stepped({
        current: { interaction: { id: `later-${i}` } },
        stored: [{ cid: `later-${i}`, seq: 1, at: clock.now(), ev: { type: 'state', state: 'queued' } }],
      } as unknown as InteractionStepped);
    cases.stepped(veraWrote(live, clock, 'c1', 2));
    await settle();
    assert.equal(lookups(), 1, 'the first was forgotten, so its next message asks the store');
  });

  it("an agent's reply on a linked interaction is the case's first response: the target is met", async () => {
    const { cases, live, clock, store } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    const current = live.get('c1');
    assert.ok(current);
    await clock.advance(HOUR);
    const message = (seq: number, from: { id: string; role: string; name: string }) =>
      ({
        current,
        stored: [
          {
            cid: 'c1',
            seq,
            at: clock.now(),
            ev: { type: 'message', id: `m${seq}`, cid: 'c1', from, text: 'hello' },
          },
        ],
      }) as unknown as InteractionStepped;
    // The customer's message is no response; Alice's is, once: a later reply changes nothing.
    cases.stepped(message(5, { id: 'v1', role: 'visitor', name: 'Vera' }));
    cases.stepped(message(6, { id: 'alice', role: 'agent', name: 'Alice' }));
    for (let round = 0; round < 100 && (await store.audit(created.id)).length < 2; round += 1)
      await new Promise((resolve) => setImmediate(resolve));
    const repliedAt = clock.now();
    await clock.advance(HOUR);
    cases.stepped(message(7, { id: 'alice', role: 'agent', name: 'Alice' }));
    for (let round = 0; round < 20; round += 1) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      (await store.audit(created.id)).map((entry) => [entry.type, entry.actorId]),
      [
        ['CREATE', 'alice'],
        ['AGENT_REPLY', 'alice'],
      ],
    );
    assert.equal((await store.get(created.id))?.snapshot.context.firstResponseAt, repliedAt);
    const { case: read } = await cases.handlers['case.get'](callerOf(alice), { caseId: created.id });
    assert.equal(read.sla.firstResponse, 'met');
  });

  it('the SLA timer catches up when a case is read: a missed first response is recorded and shown', async () => {
    const { cases, clock } = setup();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    await clock.advance(7 * HOUR);
    assert.equal(
      (await cases.handlers['case.get'](callerOf(alice), { caseId: created.id })).case.sla.standing,
      'at-risk',
    );
    await clock.advance(2 * HOUR);
    const late = await cases.handlers['case.get'](callerOf(alice), { caseId: created.id });
    assert.equal(late.case.sla.firstResponse, 'breached');
  });
});

/** What a cases hub on the routing leader needs: Vera's chat with Alice (support), Bob in sales, timers on `clock`. */
function leaderHub(clock: TestClock, store: CaseStore) {
  const live = liveOver(clock, createMemoryStorage());
  const chat = waitingChat('c1', clock.now(), 'v1');
  chat.interaction = { ...chat.interaction, agentId: 'alice', state: 'active' };
  live.remember(chat);
  const queues: Record<string, ReadonlySet<string>> = {
    alice: new Set(['support']),
    bob: new Set(['sales']),
  };
  const reportFailure = (what: string, error: unknown) => assert.fail(`${what}: ${String(error)}`);
  const timers = createHubTimers({
    clock,
    serialized: (_cid, task) => task(),
    reportFailure,
    isClosed: () => false,
  });
  const deps: CasesHubDeps = {
    clock,
    store,
    load: async (cid) => live.get(cid),
    relationTo: (subject, current) =>
      relationOf(subject, current.interaction, { offered: false, queuesOf: (agentId) => queues[agentId] }),
    queuesOf: (agentId) => queues[agentId],
    reportFailure,
    timers: timers.group(),
  };
  return { deps, timers };
}

describe('case SLA timers (the routing leader’s, on a fake clock)', () => {
  /** A cases hub over `store` whose SLA timers run on `clock`, telling each warning to `told`. */
  function timedHub(
    clock: TestClock,
    store: CaseStore,
    told: CaseSlaWarning[],
    wire: { notices: [string, Notice][]; boardChanges: number } = { notices: [], boardChanges: 0 },
  ) {
    const { deps, timers } = leaderHub(clock, store);
    const cases = createCasesHub({
      ...deps,
      onSla: (warning) => told.push(warning),
      notify: (subjectId, notice) => wire.notices.push([subjectId, notice]),
      boardChanged: () => {
        wire.boardChanges += 1;
      },
    });
    return { cases, timers };
  }

  const summary = (told: readonly CaseSlaWarning[]) =>
    told.map((w) => `${w.kind} ${w.target} ${w.case.assigneeId ?? '-'}`);

  it('warns before each target falls due, records the breach when it does, once each', async () => {
    const clock = createTestClock();
    const store = createMemoryCaseStore();
    const told: CaseSlaWarning[] = [];
    const { cases } = timedHub(clock, store, told);
    const opened = clock.now();
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    // Default targets: first response in 8 hours (warning from 6 h 24 min), resolution in 3 days (from 57.6 h).
    await clock.advance(6 * HOUR + 23 * 60_000);
    assert.equal(told.length, 0);
    await clock.advance(60_000);
    assert.deepEqual(summary(told), ['at-risk first-response alice']);
    assert.equal(told[0]?.at, opened + 6.4 * HOUR);
    assert.equal(told[0]?.case.sla.firstResponse, 'at-risk', 'told as the case stands: at risk');
    await clock.advance(97 * 60_000);
    assert.deepEqual(summary(told).slice(1), ['breached first-response alice']);
    assert.equal(told[1]?.case.sla.firstResponse, 'breached');
    const stored = await store.get(created.id);
    assert.equal(stored?.snapshot.context.firstResponseBreached, true, 'the machine recorded the breach');
    assert.deepEqual(
      (await store.audit(created.id)).map((entry) => `${entry.type} ${entry.actorId}`),
      ['CREATE alice', 'SLA_DUE system'],
    );
    await clock.advance(72 * HOUR);
    assert.deepEqual(summary(told).slice(2), ['at-risk resolution alice', 'breached resolution alice']);
    await clock.advance(72 * HOUR);
    assert.equal(told.length, 4, 'nothing more to wait for');
  });

  it("warnings and breaches reach the assignee as notices and the supervisor board's list until solved", async () => {
    const clock = createTestClock();
    const wire = { notices: [] as [string, Notice][], boardChanges: 0 };
    const { cases } = timedHub(clock, createMemoryCaseStore(), [], wire);
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    assert.deepEqual(cases.slaBoard(), { atRisk: 0, breached: 0, cases: [] });
    await clock.advance(6.4 * HOUR);
    assert.deepEqual(
      wire.notices.map(([to, n]) => [
        to,
        n.type === 'case.sla' ? `${n.kind} ${n.target} ${n.case.id}` : n.type,
      ]),
      [['alice', `at-risk first-response ${created.id}`]],
    );
    assert.equal(
      wire.notices[0]?.[1].type === 'case.sla' && wire.notices[0][1].dueAt,
      clock.now() + 1.6 * HOUR,
    );
    let board = cases.slaBoard();
    assert.deepEqual([board.atRisk, board.breached, board.cases.map((k) => k.id)], [1, 0, [created.id]]);
    assert.equal(wire.boardChanges, 1, 'the supervisors are told to fetch the board again');
    await clock.advance(2 * HOUR);
    assert.deepEqual(
      wire.notices.map(([to, n]) => [to, n.type === 'case.sla' ? `${n.kind} ${n.target}` : n.type]).slice(1),
      [['alice', 'breached first-response']],
    );
    board = cases.slaBoard();
    assert.deepEqual([board.atRisk, board.breached], [0, 1]);
    assert.equal(board.cases[0]?.sla.standing, 'breached');
    // Reading the board from another's point of view changes nothing; solving the case takes it off.
    await cases.handlers['case.update'](callerOf(alice), { caseId: created.id, event: 'SOLVE' });
    assert.deepEqual(cases.slaBoard(), { atRisk: 0, breached: 0, cases: [] });
    assert.ok(wire.boardChanges >= 3);
    await clock.advance(80 * HOUR);
    assert.equal(wire.notices.length, 2, 'a solved case warns of nothing more');
  });

  it('an unassigned case is on the board but notifies nobody', async () => {
    const clock = createTestClock();
    const wire = { notices: [] as [string, Notice][], boardChanges: 0 };
    const { cases } = timedHub(clock, createMemoryCaseStore(), [], wire);
    const { case: created } = await cases.handlers['case.create'](callerOf(sue), {
      cid: 'c1',
      subject: 'Refund',
    });
    assert.equal(created.assigneeId, undefined);
    await clock.advance(9 * HOUR);
    assert.deepEqual(wire.notices, []);
    assert.deepEqual(
      cases.slaBoard().cases.map((k) => k.id),
      [created.id],
    );
  });

  it('an answer in time or a solved case disarms the timer', async () => {
    const clock = createTestClock();
    const told: CaseSlaWarning[] = [];
    const { cases } = timedHub(clock, createMemoryCaseStore(), told);
    const { case: created } = await cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    await clock.advance(HOUR);
    await cases.handlers['case.update'](callerOf(alice), { caseId: created.id, event: 'SOLVE' });
    await clock.advance(80 * HOUR);
    assert.equal(told.length, 0);
  });

  it('armed again after a restart or a takeover: a breach that fell due meanwhile is recorded and told once', async () => {
    const clock = createTestClock();
    const store = createMemoryCaseStore();
    const before: CaseSlaWarning[] = [];
    const first = timedHub(clock, store, before);
    const { case: created } = await first.cases.handlers['case.create'](callerOf(alice), {
      cid: 'c1',
      subject: 'Refund',
    });
    // The leader goes away with its timers before any falls due; time passes past the first-response target.
    first.timers.close();
    await clock.advance(9 * HOUR);
    assert.equal(before.length, 0);
    const after: CaseSlaWarning[] = [];
    const next = timedHub(clock, store, after);
    await next.cases.restore();
    await clock.advance(0);
    assert.deepEqual(
      summary(after),
      ['breached first-response alice'],
      'the missed warning is told as the breach',
    );
    assert.equal((await store.get(created.id))?.snapshot.context.firstResponseBreached, true);
    await clock.advance(63 * HOUR + 60_000);
    assert.deepEqual(summary(after).slice(1), ['at-risk resolution alice', 'breached resolution alice']);
    next.timers.close();
  });
});

describe('case follow-up tasks (the routing leader’s timers, on a fake clock)', () => {
  const MINUTE = 60_000;

  /** A cases hub over `store` whose timers run on `clock`; notices go to `notices`, callbacks booked to `booked`. */
  function taskHub(clock: TestClock, store: CaseStore) {
    const { deps, timers } = leaderHub(clock, store);
    const notices: [string, Notice][] = [];
    const booked: StaffCallbackRequest[] = [];
    const released: string[] = [];
    const cases = createCasesHub({
      ...deps,
      notify: (subjectId, notice) => notices.push([subjectId, notice]),
      placeCallback: async (request) => {
        booked.push(request);
        return { interactionId: `cb${booked.length}`, release: () => released.push(request.requestId) };
      },
    });
    const reminders = () => notices.filter(([, notice]) => notice.type === 'case.task');
    return { cases, timers, notices, reminders, booked, released };
  }

  async function openCase(cases: ReturnType<typeof taskHub>['cases']) {
    return (await cases.handlers['case.create'](callerOf(alice), { cid: 'c1', subject: 'Refund' })).case;
  }

  it('a reminder fires once at its due time, to the case’s assignee, and is done', async () => {
    const clock = createTestClock();
    const hub = taskHub(clock, createMemoryCaseStore());
    const kase = await openCase(hub.cases);
    const { task } = await hub.cases.handlers['case.task.add'](callerOf(alice), {
      caseId: kase.id,
      kind: 'reminder',
      dueAt: clock.now() + 30 * MINUTE,
      note: 'Check the refund arrived',
    });
    assert.equal(task.status, 'scheduled');
    await clock.advance(30 * MINUTE - 1);
    assert.equal(hub.reminders().length, 0, 'not before its time');
    await clock.advance(1);
    await clock.advance(0);
    assert.equal(hub.reminders().length, 1);
    const [to, notice] = hub.reminders()[0] ?? [];
    assert.equal(to, 'alice');
    assert.ok(notice?.type === 'case.task');
    assert.equal(notice.task.id, task.id);
    assert.equal(notice.task.status, 'done');
    assert.equal(notice.task.note, 'Check the refund arrived');
    assert.equal(notice.case.id, kase.id);
    await clock.advance(2 * HOUR);
    assert.equal(hub.reminders().length, 1, 'once');
    const read = await hub.cases.handlers['case.get'](callerOf(alice), { caseId: kase.id });
    assert.deepEqual(
      read.tasks.map((t) => [t.id, t.status, t.endedAt]),
      [[task.id, 'done', task.dueAt]],
    );
  });

  it('a callback task books a callback in the case’s queue for its number, linked to the case', async () => {
    const clock = createTestClock();
    const hub = taskHub(clock, createMemoryCaseStore());
    const kase = await openCase(hub.cases);
    const { task } = await hub.cases.handlers['case.task.add'](callerOf(alice), {
      caseId: kase.id,
      kind: 'callback',
      dueAt: clock.now() + HOUR,
      phone: '+31201234567',
    });
    await clock.advance(HOUR);
    await clock.advance(0);
    assert.deepEqual(hub.booked, [
      { customerId: 'v1', queueId: 'support', phone: '+31201234567', requestId: task.id },
    ]);
    const read = await hub.cases.handlers['case.get'](callerOf(alice), { caseId: kase.id });
    assert.deepEqual(read.case.interactionIds, ['c1', 'cb1'], 'the callback is linked to the case');
    assert.equal(read.tasks[0]?.status, 'done');
    assert.equal(read.tasks[0]?.interactionId, 'cb1');
    assert.deepEqual(hub.released, [task.id], 'put in line for routing once linked');
    assert.equal(hub.reminders().length, 0, 'a callback is no reminder');
    await clock.advance(HOUR);
    assert.equal(hub.booked.length, 1, 'booked once');
  });

  it('a cancelled task never fires; cancelling twice is a conflict', async () => {
    const clock = createTestClock();
    const hub = taskHub(clock, createMemoryCaseStore());
    const kase = await openCase(hub.cases);
    const { task } = await hub.cases.handlers['case.task.add'](callerOf(alice), {
      caseId: kase.id,
      kind: 'callback',
      dueAt: clock.now() + HOUR,
      phone: '+31201234567',
    });
    const { task: cancelled } = await hub.cases.handlers['case.task.cancel'](callerOf(sue), {
      caseId: kase.id,
      taskId: task.id,
    });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.cancelledBy, 'sue');
    await clock.advance(2 * HOUR);
    assert.deepEqual(hub.booked, []);
    await assert.rejects(
      hub.cases.handlers['case.task.cancel'](callerOf(alice), { caseId: kase.id, taskId: task.id }),
      refusedWith('conflict/state'),
    );
  });

  it('a restarted leader re-arms the scheduled tasks from the store, and only those', async () => {
    const clock = createTestClock();
    const store = createMemoryCaseStore();
    const before = taskHub(clock, store);
    const kase = await openCase(before.cases);
    const add = (dueAt: number) =>
      before.cases.handlers['case.task.add'](callerOf(alice), { caseId: kase.id, kind: 'reminder', dueAt });
    const { task: kept } = await add(clock.now() + HOUR);
    const { task: dropped } = await add(clock.now() + HOUR);
    await before.cases.handlers['case.task.cancel'](callerOf(alice), { caseId: kase.id, taskId: dropped.id });
    before.timers.close();
    const after = taskHub(clock, store);
    await after.cases.restore();
    await clock.advance(HOUR);
    await clock.advance(0);
    assert.deepEqual(
      after.reminders().map(([to, notice]) => [to, notice.type === 'case.task' ? notice.task.id : '']),
      [['alice', kept.id]],
    );
    assert.equal(before.reminders().length, 0, 'the old leader’s timers are stopped');
  });

  it('refuses: visitors; agents of other queues (not-found); past, far or malformed times and numbers; closed cases', async () => {
    const clock = createTestClock();
    const hub = taskHub(clock, createMemoryCaseStore());
    const kase = await openCase(hub.cases);
    const add = (subject: Subject, args: Partial<CommandArgs<'case.task.add'>>) =>
      hub.cases.handlers['case.task.add'](callerOf(subject), {
        caseId: kase.id,
        kind: 'reminder',
        dueAt: clock.now() + HOUR,
        ...args,
      });
    await assert.rejects(add(vera, {}), refusedWith('auth/forbidden'));
    await assert.rejects(add(bob, {}), refusedWith('not-found'));
    await assert.rejects(add(alice, { dueAt: clock.now() }), refusedWith('validation/field'));
    await assert.rejects(
      add(alice, { dueAt: clock.now() + 400 * 86_400_000 }),
      refusedWith('validation/field'),
    );
    await assert.rejects(
      add(alice, { kind: 'callback' }),
      refusedWith('validation/field'),
      'a callback needs a number',
    );
    await assert.rejects(
      add(alice, { phone: '+31201234567' }),
      refusedWith('validation/field'),
      'a reminder has none',
    );
    assert.equal(
      validateCommandArgs('case.task.add', {
        caseId: kase.id,
        kind: 'callback',
        dueAt: clock.now() + HOUR,
        phone: '0201234567',
      }).ok,
      false,
      'a number that is not E.164 fails the schema',
    );
    const { task } = await add(alice, {});
    await assert.rejects(
      hub.cases.handlers['case.task.cancel'](callerOf(bob), { caseId: kase.id, taskId: task.id }),
      refusedWith('not-found'),
    );
    await assert.rejects(
      hub.cases.handlers['case.task.cancel'](callerOf(alice), { caseId: kase.id, taskId: 'nope' }),
      refusedWith('not-found'),
    );
    await hub.cases.handlers['case.update'](callerOf(alice), { caseId: kase.id, event: 'SOLVE' });
    await hub.cases.handlers['case.update'](callerOf(alice), { caseId: kase.id, event: 'CLOSE' });
    await assert.rejects(add(alice, {}), refusedWith('conflict/state'));
  });
});
