'use client';
import type { AgentOffer } from '@helpline/core';
import { useMemo } from 'react';
import { useClient } from '../context/HelplineContext';
import { type ButtonProps, buttonProps } from './buttonProps';
import { type ActionState, useAction } from './useAction';
import { useStore } from './useStore';

/** Offers waiting for the agent, oldest deadline first, with accept/reject and their props getters. */
export interface OffersView extends Omit<ActionState, 'run'> {
  readonly offers: readonly AgentOffer[];
  /**
   * Props for an accept button: disabled while an answer is on its way. A failure (the offer expired, someone
   * else took it) lands in `error`.
   */
  getAcceptProps(cid: string, props?: ButtonProps): ButtonProps;
  getRejectProps(cid: string, props?: ButtonProps): ButtonProps;
}

/**
 * The offers the router made to the agent (each with `expiresAt`), and the actions to answer them.
 *
 * @example
 * ```tsx
 * const { offers, getAcceptProps } = useOffers();
 * offers.map((o) => <button key={o.interaction.id} {...getAcceptProps(o.interaction.id)}>Accept</button>);
 * ```
 */
export function useOffers(): OffersView {
  const agent = useClient('agent');
  const map = useStore(agent.$offers);
  const { run, ...state } = useAction();
  const answer = (action: 'accept' | 'reject') => (cid: string, props?: ButtonProps) =>
    buttonProps(() => run(() => agent[action](cid)), { disabled: state.pending }, props);
  return {
    ...state,
    offers: useMemo(() => Object.values(map).sort((a, b) => a.expiresAt - b.expiresAt), [map]),
    getAcceptProps: answer('accept'),
    getRejectProps: answer('reject'),
  };
}
