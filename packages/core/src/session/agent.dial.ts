import { atom, type ReadableAtom } from 'nanostores';
import type { Connection } from '../connection/connection';
import { uuidv7 } from '../ids/ids';
import { isHelplineError } from '../protocol/errors';
import { HelplineError } from '../protocol/errors.base';
import type { WireInteraction } from '../protocol/protocol.types';

/** Options of an agent session's `dial(number, options)`. */
export interface DialCallOptions {
  /** The queue the call is made for (its caller ID, calling hours, dispositions); default: the agent's first queue. */
  readonly queueId?: string | undefined;
  /** The customer's IANA time zone, when it is not the one the number's country implies (calling hours). */
  readonly timeZone?: string | undefined;
}

/** A call the server placed. */
export interface DialResult {
  /** The outbound voice interaction. */
  readonly cid: string;
  /** The number dialled, in E.164. */
  readonly number: string;
  /** True when no phone network carries the call (a server without Vonage): a UI must say so. */
  readonly simulated: boolean;
}

/**
 * The agent's latest dial, for a click-to-dial UI: `placing` while the server checks the number, `placed` (with the
 * interaction), or `refused` with the server's typed error (`dial/do-not-call`, `dial/outside-hours`, …).
 */
export type DialView =
  | { readonly status: 'placing'; readonly number: string }
  | ({ readonly status: 'placed' } & DialResult)
  | { readonly status: 'refused'; readonly number: string; readonly error: HelplineError };

/** Click-to-dial of an agent session. */
export interface AgentDial {
  readonly $dial: ReadableAtom<DialView | undefined>;
  dial(number: string, options?: DialCallOptions): Promise<DialResult>;
}

/** What dialling needs from the agent session. */
export interface AgentDialDeps {
  readonly connection: Connection;
  readonly now: () => number;
  /** The new interaction joins the agent's interactions (and its conversation is loaded). */
  readonly placed: (interaction: WireInteraction) => void;
}

/**
 * Creates the click-to-dial part of an agent session.
 *
 * @example
 * ```ts
 * const dialer = createAgentDial({ connection, now: Date.now, placed: (interaction) => show(interaction) });
 * await dialer.dial('+44 20 7946 0958');
 * ```
 */
export function createAgentDial(deps: AgentDialDeps): AgentDial {
  const $dial = atom<DialView | undefined>(undefined);
  return {
    $dial,
    async dial(number, options = {}) {
      $dial.set({ status: 'placing', number });
      try {
        const result = await deps.connection.command('voice.dial', {
          // The same request after a lost ack gets the same call, never a second one.
          requestId: uuidv7(deps.now()),
          number,
          ...(options.queueId ? { queueId: options.queueId } : {}),
          ...(options.timeZone ? { timeZone: options.timeZone } : {}),
        });
        deps.placed(result.interaction);
        const placed: DialResult = { cid: result.cid, number: result.number, simulated: result.simulated };
        $dial.set({ status: 'placed', ...placed });
        return placed;
      } catch (error) {
        const typed = isHelplineError(error)
          ? error
          : new HelplineError('internal', `Something went wrong on our side (${String(error)}).`);
        $dial.set({ status: 'refused', number, error: typed });
        throw typed;
      }
    },
  };
}
