import { randomUUID } from 'node:crypto';
import {
  type ConversationEvent,
  helplineError,
  isHelplineError,
  type Notice,
  phaseOf,
  type Queue,
  queueAvailability,
  type SurveyPolicy,
  surveyOf,
  systemClock,
  VOICEMAIL_ATTACHMENT_POLICY,
  type VoicemailPolicy,
  vonageFailure,
} from '@helpline/core';
import type { Hub, HubClock, OutboundCall, Subject } from '@helpline/core/hub';
import type { AttachmentStore } from '../attachments/attachments.types';
import type { Logger } from '../log/logger';
import { phoneCustomerId } from '../outbound/outbound.policy';
import type { RecordingStore } from '../recordings/recordings.store';
import type { VonageApi } from './vonage.api';
import { type BridgeClient, type BridgeTokens, openBridge } from './vonage.bridge';
import type { ConsultPhoneLeg, PendingSegment, StoredVonageCall, VonageCallStore } from './vonage.calls';
import type { VonageConfig, VonageNumber } from './vonage.config';
import {
  conversation,
  fill,
  keyInput,
  type Ncco,
  type NccoAction,
  record as recordAction,
  recordConversation,
  talk,
} from './vonage.ncco';
import type { VonageCallLegs } from './vonage.supervision';
import {
  subjectOfVonageUser,
  type VonageClientToken,
  type VonageTokens,
  vonageUserOf,
} from './vonage.tokens';

// The gateway between Vonage's call legs and the hub's interactions. Every decision goes through the hub's public
// surface: the customer's side through a bridge connection (as the widget would speak), the agent's side through
// `hub.execute` (as the HTTP API does). Vonage only carries the audio.
//
//   inbound phone call ─ answer webhook ─▶ chat.start {channel: voice} (queued) ─ NCCO: greeting, menu?, music
//   agent accepts (hub) ─ bridge hears `joined` ─▶ POST /v1/calls to the agent's app user, same conversation
//   event webhooks ─▶ leg answered → call.media connected; leg completed → chat.end (by whoever hung up first)
//   callback dialing (agent) ─ POST /vonage/callbacks/:cid/dial ─▶ phone leg + app leg; outcome from the phone leg
//   click-to-dial (agent, voice.dial) ─ the hub's dial policy ─▶ phone leg from the queue's caller ID + app leg; the
//   phone leg's statuses reach the hub as the customer's (ringing → call.ring, answered → call.answer + media)
//   the agent ends a phone call ─ the queue asks a keypad survey ─▶ the caller's leg is transferred to it: 1–5, then
//   NPS 0–10 + # ─ survey webhooks ─▶ csat.submit as the caller (the same hub path as the widget's rating)
//   voicemail (queues with `voicemail`): a closed queue, or a caller waiting `afterSeconds` unanswered ─▶
//   voicemail.start as the caller, NCCO talk + record ─ recording webhook ─▶ the audio fetched from Vonage into the
//   attachment store ─▶ voicemail.send as the caller: a `voicemail` interaction in the queue
//   call recording (the hub's call `recording`, docs/vonage.md#call-recording): on while both legs are connected ─▶
//   the caller's leg transferred to `record` + its conversation (a segment); paused or off ─▶ transferred to the
//   conversation alone (the segment ends) ─ recording webhook (?segment=) ─▶ the audio fetched into the recordings

/** A webhook body as Vonage posts it (only the fields read here). */
export interface WebhookBody {
  readonly uuid?: unknown | undefined;
  readonly conversation_uuid?: unknown | undefined;
  readonly status?: unknown | undefined;
  readonly from?: unknown | undefined;
  readonly to?: unknown | undefined;
  readonly from_user?: unknown | undefined;
  readonly custom_data?: unknown | undefined;
  readonly dtmf?: unknown | undefined;
  /** A recording webhook's: where Vonage keeps the recording, and its size in bytes. */
  readonly recording_url?: unknown | undefined;
  readonly size?: unknown | undefined;
}

/** Where an event webhook came from, as the `event_url` of legs we placed says. */
export interface EventQuery {
  readonly cid?: string | undefined;
  readonly leg?: string | undefined;
}

/** Which question of the keypad survey a survey webhook answers, as its `eventUrl` says. */
export interface SurveyQuery {
  readonly cid?: string | undefined;
  readonly step?: string | undefined;
}

type Role = 'customer' | 'agent';

interface CallRecord {
  readonly kind: 'phone' | 'web' | 'callback' | 'outbound';
  cid?: string;
  readonly customerUuid?: string | undefined;
  customerLeg?: string;
  readonly conversation: string;
  readonly ourNumber: string;
  readonly language: string;
  readonly callerNumber?: string | undefined;
  /** The caller as the hub knows them (phone calls): keypad survey answers are recorded as theirs. */
  subject?: Subject;
  /**
   * The keypad survey the caller is in, once the agent ended the call: the rating, once pressed; `finished` once the
   * caller answered, skipped it or hung up.
   */
  survey?: {
    readonly policy: SurveyPolicy;
    score?: 1 | 2 | 3 | 4 | 5;
    recorded: boolean;
    finished?: boolean;
  };
  /** The NCCO returned for the customer leg (Vonage retries a slow answer webhook; the answer is the same). */
  ncco?: Ncco;
  menu?: NonNullable<VonageNumber['menu']>;
  menuNcco?: Ncco;
  bridge?: BridgeClient;
  agentId?: string;
  agentLeg?: string;
  agentAnswered: boolean;
  customerAnswered: boolean;
  /** The hub's id of the call riding on the interaction (from `call` notices). */
  hubCallId?: string;
  streaming: boolean;
  ended: boolean;
  /** When the gateway let go of the call (its legs are forgotten a while later). */
  releasedAt?: number;
  announcedAt?: number;
  announced?: number;
  pendingAnnouncement?: { position: number; estimatedWaitSeconds?: number };
  announceTimer?: unknown;
  /** Fires when the caller has waited the queue's `voicemail.afterSeconds` unanswered. */
  voicemailTimer?: unknown;
  /** What the hub's call says of its recording (from `call` notices). */
  recording: 'off' | 'on' | 'paused';
  /** What Vonage does: records the conversation in a segment (its webhook key), or not. */
  capture: { readonly state: 'idle' } | { readonly state: 'recording'; readonly segment: string };
  /** Segments started on this call (the next one's number). */
  segments: number;
  /** Segments recorded whose audio is not stored yet, by webhook key. */
  pendingSegments: Record<string, PendingSegment>;
  /** Frames heard before the interaction id was known (replayed once it is). */
  early: (() => void)[];
  /** Work on this call runs one item at a time, in arrival order. */
  chain: Promise<void>;
  /** The last status handled of each leg, by uuid. */
  legStatus: Record<string, string>;
  /** The phone leg of the agent's consult to an outside number (kept by the consult telephony). */
  consult?: ConsultPhoneLeg;
  /** What was last stored of the call (JSON), so an unchanged call is not written again. */
  stored?: string;
  /** The term of this gateway the record belongs to: a record of an earlier term (before a suspend) is stale. */
  term: number;
}

/** Largest call recording segment fetched from Vonage (two hours of two-channel MP3 fit well below). */
const RECORDING_MAX_BYTES = 512 * 1024 * 1024;

/** Options of {@link createVonageGateway}. */
export interface VonageGatewayOptions {
  readonly config: VonageConfig;
  readonly queues: readonly Queue[];
  readonly hub: Hub;
  readonly bridgeTokens: BridgeTokens;
  readonly api: VonageApi;
  readonly tokens: VonageTokens;
  readonly log: Logger;
  readonly clock?: HubClock | undefined;
  /**
   * True when the carrier's caller id can be trusted (a private network, verified STIR/SHAKEN): callers' numbers are
   * then verified identifiers that merge customers automatically. Default false: a suggestion only.
   */
  readonly trustCallerId?: boolean | undefined;
  /** Where voicemail recordings are kept (the attachment store); without it, queues' voicemail is not offered. */
  readonly attachments?: Pick<AttachmentStore, 'put'> | undefined;
  /**
   * Where call recordings are kept (the server's recordings store): without it, a call whose `recording` is on is
   * not recorded through Vonage (and a warning is logged).
   */
  readonly recordings?: Pick<RecordingStore, 'segment' | 'begin' | 'append'> | undefined;
  /** Waits before fetching a call recording again after a failed fetch, ms. Default 1 s, 10 s, 60 s. */
  readonly recordingRetryMs?: readonly number[] | undefined;
  /**
   * Where the calls are kept so a new leader or a restart carries them on ({@link VonageGateway.restore}); without
   * it, the calls live in this process only.
   */
  readonly calls?: VonageCallStore | undefined;
  /**
   * Handles a status of a consult's phone leg (the consult telephony's `event`): asked of Vonage when a call is
   * taken back, so a consult answered or hung up while no instance led reaches the hub.
   */
  readonly consultStatus?: ((cid: string, legId: string, status: string) => Promise<void>) | undefined;
}

