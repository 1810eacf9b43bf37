'use client';
import type { AwayReason, Queue, WireInteraction } from '@helpline/core';
import { type KeyboardEvent, type ReactNode, useEffect, useId, useMemo, useRef, useState } from 'react';
import { CallbackWorklist, type CallbackWorklistProps } from '../components/CallbackWorklist';
import { CallConsultControls, type ConsultTargetOption } from '../components/CallConsult';
import { CasePanel } from '../components/CasePanel';
import { CaseSlaAlerts } from '../components/CaseSlaAlerts';
import { ChatPanel } from '../components/ChatPanel';
import { ConnectionStatus } from '../components/ConnectionStatus';
import { CustomerCard } from '../components/CustomerCard';
import { CustomerProfile, CustomerSearch } from '../components/CustomerProfile';
import { EscalateForm } from '../components/EscalateForm';
import { EscalateToLeader } from '../components/EscalateToLeader';
import { EscalationsInbox } from '../components/EscalationsInbox';
import { Inbox } from '../components/Inbox';
import {
  DEFAULT_KEYMAP,
  type Keymap,
  ShortcutsContext,
  ShortcutsHelp,
  useKeyboardShortcuts,
} from '../components/KeyboardShortcuts';
import { OfferToasts, type OfferToastsProps } from '../components/OfferToast';
import { PresenceSelector } from '../components/PresenceSelector';
import { Softphone } from '../components/Softphone';
import { cx, ErrorText } from '../components/shared';
import { type TransferAgent, TransferForm } from '../components/TransferForm';
import { TransferResults } from '../components/TransferResults';
import { useWaitingConversations } from '../components/useWaitingConversations';
import { WrapUpForm } from '../components/WrapUpForm';
import { HelplineProvider, useHelpline } from '../context/HelplineContext';
import type { CannedResponses } from '../context/helpline.types';
import { useAction } from '../hooks/useAction';
import { useAgent } from '../hooks/useAgent';
import { useCall } from '../hooks/useCall';
import { useInteraction } from '../hooks/useInteraction';
import { useInteractions } from '../hooks/useInteractions';
import { useOffers } from '../hooks/useOffers';
import { constantStore, useStore } from '../hooks/useStore';
import { localizeQueues } from '../i18n/locales';
import { useTranslator } from '../i18n/translator';
import { SupervisionBanner } from '../supervisor/SupervisionBanner';
import type { CallController } from '../voice/call.types';

/** Props of {@link AgentConsole}. */
export interface AgentConsoleProps {
  /** Queue configuration (dispositions, ACW, SLA); defaults to the provider's, then to the server's. */
  readonly queues?: readonly Queue[] | undefined;
  /** Canned responses per queue; defaults to the provider's, then to those configured on the server's queues. */
  readonly cannedResponses?: CannedResponses | undefined;
  /** The supervisors' queue: shows "Escalate to a supervisor" on active interactions. */
  readonly escalationQueueId?: string | undefined;
  /** Keys for accept, hang up, mute and next interaction. */
  readonly keymap?: Keymap | undefined;
  /** Away reason codes for the status picker. */
  readonly reasons?: readonly AwayReason[] | undefined;
  /** Colleagues to transfer to; default: the supervisor board's agents, if any. */
  readonly transferAgents?: readonly TransferAgent[] | undefined;
  /**
   * Who the agent may consult on a call (colleagues, supervisors, outside numbers); default the `transferAgents`
   * other than the agent. Merge, transfer and return, and joining a colleague's consult, show without targets too.
   */
  readonly consultTargets?: readonly ConsultTargetOption[] | undefined;
  /** Options of the callback worklist (items, reschedule…). */
  readonly callbacks?: Omit<CallbackWorklistProps, 'className'> | undefined;
  /** Earlier interactions of a customer from the host app (CRM), for the customer card. */
  readonly customerHistory?: (customerId: string) => readonly WireInteraction[];
  /**
   * The ringtone and desktop notification for offers, once per browser however many tabs show the console;
   * `false` for none. See `<OfferToasts alert>`.
   */
  readonly offerAlert?: OfferToastsProps['alert'] | undefined;
  readonly className?: string | undefined;
}

