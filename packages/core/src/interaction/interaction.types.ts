/**
 * How a customer reached us. One {@link Interaction} type covers all of them: the live channels (`chat`, `voice`,
 * `callback`, `offline-message`, `voicemail`: a recorded message a caller left when the queue was closed or nobody
 * answered) and the asynchronous {@link MessagingChannel}s, whose conversations may wait days.
 */
export type Channel = 'chat' | 'voice' | 'callback' | 'offline-message' | 'voicemail' | MessagingChannel;

/**
 * The asynchronous channels: a conversation there can wait for the customer (`pending`), be snoozed and be resolved
 * and reopened by the customer's next message (the messaging machine). Messages arrive through channel adapters
 * (email over IMAP/SMTP, SMS, WhatsApp and Messenger over the Vonage Messages API).
 */
export type MessagingChannel = 'email' | 'sms' | 'whatsapp' | 'messenger';

/** Every messaging channel, in a stable order. */
export const MESSAGING_CHANNELS = [
  'email',
  'sms',
  'whatsapp',
  'messenger',
] as const satisfies readonly MessagingChannel[];

/** Every channel, in a stable order (for tables and iteration); the protocol's `channel` schema accepts these. */
export const CHANNELS = [
  'chat',
  'voice',
  'callback',
  'offline-message',
  'voicemail',
  ...MESSAGING_CHANNELS,
] as const satisfies readonly Channel[];

/** True when `channel` is one of the asynchronous {@link MessagingChannel}s. */
export function isMessagingChannel(channel: Channel): channel is MessagingChannel {
  return (MESSAGING_CHANNELS as readonly Channel[]).includes(channel);
}

/**
 * Why an interaction (or an agent's leg of it) ended.
 * - `completed`: handled to the end.
 * - `abandoned`: the customer left while queued.
 * - `missed`: an offer timed out without an answer.
 * - `rejected`: an agent declined the offer.
 * - `transferred`: handed to another queue or agent.
 * - `failed`: a technical failure (media, network).
 * - `timeout`: an inactivity or wrap-up timer ran out.
 */
export type EndReason =
  | 'completed'
  | 'abandoned'
  | 'missed'
  | 'rejected'
  | 'transferred'
  | 'failed'
  | 'timeout';

/** Every end reason, in a stable order; the protocol's `endReason` schema accepts these. */
export const END_REASONS = [
  'completed',
  'abandoned',
  'missed',
  'rejected',
  'transferred',
  'failed',
  'timeout',
] as const satisfies readonly EndReason[];

/** Who ended it — always known. */
export type EndedBy = 'visitor' | 'agent' | 'system';

/** Role of a participant in an interaction. */
export type ParticipantRole = 'visitor' | 'agent' | 'supervisor' | 'system';

/** Someone taking part in an interaction. */
export interface Participant {
  /** Subject id (visitor id, agent id). */
  readonly id: string;
  readonly role: ParticipantRole;
  /** Name shown to the other side; always rendered as text. */
  readonly displayName: string;
  /** Epoch milliseconds. */
  readonly joinedAt: number;
  readonly leftAt?: number | undefined;
  /** The `seq` of their `left` event: a former participant reads the conversation up to it, not beyond. */
  readonly leftSeq?: number | undefined;
}

/** The customer behind an interaction. */
export interface Customer {
  /** Stable visitor or contact id. */
  readonly id: string;
  readonly name?: string | undefined;
  readonly email?: string | undefined;
  /** E.164 phone number. */
  readonly phone?: string | undefined;
  /** BCP 47 language tag the customer prefers. */
  readonly language?: string | undefined;
  /** IANA time zone of the customer, used for callback slots. */
  readonly timeZone?: string | undefined;
  /** True when a host site vouched for this customer with a signed token. */
  readonly identified: boolean;
  /** Custom attributes from the host site (plan, order id…), rendered as text. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A skill an interaction needs, with the minimum level (1–10) an agent must have. */
export interface SkillRequirement {
  readonly skill: string;
  readonly minLevel: number;
}

/** Customer satisfaction given at the end. */
export interface Csat {
  /** 1 (very unhappy) to 5 (very happy). */
  readonly score: 1 | 2 | 3 | 4 | 5;
  readonly comment?: string | undefined;
  /** Optional Net Promoter answer, 0–10. */
  readonly nps?: number | undefined;
}

/** Timestamps of an interaction's life, epoch milliseconds. */
export interface InteractionTimestamps {
  readonly createdAt: number;
  /** First time it entered a queue; kept across transfers so reporting sees the whole wait. */
  readonly queuedAt?: number | undefined;
  readonly offeredAt?: number | undefined;
  /** When an agent accepted (chat) or the call connected (voice). */
  readonly answeredAt?: number | undefined;
  readonly endedAt?: number | undefined;
  /** When after-call work finished. */
  readonly wrapUpEndedAt?: number | undefined;
}

/**
 * One customer contact on any channel: a chat, a call, a callback or an offline message.
 *
 * @example
 * ```ts
 * if (interaction.channel === 'chat' && interaction.state === 'queued') showPosition(interaction.id);
 * ```
 */
export interface Interaction {
  /** Opaque id; also the id of its conversation (event log). */
  readonly id: string;
  readonly channel: Channel;
  /** Machine state of its channel machine (for example `queued`, `active`, `wrap-up`, `ended`). */
  readonly state: string;
  readonly queueId: string;
  /** Topic the visitor picked (drives routing and first-contact resolution). */
  readonly topic?: string | undefined;
  readonly customer: Customer;
  readonly participants: readonly Participant[];
  /** Agent currently offered or handling it. */
  readonly agentId?: string | undefined;
  /** Routing priority; higher goes first (VIP boost). */
  readonly priority: number;
  /** Staff only: the routing rules that set its priority, skills or queue ("VIP tier", "Belgium"). */
  readonly routingReasons?: readonly string[] | undefined;
  readonly requiredSkills: readonly SkillRequirement[];
  readonly language?: string | undefined;
  /** Pre-chat form answers, as text. */
  readonly prechat: Readonly<Record<string, string>>;
  readonly timestamps: InteractionTimestamps;
  readonly endReason?: EndReason | undefined;
  readonly endedBy?: EndedBy | undefined;
  /** Disposition chosen in wrap-up. */
  readonly disposition?: string | undefined;
  /** Agent's wrap-up notes. */
  readonly notes?: string | undefined;
  readonly csat?: Csat | undefined;
  /** When and how often a callback is to be made (callbacks only). */
  readonly callback?: CallbackSchedule | undefined;
  /** While a messaging conversation is `snoozed`: when it wakes up, epoch ms (the console shows "snoozed until"). */
  readonly snoozedUntil?: number | undefined;
}

/** When a callback is due and how many dials it has left, mirrored from its machine for worklists. */
export interface CallbackSchedule {
  /** The window picked by the customer or a rescheduling, epoch ms; absent for "as soon as possible". */
  readonly slot?: { readonly start: number; readonly end: number } | undefined;
  /** Dials started so far. */
  readonly attempts: number;
  /** Dials allowed in total. */
  readonly maxAttempts: number;
  /** When the next dial may start after an unanswered one, epoch ms. */
  readonly nextAttemptAt?: number | undefined;
  /** When it last joined the queue to be dialled (its slot started, or a retry came due), epoch ms. */
  readonly dueSince?: number | undefined;
}