/** The Vonage side of the server. */
export interface VonageGateway {
  /** Answer webhook: the NCCO for a new leg (a phone call to one of our numbers, or a browser's `serverCall`). */
  answer(body: WebhookBody): Promise<Ncco>;
  /** Input webhook: the key a caller pressed in the menu picks the queue. */
  input(body: WebhookBody): Promise<Ncco>;
  /** Survey webhook: a key of the keypad survey; answers with the next question, or thanks. */
  survey(body: WebhookBody, query: SurveyQuery): Promise<Ncco>;
  /** Event webhook: queued and handled in the background, in order per leg; returns at once. */
  event(body: WebhookBody, query: EventQuery): void;
  /**
   * Recording webhook of a voicemail (`?cid=` names it): the recording is fetched from Vonage into the attachment
   * store and sent as the caller's voicemail. Of a call recording's segment (`?segment=`): fetched into the
   * recordings store, once (retried after a failure). Handled in the background; returns at once.
   */
  recording(
    body: WebhookBody,
    query: { readonly cid?: string | undefined; readonly segment?: string | undefined },
  ): void;
  /** A client JWT for `subject`, after making sure its Vonage user exists. */
  clientToken(subject: Subject): Promise<VonageClientToken>;
  /** The assigned agent dials callback `cid`: the customer's phone and the agent's app, bridged. */
  dial(subject: Subject, cid: string): Promise<{ readonly cid: string }>;
  /**
   * Places the phone leg of an outbound call (click-to-dial) from the queue's caller ID, and the agent's app leg,
   * in one conversation; the phone leg's statuses drive the hub's call. Returns at once (failures end the call).
   */
  placeOutbound(call: OutboundCall): void;
  /** The assigned agent holds (`held: true`) or resumes the call of interaction `cid`. */
  hold(subject: Subject, cid: string, held: boolean): Promise<void>;
  /** The conversation and legs of the live Vonage call of interaction `cid` (supervisor legs join it). */
  legsOf(cid: string): VonageCallLegs | undefined;
  /**
   * The phone legs of consults to outside numbers, kept with their calls (stored, and carried on by the next
   * leader): the consult telephony's only memory of them.
   */
  readonly consultLegs: ConsultPhoneLegs;
  /**
   * Takes back the stored calls (this instance starts leading, or the server restarted): their legs are known again,
   * each caller's side speaks to the hub again, and each leg's status is asked of Vonage, so a hang-up reported while
   * no instance led still ends its call. Calls this gateway already carries are left as they are.
   */
  restore(): Promise<void>;
  /**
   * Lets go of every call without ending or forgetting it (another instance leads now, and carries them on from the
   * database).
   */
  suspend(): Promise<void>;
  /** Resolves when every queued webhook has been handled (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
}

/** Where the consult telephony keeps the phone leg of each call's consult (one at a time). */
export interface ConsultPhoneLegs {
  /** The phone leg of interaction `cid`'s consult, if any. */
  get(cid: string): ConsultPhoneLeg | undefined;
  /** Keeps (or, with `undefined`, forgets) the phone leg of interaction `cid`'s consult. */
  set(cid: string, leg: ConsultPhoneLeg | undefined): void;
  /** Resolves once the calls stored before a restart or a takeover are carried again (webhooks wait for it). */
  ready(): Promise<void>;
}

const ENDING_STATUSES = new Set([
  'completed',
  'failed',
  'rejected',
  'busy',
  'timeout',
  'unanswered',
  'cancelled',
]);
const NOT_REACHED = new Set(['failed', 'rejected', 'busy', 'timeout', 'unanswered', 'cancelled']);
const SEEN_LIMIT = 50_000;
/** A restore of the stored calls that failed is tried again after this long. */
const RESTORE_RETRY_MS = 1_000;
/** Finished calls are remembered this long, so late or repeated webhooks about them stay harmless. */
const KEEP_FINISHED_MS = 10 * 60_000;

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined;

/** Vonage writes numbers without the `+`; ours are E.164. */
function e164Of(value: unknown): string | undefined {
  const raw = str(value)?.replace(/[\s-]/g, '');
  if (!raw) return undefined;
  const digits = raw.startsWith('+') ? raw.slice(1) : raw;
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
}

const digitsOf = (number: string) => number.replace(/^\+/, '');

/**
 * The customer behind a phone number: the same number is the same customer (first-contact resolution). A caller id
 * can be spoofed, so the number is an unverified claim unless `trustCallerId` says the carrier vouches for it
 * (docs/customers.md): only then does it merge with a customer who proved the same number.
 */
function phoneSubject(number: string | undefined, uuid: string, trustCallerId = false): Subject {
  // The same id as a call an agent dials to the number (click-to-dial): one customer either way.
  const id = phoneCustomerId(number ?? `withheld:${uuid}`);
  return {
    id,
    role: 'visitor',
    name: number ? `Caller …${number.slice(-4)}` : 'Caller (number withheld)',
    ...(number
      ? {
          customer: { phone: number },
          identifiers: [{ kind: 'phone', value: number, verified: trustCallerId, source: 'caller-id' }],
        }
      : {}),
  };
}

function customData(value: unknown): Record<string, unknown> {
  if (value && typeof value === 'object') return value as Record<string, unknown>;
  if (typeof value === 'string' && value.length <= 2_000) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
    } catch {
      // Not JSON: no context.
    }
  }
  return {};
}

