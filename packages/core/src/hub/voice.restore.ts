import { phaseOf } from '../interaction/phase';
import type { CallSide } from '../voice/voice.machine';
import type { CallRecord } from '../voice/voice.wire';
import type { Intent } from './lifecycles';
import { type CallStep, callMayGoOn, subjectOf, type VoiceInteraction } from './voice.calls';

/** What restoring calls after a restart needs from the hub. */
export interface CallRestoreDeps {
  /** Runs `task` after every earlier task of the conversation. */
  readonly serialized: <T>(cid: string, task: () => Promise<T>) => Promise<T>;
  /** True when the interaction already has a call in this process. */
  readonly hasCall: (cid: string) => boolean;
  /** A new call of the interaction (see `CallBook.draft`). */
  readonly draft: (current: VoiceInteraction, startedBy: CallSide) => CallStep;
  /** Stores call steps with the interaction's step `intent` as one unit, then makes them current. */
  readonly commit: (
    cid: string,
    step: { readonly calls: readonly CallStep[]; readonly intent?: Intent },
  ) => Promise<void>;
  /** Watches the parties of the subject's calls: a call with none of them connected ends after a while. */
  readonly watchParties: (subjectId: string) => void;
  /** Holds a stored call again as the interaction's current call (its parties told, its watchdogs armed). */
  readonly takeBack: (current: VoiceInteraction, call: CallRecord) => void;
}

/**
 * Creates what happens to the calls of restored interactions. A browser call being talked on (consulting included) is
 * stored with its interaction
 * (`StoredInteraction.call`) and goes on: its media runs between the browsers, and its parties attach again when
 * their sockets come back (if neither does, it ends like any call whose parties are gone). Other calls do
 * not survive a restart: a voice interaction still waiting in its queue, or still offered to its agent (an offer
 * outlives a restart), rings again with a new call, which the caller's page takes back (unless the caller stays
 * away) and the agent answers by accepting; one whose call was lost while being talked on (a phone network's call
 * whose gateway does not store its legs) ends as failed (the agent wraps up). A call that was consulting goes on
 * with its consult leg (see `VoiceConsults.takeBack`). Other channels' lost calls were only escalations: their
 * interactions go on without them.
 *
 * @example
 * ```ts
 * const restored = createCallRestore({ serialized, hasCall, draft, commit, watchParties, takeBack });
 * for (const { current, call } of restoredInteractions) await restored(current, call);
 * ```
 */
export function createCallRestore(
  deps: CallRestoreDeps,
): (current: VoiceInteraction, call?: CallRecord) => Promise<void> {
  return async (current, call) => {
    const { interaction } = current;
    const state = current.snapshot.value;
    if (deps.hasCall(interaction.id)) return;
    if (call && callMayGoOn(interaction.channel, state)) {
      await deps.serialized(interaction.id, async () => {
        deps.takeBack(current, call);
        for (const side of ['visitor', 'agent'] as const) {
          const party = subjectOf(interaction, side);
          if (party) deps.watchParties(party);
        }
      });
      return;
    }
    if (interaction.channel !== 'voice') return;
    await deps.serialized(interaction.id, async () => {
      const phase = phaseOf('voice', state);
      if (phase === 'waiting' || phase === 'offered') {
        await deps.commit(interaction.id, { calls: [deps.draft(current, 'visitor')] });
        // A caller who does not come back leaves no call ringing in the queue for ever.
        deps.watchParties(interaction.customer.id);
      } else if (callMayGoOn('voice', state)) {
        await deps.commit(interaction.id, { calls: [], intent: { kind: 'fail' } });
      }
    });
  };
}
