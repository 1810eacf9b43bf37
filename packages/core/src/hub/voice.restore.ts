import { phaseOf } from '../interaction/phase';
import type { CallSide } from '../voice/voice.machine';
import type { Intent } from './lifecycles';
import { type CallStep, callMayGoOn, type VoiceInteraction } from './voice.calls';

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
}

/**
 * Creates what happens to the calls of restored interactions. A call does not survive a restart: its state and
 * timers lived in the process, its media in the browsers. A voice interaction still waiting in its queue, or still
 * offered to its agent (an offer outlives a restart), rings again with a new call, which the caller's page takes back
 * (unless the caller stays away: then it ends like any call whose parties are gone) and the agent answers by
 * accepting; one that was being talked on ends as failed (the agent wraps up). Other channels' calls were only
 * escalations: their interactions go on without them.
 *
 * @example
 * ```ts
 * const restored = createCallRestore({ serialized, hasCall, draft, commit, watchParties });
 * for (const current of restoredInteractions) await restored(current);
 * ```
 */
export function createCallRestore(deps: CallRestoreDeps): (current: VoiceInteraction) => Promise<void> {
  return async (current) => {
    const { interaction } = current;
    const state = current.snapshot.value;
    if (interaction.channel !== 'voice' || deps.hasCall(interaction.id)) return;
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
