import type { Interaction } from '../interaction/interaction.types';
import { type Phase, phaseOf } from '../interaction/phase';
import type { InteractionSnapshot, Lifecycle } from './lifecycles';

/** An interaction as the hub's modules read it: the record, its machine snapshot and the lifecycle behind it. */
export interface LiveInteraction {
  readonly interaction: Interaction;
  readonly snapshot: InteractionSnapshot;
  readonly lifecycle: Lifecycle;
}

/** The hub's own record of an interaction it holds in memory; only the conversation log's `commit` writes it. */
export interface Live extends LiveInteraction {
  interaction: Interaction;
  snapshot: InteractionSnapshot;
  /** When a command or a step last used it (finished interactions leave memory some time after). */
  usedAt?: number;
}

/** Where a live interaction stands, in the words every channel shares (see {@link phaseOf}). */
export function phaseOfLive({ interaction, snapshot }: LiveInteraction): Phase {
  return phaseOf(interaction.channel, snapshot.value);
}