/**
 * The complete agent console, built only from the public components: status, offers, inbox, the current
 * conversation or call, wrap-up, transfer and escalation, the customer card, callbacks and the keyboard
 * shortcuts (Alt+A accept, Alt+H hang up, Alt+M mute, Alt+N next interaction by default). Calls need no wiring:
 * the softphone follows the agent session's own call session (`agent.$calls`), unless the provider has a `voice`.
 * `escalationQueueId` names a queue of the server's configuration.
 *
 * @example
 * ```tsx
 * const transport = createWebSocketTransport({ url: 'wss://help.example.com/v1/ws' });
 * const agent = createAgentSession({ transport, token: () => fetchAgentToken() });
 * createRoot(el).render(
 *   <HelplineProvider agent={agent}>
 *     <AgentConsole queues={queues} cannedResponses={canned} escalationQueueId="support" />
 *   </HelplineProvider>,
 * );
 * ```
 */
export function AgentConsole({ queues, cannedResponses, ...props }: AgentConsoleProps): ReactNode {
  const outer = useHelpline();
  const fromServer = useStore(outer.agent?.$queues ?? noQueues);
  const configured = queues ?? outer.queues ?? (fromServer.length > 0 ? fromServer : undefined);
  const effectiveQueues = useMemo(
    () => configured && localizeQueues(configured, outer.locale),
    [configured, outer.locale],
  );
  const serverCanned = useMemo(() => cannedOf(fromServer), [fromServer]);
  const effectiveCanned = cannedResponses ?? outer.cannedResponses ?? serverCanned;
  // The agent session's own call session (created when the server offers browser voice), unless the app gives one.
  const ownCalls = useStore<CallController | undefined>(outer.agent?.$calls ?? noCalls);
  const voice = outer.voice ?? ownCalls;
  // Always the same tree: the server's queues arriving must not remount the console (selection, drafts).
  return (
    <HelplineProvider
      {...outer}
      queues={effectiveQueues}
      cannedResponses={effectiveCanned}
      {...(voice ? { voice } : {})}
    >
      <ConsoleLayout {...props} />
    </HelplineProvider>
  );
}

const noQueues = constantStore<readonly Queue[]>([]);
const noCalls = constantStore<CallController | undefined>(undefined);

/** The canned responses configured on the server's queues, by queue id. */
function cannedOf(queues: readonly Queue[]): CannedResponses | undefined {
  const withCanned = queues.filter((queue) => queue.cannedResponses?.length);
  if (withCanned.length === 0) return undefined;
  return Object.fromEntries(withCanned.map((queue) => [queue.id, queue.cannedResponses ?? []]));
}

