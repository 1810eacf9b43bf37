import type { Channel, EndReason } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type {
  AgentPresenceLogEvent,
  InteractionLogEvent,
  KpiLogEvent,
  KpiOptions,
  KpiReport,
  KpiSettings,
} from './metrics.types';

/*
 * KPI reducers over the interaction event log. Definitions, formulas and edge cases: docs/kpis.md.
 * Both the historical `computeKpis` and the live accumulator fold events into one record per interaction and
 * sum the same per-record contribution, so the two always agree (a property test holds them to it).
 */

const DEFAULT_SLA_TARGET_SECONDS = 20;

/** What the log says about one interaction so far. */
interface InteractionRecord {
  readonly id: string;
  createdAt: number;
  channel: Channel | undefined;
  customerId: string | undefined;
  topic: string | undefined;
  queueId: string | undefined;
  queuedAt: number | undefined;
  answeredAt: number | undefined;
  agentId: string | undefined;
  holdStartedAt: number | undefined;
  holdMs: number;
  endedAt: number | undefined;
  endReason: EndReason | undefined;
  wrapUpDoneAt: number | undefined;
  disposition: string | undefined;
  resolved: boolean | undefined;
  csat: number | undefined;
  nps: number | undefined;
  /** Another contact of the same customer on the same topic followed within the FCR window. */
  repeated: boolean;
  /** A call an agent dialled (click-to-dial): never part of the inbound figures. */
  outbound: boolean;
}

function newRecord(id: string, at: number): InteractionRecord {
  return {
    id,
    createdAt: at,
    channel: undefined,
    customerId: undefined,
    topic: undefined,
    queueId: undefined,
    queuedAt: undefined,
    answeredAt: undefined,
    agentId: undefined,
    holdStartedAt: undefined,
    holdMs: 0,
    endedAt: undefined,
    endReason: undefined,
    wrapUpDoneAt: undefined,
    disposition: undefined,
    resolved: undefined,
    csat: undefined,
    nps: undefined,
    repeated: false,
    outbound: false,
  };
}

function validateEvent(event: KpiLogEvent): void {
  if (!Number.isFinite(event.at)) {
    throw helplineError(
      'validation/field',
      { scope: 'kpis', field: 'at', detail: 'must be epoch milliseconds' },
      { field: 'at' },
    );
  }
  if (event.type === 'csat') {
    if (!(Number.isInteger(event.score) && event.score >= 1 && event.score <= 5)) {
      throw helplineError(
        'validation/field',
        { scope: 'kpis', field: 'score', detail: `${event.score} is not 1–5` },
        { field: 'score' },
      );
    }
    if (event.nps !== undefined && !(Number.isInteger(event.nps) && event.nps >= 0 && event.nps <= 10)) {
      throw helplineError(
        'validation/field',
        { scope: 'kpis', field: 'nps', detail: `${event.nps} is not 0–10` },
        { field: 'nps' },
      );
    }
  }
}

/** Folds one event into its record. Events are expected in time order per interaction. */
/** The record of the event's interaction, created (at the event's time) on its first event. */
function recordFor(records: Map<string, InteractionRecord>, event: InteractionLogEvent): InteractionRecord {
  const known = records.get(event.interactionId);
  if (known !== undefined) return known;
  const record = newRecord(event.interactionId, event.at);
  records.set(event.interactionId, record);
  return record;
}

function applyEvent(record: InteractionRecord, event: InteractionLogEvent): void {
  if (event.at < record.createdAt) record.createdAt = event.at;
  switch (event.type) {
    case 'created':
      record.createdAt = Math.min(record.createdAt, event.at);
      record.channel ??= event.channel;
      record.customerId ??= event.customerId;
      record.topic ??= event.topic;
      if (record.queueId === undefined) record.queueId = event.queueId;
      if (event.direction === 'outbound') record.outbound = true;
      break;
    case 'queued':
      // The first queue starts the wait; a later one is a transfer and becomes the reporting queue.
      record.queuedAt ??= event.at;
      if (record.answeredAt === undefined) record.queueId = event.queueId;
      record.channel ??= event.channel;
      break;
    case 'offered':
      if (record.queueId === undefined) record.queueId = event.queueId;
      break;
    case 'answered':
      if (record.answeredAt === undefined) {
        record.answeredAt = event.at;
        record.agentId = event.agentId;
        if (event.queueId !== undefined) record.queueId = event.queueId;
      }
      break;
    case 'held':
      record.holdStartedAt ??= event.at;
      break;
    case 'resumed':
      if (record.holdStartedAt !== undefined) {
        record.holdMs += Math.max(0, event.at - record.holdStartedAt);
        record.holdStartedAt = undefined;
      }
      break;
    case 'ended':
      if (record.endedAt === undefined) {
        record.endedAt = event.at;
        record.endReason = event.endReason;
        if (record.holdStartedAt !== undefined) {
          record.holdMs += Math.max(0, event.at - record.holdStartedAt);
          record.holdStartedAt = undefined;
        }
      }
      break;
    case 'wrap-up-done':
      record.wrapUpDoneAt ??= event.at;
      record.disposition ??= event.disposition;
      record.resolved ??= event.resolved;
      break;
    case 'csat':
      record.csat = event.score;
      if (event.nps !== undefined) record.nps = event.nps;
      break;
  }
}