/** Creates the gateway. */
export function createVonageGateway(options: VonageGatewayOptions): VonageGateway {
  const { config, hub, api, tokens, log } = options;
  const clock = options.clock ?? systemClock;
  const trustCallerId = options.trustCallerId ?? config.trustCallerId;
  const queues = new Map(options.queues.map((queue) => [queue.id, queue]));
  const firstQueue = options.queues[0];
  const base = config.webhookBaseUrl.replace(/\/+$/, '');
  const callbackNumber = config.callbackNumber ?? config.numbers[0]?.number ?? '';
  const byLeg = new Map<string, { record: CallRecord; role: Role }>();
  const byCid = new Map<string, CallRecord>();
  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;
  let prunedAt = clock.now();

  // ─── helpers ──────────────────────────────────────────────────────────────────────────────────

  function track(work: Promise<void>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  /** Runs `task` after earlier work on the same call and resolves with its result (answers need it). */
  function inOrder<T>(record: CallRecord, task: () => Promise<T>): Promise<T> {
    const result = record.chain.then(task);
    record.chain = result.then(
      () => persist(record),
      () => persist(record),
    );
    track(record.chain);
    return result;
  }

  /** Forgets legs of calls that finished long ago (checked at most once a minute, on new calls). */
  function prune(): void {
    const now = clock.now();
    if (now - prunedAt < 60_000) return;
    prunedAt = now;
    for (const [leg, entry] of byLeg) {
      const { releasedAt } = entry.record;
      if (releasedAt !== undefined && now - releasedAt > KEEP_FINISHED_MS) byLeg.delete(leg);
    }
    // A survey never finished, or a segment whose webhook never came (or whose audio could not be fetched), is given
    // up after as long: the call's row goes.
    for (const record of carried) {
      const { releasedAt } = record;
      if (releasedAt === undefined || now - releasedAt <= KEEP_FINISHED_MS || !awaited(record)) continue;
      if (record.survey) record.survey.finished = true;
      for (const [key, segment] of Object.entries(record.pendingSegments)) {
        log.warn('vonage.recording-lost', {
          cid: segment.cid,
          segment: segment.segment,
          reason: 'no recording',
        });
        segmentsPending.delete(key);
        delete record.pendingSegments[key];
      }
      keep(record);
    }
  }

  /** Runs `task` after earlier work on the same call; failures are logged, never thrown at Vonage. */
  function work(record: CallRecord, what: string, task: () => Promise<void>): Promise<void> {
    const next = record.chain
      .then(task)
      .catch((error: unknown) => {
        log.error('vonage.failed', { what, cid: record.cid }, error);
      })
      .then(() => persist(record));
    record.chain = next;
    track(next);
    return next;
  }

  /** Runs a hub command as a staff member (like the HTTP API); `call.*` commands may not exist on every hub. */
  function asAgent(agentId: string, op: string, args: unknown): Promise<unknown> {
    const subject: Subject = { id: agentId, role: 'agent', name: agentId };
    const execute = hub.execute as (
      subject: Subject,
      op: string,
      args: unknown,
      meta: object,
    ) => Promise<unknown>;
    return execute(subject, op, args, { ip: 'vonage' });
  }

  /** A command whose refusal only means the hub is already past that step (a webhook arriving twice or late). */
  async function quietly(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      const code = isHelplineError(error) ? error.code : 'internal';
      if (code === 'conflict/state' || code === 'not-found' || code === 'protocol/unknown-command') {
        log.debug('vonage.skipped', { what, code });
        return;
      }
      throw error;
    }
  }

  function eventUrl(cid: string, leg: Role): string {
    return `${base}/vonage/webhooks/event?cid=${encodeURIComponent(cid)}&leg=${leg}`;
  }

  function newRecord(
    fields: Omit<
      CallRecord,
      | 'agentAnswered'
      | 'customerAnswered'
      | 'streaming'
      | 'ended'
      | 'early'
      | 'chain'
      | 'recording'
      | 'capture'
      | 'segments'
      | 'legStatus'
      | 'stored'
      | 'pendingSegments'
      | 'term'
    >,
  ): CallRecord {
    const record: CallRecord = {
      ...fields,
      agentAnswered: false,
      customerAnswered: false,
      streaming: false,
      ended: false,
      recording: 'off',
      capture: { state: 'idle' },
      segments: 0,
      early: [],
      chain: Promise.resolve(),
      legStatus: {},
      pendingSegments: {},
      term,
    };
    carried.add(record);
    return record;
  }

  // ─── keeping calls across restarts and takeovers ─────────────────────────────────────────────

  /** The calls this gateway carries (and stores); a call leaves once its row is gone, or another instance leads. */
  const carried = new Set<CallRecord>();
  /** Raised by each suspend: work of an earlier term (a restore, a take-back) stops, and stores nothing. */
  let term = 0;

  function storedOf(record: CallRecord): StoredVonageCall {
    const {
      bridge,
      announceTimer,
      voicemailTimer,
      pendingAnnouncement,
      early,
      chain,
      stored,
      term: _,
      ...kept
    } = record;
    return { ...kept, legStatus: { ...record.legStatus }, pendingSegments: { ...record.pendingSegments } };
  }

  /** Has the caller been put through to the keypad survey and not finished it yet? */
  const surveyPending = (record: CallRecord) =>
    record.survey !== undefined && record.survey.finished !== true;
  /** Does the gateway still wait for something of a call it let go (the survey's keys, a segment's webhook)? */
  const awaited = (record: CallRecord) =>
    surveyPending(record) || Object.keys(record.pendingSegments).length > 0;

  /**
   * Stores where the call stands (after each piece of work on it, in its order); the row of a call the gateway let go
   * is deleted. A failed write is logged and tried again after the next piece of work.
   */
  async function persist(record: CallRecord): Promise<void> {
    if (!carried.has(record) || record.term !== term) return;
    const store = options.calls;
    const released = record.releasedAt !== undefined && !awaited(record);
    if (released) carried.delete(record);
    if (!store) return;
    try {
      if (released) {
        if (record.stored !== undefined) await store.remove(record.conversation);
        record.stored = undefined;
        return;
      }
      const call = storedOf(record);
      const text = JSON.stringify(call);
      if (text === record.stored) return;
      await store.save(call);
      record.stored = text;
    } catch (error) {
      // Tried again after the call's next piece of work (a released call stays carried until its row is gone).
      if (released && record.term === term) carried.add(record);
      log.warn('vonage.call-unstored', { cid: record.cid }, error);
    }
  }

  /** Stores a call that changed outside a webhook's work (in its order). */
  function keep(record: CallRecord): void {
    void work(record, 'store the call', async () => undefined);
  }

  /** A call as stored, carried again: its legs mapped, and its caller's side speaking to the hub again. */
  function carryOn(call: StoredVonageCall): CallRecord {
    const record: CallRecord = {
      ...call,
      legStatus: { ...call.legStatus },
      pendingSegments: { ...call.pendingSegments },
      early: [],
      chain: Promise.resolve(),
      stored: JSON.stringify(call),
      term,
    };
    carried.add(record);
    if (record.customerLeg) byLeg.set(record.customerLeg, { record, role: 'customer' });
    if (record.agentLeg) byLeg.set(record.agentLeg, { record, role: 'agent' });
    if (record.cid && record.releasedAt === undefined) byCid.set(record.cid, record);
    for (const [uuid, status] of Object.entries(record.legStatus)) seen.add(`${uuid}|${status}`);
    for (const key of Object.keys(record.pendingSegments)) segmentsPending.set(key, record);
    void work(record, 'take the call back', () => takeBack(record));
    return record;
  }

  /**
   * The caller's side connects to the hub again (as at the start of the call), then the call catches up: with its
   * interaction, which may have moved on while no instance led, and with each leg's status on Vonage, which may have
   * hung up meanwhile (its webhook then reached no leader).
   */
  async function takeBack(record: CallRecord): Promise<void> {
    const { cid, subject } = record;
    // Stale once another instance leads: the hub here knows no interaction then, which must not read as ended.
    const stale = () => record.term !== term || closed;
    if (record.releasedAt !== undefined || record.ended || !cid || stale()) return;
    if (subject && record.kind !== 'callback') {
      try {
        await connectCustomer(record, subject);
      } catch (error) {
        log.warn('vonage.bridge-failed', { cid }, error);
      }
    }
    if (stale()) return;
    // The restored hub holds every open interaction: one it does not know has ended.
    const interaction = hub.interaction(cid);
    await interactionMoved(record, interaction?.state ?? 'ended', interaction?.endedBy);
    // A phone caller still in line is offered voicemail when the queue's wait runs out, counted from when they
    // started waiting (a wait that ran out while no instance led moves them at once).
    const queue = queues.get(interaction?.queueId ?? '');
    const voicemail = queue && record.kind === 'phone' ? voicemailOf(queue) : undefined;
    if (
      interaction &&
      queue &&
      voicemail &&
      phaseOf('voice', interaction.state) === 'waiting' &&
      !record.ended
    ) {
      const waitingSince = interaction.timestamps.queuedAt ?? interaction.timestamps.createdAt;
      offerVoicemailIn(
        record,
        queue,
        Math.max(0, waitingSince + voicemail.afterSeconds * 1000 - clock.now()),
      );
    }
    for (const [leg, role] of [
      [record.customerLeg, 'customer'],
      [record.agentLeg, 'agent'],
    ] as const) {
      if (!leg || record.ended) continue;
      const status = await api.callStatus(leg).catch((error: unknown) => {
        log.warn('vonage.status-unknown', { cid, leg: role }, error);
        return undefined;
      });
      if (stale()) return;
      if (status === undefined || record.legStatus[leg] === status) continue;
      record.legStatus[leg] = status;
      seen.add(`${leg}|${status}`);
      log.info('vonage.leg-caught-up', { cid, leg: role, status });
      await (role === 'customer' ? customerLegEvent(record, status) : agentLegEvent(record, leg, status));
    }
    await consultCaughtUp(record, cid, stale);
    log.info('vonage.call-carried-on', { cid, kind: record.kind, ended: record.ended });
  }

  /**
   * The consult's phone leg picked up or hung up while no instance led: the hub learns it now. A number still talking
   * is reported again even when nothing changed on Vonage's side: the hub may have let its leg go meanwhile (a return
   * stored just before the process died, before it hung the number up), and then the number is hung up.
   */
  async function consultCaughtUp(record: CallRecord, cid: string, stale: () => boolean): Promise<void> {
    const phone = record.consult;
    if (!phone?.uuid || record.ended || !options.consultStatus) return;
    const status = await api.callStatus(phone.uuid).catch((error: unknown) => {
      log.warn('vonage.status-unknown', { cid, leg: 'consult' }, error);
      return undefined;
    });
    if (stale() || status === undefined || record.consult !== phone) return;
    if (status === phone.status && status !== 'answered') return;
    if (status === phone.status) record.consult = { ...phone, status: undefined };
    else log.info('vonage.leg-caught-up', { cid, leg: 'consult', status });
    // In the background: the telephony keeps the leg's new status in this call's order, after this take-back.
    track(
      options.consultStatus(cid, phone.legId, status).catch((error: unknown) => {
        log.error('vonage.failed', { what: 'catch the consult up', cid }, error);
      }),
    );
  }

  let restoring: Promise<void> = Promise.resolve();
  /** The next try of a restore that failed (the database away at a takeover), while the term lasts. */
  let restoreRetry: unknown;

  /**
   * Restores the stored calls, one restore at a time (two at once would both carry a call not yet known to either).
   * One that fails is tried again a second later: the calls on Vonage go on meanwhile, and webhooks are not held up.
   */
  function restoreCalls(): Promise<void> {
    const started = term;
    restoring = restoring.then(restoreStored).catch((error: unknown) => {
      log.warn('vonage.restore-failed', { retryInMs: RESTORE_RETRY_MS }, error);
      if (term !== started || closed) return;
      clock.clearTimeout(restoreRetry);
      restoreRetry = clock.setTimeout(() => {
        if (term === started && !closed) void restoreCalls();
      }, RESTORE_RETRY_MS);
    });
    return restoring;
  }

  /** Carries on each stored call this gateway does not carry yet; forgets rows of calls let go long ago. */
  async function restoreStored(): Promise<void> {
    const store = options.calls;
    const started = term;
    if (!store || closed) return;
    const stored = await store.all();
    const now = clock.now();
    let restored = 0;
    for (const call of stored) {
      if (term !== started || closed) return;
      // Known already: carried since the gateway started (webhooks wait for the restore, but not the first term's).
      if ([...carried].some((record) => record.conversation === call.conversation)) continue;
      if (call.releasedAt !== undefined && now - call.releasedAt > KEEP_FINISHED_MS) {
        await store.remove(call.conversation);
        continue;
      }
      carryOn(call);
      restored += 1;
    }
    if (restored > 0) log.info('vonage.calls-restored', { calls: restored });
  }

  /** Stops the call's timers and its caller's hub connection (the call itself goes on). */
  function drop(record: CallRecord): void {
    if (record.announceTimer !== undefined) clock.clearTimeout(record.announceTimer);
    record.announceTimer = undefined;
    if (record.voicemailTimer !== undefined) clock.clearTimeout(record.voicemailTimer);
    record.voicemailTimer = undefined;
    const bridge = record.bridge;
    record.bridge = undefined;
    // Let the hub's answer to the last command arrive before the connection goes.
    if (bridge) queueMicrotask(() => bridge.close());
  }

  function forget(record: CallRecord): void {
    record.releasedAt ??= clock.now();
    drop(record);
    if (record.cid && byCid.get(record.cid) === record) byCid.delete(record.cid);
  }

  function numberFor(to: unknown): VonageNumber {
    const dialed = e164Of(to);
    const found = config.numbers.find((entry) => dialed && digitsOf(entry.number) === digitsOf(dialed));
    if (!found) log.warn('vonage.unknown-number', { to: dialed ?? String(to) });
    return found ?? (config.numbers[0] as VonageNumber);
  }

  // ─── the customer side, through a bridge connection ──────────────────────────────────────────

  async function connectCustomer(record: CallRecord, subject: Subject): Promise<BridgeClient> {
    // Kept with the call: a new leader's gateway connects the caller's side again as the same subject.
    record.subject = subject;
    const bridge = await openBridge(
      hub,
      options.bridgeTokens,
      subject,
      { ip: 'vonage' },
      {
        event(cid, ev) {
          if (record.cid === undefined) record.early.push(() => onEvent(record, cid, ev));
          else onEvent(record, cid, ev);
        },
        notice(notice) {
          if (record.cid === undefined) record.early.push(() => onNotice(record, notice));
          else onNotice(record, notice);
        },
      },
    );
    record.bridge = bridge;
    return bridge;
  }

  function linkCid(record: CallRecord, cid: string): void {
    record.cid = cid;
    byCid.set(cid, record);
    for (const replay of record.early.splice(0)) replay();
  }

  function onEvent(record: CallRecord, cid: string, ev: ConversationEvent): void {
    if (cid !== record.cid) return;
    if (ev.type === 'joined' && ev.participant.role === 'agent') {
      const agentId = ev.participant.id;
      void work(record, 'ring the agent', () => ringAgent(record, agentId));
    } else if (ev.type === 'state') {
      const { state, endedBy } = ev;
      void work(record, 'follow the interaction', () => interactionMoved(record, state, endedBy));
    }
  }

  function onNotice(record: CallRecord, notice: Notice): void {
    if (notice.type === 'position' && notice.cid === record.cid) {
      announce(record, {
        position: notice.position,
        ...(notice.estimatedWaitSeconds === undefined
          ? {}
          : { estimatedWaitSeconds: notice.estimatedWaitSeconds }),
      });
    } else if (notice.type === 'call' && notice.call.cid === record.cid) {
      record.hubCallId = notice.call.callId;
      if (notice.call.recording !== record.recording) {
        record.recording = notice.call.recording;
        void work(record, 'follow the recording', () => syncRecording(record));
      }
    }
  }

  /** Tells a waiting phone caller their place in line: when it changes, at most every `positionAnnouncementSeconds`. */
  function announce(record: CallRecord, position: { position: number; estimatedWaitSeconds?: number }): void {
    const everyMs = config.positionAnnouncementSeconds * 1000;
    if (record.kind !== 'phone' || everyMs === 0 || record.ended || record.agentId || !record.customerLeg)
      return;
    if (record.announced === position.position) return;
    record.pendingAnnouncement = position;
    if (record.announceTimer !== undefined) return;
    const wait = record.announcedAt === undefined ? 0 : record.announcedAt + everyMs - clock.now();
    const speak = () => {
      record.announceTimer = undefined;
      const next = record.pendingAnnouncement;
      record.pendingAnnouncement = undefined;
      if (
        !next ||
        record.ended ||
        record.agentId ||
        !record.customerLeg ||
        record.announced === next.position
      )
        return;
      record.announced = next.position;
      record.announcedAt = clock.now();
      const texts = config.announcements;
      let text = fill(texts.position, { position: next.position });
      if (next.estimatedWaitSeconds !== undefined) {
        text += ` ${fill(texts.wait, { minutes: Math.max(1, Math.round(next.estimatedWaitSeconds / 60)) })}`;
      }
      const leg = record.customerLeg;
      void work(record, 'announce the position', () => api.talk(leg, text, record.language));
    };
    if (wait <= 0) speak();
    else record.announceTimer = clock.setTimeout(speak, wait);
  }

  /** The hub offered the call and the agent accepted: ring the agent's app into the caller's conversation. */
  async function ringAgent(record: CallRecord, agentId: string): Promise<void> {
    // A callback's and an outbound call's app legs are placed with their phone legs.
    if (record.kind === 'callback' || record.kind === 'outbound' || record.ended || !record.cid) return;
    if (record.agentId === agentId && record.agentLeg) return;
    record.agentId = agentId;
    record.agentAnswered = false;
    const cid = record.cid;
    if (record.streaming && record.customerLeg) {
      record.streaming = false;
      await api.stopStream(record.customerLeg).catch(() => undefined);
    }
    try {
      const { uuid } = await api.createCall({
        to: [{ type: 'app', user: vonageUserOf({ id: agentId, role: 'agent' }) }],
        from: { type: 'phone', number: record.ourNumber },
        // The agent's leg may go (a transfer) without ending the caller's: only the caller's leg ends it all.
        ncco: [conversation(record.conversation, { starts: true, endOnExit: false })],
        event_url: [eventUrl(cid, 'agent')],
        event_method: 'POST',
        ringing_timer: config.agentRingSeconds,
      });
      if (record.agentId === agentId) {
        record.agentLeg = uuid;
        byLeg.set(uuid, { record, role: 'agent' });
      }
      log.info('vonage.agent-ringing', { cid, agent: agentId });
    } catch (error) {
      log.warn('vonage.agent-unreachable', { cid, agent: agentId }, error);
      await agentNotReached(record, agentId);
    }
  }

  /** The agent's app could not be rung or did not answer: the caller goes back to the queue. */
  async function agentNotReached(record: CallRecord, agentId: string): Promise<void> {
    const cid = record.cid;
    if (!cid || record.ended) return;
    record.agentId = undefined;
    record.agentLeg = undefined;
    const interaction = hub.interaction(cid);
    if (interaction?.state !== 'active' || interaction.agentId !== agentId) return;
    await quietly('requeue', () =>
      asAgent(agentId, 'transfer', {
        cid,
        toQueueId: interaction.queueId,
        note: 'The agent could not be reached on Vonage; the call is back in the queue.',
      }),
    );
  }

  /**
   * The interaction changed in the hub: a finished one hangs up what is left of the call — the caller of a phone call
   * the agent ended hears the queue's keypad survey first, when it asks one.
   */
  async function interactionMoved(record: CallRecord, state: string, endedBy?: string): Promise<void> {
    const phase = phaseOf(record.kind === 'callback' ? 'callback' : 'voice', state);
    if (phase === 'waiting' && record.agentLeg) {
      // Transferred (or the agent left): the caller waits again, with music when there is some.
      const leg = record.agentLeg;
      record.agentLeg = undefined;
      record.agentId = undefined;
      await api.updateCall(leg, 'hangup').catch(() => undefined);
      if (config.musicOnHoldUrl && record.customerLeg) {
        record.streaming = true;
        await api.stream(record.customerLeg, config.musicOnHoldUrl);
      }
      return;
    }
    if ((phase !== 'wrap-up' && phase !== 'final') || record.ended) return;
    record.ended = true;
    if (record.agentLeg) await api.updateCall(record.agentLeg, 'hangup').catch(() => undefined);
    if (endedBy === 'agent') await releaseCaller(record);
    else if (record.customerLeg) await api.updateCall(record.customerLeg, 'hangup').catch(() => undefined);
    forget(record);
  }

  // ─── voicemail ───────────────────────────────────────────────────────────────────────────────

  /** Voicemails being recorded, by interaction: whose they are, and the timer that gives up on a silent one. */
  const recordingFor = new Map<string, { readonly subject: Subject; readonly expire: unknown }>();

  /** The queue's voicemail, when it takes one and recordings have somewhere to go. */
  function voicemailOf(queue: Queue): VoicemailPolicy | undefined {
    return options.attachments ? queue.voicemail : undefined;
  }

  /**
   * Opens the caller's voicemail in the hub (as the caller, like the widget) and answers the NCCO that records it: the
   * prompt, a beep, the recording (until silence, the hash key or the queue's `maxSeconds`), then thanks.
   */
  async function startVoicemail(
    subject: Subject,
    queue: Queue,
    language: string,
    prompt: string,
    fromCid?: string,
  ): Promise<Ncco> {
    const policy = queue.voicemail as VoicemailPolicy;
    const { cid } = await hub.execute(
      subject,
      'voicemail.start',
      { queueId: queue.id, ...(fromCid ? { fromCid } : {}) },
      { ip: 'vonage' },
    );
    // A caller who hangs up before the tone leaves nothing: the empty voicemail is cancelled, never routed.
    const expire = clock.setTimeout(
      () => {
        if (!recordingFor.delete(cid)) return;
        void hub.execute(subject, 'chat.end', { cid }, { ip: 'vonage' }).catch(() => undefined);
        log.info('vonage.voicemail-empty', { cid });
      },
      (policy.maxSeconds + 120) * 1000,
    );
    recordingFor.set(cid, { subject, expire });
    log.info('vonage.voicemail-recording', { cid, queue: queue.id });
    const url = `${base}/vonage/webhooks/recording?cid=${encodeURIComponent(cid)}`;
    return [
      talk(prompt, language),
      recordAction(url, { maxSeconds: policy.maxSeconds }),
      talk(config.announcements.voicemailThanks, language),
    ];
  }

  /** Moves a waiting caller to the queue's voicemail after `delayMs` unanswered. */
  function offerVoicemailIn(record: CallRecord, queue: Queue, delayMs: number): void {
    if (record.voicemailTimer !== undefined) clock.clearTimeout(record.voicemailTimer);
    record.voicemailTimer = clock.setTimeout(() => {
      record.voicemailTimer = undefined;
      void work(record, 'offer voicemail', () => noAnswer(record, queue));
    }, delayMs);
  }

  /** The caller waited the queue's `afterSeconds` unanswered: their leg leaves the line for voicemail. */
  async function noAnswer(record: CallRecord, queue: Queue): Promise<void> {
    const { cid, customerLeg: leg, subject } = record;
    if (record.ended || record.agentId || !cid || !leg || !subject) return;
    if (phaseOf('voice', hub.interaction(cid)?.state ?? 'ended') !== 'waiting') return;
    // From here, the hub ending the waiting call is the caller going to voicemail, not a hang-up.
    record.ended = true;
    let ncco: Ncco;
    try {
      ncco = await startVoicemail(
        subject,
        queue,
        record.language,
        config.announcements.voicemailNoAnswer,
        cid,
      );
    } catch (error) {
      record.ended = false;
      log.warn('vonage.voicemail-failed', { cid }, error);
      return;
    }
    if (record.streaming) {
      record.streaming = false;
      await api.stopStream(leg).catch(() => undefined);
    }
    await api.transfer(leg, ncco);
    forget(record);
  }

  /** The recording arrived: fetched from Vonage into the attachment store, then sent as the caller's voicemail. */
  async function keepRecording(cid: string, subject: Subject, url: string): Promise<void> {
    const store = options.attachments;
    if (!store) return;
    const bytes = await api.downloadRecording(url, VOICEMAIL_ATTACHMENT_POLICY.maxBytes);
    const ref = await store.put(bytes, {
      name: 'voicemail.mp3',
      type: 'audio/mpeg',
      cid,
      origin: subject.id,
      policy: VOICEMAIL_ATTACHMENT_POLICY,
    });
    await hub.execute(
      subject,
      'voicemail.send',
      { cid, clientMsgId: randomUUID(), attachments: [ref] },
      { ip: 'vonage' },
    );
    log.info('vonage.voicemail-left', { cid, bytes: bytes.length });
  }

  // ─── call recording ──────────────────────────────────────────────────────────────────────────

  /**
   * The calls of segments started and not stored yet, by the segments' webhook keys (they outlive the call's legs;
   * each call keeps what its segments are, `pendingSegments`).
   */
  const segmentsPending = new Map<string, CallRecord>();
  /** Segments whose audio is being fetched (a webhook delivered again meanwhile changes nothing). */
  const segmentsFetching = new Set<string>();
  const retryMs = options.recordingRetryMs ?? [1_000, 10_000, 60_000];

  /** The caller leg's conversation action, as it first joined it. */
  function customerConversation(record: CallRecord): NccoAction {
    return record.kind === 'phone' || record.kind === 'web'
      ? conversation(record.conversation, {
          starts: false,
          ...(config.musicOnHoldUrl ? { musicOnHoldUrl: config.musicOnHoldUrl } : {}),
        })
      : conversation(record.conversation, { starts: true });
  }

  /**
   * Makes Vonage record what the hub's call says: recording while it is `on` and both parties are connected (a new
   * segment each time it starts or resumes), nothing while it is `paused` or `off`.
   */
  async function syncRecording(record: CallRecord): Promise<void> {
    const leg = record.customerLeg;
    const connected =
      !record.ended &&
      leg !== undefined &&
      record.agentAnswered &&
      (record.kind === 'phone' || record.kind === 'web' || record.customerAnswered);
    const wanted = record.recording === 'on' && connected;
    const { cid, hubCallId: callId, agentId } = record;
    if (wanted && record.capture.state === 'idle' && cid && callId && leg) {
      if (!options.recordings) {
        log.warn('vonage.recording-unstored', { cid, callId });
        return;
      }
      record.segments += 1;
      const segment = `vonage-${record.segments}`;
      const key = `${callId}.${segment}`;
      record.pendingSegments[key] = {
        cid,
        callId,
        segment,
        customerId: hub.interaction(cid)?.customer.id ?? '',
        agentIds: agentId ? [agentId] : [],
        at: clock.now(),
      };
      segmentsPending.set(key, record);
      record.capture = { state: 'recording', segment: key };
      const url = `${base}/vonage/webhooks/recording?segment=${encodeURIComponent(key)}`;
      await api.transfer(leg, [recordConversation(url), customerConversation(record)]);
      log.info('vonage.recording-started', { cid, callId, segment });
    } else if (!wanted && record.capture.state === 'recording') {
      const { segment } = record.capture;
      record.capture = { state: 'idle' };
      // The call ended: the recording ends with it. Otherwise the caller's leg joins its conversation alone again.
      if (connected && leg) await api.transfer(leg, [customerConversation(record)]);
      log.info('vonage.recording-stopped', { cid, callId, segment });
    }
  }

  /** A segment's recording webhook: the audio fetched from Vonage into the recordings store, once. */
  function segmentRecorded(key: string, url: string): void {
    const record = segmentsPending.get(key);
    const pending = record?.pendingSegments[key];
    const store = options.recordings;
    if (!record || !pending || !store || segmentsFetching.has(key) || closed) {
      log.debug('vonage.recording-unknown', { segment: key });
      return;
    }
    segmentsFetching.add(key);
    const fetchAndStore = async (): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const kept = await store.segment(pending.callId, pending.segment);
          if (kept && kept.chunks > 0) return;
          const bytes = await api.downloadRecording(url, RECORDING_MAX_BYTES);
          const row =
            kept ??
            (await store.begin({
              cid: pending.cid,
              callId: pending.callId,
              segment: pending.segment,
              customerId: pending.customerId,
              agentIds: pending.agentIds,
              source: 'vonage',
              mimeType: 'audio/mpeg',
              at: pending.at,
            }));
          await store.append(row.id, 0, bytes, clock.now());
          log.info('vonage.recording-kept', {
            cid: pending.cid,
            segment: pending.segment,
            bytes: bytes.length,
          });
          return;
        } catch (error) {
          const wait = retryMs[attempt];
          if (wait === undefined || closed) throw error;
          log.warn('vonage.recording-retry', { cid: pending.cid, segment: pending.segment, attempt }, error);
          await new Promise<void>((resolve) => clock.setTimeout(resolve, wait));
        }
      }
    };
    track(
      fetchAndStore()
        .then(() => {
          segmentsPending.delete(key);
          delete record.pendingSegments[key];
          // Its row goes once nothing more is awaited of the call.
          keep(record);
        })
        .catch((error: unknown) => {
          // Kept pending: Vonage delivering the webhook again tries once more.
          log.error('vonage.recording-lost', { cid: pending.cid, segment: pending.segment, url }, error);
        })
        .finally(() => segmentsFetching.delete(key)),
    );
  }

  // ─── the keypad survey ───────────────────────────────────────────────────────────────────────

  /** The keypad survey of a phone call's queue, when it asks one (CSAT first; NPS after it when on). */
  function keypadSurveyOf(record: CallRecord): SurveyPolicy | undefined {
    if (record.kind !== 'phone' || !record.cid || !record.subject) return undefined;
    const policy = surveyOf(queues.get(hub.interaction(record.cid)?.queueId ?? ''));
    return policy.keypad && policy.csat ? policy : undefined;
  }

  function surveyQuestion(record: CallRecord, step: 'rating' | 'nps'): Ncco {
    const url = `${base}/vonage/webhooks/survey?cid=${encodeURIComponent(record.cid ?? '')}&step=${step}`;
    const texts = config.announcements;
    return step === 'rating'
      ? [talk(texts.surveyRating, record.language, true), keyInput(url, 8)]
      : [
          talk(texts.surveyNps, record.language, true),
          keyInput(url, 10, { maxDigits: 2, submitOnHash: true }),
        ];
  }

  /**
   * The agent ended the call while the caller is still on the line: the caller's leg goes to the queue's keypad
   * survey (a transfer to its NCCO), or is hung up when there is none or the transfer fails.
   */
  async function releaseCaller(record: CallRecord): Promise<void> {
    const leg = record.customerLeg;
    if (!leg) return;
    const policy = keypadSurveyOf(record);
    if (policy) {
      try {
        record.survey = { policy, recorded: false };
        await api.transfer(leg, surveyQuestion(record, 'rating'));
        log.info('vonage.survey-started', { cid: record.cid });
        return;
      } catch (error) {
        record.survey = undefined;
        log.warn('vonage.survey-failed', { cid: record.cid }, error);
      }
    }
    await api.updateCall(leg, 'hangup').catch(() => undefined);
  }

  /** Records the caller's answers through the hub, as the caller (`csat.submit`); a refusal is logged, not spoken. */
  async function recordSurvey(record: CallRecord, score: 1 | 2 | 3 | 4 | 5, nps?: number): Promise<void> {
    const { survey, subject, cid } = record;
    if (!survey || survey.recorded || !subject || !cid) return;
    survey.recorded = true;
    survey.finished = true;
    try {
      await hub.execute(
        subject,
        'csat.submit',
        { cid, score, ...(nps === undefined ? {} : { nps }) },
        { ip: 'vonage' },
      );
      log.info('vonage.survey-answered', { cid, score, ...(nps === undefined ? {} : { nps }) });
    } catch (error) {
      log.info('vonage.survey-refused', { cid, code: isHelplineError(error) ? error.code : 'internal' });
    }
  }

  /** Creates the queued voice interaction of a caller; the NCCO puts them in their conversation to wait. */
  async function enqueue(
    record: CallRecord,
    subject: Subject,
    queueId: string,
    before: NccoAction[],
  ): Promise<Ncco> {
    // The caller hung up while Vonage was still asking us what to do.
    if (record.ended) return [];
    const queue = queues.get(queueId);
    if (!queue || !queueAvailability(queue, clock.now()).open) {
      record.ended = true;
      forget(record);
      if (queue && record.kind === 'phone' && voicemailOf(queue)) {
        // Closed, with voicemail: the caller leaves a message instead.
        try {
          const prompt = config.announcements.voicemailClosed;
          return [...before, ...(await startVoicemail(subject, queue, record.language, prompt))];
        } catch (error) {
          log.error('vonage.voicemail-failed', { queue: queueId }, error);
        }
      }
      return [...before, talk(config.announcements.closed, record.language)];
    }
    try {
      record.subject = subject;
      const bridge = await connectCustomer(record, subject);
      const result = (await bridge.command('chat.start', {
        channel: 'voice',
        queueId,
        ...(record.callerNumber ? { prechat: { phone: record.callerNumber } } : {}),
      })) as { cid: string };
      linkCid(record, result.cid);
      log.info('vonage.queued', { cid: result.cid, queue: queueId, kind: record.kind });
      const voicemail = record.kind === 'phone' ? voicemailOf(queue) : undefined;
      if (voicemail) offerVoicemailIn(record, queue, voicemail.afterSeconds * 1000);
    } catch (error) {
      log.error('vonage.enqueue-failed', { queue: queueId }, error);
      record.ended = true;
      forget(record);
      return [...before, talk(config.announcements.unavailable, record.language)];
    }
    return [
      ...before,
      conversation(record.conversation, {
        starts: false,
        ...(config.musicOnHoldUrl ? { musicOnHoldUrl: config.musicOnHoldUrl } : {}),
      }),
    ];
  }

  async function answerPhone(uuid: string, body: WebhookBody): Promise<Ncco> {
    const number = numberFor(body.to);
    const language = number.language ?? config.language;
    const callerNumber = e164Of(body.from);
    const record = newRecord({
      kind: 'phone',
      customerUuid: uuid,
      customerLeg: uuid,
      conversation: `hl-${uuid}`,
      ourNumber: number.number,
      language,
      ...(callerNumber ? { callerNumber } : {}),
    });
    byLeg.set(uuid, { record, role: 'customer' });
    const greeting = talk(number.greeting ?? config.greeting, language, Boolean(number.menu));
    if (number.menu) {
      record.menu = number.menu;
      record.ncco = [
        greeting,
        talk(number.menu.prompt, language, true),
        keyInput(`${base}/vonage/webhooks/input`, number.menu.timeoutSeconds),
      ];
      keep(record);
      return record.ncco;
    }
    const queueId = number.queueId ?? firstQueue?.id ?? '';
    // In the call's order: a hang-up reported while the interaction is being created waits for it.
    record.ncco = await inOrder(record, () =>
      enqueue(record, phoneSubject(callerNumber, uuid, trustCallerId), queueId, [greeting]),
    );
    return record.ncco;
  }

  /** A browser's `serverCall`: a visitor joins the call of their queued voice interaction. */
  async function answerApp(uuid: string, user: string, body: WebhookBody): Promise<Ncco> {
    const language = config.language;
    const owner = subjectOfVonageUser(user);
    const named = str(customData(body.custom_data).cid);
    // The context names the interaction, or (from core's call session) the hub's call of it: then the visitor's
    // newest open voice interaction is the one.
    const interaction =
      (named ? hub.interaction(named) : undefined) ??
      hub
        .interactions()
        .filter(
          (candidate) =>
            candidate.channel === 'voice' &&
            candidate.customer.id === owner?.id &&
            ['queued', 'offered', 'active'].includes(candidate.state),
        )
        .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)[0];
    const cid = interaction?.id;
    const refuse = (reason: string): Ncco => {
      log.warn('vonage.app-call-refused', { user, cid, reason });
      return [talk(config.announcements.unavailable, language)];
    };
    if (owner?.role !== 'visitor' || !cid) return refuse('not a visitor call');
    if (!interaction || interaction.customer.id !== owner.id || interaction.channel !== 'voice') {
      return refuse('no such voice interaction of this visitor');
    }
    if (!['queued', 'offered', 'active'].includes(interaction.state)) {
      return refuse(`interaction is ${interaction.state}`);
    }
    if (byCid.get(cid)?.ended === false) return refuse('already connected');
    const record = newRecord({
      kind: 'web',
      customerUuid: uuid,
      customerLeg: uuid,
      conversation: `hl-${cid}`,
      ourNumber: callbackNumber,
      language,
    });
    byLeg.set(uuid, { record, role: 'customer' });
    try {
      await inOrder(record, async () => {
        await connectCustomer(record, {
          id: owner.id,
          role: 'visitor',
          name: interaction.customer.name ?? 'Visitor',
        });
        linkCid(record, cid);
      });
    } catch (error) {
      record.ended = true;
      forget(record);
      log.error('vonage.bridge-failed', { cid }, error);
      return [talk(config.announcements.unavailable, language)];
    }
    record.ncco = [
      conversation(record.conversation, {
        starts: false,
        ...(config.musicOnHoldUrl ? { musicOnHoldUrl: config.musicOnHoldUrl } : {}),
      }),
    ];
    // The agent may have accepted between the visitor's `chat.start` and this leg.
    const agentId = hub.interaction(cid)?.agentId;
    if (hub.interaction(cid)?.state === 'active' && agentId)
      void work(record, 'ring the agent', () => ringAgent(record, agentId));
    return record.ncco;
  }

  // ─── event webhooks ──────────────────────────────────────────────────────────────────────────

  async function customerLegEvent(record: CallRecord, status: string): Promise<void> {
    if (record.kind === 'callback') return callbackCustomerEvent(record, status);
    if (record.kind === 'outbound') return outboundCustomerEvent(record, status);
    // A caller who hangs up in the keypad survey leaves nothing more to wait for.
    if (ENDING_STATUSES.has(status) && record.survey) record.survey.finished = true;
    if (!ENDING_STATUSES.has(status) || record.ended) return;
    // The caller hung up (or the leg dropped): they leave the queue, or end the conversation they were in.
    record.ended = true;
    const cid = record.cid;
    const bridge = record.bridge;
    if (cid && bridge) await quietly('caller left', () => bridge.command('chat.end', { cid }));
    if (record.agentLeg) await api.updateCall(record.agentLeg, 'hangup').catch(() => undefined);
    log.info('vonage.caller-left', { cid, status });
    forget(record);
  }

  async function agentLegEvent(record: CallRecord, uuid: string, status: string): Promise<void> {
    if (record.kind === 'callback') return callbackAgentEvent(record, status);
    if (record.kind === 'outbound') return outboundAgentEvent(record, status);
    const cid = record.cid;
    const agentId = record.agentId;
    if (!cid || !agentId || record.agentLeg !== uuid || record.ended) return;
    if (status === 'answered') {
      record.agentAnswered = true;
      void work(record, 'follow the recording', () => syncRecording(record));
      const callId = record.hubCallId;
      const bridge = record.bridge;
      // Media flows: the hub's call goes active (hubs without calls of their own ignore it).
      if (callId && bridge) {
        await quietly('media connected', () =>
          bridge.command('call.media', { cid, callId, media: 'connected' }),
        );
      }
      return;
    }
    if (!ENDING_STATUSES.has(status)) return;
    if (!record.agentAnswered && NOT_REACHED.has(status)) {
      await agentNotReached(record, agentId);
      return;
    }
    if (status === 'completed' || record.agentAnswered) {
      const interaction = hub.interaction(cid);
      record.agentLeg = undefined;
      if (interaction?.state === 'active' && interaction.agentId === agentId) {
        // The agent hung up first: the conversation ends, by the agent.
        record.ended = true;
        await quietly('agent hung up', () => asAgent(agentId, 'chat.end', { cid }));
        await releaseCaller(record);
        log.info('vonage.agent-hung-up', { cid, agent: agentId });
        forget(record);
      }
    }
  }

  async function callbackCustomerEvent(record: CallRecord, status: string): Promise<void> {
    const cid = record.cid;
    const agentId = record.agentId;
    if (!cid || !agentId || record.ended) return;
    if (status === 'answered') {
      record.customerAnswered = true;
      await quietly('callback answered', () =>
        asAgent(agentId, 'callback.outcome', { cid, outcome: 'answered' }),
      );
      return;
    }
    if (!ENDING_STATUSES.has(status)) return;
    record.ended = true;
    if (record.customerAnswered) {
      await quietly('callback ended', () => asAgent(agentId, 'chat.end', { cid }));
    } else {
      const outcome = status === 'failed' ? 'failed' : 'no-answer';
      await quietly('callback not answered', () => asAgent(agentId, 'callback.outcome', { cid, outcome }));
    }
    if (record.agentLeg) await api.updateCall(record.agentLeg, 'hangup').catch(() => undefined);
    log.info('vonage.callback-ended', { cid, status, answered: record.customerAnswered });
    forget(record);
  }

  async function callbackAgentEvent(record: CallRecord, status: string): Promise<void> {
    const cid = record.cid;
    const agentId = record.agentId;
    if (!cid || !agentId || record.ended) return;
    if (status === 'answered') {
      record.agentAnswered = true;
      void work(record, 'follow the recording', () => syncRecording(record));
      return;
    }
    if (!ENDING_STATUSES.has(status)) return;
    record.ended = true;
    if (record.customerAnswered) {
      await quietly('callback ended by the agent', () => asAgent(agentId, 'chat.end', { cid }));
    } else {
      await quietly('callback dial failed', () =>
        asAgent(agentId, 'callback.outcome', { cid, outcome: 'failed' }),
      );
    }
    if (record.customerLeg) await api.updateCall(record.customerLeg, 'hangup').catch(() => undefined);
    forget(record);
  }

  /** The dialled phone's leg: its statuses are the customer's side of the hub's call, reported through the bridge. */
  async function outboundCustomerEvent(record: CallRecord, status: string): Promise<void> {
    const { cid, hubCallId: callId, bridge } = record;
    if (!cid || !callId || !bridge || record.ended) return;
    const ref = { cid, callId };
    if (status === 'ringing') {
      await quietly('outbound ringing', () => bridge.command('call.ring', ref));
      return;
    }
    if (status === 'answered') {
      record.customerAnswered = true;
      await quietly('outbound answered', () => bridge.command('call.answer', ref));
      await quietly('outbound connected', () => bridge.command('call.media', { ...ref, media: 'connected' }));
      return;
    }
    if (!ENDING_STATUSES.has(status)) return;
    record.ended = true;
    // Answered: the customer hung up a conversation (wrap-up follows). Not answered: busy, no answer or declined.
    if (record.customerAnswered) await quietly('outbound ended', () => bridge.command('chat.end', { cid }));
    else await quietly('outbound not answered', () => bridge.command('call.hangup', ref));
    if (record.agentLeg) await api.updateCall(record.agentLeg, 'hangup').catch(() => undefined);
    log.info('vonage.outbound-ended', { cid, status, answered: record.customerAnswered });
    forget(record);
  }

  /** The agent's app leg of an outbound call: the agent hanging up in the softphone ends the call. */
  async function outboundAgentEvent(record: CallRecord, status: string): Promise<void> {
    const { cid, agentId, hubCallId: callId } = record;
    if (!cid || !agentId || record.ended) return;
    if (status === 'answered') {
      record.agentAnswered = true;
      void work(record, 'follow the recording', () => syncRecording(record));
      return;
    }
    if (!ENDING_STATUSES.has(status)) return;
    record.ended = true;
    if (callId)
      await quietly('outbound hung up by the agent', () => asAgent(agentId, 'call.hangup', { cid, callId }));
    if (record.customerLeg) await api.updateCall(record.customerLeg, 'hangup').catch(() => undefined);
    forget(record);
  }

  /**
   * Places a dialled call's two legs in one conversation — the customer's phone and the agent's app, both from
   * `callerId` — and maps them to `record`. When Vonage refuses either, the record ends, what was placed hangs up,
   * and the answer is the refusal (undefined: both legs ring).
   */
  async function placeLegs(
    record: CallRecord,
    cid: string,
    legs: {
      readonly number: string;
      readonly callerId: string;
      readonly agent: Pick<Subject, 'id' | 'role'>;
    },
  ): Promise<{ readonly refused: unknown } | undefined> {
    const leg = conversation(record.conversation, { starts: true });
    const from = { type: 'phone', number: digitsOf(legs.callerId) } as const;
    const [customer, agent] = await Promise.allSettled([
      api.createCall({
        to: [{ type: 'phone', number: digitsOf(legs.number) }],
        from,
        ncco: [leg],
        event_url: [eventUrl(cid, 'customer')],
        event_method: 'POST',
        ringing_timer: config.callbackRingSeconds,
      }),
      api.createCall({
        to: [{ type: 'app', user: vonageUserOf(legs.agent) }],
        from,
        ncco: [leg],
        event_url: [eventUrl(cid, 'agent')],
        event_method: 'POST',
        // A dialled call's app leg is answered by the console when the far end picks up (the console joins the call
        // the agent placed): it must outlast the phone's ringing.
        ringing_timer: Math.max(config.agentRingSeconds, config.callbackRingSeconds + 5),
      }),
    ]);
    if (customer.status === 'fulfilled') {
      record.customerLeg ??= customer.value.uuid;
      byLeg.set(customer.value.uuid, { record, role: 'customer' });
    }
    if (agent.status === 'fulfilled') {
      record.agentLeg ??= agent.value.uuid;
      byLeg.set(agent.value.uuid, { record, role: 'agent' });
    }
    const rejected = [customer, agent].find(
      (placed): placed is PromiseRejectedResult => placed.status === 'rejected',
    );
    if (!rejected) return undefined;
    record.ended = true;
    for (const placed of [customer, agent]) {
      if (placed.status === 'fulfilled')
        await api.updateCall(placed.value.uuid, 'hangup').catch(() => undefined);
    }
    return { refused: rejected.reason };
  }

  /** Places an outbound call's two legs, once the bridge speaks for the customer. */
  async function dialOut(record: CallRecord, call: OutboundCall): Promise<void> {
    const { cid } = call;
    await connectCustomer(record, call.customer);
    linkCid(record, cid);
    const failed = await placeLegs(record, cid, {
      number: call.number,
      callerId: call.callerId,
      agent: { id: call.agentId, role: 'agent' },
    });
    if (!failed) {
      log.info('vonage.outbound-dialing', { cid, agent: call.agentId });
      return;
    }
    // Vonage refused a leg: the call fails as not answered (what was placed hung up).
    const bridge = record.bridge;
    if (bridge) {
      await quietly('outbound dial failed', () =>
        bridge.command('call.hangup', { cid, callId: call.callId }),
      );
    }
    log.warn('vonage.outbound-failed', { cid }, failed.refused);
    forget(record);
  }

  function requireAssigned(subject: Subject, cid: string, operation: string) {
    if (subject.role !== 'agent' && subject.role !== 'supervisor')
      throw helplineError('auth/forbidden', { operation });
    const interaction = hub.interaction(cid);
    if (!interaction) throw helplineError('not-found', { entity: 'Conversation', id: cid });
    if (interaction.agentId !== subject.id) throw helplineError('auth/forbidden', { operation });
    return interaction;
  }

  /** An event webhook, once any restore is done (see `VonageGateway.event`). */
  function handleEvent(body: WebhookBody, query: EventQuery): void {
    const uuid = str(body.uuid);
    const status = str(body.status);
    if (!uuid || !status || closed) return;
    // Vonage retries a webhook it thinks failed: each (leg, status) is handled once.
    const key = `${uuid}|${status}`;
    if (seen.has(key)) return;
    if (seen.size >= SEEN_LIMIT) seen.delete(seen.values().next().value as string);
    seen.add(key);
    let entry = byLeg.get(uuid);
    if (!entry && query.cid && (query.leg === 'agent' || query.leg === 'customer')) {
      // A leg we placed, reporting before `POST /v1/calls` returned its uuid to us.
      const record = byCid.get(query.cid);
      if (record) {
        entry = { record, role: query.leg };
        byLeg.set(uuid, entry);
        if (query.leg === 'agent' && !record.agentLeg) record.agentLeg = uuid;
        if (query.leg === 'customer' && !record.customerLeg) record.customerLeg = uuid;
      }
    }
    if (!entry) {
      log.debug('vonage.event-unknown-leg', { status });
      return;
    }
    const { record, role } = entry;
    void work(record, `event ${status}`, () => {
      record.legStatus[uuid] = status;
      return role === 'customer' ? customerLegEvent(record, status) : agentLegEvent(record, uuid, status);
    });
  }

  /** A recording webhook, once any restore is done (see `VonageGateway.recording`). */
  function handleRecording(
    body: WebhookBody,
    query: { readonly cid?: string | undefined; readonly segment?: string | undefined },
  ): void {
    const cid = query.cid;
    const url = str(body.recording_url);
    if (query.segment !== undefined) {
      if (url) segmentRecorded(query.segment, url);
      return;
    }
    const pending = cid === undefined ? undefined : recordingFor.get(cid);
    if (!cid || !url || !pending || closed) {
      // Unknown, or delivered again: each voicemail keeps its first recording.
      log.debug('vonage.recording-unknown', { cid });
      return;
    }
    recordingFor.delete(cid);
    clock.clearTimeout(pending.expire);
    track(
      keepRecording(cid, pending.subject, url).catch((error: unknown) => {
        log.error('vonage.voicemail-lost', { cid }, error);
      }),
    );
  }

  // ─── the gateway ─────────────────────────────────────────────────────────────────────────────

  return {
    async answer(body) {
      // A leg of a stored call is known once the restore carried it (Vonage retries answers; the NCCO is the same).
      await restoring;
      const uuid = str(body.uuid);
      if (!uuid || closed) return [];
      prune();
      const known = byLeg.get(uuid);
      if (known?.record.ncco) return known.record.ncco;
      const user = str(body.from_user);
      return user ? answerApp(uuid, user, body) : answerPhone(uuid, body);
    },

    async input(body) {
      await restoring;
      const uuid = str(body.uuid);
      const record = uuid ? byLeg.get(uuid)?.record : undefined;
      if (!record?.menu) return [];
      if (record.menuNcco) return record.menuNcco;
      const digits = str((body.dtmf as { digits?: unknown } | undefined)?.digits) ?? '';
      const menu = record.menu;
      const option = menu.options.find((candidate) => candidate.digit === digits) ?? menu.options[0];
      if (!option) return [];
      log.info('vonage.menu', { digits: digits || '(none)', queue: option.queueId });
      record.menuNcco = await inOrder(record, () =>
        enqueue(
          record,
          phoneSubject(record.callerNumber, record.customerUuid ?? '', trustCallerId),
          option.queueId,
          [talk(option.label, record.language)],
        ),
      );
      return record.menuNcco;
    },

    async survey(body, query) {
      await restoring;
      const uuid = str(body.uuid);
      const record = uuid ? byLeg.get(uuid)?.record : undefined;
      const survey = record?.survey;
      if (!record || !survey || !record.cid || record.cid !== query.cid) return [];
      const digits = str((body.dtmf as { digits?: unknown } | undefined)?.digits) ?? '';
      const goodbye: Ncco = [talk(config.announcements.surveyThanks, record.language)];
      return inOrder(record, async () => {
        if (query.step === 'rating') {
          // Any other key, or none before the time-out, skips the survey.
          if (!/^[1-5]$/.test(digits)) {
            survey.finished = true;
            return goodbye;
          }
          survey.score = Number(digits) as 1 | 2 | 3 | 4 | 5;
          if (survey.policy.nps) return surveyQuestion(record, 'nps');
          await recordSurvey(record, survey.score);
          return goodbye;
        }
        if (query.step === 'nps' && survey.score !== undefined) {
          // An answer outside 0–10 (or none) keeps the rating without NPS.
          const nps = /^(10|[0-9])$/.test(digits) ? Number(digits) : undefined;
          await recordSurvey(record, survey.score, nps);
          return goodbye;
        }
        return [];
      });
    },

    event(body, query) {
      // After the restore: a webhook about a stored call's leg finds it carried.
      track(restoring.then(() => handleEvent(body, query)));
    },

    recording(body, query) {
      track(restoring.then(() => handleRecording(body, query)));
    },

    async clientToken(subject) {
      if (subject.role === 'visitor') {
        if (config.visitorCalls === 'none' || (config.visitorCalls === 'identified' && !subject.identified)) {
          throw helplineError('auth/forbidden', { operation: 'call through Vonage' });
        }
      }
      const user = vonageUserOf(subject);
      await api.ensureUser(user, subject.name);
      return tokens.client(subject);
    },

    async dial(subject, cid) {
      await restoring;
      const interaction = requireAssigned(subject, cid, 'dial this callback');
      if (interaction.channel !== 'callback' || interaction.state !== 'dialing') {
        throw helplineError('conflict/state', {
          operation: 'dial',
          entity: interaction.channel,
          state: interaction.state,
        });
      }
      const phone = interaction.customer.phone;
      if (!phone)
        throw helplineError('conflict/state', { operation: 'dial', entity: 'callback', state: 'no phone' });
      const running = byCid.get(cid);
      if (running && !running.ended) return { cid };
      const record = newRecord({
        kind: 'callback',
        cid,
        conversation: `hl-${cid}-${clock.now().toString(36)}`,
        ourNumber: callbackNumber,
        language: config.language,
        callerNumber: phone,
      });
      record.agentId = subject.id;
      byCid.set(cid, record);
      const failed = await placeLegs(record, cid, {
        number: phone,
        callerId: callbackNumber,
        agent: subject,
      });
      if (failed) {
        forget(record);
        keep(record);
        await quietly('callback dial failed', () =>
          asAgent(subject.id, 'callback.outcome', { cid, outcome: 'failed' }),
        );
        throw isHelplineError(failed.refused)
          ? failed.refused
          : vonageFailure('voice/vonage-api', { status: 'an error', operation: 'dial the callback' });
      }
      log.info('vonage.callback-dialing', { cid, agent: subject.id });
      keep(record);
      return { cid };
    },

    placeOutbound(call) {
      const record = newRecord({
        kind: 'outbound',
        conversation: `hl-${call.cid}-${clock.now().toString(36)}`,
        ourNumber: digitsOf(call.callerId),
        language: config.language,
        callerNumber: call.number,
      });
      record.agentId = call.agentId;
      record.hubCallId = call.callId;
      byCid.set(call.cid, record);
      void work(record, 'place the outbound call', () => dialOut(record, call));
    },

    async hold(subject, id, held) {
      // A stored call is known once the restore carried it (a hold or resume right after a restart or takeover).
      await restoring;
      // The browser names the interaction, or the hub's call of it (core's call session knows only that).
      const found = byCid.get(id) ?? [...byCid.values()].find((candidate) => candidate.hubCallId === id);
      const cid = found?.cid ?? id;
      requireAssigned(subject, cid, held ? 'hold this call' : 'resume this call');
      const record = found;
      const leg = record?.customerLeg;
      if (!record || !leg || record.ended) throw helplineError('not-found', { entity: 'Call', id: cid });
      // Vonage has no hold: the caller stops hearing and being heard, and hears music instead.
      if (held) {
        await Promise.all([api.updateCall(leg, 'earmuff'), api.updateCall(leg, 'mute')]);
        if (config.musicOnHoldUrl) {
          record.streaming = true;
          await api.stream(leg, config.musicOnHoldUrl);
        }
      } else {
        if (record.streaming) {
          record.streaming = false;
          await api.stopStream(leg);
        }
        await Promise.all([api.updateCall(leg, 'unearmuff'), api.updateCall(leg, 'unmute')]);
      }
      // Stored: a leader taking over must know the hold music plays, to stop it on resume.
      keep(record);
      const callId = record.hubCallId;
      if (callId) {
        await quietly('hold in the hub', () =>
          asAgent(subject.id, held ? 'call.hold' : 'call.resume', { cid, callId }),
        );
      }
    },

    legsOf(cid) {
      const record = byCid.get(cid);
      if (!record || record.ended) return undefined;
      const { conversation, customerLeg, agentLeg, ourNumber } = record;
      return { conversation, customerLeg, agentLeg, ourNumber };
    },
    consultLegs: {
      get: (cid) => byCid.get(cid)?.consult,
      set(cid, leg) {
        const record = byCid.get(cid);
        if (!record) return;
        if (leg) record.consult = leg;
        else delete record.consult;
        keep(record);
      },
      ready: () => restoring,
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },

    restore: restoreCalls,

    async suspend() {
      clock.clearTimeout(restoreRetry);
      // A new term: a restore or a take-back still running stops, and nothing more is stored from here — the instance
      // that leads now carries the calls on from their rows.
      term += 1;
      const records = [...carried];
      carried.clear();
      for (const record of records) drop(record);
      for (const pending of recordingFor.values()) clock.clearTimeout(pending.expire);
      recordingFor.clear();
      byCid.clear();
      byLeg.clear();
      seen.clear();
      segmentsPending.clear();
      await Promise.all([restoring, ...records.map((record) => record.chain)]);
    },

    close() {
      closed = true;
      clock.clearTimeout(restoreRetry);
      for (const pending of recordingFor.values()) clock.clearTimeout(pending.expire);
      recordingFor.clear();
      // The calls go on, on Vonage's side: their rows stay for whoever serves next.
      carried.clear();
      for (const record of byCid.values()) drop(record);
      byCid.clear();
      byLeg.clear();
    },
  };
}
