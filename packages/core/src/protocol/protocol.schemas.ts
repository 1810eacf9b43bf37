import * as v from 'valibot';
import { attachmentRefSchema } from '../attachment/attachment.schema';
import { caseSlaNoticeSchema, caseTaskNoticeSchema } from './protocol.cases';
import { escalationMessageSchema, escalationRecordSchema } from './protocol.escalations';
import {
  callSide,
  channel,
  csatScore,
  endedBy,
  endReason,
  epochMs,
  id,
  name,
  role,
  seq,
  voiceMedia,
  voiceState,
} from './protocol.primitives';
import { callSignalSchema } from './protocol.signal';
import { supervisionNoticeSchemas } from './protocol.supervision';

// ─── server → client ────────────────────────────────────────────────────────────────────────────────
// Clients parse with `v.object`, which drops unknown keys: a newer server may add fields, never remove them.

const errorPayload = v.object({
  code: v.string(),
  message: v.string(),
  retryAfterMs: v.optional(v.number()),
  field: v.optional(v.string()),
});

const sender = v.object({ id, role, name });

const customer = v.object({
  id,
  name: v.optional(v.string()),
  email: v.optional(v.string()),
  phone: v.optional(v.string()),
  language: v.optional(v.string()),
  timeZone: v.optional(v.string()),
  identified: v.boolean(),
  attributes: v.record(v.string(), v.string()),
});

const participant = v.object({
  id,
  role,
  displayName: v.string(),
  joinedAt: epochMs,
  leftAt: v.optional(epochMs),
  leftSeq: v.optional(seq),
});

/** When a callback is due and how many dials it has left. */
const callbackPlan = v.object({
  slot: v.optional(v.object({ start: epochMs, end: epochMs })),
  attempts: v.number(),
  maxAttempts: v.number(),
  nextAttemptAt: v.optional(epochMs),
  dueSince: v.optional(epochMs),
});

/** A list the domain keeps read-only (`readonly T[]`): its values go on the wire as they are, without a copy. */
function readonlyList<TItem extends v.GenericSchema>(item: TItem) {
  return v.pipe(v.array(item), v.readonly());
}

/**
 * An interaction as sent to its parties: the domain's `Interaction` and the survey its queue will ask
 * (`protocol.types.test.ts` keeps the two equal). Visitors receive it without the staff-only fields (`StaffOnlyField`).
 */
export const interactionSchema = v.object({
  id,
  channel,
  state: v.string(),
  queueId: id,
  topic: v.optional(v.string()),
  customer,
  participants: readonlyList(participant),
  agentId: v.optional(id),
  priority: v.number(),
  /** Staff only: the routing rules behind its priority, skills or queue. */
  routingReasons: v.optional(readonlyList(v.string())),
  requiredSkills: readonlyList(v.object({ skill: v.string(), minLevel: v.number() })),
  language: v.optional(v.string()),
  prechat: v.record(v.string(), v.string()),
  timestamps: v.object({
    createdAt: epochMs,
    queuedAt: v.optional(epochMs),
    offeredAt: v.optional(epochMs),
    answeredAt: v.optional(epochMs),
    endedAt: v.optional(epochMs),
    wrapUpEndedAt: v.optional(epochMs),
  }),
  endReason: v.optional(endReason),
  endedBy: v.optional(endedBy),
  disposition: v.optional(v.string()),
  notes: v.optional(v.string()),
  csat: v.optional(
    v.object({
      score: csatScore,
      comment: v.optional(v.string()),
      nps: v.optional(v.number()),
    }),
  ),
  callback: v.optional(callbackPlan),
  /** While a messaging conversation is snoozed: when it wakes up. */
  snoozedUntil: v.optional(epochMs),
  /** What the customer is asked after the contact (the queue's survey): a rating, then NPS, within a window. */
  survey: v.optional(v.object({ csat: v.boolean(), nps: v.boolean(), windowHours: v.number() })),
});

/** Who an agent consults on a call: another agent or a supervisor (by id), or an outside number (`external`, E.164). */
export const consultPartySchema = v.object({
  kind: v.picklist(['agent', 'supervisor', 'external']),
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
});

