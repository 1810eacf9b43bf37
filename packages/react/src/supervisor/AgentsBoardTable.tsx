'use client';
import { type AwayReason, phaseOf } from '@helpline/core';
import { type ReactNode, useId } from 'react';
import { PresenceSelect } from '../components/PresenceSelect';
import { channelLabel, cx, ErrorText, stateLabel } from '../components/shared';
import { useAction } from '../hooks/useAction';
import { useNow } from '../hooks/useNow';
import { useAgentsBoard } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';
import { SupervisionControls } from './SupervisionControls';
import type { BoardAgent, BoardInteraction } from './supervisor.types';
import { useSupervisorSession } from './useSupervisorSession';

/**
 * Agents live: presence (with reason), time in that state, what they are working on and for how long; the
 * supervisor can force an agent's presence.
 *
 * @example
 * ```tsx
 * <AgentsBoardTable />
 * ```
 */
export function AgentsBoardTable({ className }: { readonly className?: string }): ReactNode {
  const { t } = useTranslator();
  const agents = useAgentsBoard();
  return (
    <table className={cx('helpline-table', 'helpline-agents', className)}>
      <caption>{t('agentsTitle')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('agentName')}</th>
          <th scope="col">{t('agentPresence')}</th>
          <th scope="col">{t('agentTimeInState')}</th>
          <th scope="col">{t('agentWork')}</th>
        </tr>
      </thead>
      <tbody>
        {agents.map((agent) => (
          <AgentRow key={agent.agentId} agent={agent} />
        ))}
      </tbody>
    </table>
  );
}

/** The away reasons a supervisor can set; an agent's own reason is offered too while it is in force. */
const FORCED_AWAY_REASONS: readonly AwayReason[] = ['supervisor', 'break', 'meeting', 'training'];

function AgentRow({ agent }: { agent: BoardAgent }): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const session = useSupervisorSession();
  const now = useNow();
  const action = useAction();
  const id = useId();
  return (
    <tr data-presence={agent.presence}>
      <th scope="row">{agent.name}</th>
      <td>
        <label className="helpline-visually-hidden" htmlFor={`${id}-presence`}>
          {t('forcePresence', { name: agent.name })}
        </label>
        <PresenceSelect
          id={`${id}-presence`}
          status={agent.presence}
          reason={agent.reason ?? 'supervisor'}
          reasons={FORCED_AWAY_REASONS}
          disabled={action.pending}
          onChange={(status, reason) =>
            void action.run(() => session.forcePresence(agent.agentId, status, reason))
          }
        />
        <ErrorText error={action.error} i18n={i18n} />
      </td>
      <td>{i18n.duration((now - agent.since) / 1000)}</td>
      <td>
        {agent.interactions.length === 0 ? (
          t('agentIdle')
        ) : (
          <ul className="helpline-agents__work">
            {agent.interactions.map((interaction) => (
              <WorkItem key={interaction.cid} interaction={interaction} now={now} agentName={agent.name} />
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

function WorkItem({
  interaction,
  now,
  agentName,
}: {
  interaction: BoardInteraction;
  now: number;
  agentName: string;
}): ReactNode {
  const i18n = useTranslator();
  // A live call or conversation the agent is handling can be listened to, whispered to, barged into or read.
  const phase = phaseOf(interaction.channel as Parameters<typeof phaseOf>[0], interaction.state);
  const supervisable = phase === 'handling' || phase === 'pending';
  return (
    <li data-state={interaction.state}>
      {interaction.customerName && `${interaction.customerName} · `}
      {channelLabel(i18n, interaction.channel)} · {stateLabel(i18n, interaction.state)}
      {interaction.since !== undefined && ` · ${i18n.duration((now - interaction.since) / 1000)}`}
      {supervisable && <SupervisionControls interaction={interaction} agentName={agentName} />}
    </li>
  );
}
