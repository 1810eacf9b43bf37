import type { Queue } from '@helpline/core';
import { helplineError } from '@helpline/core';
import type { ConsultTelephony, DialOptions } from '@helpline/core/hub';
import type { VonageApi } from './vonage.api';
import type { ConsultPhoneLeg } from './vonage.calls';
import type { ConsultPhoneLegs } from './vonage.gateway';
import { connectPhone, conversation, type NccoAction } from './vonage.ncco';
import type { VonageCallLegs } from './vonage.supervision';

// Consulting and transferring to a phone number on Vonage calls (docs/vonage.md, "Consult and transfer to a number").
// The number is checked as a dial is (E.164, do-not-call list, calling hours, the queue's caller ID). Consult: the
// customer's leg is held (earmuffed, muted, hold music streamed) and a phone leg is placed into the call's
// conversation hearing and heard by the agent's leg only. Return: the phone leg is hung up and the customer resumed.
// Merge: the phone leg is handed the plain conversation (everyone hears everyone) and the customer resumed. Warm
// transfer: the customer's and the phone leg move to a conversation of their own and the agent's leg is hung up.
// Cold transfer (the number has not picked up yet): the phone leg is hung up, the customer's leg is handed an NCCO
// that connects the number, and the agent's leg is hung up.

/** Statuses that end a Vonage leg. */
const ENDING = new Set(['completed', 'failed', 'rejected', 'busy', 'timeout', 'unanswered', 'cancelled']);

/** Options of {@link createVonageConsultTelephony}. */
export interface VonageConsultOptions {
  readonly api: Pick<VonageApi, 'createCall' | 'updateCall' | 'transfer' | 'stream' | 'stopStream'>;
  /** The dial policy (`DialOptions.check` of the outbound section): a consulted number is checked as a dial. */
  readonly check: DialOptions['check'];
  readonly queues: readonly Queue[];
  /** The live Vonage call of an interaction (the gateway's `legsOf`). */
  readonly legsOf: (cid: string) => VonageCallLegs | undefined;
  /**
   * Where each call's consult phone leg is kept: the gateway's `consultLegs`, which stores it with the call so the
   * next leader carries it on. Default: this process's memory.
   */
  readonly phoneLegs?: ConsultPhoneLegs | undefined;
  /** Where Vonage posts the statuses of a consult's phone leg (the event webhook with `?cid=…&consult=…`). */
  readonly eventUrl: (cid: string, legId: string) => string;
  /**
   * Reports the phone leg picking up or ending to the hub (`Hub.consultEvent`): resolves `false` when the hub holds no
   * such live leg (it ended meanwhile, e.g. its ring ran out while no instance led).
   */
  readonly report: (cid: string, legId: string, event: 'answered' | 'ended') => Promise<boolean>;
  /** Played to the customer while held. */
  readonly musicOnHoldUrl?: string | undefined;
  /** How long the number rings, seconds. Default 45. */
  readonly ringSeconds?: number | undefined;
  readonly now: () => number;
}

/** Consults and transfers to numbers over Vonage; `event` takes the phone leg's status webhooks. */
export interface VonageConsultTelephony extends ConsultTelephony {
  /** An event webhook about a consult's phone leg (`?consult=` names the leg; `uuid` is Vonage's id of it). */
  event(cid: string, legId: string, status: string, uuid?: string): Promise<void>;
}

const digits = (number: string) => number.replace(/^\+/, '');

/**
 * Creates the {@link ConsultTelephony} of Vonage calls (`HubOptions.telephony`).
 *
 * @example
 * ```ts
 * const telephony = createVonageConsultTelephony({ api, check, queues, legsOf, eventUrl, report, now });
 * createHub({ …, telephony });
 * ```
 */