/** The consult leg of a call as its agent sees it: who, since when, and when they picked up. */
export const wireConsultSchema = v.object({
  /** The consult leg's id (the `legId` of its `consult` notices). */
  legId: v.optional(id),
  party: consultPartySchema,
  startedAt: epochMs,
  answeredAt: v.optional(epochMs),
});

/**
 * A consult leg: the second call between a call's agent and the party they consult, while the customer waits on hold
 * (`state` is the leg's own voice-machine state: `ringing`, `connecting`, `active`, `ended`).
 */
export const wireConsultLegSchema = v.object({
  legId: id,
  /** The interaction and the customer's call the consult is about. */
  cid: id,
  callId: id,
  /** The agent who consults. */
  agentId: id,
  party: consultPartySchema,
  state: voiceState,
  /** How the leg ended for the call: `merged` into a conference, `transferred` to the party, or `ended`. */
  outcome: v.optional(v.picklist(['returned', 'merged', 'transferred', 'ended'])),
});

/**
 * A call as its parties see it: the voice machine's state and facts, from the contact center's side (the hub's
 * `direction` is `inbound` when the visitor called). Local facts (mute) are not shared.
 */
export const wireCallSchema = v.object({
  callId: id,
  cid: id,
  /** Who placed the call. */
  startedBy: callSide,
  state: voiceState,
  media: voiceMedia,
  /** Whether the call is recorded now: `on` from before the first byte is captured until after the last. */
  recording: v.picklist(['off', 'on', 'paused']),
  /** The queue's recording policy (`on-demand`: the agent may start recording). */
  recordingPolicy: v.optional(v.picklist(['always', 'on-demand', 'never'])),
  heldBy: v.optional(callSide),
  holdStartedAt: v.optional(epochMs),
  heldMs: v.number(),
  holdCount: v.number(),
  timestamps: v.object({
    createdAt: epochMs,
    ringingAt: v.optional(epochMs),
    pickedUpAt: v.optional(epochMs),
    answeredAt: v.optional(epochMs),
    endedAt: v.optional(epochMs),
  }),
  endReason: v.optional(endReason),
  endedBy: v.optional(endedBy),
  /** The consult leg while `consulting` or `conferenced` (the agent's copy only: the customer never sees who). */
  consult: v.optional(wireConsultSchema),
});

/** A signaling message relayed from the other party of a call (see the `call.signal` command). */
const callSignal = callSignalSchema('receive');

/** Events of a conversation's durable log; each carries a gap-free `seq` in its frame. */
export const conversationEventSchema = v.variant('type', [
  v.object({ type: v.literal('created'), interaction: interactionSchema }),
  v.object({
    type: v.literal('state'),
    state: v.string(),
    endReason: v.optional(endReason),
    endedBy: v.optional(endedBy),
    /** A callback's plan as of this step (also sent, with the same state, when only its time moved). */
    callback: v.optional(callbackPlan),
  }),
  v.object({ type: v.literal('joined'), participant }),
  v.object({ type: v.literal('left'), participantId: id }),
  v.object({
    type: v.literal('message'),
    messageId: id,
    clientMsgId: v.string(),
    from: sender,
    /** May be empty when the message carries attachments. */
    text: v.string(),
    /** Files sent with the message, as stored by the server (`attachment/`). */
    attachments: v.optional(readonlyList(attachmentRefSchema)),
  }),
  v.object({ type: v.literal('read'), participantId: id, seq }),
  v.object({
    type: v.literal('csat'),
    score: v.number(),
    comment: v.optional(v.string()),
    nps: v.optional(v.number()),
  }),
  v.object({ type: v.literal('note'), text: v.string() }),
  /**
   * Staff only: what the provider of a messaging channel said about the message at `seq` (an agent's reply sent by
   * email, SMS, WhatsApp or Messenger): `sent`, `delivered`, `read`, or `failed` with the provider's `detail`.
   */
  v.object({
    type: v.literal('receipt'),
    seq,
    status: v.picklist(['sent', 'delivered', 'read', 'failed']),
    /** The provider's id of the message (an email's Message-ID, Vonage's message_uuid), on its `sent` receipt. */
    externalId: v.optional(v.string()),
    detail: v.optional(v.string()),
  }),
  /** A staff-only event (an internal note) as a visitor receives it: its place in the log, not its content. */
  v.object({ type: v.literal('withheld') }),
  /** A call of the conversation changed state, media health, hold or recording. */
  v.object({
    type: v.literal('call'),
    callId: id,
    state: voiceState,
    media: voiceMedia,
    heldBy: v.optional(callSide),
    /** Set when the recording changed: the audit trail of every start, pause and resume. */
    recording: v.optional(v.picklist(['off', 'on', 'paused'])),
    /** Who changed the recording (the agent's id). */
    recordingBy: v.optional(id),
    endedBy: v.optional(endedBy),
    endReason: v.optional(endReason),
  }),
]);

