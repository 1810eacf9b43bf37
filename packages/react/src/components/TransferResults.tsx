'use client';
import type { ReactNode } from 'react';
import { useClient } from '../context/HelplineContext';
import { useStore } from '../hooks/useStore';
import { useTranslator } from '../i18n/translator';
import { cx } from './shared';

/** Props of {@link TransferResults}. */
export interface TransferResultsProps {
  /** Names of colleagues by agent id (default: the id). */
  readonly agentNames?: Readonly<Record<string, string>> | undefined;
  readonly className?: string | undefined;
}

/**
 * What became of the agent's transfers to a named colleague — taken, declined or not answered (then the work is back
 * in its queue) — in a polite live region, each with a button to dismiss it.
 *
 * @example
 * ```tsx
 * <TransferResults agentNames={{ bob: 'Bob' }} />
 * ```
 */
export function TransferResults({ agentNames = {}, className }: TransferResultsProps): ReactNode {
  const { t } = useTranslator();
  const agent = useClient('agent');
  const results = Object.entries(useStore(agent.$transferResults)).filter(
    ([, result]) => result !== undefined,
  );
  return (
    <div className={cx('helpline-transfer-results', className)} role="status" aria-live="polite">
      {results.map(([cid, { toAgentId, outcome }]) => {
        const name = agentNames[toAgentId] ?? toAgentId;
        const text =
          outcome === 'accepted'
            ? t('transferAccepted', { agent: name })
            : outcome === 'declined'
              ? t('transferDeclined', { agent: name })
              : t('transferMissed', { agent: name });
        return (
          <p key={cid} className={cx('helpline-transfer-result', `helpline-transfer-result--${outcome}`)}>
            <span>{text}</span>{' '}
            <button type="button" onClick={() => agent.dismissTransferResult(cid)}>
              {t('transferDismiss')}
            </button>
          </p>
        );
      })}
    </div>
  );
}
