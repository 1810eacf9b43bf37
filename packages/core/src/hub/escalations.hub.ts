import type { Agent } from '../agent/agent.types';
import type { CaseNote } from '../case/case.types';
import { escalationMachine, escalationSnapshot, isEscalationFinal } from '../escalation/escalation.machine';
import type {
  EscalationEvent,
  EscalationMessage,
  EscalationRecord,
  EscalationTarget,
} from '../escalation/escalation.types';
import { uuidv7 } from '../ids/ids';
import { transition } from '../machine';
import { helplineError } from '../protocol/errors';
import type { CommandResult, Notice } from '../protocol/protocol.types';
import { redactCardNumbers } from '../protocol/redact';
import type { Queue } from '../queue/queue.types';
import type { Router } from '../routing/routing.types';
import { authorizeRole } from './access';
import type { WireCase } from './cases.hub';
import type { ConversationLog, InteractionStepped } from './conversation.log';
import type { Caller, CommandHandlers } from './dispatch';
import type { EscalationStore } from './escalations.store';
import type { ReportFailure } from './failures';
import type { HubClock, HubStorage, Subject } from './hub.types';
import { type Live, phaseOfLive } from './live';
import type { TimerGroup } from './timers.hub';

/** The commands about escalations to a team leader. */
export type EscalationOp =
  | 'escalation.create'
  | 'escalation.list'
  | 'escalation.get'
  | 'escalation.accept'
  | 'escalation.decline'
  | 'escalation.message'
  | 'escalation.takeover'
  | 'escalation.handback'
  | 'escalation.report';

/** An escalation as it travels to staff. */
export type WireEscalation = CommandResult<'escalation.get'>['escalation'];

/** One row of an escalation report. */
export type EscalationReport = CommandResult<'escalation.report'>;

/** What an escalation report asks for (the arguments of `escalation.report`). */
export interface EscalationReportQuery {
  readonly period: 'day' | 'week' | 'month' | 'year';
  readonly at?: number | undefined;
  readonly timeZone?: string | undefined;
  readonly groupBy?: 'total' | 'queue' | 'agent' | 'reason' | undefined;
}

/** Escalation reports over stored history (the server's SQL); without them `escalation.report` is refused by state. */
export interface EscalationReports {
  run(query: EscalationReportQuery): Promise<EscalationReport>;
}

/** How long a team leader has to answer an offered escalation, by default. */
export const DEFAULT_ESCALATION_OFFER_MS = 60_000;

/** How long an ended escalation stays in the inboxes (its outcome, the hand-back note). */
const ENDED_VISIBLE_MS = 24 * 3_600_000;

/** What escalations need from the hub. */
export interface EscalationsHubDeps {
  readonly clock: HubClock;
  readonly store: EscalationStore;
  readonly queues: ReadonlyMap<string, Queue>;
  /** The configured agents: `leads` makes an agent a team leader of those queues. */
  readonly agents: ReadonlyMap<string, Agent>;
  /** True while the agent is available (presence) and connected. */
  readonly isAvailable: (agentId: string) => boolean;
  /** The interaction, from memory or storage. */
  readonly load: (cid: string) => Promise<Live | undefined>;
  /** The conversation history of an interaction (staff view: every event). */
  readonly history: HubStorage['events'];
  /** Cases: the case as staff see it, and its reassignment on a takeover. */
  readonly cases: {
    view(caseId: string): Promise<{ case: WireCase; notes: CaseNote[] } | undefined>;
    assign(caseId: string, assigneeId: string, actorId: string): Promise<void>;
  };
  /** One interaction's turn: every step of it runs in order. */
  readonly serialized: <T>(key: string, task: () => Promise<T>) => Promise<T>;
  readonly live: (cid: string) => Live | undefined;
  readonly log: Pick<ConversationLog, 'changeOf' | 'step' | 'join' | 'leave' | 'commit'>;
  readonly router: Pick<Router, 'release' | 'assign' | 'restoreAssigned'>;
  /** Route into the room the agent got back. */
  readonly schedule: () => void;
  readonly notify: (subjectId: string, notice: Notice) => void;
  /** Something on the supervisor board changed. */
  readonly boardChanged: () => void;
  readonly timers: TimerGroup;
  readonly offerMs: number;
  readonly reports?: EscalationReports | undefined;
  readonly reportFailure: ReportFailure;
}

