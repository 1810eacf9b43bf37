import type { Customer } from '../interaction/interaction.types';
import type { WireInteraction } from '../protocol/protocol.types';
import type { ConversationView } from './interactions.fold';

/** A contact's customer and every interaction with them this session knows, across channels, newest first. */
export interface KnownCustomerHistory {
  /** The contact as the latest of their own interactions names them; `undefined` while none is known. */
  readonly customer: Customer | undefined;
  readonly history: readonly WireInteraction[];
}

/**
 * The interactions with contact `id` among an agent session's conversations: their own, and those the session's
 * last `AgentSession.customerHistory` load attributed to their customer record (other channels and identities
 * merged into it: docs/customers.md), newest first. Pure, so the React hook stays a thin subscription.
 *
 * @param conversations - `AgentSession.$conversations`' value.
 * @param histories - `AgentSession.$customerHistories`' value.
 */
export function knownCustomerHistory(
  conversations: Readonly<Record<string, ConversationView>>,
  histories: Readonly<Record<string, readonly string[]>>,
  id: string | undefined,
): KnownCustomerHistory {
  const merged = new Set(id === undefined ? [] : (histories[id] ?? []));
  const history = Object.values(conversations)
    .flatMap(({ interaction: i }) => (i && (i.customer.id === id || merged.has(i.id)) ? [i] : []))
    .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt);
  return { customer: history.find((i) => i.customer.id === id)?.customer, history };
}
