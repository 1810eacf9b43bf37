import type { Channel, EndedBy, Interaction } from '../interaction/interaction.types';
import type { Subject } from './hub.types';
import { DEFAULT_LIFECYCLES, type InteractionSnapshot, type Lifecycle } from './lifecycles';
import type { VoiceConnection, VoiceInteraction } from './voice.calls';

/** The customer of every interaction {@link inState} makes. */
export const caller: Subject = { id: 'v1', role: 'visitor', name: 'Ada' };
/** The agent every interaction {@link inState} makes is assigned to, unless told otherwise. */
export const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };

/**
 * Interaction `c1` of `channel` in `state`, as the voice modules read it: `caller`'s, assigned to `agentId`
 * (`alice` unless `null`), for the voice modules' tests.
 */
export function inState(
  channel: Channel,
  state: string,
  options: { readonly agentId?: string | null; readonly endedBy?: EndedBy } = {},
): VoiceInteraction {
  const lifecycle = DEFAULT_LIFECYCLES[channel] as Lifecycle;
  const agentId = options.agentId === null ? undefined : (options.agentId ?? alice.id);
  const interaction: Interaction = {
    id: 'c1',
    channel,
    state,
    queueId: 'support',
    customer: { id: caller.id, identified: false, attributes: {} },
    participants: [],
    priority: 0,
    requiredSkills: [],
    prechat: {},
    timestamps: { createdAt: 0 },
    ...(agentId ? { agentId } : {}),
    ...(options.endedBy ? { endedBy: options.endedBy } : {}),
  };
  const snapshot = { value: state, context: { timestamps: interaction.timestamps } } as InteractionSnapshot;
  return { interaction, snapshot, lifecycle };
}

/** A connection of `subject` with the id `id`. */
export function connOf(subject: Subject, id = `k-${subject.id}`): VoiceConnection {
  return { id, subject };
}
