import * as v from 'valibot';
import { REPORT_GROUPINGS, REPORT_KINDS } from '../metrics/history.reports';
import { caseNoteSchema, caseRecordSchema, caseSlaBoardSchema, caseTaskSchema } from './protocol.cases';
import { customerAuditSchema, customerRecordSchema, customerSuggestionSchema } from './protocol.customers';
import {
  ESCALATION_GROUPINGS,
  escalationMessageSchema,
  escalationRecordSchema,
  escalationReportRowSchema,
} from './protocol.escalations';
import { channel } from './protocol.primitives';
import { empty, historyEvent, visitorResultSchemas } from './protocol.results';
import { interactionSchema, wireCallSchema, wireConsultLegSchema } from './protocol.schemas';
import { supervisionResultSchemas } from './protocol.supervision';

// The results of staff commands (consoles, boards, KPIs), apart from a visitor's: a visitor bundle that never
// imports this module leaves them out.

const count = v.number();
const ratio = v.optional(v.number());
const counts = v.record(v.string(), v.number());

/** A stored call recording as the console lists it (`GET /recordings/:id` plays it back). */
export const recordingInfoSchema = v.object({
  id: v.string(),
  cid: v.string(),
  callId: v.string(),
  customerId: v.string(),
  /** Agents who were on the call. */
  agentIds: v.array(v.string()),
  /** `browser`: recorded in the agent's browser; `vonage`: by the phone network. */
  source: v.picklist(['browser', 'vonage']),
  /** The container and codec, e.g. `audio/webm;codecs=opus`. */
  mimeType: v.string(),
  startedAt: v.number(),
  /** Last time bytes were added (the recording's end once the call is over). */
  updatedAt: v.number(),
  bytes: v.number(),
  /** Relative path of the download (`/recordings/:id`), to fetch with the staff token. */
  url: v.string(),
  /** When retention deletes it, epoch ms. */
  deleteAt: v.optional(v.number()),
});

/** A customer with the timeline of every interaction (any channel, newest first) and open merge suggestions. */
export const customerViewSchema = v.object({
  customer: customerRecordSchema,
  interactions: v.array(interactionSchema),
  suggestions: v.array(customerSuggestionSchema),
  /** The customer's open and pending cases the asker may see: the console offers to attach the contact to one. */
  openCaseIds: v.optional(v.array(v.string())),
});

/** A messaging channel's KPIs as they travel (`undefined` figures — no data — are absent). */
export const messagingKpisSchema = v.object({
  episodes: count,
  responded: count,
  firstResponseSeconds: ratio,
  resolved: count,
  resolutionSeconds: ratio,
  repliesPerResolution: ratio,
});

/** Where one SLA target of a conversation stands (see `slaStanding`). */
const slaStanding = v.picklist(['on-track', 'at-risk', 'breached', 'met']);

/** An open asynchronous conversation at risk of missing its SLA, or past it (see `messagingSlaStatus`). */
export const slaBoardRowSchema = v.object({
  cid: v.string(),
  queueId: v.string(),
  channel,
  /** Its messaging state (`queued`, `active`, `pending`, `snoozed`…). */
  state: v.string(),
  agentId: v.optional(v.string()),
  customerName: v.optional(v.string()),
  firstResponse: slaStanding,
  resolution: slaStanding,
  /** The worse of the two. */
  standing: slaStanding,
  firstResponseDueAt: v.number(),
  resolutionDueAt: v.number(),
  snoozedUntil: v.optional(v.number()),
});

/**
 * A configured mailbox's health as the leader's email channel reports it: `connected`, `connecting`, `retrying`
 * (the last attempt failed: `problem`, `error`, `failures` in a row, next try at `retryAt`) or `stopped`.
 */