/** Escalations of a hub. */
export interface EscalationsHub {
  readonly handlers: CommandHandlers<EscalationOp>;
  /** Open escalations by state, for the supervisor board. */
  boardCounts(): Promise<{ waiting: number; offered: number; accepted: number }>;
  /** Cancels the open escalations of an interaction that ended (subscribed to the conversation log). */
  stepped(stepped: InteractionStepped): void;
  /** Arms the offers' timers again and offers what waits (after a restart). */
  restore(): Promise<void>;
}

/** The queues an agent leads as a team leader (none for supervisors and other agents). */
export function leadsOf(agent: Agent | undefined): readonly string[] {
  return agent?.role === 'agent' ? (agent.leads ?? []) : [];
}

/** An escalation as staff see it. */
export function wireEscalation(record: EscalationRecord): WireEscalation {
  const { value, context } = record.snapshot;
  const { timestamps } = context;
  return {
    id: record.id,
    state: value,
    target: { ...context.target },
    queueId: context.queueId,
    agentId: context.agentId,
    reason: context.reason,
    ...(context.leaderId ? { leaderId: context.leaderId } : {}),
    ...(context.offerExpiresAt !== undefined ? { offerExpiresAt: context.offerExpiresAt } : {}),
    ...(context.note ? { note: context.note } : {}),
    offers: context.offers,
    ...(context.boardedAt !== undefined ? { boardedAt: context.boardedAt } : {}),
    createdAt: timestamps.createdAt,
    updatedAt: timestamps.updatedAt,
    ...(timestamps.acceptedAt !== undefined ? { acceptedAt: timestamps.acceptedAt } : {}),
    ...(timestamps.endedAt !== undefined ? { endedAt: timestamps.endedAt } : {}),
  };
}

/**
 * Creates the escalations part of a hub (docs/cases.md, "Escalation"): an agent escalates a live interaction they
 * hold, or a case assigned to them, with a reason; it is offered to the available team leaders of its queue one at a
 * time (an offer that is declined or runs out goes to the next), and waits on the supervisor board when none is left.
 * The team leader reads its history, talks it over with the agent in a private thread, then takes it over (the work
 * is reassigned to them and the agent gets the capacity back) or hands it back with a note. Every change is audited.
 *
 * @example
 * ```ts
 * const escalations = createEscalationsHub({ clock, store: createMemoryEscalationStore(), agents, … });
 * log.subscribe(escalations.stepped);
 * ```
 */
