'use client';
import type { Connection, SupervisionClient, SupervisionLeg, SupervisionMode } from '@helpline/core';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { ErrorText } from '../components/shared';
import { useAction } from '../hooks/useAction';
import { constantStore, useStore } from '../hooks/useStore';
import { useTranslator } from '../i18n/translator';
import { MonitoredChat } from './MonitoredChat';
import type { BoardInteraction } from './supervisor.types';
import { useSupervisorSession } from './useSupervisorSession';

/** The browser media of a supervisor session, made once per session when its first call is joined. */
const media = new WeakMap<SupervisionClient, Promise<unknown>>();

/** Loads `@helpline/core/voice` (only boards that join a call pay for it) and connects the supervisor's audio. */
function ensureMedia(supervision: SupervisionClient, connection: Connection | undefined): Promise<unknown> {
  let ready = media.get(supervision);
  if (!ready) {
    ready = connection
      ? import('@helpline/core/voice').then(({ createSupervisorMedia }) =>
          createSupervisorMedia({ connection, supervision }),
        )
      : Promise.resolve(undefined);
    media.set(supervision, ready);
  }
  return ready;
}

const NO_LEGS = constantStore<Readonly<Record<string, SupervisionLeg>>>({});

const CALL_MODES: readonly SupervisionMode[] = ['monitoring', 'whispering', 'barging'];
const MODE_LABEL = {
  monitoring: 'supervisionMonitor',
  whispering: 'supervisionWhisper',
  barging: 'supervisionBarge',
} as const;
/** What the supervisor is doing now, in words: who hears (or sees) them. */
const MODE_STATUS = {
  monitoring: 'supervisionYouMonitoring',
  whispering: 'supervisionYouWhispering',
  barging: 'supervisionYouBarging',
} as const;

/**
 * A supervisor's controls for one live interaction on the board: listen to, whisper to or barge into a call; read a
 * chat silently (its transcript, {@link MonitoredChat}, shows while monitored) and send its agent private notes; stop.
 * The pressed button is the leg's current mode, and a status line says who hears the supervisor in it.
 *
 * @example
 * ```tsx
 * <SupervisionControls interaction={interaction} agentName="Alice" />
 * ```
 */
export function SupervisionControls({
  interaction,
  agentName,
}: {
  readonly interaction: BoardInteraction;
  readonly agentName: string;
}): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const session = useSupervisorSession();
  const { supervision, connection } = session;
  const legs = useStore(supervision?.$legs ?? NO_LEGS);
  const action = useAction();
  const id = useId();
  const [note, setNote] = useState('');
  const { cid } = interaction;
  const leg = Object.values(legs).find((candidate) => candidate.cid === cid);
  const onCall = interaction.channel === 'voice';
  const modes = onCall ? CALL_MODES : (['monitoring'] as const);

  if (!supervision) return null;
  const client = supervision;

  function choose(mode: SupervisionMode): void {
    if (leg?.state === mode) return;
    void action.run(async () => {
      if (onCall) await ensureMedia(client, connection);
      if (leg) await client.setMode(cid, mode);
      else await client.start(cid, mode);
    });
  }

  function send(event: FormEvent): void {
    event.preventDefault();
    const text = note.trim();
    if (!text) return;
    void action.run(async () => {
      await client.note(cid, text);
      setNote('');
    });
  }

  const name = interaction.customerName ?? t('customerFallbackName');
  const current = leg && leg.state in MODE_STATUS ? (leg.state as keyof typeof MODE_STATUS) : undefined;
  return (
    <fieldset className="helpline-supervision" data-mode={leg?.state ?? 'none'}>
      <legend className="helpline-visually-hidden">{t('supervisionControls', { name })}</legend>
      <div className="helpline-supervision__modes">
        {modes.map((mode) => (
          <button
            key={mode}
            type="button"
            className="helpline-button"
            aria-pressed={leg?.state === mode}
            // The mode in force stays enabled (pressed, not greyed out): clicking it again changes nothing.
            disabled={action.pending && leg?.state !== mode}
            onClick={() => choose(mode)}
          >
            {t(onCall ? MODE_LABEL[mode] : 'supervisionRead')}
          </button>
        ))}
        {leg && (
          <button
            type="button"
            className="helpline-button helpline-supervision__stop"
            disabled={action.pending}
            onClick={() => void action.run(() => client.stop(cid))}
          >
            {t('supervisionStop')}
          </button>
        )}
      </div>
      <p className="helpline-supervision__status" role="status">
        {current && (onCall ? t(MODE_STATUS[current], { name: agentName }) : t('supervisionYouReading'))}
      </p>
      {leg && !onCall && <MonitoredChat cid={cid} customerName={name} />}
      {leg && (
        <form className="helpline-supervision__note" onSubmit={send}>
          <label htmlFor={`${id}-note`}>{t('supervisionNoteLabel', { name: agentName })}</label>
          <input
            id={`${id}-note`}
            className="helpline-input"
            value={note}
            maxLength={1000}
            onChange={(event) => setNote(event.target.value)}
          />
          <button type="submit" className="helpline-button" disabled={action.pending || note.trim() === ''}>
            {t('supervisionNoteSend')}
          </button>
        </form>
      )}
      <ErrorText error={action.error} i18n={i18n} />
    </fieldset>
  );
}
