'use client';
import type { EscalationDetail, EscalationState, EscalationView } from '@helpline/core';
import { ESCALATION_LIMITS } from '@helpline/core';
import { type ReactNode, useCallback, useEffect, useId, useState } from 'react';
import { useClient } from '../context/HelplineContext';
import { useStore } from '../hooks/useStore';
import type { MessageKey } from '../i18n/en';
import { useTranslator } from '../i18n/translator';
import { cx, ErrorText } from './shared';

/** The words of an escalation's state. */
export const ESCALATION_STATE_KEYS: Readonly<Record<EscalationState, MessageKey>> = {
  waiting: 'escalationStateWaiting',
  offered: 'escalationStateOffered',
  accepted: 'escalationStateAccepted',
  'taken-over': 'escalationStateTakenOver',
  'handed-back': 'escalationStateHandedBack',
  cancelled: 'escalationStateCancelled',
};

/** Props of {@link EscalationsInbox}. */
export interface EscalationsInboxProps {
  /**
   * Starts a voice consult with the escalating agent, where the console has one (the softphone's consult): shown as
   * "Consult by voice" on an escalation the team leader holds. Absent: only the written thread.
   */
  readonly onConsult?: ((escalation: EscalationView) => void) | undefined;
  readonly className?: string | undefined;
}

/**
 * A team leader's escalations inbox (docs/cases.md, "Escalation"), and an agent's own escalations: the list (offered
 * to this team leader, held by them, waiting on the board in the queues they lead, and the agent's own), each opened
 * with what was escalated (the conversation so far, or the case with its notes) and the private thread with the agent;
 * Accept or Decline an offer, then Consult, Take over or Hand back with a note. Everything is rendered as text.
 *
 * @example
 * ```tsx
 * <EscalationsInbox onConsult={(escalation) => softphone.consult(escalation.agentId)} />
 * ```
 */
