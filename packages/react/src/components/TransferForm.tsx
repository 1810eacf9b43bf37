'use client';
import { LIMITS, type PresenceStatus } from '@helpline/core';
import { type ReactNode, useId, useState } from 'react';
import { useAction } from '../hooks/useAction';
import { useAgent } from '../hooks/useAgent';
import { useInteraction } from '../hooks/useInteraction';
import { useQueues } from '../hooks/useQueues';
import { useAgentsBoard } from '../hooks/useSupervisor';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { cx, ErrorText } from './shared';

/** A colleague one can transfer to. */
export interface TransferAgent {
  readonly id: string;
  readonly name: string;
  readonly presence: PresenceStatus;
}

const PRESENCE: Record<PresenceStatus, MessageKey> = {
  available: 'presenceAvailable',
  away: 'presenceAway',
  offline: 'presenceOffline',
};

/** Props of {@link TransferForm}. */
export interface TransferFormProps {
  /** The interaction to transfer. */
  readonly id: string;
  /** Colleagues to offer; default: the supervisor board's agents, when the provider has a supervisor session. */
  readonly agents?: readonly TransferAgent[] | undefined;
  /** Called after a successful transfer. */
  readonly onDone?: () => void;
  readonly onCancel?: () => void;
  readonly className?: string | undefined;
}

/**
 * Transfers an interaction to a queue or to a named available colleague, with a note for whoever receives
 * it. Colleagues who are not available are listed but cannot be picked; if one became unavailable meanwhile,
 * the server's refusal is shown and the interaction and the note stay as they were.
 *
 * @example
 * ```tsx
 * <TransferForm id={cid} agents={colleagues} onDone={() => setTransferring(false)} />
 * ```
 */
export function TransferForm({ id, agents, onDone, onCancel, className }: TransferFormProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const formId = useId();
  const { transfer, interaction } = useInteraction(id);
  const { me } = useAgent();
  const queues = useQueues();
  const board = useAgentsBoard();
  const action = useAction();
  const [kind, setKind] = useState<'queue' | 'agent'>('queue');
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const colleagues = (
    agents ?? board.map((agent) => ({ id: agent.agentId, name: agent.name, presence: agent.presence }))
  ).filter((agent) => agent.id !== me?.id);
  const options =
    kind === 'queue'
      ? queues
          .filter((q) => q.id !== interaction?.queueId)
          .map((q) => ({ id: q.id, label: q.name, disabled: false }))
      : colleagues.map((a) => ({
          id: a.id,
          label:
            a.presence === 'available'
              ? a.name
              : t('agentUnavailableSuffix', { name: a.name, presence: t(PRESENCE[a.presence]) }),
          disabled: a.presence !== 'available',
        }));

  return (
    <form
      className={cx('helpline-transfer', className)}
      aria-labelledby={`${formId}-title`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!target) {
          setMissing(true);
          return;
        }
        const trimmed = note.trim();
        void action.run(async () => {
          await transfer({
            ...(kind === 'queue' ? { toQueueId: target } : { toAgentId: target }),
            ...(trimmed ? { note: trimmed } : {}),
          });
          onDone?.();
        });
      }}
    >
      <h2 className="helpline-transfer__title" id={`${formId}-title`}>
        {t('transferTitle')}
      </h2>
      <fieldset className="helpline-fieldset">
        <legend>{t('transferTo')}</legend>
        {(['queue', 'agent'] as const).map((value) => (
          <label key={value} className="helpline-choice">
            <input
              type="radio"
              name={`${formId}-kind`}
              value={value}
              checked={kind === value}
              onChange={() => {
                setKind(value);
                setTarget('');
              }}
            />
            {t(value === 'queue' ? 'transferToQueue' : 'transferToAgent')}
          </label>
        ))}
      </fieldset>
      <label className="helpline-label" htmlFor={`${formId}-target`}>
        {t(kind === 'queue' ? 'transferQueue' : 'transferAgent')}
      </label>
      <select
        id={`${formId}-target`}
        className="helpline-select"
        value={target}
        aria-required="true"
        aria-invalid={missing || undefined}
        aria-describedby={missing ? `${formId}-missing` : undefined}
        onChange={(event) => {
          setTarget(event.currentTarget.value);
          setMissing(false);
        }}
      >
        <option value="">{t('transferPick')}</option>
        {options.map((option) => (
          <option key={option.id} value={option.id} disabled={option.disabled}>
            {option.label}
          </option>
        ))}
      </select>
      {kind === 'agent' && !colleagues.some((a) => a.presence === 'available') && (
        <p className="helpline-empty">{t('transferNoAgents')}</p>
      )}
      {missing && (
        <p className="helpline-field-error" id={`${formId}-missing`}>
          {t('transferPickRequired')}
        </p>
      )}
      <label className="helpline-label" htmlFor={`${formId}-note`}>
        {t('transferNoteLabel')}
      </label>
      <textarea
        id={`${formId}-note`}
        className="helpline-textarea"
        rows={2}
        maxLength={LIMITS.comment}
        value={note}
        onChange={(event) => setNote(event.currentTarget.value)}
      />
      <div className="helpline-actions">
        <button type="submit" className="helpline-button helpline-button--primary" disabled={action.pending}>
          {t('transferSubmit')}
        </button>
        {onCancel && (
          <button type="button" className="helpline-button" onClick={onCancel}>
            {t('cancel')}
          </button>
        )}
      </div>
      <ErrorText error={action.error} i18n={i18n} />
    </form>
  );
}
