'use client';
import { phaseOf, type Queue, type WireInteraction } from '@helpline/core';
import { type ReactNode, useId, useMemo } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { useCustomer } from '../hooks/useCustomer';
import { useQueues } from '../hooks/useQueues';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { ChannelBadge } from './ChannelBadge';
import { Avatar, cx, stateLabel } from './shared';

/** One contact of a customer, with what its disposition means. */
export interface CustomerContact {
  readonly interaction: WireInteraction;
  /** Not ended yet. */
  readonly open: boolean;
  /** Whether its disposition means "resolved" (from the queue's dispositions); `undefined` when unknown. */
  readonly resolved: boolean | undefined;
  /** The disposition's label, if the queue defines it. */
  readonly dispositionLabel: string | undefined;
}

/** Resolves each interaction's disposition against its queue; newest first, one entry per id. */
export function customerContacts(
  interactions: readonly WireInteraction[],
  queues: readonly Queue[],
): CustomerContact[] {
  const byId = new Map(interactions.map((interaction) => [interaction.id, interaction]));
  return [...byId.values()]
    .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)
    .map((interaction) => {
      const disposition = queues
        .find((q) => q.id === interaction.queueId)
        ?.dispositions.find((d) => d.id === interaction.disposition);
      return {
        interaction,
        open: phaseOf(interaction.channel, interaction.state) !== 'final',
        resolved: disposition?.resolved,
        dispositionLabel: disposition?.label ?? interaction.disposition,
      };
    });
}

/** Props of {@link CustomerCard}. */
export interface CustomerCardProps {
  readonly customerId: string | undefined;
  /** Earlier interactions the host app loaded itself (for example from its CRM); the session's copies win. */
  readonly history?: readonly WireInteraction[] | undefined;
  readonly className?: string | undefined;
}

/**
 * The screen pop: who the customer is (identity, whether the host site verified them, the host site's
 * attributes as text) and their history across channels — open or resolved, with dispositions and the customer's
 * survey answers (rating, NPS).
 *
 * @example
 * ```tsx
 * <CustomerCard customerId={interaction.customer.id} history={crmHistory} />
 * ```
 */
export function CustomerCard({ customerId, history = [], className }: CustomerCardProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const known = useCustomer(customerId);
  const queues = useQueues();
  const { topics } = useHelpline();
  const contacts = useMemo(
    () =>
      customerContacts([...history.filter((i) => i.customer.id === customerId), ...known.history], queues),
    [history, known.history, queues, customerId],
  );
  const queueNames = useMemo(() => new Map(queues.map((queue) => [queue.id, queue.name])), [queues]);
  const customer = known.customer ?? contacts[0]?.interaction.customer;
  const fields: [MessageKey, string | undefined][] = [
    ['customerEmail', customer?.email],
    ['customerPhone', customer?.phone],
    ['customerLanguage', customer?.language],
    ['customerTimeZone', customer?.timeZone],
  ];
  const attributes = Object.entries(customer?.attributes ?? {});

  return (
    <section className={cx('helpline-customer', className)} aria-labelledby={`${id}-title`}>
      <div className="helpline-customer__header">
        <Avatar name={customer?.name || t('customerAnonymous')} />
        <h2 className="helpline-customer__title" id={`${id}-title`}>
          {customer?.name || t('customerAnonymous')}
        </h2>
      </div>
      {customer && (
        <p className="helpline-customer__identity" data-identified={customer.identified}>
          {t(customer.identified ? 'customerVerified' : 'customerUnverified')}
        </p>
      )}
      <dl className="helpline-customer__fields">
        {fields.map(([label, value]) =>
          value ? (
            <div key={label} className="helpline-customer__field">
              <dt>{t(label)}</dt>
              <dd>{value}</dd>
            </div>
          ) : null,
        )}
      </dl>
      {attributes.length > 0 && (
        <>
          <h3 className="helpline-customer__subtitle">{t('customerAttributes')}</h3>
          <dl className="helpline-customer__fields">
            {attributes.map(([key, value]) => (
              <div key={key} className="helpline-customer__field">
                <dt>{key}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      <h3 className="helpline-customer__subtitle">{t('customerHistory')}</h3>
      {contacts.length === 0 ? (
        <p className="helpline-empty">{t('customerHistoryEmpty')}</p>
      ) : (
        <ol className="helpline-customer__history">
          {contacts.map(({ interaction, open, resolved, dispositionLabel }) => (
            <li
              key={interaction.id}
              className="helpline-contact"
              data-status={open ? 'open' : resolved ? 'resolved' : 'unresolved'}
            >
              <ChannelBadge className="helpline-contact__channel" channel={interaction.channel} />{' '}
              <time dateTime={new Date(interaction.timestamps.createdAt).toISOString()}>
                {i18n.dateTime(interaction.timestamps.createdAt)}
              </time>
              {/* The queue's configured name: the topic on the wire is the site's id for it, not words. */}
              {queueNames.get(interaction.queueId) && (
                <span className="helpline-contact__queue"> · {queueNames.get(interaction.queueId)}</span>
              )}
              {interaction.topic && topics?.[interaction.topic] && (
                <span className="helpline-contact__topic"> · {topics[interaction.topic]}</span>
              )}
              {dispositionLabel && (
                <span className="helpline-contact__disposition"> · {dispositionLabel}</span>
              )}
              <span className="helpline-contact__status">
                {' · '}
                {open
                  ? stateLabel(i18n, interaction.state)
                  : t(resolved ? 'contactResolved' : 'contactUnresolved')}
              </span>
              {interaction.csat && (
                <span className="helpline-contact__rating">
                  {' · '}
                  {t('contactRated', { score: interaction.csat.score })}
                  {interaction.csat.nps !== undefined &&
                    ` · ${t('contactNps', { score: interaction.csat.nps })}`}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
