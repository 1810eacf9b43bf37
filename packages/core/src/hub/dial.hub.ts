import type { Agent } from '../agent/agent.types';
import type { Interaction } from '../interaction/interaction.types';
import { helplineError, isHelplineError } from '../protocol/errors';
import { dialError } from '../protocol/errors.dial';
import type { CommandResult, WireCall, WireInteraction } from '../protocol/protocol.types';
import type { Queue } from '../queue/queue.types';
import type { Router } from '../routing/routing.types';
import { authorizeRole } from './access';
import type { ConversationLog } from './conversation.log';
import { afterReply, type CommandHandlers } from './dispatch';
import type { HubClock, Subject } from './hub.types';
import type { Intake } from './intake.hub';
import type { Live } from './live';

// Click-to-dial: an agent calls a phone number. The server's policy checks the number first (E.164, calling hours
// in the customer's time zone, the do-not-call list, the queue's caller ID); then an outbound voice interaction is
// created in one unit with its agent (never queued nor offered) and its call in `dialing`, and the policy places the
// phone leg, which speaks for the customer's phone through the call commands (`call.ring`, `call.answer`,
// `call.media`, `chat.end`). The supervisors' do-not-call commands are here too.

/** The click-to-dial commands. */
export type DialOp = 'voice.dial' | 'dnc.add' | 'dnc.remove' | 'dnc.list';

/** What the server's policy is asked before anything is dialled. */
export interface DialRequest {
  /** The number as the agent wrote it (national formats are read in the queue's region). */
  readonly number: string;
  readonly queue: Queue;
  readonly agentId: string;
  /** A time zone the agent gave for the customer, overriding the one the number's country implies. */
  readonly timeZone?: string | undefined;
  /** Now, epoch ms (the hub's clock: tests move it). */
  readonly at: number;
}

/** What the policy decided for a number it lets through. */
export interface DialPlan {
  /** The number in E.164. */
  readonly number: string;
  /** The number the customer sees (the queue's caller ID), E.164. */
  readonly callerId: string;
  /** The customer the number belongs to: the same number is the same customer (history, first-contact resolution). */
  readonly customer: {
    readonly id: string;
    readonly name: string;
    readonly timeZone?: string | undefined;
  };
}

/** A call to place, once its interaction is stored and the agent has their answer. */
export interface OutboundCall {
  readonly cid: string;
  /** The hub's call (`dialing`); the phone leg reports on it as the customer. */
  readonly callId: string;
  readonly number: string;
  readonly callerId: string;
  readonly agentId: string;
  readonly queueId: string;
  /** The customer as the hub knows them: the phone leg acts as this subject. */
  readonly customer: Subject;
}

/** One number on the do-not-call list. */
export interface DoNotCallEntry {
  /** E.164. */
  readonly number: string;
  readonly reason?: string | undefined;
  /** The supervisor who added it (or `config` for the configuration's list). */
  readonly addedBy: string;
  readonly addedAt: number;
}

/** The do-not-call list the supervisors keep (the server stores it and audits every change). */
export interface DoNotCallList {
  /** Adds a number (as written; the list normalizes it to E.164); refuses one that is not a phone number. */
  add(
    number: string,
    entry: { readonly reason?: string | undefined; readonly addedBy: string },
  ): Promise<DoNotCallEntry>;
  /** Removes a number; false when it was not on the list. */
  remove(number: string, removedBy: string): Promise<boolean>;
  /** Every entry, newest first. */
  list(): Promise<readonly DoNotCallEntry[]>;
}

/**
 * Outbound calling (click-to-dial) of a hub: the server's checks, its phone network, its do-not-call list. Without
 * it, `voice.dial` is refused with `dial/disabled`.
 */
