import * as v from 'valibot';
import { LIMITS, PROTOCOL_VERSION } from './protocol.limits';

// Primitive building blocks. Every string has an upper bound so no frame can carry an unbounded field.
const id = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(LIMITS.id),
  v.regex(/^[\w.:-]+$/, 'must be an opaque id'),
);
const name = v.pipe(v.string(), v.maxLength(LIMITS.name));
const token = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.token));
const messageText = v.pipe(
  v.string(),
  v.check((s) => s.trim().length > 0, 'must not be empty'),
  v.maxLength(LIMITS.text),
);
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const epochMs = v.pipe(v.number(), v.integer(), v.minValue(0));
const channel = v.picklist(['chat', 'voice', 'callback', 'offline-message']);
const endReason = v.picklist([
  'completed',
  'abandoned',
  'missed',
  'rejected',
  'transferred',
  'failed',
  'timeout',
]);
const endedBy = v.picklist(['visitor', 'agent', 'system']);
const role = v.picklist(['visitor', 'agent', 'supervisor', 'system']);
const languageTag = v.pipe(v.string(), v.maxLength(35), v.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/));
const prechat = v.pipe(
  v.record(
    v.pipe(v.string(), v.maxLength(40), v.regex(/^[\w-]+$/)),
    v.pipe(v.string(), v.maxLength(LIMITS.prechatValue)),
  ),
  v.check(
    (r) => Object.keys(r).length <= LIMITS.prechatFields,
    `must have at most ${LIMITS.prechatFields} fields`,
  ),
);
/** E.164: a plus, a non-zero country digit, 7–15 digits in all. */
export const e164 = v.pipe(v.string(), v.regex(/^\+[1-9]\d{6,14}$/, 'is not a valid E.164 number'));

// ─── client → server ────────────────────────────────────────────────────────────────────────────────

/** First frame on every connection: the protocol version, the token and optional resume cursors. */
export const helloSchema = v.strictObject({
  t: v.literal('hello'),
  v: v.literal(PROTOCOL_VERSION),
  token,
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

/** Arguments of every command, by operation name. */
export const commandArgsSchemas = {
  // Visitor
  'chat.start': v.strictObject({
    channel: v.picklist(['chat', 'voice']),
    queueId: v.optional(id),
    topic: v.optional(id),
    language: v.optional(languageTag),
    prechat: v.optional(prechat),
  }),
  'callback.request': v.strictObject({
    queueId: v.optional(id),
    topic: v.optional(id),
    phone: e164,
    timeZone: v.pipe(v.string(), v.maxLength(64)),
    /** Slot start (epoch ms) or `asap` to keep a place in line. */
    slot: v.union([v.literal('asap'), epochMs]),
    prechat: v.optional(prechat),
  }),
  'callback.cancel': cid,
  'offline.leave': v.strictObject({
    queueId: v.optional(id),
    topic: v.optional(id),
    prechat: v.optional(prechat),
    text: messageText,
  }),
  'csat.submit': v.strictObject({
    cid: id,
    score: v.picklist([1, 2, 3, 4, 5]),
    comment: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.comment))),
    nps: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10))),
  }),
  'conversation.list': v.strictObject({}),
  // Both sides
  'message.send': v.strictObject({
    cid: id,
    clientMsgId: v.pipe(v.string(), v.uuid()),
    text: messageText,
  }),
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
    notes: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.notes))),
  }),
  transfer: v.strictObject({
    cid: id,
    toQueueId: v.optional(id),
    toAgentId: v.optional(id),
    note: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.comment))),
  }),
  /** The agent reports how a callback dial went. */
  'callback.outcome': v.strictObject({
    cid: id,
    outcome: v.picklist(['answered', 'no-answer', 'failed', 'cancelled']),
  }),
  'agent.snapshot': v.strictObject({}),
  // Supervisor
  /** The live board and KPIs since `from` (epoch ms; default: the last 24 hours). */
  'supervisor.snapshot': v.strictObject({ from: v.optional(epochMs) }),
  'supervisor.force-presence': v.strictObject({
    agentId: id,
    status: v.picklist(['offline', 'available', 'away']),
    reason: v.optional(id),
  }),
  /** Moves a waiting interaction to another queue; it keeps its place by waiting time. */
  'supervisor.reassign': v.strictObject({ cid: id, toQueueId: id }),
} as const;

/** Every operation name a client may send. */
export type CommandOp = keyof typeof commandArgsSchemas;

/** The list of operation names. */
export const COMMAND_OPS = Object.keys(commandArgsSchemas) as CommandOp[];

const commandFrameSchemas = COMMAND_OPS.map((op) =>
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
});

/** An interaction as sent to its parties. Agent-only fields (notes, disposition) are absent for visitors. */
export const interactionSchema = v.object({
  id,
  channel,
  state: v.string(),
  queueId: id,
  topic: v.optional(v.string()),
  customer,
  participants: v.array(participant),
  agentId: v.optional(id),
  priority: v.number(),
  requiredSkills: v.array(v.object({ skill: v.string(), minLevel: v.number() })),
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
      score: v.picklist([1, 2, 3, 4, 5]),
      comment: v.optional(v.string()),
      nps: v.optional(v.number()),
    }),
  ),
});

/** Events of a conversation's durable log; each carries a gap-free `seq` in its frame. */
export const conversationEventSchema = v.variant('type', [
  v.object({ type: v.literal('created'), interaction: interactionSchema }),
  v.object({
    type: v.literal('state'),
    state: v.string(),
    endReason: v.optional(endReason),
    endedBy: v.optional(endedBy),
  }),
  v.object({ type: v.literal('joined'), participant }),
  v.object({ type: v.literal('left'), participantId: id }),
  v.object({
    type: v.literal('message'),
    messageId: id,
    clientMsgId: v.string(),
    from: sender,
    text: v.string(),
  }),
  v.object({ type: v.literal('read'), participantId: id, seq }),
  v.object({ type: v.literal('csat'), score: v.number(), comment: v.optional(v.string()) }),
  v.object({ type: v.literal('note'), text: v.string() }),
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

/** Every frame a client may send. */
export const clientFrameSchema = v.variant('t', [
  helloSchema,
  commandFrameSchema,
  pongSchema,
  clientPingSchema,
]);
