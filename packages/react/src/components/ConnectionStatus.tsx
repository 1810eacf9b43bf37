'use client';
import type { ConnectionState } from '@helpline/core';
import type { ReactNode } from 'react';
import { useAgent } from '../hooks/useAgent';
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

/**
 * The agent session's connection as a short status line (`role="status"`): online, reconnecting, offline.
 *
 * @example
 * ```tsx
 * <ConnectionStatus />
 * ```
 */
export function ConnectionStatus(): ReactNode {
  const { t } = useTranslator();
  const { connection } = useAgent();
  return (
    <p className="helpline-connection" role="status" data-connection={connection}>
      {t(TEXT[connection])}
    </p>
  );
}
