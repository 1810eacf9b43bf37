'use client';
import { type AgentOffer, createBrowserOfferNotifier } from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { useNow } from '../hooks/useNow';
import { type OfferAlertSettings, useOfferAlert } from '../hooks/useOfferAlert';
import { useOffers } from '../hooks/useOffers';
import { useQueues } from '../hooks/useQueues';
import { useTranslator } from '../i18n/translator';
import { OfferOpenCases } from './CasePanel';
import { ChannelIcon } from './ChannelBadge';
import { KeyHint, useShortcutProps } from './KeyboardShortcuts';
import { channelLabel, customerName, cx, ErrorText } from './shared';

/** Props of {@link OfferToast}. */
export interface OfferToastProps {
  readonly offer: AgentOffer;
  /** This offer is the one the accept shortcut takes (the oldest). */
  readonly shortcut?: boolean | undefined;
  readonly className?: string | undefined;
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
  // A topic shows in words or not at all: its id is the site's name for it, not the customer's.
  const { topics } = useHelpline();
  const topic = interaction.topic ? topics?.[interaction.topic] : undefined;
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
        <ChannelIcon channel={interaction.channel} />
        {t('offerTitle', {
          channel: channelLabel(i18n, interaction.channel),
          name: customerName(i18n, interaction),
        })}
      </h3>
      <p className="helpline-offer__details">
        {t('offerQueue', { queue: queue?.name ?? interaction.queueId })}
        {topic && (
          <>
            {' · '}
            {t('offerTopic', { topic })}
          </>
        )}
      </p>
      <OfferOpenCases cid={interaction.id} />
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

/** Props of {@link OfferToasts}. */
export interface OfferToastsProps {
  /**
   * The ringtone and desktop notification for offers (one per browser: in the session's leader tab); `false` for
   * none, or settings (a ringer, which offers ring, a notifier). Default: a ringtone for every offer, except voice
   * offers when the provider has a voice controller (its call rings), and a desktop notification once the agent
   * allowed them.
   */
  readonly alert?: boolean | OfferAlertSettings | undefined;
  readonly className?: string | undefined;
}

/**
 * Every offer waiting for the agent, oldest deadline first, in a live region that announces new ones; every tab
 * of the console shows them. It also rings and notifies, once per browser (see `alert`), and offers a button to
 * turn the sound on where the browser blocked it.
 *
 * @example
 * ```tsx
 * <OfferToasts />
 * ```
 */
export function OfferToasts({ alert = true, className }: OfferToastsProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { offers } = useOffers();
  const { voice } = useHelpline();
  const queues = useQueues();
  const settings = typeof alert === 'object' ? alert : {};
  const sound = useOfferAlert(
    {
      rings: (offer) => !(voice && offer.interaction.channel === 'voice'),
      notify: createBrowserOfferNotifier({
        title: (offer) =>
          t('offerTitle', {
            channel: channelLabel(i18n, offer.interaction.channel),
            name: customerName(i18n, offer.interaction),
          }),
        body: (offer) => {
          const queueId = offer.interaction.queueId;
          return t('offerQueue', { queue: queues.find((q) => q.id === queueId)?.name ?? queueId });
        },
      }),
      ...settings,
    },
    alert !== false,
  );
  return (
    <section
      className={cx('helpline-offers', className)}
      aria-label={t('offersLabel')}
      aria-live="assertive"
      aria-relevant="additions"
    >
      {sound.soundBlocked && (
        <button type="button" className="helpline-button" onClick={() => void sound.unblock()}>
          {t('offerSoundBlocked')}
        </button>
      )}
      {offers.map((offer, index) => (
        <OfferToast key={offer.interaction.id} offer={offer} shortcut={index === 0} />
      ))}
    </section>
  );
}