/** A durable conversation event frame. */
export const eventFrameSchema = v.object({
  t: v.literal('evt'),
  cid: id,
  seq,
  at: epochMs,
  ev: conversationEventSchema,
});

const offer = v.object({ interaction: interactionSchema, expiresAt: epochMs });

/** Pushes that are not part of a conversation log: offers, presence, queue position, typing. */
export const noticeSchema = v.variant('type', [
  v.object({ type: v.literal('offer'), offer }),
  v.object({ type: v.literal('offer.revoked'), cid: id, reason: endReason }),
  /** A transfer to a named agent was answered: told to the agent who transferred. */
  v.object({
    type: v.literal('transfer.result'),
    cid: id,
    toAgentId: id,
    outcome: v.picklist(['accepted', 'declined', 'missed']),
  }),
  v.object({
    type: v.literal('presence'),
    status: v.picklist(['offline', 'available', 'away']),
    reason: v.optional(v.string()),
  }),
  v.object({ type: v.literal('interaction'), interaction: interactionSchema }),
  v.object({
    type: v.literal('position'),
    cid: id,
    position: v.pipe(v.number(), v.integer(), v.minValue(1)),
    estimatedWaitSeconds: v.optional(v.number()),
  }),
  v.object({ type: v.literal('typing'), cid: id, from: sender, typing: v.boolean() }),
  /** Something on the supervisor board changed; fetch `supervisor.snapshot` again. */
  v.object({ type: v.literal('board') }),
  /** A call changed; sent to both parties. */
  v.object({ type: v.literal('call'), call: wireCallSchema }),
  /** Signaling from the other party of a call. */
  v.object({ type: v.literal('call.signal'), cid: id, callId: id, from: callSide, signal: callSignal }),
  /** A consult leg changed (staff only): to the consulting agent and to the party consulted. */
  v.object({ type: v.literal('consult'), leg: wireConsultLegSchema }),
  /** Signaling on a consult leg, from the agent who consults (`agent`) or the party consulted (`party`). */
  v.object({
    type: v.literal('consult.signal'),
    cid: id,
    legId: id,
    from: v.picklist(['agent', 'party']),
    signal: callSignal,
  }),
  /**
   * An escalation changed (offered, accepted, taken over, handed back, …) or its thread has a new `message`: sent to
   * its agent, its team leader and the team leaders it is offered to. Staff only.
   */
  v.object({
    type: v.literal('escalation'),
    escalation: escalationRecordSchema,
    message: v.optional(escalationMessageSchema),
  }),
  /** An SLA warning or breach of a case, to its assignee. Staff only. */
  caseSlaNoticeSchema,
  /** A reminder of a case fell due, to its assignee. Staff only. */
  caseTaskNoticeSchema,
  // Supervisor legs, their signaling and private notes: staff only.
  ...supervisionNoticeSchemas,
]);

/** Every frame a server may send. */
export const serverFrameSchema = v.variant('t', [
  v.object({
    t: v.literal('welcome'),
    v: v.number(),
    subject: v.object({ id, role, name }),
    resumeToken: v.string(),
    heartbeatMs: v.number(),
    resumed: v.boolean(),
    /** For each resumed conversation the caller may see: the last `seq` at the time of welcome. */
    heads: v.optional(v.record(id, seq)),
  }),
  v.object({ t: v.literal('ack'), id, result: v.unknown() }),
  v.object({ t: v.literal('nack'), id, error: errorPayload }),
  eventFrameSchema,
  v.object({ t: v.literal('gap'), cid: id, after: seq }),
  v.object({ t: v.literal('notice'), notice: noticeSchema }),
  v.object({ t: v.literal('ping'), ts: epochMs }),
  v.object({ t: v.literal('pong'), ts: epochMs }),
  v.object({ t: v.literal('bye'), code: v.number(), error: errorPayload }),
]);
