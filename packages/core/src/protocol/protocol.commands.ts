import * as v from 'valibot';
import { attachmentListSchema } from '../attachment/attachment.schema';
import { CASE_TASK_KINDS } from '../case/case.task';
import { CASE_PRIORITIES } from '../case/case.types';
import { REPORT_GROUPINGS, REPORT_KINDS, REPORT_PERIODS } from '../metrics/history.reports';
import { ERROR_MESSAGES, type HelplineError, helplineError } from './errors';
import { type ParseResult, parseJsonFrame, validateValue } from './protocol';
import { CASE_LIMITS, CASE_STATUS_EVENTS, caseSubject, caseTags } from './protocol.cases';
import { escalationCommandSchemas } from './protocol.escalations';
import {
  e164,
  emailAddress,
  languageTag,
  messageText,
  prechat,
  storable,
  storableText,
  timeZone,
  token,
} from './protocol.inputs';
import { LIMITS, PROTOCOL_VERSION } from './protocol.limits';
import { csatScore, epochMs, id, seq } from './protocol.primitives';
import { callSignalSchema } from './protocol.signal';
import { supervisionCommandSchemas } from './protocol.supervision';
import type { ClientFrame, CommandArgs } from './protocol.types';

// ─── client → server ────────────────────────────────────────────────────────────────────────────────

/**
 * What this connection's client can do, declared at `hello`. `voice: false` says it cannot take calls (no
 * microphone, no WebRTC, voice switched off): the router offers an agent calls only while one of their connections
 * can take them. A connection that declares nothing is taken to be able to.
 */
export const capabilitiesSchema = v.strictObject({ voice: v.boolean() });

/** First frame on every connection: the protocol version, the token and optional resume cursors. */
export const helloSchema = v.strictObject({
  t: v.literal('hello'),
  v: v.literal(PROTOCOL_VERSION),
  token,
  capabilities: v.optional(capabilitiesSchema),
  resume: v.optional(
    v.strictObject({
      token,
      cursors: v.pipe(
        v.record(id, seq),
        v.check((r) => Object.keys(r).length <= LIMITS.cursors, 'has too many cursors'),
      ),
    }),
  ),
});

const cid = v.strictObject({ cid: id });

/** One call of an interaction: commands name the call so that a stale client cannot act on a newer one. */
const callRef = v.strictObject({ cid: id, callId: id });

const callSignal = callSignalSchema('send');

/** A phone number as a person writes it (`+44 20 7946 0958`, `020 7946 0958`): the server parses and checks it. */
const dialNumber = v.pipe(v.string(), v.minLength(1), v.maxLength(40), storable);

