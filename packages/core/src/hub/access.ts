import type { Interaction } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { CommandOp, ConversationEvent } from '../protocol/protocol.types';
import type { Subject } from './hub.types';

// Every ownership rule of the hub, as data. The hub asks `authorize` before a command touches an interaction and
// `canSee` before an event leaves it; the authorization matrix test walks the same tables, so the rules and the
// test cannot drift apart.

/** Who a subject is to one interaction. Exactly one relation holds at a time (see {@link relationOf}). */
export type Relation =
  /** The visitor whose interaction it is. */
  | 'customer'
  /** A visitor whose interaction it is not. */
  | 'other-visitor'
  /** The agent it is offered to, not yet accepted. */
  | 'offered'
  /** The agent who holds it (accepted, through wrap-up). */
  | 'assigned'
  /** An agent who held it before a transfer or reassignment. */
  | 'former'
  /** Any other agent who serves its queue. */
  | 'queue-agent'
  /** An agent of other queues only. */
  | 'other-agent'
  /** A supervisor, who observes and steers every interaction. */
  | 'supervisor';

/** Every relation, for tests and docs. */
export const RELATIONS: readonly Relation[] = [
  'customer',
  'other-visitor',
  'offered',
  'assigned',
  'former',
  'queue-agent',
  'other-agent',
  'supervisor',
];

/** What the rules need to know about the interaction besides the record itself. */
export interface AccessFacts {
  /** True while the interaction waits for `agentId` to accept an offer. */
  readonly offered: boolean;
  /** Queues the subject (an agent) serves. */
  readonly queuesOf: (agentId: string) => ReadonlySet<string> | undefined;
}

/** The relation of `subject` to `interaction`. */
export function relationOf(subject: Subject, interaction: Interaction, facts: AccessFacts): Relation {
  if (subject.role === 'supervisor') return 'supervisor';
  if (subject.role === 'visitor')
    return interaction.customer.id === subject.id ? 'customer' : 'other-visitor';
  if (interaction.agentId === subject.id) return facts.offered ? 'offered' : 'assigned';
  if (interaction.participants.some((p) => p.id === subject.id)) return 'former';
  return facts.queuesOf(subject.id)?.has(interaction.queueId) ? 'queue-agent' : 'other-agent';
}

/** Relations from which an interaction is visible at all; anyone else is told it does not exist. */
const KNOWN: ReadonlySet<Relation> = new Set(['customer', 'offered', 'assigned', 'former', 'supervisor']);

/** True when `relation` may know the interaction exists (a refusal then says forbidden, not not-found). */
export function knows(relation: Relation): boolean {
  return KNOWN.has(relation);
}

/** Commands that act on one interaction (their arguments name it by `cid`), and who may run each. */
export const INTERACTION_RULES = {
  'message.send': ['customer', 'assigned'],
  typing: ['customer', 'assigned'],
  read: ['customer', 'assigned'],
  // A former agent reads up to their own leave (see `visibleUntil`); supervisors read everything.
  history: ['customer', 'assigned', 'former', 'supervisor'],
  'chat.end': ['customer', 'assigned'],
  'csat.submit': ['customer'],
  // Only the caller who recorded a voicemail sends it.
  'voicemail.send': ['customer'],
  // Only the chat's own visitor gives the address its replies go to.
  'conversation.email': ['customer'],
  'offer.accept': ['offered'],
  'offer.reject': ['offered'],
  'wrapup.submit': ['assigned'],
  transfer: ['assigned'],
  // The assigned agent ends a callback with `callback.outcome` instead.
  'callback.cancel': ['customer', 'supervisor'],
  'callback.outcome': ['assigned'],
  // A messaging conversation's agent, or a supervisor, moves it between waiting, snoozed, resolved and back.
  'conversation.pending': ['assigned', 'supervisor'],
  'conversation.snooze': ['assigned', 'supervisor'],
  'conversation.resolve': ['assigned', 'supervisor'],
  'conversation.reopen': ['assigned', 'supervisor'],
  'callback.reschedule': ['customer', 'assigned', 'supervisor'],
  'supervisor.reassign': ['supervisor'],
  'call.start': ['customer', 'assigned'],
  'call.answer': ['customer', 'assigned'],
  'call.hangup': ['customer', 'assigned'],
  'call.hold': ['customer', 'assigned'],
  'call.resume': ['customer', 'assigned'],
  'call.media': ['customer', 'assigned'],
  'call.signal': ['customer', 'assigned'],
  'call.attach': ['customer', 'assigned'],
  // The phone network's side of a dialled call (the server speaks for the customer's phone).
  'call.ring': ['customer'],
  // Consult, conference and warm transfer: the call's own agent only.
  'call.consult': ['assigned'],
  'call.return': ['assigned'],
  'call.merge': ['assigned'],
  'call.transfer': ['assigned'],
  // Only the call's own agent starts, pauses or resumes its recording (never the customer, nor another agent).
  'call.recording': ['assigned'],
  // A supervisor joins a live call or chat, switches between monitor, whisper and barge, leaves, and sends the agent
  // private notes (docs/voice.md). Nobody else, not even the interaction's agent; that agent's browser signals its side
  // of a browser call's leg (it mixes the call for the supervisor).
  'supervision.start': ['supervisor'],
  'supervision.mode': ['supervisor'],
  'supervision.stop': ['supervisor'],
  'supervision.note': ['supervisor'],
  'supervision.signal': ['assigned', 'supervisor'],
} as const satisfies Partial<Record<CommandOp, readonly Relation[]>>;

