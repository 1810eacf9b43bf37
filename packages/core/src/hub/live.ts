import type { Interaction } from '../interaction/interaction.types';
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
