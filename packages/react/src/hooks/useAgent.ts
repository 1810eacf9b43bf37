'use client';
import type { AgentSession, ConnectionState } from '@helpline/core';
import { useClient } from '../context/HelplineContext';
import { useStore } from './useStore';

/** The agent session with who the server says the agent is, and the connection state. */
export interface AgentView {
  /** The session: call its actions (`accept`, `sendMessage`, `wrapUp`…). */
  readonly session: AgentSession;
  /** The agent's id and name, once connected. */
  readonly me: { readonly id: string; readonly name: string } | undefined;
  /** `connecting`, `caught-up`, `reconnecting`…, for an offline banner. */
  readonly connection: ConnectionState;
}

/**
 * The agent session of the nearest provider, who the agent is and the connection state.
 * Throws when the provider has no `agent`.
 *
 * @example
 * ```tsx
 * const { me, connection } = useAgent();
 * ```
 */
export function useAgent(): AgentView {
  const session = useClient('agent');
  const me = useStore(session.connection.$subject);
  const connection = useStore(session.$connection).value;
  return { session, me, connection };
}