/** A command that acts on one interaction. */
export type InteractionOp = keyof typeof INTERACTION_RULES;

/** Commands about no single interaction, and the roles that may run each. */
export const SUBJECT_RULES = {
  'chat.start': ['visitor'],
  'callback.request': ['visitor'],
  'offline.leave': ['visitor'],
  'voicemail.start': ['visitor'],
  'conversation.list': ['visitor', 'agent', 'supervisor'],
  'presence.set': ['agent', 'supervisor'],
  'agent.snapshot': ['agent', 'supervisor'],
  'queues.list': ['agent', 'supervisor'],
  // Further narrowed to customers the agent works with (see the hub's handler).
  'customer.history': ['agent', 'supervisor'],
  // Customer records (docs/customers.md): agents further narrowed to customers of their queues (customers.hub.ts).
  'customer.of': ['agent', 'supervisor'],
  'customer.get': ['agent', 'supervisor'],
  'customer.search': ['agent', 'supervisor'],
  'customer.suggestions': ['agent', 'supervisor'],
  'customer.merge': ['agent', 'supervisor'],
  'customer.dismiss': ['agent', 'supervisor'],
  // Telling two people apart moves their histories: supervisors only, like the audit trail that records it.
  'customer.split': ['supervisor'],
  'customer.audit': ['supervisor'],
  // Cases (docs/cases.md): agents further narrowed to cases of their queues (cases.hub.ts).
  'case.create': ['agent', 'supervisor'],
  'case.get': ['agent', 'supervisor'],
  'case.list': ['agent', 'supervisor'],
  'case.update': ['agent', 'supervisor'],
  'case.note': ['agent', 'supervisor'],
  'case.link': ['agent', 'supervisor'],
  // Follow-up tasks: agents of the case's queue (others are told the case does not exist) and supervisors.
  'case.task.add': ['agent', 'supervisor'],
  'case.task.cancel': ['agent', 'supervisor'],
  // Escalations (docs/cases.md): agents escalate their own work; the team-leader actions are further narrowed to
  // agents who lead the escalation's queue (escalations.hub.ts), supervisors acting for any queue from the board.
  'escalation.create': ['agent'],
  'escalation.list': ['agent', 'supervisor'],
  'escalation.get': ['agent', 'supervisor'],
  'escalation.message': ['agent', 'supervisor'],
  'escalation.accept': ['agent', 'supervisor'],
  'escalation.decline': ['agent'],
  'escalation.takeover': ['agent'],
  'escalation.handback': ['agent', 'supervisor'],
  'escalation.report': ['supervisor'],
  'supervisor.snapshot': ['supervisor'],
  'report.run': ['supervisor'],
  'supervisor.kpi-series': ['supervisor'],
  'supervisor.force-presence': ['supervisor'],
  // Click-to-dial: agents place calls (their voice capacity and queues are checked by the handler); supervisors keep
  // the do-not-call list.
  'voice.dial': ['agent'],
  'dnc.add': ['supervisor'],
  'dnc.remove': ['supervisor'],
  'dnc.list': ['supervisor'],
  // A consult leg's two ends: the consulting agent and the party consulted, who has no part in the interaction
  // itself (narrowed to the leg's own ends in voice.consult.ts).
  'consult.answer': ['agent', 'supervisor'],
  'consult.hangup': ['agent', 'supervisor'],
  'consult.signal': ['agent', 'supervisor'],
  // Agents further narrowed to interactions they were on, and only when the server allows agents to play back.
  'recording.list': ['agent', 'supervisor'],
  // Supervisor legs (docs/voice.md): only supervisors read the audit log; an agent lists the legs their browser
  // carries (after a reload).
  'supervision.audit': ['supervisor'],
  'supervision.list': ['agent', 'supervisor'],
} as const satisfies Partial<Record<CommandOp, readonly Subject['role'][]>>;