/** Additive totals; a report is a few divisions of these. */
interface Totals {
  interactions: number;
  queued: number;
  answered: number;
  abandoned: number;
  slMet: number;
  slOutcomes: number;
  asaCount: number;
  waitMs: number;
  handled: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  fcrContacts: number;
  fcrResolved: number;
  csatResponses: number;
  csatSum: number;
  csatSatisfied: number;
  npsResponses: number;
  npsPromoters: number;
  npsDetractors: number;
  readonly byDisposition: Map<string, number>;
  readonly byTopic: Map<string, number>;
  readonly byEndReason: Map<string, number>;
  outboundCalls: number;
  outboundConnected: number;
}

function emptyTotals(): Totals {
  return {
    interactions: 0,
    queued: 0,
    answered: 0,
    abandoned: 0,
    slMet: 0,
    slOutcomes: 0,
    asaCount: 0,
    waitMs: 0,
    handled: 0,
    talkMs: 0,
    holdMs: 0,
    wrapMs: 0,
    fcrContacts: 0,
    fcrResolved: 0,
    csatResponses: 0,
    csatSum: 0,
    csatSatisfied: 0,
    npsResponses: 0,
    npsPromoters: 0,
    npsDetractors: 0,
    byDisposition: new Map(),
    byTopic: new Map(),
    byEndReason: new Map(),
    outboundCalls: 0,
    outboundConnected: 0,
  };
}

function bump(map: Map<string, number>, key: string | undefined, by: number): void {
  if (key === undefined) return;
  const next = (map.get(key) ?? 0) + by;
  if (next === 0) map.delete(key);
  else map.set(key, next);
}

/** Adds (`sign` 1) or removes (`sign` −1) one record's share of every KPI. */
function accumulate(totals: Totals, record: InteractionRecord, settings: KpiSettings, sign: 1 | -1): void {
  totals.interactions += sign;
  const queued = record.queuedAt !== undefined;
  const answered = record.answeredAt !== undefined;
  if (record.outbound) {
    // A dialled call: counted apart, so inbound answer and abandonment rates keep their meaning.
    totals.outboundCalls += sign;
    if (answered) totals.outboundConnected += sign;
  } else {
    if (queued) totals.queued += sign;
    if (answered) totals.answered += sign;
    if (!answered && record.endReason === 'abandoned') totals.abandoned += sign;
  }

  if (queued) {
    const queuedAt = record.queuedAt as number;
    const targetMs =
      (settings.slaTargetByQueue[record.queueId ?? ''] ??
        settings.defaultSlaTargetSeconds ??
        DEFAULT_SLA_TARGET_SECONDS) * 1000;
    if (answered) {
      const wait = Math.max(0, (record.answeredAt as number) - queuedAt);
      totals.slOutcomes += sign;
      if (wait <= targetMs) totals.slMet += sign;
      totals.asaCount += sign;
      totals.waitMs += sign * wait;
    } else if (record.endedAt !== undefined && record.endedAt - queuedAt > targetMs) {
      // Unanswered after the target counts against the service level; short abandons do not count at all.
      totals.slOutcomes += sign;
    }
  }

  if (answered && record.endedAt !== undefined) {
    const talk = Math.max(0, record.endedAt - (record.answeredAt as number) - record.holdMs);
    const wrap = record.wrapUpDoneAt === undefined ? 0 : Math.max(0, record.wrapUpDoneAt - record.endedAt);
    totals.handled += sign;
    totals.talkMs += sign * talk;
    totals.holdMs += sign * record.holdMs;
    totals.wrapMs += sign * wrap;
  }

  if (answered && record.customerId !== undefined && !record.outbound) {
    totals.fcrContacts += sign;
    if (record.resolved !== false && !record.repeated) totals.fcrResolved += sign;
  }

  if (record.csat !== undefined) {
    totals.csatResponses += sign;
    totals.csatSum += sign * record.csat;
    if (record.csat >= 4) totals.csatSatisfied += sign;
  }
  if (record.nps !== undefined) {
    totals.npsResponses += sign;
    if (record.nps >= 9) totals.npsPromoters += sign;
    else if (record.nps <= 6) totals.npsDetractors += sign;
  }
  bump(totals.byDisposition, record.disposition, sign);
  bump(totals.byTopic, record.topic, sign);
  bump(totals.byEndReason, record.endReason, sign);
}

