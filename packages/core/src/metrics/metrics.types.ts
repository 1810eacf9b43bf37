import type { PresenceStatus } from '../agent/agent.types';
import type { Channel, EndedBy, EndReason } from '../interaction/interaction.types';

/** Fields every interaction log event carries. `at` is epoch ms. */
export interface LogEventBase {
  readonly at: number;
  readonly interactionId: string;
}

/**
 * One entry of the interaction event log that KPIs are computed from (the same log in server and tests).
 * Facts about the interaction (`channel`, `queueId`, `customerId`, `topic`) may come on any event; the first
 * value seen wins, except `queueId`, which follows transfers (a later `queued`) and the queue that answered.
 */
export type InteractionLogEvent =
  | (LogEventBase & {
      readonly type: 'created';
      readonly channel: Channel;
      readonly queueId?: string | undefined;
      readonly customerId?: string | undefined;
      readonly topic?: string | undefined;
      /**
       * `outbound` for a call an agent dialled (click-to-dial): counted in `outboundCalls`, and in talk and handle
       * time once the far end picks up, but never in the inbound figures (queued, answered, ASA, abandonment, FCR).
       */
      readonly direction?: 'inbound' | 'outbound' | undefined;
    })
  /** Entered a queue. The first one starts the wait; a later one is a transfer and moves the interaction. */
  | (LogEventBase & { readonly type: 'queued'; readonly queueId: string; readonly channel?: Channel })
  | (LogEventBase & { readonly type: 'offered'; readonly agentId: string; readonly queueId?: string })
  /** An agent accepted (chat) or the call connected (voice): the wait ends, talk time starts. */
  | (LogEventBase & { readonly type: 'answered'; readonly agentId: string; readonly queueId?: string })
  | (LogEventBase & { readonly type: 'held' })
  | (LogEventBase & { readonly type: 'resumed' })
  | (LogEventBase & { readonly type: 'ended'; readonly endReason: EndReason; readonly endedBy?: EndedBy })
  /** After-call work finished, with its outcome. */
  | (LogEventBase & {
      readonly type: 'wrap-up-done';
      readonly disposition?: string | undefined;
      /** Whether the issue was resolved (usually from the disposition). */
      readonly resolved?: boolean | undefined;
    })
  /** Messaging channels: an agent wrote to the customer (the first reply of an episode is its first response). */
  | (LogEventBase & { readonly type: 'replied'; readonly agentId?: string | undefined })
  /** Messaging channels: resolved, which ends an episode of the conversation. */
  | (LogEventBase & { readonly type: 'resolved' })
  /** Messaging channels: a resolved conversation opened again (by the customer's message, or staff): a new episode. */
  | (LogEventBase & { readonly type: 'reopened' })
  /** The customer's satisfaction answer: `score` 1–5 and optionally a Net Promoter answer 0–10. */
  | (LogEventBase & { readonly type: 'csat'; readonly score: number; readonly nps?: number });

/** An agent's presence change, needed for occupancy (time available versus time handling work). */
export interface AgentPresenceLogEvent {
  readonly type: 'presence';
  readonly at: number;
  readonly agentId: string;
  readonly presence: PresenceStatus;
}

/** Anything the KPI reducers read. */
export type KpiLogEvent = InteractionLogEvent | AgentPresenceLogEvent;

/** Settings shared by {@link KpiOptions} and the live accumulator. */
export interface KpiSettings {
  /** A repeat contact by the same customer on the same topic within this many ms of a contact means it was not resolved first time. */
  readonly fcrWindowMs: number;
  /** Service-level target (seconds) per queue id. */
  readonly slaTargetByQueue: Readonly<Record<string, number>>;
  /** Target for queues missing from `slaTargetByQueue`. Default 20 s. */
  readonly defaultSlaTargetSeconds?: number | undefined;
  /** Only interactions whose reporting queue is this one. */
  readonly queueId?: string | undefined;
}

/** A historical window for {@link computeKpis}: interactions created in `[from, to)`. */
export interface KpiOptions extends KpiSettings {
  readonly from: number;
  readonly to: number;
}

/**
 * The KPIs of a window. Rates and shares are fractions 0–1; durations are seconds; `undefined` where there is
 * nothing to divide by (no answered contacts for ASA, no responses for CSAT…).
 */
export interface KpiReport {
  readonly from: number;
  readonly to: number;
  readonly queueId: string | undefined;
  /** Interactions created in the window (and in the queue, when filtered). */
  readonly interactions: number;
  /** Of those, how many entered a queue. */
  readonly queued: number;
  readonly answered: number;
  /** Left while queued (end reason `abandoned`, never answered). */
  readonly abandoned: number;
  readonly answerRate: number | undefined;
  readonly abandonmentRate: number | undefined;
  /** Answered within target / (answered + unanswered that waited beyond target). */
  readonly serviceLevel: number | undefined;
  /** Average speed of answer: mean wait of answered contacts. */
  readonly asaSeconds: number | undefined;
  /** Answered and ended. */
  readonly handled: number;
  /** Average handle time: talk + hold + wrap-up, per handled contact. */
  readonly ahtSeconds: number | undefined;
  readonly talkSeconds: number | undefined;
  readonly holdSeconds: number | undefined;
  readonly wrapUpSeconds: number | undefined;
  /** First-contact resolution: resolved contacts without a repeat in the window / handled contacts of known customers. */
  readonly fcr: number | undefined;
  readonly fcrContacts: number;
  readonly csatAverage: number | undefined;
  /** Share of CSAT answers that are 4 or 5. */
  readonly csatSatisfied: number | undefined;
  readonly csatResponses: number;
  /** Net Promoter Score, −100…100: % promoters (9–10) − % detractors (0–6). */
  readonly nps: number | undefined;
  readonly npsResponses: number;
  /** Time handling work / time staffed (available or handling), over all agents, clipped to the window. */
  readonly occupancy: number | undefined;
  /** Calls agents dialled (click-to-dial) in the window; they count in talk and handle time, not in `answered`. */
  readonly outboundCalls: number;
  /** Of those, how many the far end picked up. */
  readonly outboundConnected: number;
  readonly byDisposition: Readonly<Record<string, number>>;
  readonly byTopic: Readonly<Record<string, number>>;
  readonly byEndReason: Readonly<Record<string, number>>;
}

/** One bucket of a KPI time series: a {@link KpiReport} without its breakdowns. */
export type KpiSeriesPoint = Omit<KpiReport, 'byDisposition' | 'byTopic' | 'byEndReason'>;
