import { atom, type ReadableAtom } from 'nanostores';
import type { Connection } from '../connection/connection';
import type { CommandResult } from '../protocol/protocol.types';

/** An escalation to a team leader as staff receive it (docs/cases.md, "Escalation"). */
export type EscalationView = CommandResult<'escalation.get'>['escalation'];

/** One message of the private agent ↔ team-leader thread of an escalation. */
export type EscalationMessageView = CommandResult<'escalation.get'>['messages'][number];

/** An escalation opened: its thread and what was escalated (the interaction's history, or the case and its notes). */
export type EscalationDetail = CommandResult<'escalation.get'>;

/** What an agent escalates: the live interaction they hold, or a case assigned to them. */
export type EscalationSubject = { readonly cid: string } | { readonly caseId: string };

/**
 * Escalations to a team leader, `agent.escalations`: an agent escalates their own work with a reason; a team leader
 * (an agent whose configuration `leads` queues) accepts or declines what is offered, consults in a private thread,
 * then takes it over or hands it back. `$escalations` holds the agent's own and the team leader's inbox, kept current by
 * the server's `escalation` notices once {@link AgentEscalations.refresh} ran; `$leads` the queues this agent leads.
 *
 * @example
 * ```ts
 * await agent.escalations.escalate({ cid }, 'Asks for a refund above my limit');
 * // The team leader's console:
 * await tess.escalations.refresh();
 * const [offered] = tess.escalations.$escalations.get();
 * await tess.escalations.accept(offered.id);
 * await tess.escalations.takeOver(offered.id);
 * ```
 */
export interface AgentEscalations {
  /** The escalations this agent raised, and those offered to, held by, or waiting for the team leader; newest first. */
  readonly $escalations: ReadableAtom<readonly EscalationView[]>;
  /** The queues this agent leads as a team leader (empty: not a team leader). */
  readonly $leads: ReadableAtom<readonly string[]>;
  /** The last thread message received per escalation (a console opening the thread reads the rest with `get`). */
  readonly $lastMessage: ReadableAtom<Readonly<Record<string, EscalationMessageView>>>;
  /** Loads the inbox from the server. */
  refresh(): Promise<readonly EscalationView[]>;
  /** Escalates the live interaction the agent holds, or a case assigned to them, with a reason. */
  escalate(subject: EscalationSubject, reason: string): Promise<EscalationView>;
  /** One escalation with its thread and the history of what was escalated. */
  get(escalationId: string): Promise<EscalationDetail>;
  accept(escalationId: string): Promise<EscalationView>;
  decline(escalationId: string): Promise<EscalationView>;
  /** Writes in the private thread of the escalation (the agent and the team leader read it, never the customer). */
  message(escalationId: string, text: string): Promise<EscalationMessageView>;
  /** The team leader takes the interaction or case over: it is reassigned to them, the agent released. */
  takeOver(escalationId: string): Promise<EscalationView>;
  /** The team leader hands it back to the agent with a note. */
  handBack(escalationId: string, note: string): Promise<EscalationView>;
  /** Stops listening to the connection. */
  dispose(): void;
}

/** The escalations part of an agent session, over its connection. */
export function createAgentEscalations(
  connection: Pick<Connection, 'command' | 'onNotice'>,
): AgentEscalations {
  const $escalations = atom<readonly EscalationView[]>([]);
  const $leads = atom<readonly string[]>([]);
  const $lastMessage = atom<Readonly<Record<string, EscalationMessageView>>>({});

  /** The escalation in the list, replacing the copy it had (newest first). */
  function upsert(escalation: EscalationView): EscalationView {
    const others = $escalations.get().filter((e) => e.id !== escalation.id);
    $escalations.set([escalation, ...others].sort((a, b) => b.createdAt - a.createdAt));
    return escalation;
  }

  const stop = connection.onNotice((notice) => {
    if (notice.type !== 'escalation') return;
    upsert(notice.escalation);
    const { message } = notice;
    if (message) $lastMessage.set({ ...$lastMessage.get(), [message.escalationId]: message });
  });

  const run = async (
    op: 'escalation.accept' | 'escalation.decline' | 'escalation.takeover',
    escalationId: string,
  ) => upsert((await connection.command(op, { escalationId })).escalation);

  return {
    $escalations,
    $leads,
    $lastMessage,
    async refresh() {
      const { escalations, leads } = await connection.command('escalation.list', {});
      $leads.set(leads);
      $escalations.set([...escalations].sort((a, b) => b.createdAt - a.createdAt));
      return $escalations.get();
    },
    escalate: async (subject, reason) =>
      upsert((await connection.command('escalation.create', { ...subject, reason })).escalation),
    get: async (escalationId) => {
      const detail = await connection.command('escalation.get', { escalationId });
      upsert(detail.escalation);
      return detail;
    },
    accept: (escalationId) => run('escalation.accept', escalationId),
    decline: (escalationId) => run('escalation.decline', escalationId),
    message: async (escalationId, text) =>
      (await connection.command('escalation.message', { escalationId, text })).message,
    takeOver: (escalationId) => run('escalation.takeover', escalationId),
    handBack: async (escalationId, note) =>
      upsert((await connection.command('escalation.handback', { escalationId, note })).escalation),
    dispose: stop,
  };
}
