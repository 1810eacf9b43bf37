import {
  type Deadline,
  type MachineDefinition,
  type MachineEvent,
  pendingDeadline,
  type Snapshot,
} from '../machine';
import { callbackMachine } from './callback.machine';
import { chatMachine } from './chat.machine';
import { type Channel, isMessagingChannel } from './interaction.types';
import type { DeadlineKind } from './lifecycle';
import { messagingMachine } from './messaging.machine';

/** Every kind of deadline an interaction's state may declare. */
export const DEADLINE_KINDS: readonly DeadlineKind[] = [
  'offer-timeout',
  'callback-due',
  'wrap-up-end',
  'snooze-wake',
];

/** The deadline an interaction waits for: what runs out, when (epoch ms), and its machine's event then. */
export type InteractionDeadline = Deadline<MachineEvent, DeadlineKind>;

/**
 * The deadline an interaction of `channel` waits for in `snapshot`, as its machine's table declares it for the state
 * (voice and offline messages follow the chat machine, callbacks and the messaging channels their own), or `undefined`. Pure: storage can keep
 * `at` and `kind` beside the snapshot, and whoever runs timers arms it when the state is entered.
 *
 * @example
 * ```ts
 * deadlineOf('callback', callback); // { kind: 'callback-due', at: slot.start, event } while scheduled
 * ```
 */
export function deadlineOf(
  channel: Channel,
  snapshot: Snapshot<string, unknown>,
): InteractionDeadline | undefined {
  // The snapshot is the machine's own (its context is what the declarations read); only its type is forgotten here.
  const machine = machineOf(channel) as unknown as MachineDefinition<
    string,
    MachineEvent,
    unknown,
    DeadlineKind
  >;
  // A state no machine knows (a newer server's) waits for nothing here.
  if (!Object.hasOwn(machine.states, snapshot.value)) return undefined;
  return pendingDeadline(machine, snapshot);
}

/** The lifecycle table an interaction of `channel` follows. */
function machineOf(channel: Channel) {
  if (channel === 'callback') return callbackMachine;
  return isMessagingChannel(channel) ? messagingMachine : chatMachine;
}
