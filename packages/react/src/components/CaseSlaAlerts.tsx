'use client';
import type { Notice } from '@helpline/core';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { useClient } from '../context/HelplineContext';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { cx } from './shared';

/** An SLA warning or breach of a case, as the server sends it to the case's assignee. */
export type CaseSlaNotice = Extract<Notice, { type: 'case.sla' }>;

const TARGET_KEYS: Readonly<Record<CaseSlaNotice['target'], MessageKey>> = {
  'first-response': 'caseSlaFirstResponse',
  resolution: 'caseSlaResolution',
};

const KIND_KEYS: Readonly<Record<CaseSlaNotice['kind'], MessageKey>> = {
  'at-risk': 'caseSlaAtRisk',
  breached: 'caseSlaBreached',
};

/**
 * The SLA warnings of the agent's cases as the server sends them (`case.sla` notices, docs/cases.md): one line per
 * case and target — "“Refund” — First response: overdue (due 14:00)" — in a polite live region, the latest notice of
 * each replacing the one before, each with a Dismiss button. Renders nothing until a warning arrives.
 *
 * @example
 * ```tsx
 * <CaseSlaAlerts />
 * ```
 */
export function CaseSlaAlerts({ className }: { readonly className?: string | undefined }): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const [alerts, setAlerts] = useState<readonly CaseSlaNotice[]>([]);
  useEffect(
    () =>
      agent.connection.onNotice((notice) => {
        if (notice.type !== 'case.sla') return;
        setAlerts((list) => [
          notice,
          ...list.filter((a) => a.case.id !== notice.case.id || a.target !== notice.target),
        ]);
      }),
    [agent],
  );
  const dismiss = (alert: CaseSlaNotice) => setAlerts((list) => list.filter((a) => a !== alert));
  return (
    <section
      className={cx('helpline-case-sla', className)}
      aria-labelledby={`${id}-title`}
      hidden={alerts.length === 0}
    >
      <h2 id={`${id}-title`}>{t('caseSlaAlertsTitle')}</h2>
      <ul aria-live="polite">
        {alerts.map((alert) => (
          <li key={`${alert.case.id}:${alert.target}`} data-sla={alert.kind}>
            <span>
              {t('caseSlaAlert', {
                subject: alert.case.subject,
                target: t(TARGET_KEYS[alert.target]),
                standing: t(KIND_KEYS[alert.kind]),
                time: i18n.dateTime(alert.dueAt),
              })}
            </span>
            <button
              type="button"
              className="helpline-button"
              aria-label={t('caseSlaDismiss', { subject: alert.case.subject })}
              onClick={() => dismiss(alert)}
            >
              {t('attachDismiss')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