export function createEscalationsHub(deps: EscalationsHubDeps): EscalationsHub {
  const { clock, store, agents } = deps;
  const key = (escalationId: string) => `escalation:${escalationId}`;

  const leads = (subject: Subject): readonly string[] =>
    subject.role === 'agent' ? leadsOf(agents.get(subject.id)) : [];
  const leadsQueue = (subject: Subject, queueId: string) =>
    subject.role === 'supervisor' || leads(subject).includes(queueId);

  /** Who may see an escalation: its agent, its team leader, the team leaders of its queue, supervisors. */
  function mayRead(subject: Subject, record: EscalationRecord): boolean {
    const { context } = record.snapshot;
    return (
      subject.id === context.agentId ||
      subject.id === context.leaderId ||
      leadsQueue(subject, context.queueId)
    );
  }

  /** Who may read and write an escalation's private thread: its agent, its team leader, supervisors. */
  function isThreadParty(subject: Subject, record: EscalationRecord): boolean {
    const { context } = record.snapshot;
    return subject.id === context.agentId || subject.id === context.leaderId || subject.role === 'supervisor';
  }

  /** Refuses team-leader actions to anyone who leads no queue (agents, visitors): typed, before any lookup. */
  function asLeader(caller: Caller, op: EscalationOp, operation: string): Subject {
    authorizeRole(caller.subject, op, operation);
    if (caller.subject.role !== 'supervisor' && leads(caller.subject).length === 0)
      throw helplineError('auth/forbidden', { operation });
    return caller.subject;
  }

  /** The escalation, if `subject` may see it; otherwise `not-found`, as for one that does not exist. */
  async function visible(subject: Subject, escalationId: string): Promise<EscalationRecord> {
    const record = await store.get(escalationId);
    if (!record || !mayRead(subject, record))
      throw helplineError('not-found', { entity: 'Escalation', id: escalationId });
    return record;
  }

  /** Everyone an escalation concerns: its agent, its team leader, and supervisors while it waits on the board. */
  function announce(record: EscalationRecord, message?: EscalationMessage): void {
    const escalation = wireEscalation(record);
    const notice: Notice = { type: 'escalation', escalation, ...(message ? { message } : {}) };
    const { context, value } = record.snapshot;
    for (const id of new Set([context.agentId, context.leaderId])) if (id) deps.notify(id, notice);
    // Waiting on the board: the queue's team leaders may take it from their inbox; supervisors see the counter.
    if (value === 'waiting' && !message)
      for (const agent of agents.values())
        if (leadsOf(agent).includes(context.queueId) && agent.id !== context.leaderId)
          deps.notify(agent.id, notice);
    deps.boardChanged();
  }

  /** Applies `event`, saving the escalation with its audit entry; an illegal one is `conflict/state`. */
  async function step(
    record: EscalationRecord,
    event: EscalationEvent,
    actorId: string,
    operation: string,
  ): Promise<EscalationRecord> {
    const result = transition(escalationMachine, record.snapshot, event);
    if (!result.ok)
      throw helplineError('conflict/state', {
        operation,
        entity: 'escalation',
        state: record.snapshot.value,
      });
    const next = { ...record, snapshot: result.snapshot };
    await store.save(next, { escalationId: record.id, type: event.type, actorId, at: event.at });
    if (result.snapshot.value !== 'offered') deps.timers.clear(record.id);
    return next;
  }

  /** Open escalations each team leader holds now (to spread the work). */
  async function loadOf(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const r of await store.current(clock.now()))
      if (r.snapshot.value === 'accepted' && r.snapshot.context.leaderId)
        counts.set(r.snapshot.context.leaderId, (counts.get(r.snapshot.context.leaderId) ?? 0) + 1);
    return counts;
  }

  /**
   * Offers a waiting escalation to the next team leader: available, leading its queue, not its own agent, not passed
   * over; the one holding the fewest escalations first. None left: it stays on the board.
   */
  async function offerNext(record: EscalationRecord): Promise<EscalationRecord> {
    const { context } = record.snapshot;
    const load = await loadOf();
    const candidates = [...agents.values()]
      .filter(
        (a) =>
          leadsOf(a).includes(context.queueId) &&
          a.id !== context.agentId &&
          !context.passedOver.includes(a.id) &&
          deps.isAvailable(a.id),
      )
      .sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.id.localeCompare(b.id));
    const leader = candidates[0];
    if (!leader) {
      // On the board: recorded the first time (reports count it), announced every time.
      const boarded =
        record.snapshot.context.boardedAt === undefined
          ? await step(record, { type: 'BOARD', at: clock.now() }, 'system', 'leave on the board')
          : record;
      announce(boarded);
      return boarded;
    }
    const at = clock.now();
    const offered = await step(
      record,
      { type: 'OFFER', at, leaderId: leader.id, expiresAt: at + deps.offerMs },
      'system',
      'offer the escalation',
    );
    arm(offered);
    announce(offered);
    return offered;
  }

  /** The offer's timer: when it runs out, the next team leader gets it. */
  function arm(record: EscalationRecord): void {
    const expires = record.snapshot.context.offerExpiresAt;
    if (record.snapshot.value !== 'offered' || expires === undefined) return;
    deps.timers.armAt(record.id, expires, () => {
      deps
        .serialized(key(record.id), async () => {
          const current = await store.get(record.id);
          if (
            current?.snapshot.value !== 'offered' ||
            (current.snapshot.context.offerExpiresAt ?? 0) > clock.now()
          )
            return;
          await offerNext(
            await step(current, { type: 'OFFER_TIMEOUT', at: clock.now() }, 'system', 'time out'),
          );
        })
        .catch((error: unknown) => deps.reportFailure(`timing out escalation ${record.id}`, error));
    });
  }

  /** In the escalation's turn: one change at a time. */
  function inTurn<T>(escalationId: string, task: () => Promise<T>): Promise<T> {
    return deps.serialized(key(escalationId), task);
  }

  /** What `subject` escalates, checked: their own live interaction, or a case assigned to them. */
  async function targetOf(
    subject: Subject,
    args: { cid?: string | undefined; caseId?: string | undefined },
  ): Promise<{ target: EscalationTarget; queueId: string }> {
    if ((args.cid === undefined) === (args.caseId === undefined))
      throw helplineError(
        'validation/field',
        { scope: 'escalation.create', field: 'cid', detail: 'or caseId is required, not both' },
        { field: 'cid' },
      );
    if (args.cid !== undefined) {
      const current = await deps.load(args.cid);
      if (!current || current.interaction.agentId !== subject.id)
        throw helplineError('not-found', { entity: 'Conversation', id: args.cid });
      if (!current.lifecycle.handling.has(current.snapshot.value))
        throw helplineError('conflict/state', {
          operation: 'escalate',
          entity: current.interaction.channel,
          state: current.snapshot.value,
        });
      return { target: { kind: 'interaction', id: args.cid }, queueId: current.interaction.queueId };
    }
    const caseId = args.caseId ?? '';
    const found = await deps.cases.view(caseId);
    // Only the case's assignee escalates it; to anyone else it does not exist here.
    if (!found || found.case.assigneeId !== subject.id)
      throw helplineError('not-found', { entity: 'Case', id: caseId });
    if (found.case.status === 'closed')
      throw helplineError('conflict/state', { operation: 'escalate', entity: 'case', state: 'closed' });
    return { target: { kind: 'case', id: caseId }, queueId: found.case.queueId };
  }

  /** Reassigns a live interaction from its agent to the team leader: the agent's capacity is freed, the leader's used. */
  async function takeOverInteraction(cid: string, fromId: string, leaderId: string): Promise<void> {
    await deps.serialized(cid, async () => {
      const current = deps.live(cid) ?? (await deps.load(cid));
      if (
        !current ||
        current.interaction.agentId !== fromId ||
        !current.lifecycle.handling.has(current.snapshot.value)
      )
        throw helplineError('conflict/state', {
          operation: 'take over',
          entity: current?.interaction.channel ?? 'interaction',
          state: current?.snapshot.value ?? 'ended',
        });
      const queue = deps.queues.get(current.interaction.queueId);
      if (!queue) throw helplineError('not-found', { entity: 'Queue', id: current.interaction.queueId });
      const { channel } = current.interaction;
      const change = deps.log.changeOf(current);
      // In the machine's words: a transfer to the team leader, offered and accepted at once.
      deps.log.leave(change, fromId);
      deps.log.step(current, change, { kind: 'transfer', queue });
      deps.log.step(current, change, {
        kind: 'offer',
        agentId: leaderId,
        expiresAt: clock.now() + deps.offerMs,
      });
      deps.log.step(current, change, { kind: 'accept', agentId: leaderId });
      deps.log.join(change, leaderId);
      const capacity = agents.get(leaderId)?.capacity;
      change.holds = {
        agentId: leaderId,
        channel,
        capacity: capacity?.[channel] ?? 0,
        states: [...current.lifecycle.handling],
      };
      // The router moves the work first (refusing a team leader with no room: agent/capacity), and back on failure.
      deps.router.release(cid);
      try {
        deps.router.assign(cid, leaderId, channel);
      } catch (error) {
        deps.router.restoreAssigned(cid, fromId, channel);
        throw error;
      }
      try {
        await deps.log.commit(current, change, { replayTo: leaderId });
      } catch (error) {
        deps.router.release(cid);
        deps.router.restoreAssigned(cid, fromId, channel);
        throw error;
      }
    });
    deps.schedule();
  }

  const handlers: CommandHandlers<EscalationOp> = {
    'escalation.create': async (caller, args) => {
      authorizeRole(caller.subject, 'escalation.create', 'escalate');
      const subject = caller.subject;
      const { target, queueId } = await targetOf(subject, args);
      // One open escalation per interaction or case: the check and the save run in the target's turn, so two sent
      // at once (two tabs, a double click) cannot both pass the check.
      const record = await deps.serialized(`escalation-target:${target.kind}:${target.id}`, async () => {
        const open = (await store.current(clock.now())).find(
          (r) =>
            !isEscalationFinal(r.snapshot.value) &&
            r.snapshot.context.target.kind === target.kind &&
            r.snapshot.context.target.id === target.id,
        );
        if (open)
          throw helplineError('conflict/state', {
            operation: 'escalate',
            entity: 'escalation',
            state: open.snapshot.value,
          });
        const at = clock.now();
        const created: EscalationRecord = {
          id: uuidv7(),
          snapshot: escalationSnapshot({
            at,
            target,
            queueId,
            agentId: subject.id,
            reason: redactCardNumbers(args.reason),
          }),
        };
        await store.save(created, { escalationId: created.id, type: 'CREATE', actorId: subject.id, at });
        return created;
      });
      const offered = await inTurn(record.id, () => offerNext(record));
      return { escalation: wireEscalation(offered) };
    },
    'escalation.list': async (caller) => {
      authorizeRole(caller.subject, 'escalation.list', 'list escalations');
      const subject = caller.subject;
      const records = (await store.current(clock.now() - ENDED_VISIBLE_MS)).filter((r) => {
        const { context, value } = r.snapshot;
        if (subject.id === context.agentId || subject.id === context.leaderId) return true;
        // Team leaders see what waits in their queues; supervisors every open one.
        return value === 'waiting' ? leadsQueue(subject, context.queueId) : subject.role === 'supervisor';
      });
      return { escalations: records.map(wireEscalation), leads: [...leads(subject)] };
    },
    'escalation.get': async (caller, args) => {
      authorizeRole(caller.subject, 'escalation.get', 'read an escalation');
      const record = await visible(caller.subject, args.escalationId);
      const { target } = record.snapshot.context;
      // The private thread is read, like it is written, by its parties only: other team leaders of the queue see the
      // escalation (to take it from the board), not what the agent and their team leader said.
      const messages = isThreadParty(caller.subject, record) ? await store.messages(record.id) : [];
      if (target.kind === 'interaction')
        return {
          escalation: wireEscalation(record),
          messages,
          history: await deps.history(target.id, 0, 1_000),
        };
      const found = await deps.cases.view(target.id);
      return {
        escalation: wireEscalation(record),
        messages,
        history: [],
        ...(found ? { case: found.case, notes: found.notes } : {}),
      };
    },
    'escalation.accept': async (caller, args) => {
      const subject = asLeader(caller, 'escalation.accept', 'accept an escalation');
      return inTurn(args.escalationId, async () => {
        const record = await visible(subject, args.escalationId);
        if (
          !leadsQueue(subject, record.snapshot.context.queueId) ||
          subject.id === record.snapshot.context.agentId
        )
          throw helplineError('auth/forbidden', { operation: 'accept an escalation' });
        const accepted = await step(
          record,
          { type: 'ACCEPT', at: clock.now(), leaderId: subject.id },
          subject.id,
          'accept the escalation',
        );
        announce(accepted);
        return { escalation: wireEscalation(accepted) };
      });
    },
    'escalation.decline': async (caller, args) => {
      const subject = asLeader(caller, 'escalation.decline', 'decline an escalation');
      return inTurn(args.escalationId, async () => {
        const record = await visible(subject, args.escalationId);
        if (record.snapshot.value !== 'offered' || record.snapshot.context.leaderId !== subject.id)
          throw helplineError('not-found', { entity: 'Offer', id: args.escalationId });
        const declined = await step(record, { type: 'DECLINE', at: clock.now() }, subject.id, 'decline');
        deps.notify(subject.id, { type: 'escalation', escalation: wireEscalation(declined) });
        return { escalation: wireEscalation(await offerNext(declined)) };
      });
    },
    'escalation.message': async (caller, args) => {
      authorizeRole(caller.subject, 'escalation.message', 'write in an escalation');
      const subject = caller.subject;
      const record = await visible(subject, args.escalationId);
      const { value } = record.snapshot;
      // The thread is the agent's and their team leader's (and a supervisor's): not every leader of the queue.
      if (!isThreadParty(subject, record))
        throw helplineError('auth/forbidden', { operation: 'write in an escalation' });
      if (isEscalationFinal(value))
        throw helplineError('conflict/state', { operation: 'write', entity: 'escalation', state: value });
      const message: EscalationMessage = {
        id: uuidv7(),
        escalationId: record.id,
        authorId: subject.id,
        text: redactCardNumbers(args.text),
        at: clock.now(),
      };
      await store.addMessage(message);
      announce(record, message);
      return { message };
    },
    'escalation.takeover': async (caller, args) => {
      const subject = asLeader(caller, 'escalation.takeover', 'take an escalation over');
      return inTurn(args.escalationId, async () => {
        const record = await visible(subject, args.escalationId);
        const { context, value } = record.snapshot;
        if (value !== 'accepted')
          throw helplineError('conflict/state', {
            operation: 'take over',
            entity: 'escalation',
            state: value,
          });
        if (context.leaderId !== subject.id)
          throw helplineError('auth/forbidden', { operation: 'take an escalation over' });
        if (context.target.kind === 'interaction')
          await takeOverInteraction(context.target.id, context.agentId, subject.id);
        else await deps.cases.assign(context.target.id, subject.id, subject.id);
        const taken = await step(record, { type: 'TAKE_OVER', at: clock.now() }, subject.id, 'take over');
        announce(taken);
        return { escalation: wireEscalation(taken) };
      });
    },
    'escalation.handback': async (caller, args) => {
      const subject = asLeader(caller, 'escalation.handback', 'hand an escalation back');
      return inTurn(args.escalationId, async () => {
        const record = await visible(subject, args.escalationId);
        if (record.snapshot.value === 'accepted' && record.snapshot.context.leaderId !== subject.id)
          throw helplineError('auth/forbidden', { operation: 'hand an escalation back' });
        const back = await step(
          record,
          { type: 'HAND_BACK', at: clock.now(), note: redactCardNumbers(args.note) },
          subject.id,
          'hand back',
        );
        announce(back);
        return { escalation: wireEscalation(back) };
      });
    },
    'escalation.report': async (caller, args) => {
      authorizeRole(caller.subject, 'escalation.report', 'report on escalations');
      if (!deps.reports)
        throw helplineError('conflict/state', {
          operation: 'report',
          entity: 'hub',
          state: 'without stored history',
        });
      return deps.reports.run(args);
    },
  };

  async function boardCounts() {
    const counts = { waiting: 0, offered: 0, accepted: 0 };
    for (const r of await store.current(clock.now())) {
      const state = r.snapshot.value;
      if (state === 'waiting' || state === 'offered' || state === 'accepted') counts[state]++;
    }
    return counts;
  }

  /** The interaction ended: nothing is left to escalate, so its open escalations are cancelled. */
  async function interactionEnded(cid: string): Promise<void> {
    for (const r of await store.current(clock.now())) {
      const { target } = r.snapshot.context;
      if (target.kind !== 'interaction' || target.id !== cid || isEscalationFinal(r.snapshot.value)) continue;
      await inTurn(r.id, async () => {
        const current = await store.get(r.id);
        if (!current || isEscalationFinal(current.snapshot.value)) return;
        announce(await step(current, { type: 'CANCEL', at: clock.now() }, 'system', 'cancel'));
      });
    }
  }

  function stepped({ current, stateBefore }: InteractionStepped): void {
    if (current.snapshot.value === stateBefore) return;
    // In wrap-up or ended: the live interaction can no longer be taken over or consulted on.
    const phase = phaseOfLive(current);
    if (phase !== 'wrap-up' && phase !== 'final') return;
    const cid = current.interaction.id;
    interactionEnded(cid).catch((error: unknown) =>
      deps.reportFailure(`cancelling the escalations of ${cid}`, error),
    );
  }

  async function restore(): Promise<void> {
    for (const r of await store.current(clock.now())) {
      if (r.snapshot.value === 'offered') arm(r);
    }
  }

  return { handlers, boardCounts, stepped, restore };
}
