'use client';
import { type CommandResult, type Connection, isHelplineError } from '@helpline/core';
import { type ReactNode, useEffect, useState } from 'react';
import { useHelpline } from '../context/HelplineContext';
import { useCall } from '../hooks/useCall';
import { useTranslator } from '../i18n/translator';
import { ErrorText } from './shared';

/** A stored recording as `recording.list` answers it. */
type RecordingInfo = CommandResult<'recording.list'>['recordings'][number];

/** Props of {@link CallRecordingControls}. */
export interface CallRecordingControlsProps {
  /**
   * Called with the action before the command is sent: pause the browser recorder here (`recorder.pause()`), so
   * nothing more is captured even while the command travels. Resume and start follow the server's answer.
   */
  readonly onAction?: ((action: 'start' | 'pause' | 'resume') => void) | undefined;
  readonly className?: string | undefined;
}

/**
 * The recording controls of the agent's current call: its state said in a polite live region ("Recording",
 * "Recording paused"), and Start (queues that record on demand), Pause and Resume as the call allows. Each is the
 * `call.recording` command: the server audits it and tells the customer.
 *
 * @example
 * ```tsx
 * <Softphone />
 * <CallRecordingControls onAction={(action) => action === 'pause' && recorder?.pause()} />
 * ```
 */
export function CallRecordingControls({ onAction, className }: CallRecordingControlsProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  const call = useCall();
  const { agent } = useHelpline();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  if (call.state === 'idle' || !agent) return null;
  const { cid, callId } = call.call;
  if (cid === undefined || callId === undefined) return null;
  const { flags } = call;
  const { recording } = call.call.snapshot.context;
  const run = (action: 'start' | 'pause' | 'resume') => {
    onAction?.(action);
    setBusy(true);
    setError(undefined);
    agent.connection
      .command('call.recording', { cid, callId, action })
      .then(
        () => undefined,
        (failure: unknown) => setError(failure),
      )
      .finally(() => setBusy(false));
  };
  const button = (action: 'start' | 'pause' | 'resume', label: string) => (
    <button type="button" className="helpline-button" disabled={busy} onClick={() => run(action)}>
      {label}
    </button>
  );
  return (
    <div className={['helpline-recording', className].filter(Boolean).join(' ')} data-recording={recording}>
      <p className="helpline-recording__state" role="status" aria-live="polite">
        {recording === 'on' ? t('recordingOn') : recording === 'paused' ? t('recordingPaused') : ''}
      </p>
      {flags.canStartRecording && button('start', t('recordingStart'))}
      {flags.canPauseRecording && button('pause', t('recordingPause'))}
      {flags.canResumeRecording && button('resume', t('recordingResume'))}
      <ErrorText error={error} i18n={i18n} />
    </div>
  );
}

/** Props of {@link CallRecordings}. */
export interface CallRecordingsProps {
  /** The customer whose calls' recordings to list (their history), or… */
  readonly customerId?: string | undefined;
  /** …one interaction's. */
  readonly cid?: string | undefined;
  /**
   * Fetches a recording's bytes with the staff token (tokens never go in URLs): `url` is the server-relative
   * download path (`/v1/recordings/:id`). Default: the agent session's `fetchRecording` (or the supervisor
   * session's, when it has one), so a console needs no code of its own.
   */
  readonly fetchRecording?: ((url: string) => Promise<Blob>) | undefined;
  /**
   * Shows nothing, instead of the refusal in words, where this user may not play recordings (an agent when the server
   * does not allow agent playback) or the server stores none: for places such as a customer's history.
   */
  readonly hideWhenUnavailable?: boolean | undefined;
  readonly className?: string | undefined;
}

/** The session's own fetch of a recording: the agent's, else the supervisor's (when it offers one). */
function sessionFetchOf(
  clients: ReturnType<typeof useHelpline>,
): ((url: string) => Promise<Blob>) | undefined {
  const supervisor = clients.supervisor as
    | { readonly fetchRecording?: (url: string) => Promise<Blob> }
    | undefined;
  return clients.agent?.fetchRecording ?? supervisor?.fetchRecording;
}

const noFetch = (): Promise<Blob> =>
  Promise.reject(new Error('[helpline] CallRecordings: no fetchRecording'));

/** The connection `recording.list` goes through: the agent's, else the supervisor's. */
function connectionOf(clients: ReturnType<typeof useHelpline>): Connection | undefined {
  const supervisor = clients.supervisor as { readonly connection?: Connection } | undefined;
  return clients.agent?.connection ?? supervisor?.connection;
}

function Player({
  recording,
  fetchRecording,
}: {
  recording: RecordingInfo;
  fetchRecording: (url: string) => Promise<Blob>;
}) {
  const i18n = useTranslator();
  const [url, setUrl] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let live = true;
    let made = '';
    fetchRecording(recording.url).then(
      (blob) => {
        made = URL.createObjectURL(new Blob([blob], { type: recording.mimeType.split(';')[0] ?? '' }));
        if (live) setUrl(made);
        else URL.revokeObjectURL(made);
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [fetchRecording, recording.url, recording.mimeType]);
  const label = i18n.t('recordingLabel', { date: i18n.dateTime(recording.startedAt) });
  if (error !== undefined) return <ErrorText error={error} i18n={i18n} />;
  return (
    <figure className="helpline-audio" data-ready={url ? 'true' : 'false'}>
      {/* biome-ignore lint/a11y/useMediaCaption: a recorded call has no captions to offer */}
      <audio
        className="helpline-audio__player"
        controls
        preload="metadata"
        src={url || undefined}
        aria-label={label}
      />
      <figcaption className="helpline-audio__caption">{label}</figcaption>
    </figure>
  );
}

/**
 * The call recordings of a customer's history (or of one interaction), each a labelled audio player with the
 * browser's keyboard-operable controls. The server lists them to supervisors, and to the call's agents only when it
 * allows agent playback; anyone else sees the refusal in words.
 *
 * @example
 * ```tsx
 * <CallRecordings customerId={customer.id} /> // fetched with the agent session's token
 * <CallRecordings cid={interaction.id} fetchRecording={(url) => fetch(server + url, { headers }).then((r) => r.blob())} />
 * ```
 */
export function CallRecordings({
  customerId,
  cid,
  fetchRecording,
  hideWhenUnavailable,
  className,
}: CallRecordingsProps): ReactNode {
  const i18n = useTranslator();
  const clients = useHelpline();
  const connection = connectionOf(clients);
  const fetchBytes = fetchRecording ?? sessionFetchOf(clients) ?? noFetch;
  const [recordings, setRecordings] = useState<readonly RecordingInfo[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    if (!connection) return;
    let live = true;
    connection
      .command('recording.list', { ...(cid ? { cid } : {}), ...(customerId ? { customerId } : {}) })
      .then(
        (result) => live && setRecordings(result.recordings),
        (failure: unknown) => live && setError(failure),
      );
    return () => {
      live = false;
    };
  }, [connection, cid, customerId]);
  const unavailable =
    isHelplineError(error) && (error.code === 'auth/forbidden' || error.code === 'conflict/state');
  if (hideWhenUnavailable && unavailable) return null;
  return (
    <section
      className={['helpline-recordings', className].filter(Boolean).join(' ')}
      aria-label={i18n.t('recordingsTitle')}
    >
      <ErrorText error={error} i18n={i18n} />
      {recordings?.length === 0 && <p className="helpline-empty">{i18n.t('recordingsNone')}</p>}
      {recordings?.map((recording) => (
        <Player key={recording.id} recording={recording} fetchRecording={fetchBytes} />
      ))}
    </section>
  );
}
