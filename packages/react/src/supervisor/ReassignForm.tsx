'use client';
import { type ReactNode, useId, useState } from 'react';
import { ErrorText } from '../components/shared';
import { useAction } from '../hooks/useAction';
import { useQueues } from '../hooks/useQueues';
import { useQueueStats } from '../hooks/useSupervisor';
import { useTranslator } from '../i18n/translator';
import { useSupervisorSession } from './useSupervisorSession';

/** Props of {@link ReassignForm}. */
export interface ReassignFormProps {
  /** The waiting interaction to move. */
  readonly cid: string;
  /** The customer's name, for the field's label (never the interaction's id). */
  readonly customerName?: string | undefined;
  /** The queue it waits in (not offered as a target). */
  readonly queueId?: string | undefined;
  readonly onDone?: () => void;
}

/**
 * Moves a waiting interaction to another queue (supervisor `reassign`); it keeps its waiting time.
 *
 * @example
 * ```tsx
 * <ReassignForm cid={waiting.cid} queueId={waiting.queueId} />
 * ```
 */
export function ReassignForm({ cid, customerName, queueId, onDone }: ReassignFormProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const session = useSupervisorSession();
  const configured = useQueues();
  const stats = useQueueStats();
  const action = useAction();
  const [target, setTarget] = useState('');
  const queues = (stats.length > 0 ? stats.map((q) => ({ id: q.queueId, name: q.name })) : configured).filter(
    (queue) => queue.id !== queueId,
  );
  return (
    <form
      className="helpline-inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!target) return;
        void action.run(async () => {
          await session.reassign(cid, { toQueueId: target });
          onDone?.();
        });
      }}
    >
      <label className="helpline-label" htmlFor={`${id}-target`}>
        {t('reassignLabel', { name: customerName || t('customerFallbackName') })}
      </label>
      <select
        id={`${id}-target`}
        className="helpline-select"
        value={target}
        onChange={(event) => setTarget(event.currentTarget.value)}
      >
        <option value="">{t('transferPick')}</option>
        {queues.map((queue) => (
          <option key={queue.id} value={queue.id}>
            {queue.name}
          </option>
        ))}
      </select>
      <button type="submit" className="helpline-button" disabled={action.pending || !target}>
        {t('reassignSubmit')}
      </button>
      <ErrorText error={action.error} i18n={i18n} />
    </form>
  );
}
