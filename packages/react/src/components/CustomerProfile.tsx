'use client';
import type { CustomerIdentifier, CustomerRecord, CustomerView } from '@helpline/core';
import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useClient } from '../context/HelplineContext';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { CallRecordings } from './CallRecording';
import { ChannelBadge } from './ChannelBadge';
import { cx, stateLabel } from './shared';

const KIND_LABELS: Readonly<Record<CustomerIdentifier['kind'], MessageKey>> = {
  contact: 'identifierContact',
  web: 'identifierWeb',
  email: 'identifierEmail',
  phone: 'identifierPhone',
  whatsapp: 'identifierWhatsapp',
  messenger: 'identifierMessenger',
  sms: 'identifierSms',
};

/** A CRM link only when it is `https:`: anything else (`javascript:`, `data:`) is never a link. */
const safeUrl = (url: string | undefined) => (url && /^https:\/\//i.test(url) ? url : undefined);

/**
 * Identifiers of a record as text: what each is, its value, whether it is proven (the `contact` key is internal).
 * With `heading`, titled by it — nothing at all when there is nothing to show.
 */
function Identifiers({
  customer,
  heading,
}: {
  readonly customer: CustomerRecord;
  readonly heading?: string;
}): ReactNode {
  const { t } = useTranslator();
  const shown = customer.identifiers.filter((i) => i.kind !== 'contact');
  if (shown.length === 0) return null;
  return (
    <>
      {heading && <h3 className="helpline-customer__subtitle">{heading}</h3>}
      <ul className="helpline-customer__identifiers">
        {shown.map((identifier) => (
          <li key={identifier.id} data-verified={identifier.verified}>
            {t(KIND_LABELS[identifier.kind])}: {identifier.value} (
            {t(identifier.verified ? 'identifierVerified' : 'identifierUnverified')})
          </li>
        ))}
      </ul>
    </>
  );
}

/** Props of {@link CustomerProfile}: the customer of an interaction (`cid`), or a customer by id (`customerId`). */
export type CustomerProfileProps = (
  | {
      /** The interaction whose customer to show (the screen pop of an offer or a conversation). */
      readonly cid: string;
      readonly customerId?: undefined;
    }
  | {
      /** The customer to show by id (a search result). */
      readonly customerId: string;
      readonly cid?: undefined;
    }
) & {
  /** Moves focus to the record's name once it has loaded (the record opened from a search result). */
  readonly focusOnLoad?: boolean | undefined;
  readonly className?: string | undefined;
};

/**
 * The customer record of an interaction (docs/customers.md): the person's identifiers (which are verified), the host
 * CRM's link, the timeline of every interaction on every channel — a channel badge on each — and suggested merges the
 * agent accepts or dismisses. Reloads after each decision. Everything is rendered as text. Given `customerId` instead
 * of `cid`, the same record of that customer (`customer.get`).
 *
 * @example
 * ```tsx
 * <CustomerProfile cid={interaction.id} />
 * <CustomerProfile customerId={picked.id} focusOnLoad />
 * ```
 */
export function CustomerProfile({
  cid,
  customerId,
  focusOnLoad,
  className,
}: CustomerProfileProps): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const [view, setView] = useState<CustomerView | undefined>();
  const [failed, setFailed] = useState(false);
  const title = useRef<HTMLHeadingElement>(null);

  const load = useCallback(() => {
    (cid === undefined ? agent.getCustomer(customerId) : agent.customerOf(cid)).then(
      (loaded) => {
        setView(loaded);
        setFailed(false);
      },
      () => setFailed(true),
    );
  }, [agent, cid, customerId]);
  useEffect(load, [load]);
  const loaded = view !== undefined;
  useEffect(() => {
    if (loaded && focusOnLoad) title.current?.focus();
  }, [loaded, focusOnLoad]);

  const decide = (work: Promise<unknown>) => work.then(load, () => setFailed(true));

  if (!view)
    return (
      <section
        className={cx('helpline-customer', className)}
        aria-label={t('customerRecord')}
        aria-busy={!failed}
      >
        {failed ? (
          <p role="alert">{t('errorGeneric')}</p>
        ) : (
          <p className="helpline-empty">{t('customerRecordLoading')}</p>
        )}
      </section>
    );
  const { customer, interactions, suggestions } = view;
  const crmUrl = safeUrl(customer.crm?.url);
  const name = customer.displayName || t('customerAnonymous');
  return (
    // Labelled as the record, not by the name: next to the customer card (labelled by the name) each landmark stays unique.
    <section className={cx('helpline-customer', className)} aria-label={t('customerRecord')}>
      <h2 className="helpline-customer__title" ref={title} tabIndex={focusOnLoad ? -1 : undefined}>
        {name}
      </h2>
      {crmUrl && (
        <p>
          <a href={crmUrl} target="_blank" rel="noopener noreferrer nofollow">
            {t('customerCrmRecord')}
          </a>
        </p>
      )}
      {failed && <p role="alert">{t('errorGeneric')}</p>}
      <Identifiers customer={customer} heading={t('customerIdentifiers')} />
      {suggestions.length > 0 && (
        <>
          <h3 className="helpline-customer__subtitle">{t('customerSuggestions')}</h3>
          <ul className="helpline-customer__suggestions">
            {suggestions.map((suggestion) => (
              <li key={suggestion.id}>
                {t('customerSuggestionReason', { reason: suggestion.reason })}{' '}
                <button
                  type="button"
                  onClick={() =>
                    void decide(agent.mergeCustomers(customer.id, suggestion.otherId, suggestion.id))
                  }
                >
                  {t('customerMerge')}
                </button>{' '}
                <button
                  type="button"
                  onClick={() => void decide(agent.dismissCustomerSuggestion(suggestion.id))}
                >
                  {t('customerDismiss')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3 className="helpline-customer__subtitle">{t('customerTimeline')}</h3>
      {interactions.length === 0 ? (
        <p className="helpline-empty">{t('customerHistoryEmpty')}</p>
      ) : (
        <ol className="helpline-customer__history">
          {interactions.map((interaction) => (
            <li key={interaction.id} className="helpline-contact" data-channel={interaction.channel}>
              <ChannelBadge className="helpline-contact__channel" channel={interaction.channel} />{' '}
              <time dateTime={new Date(interaction.timestamps.createdAt).toISOString()}>
                {i18n.dateTime(interaction.timestamps.createdAt)}
              </time>
              <span className="helpline-contact__status"> · {stateLabel(i18n, interaction.state)}</span>
            </li>
          ))}
        </ol>
      )}
      {/* Played back by supervisors, and by the call's agents where the server allows it; hidden from the rest. */}
      <CallRecordings customerId={customer.id} hideWhenUnavailable />
    </section>
  );
}

/** Props of {@link CustomerSearch}. */
export interface CustomerSearchProps {
  /** Called with the customer the agent picks from the results. */
  readonly onSelect?: ((customer: CustomerRecord) => void) | undefined;
  readonly className?: string | undefined;
}

/**
 * A search box for customers by name, email or phone (any form of the number), for agents and supervisors; results
 * are announced politely and rendered as text.
 *
 * @example
 * ```tsx
 * <CustomerSearch onSelect={(customer) => setOpen(customer.id)} />
 * ```
 */
export function CustomerSearch({ onSelect, className }: CustomerSearchProps): ReactNode {
  const agent = useClient('agent');
  const { t } = useTranslator();
  const id = useId();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<readonly CustomerRecord[] | undefined>();
  const [failed, setFailed] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (query.trim().length < 2) return;
    agent.searchCustomers(query.trim()).then(
      (found) => {
        setResults(found);
        setFailed(false);
      },
      () => setFailed(true),
    );
  }

  return (
    <section className={cx('helpline-customer-search', className)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('customerSearch')}</h2>
      <search>
        <form onSubmit={submit}>
          <label htmlFor={`${id}-query`}>{t('customerSearchLabel')}</label>{' '}
          <input
            id={`${id}-query`}
            type="search"
            minLength={2}
            maxLength={120}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />{' '}
          <button type="submit">{t('customerSearchSubmit')}</button>
        </form>
      </search>
      <div aria-live="polite">
        {failed && <p role="alert">{t('errorGeneric')}</p>}
        {results?.length === 0 && <p className="helpline-empty">{t('customerSearchEmpty')}</p>}
        {results && results.length > 0 && (
          <ul className="helpline-customer-search__results">
            {results.map((customer) => (
              <li key={customer.id}>
                <button type="button" onClick={() => onSelect?.(customer)}>
                  {customer.displayName || t('customerAnonymous')}
                </button>
                <Identifiers customer={customer} />
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