export const mailboxBoardStatusSchema = v.object({
  mailbox: v.string(),
  address: v.string(),
  state: v.picklist(['connecting', 'connected', 'retrying', 'stopped']),
  problem: v.optional(v.picklist(['authentication', 'unreachable', 'protocol', 'intake'])),
  error: v.optional(v.string()),
  failures: v.number(),
  retryAt: v.optional(v.number()),
  /** When it last finished reading everything new. */
  lastSyncAt: v.optional(v.number()),
  received: v.number(),
});

/** A KPI report as it travels (`undefined` figures — no data — are absent). */
export const kpiReportSchema = v.object({
  from: v.number(),
  to: v.number(),
  queueId: v.optional(v.string()),
  interactions: count,
  queued: count,
  answered: count,
  abandoned: count,
  answerRate: ratio,
  abandonmentRate: ratio,
  serviceLevel: ratio,
  asaSeconds: ratio,
  handled: count,
  ahtSeconds: ratio,
  talkSeconds: ratio,
  holdSeconds: ratio,
  wrapUpSeconds: ratio,
  fcr: ratio,
  fcrContacts: count,
  csatAverage: ratio,
  csatSatisfied: ratio,
  csatResponses: count,
  nps: ratio,
  npsResponses: count,
  occupancy: ratio,
  outboundCalls: v.optional(count),
  outboundConnected: v.optional(count),
  byDisposition: counts,
  byTopic: counts,
  byEndReason: counts,
});

/** A queue as consoles need it (routing internals such as business hours and overflow stay on the server). */
const consoleQueueSchema = v.object({
  id: v.string(),
  name: v.string(),
  names: v.optional(v.record(v.string(), v.string())),
  priority: v.number(),
  slaTargetSeconds: v.number(),
  skills: v.array(v.object({ skill: v.string(), minLevel: v.number() })),
  closedAlternative: v.picklist(['callback', 'offline-message', 'none']),
  acw: v.variant('kind', [
    v.object({ kind: v.picklist(['none', 'optional', 'required']) }),
    v.object({ kind: v.literal('timed'), seconds: v.number() }),
  ]),
  dispositions: v.array(
    v.object({
      id: v.string(),
      label: v.string(),
      labels: v.optional(v.record(v.string(), v.string())),
      resolved: v.boolean(),
    }),
  ),
  dispositionRequired: v.boolean(),
  offerTimeoutSeconds: v.number(),
  cannedResponses: v.optional(v.array(v.object({ id: v.string(), label: v.string(), text: v.string() }))),
  /** Present when the queue takes browser calls: the engine that carries them. */
  voice: v.optional(
    v.variant('provider', [
      v.object({ provider: v.literal('webrtc') }),
      v.object({ provider: v.literal('vonage'), region: v.optional(v.picklist(['US', 'EU', 'AP'])) }),
    ]),
  ),
});

/** One number on the do-not-call list: who put it there, when, and why. */
export const doNotCallEntrySchema = v.object({
  number: v.string(),
  reason: v.optional(v.string()),
  addedBy: v.string(),
  addedAt: v.number(),
});

