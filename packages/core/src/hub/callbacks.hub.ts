import { type CallbackState, callbackMachine } from '../interaction/callback.machine';
import type { Interaction } from '../interaction/interaction.types';
import { phaseOf } from '../interaction/phase';
import { helplineError } from '../protocol/errors';
import type { CommandArgs, WireCall, WireInteraction } from '../protocol/protocol.types';
import { isOpen, queueAvailability } from '../queue/business-hours';
import type { Queue } from '../queue/queue.types';
import type { Router } from '../routing/routing.types';
import { authorizeRole, type InteractionOp } from './access';
import type { ConversationLog } from './conversation.log';
import { afterReply, type Caller, type CommandHandlers, runAfterReply } from './dispatch';
import type { HubClock, Subject } from './hub.types';
import type { Intake, StartRequest } from './intake.hub';
import type { Intent } from './lifecycles';
import type { Live } from './live';
import type { RoutingHub } from './routing.hub';

// Callbacks: a customer asks to be called back — as soon as possible while the queue is open, else in a slot inside
// business hours (up to a year ahead); the customer, a supervisor or the dialing agent may move it, and the agent
// reports how the dial went.

/** How far ahead a callback may be booked. */
const CALLBACK_HORIZON_MS = 366 * 86_400_000;

/** The callback commands. */
export type CallbackOp = 'callback.request' | 'callback.cancel' | 'callback.outcome' | 'callback.reschedule';

/** What callbacks need from the hub. */
export interface CallbacksHubDeps {
  readonly clock: HubClock;
  readonly queues: ReadonlyMap<string, Queue>;
  /** Length of a scheduled callback slot, ms. */
  readonly callbackSlotMs: number;
  readonly intake: Pick<Intake, 'routeNew' | 'draftInteraction' | 'enqueueStep' | 'once'>;
  /** The interaction `op` acts on, once the access rules allow `subject` to run it there. */
  readonly getLive: (subject: Subject, cid: string, op: InteractionOp, operation: string) => Promise<Live>;
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  readonly log: Pick<ConversationLog, 'changeOf' | 'step' | 'addEvent' | 'stateEventOf' | 'commit' | 'drive'>;
  /** The latest call of an interaction (a web callback rings in the browser). */
  readonly callOf: (cid: string) => WireCall | undefined;
  readonly router: Pick<Router, 'remove'>;
  readonly routing: Pick<RoutingHub, 'enqueue' | 'leftLine' | 'publishPositions' | 'schedule'>;
  /** Arms the deadline of the state the interaction is in (a new slot while `scheduled`). */
  readonly armDeadline: (current: Live) => void;
  /** Tells supervisors the board changed. */
  readonly boardChanged: () => void;
  /** The interaction as `subject` may see it. */
  readonly wireFor: (interaction: Interaction, subject: Subject | undefined) => WireInteraction;
}

/** A callback staff book for a customer (a case's follow-up task): queued now, or at the queue's next opening. */
export interface StaffCallbackRequest {
  /** The customer to call back: the callback's visitor. */
  readonly customerId: string;
  readonly queueId: string;
  /** E.164. */
  readonly phone: string;
  /** Makes a retry safe (a restored timer): the same id gets the same callback. */
  readonly requestId: string;
}

/** A callback booked by {@link CallbacksHub.placeForCustomer}. */
export interface PlacedCallback {
  readonly interactionId: string;
  /** Puts the callback in line for routing (nothing for one scheduled at the queue's next opening). */
  readonly release: () => void;
}

/** The callbacks of a hub. */
export interface CallbacksHub {
  readonly handlers: CommandHandlers<CallbackOp>;
  /**
   * Books a callback for a customer on staff's behalf, through the same path as `callback.request` with `asap`:
   * queued while the queue is open, else scheduled at its next opening. Resolves with the interaction id and
   * `release`, which puts a queued callback in line for routing: call it once the callback is ready to offer (a
   * case's task links it to its case first, so the agent offered it sees the case).
   */
  placeForCustomer(request: StaffCallbackRequest): Promise<PlacedCallback>;
}

/**
 * Creates the callbacks part of a hub.
 *
 * @example
 * ```ts
 * const callbacks = createCallbacksHub({ clock, queues, callbackSlotMs, intake, getLive, serialized, log, … });
 * const handlers = { ...callbacks.handlers };
 * ```
 */