/** Arguments of every command, by operation name. */
export const commandArgsSchemas = {
  // Visitor
  'chat.start': v.strictObject({
    /** Makes a retried start safe: the same id gets the same conversation. */
    requestId: v.optional(v.pipe(v.string(), v.uuid())),
    channel: v.picklist(['chat', 'voice']),
    queueId: v.optional(id),
    topic: v.optional(id),
    language: v.optional(languageTag),
    prechat: v.optional(prechat),
  }),
  'callback.request': v.strictObject({
    /** Makes a retried start safe: the same id gets the same conversation. */
    requestId: v.optional(v.pipe(v.string(), v.uuid())),
    queueId: v.optional(id),
    topic: v.optional(id),
    phone: e164,
    timeZone,
    /** Slot start (epoch ms) or `asap` to keep a place in line. */
    slot: v.union([v.literal('asap'), epochMs]),
    prechat: v.optional(prechat),
  }),
  'callback.cancel': cid,
  'offline.leave': v.strictObject({
    /** Makes a retried start safe: the same id gets the same conversation. */
    requestId: v.optional(v.pipe(v.string(), v.uuid())),
    queueId: v.optional(id),
    topic: v.optional(id),
    prechat: v.optional(prechat),
    text: messageText,
  }),
  /**
   * A caller leaves a voicemail: opens a `voicemail` interaction in `prechat` while they record. Allowed when the queue
   * takes voicemail (`voicemail` in its configuration) and is closed, or when the caller's own call `fromCid` has waited
   * the queue's `voicemail.afterSeconds` unanswered (that call then ends). Upload the recording to the new conversation
   * (`attachment/`), then `voicemail.send`; `chat.end` cancels it.
   */
  'voicemail.start': v.strictObject({
    /** Makes a retried start safe: the same id gets the same conversation. */
    requestId: v.optional(v.pipe(v.string(), v.uuid())),
    queueId: v.optional(id),
    topic: v.optional(id),
    /** The caller's waiting call, when nobody answered it in time. */
    fromCid: v.optional(id),
  }),
  /** Sends a voicemail's recording (one uploaded audio file): the voicemail joins its queue. */
  'voicemail.send': v.strictObject({
    cid: id,
    clientMsgId: v.pipe(v.string(), v.uuid()),
    attachments: v.pipe(attachmentListSchema, v.length(1, 'must hold exactly one recording')),
    /** How long the message is, as the recorder measured it. */
    durationMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3_600_000))),
  }),
  'csat.submit': v.strictObject({
    cid: id,
    score: csatScore,
    comment: v.optional(storableText(LIMITS.comment)),
    nps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10))),
  }),
  'conversation.list': v.strictObject({}),
  /**
   * "Continue by email": the customer of a chat gives an address for the transcript and the agent's later replies
   * once they have left. An unverified claim: a delivery address for this conversation only, never an identity.
   */
  'conversation.email': v.strictObject({ cid: id, address: emailAddress }),
  // Both sides
  /**
   * A message: text, attachments (uploaded first, `attachment/`), or both. The text may be empty only when there
   * are attachments; the server keeps its own facts of each (type, size), not the client's.
   */
  'message.send': v.pipe(
    v.strictObject({
      cid: id,
      clientMsgId: v.pipe(v.string(), v.uuid()),
      text: storableText(LIMITS.text),
      attachments: v.optional(attachmentListSchema),
    }),
    v.forward(
      v.partialCheck(
        [['text'], ['attachments']],
        (input) => input.text.trim() !== '' || (input.attachments?.length ?? 0) > 0,
        'must not be empty',
      ),
      ['text'],
    ),
  ),
  typing: v.strictObject({ cid: id, typing: v.boolean() }),
  read: v.strictObject({ cid: id, seq }),
  history: v.strictObject({
    cid: id,
    /** Events with `seq` greater than this. */
    after: v.optional(seq),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LIMITS.historyPage))),
  }),
  'chat.end': cid,
  // Agent
  'presence.set': v.strictObject({
    status: v.picklist(['offline', 'available', 'away']),
    reason: v.optional(id),
  }),
  'offer.accept': cid,
  'offer.reject': cid,
  'wrapup.submit': v.strictObject({
    cid: id,
    disposition: v.optional(id),
    notes: v.optional(storableText(LIMITS.notes)),
  }),
  transfer: v.strictObject({
    cid: id,
    toQueueId: v.optional(id),
    toAgentId: v.optional(id),
    note: v.optional(storableText(LIMITS.comment)),
  }),
  // Messaging conversations (email, SMS, WhatsApp, Messenger): the assigned agent or a supervisor.
  /** The agent answered and waits for the customer: the conversation stays theirs but holds no capacity. */
  'conversation.pending': cid,
  /** Puts the conversation aside until `until` (epoch ms, in the future); it is the agent's to work on again then. */
  'conversation.snooze': v.strictObject({ cid: id, until: epochMs }),
  /** Done, with a disposition of the queue (required when the queue requires one) and notes. */
  'conversation.resolve': v.strictObject({
    cid: id,
    disposition: v.optional(id),
    notes: v.optional(storableText(LIMITS.notes)),
  }),
  /**
   * Back to work before the customer writes (a pending or snoozed conversation, with its agent), or a resolved one
   * reopened for `toAgentId` (default: the agent asking; a supervisor names one).
   */
  'conversation.reopen': v.strictObject({ cid: id, toAgentId: v.optional(id) }),
  /** The agent reports how a callback dial went. */
  'callback.outcome': v.strictObject({
    cid: id,
    outcome: v.picklist(['answered', 'no-answer', 'failed', 'cancelled']),
  }),
  /**
   * Moves a callback to a slot starting at `at` (epoch ms; in the future, inside the queue's business hours).
   * The customer may move their own while it waits; the assigned agent one they accepted but have not reached
   * the customer on yet (it leaves their hands); a supervisor any callback that waits.
   */
  'callback.reschedule': v.strictObject({ cid: id, at: epochMs }),
  'agent.snapshot': v.strictObject({}),
  /** The queues' console configuration: dispositions, after-call work, SLA targets, canned responses. */
  'queues.list': v.strictObject({}),
  /** Past interactions of a customer the agent is working with (supervisors: any customer), newest first. */
  'customer.history': v.strictObject({ customerId: id }),
  /**
   * The customer record an interaction resolved to, for its screen pop: identifiers, the timeline across channels
   * (newest first), open merge suggestions. Agents of the interaction's queue (or holding it); supervisors.
   */
  'customer.of': cid,
  /** A customer record by id (a merged one answers with the record it was merged into), with timeline and suggestions. */
  'customer.get': v.strictObject({ customerId: id }),
  /** Customers whose name, email or phone (E.164, or the digits of a local number) starts with `query`. Staff. */
  'customer.search': v.strictObject({
    query: v.pipe(storableText(120), v.minLength(2)),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50))),
  }),
  /** Open merge suggestions: a supervisor's all, an agent's those of customers of their queues. */
  'customer.suggestions': v.strictObject({}),
  /**
   * Merges customer `sourceId` into `targetId` (identifiers and interactions move, the source points to the target);
   * `suggestionId` accepts that suggestion. An agent may merge customers who both have interactions in their queues.
   */
  'customer.merge': v.strictObject({ targetId: id, sourceId: id, suggestionId: v.optional(id) }),
  /** Dismisses a merge suggestion: the two stay apart, and the same pair is not suggested again. */
  'customer.dismiss': v.strictObject({ suggestionId: id }),
  /**
   * Moves identifiers and interactions of a customer to a new customer (a merge undone, or two people told apart).
   * Supervisors only.
   */
  'customer.split': v.strictObject({
    customerId: id,
    identifierIds: v.pipe(v.array(id), v.maxLength(200)),
    interactionIds: v.pipe(v.array(id), v.maxLength(1_000)),
    displayName: v.optional(storableText(LIMITS.name)),
  }),
  /** The audit trail of a customer's merges and splits, newest first. Supervisors only. */
  'customer.audit': v.strictObject({ customerId: id }),
  // Cases (tickets, docs/cases.md): agents only cases of their queues, supervisors all; never visitors.
  /** Opens a case for the customer of interaction `cid`, in its queue, linked to it (its first contact). */
  'case.create': v.strictObject({
    cid: id,
    subject: caseSubject,
    priority: v.optional(v.picklist(CASE_PRIORITIES)),
    tags: v.optional(caseTags),
  }),
  /** A case with its internal notes. */
  'case.get': v.strictObject({ caseId: id }),
  /** The cases of a customer: open ones first, then by last change. */
  'case.list': v.strictObject({ customerId: id }),
  /**
   * Changes a case: its status through a machine event (`SOLVE`, `PEND`, …), and any of priority, subject, queue,
   * assignee (`null` unassigns) and tags.
   */
  'case.update': v.strictObject({
    caseId: id,
    event: v.optional(v.picklist(CASE_STATUS_EVENTS)),
    subject: v.optional(caseSubject),
    priority: v.optional(v.picklist(CASE_PRIORITIES)),
    queueId: v.optional(id),
    assigneeId: v.optional(v.nullable(id)),
    tags: v.optional(caseTags),
  }),
  /** Adds an internal note: staff only, never shown to the customer. */
  'case.note': v.strictObject({
    caseId: id,
    text: v.pipe(storableText(CASE_LIMITS.note), v.trim(), v.minLength(1)),
  }),
  /** Links interaction `cid` (of the same customer) to the case; a solved case reopens (a new contact). */
  'case.link': v.strictObject({ caseId: id, cid: id }),
  /**
   * Schedules a follow-up task on the case, due at `dueAt` (in the future, within a year): a `reminder` to the case's
   * assignee, or a `callback` to `phone` (E.164, required for callbacks and refused on reminders) placed in the
   * case's queue. The case must not be closed.
   */
  'case.task.add': v.strictObject({
    caseId: id,
    kind: v.picklist(CASE_TASK_KINDS),
    dueAt: epochMs,
    note: v.optional(v.pipe(storableText(CASE_LIMITS.taskNote), v.trim())),
    phone: v.optional(e164),
  }),
  /** Cancels a scheduled follow-up task of the case. */
  'case.task.cancel': v.strictObject({ caseId: id, taskId: id }),
  // Escalations to a team leader (docs/cases.md, "Escalation"): agents escalate their own work; team leaders act.
  ...escalationCommandSchemas,
  // Supervisor
  /** The live board and KPIs since `from` (epoch ms; default: the last 24 hours). */
  'supervisor.snapshot': v.strictObject({ from: v.optional(epochMs) }),
  /**
   * KPIs of `[from, to)` (default `to`: now) in buckets of `bucketMinutes`, oldest first — the trend of a day by
   * hour, for example. At most 288 buckets.
   */
  'supervisor.kpi-series': v.strictObject({
    from: epochMs,
    to: v.optional(epochMs),
    bucketMinutes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1440)),
    queueId: v.optional(id),
  }),
  /**
   * A report from the stored history (docs/reports.md): contact figures by group, volume by weekday and hour, or
   * recurring problems, for the calendar `period` containing `at` in `timeZone`, or for `[from, to)`. Supervisors.
   */
  'report.run': v.strictObject({
    kind: v.picklist(REPORT_KINDS),
    period: v.optional(v.picklist(REPORT_PERIODS)),
    at: v.optional(epochMs),
    from: v.optional(epochMs),
    to: v.optional(epochMs),
    timeZone: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
    groupBy: v.optional(v.picklist(REPORT_GROUPINGS)),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
  }),
  'supervisor.force-presence': v.strictObject({
    agentId: id,
    status: v.picklist(['offline', 'available', 'away']),
    reason: v.optional(id),
  }),
  /** Moves a waiting interaction to another queue; it keeps its place by waiting time. */
  'supervisor.reassign': v.strictObject({ cid: id, toQueueId: id }),
  // Voice: only the customer and the assigned agent of the interaction
  /** Starts a call in an interaction: a chat escalated to voice, or a web callback to a visitor who is online. */
  'call.start': cid,
  /** The called party picks up. */
  'call.answer': callRef,
  /** Hangs up (or declines a call that rings here). */
  'call.hangup': callRef,
  'call.hold': callRef,
  /** Only the party that put the call on hold takes it off hold. */
  'call.resume': callRef,
  /** How this party's audio path is doing; the first `connected` makes the call active. */
  'call.media': v.strictObject({
    cid: id,
    callId: id,
    media: v.picklist(['connected', 'reconnecting', 'failed']),
  }),
  /** Relays a signaling message to the other party of the call. */
  'call.signal': v.strictObject({ cid: id, callId: id, signal: callSignal }),
  /** The interaction's current (or last) call; binds this connection as this party's end of it (after a reload). */
  'call.attach': cid,
  /** The called party's phone rings (an outbound call the agent dialled): `dialing → ringing`. */
  'call.ring': callRef,
  // Consult, conference and transfer: the call's agent
  /**
   * Puts the customer on hold and calls a colleague (`agent`), a supervisor, or an outside number (`external`: the
   * same E.164, do-not-call and calling-hours checks as `voice.dial`) on a consult leg: `active | held → consulting`.
   */
  'call.consult': v.strictObject({
    cid: id,
    callId: id,
    to: v.variant('kind', [
      v.strictObject({ kind: v.literal('agent'), id }),
      v.strictObject({ kind: v.literal('supervisor'), id }),
      v.strictObject({ kind: v.literal('external'), number: dialNumber }),
    ]),
  }),
  /** Ends the consult leg (or drops the third party of a conference) and talks to the customer again. */
  'call.return': callRef,
  /** Brings the consulted party in: agent, customer and party hear each other (`consulting → conferenced`). */
  'call.merge': callRef,
  /**
   * Warm transfer: the agent leaves and the consulted party (who picked up) keeps the customer, on the same
   * interaction. The agent's leg ends as `transferred`. Cold transfers to an agent or a queue are `transfer`.
   */
  'call.transfer': callRef,
  /** The consulted party picks up a consult leg that rings for them. */
  'consult.answer': v.strictObject({ cid: id, legId: id }),
  /** Either end of a consult leg hangs up (the party consulted declines one that rings). */
  'consult.hangup': v.strictObject({ cid: id, legId: id }),
  /** Relays a signaling message to the other end of a consult leg. */
  'consult.signal': v.strictObject({ cid: id, legId: id, signal: callSignal }),
  /**
   * The call's agent starts (queues that record `on-demand`), pauses or resumes the recording; each is an event of the
   * conversation's log naming the agent. Pause is the card-payment control: nothing is captured while paused.
   */
  'call.recording': v.strictObject({ cid: id, callId: id, action: v.picklist(['start', 'pause', 'resume']) }),
  /**
   * The recordings of an interaction, or of every interaction of a customer: supervisors, and the interaction's
   * agents when the server allows agents to play their own calls back.
   */
  'recording.list': v.strictObject({ cid: v.optional(id), customerId: v.optional(id) }),
  // Outbound calls (click-to-dial)
  /**
   * An agent calls a phone number: `number` as written (E.164, or national in the queue's region), on `queueId`
   * (default: the agent's first queue); `timeZone` overrides the one the number's country implies for calling hours.
   */
  'voice.dial': v.strictObject({
    requestId: v.optional(v.pipe(v.string(), v.uuid())),
    number: dialNumber,
    queueId: v.optional(id),
    timeZone: v.optional(timeZone),
  }),
  /** Adds a number to the do-not-call list (supervisors). */
  'dnc.add': v.strictObject({ number: dialNumber, reason: v.optional(storableText(LIMITS.comment)) }),
  /** Takes a number off the do-not-call list (supervisors). */
  'dnc.remove': v.strictObject({ number: dialNumber }),
  /** The do-not-call list, newest first (supervisors). */
  'dnc.list': v.strictObject({}),
  // Supervisor legs: monitor, whisper, barge, silent chat monitoring and private notes (docs/voice.md).
  ...supervisionCommandSchemas,
} as const;

