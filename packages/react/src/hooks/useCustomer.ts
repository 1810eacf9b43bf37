'use client';
import type { Customer, WireInteraction } from '@helpline/core';
import { useMemo } from 'react';
import { useClient } from '../context/HelplineContext';
import { useStore } from './useStore';

/** A customer and their interactions known to this session, across channels, newest first. */
export interface CustomerView {
  readonly customer: Customer | undefined;
  readonly history: readonly WireInteraction[];
}

/**
 * A customer (identity, host-site attributes) and every interaction with them this session knows — offered,
 * handled or finished, on any channel, under any identity merged into their customer record — newest first.
 *
 * @example
 * ```tsx
 * const { customer, history } = useCustomer(interaction.customer.id);
 * ```
 */
export function useCustomer(id: string | undefined): CustomerView {
  const agent = useClient('agent');
  const conversations = useStore(agent.$conversations);
  const histories = useStore(agent.$customerHistories);
  return useMemo(() => {
    // The session records every interaction it hears of (offered, handled, ended) in its conversation, and which of
    // them belong to the contact's customer (other channels and identities merged into it: docs/customers.md).
    const merged = new Set(id === undefined ? [] : (histories[id] ?? []));
    const history = Object.values(conversations)
      .flatMap(({ interaction: i }) => (i && (i.customer.id === id || merged.has(i.id)) ? [i] : []))
      .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt);
    return { customer: history.find((i) => i.customer.id === id)?.customer, history };
  }, [id, conversations, histories]);
}
