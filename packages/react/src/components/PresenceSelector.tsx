'use client';
import type { AwayReason } from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { useAction } from '../hooks/useAction';
import { usePresence } from '../hooks/usePresence';
import { useTranslator } from '../i18n/translator';
import { PresenceSelect } from './PresenceSelect';
import { cx, ErrorText } from './shared';

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

  return (
    <div className={cx('helpline-presence', className)} data-presence={presence.status}>
      <label className="helpline-presence__label" htmlFor={id}>
        {t('presenceLabel')}
      </label>
      <span className="helpline-presence__dot" aria-hidden="true" />
      <PresenceSelect
        id={id}
        status={presence.status}
        reason={presence.reason}
        reasons={reasons}
        disabled={action.pending}
        describedBy={action.error === undefined ? undefined : `${id}-error`}
        onChange={(status, reason) => void action.run(() => presence.setPresence(status, reason))}
      />
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
