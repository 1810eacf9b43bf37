'use client';
import type { CustomerAuditEntry, CustomerIdentifier, CustomerRecord, CustomerView } from '@helpline/core';
import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { CallRecordings } from '../components/CallRecording';
import { ChannelBadge } from '../components/ChannelBadge';
import { cx, stateLabel } from '../components/shared';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import type { SupervisorCustomersLike } from './supervisor.types';
import { useSupervisorSession } from './useSupervisorSession';

/** Props of {@link CustomerAdminPanel}. */
export interface CustomerAdminPanelProps {
  readonly className?: string | undefined;
}

const KIND_LABELS: Readonly<Record<CustomerIdentifier['kind'], MessageKey>> = {
  contact: 'identifierContact',
  web: 'identifierWeb',
  email: 'identifierEmail',
  phone: 'identifierPhone',
  whatsapp: 'identifierWhatsapp',
  messenger: 'identifierMessenger',
  sms: 'identifierSms',
};

const ACTION_LABELS: Readonly<Record<CustomerAuditEntry['action'], MessageKey>> = {
  merge: 'customerAuditMerge',
  'auto-merge': 'customerAuditAutoMerge',
  split: 'customerAuditSplit',
  dismiss: 'customerAuditDismiss',
};

/**
 * Customer records for supervisors (docs/customers.md): find a customer by name, email or phone, open the record, split
 * identifiers and contacts merged by mistake into a new customer, and read the audit trail of merges, splits and
 * dismissals. Needs a supervisor session with `customers` (core's `createSupervisorSession` has it); the server refuses
 * splits and the audit trail to anyone but supervisors. Everything is rendered as text.
 *
 * @example
 * ```tsx
 * <HelplineProvider supervisor={createSupervisorSession({ transport, token })}>
 *   <CustomerAdminPanel />
 * </HelplineProvider>
 * ```
 */