function ConsoleLayout({
  escalationQueueId,
  keymap = DEFAULT_KEYMAP,
  reasons,
  transferAgents,
  consultTargets,
  callbacks,
  customerHistory,
  offerAlert,
  className,
}: Omit<AgentConsoleProps, 'queues' | 'cannedResponses'>): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const { session, me } = useAgent();
  const { voice } = useHelpline();
  const items = useInteractions();
  const { offers } = useOffers();
  const call = useCall();
  const shortcut = useAction();
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [transferring, setTransferring] = useState(false);
  // Written conversations that wait for the customer or are snoozed stay the agent's and can be opened from the inbox.
  const waiting = useWaitingConversations();
  const listed = items.some((item) => item.interaction.id === chosen) || waiting.some((w) => w.id === chosen);
  const current = listed ? chosen : items[0]?.interaction.id;
  const selected = useInteraction(current ?? '');

  // Whatever the agent just accepted becomes the current interaction.
  const seen = useRef(new Set<string>());
  useEffect(() => {
    const fresh = items.filter((item) => !seen.current.has(item.interaction.id));
    for (const item of fresh) seen.current.add(item.interaction.id);
    const newest = fresh.at(-1);
    if (newest) setChosen(newest.interaction.id);
  }, [items]);

  // Switching to another interaction closes the transfer form.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `current` is the trigger, not an input
  useEffect(() => setTransferring(false), [current]);

  useKeyboardShortcuts(
    {
      accept: () => {
        const first = offers[0];
        if (first) void shortcut.run(() => session.accept(first.interaction.id));
      },
      hangUp: () => {
        if (call.flags?.canHangUp) void call.perform('hangUp');
      },
      mute: () => {
        if (call.flags?.canMute) void call.perform('mute');
        else if (call.flags?.canUnmute) void call.perform('unmute');
      },
      next: () => {
        if (items.length === 0) return;
        const index = items.findIndex((item) => item.interaction.id === current);
        setChosen(items[(index + 1) % items.length]?.interaction.id);
      },
    },
    keymap,
  );

  const targets =
    consultTargets ??
    (transferAgents ?? [])
      .filter((agent) => agent.id !== me?.id)
      .map((agent) => ({ to: { kind: 'agent' as const, id: agent.id }, label: agent.name }));
  const interaction = selected.interaction;
  const isCall = interaction?.channel === 'voice' || interaction?.channel === 'callback';
  const hasCallbacks =
    callbacks?.items !== undefined || items.some((i) => i.interaction.channel === 'callback');

  return (
    <ShortcutsContext.Provider value={keymap}>
      <section
        className={cx('helpline-console', className)}
        aria-label={t('consoleLabel')}
        dir={i18n.dir}
        lang={i18n.locale}
      >
        <header className="helpline-console__header">
          <PresenceSelector {...(reasons ? { reasons } : {})} />
          <ConnectionStatus />
        </header>
        <OfferToasts {...(offerAlert === undefined ? {} : { alert: offerAlert })} />
        {/* SLA warnings of the agent's cases, as the server sends them. */}
        <CaseSlaAlerts className="helpline-console__case-sla" />
        <TransferResults
          {...(transferAgents
            ? { agentNames: Object.fromEntries(transferAgents.map((a) => [a.id, a.name])) }
            : {})}
        />
        <ErrorText error={shortcut.error} i18n={i18n} />
        <div className="helpline-console__body">
          <Inbox className="helpline-console__inbox" selectedId={current} onSelect={setChosen} />
          <div className="helpline-console__work">
            {/* With nothing to work on, the inbox's empty text says it all; saying it twice reads like an error. */}
            {!current || !interaction ? (
              items.length > 0 && <p className="helpline-empty">{t('consoleNothingSelected')}</p>
            ) : (
              <>
                {/* A supervisor on this interaction (when the server tells agents) and their private notes. */}
                <SupervisionBanner cid={current} />
                {isCall ? (
                  <>
                    <Softphone
                      onTransfer={selected.flags?.canTransfer ? () => setTransferring(true) : undefined}
                    />
                    <CallConsultControls targets={targets} className="helpline-console__consult" />
                  </>
                ) : (
                  <ChatPanel key={current} id={current} />
                )}
                <WrapUpForm key={`wrap-up-${current}`} id={current} />
                {selected.flags?.canTransfer && (
                  <div className="helpline-console__tools">
                    {!isCall && (
                      <button
                        type="button"
                        className="helpline-button"
                        aria-expanded={transferring}
                        onClick={() => setTransferring((open) => !open)}
                      >
                        {t('transfer')}
                      </button>
                    )}
                    {escalationQueueId && <EscalateForm id={current} queueId={escalationQueueId} />}
                    <EscalateToLeader key={`escalate-${current}`} target={{ cid: current }} />
                  </div>
                )}
                {transferring && selected.flags?.canTransfer && (
                  <TransferForm
                    id={current}
                    {...(transferAgents ? { agents: transferAgents } : {})}
                    onDone={() => setTransferring(false)}
                    onCancel={() => setTransferring(false)}
                  />
                )}
              </>
            )}
          </div>
          <aside className="helpline-console__side" aria-label={t('customerTitle')}>
            <CustomerTabs
              profile={
                interaction && (
                  <>
                    <CustomerCard
                      customerId={interaction.customer.id}
                      {...(customerHistory ? { history: customerHistory(interaction.customer.id) } : {})}
                    />
                    {/* The 360° view: who it is, then their cases (open first), then the record and its timeline. */}
                    <CasePanel key={`cases-${interaction.id}`} cid={interaction.id} />
                    <CustomerProfile
                      key={interaction.id}
                      cid={interaction.id}
                      className="helpline-customer--record"
                    />
                  </>
                )
              }
            />
            {(voice || session.takesCalls) && !isCall && <Softphone />}
            {/* A colleague's consult that rings for this agent (Join, Decline), or the call's when another item is open. */}
            {(voice || session.takesCalls) && !isCall && <CallConsultControls targets={targets} />}
            {/* A team leader's escalations inbox; an agent's own escalations and their outcome. */}
            <EscalationsInbox className="helpline-console__escalations" />
          </aside>
        </div>
        {hasCallbacks && <CallbackWorklist {...callbacks} />}
        <ShortcutsHelp keymap={keymap} />
      </section>
    </ShortcutsContext.Provider>
  );
}

