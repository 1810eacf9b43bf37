import { atom, type ReadableAtom } from 'nanostores';
import type { Connection } from '../connection/connection';
import { helplineError } from '../protocol/errors';
import type { CommandArgs, Notice } from '../protocol/protocol.types';

/** A consult leg as an agent's console sees it: who consults whom about which call, and how far it got. */
export type ConsultLeg = Extract<Notice, { type: 'consult' }>['leg'];

/** Who an agent asks for: a colleague or a supervisor by id, or an outside number. */
export type ConsultTarget = CommandArgs<'call.consult'>['to'];

/** Options of {@link createConsultSession}. */
export interface ConsultSessionOptions {
  /** The agent's connection (`agentSession.connection`). */
  readonly connection: Connection;
  /** The agent's current call (`agentSession.$calls.$call`, or any store with its `cid` and `callId`). */
  readonly $call: ReadableAtom<{ readonly cid: string; readonly callId: string | undefined } | undefined>;
}

/**
 * An agent's consults: consulting, merging, transferring and returning on their own call, and answering or
 * leaving a consult a colleague started with them. Every action resolves once the hub took it, or rejects with the
 * `HelplineError` that says why not (see docs/voice.md, "Consult, conference and transfer").
 */
export interface ConsultSession {
  /** The latest consult leg this agent is an end of (their own, or one that rings for them); kept after it ends. */
  readonly $leg: ReadableAtom<ConsultLeg | undefined>;
  /** Puts the customer on hold and calls `to` on a consult leg. */
  consult(to: ConsultTarget): Promise<ConsultLeg>;
  /** Ends the consult leg (or drops the third party of a conference) and talks to the customer again. */
  returnToCustomer(): Promise<void>;
  /** Brings the consulted party in: the three hear each other. */
  merge(): Promise<void>;
  /** Leaves the call to the consulted colleague (warm transfer), on the same interaction. */
  transfer(): Promise<void>;
  /** Picks up the consult that rings for this agent. */
  answer(): Promise<void>;
  /** Leaves the consult leg (or declines one that rings). */
  hangUp(): Promise<void>;
  /** Stops listening to the connection. */
  dispose(): void;
}

/**
 * Creates an agent's consult controls over their connection: the console's Consult, Merge, Transfer and Return
 * buttons call these, and `$leg` shows a consult that rings for the agent.
 *
 * @example
 * ```ts
 * const consults = createConsultSession({ connection: agent.connection, $call: agent.$calls.$call });
 * await consults.consult({ kind: 'agent', id: 'bob' }); // the customer hears hold music
 * await consults.merge(); // once Bob picked up: all three talk
 * ```
 */
export function createConsultSession(options: ConsultSessionOptions): ConsultSession {
  const { connection, $call } = options;
  const $leg = atom<ConsultLeg | undefined>(undefined);
  const stop = connection.onNotice((notice) => {
    if (notice.type === 'consult') $leg.set(notice.leg);
  });

  function callRef(operation: string): { cid: string; callId: string } {
    const call = $call.get();
    if (!call?.callId) throw helplineError('conflict/state', { operation, entity: 'call', state: 'none' });
    return { cid: call.cid, callId: call.callId };
  }

  function legRef(operation: string): { cid: string; legId: string } {
    const leg = $leg.get();
    if (!leg) throw helplineError('conflict/state', { operation, entity: 'consult', state: 'none' });
    return { cid: leg.cid, legId: leg.legId };
  }

  return {
    $leg,
    async consult(to) {
      const { leg } = await connection.command('call.consult', { ...callRef('consult'), to });
      $leg.set(leg);
      return leg;
    },
    async returnToCustomer() {
      await connection.command('call.return', callRef('return to the customer'));
    },
    async merge() {
      await connection.command('call.merge', callRef('merge the calls'));
    },
    async transfer() {
      await connection.command('call.transfer', callRef('transfer the call'));
    },
    async answer() {
      const { leg } = await connection.command('consult.answer', legRef('answer the consult'));
      $leg.set(leg);
    },
    async hangUp() {
      const { leg } = await connection.command('consult.hangup', legRef('hang up the consult'));
      $leg.set(leg);
    },
    dispose: stop,
  };
}