export interface DialOptions {
  /**
   * Checks a number before anything is created: rejects with `dial/invalid-number`, `dial/outside-hours`,
   * `dial/do-not-call` or `dial/no-caller-id`.
   */
  check(request: DialRequest): Promise<DialPlan>;
  /** Places the phone leg of a stored outbound call (Vonage, or a simulation); its reports go through the hub. */
  place(call: OutboundCall): void;
  /** True when no phone network carries the calls (dev mode, demos): consoles say the call is simulated. */
  readonly simulated: boolean;
  /** The do-not-call list behind `dnc.*`; without it those commands are refused with `dial/disabled`. */
  readonly doNotCall?: DoNotCallList | undefined;
}

/** What click-to-dial needs from the hub. */
export interface DialHubDeps {
  readonly clock: HubClock;
  readonly dial: DialOptions | undefined;
  readonly agents: ReadonlyMap<string, Agent>;
  /** Queues each agent serves. */
  readonly queuesOf: (agentId: string) => ReadonlySet<string> | undefined;
  readonly queues: ReadonlyMap<string, Queue>;
  readonly router: Pick<Router, 'agent' | 'assign' | 'release'>;
  /** False while none of the agent's consoles can take calls (they said so at `hello`). */
  readonly voiceCapable: (agentId: string) => boolean;
  readonly intake: Pick<Intake, 'draftInteraction' | 'once'>;
  readonly log: Pick<ConversationLog, 'step' | 'join' | 'commit'>;
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /** The call of an interaction, once stored. */
  readonly callOf: (cid: string) => WireCall | undefined;
  readonly wireFor: (interaction: Interaction, subject: Subject | undefined) => WireInteraction;
}

/** The click-to-dial part of a hub. */
export interface DialHub {
  readonly handlers: CommandHandlers<DialOp>;
}

/**
 * Creates the click-to-dial part of a hub.
 *
 * @example
 * ```ts
 * const dial = createDialHub({ clock, dial: options.dial, agents, queuesOf, queues, router, voiceCapable, … });
 * const handlers = { ...dial.handlers };
 * ```
 */
