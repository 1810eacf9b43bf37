'use client';
import type { CommandArgs, Notice } from '@helpline/core';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { useCall } from '../hooks/useCall';
import { useTranslator } from '../i18n/translator';
import { ErrorText } from './shared';

/** A consult leg as the `consult` notice carries it. */
type Leg = Extract<Notice, { type: 'consult' }>['leg'];

/** Someone the agent may consult: a colleague or a supervisor by id, or an outside number, with a label to show. */
export interface ConsultTargetOption {
  readonly to: CommandArgs<'call.consult'>['to'];
  /** What the picker shows (a name, or the number as people read it). */
  readonly label: string;
}

/** Props of {@link CallConsultControls}. */
export interface CallConsultControlsProps {
  /** Who may be consulted (the app's directory: colleagues, supervisors, frequent numbers). */
  readonly targets: readonly ConsultTargetOption[];
  readonly className?: string | undefined;
}

/**
 * Consult, conference and transfer on the agent's current call: a target picker and Consult; while consulting,
 * Merge, Transfer and Return; in a conference, Transfer and Return. A consult that rings for this agent shows Join and
 * Decline. The state is said in a polite live region. Each button is one command (`call.consult`, `call.merge`,
 * `call.transfer`, `call.return`, `consult.answer`, `consult.hangup`); refusals show as the error's text.
 *
 * @example
 * ```tsx
 * <Softphone />
 * <CallConsultControls targets={[{ to: { kind: 'agent', id: 'bob' }, label: 'Bob (billing)' }]} />
 * ```
 */
export function CallConsultControls({ targets, className }: CallConsultControlsProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const id = useId();
  const call = useCall();
  const { agent } = useHelpline();
  const [leg, setLeg] = useState<Leg | undefined>(undefined);
  const [picked, setPicked] = useState(0);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(
    () => agent?.connection.onNotice((notice) => notice.type === 'consult' && setLeg(notice.leg)),
    [agent],
  );
  if (!agent) return null;
  const run = (task: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    task()
      .then(
        () => undefined,
        (failure: unknown) => setError(failure),
      )
      .finally(() => setBusy(false));
  };
  const button = (label: string, task: () => Promise<unknown>) => (
    <button type="button" className="helpline-button" disabled={busy} onClick={() => run(task)}>
      {label}
    </button>
  );
  const live = leg && leg.state !== 'ended' ? leg : undefined;
  const nameOf = (l: Leg) =>
    targets.find((option) => option.to.kind === l.party.kind && targetId(option) === l.party.id)?.label ??
    l.party.id;
  // A consult that rings for this agent, started by a colleague.
  if (live && live.agentId !== agent.connection.$subject.get()?.id) {
    const ref = { cid: live.cid, legId: live.legId };
    return (
      <div className={['helpline-consult', className].filter(Boolean).join(' ')} data-consult={live.state}>
        <p className="helpline-consult__state" role="status" aria-live="polite">
          {t('consultIncoming', { name: live.agentId })}
        </p>
        {live.state === 'ringing' &&
          button(t('consultJoin'), () =>
            agent.connection.command('consult.answer', ref).then(({ leg: next }) => setLeg(next)),
          )}
        {button(live.state === 'ringing' ? t('consultDecline') : t('consultLeave'), () =>
          agent.connection.command('consult.hangup', ref).then(({ leg: next }) => setLeg(next)),
        )}
        <ErrorText error={error} i18n={i18n} />
      </div>
    );
  }
  if (call.state === 'idle') return null;
  const { cid, callId } = call.call;
  if (cid === undefined || callId === undefined) return null;
  const { flags } = call;
  const ref = { cid, callId };
  const target = targets[picked];
  const status = !live
    ? ''
    : flags.isConferenced
      ? t('consultConference', { name: nameOf(live) })
      : live.state === 'ringing'
        ? t('consultRinging', { name: nameOf(live) })
        : t('consultTalking', { name: nameOf(live) });
  return (
    <div
      className={['helpline-consult', className].filter(Boolean).join(' ')}
      data-consult={live?.state ?? 'none'}
    >
      <p className="helpline-consult__state" role="status" aria-live="polite">
        {status}
      </p>
      {flags.canConsult && targets.length > 0 && (
        <>
          <label htmlFor={`${id}-target`}>{t('consultWith')}</label>
          <select
            id={`${id}-target`}
            value={picked}
            disabled={busy}
            onChange={(event) => setPicked(Number(event.target.value))}
          >
            {targets.map((option, index) => (
              <option key={`${option.to.kind}:${targetId(option)}`} value={index}>
                {option.label}
              </option>
            ))}
          </select>
          {target &&
            button(t('consultStart'), () =>
              agent.connection
                .command('call.consult', { ...ref, to: target.to })
                .then(({ leg: next }) => setLeg(next)),
            )}
        </>
      )}
      {flags.canMerge && button(t('consultMerge'), () => agent.connection.command('call.merge', ref))}
      {live &&
        flags.canTransfer &&
        button(t('consultTransfer'), () => agent.connection.command('call.transfer', ref))}
      {flags.canReturn && button(t('consultReturn'), () => agent.connection.command('call.return', ref))}
      <ErrorText error={error} i18n={i18n} />
    </div>
  );
}

function targetId(option: ConsultTargetOption): string {
  return option.to.kind === 'external' ? option.to.number : option.to.id;
}
