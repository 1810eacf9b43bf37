import type { SupervisionLeg, SupervisionMode } from '@helpline/core';
import { supervisionAudio } from '@helpline/core';
import type { SupervisionVonagePort } from '@helpline/core/hub';
import type { VonageApi } from './vonage.api';
import type { Ncco } from './vonage.ncco';
import { vonageUserOf } from './vonage.tokens';

// Supervisor legs on Vonage calls (docs/vonage.md, "Supervisors"): the supervisor's app is called into the call's
// conversation with `canHear` (the customer's and the agent's legs) and `canSpeak` (nobody while monitoring, the
// agent's leg while whispering, both while barging). A mode switch hands the supervisor's leg a new conversation
// action (`transfer`): the same conversation, other rights; the customer's and the agent's legs are untouched.

/** A Vonage call's conversation and legs, as the gateway knows them. */
export interface VonageCallLegs {
  /** The conversation's name (NCCO `conversation.name`). */
  readonly conversation: string;
  readonly customerLeg: string | undefined;
  readonly agentLeg: string | undefined;
  /** The number the supervisor's leg is placed from. */
  readonly ourNumber: string;
}

/**
 * The conversation action of a supervisor's leg in `mode`: hears the customer and the agent; heard by nobody
 * (monitoring), the agent (whispering) or both (barging) — the table of `supervisionAudio`.
 *
 * @example
 * ```ts
 * supervisorNcco('conv-1', 'whispering', { customerLeg: 'c', agentLeg: 'a' });
 * // [{ action: 'conversation', name: 'conv-1', canHear: ['c', 'a'], canSpeak: ['a'], … }]
 * ```
 */
export function supervisorNcco(
  conversation: string,
  mode: SupervisionMode,
  legs: Pick<VonageCallLegs, 'customerLeg' | 'agentLeg'>,
): Ncco {
  const audio = supervisionAudio(mode);
  const parties = { customer: legs.customerLeg, agent: legs.agentLeg };
  const present = (leg: string | undefined): leg is string => leg !== undefined;
  const canSpeak = [
    audio.customer.length > 0 ? parties.customer : undefined,
    audio.agent.length > 0 ? parties.agent : undefined,
  ].filter(present);
  return [
    {
      action: 'conversation',
      name: conversation,
      // The call is under way: the supervisor neither starts the conversation nor ends it by leaving.
      startOnEnter: false,
      endOnExit: false,
      canHear: audio.supervisor.map((party) => parties[party]).filter(present),
      canSpeak,
    },
  ];
}

/** Options of {@link createVonageSupervision}. */
export interface VonageSupervisionOptions {
  readonly api: Pick<VonageApi, 'createCall' | 'transfer' | 'updateCall'>;
  /** The legs of the Vonage call of interaction `cid`, or `undefined` when Vonage does not carry it. */
  readonly legsOf: (cid: string) => VonageCallLegs | undefined;
  /** The event webhook URL of a supervisor's leg. */
  readonly eventUrl: (leg: SupervisionLeg) => string;
  /** Seconds the supervisor's app rings. Default 30. */
  readonly ringSeconds?: number | undefined;
}

/**
 * The hub's Vonage port for supervisor legs (`HubOptions.supervision.vonage`).
 *
 * @example
 * ```ts
 * const supervision = createVonageSupervision({ api, legsOf: gateway.legsOf, eventUrl });
 * createHub({ …, supervision: { vonage: supervision } });
 * ```
 */
export function createVonageSupervision(options: VonageSupervisionOptions): SupervisionVonagePort {
  const { api } = options;
  /** The Vonage leg of each supervision leg. */
  const legs = new Map<string, string>();

  function callOf(leg: SupervisionLeg): VonageCallLegs {
    const call = options.legsOf(leg.cid);
    if (!call) throw new Error(`no Vonage call carries ${leg.cid}`);
    return call;
  }

  return {
    carries: (cid) => options.legsOf(cid) !== undefined,
    async join(leg, mode) {
      const call = callOf(leg);
      const { uuid } = await api.createCall({
        to: [{ type: 'app', user: vonageUserOf({ id: leg.supervisorId, role: 'supervisor' }) }],
        from: { type: 'phone', number: call.ourNumber },
        ncco: supervisorNcco(call.conversation, mode, call),
        event_url: [options.eventUrl(leg)],
        event_method: 'POST',
        ringing_timer: options.ringSeconds ?? 30,
      });
      legs.set(leg.legId, uuid);
    },
    async setMode(leg, mode) {
      const uuid = legs.get(leg.legId);
      if (!uuid) return;
      const call = callOf(leg);
      await api.transfer(uuid, supervisorNcco(call.conversation, mode, call));
    },
    async leave(leg) {
      const uuid = legs.get(leg.legId);
      legs.delete(leg.legId);
      if (uuid) await api.updateCall(uuid, 'hangup');
    },
  };
}
