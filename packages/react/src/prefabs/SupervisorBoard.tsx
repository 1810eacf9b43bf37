'use client';
import type { Queue } from '@helpline/core';
import { type ReactNode, useMemo } from 'react';
import { ConnectionStatus } from '../components/ConnectionStatus';
import { cx } from '../components/shared';
import { HelplineProvider, useHelpline } from '../context/HelplineContext';
import { useQueues } from '../hooks/useQueues';
import { constantStore, useStore } from '../hooks/useStore';
import { useBoard, useKpis } from '../hooks/useSupervisor';
import { localizeQueues } from '../i18n/locales';
import { useTranslator } from '../i18n/translator';
import { AgentsBoardTable } from '../supervisor/AgentsBoardTable';
import { CaseSlaTable } from '../supervisor/CaseSlaTable';
import { ChannelStatsTable } from '../supervisor/ChannelStatsTable';
import { CsvExportButton, type CsvExportButtonProps } from '../supervisor/CsvExportButton';
import { CustomerAdminPanel } from '../supervisor/CustomerAdminPanel';
import { CountsChart } from '../supervisor/charts';
import { EscalationsCounter } from '../supervisor/EscalationsCounter';
import { KpiPanel } from '../supervisor/KpiPanel';
import { MailboxStatusTable } from '../supervisor/MailboxStatusTable';
import { QueueStatsTable } from '../supervisor/QueueStatsTable';
import { ReportsPanel } from '../supervisor/ReportsPanel';
import { SlaBreachesTable } from '../supervisor/SlaBreachesTable';
import { useSupervisorSession } from '../supervisor/useSupervisorSession';
import { WaitingList } from '../supervisor/WaitingList';

/** Props of {@link SupervisorBoard}. */
export interface SupervisorBoardProps {
  /** Queue configuration, for disposition labels; defaults to the provider's, then to the server's. */
  readonly queues?: readonly Queue[] | undefined;
  /** Options of the CSV export. */
  readonly csv?: CsvExportButtonProps | undefined;
  readonly className?: string | undefined;
}

/**
 * The supervisor's live board, built only from the public pieces: today's KPIs with small charts, topic and
 * disposition counts, CSV export, live queues, written conversations at risk of missing their SLA, the messaging
 * channels' KPIs, the mailboxes' health, waiting interactions and agents (force presence, reassign); then, when the
 * session runs reports (`runReport`), reports over the stored history with their own CSV export, and when it has
 * `customers`, the customer records supervisors split and audit (`<CustomerAdminPanel>`).
 *
 * @example
 * ```tsx
 * <HelplineProvider supervisor={createSupervisorSession({ transport, token })} queues={queues}>
 *   <SupervisorBoard />
 * </HelplineProvider>
 * ```
 */
export function SupervisorBoard({ queues, ...props }: SupervisorBoardProps): ReactNode {
  const outer = useHelpline();
  const session = useSupervisorSession(); // A clear error up front when the provider has no supervisor session.
  const fromServer = useStore(session.$queues ?? noQueues);
  const configured = queues ?? outer.queues ?? (fromServer.length > 0 ? fromServer : undefined);
  const effective = useMemo(
    () => configured && localizeQueues(configured, outer.locale),
    [configured, outer.locale],
  );
  // Always the same tree: the server's queues arriving must not remount the board (open forms).
  return (
    <HelplineProvider {...outer} queues={effective}>
      <BoardLayout {...props} />
    </HelplineProvider>
  );
}

const noQueues = constantStore<readonly Queue[]>([]);

function BoardLayout({ csv, className }: Omit<SupervisorBoardProps, 'queues'>): ReactNode {
  const { t, dir, locale } = useTranslator();
  const session = useSupervisorSession();
  const kpis = useKpis();
  const queues = useQueues();
  const { waiting, sla, messaging, mailboxes, caseSla } = useBoard();
  const { topics } = useHelpline();
  const dispositionLabels = useMemo(
    () => Object.fromEntries(queues.flatMap((q) => q.dispositions.map((d) => [d.id, d.label]))),
    [queues],
  );
  return (
    <section className={cx('helpline-board', className)} aria-label={t('boardLabel')} dir={dir} lang={locale}>
      <header className="helpline-board__header">
        <ConnectionStatus />
        <CsvExportButton {...csv} />
      </header>
      <KpiPanel />
      <EscalationsCounter />
      <div className="helpline-board__counts">
        <CountsChart
          title={t('topicsTitle')}
          counts={kpis?.byTopic}
          {...(topics ? { labels: topics } : {})}
          emptyText={t('countsEmpty')}
        />
        <CountsChart
          title={t('dispositionsTitle')}
          counts={kpis?.byDisposition}
          labels={dispositionLabels}
          emptyText={t('countsEmpty')}
        />
      </div>
      <QueueStatsTable />
      {/* The written channels' parts, when the server reports them (it has messaging channels or mailboxes). */}
      {sla && <SlaBreachesTable />}
      {caseSla && <CaseSlaTable />}
      {messaging && <ChannelStatsTable />}
      {mailboxes && mailboxes.length > 0 && <MailboxStatusTable />}
      {waiting && <WaitingList />}
      <AgentsBoardTable />
      {session.runReport && <ReportsPanel />}
      {session.customers && <CustomerAdminPanel />}
    </section>
  );
}