/** Every operation name a client may send. */
export type CommandOp = keyof typeof commandArgsSchemas;

/** The list of operation names. */
// `@__PURE__` lets bundlers drop the command schemas from clients, which never validate commands.
export const COMMAND_OPS = /* @__PURE__ */ Object.keys(commandArgsSchemas) as CommandOp[];

const commandFrameSchemas = /* @__PURE__ */ COMMAND_OPS.map((op) =>
  v.strictObject({
    t: v.literal('cmd'),
    id,
    op: v.literal(op),
    args: commandArgsSchemas[op],
  }),
);

/** A command frame; `op` selects the argument schema. */
export const commandFrameSchema = v.variant(
  'op',
  commandFrameSchemas as unknown as [
    (typeof commandFrameSchemas)[number],
    ...(typeof commandFrameSchemas)[number][],
  ],
);

/** Answer to a server `ping`. */
export const pongSchema = v.strictObject({ t: v.literal('pong'), ts: epochMs });

/** A client's liveness probe (tab visible again, back online); the server answers `pong`. */
export const clientPingSchema = v.strictObject({ t: v.literal('ping'), ts: epochMs });

/** Every frame a client may send. */
export const clientFrameSchema = v.variant('t', [
  helloSchema,
  commandFrameSchema,
  pongSchema,
  clientPingSchema,
]);

