'use client';
import type { AwayReason, PresenceStatus } from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { useAction } from '../hooks/useAction';
import { usePresence } from '../hooks/usePresence';
import { useTranslator } from '../i18n/translator';
import { cx, ErrorText, reasonLabel } from './shared';

/** The standard away reasons offered by {@link PresenceSelector}. */
export const DEFAULT_AWAY_REASONS: readonly AwayReason[] = ['break', 'lunch', 'meeting', 'training'];

/** Props of {@link PresenceSelector}. */
export interface PresenceSelectorProps {
  /** Away reason codes to offer; a site's own codes are shown as they are (override their text in `messages`). */
  readonly reasons?: readonly AwayReason[] | undefined;
  readonly className?: string | undefined;
}

/**
 * The agent's status picker: available, away with a reason code, or offline — and, as a separate fact beside it,
 * how many interactions the agent holds. Going offline while holding interactions is refused with a clear error
 * and changes nothing; going away keeps them.
 *
 * @example
 * ```tsx
 * <PresenceSelector reasons={['break', 'lunch', 'coaching']} />
 * ```
 */
export function PresenceSelector({
  reasons = DEFAULT_AWAY_REASONS,
  className,
}: PresenceSelectorProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const presence = usePresence();
  const action = useAction();
  const id = useId();
  const open = Object.values(presence.load).reduce((sum, count) => sum + count, 0);
  const value = presence.status === 'away' ? `away:${presence.reason ?? ''}` : presence.status;
  const offered =
    presence.reason && !reasons.includes(presence.reason) ? [...reasons, presence.reason] : reasons;

  const choose = (choice: string) => {
    const [status, ...reason] = choice.split(':') as [PresenceStatus, ...string[]];
    void action.run(() => presence.setPresence(status, reason.join(':') || undefined));
  };

  return (
    <div className={cx('helpline-presence', className)} data-presence={presence.status}>
      <label className="helpline-presence__label" htmlFor={id}>
        {t('presenceLabel')}
      </label>
      <span className="helpline-presence__dot" aria-hidden="true" />
      <select
        id={id}
        className="helpline-select"
        value={value}
        disabled={action.pending}
        aria-describedby={action.error === undefined ? undefined : `${id}-error`}
        onChange={(event) => choose(event.currentTarget.value)}
      >
        <option value="available">{t('presenceAvailable')}</option>
        <optgroup label={t('presenceAway')}>
          {offered.map((reason) => (
            <option key={reason} value={`away:${reason}`}>
              {t('presenceAwayReason', { reason: reasonLabel(i18n, reason) })}
            </option>
          ))}
        </optgroup>
        <option value="offline">{t('presenceOffline')}</option>
      </select>
      {/* The second fact beside presence: how much work the agent holds (busy is derived from it, never a status). */}
      {presence.isOnline && (
        <p className="helpline-presence__work" data-busy={presence.isBusy}>
          {open > 0 ? t('presenceWork', { count: i18n.number(open) }) : t('presenceNoWork')}
        </p>
      )}
      {presence.isForced && <p className="helpline-presence__note">{t('presenceForced')}</p>}
      <p className="helpline-presence__note" role="status">
        {presence.isAway && presence.isBusy ? t('presenceKeepsWork') : ''}
      </p>
      <ErrorText error={action.error} i18n={i18n} id={`${id}-error`} />
    </div>
  );
}
