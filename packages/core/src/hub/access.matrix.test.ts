// The authorization matrix, generated from the access tables the hub itself enforces (access.ts): every command
// that acts on an interaction × every relation a subject can have to it, and every other command × every role.
// For each case a fresh hub is driven, through real commands, to a world where the subject stands in exactly that
// relation to an interaction in a state where the command could succeed; the expectation is read off the tables
// (allowed, or refused: `auth/forbidden` to a role that may never run the command or to a relation that knows the
// interaction, `not-found` to anyone else).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Agent } from '../agent/agent.types';
import { caseSnapshot } from '../case/case.machine';
import { escalationSnapshot } from '../escalation/escalation.machine';
import type { Interaction } from '../interaction/interaction.types';
import { isHelplineError } from '../protocol/errors';
import { commandArgsSchemas } from '../protocol/protocol.commands';
import type {
  CommandArgs,
  CommandOp,
  CommandResult,
  ConversationEvent,
  ServerFrame,
} from '../protocol/protocol.types';
import { createTestClock, salesQueue, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import {
  INTERACTION_RULES,
  type InteractionOp,
  knows,
  RELATIONS,
  type Relation,
  relationOf,
  roleMayRun,
  roleOf,
  SUBJECT_RULES,
} from './access';
import { type CaseStore, createMemoryCaseStore } from './cases.store';
import { devAuthenticate } from './dev-auth';
import { createMemoryEscalationStore, type EscalationStore } from './escalations.store';
import { createHub, type Hub } from './hub';
import type { HubStorage, Subject } from './hub.types';
import { createMemoryStorage } from './memory.storage';

// ─── the cast ──────────────────────────────────────────────────────────────────────────────────────

const AGENTS: Agent[] = [
  // Offered the interaction, or holding it, depending on the world; team leader of sales (escalations).
  testAgent('alice', { queueIds: ['support'], leads: ['sales'] }),
  // Held it, then transferred it away (or handed a callback back).
  testAgent('fay', { queueIds: ['support'] }),
  // Serves its queue, never involved.
  testAgent('quinn', { queueIds: ['support'] }),
  // Serves another queue only.
  testAgent('otto', { queueIds: ['sales'] }),
  // Supervisors are configured among the agents (they set a presence too); the role decides their relation.
  testAgent('sam', { role: 'supervisor', queueIds: ['support'] }),
];
const QUEUES_OF = new Map(AGENTS.map((a) => [a.id, new Set(a.queueIds)]));

const visitor = (id: string, name: string): Subject => ({ id, role: 'visitor', name });
const agent = (id: string): Subject => ({ id, role: 'agent', name: id });
const ada = visitor('v1', 'Ada');
const alice = agent('alice');
const fay = agent('fay');
const sam: Subject = { id: 'sam', role: 'supervisor', name: 'Sam' };

/** Who plays each relation. `offered` and `assigned` are both alice: the world's state decides which she is. */
const PEOPLE: Record<Relation, Subject> = {
  customer: ada,
  'other-visitor': visitor('v2', 'Eve'),
  offered: alice,
  assigned: alice,
  former: fay,
  'queue-agent': agent('quinn'),
  'other-agent': agent('otto'),
  supervisor: sam,
};

/** Who plays each role in the subject-level commands (alice holds Ada's chat, so her customer history is open). */
const BY_ROLE: Record<Subject['role'], Subject> = { visitor: ada, agent: alice, supervisor: sam };

/** A staff-only note written at the transfer; visitors must never read it. */
const NOTE = 'customer is upset about invoice 17';

// ─── worlds ────────────────────────────────────────────────────────────────────────────────────────

/** The states a world can be driven to, each from the one before it. */
type Stage =
  | 'chat-queued'
  | 'chat-offered'
  | 'chat-active'
  | 'chat-wrap-up'
  | 'chat-ended'
  | 'call-ringing-from-visitor'
  | 'call-ringing-from-agent'
  | 'call-active'
  | 'call-held-by-visitor'
  | 'call-held-by-agent'
  | 'callback-scheduled'
  | 'callback-offered'
  | 'callback-dialing';

interface World {
  readonly hub: Hub;
  readonly clock: TestClock;
  readonly storage: HubStorage;
  readonly cid: string;
  readonly callId: string;
  /** Every frame each subject's connection received, by subject id. */
  readonly frames: ReadonlyMap<string, ServerFrame[]>;
}

const hubs: Hub[] = [];
after(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

/** A case store holding `case_1`: Ada's, in the support queue, with a reminder `task_1` scheduled on it. */
function adasCase(at: number): CaseStore {
  const store = createMemoryCaseStore();
  const snapshot = caseSnapshot({ at, subject: 'Refund', queueId: 'support' });
  void store.save(
    { id: 'case_1', customerId: ada.id, snapshot },
    { caseId: 'case_1', type: 'CREATE', actorId: 'sam', at },
  );
  void store.saveTask({
    id: 'task_1',
    caseId: 'case_1',
    kind: 'reminder',
    status: 'scheduled',
    dueAt: at + 3_600_000,
    note: 'Call Ada back',
    createdBy: 'sam',
    createdAt: at,
  });
  return store;
}

/** An escalation store holding `esc_1`: otto's chat in sales, offered to alice (team leader of sales). */
function ottosEscalation(at: number): EscalationStore {
  const store = createMemoryEscalationStore();
  const waiting = escalationSnapshot({
    at,
    target: { kind: 'interaction', id: 'chat_otto' },
    queueId: 'sales',
    agentId: 'otto',
    reason: 'Refund above my limit',
  });
  const snapshot = {
    value: 'offered' as const,
    context: { ...waiting.context, leaderId: 'alice', offerExpiresAt: at + 3_600_000, offers: 1 },
  };
  void store.save({ id: 'esc_1', snapshot }, { escalationId: 'esc_1', type: 'CREATE', actorId: 'otto', at });
  return store;
}

/** A hub with memory storage, every person of the cast connected (calls need the callee online). */
async function newHub(): Promise<Omit<World, 'cid' | 'callId'>> {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const hub = createHub({
    queues: [supportQueue, salesQueue],
    agents: AGENTS,
    authenticate: devAuthenticate,
    clock,
    storage,
    // No pings: the callback worlds move the clock by an hour and nobody answers them here.
    heartbeatMs: 7 * 86_400_000,
    // Mail goes nowhere: "continue by email" needs an email outbound to be allowed at all.
    channels: {
      addresses: { 'support@shop.example': 'support' },
      outbound: { email: { send: async () => ({ externalId: '<out@shop.example>' }) } },
    },
    // Ada's case in the support queue, so the case commands have one to act on.
    cases: adasCase(clock.now()),
    // An escalation offered to alice, so the team-leader commands have one to act on.
    escalations: { store: ottosEscalation(clock.now()) },
    // Click-to-dial lets every number through here: the rules, not the policy, are under test.
    dial: {
      simulated: true,
      check: async ({ number }) => ({
        number,
        callerId: '+441632960000',
        customer: { id: 'tel-1', name: number },
      }),
      place() {},
      doNotCall: {
        add: async (number, entry) => ({ number, addedAt: 0, ...entry }),
        remove: async () => true,
        list: async () => [],
      },
    },
  });
  hubs.push(hub);
  const frames = new Map<string, ServerFrame[]>();
  for (const person of new Set([...Object.values(PEOPLE), ...Object.values(BY_ROLE)])) {
    const received: ServerFrame[] = [];
    frames.set(person.id, received);
    hub
      .connect({ send: (raw) => received.push(JSON.parse(raw) as ServerFrame), close() {} })
      .receive(JSON.stringify({ t: 'hello', v: 1, token: `dev:${person.role}:${person.id}:${person.name}` }));
  }
  await waitFor(
    () => [...frames.values()].every((f) => f.some((x) => x.t === 'welcome')),
    'everyone welcomed',
  );
  return { hub, clock, storage, frames };
}

function stateOf(world: { hub: Hub }, cid: string): Interaction {
  const interaction = world.hub.interaction(cid);
  assert.ok(interaction, `interaction ${cid} is live`);
  return interaction;
}

async function offeredTo(hub: Hub, cid: string, agentId: string): Promise<void> {
  await waitFor(() => {
    const i = hub.interaction(cid);
    return i?.state === 'offered' && i.agentId === agentId;
  }, `${cid} offered to ${agentId}`);
}

const available = { status: 'available' } as const;
const away = { status: 'away', reason: 'break' } as const;

/** Drives a fresh hub to `stage` with real commands, as the people of the cast would. */
async function build(stage: Stage): Promise<World> {
  switch (stage) {
    case 'chat-queued': {
      // Fay takes Ada's chat, steps away and transfers it back to the queue with a note; nobody is available.
      const base = await newHub();
      const { hub } = base;
      await hub.execute(fay, 'presence.set', available);
      const { cid } = await hub.execute(ada, 'chat.start', { channel: 'chat', queueId: 'support' });
      await offeredTo(hub, cid, 'fay');
      await hub.execute(fay, 'offer.accept', { cid });
      await hub.execute(fay, 'presence.set', away);
      await hub.execute(fay, 'transfer', { cid, toQueueId: 'support', note: NOTE });
      assert.equal(stateOf(base, cid).state, 'queued');
      return { ...base, cid, callId: 'no-call' };
    }
    case 'chat-offered': {
      const world = await build('chat-queued');
      await world.hub.execute(alice, 'presence.set', available);
      await offeredTo(world.hub, world.cid, 'alice');
      return world;
    }
    case 'chat-active': {
      const world = await build('chat-offered');
      await world.hub.execute(alice, 'offer.accept', { cid: world.cid });
      return world;
    }
    case 'chat-wrap-up': {
      const world = await build('chat-active');
      await world.hub.execute(alice, 'chat.end', { cid: world.cid });
      assert.equal(stateOf(world, world.cid).state, 'wrap-up');
      return world;
    }
    case 'chat-ended': {
      const world = await build('chat-wrap-up');
      await world.hub.execute(alice, 'wrapup.submit', { cid: world.cid, disposition: 'resolved' });
      assert.equal(stateOf(world, world.cid).state, 'ended');
      return world;
    }
    case 'call-ringing-from-visitor':
    case 'call-ringing-from-agent': {
      const world = await build('chat-active');
      const caller = stage === 'call-ringing-from-visitor' ? ada : alice;
      const { call } = await world.hub.execute(caller, 'call.start', { cid: world.cid });
      return { ...world, callId: call.callId };
    }
    case 'call-active': {
      const world = await build('call-ringing-from-visitor');
      const ref = { cid: world.cid, callId: world.callId };
      await world.hub.execute(alice, 'call.answer', ref);
      await world.hub.execute(alice, 'call.media', { ...ref, media: 'connected' });
      await world.hub.execute(ada, 'call.media', { ...ref, media: 'connected' });
      return world;
    }
    case 'call-held-by-visitor':
    case 'call-held-by-agent': {
      const world = await build('call-active');
      const holder = stage === 'call-held-by-visitor' ? ada : alice;
      const { call } = await world.hub.execute(holder, 'call.hold', { cid: world.cid, callId: world.callId });
      assert.equal(call.state, 'held');
      return world;
    }
    case 'callback-scheduled': {
      // Fay accepts Ada's callback, then hands it back for a slot an hour from now: she left, it waits.
      const base = await newHub();
      const { hub, clock } = base;
      await hub.execute(fay, 'presence.set', available);
      const { cid } = await hub.execute(ada, 'callback.request', {
        queueId: 'support',
        phone: '+31201234567',
        timeZone: 'Europe/Amsterdam',
        slot: 'asap',
      });
      await offeredTo(hub, cid, 'fay');
      await hub.execute(fay, 'offer.accept', { cid });
      await hub.execute(fay, 'presence.set', away);
      await hub.execute(fay, 'callback.reschedule', { cid, at: clock.now() + 3_600_000 });
      assert.equal(stateOf(base, cid).state, 'scheduled');
      return { ...base, cid, callId: 'no-call' };
    }
    case 'callback-offered': {
      const world = await build('callback-scheduled');
      await world.hub.execute(alice, 'presence.set', available);
      await world.clock.advance(3_600_000);
      await offeredTo(world.hub, world.cid, 'alice');
      return world;
    }
    case 'callback-dialing': {
      const world = await build('callback-offered');
      await world.hub.execute(alice, 'offer.accept', { cid: world.cid });
      assert.equal(stateOf(world, world.cid).state, 'dialing');
      return world;
    }
  }
}

/** Alice's part in a stage's interaction: offered, holding it, or neither. */
function aliceIn(stage: Stage): Relation {
  if (stage === 'chat-offered' || stage === 'callback-offered') return 'offered';
  if (stage === 'chat-queued' || stage === 'callback-scheduled') return 'queue-agent';
  return 'assigned';
}

/**
 * Where each command could succeed (for a relation the table allows it to). This says nothing about who may run
 * it; that comes from `INTERACTION_RULES` alone.
 */
const STAGE_OF: { readonly [Op in InteractionOp]: (relation: Relation) => Stage } = {
  'message.send': () => 'chat-active',
  typing: () => 'chat-active',
  read: () => 'chat-active',
  history: () => 'chat-active',
  'chat.end': () => 'chat-active',
  'csat.submit': () => 'chat-ended',
  // Its own caller may send it (the chat is no voicemail: refused by state, never by access).
  'voicemail.send': () => 'chat-active',
  'conversation.email': () => 'chat-active',
  'offer.accept': () => 'chat-offered',
  'offer.reject': () => 'chat-offered',
  'wrapup.submit': () => 'chat-wrap-up',
  transfer: () => 'chat-active',
  // The customer and supervisors move or cancel a callback that waits; its agent one they are dialing.
  'callback.cancel': (r) => (r === 'assigned' ? 'callback-dialing' : 'callback-scheduled'),
  'callback.outcome': () => 'callback-dialing',
  'callback.reschedule': (r) => (r === 'assigned' ? 'callback-dialing' : 'callback-scheduled'),
  'supervisor.reassign': () => 'chat-queued',
  'call.start': () => 'chat-active',
  // The called party answers: the agent's call for the customer, the customer's call for the agent.
  'call.answer': (r) => (r === 'customer' ? 'call-ringing-from-agent' : 'call-ringing-from-visitor'),
  'call.hangup': () => 'call-active',
  'call.hold': () => 'call-active',
  // Only the party that put the call on hold takes it off hold.
  'call.resume': (r) => (r === 'assigned' ? 'call-held-by-agent' : 'call-held-by-visitor'),
  'call.media': () => 'call-active',
  'call.signal': () => 'call-active',
  'call.attach': () => 'call-active',
  // The phone network's report for the customer's phone, on a call the agent placed.
  'call.ring': () => 'call-ringing-from-agent',
  // Refused by the call's state: the customer holds it (a consult to someone online is tested in voice.consult).
  'call.consult': () => 'call-held-by-visitor',
  'call.return': () => 'call-active',
  'call.merge': () => 'call-active',
  'call.transfer': () => 'call-active',
  // The test queues record nothing: the agent's start is refused by state (recordings.hub.test.ts records).
  'call.recording': () => 'call-active',
  // Supervisor legs: a live call takes every mode (supervision.hub.test.ts runs them end to end); switching, leaving,
  // noting and signaling with no leg started are refused by state.
  'supervision.start': () => 'call-active',
  'supervision.mode': () => 'call-active',
  'supervision.stop': () => 'call-active',
  'supervision.note': () => 'call-active',
  'supervision.signal': () => 'call-active',
  // A chat: the rules answer first, then the channel (only messaging conversations wait, snooze and resolve) —
  // messaging.commands.test.ts runs them where they succeed.
  'conversation.pending': () => 'chat-active',
  'conversation.snooze': () => 'chat-active',
  'conversation.resolve': () => 'chat-active',
  'conversation.reopen': () => 'chat-active',
};

/** The command's stage, moved to a neighbour of the same channel when alice's relation does not exist there. */
function stageFor(op: InteractionOp, relation: Relation): Stage {
  const stage = STAGE_OF[op](relation);
  if ((relation !== 'offered' && relation !== 'assigned') || aliceIn(stage) === relation) return stage;
  const callback = stage.startsWith('callback-');
  if (relation === 'offered') return callback ? 'callback-offered' : 'chat-offered';
  return callback ? 'callback-dialing' : 'chat-active';
}

const uuid = '01900000-0000-7000-8000-000000000001';

/** Valid arguments of each command, aimed at the world's interaction (and call). */
const ARGS_OF: { readonly [Op in InteractionOp]: (w: World) => CommandArgs<Op> } = {
  'message.send': (w) => ({ cid: w.cid, clientMsgId: uuid, text: 'hello' }),
  typing: (w) => ({ cid: w.cid, typing: true }),
  read: (w) => ({ cid: w.cid, seq: 1 }),
  history: (w) => ({ cid: w.cid }),
  'chat.end': (w) => ({ cid: w.cid }),
  'csat.submit': (w) => ({ cid: w.cid, score: 5 }),
  'voicemail.send': (w) => ({
    cid: w.cid,
    clientMsgId: uuid,
    attachments: [{ id: 'a1', name: 'voicemail.webm', type: 'audio/webm', size: 1 }],
  }),
  'conversation.email': (w) => ({ cid: w.cid, address: 'ada@example.com' }),
  'offer.accept': (w) => ({ cid: w.cid }),
  'offer.reject': (w) => ({ cid: w.cid }),
  'wrapup.submit': (w) => ({ cid: w.cid, disposition: 'resolved' }),
  transfer: (w) => ({ cid: w.cid, toQueueId: 'sales' }),
  'callback.cancel': (w) => ({ cid: w.cid }),
  'callback.outcome': (w) => ({ cid: w.cid, outcome: 'answered' }),
  'callback.reschedule': (w) => ({ cid: w.cid, at: w.clock.now() + 2 * 3_600_000 }),
  'supervisor.reassign': (w) => ({ cid: w.cid, toQueueId: 'sales' }),
  'call.start': (w) => ({ cid: w.cid }),
  'call.answer': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.hangup': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.hold': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.resume': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.media': (w) => ({ cid: w.cid, callId: w.callId, media: 'connected' }),
  'call.signal': (w) => ({ cid: w.cid, callId: w.callId, signal: { kind: 'restart', peer: 'peer-1' } }),
  'call.attach': (w) => ({ cid: w.cid }),
  'call.ring': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.consult': (w) => ({ cid: w.cid, callId: w.callId, to: { kind: 'supervisor', id: 'sue' } }),
  'call.return': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.merge': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.transfer': (w) => ({ cid: w.cid, callId: w.callId }),
  'call.recording': (w) => ({ cid: w.cid, callId: w.callId, action: 'start' }),
  'supervision.start': (w) => ({ cid: w.cid, mode: 'monitoring' }),
  'supervision.mode': (w) => ({ cid: w.cid, mode: 'barging' }),
  'supervision.stop': (w) => ({ cid: w.cid }),
  'supervision.note': (w) => ({ cid: w.cid, text: 'Offer the refund' }),
  'supervision.signal': (w) => ({ cid: w.cid, legId: 'sv_1', signal: { kind: 'restart', peer: 'peer-1' } }),
  'conversation.pending': (w) => ({ cid: w.cid }),
  'conversation.snooze': (w) => ({ cid: w.cid, until: w.clock.now() + 3_600_000 }),
  'conversation.resolve': (w) => ({ cid: w.cid, disposition: 'resolved' }),
  'conversation.reopen': (w) => ({ cid: w.cid }),
};

/** Valid arguments of each subject-level command. */
const SUBJECT_ARGS: { readonly [Op in keyof typeof SUBJECT_RULES]: (w: World) => CommandArgs<Op> } = {
  'chat.start': () => ({ channel: 'chat', queueId: 'support' }),
  'callback.request': () => ({ phone: '+31201234567', timeZone: 'Europe/Amsterdam', slot: 'asap' }),
  'offline.leave': () => ({ text: 'hello' }),
  'voicemail.start': () => ({ queueId: 'support' }),
  'conversation.list': () => ({}),
  'presence.set': () => ({ status: 'available' }),
  'agent.snapshot': () => ({}),
  'queues.list': () => ({}),
  'customer.history': () => ({ customerId: ada.id }),
  'customer.of': (w) => ({ cid: w.cid }),
  'customer.get': () => ({ customerId: ada.id }),
  'customer.search': () => ({ query: 'ada' }),
  'customer.suggestions': () => ({}),
  // The memory hub has no customer directory: changes of records are refused by state (conflict/state).
  'customer.merge': () => ({ targetId: ada.id, sourceId: 'v2' }),
  'customer.dismiss': () => ({ suggestionId: 'cs_1' }),
  'customer.split': () => ({ customerId: ada.id, identifierIds: [], interactionIds: [] }),
  'customer.audit': () => ({ customerId: ada.id }),
  'case.create': (w) => ({ cid: w.cid, subject: 'Refund' }),
  'case.get': () => ({ caseId: 'case_1' }),
  'case.list': () => ({ customerId: ada.id }),
  'case.update': () => ({ caseId: 'case_1', event: 'SOLVE' }),
  'case.note': () => ({ caseId: 'case_1', text: 'Called back' }),
  'case.link': (w) => ({ caseId: 'case_1', cid: w.cid }),
  'case.task.add': (w) => ({
    caseId: 'case_1',
    kind: 'reminder',
    dueAt: w.clock.now() + 3_600_000,
    note: 'Call Ada',
  }),
  'case.task.cancel': () => ({ caseId: 'case_1', taskId: 'task_1' }),
  // Alice escalates the chat she holds; on esc_1 she is the team leader it is offered to.
  'escalation.create': (w) => ({ cid: w.cid, reason: 'Asks for a manager' }),
  'escalation.list': () => ({}),
  'escalation.get': () => ({ escalationId: 'esc_1' }),
  'escalation.accept': () => ({ escalationId: 'esc_1' }),
  'escalation.decline': () => ({ escalationId: 'esc_1' }),
  'escalation.message': () => ({ escalationId: 'esc_1', text: 'Can you take it?' }),
  'escalation.takeover': () => ({ escalationId: 'esc_1' }),
  'escalation.handback': () => ({ escalationId: 'esc_1', note: 'Offer a voucher' }),
  'escalation.report': () => ({ period: 'month' }),
  'supervisor.snapshot': () => ({}),
  // The memory hub keeps no history: a supervisor is refused by state, everyone else by role.
  'report.run': () => ({ kind: 'figures', period: 'month' }),
  'supervisor.kpi-series': (w) => ({ from: w.clock.now() - 3_600_000, bucketMinutes: 60 }),
  'supervisor.force-presence': () => ({ agentId: 'quinn', status: 'away', reason: 'meeting' }),
  'voice.dial': () => ({ number: '+442079460958' }),
  'dnc.add': () => ({ number: '+442079460958', reason: 'asked not to be called' }),
  'dnc.remove': () => ({ number: '+442079460958' }),
  'dnc.list': () => ({}),
  'consult.answer': (w) => ({ cid: w.cid, legId: 'k-none' }),
  'consult.hangup': (w) => ({ cid: w.cid, legId: 'k-none' }),
  'consult.signal': (w) => ({ cid: w.cid, legId: 'k-none', signal: { kind: 'restart', peer: 'peer-1' } }),
  'recording.list': (w) => ({ cid: w.cid }),
  'supervision.audit': (w) => ({ cid: w.cid }),
  'supervision.list': () => ({}),
};

// ─── running a case ────────────────────────────────────────────────────────────────────────────────

/** The error a command rejected with, or `undefined` when it succeeded. */
async function outcomeOf(w: World, subject: Subject, op: CommandOp, args: unknown) {
  try {
    await w.hub.execute(subject, op, args);
    return undefined;
  } catch (error) {
    assert.ok(isHelplineError(error), `${op} threw a typed error: ${String(error)}`);
    return error;
  }
}

/** What the hub holds of the interaction and its log, to show that a refusal changed nothing. */
async function footprint(w: World) {
  return { interaction: w.hub.interaction(w.cid), lastSeq: await w.storage.lastSeq(w.cid) };
}

const counts = {
  interaction: { allowed: 0, refused: 0, notFound: 0, forbiddenRole: 0, forbiddenRelation: 0 },
  subject: { allowed: 0, refused: 0 },
  unknownId: { notFound: 0, forbidden: 0 },
};
/** Allowed cases the world's state still refused (not an authorization answer), for the closing line. */
const stateRefusals: string[] = [];

const INTERACTION_OPS = Object.keys(INTERACTION_RULES) as InteractionOp[];

/**
 * The refusal the rules give a relation the table does not name: `auth/forbidden` when no relation of its role may
 * run the command at all, or when it may know the interaction exists; `not-found` to anyone else.
 */
function refusalOf(op: InteractionOp, relation: Relation): 'auth/forbidden' | 'not-found' {
  return !roleMayRun(roleOf(relation), op) || knows(relation) ? 'auth/forbidden' : 'not-found';
}
const SUBJECT_OPS = Object.keys(SUBJECT_RULES) as (keyof typeof SUBJECT_RULES)[];
const ROLES: readonly Subject['role'][] = ['visitor', 'agent', 'supervisor'];

after(() => {
  const i = counts.interaction;
  const s = counts.subject;
  const cases = i.allowed + i.refused + s.allowed + s.refused;
  console.log(
    `authorization matrix: ${cases} cases (${INTERACTION_OPS.length} commands × ${RELATIONS.length} relations = ` +
      `${i.allowed + i.refused}, ${SUBJECT_OPS.length} commands × ${ROLES.length} roles = ${s.allowed + s.refused}), ` +
      `${i.allowed + s.allowed} allowed, ${i.refused + s.refused} refused ` +
      `(${i.notFound} not-found; auth/forbidden: ${i.forbiddenRole + s.refused} to a role that may never run ` +
      `the command, ${i.forbiddenRelation} to a relation that knows the interaction); ` +
      `unknown conversation: ${counts.unknownId.notFound + counts.unknownId.forbidden} probes ` +
      `(${counts.unknownId.notFound} not-found, ${counts.unknownId.forbidden} auth/forbidden); ` +
      `allowed but refused by state: ${stateRefusals.length ? stateRefusals.join(', ') : 'none'}`,
  );
});

describe('access tables', () => {
  it('govern every command, each in exactly one table', () => {
    const ops = Object.keys(commandArgsSchemas).sort();
    const governed = [...INTERACTION_OPS, ...SUBJECT_OPS].sort();
    assert.deepEqual(governed, ops);
    assert.equal(new Set(governed).size, governed.length, 'no command is in both tables');
  });

  it('name only known relations and roles, and the cast plays each relation with its role', () => {
    for (const [op, relations] of Object.entries(INTERACTION_RULES))
      for (const relation of relations) assert.ok(RELATIONS.includes(relation), `${op}: ${relation}`);
    for (const [op, roles] of Object.entries(SUBJECT_RULES))
      for (const role of roles) assert.ok(ROLES.includes(role), `${op}: ${role}`);
    for (const relation of RELATIONS) assert.equal(PEOPLE[relation].role, roleOf(relation), relation);
  });
});

describe('authorization matrix: every interaction command × every relation', () => {
  for (const op of INTERACTION_OPS) {
    const allowedRelations: readonly Relation[] = INTERACTION_RULES[op];
    for (const relation of RELATIONS) {
      const allowed = allowedRelations.includes(relation);
      const expected = allowed ? 'allowed' : refusalOf(op, relation);
      it(`${op} × ${relation}: ${expected}`, async () => {
        const stage = stageFor(op, relation);
        const w = await build(stage);
        const subject = PEOPLE[relation];
        const interaction = stateOf(w, w.cid);
        // The world is what it claims to be: the rules' own reading of it names this relation.
        assert.equal(
          relationOf(subject, interaction, {
            offered: interaction.state === 'offered',
            queuesOf: (agentId) => QUEUES_OF.get(agentId),
          }),
          relation,
          `${subject.id} in ${stage}`,
        );
        const before = await footprint(w);
        const error = await outcomeOf(w, subject, op, ARGS_OF[op](w));
        const conversationNotFound = `Conversation ${w.cid} was not found.`;
        if (allowed) {
          counts.interaction.allowed++;
          if (error === undefined) return;
          assert.notEqual(error.code, 'auth/forbidden', `${op} × ${relation} refused: ${error.message}`);
          assert.ok(
            !(error.code === 'not-found' && error.message === conversationNotFound),
            `${op} × ${relation} refused: ${error.message}`,
          );
          // Anything else must be the interaction's state speaking, not a broken world.
          assert.equal(error.code, 'conflict/state', `${op} × ${relation} in ${stage}: ${error.message}`);
          stateRefusals.push(`${op} × ${relation} (${error.message})`);
          return;
        }
        assert.ok(error, `${op} × ${relation} must be refused`);
        if (expected === 'auth/forbidden') {
          assert.equal(error.code, 'auth/forbidden', `${op} × ${relation}: ${error.message}`);
          if (roleMayRun(roleOf(relation), op)) counts.interaction.forbiddenRelation++;
          else counts.interaction.forbiddenRole++;
        } else {
          assert.equal(error.code, 'not-found', `${op} × ${relation}: ${error.message}`);
          assert.equal(error.message, conversationNotFound);
          counts.interaction.notFound++;
        }
        assert.deepEqual(await footprint(w), before, `${op} × ${relation}: a refusal changes nothing`);
        counts.interaction.refused++;
      });
    }
  }
});

describe('authorization matrix: every subject-level command × every role', () => {
  for (const op of SUBJECT_OPS) {
    const allowedRoles: readonly Subject['role'][] = SUBJECT_RULES[op];
    for (const role of ROLES) {
      const allowed = allowedRoles.includes(role);
      it(`${op} × ${role}: ${allowed ? 'allowed' : 'auth/forbidden'}`, async () => {
        const w = await build('chat-active');
        const error = await outcomeOf(w, BY_ROLE[role], op, SUBJECT_ARGS[op](w));
        if (allowed) {
          counts.subject.allowed++;
          if (error === undefined) return;
          assert.notEqual(error.code, 'auth/forbidden', `${op} × ${role}: ${error.message}`);
          assert.notEqual(error.code, 'not-found', `${op} × ${role}: ${error.message}`);
          // Refused for what the work is, not for who asks: a state, or (click-to-dial) the caller's own line.
          assert.ok(
            error.code === 'conflict/state' || error.code.startsWith('dial/'),
            `${op} × ${role}: ${error.message}`,
          );
          stateRefusals.push(`${op} × ${role} (${error.message})`);
          return;
        }
        assert.equal(error?.code, 'auth/forbidden', `${op} × ${role}: ${error?.message ?? 'ran'}`);
        counts.subject.refused++;
      });
    }
  }
});

describe('authorization matrix: every interaction command × every role, on an id that does not exist', () => {
  for (const op of INTERACTION_OPS) {
    for (const role of ROLES) {
      // A role that may never run the command is told so; anyone else learns nothing about the id.
      const expected = roleMayRun(role, op) ? 'not-found' : 'auth/forbidden';
      it(`${op} × ${role} on an unknown id: ${expected}`, async () => {
        const base = await newHub();
        const w: World = { ...base, cid: 'c_missing', callId: 'k_missing' };
        const error = await outcomeOf(w, BY_ROLE[role], op, ARGS_OF[op](w));
        assert.equal(error?.code, expected, `${op} × ${role}: ${error?.message ?? 'ran'}`);
        if (expected === 'not-found') {
          assert.equal(error?.message, 'Conversation c_missing was not found.');
          counts.unknownId.notFound++;
        } else counts.unknownId.forbidden++;
      });
    }
  }
});

// ─── what each relation may read ──────────────────────────────────────────────────────────────────

function historyOf(w: World, subject: Subject): Promise<CommandResult<'history'>> {
  return w.hub.execute(subject, 'history', { cid: w.cid });
}

describe('history and fan-out by relation', () => {
  it("ends a former agent's history at their own leave", async () => {
    const w = await build('chat-active');
    const full = await historyOf(w, sam);
    const left = full.events.find((e) => e.ev.type === 'left' && e.ev.participantId === fay.id);
    assert.ok(left, 'fay left at the transfer');
    assert.equal(stateOf(w, w.cid).participants.find((p) => p.id === fay.id)?.leftSeq, left.seq);
    assert.ok(full.lastSeq > left.seq, 'the conversation went on after fay left');

    const mine = await historyOf(w, fay);
    assert.equal(mine.lastSeq, left.seq);
    assert.deepEqual(
      mine.events.map((e) => e.seq),
      full.events.filter((e) => e.seq <= left.seq).map((e) => e.seq),
    );
    assert.deepEqual(mine.events.at(-1)?.ev, { type: 'left', participantId: fay.id });
    const later = await w.hub.execute(fay, 'history', { cid: w.cid, after: left.seq });
    assert.deepEqual(later, { events: [], lastSeq: left.seq }, 'nothing after the leave, however asked');

    // And nothing after it reached her live either.
    const live = (w.frames.get(fay.id) ?? []).filter((f) => f.t === 'evt' && f.cid === w.cid);
    assert.ok(live.every((f) => f.t === 'evt' && f.seq <= left.seq));
  });

  it('shows visitors a staff note as withheld, in its place; staff read its text', async () => {
    const w = await build('chat-active');
    const isNote = (e: { ev: ConversationEvent }) => e.ev.type === 'note';
    for (const staff of [alice, sam]) {
      const page = await historyOf(w, staff);
      assert.deepEqual(page.events.find(isNote)?.ev, { type: 'note', text: NOTE }, staff.id);
    }
    const staffPage = await historyOf(w, sam);
    const noteSeq = staffPage.events.find(isNote)?.seq;
    const customerPage = await historyOf(w, ada);
    assert.equal(customerPage.lastSeq, staffPage.lastSeq);
    assert.deepEqual(
      customerPage.events.map((e) => e.seq),
      staffPage.events.map((e) => e.seq),
      'the seqs stay gap-free',
    );
    assert.deepEqual(customerPage.events.find((e) => e.seq === noteSeq)?.ev, { type: 'withheld' });
    assert.ok(!customerPage.events.some(isNote));
    assert.ok(!JSON.stringify(customerPage).includes(NOTE));
  });

  it('fans a note out to the visitor as withheld; the agent who takes over reads it', async () => {
    const w = await build('chat-active');
    const noteSeq = (await historyOf(w, sam)).events.find((e) => e.ev.type === 'note')?.seq;
    assert.ok(noteSeq !== undefined);
    const evts = (id: string) =>
      (w.frames.get(id) ?? []).flatMap((f) => (f.t === 'evt' && f.cid === w.cid ? [f] : []));
    assert.deepEqual(evts(ada.id).find((f) => f.seq === noteSeq)?.ev, { type: 'withheld' });
    assert.ok(!JSON.stringify(w.frames.get(ada.id)).includes(NOTE), 'no frame to the visitor carries it');
    // Alice got the conversation replayed when she accepted, the note with it.
    assert.deepEqual(evts(alice.id).find((f) => f.seq === noteSeq)?.ev, { type: 'note', text: NOTE });

    // A supervisor's reassignment note goes the same way.
    const queued = await build('chat-queued');
    await queued.hub.execute(sam, 'supervisor.reassign', { cid: queued.cid, toQueueId: 'sales' });
    const last = (queued.frames.get(ada.id) ?? []).at(-1);
    assert.ok(last?.t === 'evt' && last.cid === queued.cid);
    assert.deepEqual(last.ev, { type: 'withheld' });
    const moved = (await historyOf(queued, sam)).events.at(-1)?.ev;
    assert.deepEqual(moved, { type: 'note', text: 'Moved to Sales' });
  });
});

// ─── where the rules and the routing meet ─────────────────────────────────────────────────────────

describe('the rules and the hub agree beyond the matrix', () => {
  it('never offers work to a supervisor, who could not accept it', async () => {
    const { hub, clock } = await newHub();
    await hub.execute(sam, 'presence.set', available);
    const { cid } = await hub.execute(ada, 'chat.start', { channel: 'chat', queueId: 'support' });
    await clock.advance(0);
    const interaction = stateOf({ hub }, cid);
    assert.notEqual(interaction.agentId, sam.id);
    assert.equal(interaction.state, 'queued');
  });

  it('makes a callback agent whose dial went unanswered a former participant, up to a leave of their own', async () => {
    const w = await build('callback-dialing');
    await w.hub.execute(alice, 'callback.outcome', { cid: w.cid, outcome: 'no-answer' });
    const interaction = stateOf(w, w.cid);
    assert.equal(interaction.state, 'retry-wait');
    assert.equal(
      relationOf(alice, interaction, {
        offered: false,
        queuesOf: (agentId) => QUEUES_OF.get(agentId),
      }),
      'former',
    );
    const left = (await historyOf(w, sam)).events.find(
      (e) => e.ev.type === 'left' && e.ev.participantId === alice.id,
    );
    assert.ok(left, 'alice left when the dial went unanswered');
    assert.equal((await historyOf(w, alice)).lastSeq, left.seq);
    const seen = (w.frames.get(alice.id) ?? []).length;
    await w.hub.execute(ada, 'callback.cancel', { cid: w.cid });
    const after = (w.frames.get(alice.id) ?? []).slice(seen);
    assert.ok(!after.some((f) => f.t === 'evt' && f.cid === w.cid), 'nothing after her leave reaches her');
  });
});
