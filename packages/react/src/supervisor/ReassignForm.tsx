'use client';
import { type ReactNode, useId, useState } from 'react';
import { ErrorText } from '../components/shared';
import { useAction } from '../hooks/useAction';
import { useQueues } from '../hooks/useQueues';
import { useAgentsBoard, useQueueStats } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';
import type { ReassignTarget } from './supervisor.types';
import { useSupervisorSession } from './useSupervisorSession';

/** Props of {@link ReassignForm}. */
export interface ReassignFormProps {
  /** The interaction to move. */
  readonly cid: string;
  /** Offer available agents as targets, not only queues. Default `true`. */
  readonly toAgents?: boolean;
  readonly onDone?: () => void;
}

/**
 * Moves an interaction to another queue or an available agent (supervisor `reassign`).
 *
 * @example
 * ```tsx
 * <ReassignForm cid={waiting.cid} toAgents={false} />
 * ```
 */
export function ReassignForm({ cid, toAgents = true, onDone }: ReassignFormProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const session = useSupervisorSession();
  const configured = useQueues();
  const stats = useQueueStats();
  const agents = useAgentsBoard();
  const action = useAction();
  const [target, setTarget] = useState('');
  const queues = stats.length > 0 ? stats.map((q) => ({ id: q.queueId, name: q.name })) : configured;
  return (
    <form
      className="helpline-inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        const [kind, value = ''] = target.split(':');
        if (!value) return;
        const to: ReassignTarget = kind === 'agent' ? { toAgentId: value } : { toQueueId: value };
        void action.run(async () => {
          await session.reassign(cid, to);
          onDone?.();
        });
      }}
    >
      <label className="helpline-label" htmlFor={`${id}-target`}>
        {t('reassignLabel', { cid })}
      </label>
      <select
        id={`${id}-target`}
        className="helpline-select"
        value={target}
        onChange={(event) => setTarget(event.currentTarget.value)}
      >
        <option value="">{t('transferPick')}</option>
        <optgroup label={t('transferQueue')}>
          {queues.map((queue) => (
            <option key={queue.id} value={`queue:${queue.id}`}>
              {queue.name}
            </option>
          ))}
        </optgroup>
        {toAgents && (
          <optgroup label={t('transferAgent')}>
            {agents
              .filter((agent) => agent.presence === 'available')
              .map((agent) => (
                <option key={agent.agentId} value={`agent:${agent.agentId}`}>
                  {agent.name}
                </option>
              ))}
          </optgroup>
        )}
      </select>
      <button type="submit" className="helpline-button" disabled={action.pending || !target}>
        {t('reassignSubmit')}
      </button>
      <ErrorText error={action.error} i18n={i18n} />
    </form>
  );
}
