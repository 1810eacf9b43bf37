import type { MessagingChannel, SkillRequirement } from '../interaction/interaction.types';
import type { MessagingSlaPolicy } from '../interaction/messaging.machine';
import type { RecordingPolicy } from '../voice/voice.machine';

/** Day of week, ISO order: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** An opening interval in local wall-clock time, `HH:MM` 24-hour; `close` may be `24:00`. */
export interface OpeningInterval {
  readonly open: string;
  readonly close: string;
}

/** A whole-day closure (`date`, local `YYYY-MM-DD`) or special hours for that day. */
export interface Closure {
  readonly date: string;
  /** Special hours for that day; omitted means closed all day. */
  readonly hours?: readonly OpeningInterval[] | undefined;
  readonly label?: string | undefined;
}

/** Weekly opening hours in an IANA time zone, with holidays and closures. */
export interface BusinessHours {
  /** IANA zone, for example `Europe/Amsterdam`. */
  readonly timeZone: string;
  /** Intervals per ISO weekday; a missing day is closed. */
  readonly weekly: Readonly<Partial<Record<Weekday, readonly OpeningInterval[]>>>;
  readonly closures?: readonly Closure[] | undefined;
}

/**
 * After-call work policy: `none` ends at once, `optional` lets the agent wrap up or skip,
 * `required` waits for the agent to finish wrap-up, `timed` ends wrap-up after `seconds`.
 */
export type AcwPolicy =
  | { readonly kind: 'none' }
  | { readonly kind: 'optional' }
  | { readonly kind: 'required' }
  | { readonly kind: 'timed'; readonly seconds: number };

/** An outcome an agent records at wrap-up ("Order status", "Refund issued"…). */
export interface Disposition {
  readonly id: string;
  /** The label in the default language (English where the configuration gives one). */
  readonly label: string;
  /** The label per BCP 47 language tag; see `localizedText`. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** True when this outcome means the customer's issue is resolved (for first-contact resolution). */
  readonly resolved: boolean;
}

/**
 * A reply an agent can insert with one click. `text` may hold placeholders such as `{customer.name}` and
 * `{agent.name}`, filled in by the console.
 */
export interface CannedResponse {
  readonly id: string;
  readonly label: string;
  readonly text: string;
}

/** What to do when an interaction waits too long. */
export interface OverflowPolicy {
  /** Seconds of waiting before overflow applies. */
  readonly afterSeconds: number;
  /** Lower the required skill levels to this minimum (secondary skills). */
  readonly widenToMinLevel?: number | undefined;
  /** Also offer to agents of this queue. */
  readonly queueId?: string | undefined;
}

/**
 * Voicemail of a queue: a caller (phone or browser) may leave a recorded message when the queue is closed, or after
 * waiting `afterSeconds` without an answer. The message becomes a `voicemail` interaction of the queue, routed and
 * offered like any other, with its recording as an attachment.
 */
export interface VoicemailPolicy {
  /** Seconds a call waits unanswered before the caller may leave a message instead (1–3600). */
  readonly afterSeconds: number;
  /** Longest message, seconds (5–600). */
  readonly maxSeconds: number;
}

/** What a closed queue offers instead of a live chat or call. */
export type ClosedAlternative = 'callback' | 'offline-message' | 'none';

/**
 * What a queue asks customers after a contact ends. CSAT (1–5, with a comment) comes first; NPS ("How likely are you
 * to recommend us…", 0–10) is asked after it when `nps` is on. Answers are accepted for `windowHours` after the
 * end; a later or repeated answer is refused with a typed error.
 */
export interface SurveyPolicy {
  /** Ask for a 1–5 rating. Default true. */
  readonly csat: boolean;
  /** Ask the 0–10 Net Promoter question after the rating. Default false; needs `csat`. */
  readonly nps: boolean;
  /** Hours after the end during which answers are accepted. Default 24. */
  readonly windowHours: number;
  /**
   * Ask phone (PSTN) callers on their keypad when the agent ends the call (through Vonage). Default false; needs
   * `csat`.
   */
  readonly keypad: boolean;
}

/**
 * The engine that carries a queue's browser calls: WebRTC between the two browsers (the hub relays signaling), or
 * Vonage (`region`: the data center its client connects to).
 */
export type QueueVoice =
  | { readonly provider: 'webrtc' }
  | { readonly provider: 'vonage'; readonly region?: 'US' | 'EU' | 'AP' };

/** A queue: where interactions wait for an agent with the right skills. */
export interface Queue {
  readonly id: string;
  /** The name in the default language (English where the configuration gives one). */
  readonly name: string;
  /** The name per BCP 47 language tag (`{ en: 'Billing', nl: 'Facturatie' }`); see `localizedText`. */
  readonly names?: Readonly<Record<string, string>> | undefined;
  /** Higher is served first when agents are shared across queues. */
  readonly priority: number;
  /** Service-level target: answered within this many seconds. */
  readonly slaTargetSeconds: number;
  /** Skills every interaction of this queue needs. */
  readonly skills: readonly SkillRequirement[];
  /** Omitted means always open. */
  readonly businessHours?: BusinessHours | undefined;
  readonly closedAlternative: ClosedAlternative;
  readonly acw: AcwPolicy;
  readonly dispositions: readonly Disposition[];
  readonly dispositionRequired: boolean;
  /** Seconds an offer waits for the agent before it counts as missed. */
  readonly offerTimeoutSeconds: number;
  readonly overflow?: OverflowPolicy | undefined;
  /** Replies agents of this queue can insert (the console fills the placeholders). */
  readonly cannedResponses?: readonly CannedResponse[] | undefined;
  /**
   * The queue takes browser calls, carried by this engine: agent consoles create their softphone for it
   * (`queues.list` tells them). The reference server sets it on every queue (Vonage when configured).
   */
  readonly voice?: QueueVoice | undefined;
  /**
   * Whether the queue's calls are recorded: `always`, `on-demand` (the agent starts it) or `never` (the default). The
   * agent may pause and resume a running recording either way (card payments).
   */
  readonly recording?: RecordingPolicy | undefined;
  /** Voicemail for callers when the queue is closed or nobody answers in time; omitted: no voicemail. */
  readonly voicemail?: VoicemailPolicy | undefined;
  /** The survey after a contact; omitted means CSAT only, answered within 24 hours (`DEFAULT_SURVEY`). */
  readonly survey?: SurveyPolicy | undefined;
  /**
   * First-response and resolution targets of the queue's asynchronous conversations, per messaging channel; a channel
   * left out has `DEFAULT_MESSAGING_SLA`'s (see `messagingSlaStatus`). `slaTargetSeconds` is the live channels' answer
   * target.
   */
  readonly messagingSla?: Readonly<Partial<Record<MessagingChannel, MessagingSlaPolicy>>> | undefined;
}
