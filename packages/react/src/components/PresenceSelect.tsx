'use client';
import type { AwayReason, PresenceStatus } from '@helpline/core';
import type { ReactNode } from 'react';
import { useTranslator } from '../i18n/translator';
import { reasonLabel } from './shared';

/** Props of {@link PresenceSelect}. */
export interface PresenceSelectProps {
  readonly id: string;
  readonly status: PresenceStatus;
  /** The away reason now in force; offered even when `reasons` lacks it. */
  readonly reason?: AwayReason | undefined;
  /** The away reasons to offer. */
  readonly reasons: readonly AwayReason[];
  readonly disabled?: boolean | undefined;
  /** The id of the element that explains the choice (its error). */
  readonly describedBy?: string | undefined;
  readonly onChange: (status: PresenceStatus, reason: AwayReason | undefined) => void;
}

/**
 * A presence `<select>`: available, away with each reason, offline. The agent's own picker
 * (`PresenceSelector`) and the supervisor's agents board (to force an agent's presence) both show it.
 */
export function PresenceSelect({
  id,
  status,
  reason,
  reasons,
  disabled,
  describedBy,
  onChange,
}: PresenceSelectProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const offered = reason && !reasons.includes(reason) ? [...reasons, reason] : reasons;
  return (
    <select
      id={id}
      className="helpline-select"
      value={status === 'away' ? `away:${reason ?? ''}` : status}
      disabled={disabled}
      aria-describedby={describedBy}
      onChange={(event) => {
        const [chosen, ...away] = event.currentTarget.value.split(':') as [PresenceStatus, ...string[]];
        onChange(chosen, away.join(':') || undefined);
      }}
    >
      <option value="available">{t('presenceAvailable')}</option>
      <optgroup label={t('presenceAway')}>
        {offered.map((offer) => (
          <option key={offer} value={`away:${offer}`}>
            {t('presenceAwayReason', { reason: reasonLabel(i18n, offer) })}
          </option>
        ))}
      </optgroup>
      <option value="offline">{t('presenceOffline')}</option>
    </select>
  );
}