/**
 * Parses and validates a frame received by the server. Rejects non-JSON, oversized frames, unknown fields,
 * prototype-polluting keys and every schema violation with a typed error.
 *
 * @example
 * ```ts
 * const parsed = parseClientFrame(data);
 * if (!parsed.ok) return reply({ t: 'nack', id: '?', error: parsed.error.toPayload() });
 * ```
 */
export function parseClientFrame(raw: string | unknown): ParseResult<ClientFrame> {
  const json = typeof raw === 'string' ? parseJsonFrame(raw) : ({ ok: true, value: raw } as const);
  if (!json.ok) return json;
  const result = validateValue(clientFrameSchema, json.value);
  return result.ok ? result : asFieldError(json.value, result);
}

/**
 * A well-formed command with a bad argument, or a `hello` with a bad token or resume cursor, is the caller's input
 * error: name the command (or `hello`) and the field.
 */
function asFieldError(
  value: unknown,
  failure: { ok: false; error: HelplineError },
): ParseResult<ClientFrame> {
  const { field } = failure.error;
  if (field === undefined) return failure;
  const frame = value as { t?: unknown; op?: unknown } | null;
  let scope: string;
  let name: string;
  if (
    frame?.t === 'cmd' &&
    field.startsWith('args.') &&
    typeof frame.op === 'string' &&
    Object.hasOwn(commandArgsSchemas, frame.op)
  ) {
    scope = frame.op;
    name = field.slice('args.'.length);
  } else if (
    frame?.t === 'hello' &&
    (field === 'token' || field === 'resume' || field.startsWith('resume.'))
  ) {
    scope = 'hello';
    name = field;
  } else {
    return failure;
  }
  return {
    ok: false,
    error: helplineError(
      'validation/field',
      { scope, field: name, detail: detailOf(failure.error) },
      { field: name },
    ),
  };
}

/** What was wrong, without the frame-level wording and the field path the field error names anyway. */
function detailOf(error: HelplineError): string {
  const prefix = `${ERROR_MESSAGES['protocol/invalid-frame'].replace('{detail}', '')}${error.field === undefined ? '' : `${error.field}: `}`;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** Validates the arguments of one command before it is sent, so bad input fails early with a field name. */
export function validateCommandArgs<Op extends CommandOp>(
  op: Op,
  args: unknown,
): ParseResult<CommandArgs<Op>> {
  const schema: v.GenericSchema<unknown, CommandArgs<Op>> = commandArgsSchemas[op];
  const result = validateValue(schema, args);
  if (result.ok) return result;
  return {
    ok: false,
    error: helplineError(
      'validation/field',
      {
        scope: op,
        field: result.error.field ?? 'args',
        detail: detailOf(result.error),
      },
      result.error.field === undefined ? {} : { field: result.error.field },
    ),
  };
}
