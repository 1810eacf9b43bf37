import { pendingDeadline } from '../machine';
import type { Router } from '../routing/routing.types';
import type { InteractionStepped } from './conversation.log';
import type { HubClock } from './hub.types';
import type { Intent } from './lifecycles';
import type { Live } from './live';
import type { RoutingHub } from './routing.hub';
import type { TimerGroup } from './timers.hub';

/** What the effects of a step need from the hub. */
export interface StepEffectsDeps {
  readonly clock: HubClock;
  readonly router: Pick<Router, 'release' | 'remove' | 'recordHandleTime' | 'restoreAssigned'>;
  readonly routing: Pick<RoutingHub, 'leftLine' | 'schedule' | 'enqueue' | 'tick'>;
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
  const { clock, router, routing } = deps;

  /**
   * Arms the deadline the interaction's state declares in its machine's table (`after`), replacing the one it had.
   * When it falls due, in the conversation's turn, the machine takes the event its table names for it; work that
   * this puts in line (a callback's slot or retry) goes to the router.
   */
  function arm(current: Live): void {
    const cid = current.interaction.id;
    const deadline = pendingDeadline(current.lifecycle.machine, current.snapshot);
    if (deadline === undefined) return;
    if (deadline.kind === 'offer-timeout') {
      // The router owns offers: woken at the deadline, it decides which ran out, counts each miss against its agent
      // (who is set away after several) and puts the work back in line; routing.hub then steps the machine with this
      // same event. Outside the conversation's turn, because that step takes the turn itself.
      deps.deadlines.armAt(cid, deadline.at, () => void routing.tick());
      return;
    }
    deps.deadlines.stepAt(cid, deadline.at, deadline.kind, async () => {
      // The state may have moved on while this waited for the conversation's turn (the agent's form, a new slot).
      const due = pendingDeadline(current.lifecycle.machine, current.snapshot);
      if (due?.kind !== deadline.kind || due.at > clock.now()) return;
      await deps.drive(current, { kind: 'deadline' });
      if (current.lifecycle.waiting.has(current.snapshot.value)) routing.enqueue(current);
    });
  }

  function stepped({ current, stateBefore }: InteractionStepped): void {
    const { interaction, lifecycle, snapshot } = current;
    const state = snapshot.value;
    if (state === stateBefore) return;
    if (lifecycle.handling.has(stateBefore) && !lifecycle.handling.has(state)) {
      router.release(interaction.id);
      // Room freed while the work stays open (a conversation waiting for the customer): route into it now.
      if (!lifecycle.final.has(state)) void routing.schedule();
    }
    // Work that comes back to its agent without an offer (a messaging conversation the customer answered, a snooze
    // that ran out, one reopened by staff) holds their capacity again, even past it: it is theirs already.
    const backToAgent = !lifecycle.handling.has(stateBefore) && !lifecycle.waiting.has(stateBefore);
    if (backToAgent && lifecycle.handling.has(state) && interaction.agentId) {
      try {
        router.restoreAssigned(interaction.id, interaction.agentId, interaction.channel);
      } catch {
        // The agent left the configuration: the conversation stays theirs in its record; nothing to count.
      }
    }
    // The state left takes its deadline along; the state entered arms its own.
    deps.deadlines.clear(interaction.id);
    arm(current);
    if (lifecycle.final.has(state)) {
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
