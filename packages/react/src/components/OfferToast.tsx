'use client';
import type { AgentOffer } from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { useNow } from '../hooks/useNow';
import { useOffers } from '../hooks/useOffers';
import { useQueues } from '../hooks/useQueues';
import { useTranslator } from '../i18n/translator';
import { KeyHint, useShortcutProps } from './KeyboardShortcuts';
import { channelLabel, customerName, cx, ErrorText } from './shared';

/** Props of {@link OfferToast}. */
export interface OfferToastProps {
  readonly offer: AgentOffer;
  /** This offer is the one the accept shortcut takes (the oldest). */
  readonly shortcut?: boolean;
  readonly className?: string;
}

/**
 * One offer: who and what, a live countdown to `expiresAt`, and accept / decline buttons. A failed answer
 * (the offer expired, someone else took it) shows as an error on the toast.
 *
 * @example
 * ```tsx
 * {offers.map((offer) => <OfferToast key={offer.interaction.id} offer={offer} />)}
 * ```
 */
export function OfferToast({ offer, shortcut = false, className }: OfferToastProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { getAcceptProps, getRejectProps, error } = useOffers();
  const now = useNow();
  const shortcutProps = useShortcutProps('accept');
  const id = useId();
  const { interaction, expiresAt } = offer;
  const queue = useQueues().find((q) => q.id === interaction.queueId);
  const seconds = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  const expired = seconds === 0;
  return (
    <section
      className={cx('helpline-offer', className)}
      aria-labelledby={`${id}-title`}
      data-channel={interaction.channel}
      data-urgent={seconds <= 5 || undefined}
    >
      <h3 className="helpline-offer__title" id={`${id}-title`}>
        {t('offerTitle', {
          channel: channelLabel(i18n, interaction.channel),
          name: customerName(i18n, interaction),
        })}
      </h3>
      <p className="helpline-offer__details">
        {t('offerQueue', { queue: queue?.name ?? interaction.queueId })}
        {interaction.topic && (
          <>
            {' · '}
            {t('offerTopic', { topic: interaction.topic })}
          </>
        )}
      </p>
      <p className="helpline-offer__countdown">
        {expired ? t('offerExpired') : t('offerExpiresIn', { seconds })}
      </p>
      <div className="helpline-actions">
        <button
          {...getAcceptProps(interaction.id, {
            className: 'helpline-button helpline-button--primary',
            ...(shortcut ? shortcutProps : {}),
            ...(expired ? { disabled: true } : {}),
          })}
        >
          {t('accept')} {shortcut && <KeyHint action="accept" />}
        </button>
        <button
          {...getRejectProps(interaction.id, {
            className: 'helpline-button',
            ...(expired ? { disabled: true } : {}),
          })}
        >
          {t('reject')}
        </button>
      </div>
      <ErrorText error={error} i18n={i18n} />
    </section>
  );
}

/**
 * Every offer waiting for the agent, oldest deadline first, in a live region that announces new ones.
 *
 * @example
 * ```tsx
 * <OfferToasts />
 * ```
 */
export function OfferToasts({ className }: { readonly className?: string }): ReactNode {
  const { t } = useTranslator();
  const { offers } = useOffers();
  return (
    <section
      className={cx('helpline-offers', className)}
      aria-label={t('offersLabel')}
      aria-live="assertive"
      aria-relevant="additions"
    >
      {offers.map((offer, index) => (
        <OfferToast key={offer.interaction.id} offer={offer} shortcut={index === 0} />
      ))}
    </section>
  );
}