export function CustomerAdminPanel({ className }: CustomerAdminPanelProps): ReactNode {
  const { customers } = useSupervisorSession();
  const { t } = useTranslator();
  const id = useId();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<readonly CustomerRecord[] | undefined>();
  const [opened, setOpened] = useState<string | undefined>();
  const [failed, setFailed] = useState(false);
  if (!customers) return null;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!customers || query.trim().length < 2) return;
    customers.search(query.trim()).then(
      (found) => {
        setResults(found);
        setFailed(false);
      },
      () => setFailed(true),
    );
  }

  return (
    <section className={cx('helpline-customer-admin', className)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('customerAdminTitle')}</h2>
      <search>
        <form className="helpline-customer-admin__search" onSubmit={submit}>
          <label htmlFor={`${id}-query`}>{t('customerSearchLabel')}</label>
          <input
            id={`${id}-query`}
            className="helpline-input"
            type="search"
            minLength={2}
            maxLength={120}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
          <button type="submit">{t('customerSearchSubmit')}</button>
        </form>
      </search>
      <div aria-live="polite">
        {failed && <p role="alert">{t('errorGeneric')}</p>}
        {results?.length === 0 && <p className="helpline-empty">{t('customerSearchEmpty')}</p>}
        {results && results.length > 0 && (
          <ul className="helpline-customer-admin__results">
            {results.map((customer) => (
              <li key={customer.id}>
                <button
                  type="button"
                  aria-pressed={opened === customer.id}
                  onClick={() => setOpened(customer.id)}
                >
                  {customer.displayName || t('customerAnonymous')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {opened && <CustomerAdminRecord key={opened} customerId={opened} customers={customers} />}
    </section>
  );
}

/** One customer opened: its identifiers and contacts to tick for a split, and its audit trail. */
function CustomerAdminRecord({
  customerId,
  customers,
}: {
  readonly customerId: string;
  readonly customers: SupervisorCustomersLike;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const title = useRef<HTMLHeadingElement>(null);
  const [view, setView] = useState<CustomerView | undefined>();
  const [audit, setAudit] = useState<readonly CustomerAuditEntry[]>([]);
  const [identifiers, setIdentifiers] = useState<ReadonlySet<string>>(new Set());
  const [interactions, setInteractions] = useState<ReadonlySet<string>>(new Set());
  const [name, setName] = useState('');
  // The last split done (the new customer's name) or the last failure, announced below the form.
  const [status, setStatus] = useState<
    { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: unknown } | undefined
  >();

  const load = useCallback(
    () =>
      Promise.all([customers.get(customerId), customers.audit(customerId)]).then(
        ([loaded, entries]) => {
          setView(loaded);
          setAudit(entries);
        },
        (error: unknown) => setStatus({ ok: false, error }),
      ),
    [customers, customerId],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // Focus on the record's name once it has loaded (the supervisor picked it from the results).
  const loaded = view !== undefined;
  useEffect(() => {
    if (loaded) title.current?.focus();
  }, [loaded]);

  if (!view) return <div aria-busy="true" className="helpline-customer-admin__record" />;
  const toggle = (set: ReadonlySet<string>, item: string) => {
    const next = new Set(set);
    if (!next.delete(item)) next.add(item);
    return next;
  };
  const nothingTicked = identifiers.size === 0 && interactions.size === 0;

  function split(event: FormEvent) {
    event.preventDefault();
    if (nothingTicked) return;
    customers
      .split(customerId, {
        identifierIds: [...identifiers],
        interactionIds: [...interactions],
        ...(name.trim() ? { displayName: name.trim() } : {}),
      })
      .then(
        async ({ customer }) => {
          setIdentifiers(new Set());
          setInteractions(new Set());
          setName('');
          setStatus({ ok: true, name: customer.displayName ?? '' });
          await load();
        },
        (error: unknown) => setStatus({ ok: false, error }),
      );
  }

  const shown = view.customer.identifiers.filter((identifier) => identifier.kind !== 'contact');
  return (
    <article className="helpline-customer-admin__record" aria-labelledby={`${id}-name`}>
      <h3 id={`${id}-name`} ref={title} tabIndex={-1}>
        {view.customer.displayName || t('customerAnonymous')}
      </h3>
      <form className="helpline-customer-admin__split" onSubmit={split}>
        <h4>{t('customerAdminSplitTitle')}</h4>
        <p className="helpline-hint" id={`${id}-hint`}>
          {t('customerAdminSplitHint')}
        </p>
        <fieldset aria-describedby={`${id}-hint`}>
          <legend>{t('customerIdentifiers')}</legend>
          {shown.map((identifier) => (
            <label key={identifier.id} className="helpline-check">
              <input
                type="checkbox"
                checked={identifiers.has(identifier.id)}
                onChange={() => setIdentifiers((set) => toggle(set, identifier.id))}
              />{' '}
              {t(KIND_LABELS[identifier.kind])}: {identifier.value} (
              {t(identifier.verified ? 'identifierVerified' : 'identifierUnverified')})
            </label>
          ))}
        </fieldset>
        <fieldset aria-describedby={`${id}-hint`}>
          <legend>{t('customerAdminInteractions')}</legend>
          {view.interactions.length === 0 && <p className="helpline-empty">{t('customerHistoryEmpty')}</p>}
          {view.interactions.map((interaction) => (
            <label key={interaction.id} className="helpline-check" data-channel={interaction.channel}>
              <input
                type="checkbox"
                checked={interactions.has(interaction.id)}
                onChange={() => setInteractions((set) => toggle(set, interaction.id))}
              />{' '}
              <ChannelBadge channel={interaction.channel} /> {i18n.dateTime(interaction.timestamps.createdAt)}{' '}
              · {stateLabel(i18n, interaction.state)}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-new-name`}>{t('customerAdminNewName')}</label>
        <input
          id={`${id}-new-name`}
          className="helpline-input"
          maxLength={200}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" disabled={nothingTicked}>
          {t('customerAdminSplit')}
        </button>
      </form>
      <p className={status?.ok === false ? 'helpline-error' : 'helpline-status'} aria-live="polite">
        {status?.ok === true && t('customerAdminSplitDone', { name: status.name || t('customerAnonymous') })}
        {status?.ok === false && i18n.error(status.error)}
      </p>
      <table className="helpline-table helpline-customer-admin__audit">
        <caption>{t('customerAdminAudit')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('customerAdminAuditWhen')}</th>
            <th scope="col">{t('customerAdminAuditWho')}</th>
            <th scope="col">{t('customerAdminAuditAction')}</th>
            <th scope="col">{t('customerAdminAuditMoved')}</th>
          </tr>
        </thead>
        <tbody>
          {audit.map((entry, index) => (
            // Entries have no id: their order, newest first, is stable for one load.
            // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole on each load
            <tr key={index} data-action={entry.action}>
              <td>
                <time dateTime={new Date(entry.at).toISOString()}>{i18n.dateTime(entry.at)}</time>
              </td>
              <td>{entry.actorId}</td>
              <td>{t(ACTION_LABELS[entry.action])}</td>
              <td>
                {t('customerAdminMovedCount', {
                  identifiers: i18n.number(entry.identifiers.length),
                  interactions: i18n.number(entry.interactions.length),
                })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.length === 0 && <p className="helpline-empty">{t('customerAdminAuditEmpty')}</p>}
      {/* The customer's call recordings, fetched with the supervisor session's token. */}
      <CallRecordings customerId={customerId} hideWhenUnavailable />
    </article>
  );
}
