import { type WrapUpContext, wrapUpDeadlineAt } from '../interaction/lifecycle';
import type { Router } from '../routing/routing.types';
import type { InteractionStepped } from './conversation.log';
import type { HubClock } from './hub.types';
import type { Intent } from './lifecycles';
import type { Live } from './live';
import type { RoutingHub } from './routing.hub';
import type { TimerGroup } from './timers.hub';

/**
 * How long past a `timed` wrap-up's deadline the server waits before ending it: the agent's form submits
 * what it has at the deadline, and that submission (with its disposition) should win over the timer.
 */
const WRAP_UP_GRACE_MS = 5_000;

/** What the effects of a step need from the hub. */
export interface StepEffectsDeps {
  readonly clock: HubClock;
  readonly router: Pick<Router, 'release' | 'remove' | 'recordHandleTime'>;
  readonly routing: Pick<RoutingHub, 'offerSettled' | 'leftLine' | 'schedule' | 'enqueue'>;
  /** One machine step of the interaction, stored and made current (in the conversation's turn). */
  readonly drive: (current: Live, intent: Intent) => Promise<void>;
  /** The deadline of the state each interaction is in (one at a time: an interaction is in one state). */
  readonly deadlines: TimerGroup;
}

/** What entering a state sets off: capacity, the state's deadline, handle times, routing. */
export interface StepEffects {
  /** Hears a committed step (subscribe it to the conversation log). */
  stepped(step: InteractionStepped): void;
  /** Arms the deadline of the state the interaction is in (after a restart; a callback moved to a new slot). */
  arm(current: Live): void;
}

/** A deadline a state declares: armed when an interaction enters the state, cancelled when it leaves. */
interface StateDeadline {
  /** What the step is called in failure reports. */
  readonly what: string;
  /** When it falls due; `undefined`: nothing to wait for. */
  at(current: Live): number | undefined;
  /** The step it takes then (in the conversation's turn). */
  fire(current: Live): Promise<void>;
}

/**
 * Creates the effects of interaction steps.
 *
 * @example
 * ```ts
 * const effects = createStepEffects({ clock, router, routing, drive, deadlines: timers.group() });
 * log.subscribe(effects.stepped);
 * ```
 */
export function createStepEffects(deps: StepEffectsDeps): StepEffects {
  const { router, routing } = deps;

  /** A scheduled callback's slot, or a retry's back-off, comes due: it joins the queue. */
  const due: StateDeadline = {
    what: 'callback due',
    at({ snapshot }) {
      const { slot, nextAttemptAt } = snapshot.context;
      return snapshot.value === 'scheduled' ? slot?.start : nextAttemptAt;
    },
    async fire(current) {
      await deps.drive(current, { kind: 'due' });
      routing.enqueue(current);
    },
  };

  /**
   * A `timed` after-call-work period ends on the server's clock, not the agent's form: when it runs out (plus a
   * short grace) the interaction finishes, without a disposition if none was given, and the agent's capacity is
   * free again.
   */
  const wrapUpEnd: StateDeadline = {
    what: 'wrap-up timeout',
    at({ snapshot }) {
      // The built-in channels carry their queue's policy in the machine's context; a custom lifecycle may have a
      // wrap-up state without one, and then nothing ends it on a timer.
      const context = snapshot.context as unknown as Partial<WrapUpContext>;
      if (context.acw === undefined || context.timestamps === undefined) return undefined;
      const deadline = wrapUpDeadlineAt(context as WrapUpContext, context.timestamps.endedAt);
      return deadline === undefined ? undefined : deadline + WRAP_UP_GRACE_MS;
    },
    async fire(current) {
      // The agent may have submitted the form while this timer waited for the conversation's turn.
      if (current.snapshot.value === 'wrap-up') await deps.drive(current, { kind: 'wrap-up-timeout' });
    },
  };

  /** The deadlines, by the state that declares them. */
  const DEADLINES: Readonly<Record<string, StateDeadline>> = {
    scheduled: due,
    'retry-wait': due,
    'wrap-up': wrapUpEnd,
  };

  function arm(current: Live): void {
    const deadline = DEADLINES[current.snapshot.value];
    const at = deadline?.at(current);
    if (deadline && at !== undefined) {
      deps.deadlines.stepAt(current.interaction.id, at, deadline.what, () => deadline.fire(current));
    }
  }

  function stepped({ current, stateBefore }: InteractionStepped): void {
    const { interaction, lifecycle, snapshot } = current;
    const state = snapshot.value;
    if (state === stateBefore) return;
    if (lifecycle.handling.has(stateBefore) && !lifecycle.handling.has(state)) router.release(interaction.id);
    // The state left takes its deadline along; the state entered arms its own.
    deps.deadlines.clear(interaction.id);
    arm(current);
    if (lifecycle.final.has(state)) {
      routing.offerSettled(interaction.id);
      router.remove(interaction.id);
      router.release(interaction.id);
      const { answeredAt, endedAt, wrapUpEndedAt } = interaction.timestamps;
      if (answeredAt !== undefined && endedAt !== undefined) {
        router.recordHandleTime(interaction.queueId, ((wrapUpEndedAt ?? endedAt) - answeredAt) / 1000);
      }
      routing.leftLine(interaction.id);
      void routing.schedule();
    }
  }

  return { stepped, arm };
}