const CUSTOMER_TABS = ['profile', 'search'] as const;

/**
 * The side panel's two views as tabs (WAI-ARIA tabs pattern): the selected interaction's customer (the screen pop:
 * card, record, timeline on every channel, merge suggestions) and the customer search, where a result picked opens
 * that customer's record below the results. Arrow keys, Home and End move between the tabs; only the selected tab is
 * in the tab order.
 */
function CustomerTabs({ profile }: { readonly profile: ReactNode }): ReactNode {
  const { t, dir } = useTranslator();
  const id = useId();
  const [shown, setShown] = useState<(typeof CUSTOMER_TABS)[number]>('profile');
  // The customer picked from the search results, whose record opens below them.
  const [opened, setOpened] = useState<string | undefined>();
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const labels = { profile: t('customerTitle'), search: t('customerSearchSubmit') };

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = CUSTOMER_TABS.indexOf(shown);
    const last = CUSTOMER_TABS.length - 1;
    // In right-to-left text the tabs run from right to left, so the arrow that points onwards is ArrowLeft.
    const onwards = dir === 'rtl' ? -1 : 1;
    const next = { ArrowRight: index + onwards, ArrowLeft: index - onwards, Home: 0, End: last }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = (next + CUSTOMER_TABS.length) % CUSTOMER_TABS.length;
    setShown(CUSTOMER_TABS[target] ?? 'profile');
    tabs.current[target]?.focus();
  }

  return (
    <div className="helpline-console__customer">
      <div role="tablist" aria-label={t('customerTabs')} className="helpline-tabs" onKeyDown={onKeyDown}>
        {CUSTOMER_TABS.map((tab, index) => (
          <button
            key={tab}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${id}-${tab}-tab`}
            aria-selected={shown === tab}
            aria-controls={`${id}-${tab}`}
            tabIndex={shown === tab ? 0 : -1}
            className="helpline-tabs__tab"
            onClick={() => setShown(tab)}
          >
            {labels[tab]}
          </button>
        ))}
      </div>
      {CUSTOMER_TABS.map((tab) => (
        <div
          key={tab}
          role="tabpanel"
          id={`${id}-${tab}`}
          aria-labelledby={`${id}-${tab}-tab`}
          hidden={shown !== tab}
          className="helpline-tabs__panel"
        >
          {tab === 'profile' ? (
            (profile ?? <p className="helpline-empty">{t('customerNoneSelected')}</p>)
          ) : (
            <>
              <CustomerSearch onSelect={(customer) => setOpened(customer.id)} />
              {opened && (
                <CustomerProfile
                  key={opened}
                  customerId={opened}
                  focusOnLoad
                  className="helpline-customer--record"
                />
              )}
            </>
          )}
        </div>
      ))}
    </div>
  );
}