/** What each command's `ack.result` holds. Clients validate it before use. */
export const commandResultSchemas = {
  ...visitorResultSchemas,
  'presence.set': v.object({ status: v.string(), reason: v.optional(v.string()) }),
  'offer.accept': v.object({ interaction: interactionSchema }),
  'offer.reject': empty,
  'wrapup.submit': empty,
  transfer: empty,
  'callback.outcome': empty,
  'conversation.pending': empty,
  'conversation.snooze': empty,
  'conversation.resolve': empty,
  'conversation.reopen': empty,
  'customer.history': v.object({ interactions: v.array(interactionSchema) }),
  'customer.of': customerViewSchema,
  'customer.get': customerViewSchema,
  'customer.search': v.object({ customers: v.array(customerRecordSchema) }),
  'customer.suggestions': v.object({ suggestions: v.array(customerSuggestionSchema) }),
  'customer.merge': v.object({ customer: customerRecordSchema }),
  'customer.dismiss': empty,
  'customer.split': v.object({ customer: customerRecordSchema, remaining: customerRecordSchema }),
  'customer.audit': v.object({ entries: v.array(customerAuditSchema) }),
  'case.create': v.object({ case: caseRecordSchema }),
  /** With its notes and its follow-up tasks (by due time). */
  'case.get': v.object({
    case: caseRecordSchema,
    notes: v.array(caseNoteSchema),
    tasks: v.array(caseTaskSchema),
  }),
  'case.list': v.object({ cases: v.array(caseRecordSchema) }),
  'case.update': v.object({ case: caseRecordSchema }),
  'case.note': v.object({ note: caseNoteSchema }),
  'case.link': v.object({ case: caseRecordSchema }),
  'case.task.add': v.object({ task: caseTaskSchema }),
  'case.task.cancel': v.object({ task: caseTaskSchema }),
  'escalation.create': v.object({ escalation: escalationRecordSchema }),
  /** `leads`: the queues the caller leads as a team leader (empty for other agents). */
  'escalation.list': v.object({ escalations: v.array(escalationRecordSchema), leads: v.array(v.string()) }),
  /** With the thread, and what was escalated: the interaction's history, or the case with its notes. */
  'escalation.get': v.object({
    escalation: escalationRecordSchema,
    messages: v.array(escalationMessageSchema),
    history: v.array(historyEvent),
    case: v.optional(caseRecordSchema),
    notes: v.optional(v.array(caseNoteSchema)),
  }),
  'escalation.accept': v.object({ escalation: escalationRecordSchema }),
  'escalation.decline': v.object({ escalation: escalationRecordSchema }),
  'escalation.message': v.object({ message: escalationMessageSchema }),
  'escalation.takeover': v.object({ escalation: escalationRecordSchema }),
  'escalation.handback': v.object({ escalation: escalationRecordSchema }),
  'escalation.report': v.object({
    from: v.number(),
    to: v.number(),
    timeZone: v.string(),
    groupBy: v.picklist(ESCALATION_GROUPINGS),
    rows: v.array(escalationReportRowSchema),
  }),
  'queues.list': v.object({ queues: v.array(consoleQueueSchema) }),
  'supervisor.snapshot': v.object({
    at: v.number(),
    queues: v.array(
      v.object({
        queueId: v.string(),
        name: v.string(),
        waiting: v.number(),
        offered: v.number(),
        longestWaitSeconds: v.optional(v.number()),
        slaTargetSeconds: v.number(),
        open: v.boolean(),
        /** Open asynchronous conversations of the queue at risk of missing their SLA, and past it. */
        slaAtRisk: v.optional(v.number()),
        slaBreached: v.optional(v.number()),
      }),
    ),
    agents: v.array(
      v.object({
        agentId: v.string(),
        name: v.string(),
        presence: v.picklist(['offline', 'available', 'away']),
        reason: v.optional(v.string()),
        since: v.number(),
        interactions: v.array(
          v.object({
            cid: v.string(),
            channel: v.string(),
            state: v.string(),
            since: v.number(),
            /** The customer's name, as the agent's inbox shows it. */
            customerName: v.optional(v.string()),
          }),
        ),
      }),
    ),
    /** Interactions waiting for an agent (not yet offered), for supervisors to move between queues. */
    waiting: v.array(
      v.object({
        cid: v.string(),
        queueId: v.string(),
        channel,
        waitingSince: v.number(),
        customerName: v.optional(v.string()),
        /** Its routing priority, and the rules that gave it priority, skills or its queue. */
        priority: v.optional(v.number()),
        reasons: v.optional(v.array(v.string())),
      }),
    ),
    kpis: kpiReportSchema,
    byQueue: v.record(v.string(), kpiReportSchema),
    /** Per messaging channel: first response, resolution, replies per resolution (see `computeMessagingKpis`). */
    messaging: v.optional(v.record(v.string(), messagingKpisSchema)),
    /** The same per queue: queue id → channel → KPIs. */
    messagingByQueue: v.optional(v.record(v.string(), v.record(v.string(), messagingKpisSchema))),
    /** Open asynchronous conversations at risk or past their SLA, the most urgent first. */
    sla: v.optional(v.array(slaBoardRowSchema)),
    /** Every mailbox the server reads, when it has an email channel. */
    mailboxes: v.optional(v.array(mailboxBoardStatusSchema)),
    /** Open escalations to team leaders: waiting on the board, offered to one, being handled by one. */
    escalations: v.optional(v.object({ waiting: count, offered: count, accepted: count })),
    /** Working cases an SLA timer warned of or found breached, as they stand now (docs/cases.md). */
    caseSla: v.optional(caseSlaBoardSchema),
  }),
  /** One KPI report per bucket, oldest first, without the per-topic and per-disposition breakdowns. */
  'supervisor.kpi-series': v.object({
    series: v.array(v.omit(kpiReportSchema, ['byDisposition', 'byTopic', 'byEndReason'])),
  }),
  /** A report from the stored history: the rows of its kind, the others empty (docs/reports.md). */
  'report.run': v.object({
    kind: v.picklist(REPORT_KINDS),
    from: v.number(),
    to: v.number(),
    previousFrom: v.number(),
    timeZone: v.string(),
    groupBy: v.picklist(REPORT_GROUPINGS),
    figures: v.array(
      v.object({
        key: v.nullable(v.string()),
        contacts: v.number(),
        outbound: v.number(),
        queued: v.number(),
        answered: v.number(),
        abandoned: v.number(),
        answerRate: v.nullable(v.number()),
        abandonmentRate: v.nullable(v.number()),
        asaSeconds: v.nullable(v.number()),
        serviceLevel: v.nullable(v.number()),
        handled: v.number(),
        ahtSeconds: v.nullable(v.number()),
        occupancy: v.nullable(v.number()),
        csatResponses: v.number(),
        csatAverage: v.nullable(v.number()),
        fcrContacts: v.number(),
        fcr: v.nullable(v.number()),
      }),
    ),
    volume: v.array(v.object({ weekday: v.number(), hour: v.number(), contacts: v.number() })),
    problems: v.array(
      v.object({
        dimension: v.picklist(['topic', 'disposition']),
        key: v.string(),
        contacts: v.number(),
        previous: v.number(),
        change: v.nullable(v.number()),
      }),
    ),
  }),
  'supervisor.force-presence': empty,
  'supervisor.reassign': empty,
  // Outbound calls (click-to-dial)
  'call.ring': v.object({ call: wireCallSchema }),
  // Consult, conference and transfer
  'call.consult': v.object({ call: wireCallSchema, leg: wireConsultLegSchema }),
  'call.return': v.object({ call: wireCallSchema }),
  'call.merge': v.object({ call: wireCallSchema }),
  'call.transfer': v.object({ call: wireCallSchema }),
  'consult.answer': v.object({ leg: wireConsultLegSchema }),
  'consult.hangup': v.object({ leg: wireConsultLegSchema }),
  'consult.signal': empty,
  'call.recording': v.object({ call: wireCallSchema }),
  'recording.list': v.object({ recordings: v.array(recordingInfoSchema) }),
  /** The outbound interaction, the number dialled in E.164, and whether the call is simulated (no telephony). */
  'voice.dial': v.object({
    cid: v.string(),
    interaction: interactionSchema,
    number: v.string(),
    simulated: v.boolean(),
  }),
  'dnc.add': v.object({ entry: doNotCallEntrySchema }),
  'dnc.remove': v.object({ removed: v.boolean() }),
  'dnc.list': v.object({ entries: v.array(doNotCallEntrySchema) }),
  ...supervisionResultSchemas,
  'agent.snapshot': v.object({
    status: v.string(),
    reason: v.optional(v.string()),
    interactions: v.array(interactionSchema),
    offers: v.array(v.object({ interaction: interactionSchema, expiresAt: v.number() })),
  }),
} as const;
