'use client';
import { type KnownCustomerHistory, knownCustomerHistory } from '@helpline/core';
import { useMemo } from 'react';
import { useClient } from '../context/HelplineContext';
import { useStore } from './useStore';

/** A customer and their interactions known to this session, across channels, newest first. */
export type CustomerView = KnownCustomerHistory;

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
  return useMemo(() => knownCustomerHistory(conversations, histories, id), [id, conversations, histories]);
}