export function createVonageConsultTelephony(options: VonageConsultOptions): VonageConsultTelephony {
  const { api } = options;
  const queues = new Map(options.queues.map((queue) => [queue.id, queue]));
  /** The caller ID each interaction's last checked number is called from. */
  const callerIds = new Map<string, string>();
  const phoneLegs = options.phoneLegs ?? memoryPhoneLegs();

  /** The phone leg of the hub's consult leg, if it is the call's current one. */
  function phoneOf(leg: { readonly cid: string; readonly legId: string }): ConsultPhoneLeg | undefined {
    const phone = phoneLegs.get(leg.cid);
    return phone?.legId === leg.legId ? phone : undefined;
  }

  function callOf(cid: string): VonageCallLegs & { readonly customerLeg: string } {
    const legs = options.legsOf(cid);
    if (!legs?.customerLeg) {
      throw helplineError('voice/unsupported', { detail: 'the call is not on Vonage' });
    }
    return { ...legs, customerLeg: legs.customerLeg };
  }

  async function hold(customerLeg: string): Promise<void> {
    await Promise.all([api.updateCall(customerLeg, 'earmuff'), api.updateCall(customerLeg, 'mute')]);
    if (options.musicOnHoldUrl) await api.stream(customerLeg, options.musicOnHoldUrl);
  }

  async function resume(customerLeg: string): Promise<void> {
    if (options.musicOnHoldUrl) await api.stopStream(customerLeg);
    await Promise.all([api.updateCall(customerLeg, 'unearmuff'), api.updateCall(customerLeg, 'unmute')]);
  }

  function plain(name: string): NccoAction {
    return conversation(name, { starts: true });
  }

  return {
    async check(subject, number, current) {
      const queue = queues.get(current.interaction.queueId);
      if (!queue) throw helplineError('not-found', { entity: 'Queue', id: current.interaction.queueId });
      const plan = await options.check({ number, queue, agentId: subject.id, at: options.now() });
      callOf(current.interaction.id);
      callerIds.set(current.interaction.id, plan.callerId);
      return plan.number;
    },
    async place(leg) {
      const call = callOf(leg.cid);
      const callerId = callerIds.get(leg.cid) ?? call.ourNumber;
      phoneLegs.set(leg.cid, { legId: leg.legId, callerId });
      await hold(call.customerLeg);
      const consult: NccoAction = {
        ...conversation(call.conversation, { starts: true, endOnExit: false }),
        ...(call.agentLeg ? { canHear: [call.agentLeg], canSpeak: [call.agentLeg] } : {}),
      };
      const { uuid } = await api.createCall({
        to: [{ type: 'phone', number: digits(leg.party.id) }],
        from: { type: 'phone', number: digits(callerId) },
        ncco: [consult],
        event_url: [options.eventUrl(leg.cid, leg.legId)],
        event_method: 'POST',
        ringing_timer: options.ringSeconds ?? 45,
      });
      // A status that came before Vonage's answer to the request stays with the leg.
      const placed = phoneOf(leg);
      if (placed) phoneLegs.set(leg.cid, { ...placed, uuid });
    },
    async merge(leg) {
      const call = callOf(leg.cid);
      const phone = phoneOf(leg);
      if (phone?.uuid) await api.transfer(phone.uuid, [plain(call.conversation)]);
      await resume(call.customerLeg);
    },
    async transfer(leg) {
      const call = callOf(leg.cid);
      const phone = phoneOf(leg);
      if (leg.state === 'active' && phone?.uuid) {
        // Warm: the customer and the number keep talking in a conversation of their own; the agent's leg leaves.
        const together = [plain(`${call.conversation}-t-${leg.legId}`)];
        await api.transfer(phone.uuid, together);
        await resume(call.customerLeg);
        await api.transfer(call.customerLeg, together);
      } else {
        // Cold: the number has not picked up; the customer's leg calls it afresh.
        if (phone?.uuid) await api.updateCall(phone.uuid, 'hangup').catch(() => undefined);
        await resume(call.customerLeg);
        await api.transfer(call.customerLeg, [
          connectPhone(leg.party.id, phone?.callerId ?? call.ourNumber, options.eventUrl(leg.cid, leg.legId)),
        ]);
      }
      if (phone) phoneLegs.set(leg.cid, undefined);
      if (call.agentLeg) await api.updateCall(call.agentLeg, 'hangup');
    },
    async hangup(leg) {
      const phone = phoneOf(leg);
      if (phone) phoneLegs.set(leg.cid, undefined);
      if (phone?.uuid) await api.updateCall(phone.uuid, 'hangup');
      const call = options.legsOf(leg.cid);
      if (call?.customerLeg) await resume(call.customerLeg);
    },
    async event(cid, legId, status, uuid) {
      // After a restart or a takeover, the leg is known once the stored calls are carried again.
      await phoneLegs.ready();
      let phone = phoneOf({ cid, legId });
      if (!phone) return;
      // A status that arrives before Vonage's answer to the request (or after a crash in between) names the leg.
      if (phone.uuid === undefined && uuid) {
        phone = { ...phone, uuid };
        phoneLegs.set(cid, phone);
      }
      // A status Vonage reports again (or one caught up after a takeover) is handled once.
      if (phone.status === status) return;
      if (status === 'answered') {
        // Kept as handled once the hub has it (a report that fails is caught up at the next take-back).
        if (await options.report(cid, legId, 'answered')) {
          const now = phoneLegs.get(cid);
          if (now?.legId === legId) phoneLegs.set(cid, { ...now, status });
          return;
        }
        // The hub's leg ended before the number picked up: nothing else would ever hang the number up.
        if (phoneOf({ cid, legId })) phoneLegs.set(cid, undefined);
        if (phone.uuid) await api.updateCall(phone.uuid, 'hangup');
      } else if (ENDING.has(status)) {
        phoneLegs.set(cid, undefined);
        await options.report(cid, legId, 'ended');
      }
    },
  };
}

/** Consult phone legs kept in this process only (a telephony without the gateway's store). */
function memoryPhoneLegs(): ConsultPhoneLegs {
  const legs = new Map<string, ConsultPhoneLeg>();
  return {
    get: (cid) => legs.get(cid),
    set(cid, leg) {
      if (leg) legs.set(cid, leg);
      else legs.delete(cid);
    },
    ready: async () => undefined,
  };
}