export function EscalationsInbox({ onConsult, className }: EscalationsInboxProps): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const escalations = useStore(agent.escalations.$escalations);
  const leads = useStore(agent.escalations.$leads);
  const [opened, setOpened] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    agent.escalations.refresh().catch(setError);
  }, [agent]);

  return (
    <section className={cx('helpline-escalations', className)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="helpline-section-title">
        {leads.length > 0 ? t('escalationsInboxTitle') : t('escalationsMineTitle')}
      </h2>
      <ErrorText error={error} i18n={i18n} />
      {escalations.length === 0 ? (
        <p className="helpline-empty">{t('escalationsEmpty')}</p>
      ) : (
        <ul className="helpline-escalations__list">
          {escalations.map((escalation) => (
            <li key={escalation.id} className="helpline-escalations__item" data-state={escalation.state}>
              <button
                type="button"
                className="helpline-escalations__open"
                aria-expanded={opened === escalation.id}
                aria-controls={opened === escalation.id ? `${id}-${escalation.id}` : undefined}
                onClick={() => setOpened(opened === escalation.id ? undefined : escalation.id)}
              >
                <span className="helpline-escalations__state">
                  {t(ESCALATION_STATE_KEYS[escalation.state])}
                </span>{' '}
                <span className="helpline-escalations__reason">{escalation.reason}</span>
                <span className="helpline-escalations__meta">
                  {t('escalationFrom', { agent: escalation.agentId, queue: escalation.queueId })}
                </span>
              </button>
              {opened === escalation.id && (
                <EscalationDetailView
                  id={`${id}-${escalation.id}`}
                  escalation={escalation}
                  onConsult={onConsult}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EscalationDetailView({
  id,
  escalation,
  onConsult,
}: {
  readonly id: string;
  readonly escalation: EscalationView;
  readonly onConsult: EscalationsInboxProps['onConsult'];
}): ReactNode {
  const agent = useClient('agent');
  const i18n = useTranslator();
  const { t } = i18n;
  const me = useStore(agent.connection.$subject)?.id;
  const leads = useStore(agent.escalations.$leads);
  const lastMessage = useStore(agent.escalations.$lastMessage)[escalation.id];
  const [detail, setDetail] = useState<EscalationDetail | undefined>();
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const [handingBack, setHandingBack] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();

  const load = useCallback(
    () => agent.escalations.get(escalation.id).then(setDetail, setError),
    [agent, escalation.id],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again when the escalation changes or its thread grows
  useEffect(() => {
    void load();
  }, [load, escalation.state, lastMessage?.id]);

  async function run(work: () => Promise<unknown>): Promise<void> {
    setPending(true);
    setError(undefined);
    try {
      await work();
      await load();
    } catch (caught) {
      setError(caught);
    } finally {
      setPending(false);
    }
  }

  const final = ['taken-over', 'handed-back', 'cancelled'].includes(escalation.state);
  const mineToAnswer = escalation.state === 'offered' && escalation.leaderId === me;
  const onBoard =
    escalation.state === 'waiting' && leads.includes(escalation.queueId) && escalation.agentId !== me;
  const mineToDecide = escalation.state === 'accepted' && escalation.leaderId === me;
  const inThread = !final && (escalation.agentId === me || escalation.leaderId === me);
  const conversation = (detail?.history ?? []).flatMap((event) =>
    event.ev.type === 'message'
      ? [{ seq: event.seq, from: event.ev.from.name || event.ev.from.id, text: event.ev.text }]
      : [],
  );

  return (
    <div id={id} className="helpline-escalation">
      {escalation.note && (
        <p className="helpline-escalation__note">
          {t('escalationHandBackNoteShown', { note: escalation.note })}
        </p>
      )}
      {detail?.case && (
        <div className="helpline-escalation__case">
          <h3 className="helpline-subtitle">{t('escalationCaseTitle', { subject: detail.case.subject })}</h3>
          <ul>
            {(detail.notes ?? []).map((n) => (
              <li key={n.id}>{n.text}</li>
            ))}
          </ul>
        </div>
      )}
      {conversation.length > 0 && (
        <div className="helpline-escalation__history">
          <h3 className="helpline-subtitle">{t('escalationHistoryTitle')}</h3>
          <ol>
            {conversation.map((m) => (
              <li key={m.seq}>
                <span className="helpline-escalation__from">{m.from}</span>: {m.text}
              </li>
            ))}
          </ol>
        </div>
      )}
      <div className="helpline-escalation__thread">
        <h3 className="helpline-subtitle">{t('escalationThreadTitle')}</h3>
        <ol aria-live="polite">
          {(detail?.messages ?? []).map((m) => (
            <li key={m.id}>
              <span className="helpline-escalation__from">{m.authorId}</span>: {m.text}
            </li>
          ))}
        </ol>
        {inThread && (
          <form
            className="helpline-inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              const trimmed = text.trim();
              if (!trimmed) return;
              void run(async () => {
                await agent.escalations.message(escalation.id, trimmed);
                setText('');
              });
            }}
          >
            <label className="helpline-label" htmlFor={`${id}-message`}>
              {t('escalationMessageLabel')}
            </label>
            <textarea
              id={`${id}-message`}
              className="helpline-textarea"
              rows={2}
              maxLength={ESCALATION_LIMITS.message}
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
            />
            <button type="submit" className="helpline-button" disabled={pending}>
              {t('escalationSend')}
            </button>
          </form>
        )}
      </div>
      <div className="helpline-actions">
        {(mineToAnswer || onBoard) && (
          <button
            type="button"
            className="helpline-button helpline-button--primary"
            disabled={pending}
            onClick={() => void run(() => agent.escalations.accept(escalation.id))}
          >
            {t('escalationAccept')}
          </button>
        )}
        {mineToAnswer && (
          <button
            type="button"
            className="helpline-button"
            disabled={pending}
            onClick={() => void run(() => agent.escalations.decline(escalation.id))}
          >
            {t('escalationDecline')}
          </button>
        )}
        {mineToDecide && onConsult && (
          <button type="button" className="helpline-button" onClick={() => onConsult(escalation)}>
            {t('escalationConsult')}
          </button>
        )}
        {mineToDecide && (
          <>
            <button
              type="button"
              className="helpline-button helpline-button--primary"
              disabled={pending}
              onClick={() => void run(() => agent.escalations.takeOver(escalation.id))}
            >
              {t('escalationTakeOver')}
            </button>
            <button
              type="button"
              className="helpline-button"
              aria-expanded={handingBack}
              onClick={() => setHandingBack((value) => !value)}
            >
              {t('escalationHandBack')}
            </button>
          </>
        )}
      </div>
      {mineToDecide && handingBack && (
        <form
          className="helpline-inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const trimmed = note.trim();
            if (!trimmed) return;
            void run(() => agent.escalations.handBack(escalation.id, trimmed));
          }}
        >
          <label className="helpline-label" htmlFor={`${id}-note`}>
            {t('escalationHandBackNote')}
          </label>
          <textarea
            id={`${id}-note`}
            className="helpline-textarea"
            rows={2}
            required
            maxLength={ESCALATION_LIMITS.note}
            value={note}
            onChange={(event) => setNote(event.currentTarget.value)}
          />
          <button type="submit" className="helpline-button helpline-button--primary" disabled={pending}>
            {t('escalationHandBackSubmit')}
          </button>
        </form>
      )}
      <ErrorText error={error} i18n={i18n} />
    </div>
  );
}