export function createDialHub(deps: DialHubDeps): DialHub {
  const { clock, router, intake } = deps;
  const { step, join, commit } = deps.log;

  function policy(): DialOptions {
    if (!deps.dial) throw dialError('dial/disabled');
    return deps.dial;
  }

  function doNotCall(): DoNotCallList {
    const list = policy().doNotCall;
    if (!list) throw dialError('dial/disabled');
    return list;
  }

  /** The queue to dial on: the one asked for, else the agent's first; only a queue the agent serves. */
  function queueFor(agentId: string, queueId: string | undefined): Queue {
    const served = deps.queuesOf(agentId);
    const id = queueId ?? (served ? [...served][0] : undefined);
    const queue = id === undefined ? undefined : deps.queues.get(id);
    if (!queue) throw helplineError('not-found', { entity: 'Queue', id: id ?? '(default)' });
    if (!served?.has(queue.id))
      throw helplineError('auth/forbidden', { operation: `dial on queue ${queue.id}` });
    return queue;
  }

  /** An agent dials only while signed in, with voice capacity, a console that can talk, and no other call. */
  function requireVoice(agentId: string): void {
    const routed = router.agent(agentId);
    const configured = deps.agents.get(agentId)?.capacity.voice ?? 0;
    let detail: string | undefined;
    if (!routed || configured <= 0) detail = 'you have no voice capacity';
    else if (routed.presence === 'offline') detail = 'you are offline';
    else if (!deps.voiceCapable(agentId) || routed.agent.capacity.voice <= 0)
      detail = 'none of your consoles can take calls';
    else if ((routed.load?.voice ?? 0) >= routed.agent.capacity.voice) detail = 'you are on another call';
    if (detail) throw dialError('dial/no-voice', { detail });
  }

  async function dialOut(
    caller: Parameters<CommandHandlers<'voice.dial'>['voice.dial']>[0],
    queue: Queue,
    plan: DialPlan,
    startRequest: Parameters<Intake['draftInteraction']>[4],
  ): Promise<Live> {
    const agentId = caller.subject.id;
    const customer: Subject = {
      id: plan.customer.id,
      role: 'visitor',
      name: plan.customer.name,
      customer: {
        phone: plan.number,
        ...(plan.customer.timeZone ? { timeZone: plan.customer.timeZone } : {}),
      },
    };
    const { current, change } = intake.draftInteraction(
      customer,
      'voice',
      queue,
      {
        customer: {
          name: plan.customer.name,
          phone: plan.number,
          ...(plan.customer.timeZone ? { timeZone: plan.customer.timeZone } : {}),
        },
      },
      startRequest,
      { priority: 0, requiredSkills: [], reasons: [] },
    );
    // The KPIs count a dialled call apart from the inbound ones.
    const created = change.reports.findIndex((report) => report.type === 'created');
    const report = change.reports[created];
    if (report?.type === 'created') change.reports[created] = { ...report, direction: 'outbound' };
    step(current, change, { kind: 'dial', agentId });
    join(change, agentId);
    const cid = current.interaction.id;
    // The router's count is a cache of the records: storage counts the agent's calls again by the records, under the
    // lock on the agent an accept takes, and refuses the dial at their voice capacity. So a dial and an accept for
    // one agent at the same moment (or two dials, on a cluster's old and new leader) count one after the other.
    change.holds = {
      agentId,
      channel: 'voice',
      capacity: deps.agents.get(agentId)?.capacity.voice ?? 0,
      states: [...current.lifecycle.handling],
    };
    // The agent's voice capacity is taken before the write, so a second dial at the same moment is refused.
    router.assign(cid, agentId, 'voice');
    try {
      await deps.serialized(cid, () => commit(current, change, { replayTo: agentId }));
    } catch (error) {
      router.release(cid);
      if (isHelplineError(error) && error.code === 'agent/capacity')
        throw dialError('dial/no-voice', { detail: 'you are on another call' });
      throw error;
    }
    const call = deps.callOf(cid);
    if (call) {
      const placed = policy();
      const outbound: OutboundCall = {
        cid,
        callId: call.callId,
        number: plan.number,
        callerId: plan.callerId,
        agentId,
        queueId: queue.id,
        customer,
      };
      afterReply(caller, () => placed.place(outbound));
    }
    return current;
  }

  const handlers: DialHub['handlers'] = {
    async 'voice.dial'(caller, args): Promise<CommandResult<'voice.dial'>> {
      authorizeRole(caller.subject, 'voice.dial', 'place a call');
      const dial = policy();
      const agentId = caller.subject.id;
      const queue = queueFor(agentId, args.queueId);
      const current = await intake.once(caller.subject, args.requestId, async (startRequest) => {
        requireVoice(agentId);
        const plan = await dial.check({
          number: args.number,
          queue,
          agentId,
          ...(args.timeZone ? { timeZone: args.timeZone } : {}),
          at: clock.now(),
        });
        return dialOut(caller, queue, plan, startRequest);
      });
      const { interaction } = current;
      return {
        cid: interaction.id,
        interaction: deps.wireFor(interaction, caller.subject),
        number: interaction.customer.phone ?? '',
        simulated: dial.simulated,
      };
    },
    async 'dnc.add'(caller, args) {
      authorizeRole(caller.subject, 'dnc.add', 'change the do-not-call list');
      const entry = await doNotCall().add(args.number, {
        addedBy: caller.subject.id,
        ...(args.reason ? { reason: args.reason } : {}),
      });
      return { entry };
    },
    async 'dnc.remove'(caller, args) {
      authorizeRole(caller.subject, 'dnc.remove', 'change the do-not-call list');
      return { removed: await doNotCall().remove(args.number, caller.subject.id) };
    },
    async 'dnc.list'(caller) {
      authorizeRole(caller.subject, 'dnc.list', 'read the do-not-call list');
      return { entries: [...(await doNotCall().list())] };
    },
  };

  return { handlers };
}