/** FCR key: same customer and same topic (contacts without a topic share the empty topic). */
function repeatKey(record: InteractionRecord): string | undefined {
  // The agent calling a customer back is not the customer coming back: outbound calls stay out of FCR.
  return record.customerId === undefined || record.outbound
    ? undefined
    : `${record.customerId}\u0000${record.topic ?? ''}`;
}

/** Marks each contact that another contact of the same key followed within the window. */
function markRepeats(
  contacts: InteractionRecord[],
  windowMs: number,
  onChange?: (record: InteractionRecord, repeated: boolean) => void,
): void {
  contacts.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 0; i < contacts.length; i++) {
    const record = contacts[i] as InteractionRecord;
    let repeated = false;
    for (let j = i + 1; j < contacts.length; j++) {
      const later = contacts[j] as InteractionRecord;
      if (later.createdAt <= record.createdAt) continue;
      repeated = later.createdAt - record.createdAt <= windowMs;
      break;
    }
    if (repeated !== record.repeated) {
      if (onChange) onChange(record, repeated);
      else record.repeated = repeated;
    }
  }
}

/* --- occupancy --- */

interface Span {
  start: number;
  end: number;
}

/** Total length of the union of spans, clipped to [from, to). */
function unionLength(spans: Span[], from: number, to: number): number {
  const clipped = spans
    .map((s) => ({ start: Math.max(s.start, from), end: Math.min(s.end, to) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let current: Span | undefined;
  for (const span of clipped) {
    if (current !== undefined && span.start <= current.end) {
      current.end = Math.max(current.end, span.end);
      continue;
    }
    if (current !== undefined) total += current.end - current.start;
    current = { ...span };
  }
  if (current !== undefined) total += current.end - current.start;
  return total;
}

/** Presence spans of every agent: available from an `available` event until a different presence. */
function availableSpans(events: readonly AgentPresenceLogEvent[], until: number): Map<string, Span[]> {
  const spans = new Map<string, Span[]>();
  const open = new Map<string, number>();
  for (const event of events) {
    const since = open.get(event.agentId);
    if (event.presence === 'available') {
      if (since === undefined) open.set(event.agentId, event.at);
    } else if (since !== undefined) {
      open.delete(event.agentId);
      spans.set(event.agentId, [...(spans.get(event.agentId) ?? []), { start: since, end: event.at }]);
    }
  }
  for (const [agentId, since] of open)
    spans.set(agentId, [...(spans.get(agentId) ?? []), { start: since, end: until }]);
  return spans;
}

/** Busy spans: from answer until wrap-up ends (or the call ends, or still going at `until`). */
function busySpans(records: Iterable<InteractionRecord>, until: number): Map<string, Span[]> {
  const spans = new Map<string, Span[]>();
  for (const record of records) {
    if (record.answeredAt === undefined || record.agentId === undefined) continue;
    const end = record.wrapUpDoneAt ?? record.endedAt ?? until;
    const list = spans.get(record.agentId) ?? [];
    list.push({ start: record.answeredAt, end });
    spans.set(record.agentId, list);
  }
  return spans;
}

function occupancyOf(
  available: Map<string, Span[]>,
  busy: Map<string, Span[]>,
  from: number,
  to: number,
): number | undefined {
  let busyMs = 0;
  let staffedMs = 0;
  for (const agentId of new Set([...available.keys(), ...busy.keys()])) {
    const working = busy.get(agentId) ?? [];
    busyMs += unionLength(working, from, to);
    staffedMs += unionLength([...(available.get(agentId) ?? []), ...working], from, to);
  }
  return staffedMs === 0 ? undefined : busyMs / staffedMs;
}

/* --- reports --- */

const ratio = (part: number, whole: number): number | undefined => (whole === 0 ? undefined : part / whole);
const sortedRecord = (map: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function report(
  totals: Totals,
  from: number,
  to: number,
  queueId: string | undefined,
  occupancy: number | undefined,
): KpiReport {
  const perHandled = (ms: number) => (totals.handled === 0 ? undefined : ms / totals.handled / 1000);
  return {
    from,
    to,
    queueId,
    interactions: totals.interactions,
    queued: totals.queued,
    answered: totals.answered,
    abandoned: totals.abandoned,
    answerRate: ratio(totals.answered, totals.queued),
    abandonmentRate: ratio(totals.abandoned, totals.queued),
    serviceLevel: ratio(totals.slMet, totals.slOutcomes),
    asaSeconds: totals.asaCount === 0 ? undefined : totals.waitMs / totals.asaCount / 1000,
    handled: totals.handled,
    ahtSeconds: perHandled(totals.talkMs + totals.holdMs + totals.wrapMs),
    talkSeconds: perHandled(totals.talkMs),
    holdSeconds: perHandled(totals.holdMs),
    wrapUpSeconds: perHandled(totals.wrapMs),
    fcr: ratio(totals.fcrResolved, totals.fcrContacts),
    fcrContacts: totals.fcrContacts,
    csatAverage: ratio(totals.csatSum, totals.csatResponses),
    csatSatisfied: ratio(totals.csatSatisfied, totals.csatResponses),
    csatResponses: totals.csatResponses,
    nps:
      totals.npsResponses === 0
        ? undefined
        : (100 * (totals.npsPromoters - totals.npsDetractors)) / totals.npsResponses,
    npsResponses: totals.npsResponses,
    occupancy,
    outboundCalls: totals.outboundCalls,
    outboundConnected: totals.outboundConnected,
    byDisposition: sortedRecord(totals.byDisposition),
    byTopic: sortedRecord(totals.byTopic),
    byEndReason: sortedRecord(totals.byEndReason),
  };
}

function inScope(record: InteractionRecord, settings: KpiSettings): boolean {
  return settings.queueId === undefined || record.queueId === settings.queueId;
}

/** Events sorted by time; equal times keep their log order. */
function inTimeOrder(events: readonly KpiLogEvent[]): KpiLogEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.at - b.event.at || a.index - b.index)
    .map(({ event }) => event);
}

/** The interaction records and presence changes of a log, with repeat contacts marked. */
function replay(
  events: readonly KpiLogEvent[],
  fcrWindowMs: number,
): { records: Map<string, InteractionRecord>; presence: AgentPresenceLogEvent[] } {
  const records = new Map<string, InteractionRecord>();
  const presence: AgentPresenceLogEvent[] = [];
  for (const event of inTimeOrder(events)) {
    validateEvent(event);
    if (event.type === 'presence') {
      presence.push(event);
      continue;
    }
    applyEvent(recordFor(records, event), event);
  }
  const byKey = new Map<string, InteractionRecord[]>();
  for (const record of records.values()) {
    const key = repeatKey(record);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  for (const contacts of byKey.values()) markRepeats(contacts, fcrWindowMs);
  return { records, presence };
}

/**
 * KPIs of the interactions created in `[from, to)`, from an event log in any order. Repeat contacts after `to`
 * still count against first-contact resolution when the log contains them; occupancy is clipped to the window.
 *
 * @example
 * ```ts
 * const day = computeKpis(log, { from: startOfDay, to: endOfDay, fcrWindowMs: 7 * 86_400_000, slaTargetByQueue: { support: 20 } });
 * console.log(day.serviceLevel, day.ahtSeconds, day.fcr);
 * ```
 */
export function computeKpis(events: readonly KpiLogEvent[], options: KpiOptions): KpiReport {
  return reportsOver(events, options, undefined)[0] as KpiReport;
}

/**
 * Reports of `[from, to)` cut into buckets of `bucketMs` (one report of the whole window without): each
 * bucket counts the interactions created in it; occupancy is clipped to the bucket.
 */
function reportsOver(
  events: readonly KpiLogEvent[],
  options: KpiOptions,
  bucketMs: number | undefined,
): KpiReport[] {
  const { records, presence } = replay(events, options.fcrWindowMs);
  const { from, to } = options;
  const count = bucketMs === undefined ? 1 : Math.max(0, Math.ceil((to - from) / bucketMs));
  const buckets = Array.from({ length: count }, emptyTotals);
  for (const record of records.values()) {
    if (record.createdAt < from || record.createdAt >= to || !inScope(record, options)) continue;
    const index = bucketMs === undefined ? 0 : Math.floor((record.createdAt - from) / bucketMs);
    accumulate(buckets[index] as Totals, record, options, 1);
  }
  const available = availableSpans(presence, to);
  const busy = busySpans(records.values(), to);
  return buckets.map((totals, index) => {
    const start = bucketMs === undefined ? from : from + index * bucketMs;
    const end = bucketMs === undefined ? to : Math.min(to, start + bucketMs);
    return report(totals, start, end, options.queueId, occupancyOf(available, busy, start, end));
  });
}

/** Options of {@link computeKpiSeries}: a window cut into buckets. */
export interface KpiSeriesOptions extends KpiOptions {
  /** Length of one bucket, ms; the last bucket ends at `to` and may be shorter. */
  readonly bucketMs: number;
}

/**
 * The KPIs of consecutive buckets of `[from, to)` — for example each hour of today — for trend charts. Each
 * bucket holds the interactions created in it and is exactly what {@link computeKpis} says of that bucket's
 * window; the log is read once.
 *
 * @example
 * ```ts
 * const hours = computeKpiSeries(log, { from: midnight, to: Date.now(), bucketMs: 3_600_000, fcrWindowMs, slaTargetByQueue });
 * const serviceLevelByHour = hours.map((hour) => hour.serviceLevel);
 * ```
 */
export function computeKpiSeries(events: readonly KpiLogEvent[], options: KpiSeriesOptions): KpiReport[] {
  const { from, to, bucketMs } = options;
  if (!(bucketMs > 0) || !Number.isFinite(bucketMs) || !Number.isFinite(from) || !Number.isFinite(to)) {
    throw helplineError('validation/field', {
      scope: 'kpis',
      field: 'bucketMs',
      detail: 'must be a positive number of milliseconds over a finite window',
    });
  }
  return reportsOver(events, options, bucketMs);
}

/** Live KPIs, updated event by event. */
export interface KpiAccumulator {
  /** Folds one more event in (events should arrive in time order). */
  add(event: KpiLogEvent): void;
  /** The KPIs of everything added so far; open work and presence are counted up to `nowMs`. */
  snapshot(nowMs: number): KpiReport;
}

/**
 * An incremental KPI reducer for live dashboards: `add()` costs O(1) per event (plus the same customer's other
 * contacts on the topic, for FCR); `snapshot()` divides running totals (occupancy walks the agents' spans).
 * Agrees with {@link computeKpis} over the same events.
 *
 * @example
 * ```ts
 * const live = createKpiAccumulator({ fcrWindowMs: 7 * 86_400_000, slaTargetByQueue: { support: 20 } });
 * hub.onEvent((event) => live.add(event));
 * setInterval(() => publish(live.snapshot(Date.now())), 5000);
 * ```
 */
export function createKpiAccumulator(settings: KpiSettings & { readonly from?: number }): KpiAccumulator {
  const from = settings.from ?? Number.NEGATIVE_INFINITY;
  const records = new Map<string, InteractionRecord>();
  const keys = new Map<InteractionRecord, string | undefined>();
  const byKey = new Map<string, InteractionRecord[]>();
  const presence: AgentPresenceLogEvent[] = [];
  const totals = emptyTotals();
  let firstAt = Number.POSITIVE_INFINITY;

  const counted = (record: InteractionRecord) => record.createdAt >= from && inScope(record, settings);

  function rekey(record: InteractionRecord): void {
    const key = repeatKey(record);
    const previous = keys.get(record);
    if (previous !== undefined && previous !== key) {
      const list = (byKey.get(previous) ?? []).filter((r) => r !== record);
      if (list.length === 0) byKey.delete(previous);
      else byKey.set(previous, list);
      refreshRepeats(list);
    }
    keys.set(record, key);
    if (key === undefined) return;
    const list = byKey.get(key) ?? [];
    if (!list.includes(record)) list.push(record);
    byKey.set(key, list);
    refreshRepeats(list);
  }

  function refreshRepeats(list: InteractionRecord[]): void {
    markRepeats(list, settings.fcrWindowMs, (record, repeated) => {
      const live = counted(record);
      if (live) accumulate(totals, record, settings, -1);
      record.repeated = repeated;
      if (live) accumulate(totals, record, settings, 1);
    });
  }

  return {
    add(event) {
      validateEvent(event);
      firstAt = Math.min(firstAt, event.at);
      if (event.type === 'presence') {
        presence.push(event);
        return;
      }
      const known = records.get(event.interactionId);
      if (known !== undefined && counted(known)) accumulate(totals, known, settings, -1);
      const record = recordFor(records, event);
      applyEvent(record, event);
      if (counted(record)) accumulate(totals, record, settings, 1);
      const key = repeatKey(record);
      if (key !== keys.get(record)) rekey(record);
    },
    snapshot(nowMs) {
      const start = Number.isFinite(from) ? from : Math.min(firstAt, nowMs);
      const occupancy = occupancyOf(
        availableSpans(presence, nowMs),
        busySpans(records.values(), nowMs),
        start,
        nowMs,
      );
      return report(totals, start, nowMs, settings.queueId, occupancy);
    },
  };
}

/* --- CSV --- */

/** One CSV cell: numbers are written as numbers, `undefined` as an empty cell. */
export type CsvCell = string | number | undefined;

/**
 * One RFC 4180 cell. Text starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` so
 * spreadsheets do not run it as a formula (OWASP "CSV injection"); numbers are left as they are.
 */
export function csvCell(value: CsvCell): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toFixed(6))) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Rows to RFC 4180 CSV (CRLF line ends), with formula injection neutralised in every text cell.
 *
 * @example
 * ```ts
 * toCsv([['topic', 'count'], ['=HYPERLINK("x")', 3]]); // 'topic,count\r\n"\'=HYPERLINK(""x"")",3\r\n'
 * ```
 */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

const KPI_COLUMNS: readonly [string, (r: KpiReport) => CsvCell][] = [
  ['from', (r) => (Number.isFinite(r.from) ? new Date(r.from).toISOString() : undefined)],
  ['to', (r) => (Number.isFinite(r.to) ? new Date(r.to).toISOString() : undefined)],
  ['queue', (r) => r.queueId],
  ['interactions', (r) => r.interactions],
  ['queued', (r) => r.queued],
  ['answered', (r) => r.answered],
  ['abandoned', (r) => r.abandoned],
  ['answer_rate', (r) => r.answerRate],
  ['abandonment_rate', (r) => r.abandonmentRate],
  ['service_level', (r) => r.serviceLevel],
  ['asa_seconds', (r) => r.asaSeconds],
  ['handled', (r) => r.handled],
  ['aht_seconds', (r) => r.ahtSeconds],
  ['talk_seconds', (r) => r.talkSeconds],
  ['hold_seconds', (r) => r.holdSeconds],
  ['wrap_up_seconds', (r) => r.wrapUpSeconds],
  ['fcr', (r) => r.fcr],
  ['fcr_contacts', (r) => r.fcrContacts],
  ['csat_average', (r) => r.csatAverage],
  ['csat_satisfied', (r) => r.csatSatisfied],
  ['csat_responses', (r) => r.csatResponses],
  ['nps', (r) => r.nps],
  ['nps_responses', (r) => r.npsResponses],
  ['occupancy', (r) => r.occupancy],
  ['outbound_calls', (r) => r.outboundCalls],
  ['outbound_connected', (r) => r.outboundConnected],
];

/**
 * One CSV row per report (for example one per queue or per half hour) with every KPI as a column; rates are
 * fractions 0–1, durations seconds. Use {@link kpiBreakdownToCsv} for the disposition/topic counts.
 *
 * @example
 * ```ts
 * download('kpis.csv', kpisToCsv(queues.map((queueId) => computeKpis(log, { ...window, queueId }))));
 * ```
 */
export function kpisToCsv(reports: KpiReport | readonly KpiReport[]): string {
  const list: readonly KpiReport[] = Array.isArray(reports) ? reports : [reports as KpiReport];
  return toCsv([KPI_COLUMNS.map(([name]) => name), ...list.map((r) => KPI_COLUMNS.map(([, get]) => get(r)))]);
}

/** The disposition, topic and end-reason counts of a report as `kind,name,count` rows, most frequent first. */
export function kpiBreakdownToCsv(report: KpiReport): string {
  const rows: CsvCell[][] = [['kind', 'name', 'count']];
  for (const [kind, counts] of [
    ['disposition', report.byDisposition],
    ['topic', report.byTopic],
    ['end-reason', report.byEndReason],
  ] as const) {
    const sorted = Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, count] of sorted) rows.push([kind, name, count]);
  }
  return toCsv(rows);
}
