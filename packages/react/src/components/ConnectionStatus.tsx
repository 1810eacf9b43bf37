'use client';
import type { ConnectionSnapshot, ConnectionState, ErrorCode } from '@helpline/core';
import type { ReactNode } from 'react';
import { useMaybeHelpline } from '../context/HelplineContext';
import { constantStore, type ReadableStore, useStore } from '../hooks/useStore';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';

const TEXT: Record<ConnectionState, MessageKey> = {
  idle: 'connectionConnecting',
  connecting: 'connectionConnecting',
  connected: 'connectionOnline',
  'caught-up': 'connectionOnline',
  reconnecting: 'connectionReconnecting',
  suspended: 'connectionOffline',
  closed: 'connectionClosed',
};

// Why the connection is down, in words an agent or supervisor can act on; the developer's details (URL, site,
// origin) go to the browser console, where the connection reports them once.
const REASON: Partial<Record<ErrorCode, MessageKey>> = {
  'auth/token-expired': 'connectionExpired',
  'auth/invalid-token': 'connectionSignInRefused',
  'auth/required': 'connectionSignInRefused',
  'site/unknown': 'connectionNotSetUp',
  'site/origin-not-allowed': 'connectionNotSetUp',
  'connection/wrong-path': 'connectionNotSetUp',
  'protocol/unsupported-version': 'connectionOutdated',
  'connection/unreachable': 'connectionUnreachable',
  'limit/rate': 'connectionBusy',
};

const noConnection = constantStore<ConnectionSnapshot | undefined>(undefined);

/** Props of {@link ConnectionStatus}. */
export interface ConnectionStatusProps {
  /** Whose connection to show. Default: the provider's agent session, else its supervisor session. */
  readonly session?: { readonly $connection: ReadableStore<ConnectionSnapshot> } | undefined;
}

/**
 * A session's connection as a short status line: online, reconnecting, offline — and, when the server refused
 * it or cannot be reached, why, in words a person can act on ("Your sign-in has expired — sign in again").
 * A refusal for good is an alert (`role="alert"`), everything else a polite status; focus never moves.
 *
 * @example
 * ```tsx
 * <ConnectionStatus />
 * ```
 */
export function ConnectionStatus({ session }: ConnectionStatusProps = {}): ReactNode {
  const { t } = useTranslator();
  const { agent, supervisor } = useMaybeHelpline() ?? {};
  const snapshot = useStore(
    session?.$connection ?? agent?.$connection ?? supervisor?.$connection ?? noConnection,
  );
  if (!snapshot) return null;
  const { value, context } = snapshot;
  const reason = context.error && REASON[context.error.code];
  const refused = value === 'closed' && context.closedBy === 'server';
  const seconds = Math.ceil((context.error?.retryAfterMs ?? 0) / 1000);
  const text = reason ? t(reason, { seconds }) : refused ? t('connectionRefused') : t(TEXT[value]);
  return (
    <p
      className="helpline-connection"
      role={refused ? 'alert' : 'status'}
      data-connection={value}
      {...(context.error ? { 'data-reason': context.error.code } : {})}
    >
      {text}
    </p>
  );
}
