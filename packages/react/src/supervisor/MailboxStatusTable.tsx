'use client';
import type { ReactNode } from 'react';
import { cx } from '../components/shared';
import { useBoard } from '../hooks/useSupervisor';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import type { BoardMailbox } from './supervisor.types';

const STATE_LABELS: Readonly<Record<BoardMailbox['state'], MessageKey>> = {
  connected: 'mailboxConnected',
  connecting: 'mailboxConnecting',
  retrying: 'mailboxRetrying',
  stopped: 'mailboxStopped',
};

const PROBLEM_LABELS: Readonly<Record<NonNullable<BoardMailbox['problem']>, MessageKey>> = {
  authentication: 'mailboxProblemAuthentication',
  unreachable: 'mailboxProblemUnreachable',
  protocol: 'mailboxProblemProtocol',
  intake: 'mailboxProblemIntake',
};

/**
 * The mailboxes the server reads over IMAP: connected, connecting, reconnecting (why it failed — authentication,
 * server unreachable… — with the failed attempts in a row and when the next one starts) or stopped, and when each
 * last finished reading its new mail. Each row carries `data-state` for styling. Shown from the supervisor
 * snapshot's `mailboxes`, which the server announces again on every change; mail that arrives while a mailbox fails
 * waits on the mail server and is read once it recovers.
 *
 * @example
 * ```tsx
 * <MailboxStatusTable />
 * ```
 */
export function MailboxStatusTable({ className }: { readonly className?: string }): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { mailboxes = [] } = useBoard();
  return (
    <table className={cx('helpline-table', 'helpline-mailboxes', className)}>
      <caption>{t('mailboxesTitle')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('mailboxAddress')}</th>
          <th scope="col">{t('mailboxState')}</th>
          <th scope="col">{t('mailboxProblem')}</th>
          <th scope="col">{t('mailboxAttempts')}</th>
          <th scope="col">{t('mailboxNextRetry')}</th>
          <th scope="col">{t('mailboxLastSync')}</th>
        </tr>
      </thead>
      <tbody>
        {mailboxes.map((mailbox) => (
          <tr key={mailbox.mailbox} data-state={mailbox.state}>
            <th scope="row">{mailbox.address}</th>
            <td>{t(STATE_LABELS[mailbox.state])}</td>
            <td>{mailbox.problem === undefined ? t('none') : t(PROBLEM_LABELS[mailbox.problem])}</td>
            <td>{i18n.number(mailbox.failures)}</td>
            <td>
              {mailbox.state === 'retrying' && mailbox.retryAt !== undefined
                ? i18n.time(mailbox.retryAt)
                : t('none')}
            </td>
            <td>
              {mailbox.lastSyncAt === undefined ? t('mailboxNever') : i18n.dateTime(mailbox.lastSyncAt)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