/** Every command is governed by exactly one of the two tables (checked by the type below and by a test). */
type Uncovered = Exclude<CommandOp, InteractionOp | keyof typeof SUBJECT_RULES>;
const everyCommandCovered: [Uncovered] extends [never] ? true : Uncovered = true;
void everyCommandCovered;

/** True when `op` acts on one interaction. */
export function isInteractionOp(op: CommandOp): op is InteractionOp {
  return Object.hasOwn(INTERACTION_RULES, op);
}

/** May a subject of `role` run `op` at all (before any interaction is looked at)? */
export function roleMayRun(role: Subject['role'], op: CommandOp): boolean {
  if (isInteractionOp(op)) {
    const relations: readonly Relation[] = INTERACTION_RULES[op];
    return relations.some((relation) => roleOf(relation) === role);
  }
  const roles: readonly Subject['role'][] = SUBJECT_RULES[op];
  return roles.includes(role);
}

/** The role every subject of a relation has. */
export function roleOf(relation: Relation): Subject['role'] {
  if (relation === 'customer' || relation === 'other-visitor') return 'visitor';
  return relation === 'supervisor' ? 'supervisor' : 'agent';
}

/** Refuses a subject-level command to a role the table does not name. */
export function authorizeRole(subject: Subject, op: CommandOp, operation: string): void {
  if (!roleMayRun(subject.role, op)) throw helplineError('auth/forbidden', { operation });
}

/**
 * Refuses `op` on an interaction to a subject whose relation the table does not name: `auth/forbidden` when no
 * relation of the subject's role could run it (a visitor accepting an offer), `not-found` when the subject may not
 * even know the interaction exists (ids are not probed), `auth/forbidden` otherwise.
 */
export function authorize(op: InteractionOp, relation: Relation, cid: string, operation: string): void {
  const allowed: readonly Relation[] = INTERACTION_RULES[op];
  if (!roleMayRun(roleOf(relation), op)) throw helplineError('auth/forbidden', { operation });
  if (allowed.includes(relation)) return;
  if (!knows(relation)) throw helplineError('not-found', { entity: 'Conversation', id: cid });
  throw helplineError('auth/forbidden', { operation });
}

/** Conversation events only staff see. Anyone else receives the event's place in the log without its content. */
const STAFF_ONLY: ReadonlySet<ConversationEvent['type']> = new Set(['note', 'receipt']);

/** True when the event's content may reach a subject of `role`. */
export function canSee(role: Subject['role'], ev: ConversationEvent): boolean {
  return role !== 'visitor' || !STAFF_ONLY.has(ev.type);
}

/**
 * The event as `role` receives it: itself, or, for a staff-only event, a `withheld` marker that keeps the `seq`
 * gap-free without saying what was written.
 */
export function eventFor(role: Subject['role'], ev: ConversationEvent): ConversationEvent {
  return canSee(role, ev) ? ev : { type: 'withheld' };
}

/**
 * The last `seq` a former participant may read: their own leave. `undefined` means no limit.
 */
export function visibleUntil(
  relation: Relation,
  interaction: Interaction,
  subjectId: string,
): number | undefined {
  if (relation !== 'former') return undefined;
  let until = 0;
  for (const p of interaction.participants) if (p.id === subjectId) until = Math.max(until, p.leftSeq ?? 0);
  return until;
}