export function createCallbacksHub(deps: CallbacksHubDeps): CallbacksHub {
  const { clock, queues, callbackSlotMs, intake, routing, serialized, wireFor } = deps;
  const { changeOf, step, addEvent, stateEventOf, commit, drive } = deps.log;

  /** A callback slot must start in the future, inside the queue's business hours. */
  function validSlotStart(
    queue: Queue,
    start: number,
    scope: 'callback.request' | 'callback.reschedule',
    field: 'slot' | 'at',
  ): number {
    const now = clock.now();
    if (start > now + CALLBACK_HORIZON_MS) {
      throw helplineError('validation/field', { scope, field, detail: 'must be within a year' }, { field });
    }
    const inside = queue.businessHours === undefined || isOpen(queue.businessHours, start);
    if (start <= now || !inside) {
      throw helplineError(
        'validation/field',
        { scope, field, detail: 'must start in the future, inside business hours' },
        { field },
      );
    }
    return start;
  }

  /** Who may move a callback in which state: the customer and supervisors while it waits, its agent while dialing. */
  function requireReschedulable(subject: Subject, current: Live): void {
    const { channel, agentId } = current.interaction;
    const state = current.snapshot.value;
    // A web callback already ringing or talking is ended by hanging up, not moved.
    const call = deps.callOf(current.interaction.id);
    if (call && call.state !== 'ended') {
      throw helplineError('conflict/state', { operation: 'reschedule', entity: 'call', state: call.state });
    }
    // The machine says whether the callback can move at all; its phase says whose move it is.
    const movable =
      channel === 'callback' && callbackMachine.states[state as CallbackState]?.on?.SCHEDULE !== undefined;
    const handling = phaseOf(channel, state) === 'handling';
    const allowed = subject.role === 'agent' ? handling : !handling && !agentId;
    if (!movable || !allowed) {
      throw helplineError('conflict/state', { operation: 'reschedule', entity: channel, state });
    }
  }

  /** Creates a callback: queued at once ("as soon as possible" while open), or scheduled in its slot. */
  async function requestCallback(
    caller: Caller,
    subject: Subject,
    args: CommandArgs<'callback.request'>,
    startRequest: StartRequest | undefined,
  ): Promise<Live> {
    const { queue, routing } = intake.routeNew(subject, caller.meta, args);
    const availability = queueAvailability(queue, clock.now());
    // "As soon as possible" while closed means at the next opening.
    const start =
      args.slot === 'asap'
        ? availability.open
          ? undefined
          : availability.nextOpening
        : validSlotStart(queue, args.slot, 'callback.request', 'slot');
    if (args.slot === 'asap' && !availability.open && start === undefined) {
      throw helplineError('queue/closed', { queue: queue.id });
    }
    const { current, change } = intake.draftInteraction(
      subject,
      'callback',
      queue,
      { ...args, customer: { phone: args.phone, timeZone: args.timeZone } },
      startRequest,
      routing,
    );
    if (start === undefined) intake.enqueueStep(current, change);
    else step(current, change, { kind: 'schedule', start, end: start + callbackSlotMs });
    await serialized(current.interaction.id, () => commit(current, change));
    if (start === undefined) afterReply(caller, () => deps.routing.enqueue(current));
    return current;
  }

  const handlers: CallbacksHub['handlers'] = {
    async 'callback.request'(caller, args) {
      authorizeRole(caller.subject, 'callback.request', 'request a callback');
      const current = await intake.once(caller.subject, args.requestId, (startRequest) =>
        requestCallback(caller, caller.subject, args, startRequest),
      );
      return { cid: current.interaction.id, interaction: wireFor(current.interaction, caller.subject) };
    },
    async 'callback.cancel'(caller, args) {
      const current = await deps.getLive(caller.subject, args.cid, 'callback.cancel', 'cancel this callback');
      await serialized(args.cid, () =>
        drive(
          current,
          caller.subject.role === 'visitor' ? { kind: 'customer-leaves' } : { kind: 'agent-cancels' },
        ),
      );
      return {};
    },
    async 'callback.outcome'(caller, args) {
      const current = await deps.getLive(
        caller.subject,
        args.cid,
        'callback.outcome',
        'report a callback outcome',
      );
      const intents: Record<typeof args.outcome, Intent> = {
        answered: { kind: 'answered' },
        'no-answer': { kind: 'no-answer' },
        failed: { kind: 'fail' },
        cancelled: { kind: 'agent-cancels' },
      };
      await serialized(args.cid, () => drive(current, intents[args.outcome]));
      return {};
    },
    async 'callback.reschedule'(caller, args) {
      const current = await deps.getLive(
        caller.subject,
        args.cid,
        'callback.reschedule',
        'reschedule this callback',
      );
      requireReschedulable(caller.subject, current);
      const queue = queues.get(current.interaction.queueId);
      if (!queue) throw helplineError('not-found', { entity: 'Queue', id: current.interaction.queueId });
      const start = validSlotStart(queue, args.at, 'callback.reschedule', 'at');
      await serialized(args.cid, async () => {
        requireReschedulable(caller.subject, current);
        const before = current.snapshot.value;
        const change = changeOf(current);
        step(current, change, { kind: 'schedule', start, end: start + callbackSlotMs });
        // Staying `scheduled` is no state change: the parties hear of the new time all the same.
        if (before === 'scheduled') addEvent(change, stateEventOf(change));
        // Out of the agent's hands: the step itself has them leave (see `step`).
        // Out of the line first, so the router cannot offer it while the step is saved.
        if (before === 'queued') deps.router.remove(args.cid);
        try {
          await commit(current, change);
        } catch (error) {
          if (before === 'queued') routing.enqueue(current);
          throw error;
        }
        // The due timer moves with the slot.
        if (before === 'scheduled') deps.armDeadline(current);
        if (before === 'queued') routing.leftLine(args.cid);
      });
      deps.boardChanged();
      routing.publishPositions();
      void routing.schedule();
      return { interaction: wireFor(current.interaction, caller.subject) };
    },
  };

  async function placeForCustomer(request: StaffCallbackRequest): Promise<PlacedCallback> {
    const subject: Subject = {
      id: request.customerId,
      role: 'visitor',
      name: '',
      customer: { phone: request.phone },
    };
    const caller: Caller = { id: `staff-callback:${request.requestId}`, subject, meta: {}, afterReply: [] };
    const args: CommandArgs<'callback.request'> = {
      requestId: request.requestId,
      queueId: request.queueId,
      phone: request.phone,
      // The customer's own zone is not known here: the queue's business hours' zone, else UTC.
      timeZone: queues.get(request.queueId)?.businessHours?.timeZone ?? 'UTC',
      slot: 'asap',
    };
    const current = await intake.once(subject, request.requestId, (startRequest) =>
      requestCallback(caller, subject, args, startRequest),
    );
    return { interactionId: current.interaction.id, release: () => runAfterReply(caller) };
  }

  return { handlers, placeForCustomer };
}
