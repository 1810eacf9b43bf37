import { createAttachmentUploader, helplineError, leaveVoicemail } from '@helpline/core';
import { html, nothing, type TemplateResult } from 'lit';
import type { PanelContext } from '../panel/context';
import { alertFor } from '../panel/form';

// A voicemail from the browser: a visible prompt, then the visitor records with MediaRecorder, listens back, records
// again, cancels or sends. The recorder is a machine: `send(event)` moves it along its table, nothing else does.

/** Where the recorder stands. */
export type RecorderState = 'idle' | 'starting' | 'recording' | 'recorded' | 'sending' | 'sent';
/** What happens to it. */
export type RecorderEvent = 'START' | 'STARTED' | 'STOP' | 'FAILED' | 'SEND' | 'SENT' | 'RESET';

/** The recorder's transition table: `state × event → next state`; an event a state does not list is ignored. */
export const RECORDER_TABLE: Readonly<Record<RecorderState, Partial<Record<RecorderEvent, RecorderState>>>> =
  {
    idle: { START: 'starting' },
    starting: { STARTED: 'recording', FAILED: 'idle', RESET: 'idle' },
    recording: { STOP: 'recorded', FAILED: 'idle', RESET: 'idle' },
    recorded: { START: 'starting', SEND: 'sending', RESET: 'idle' },
    sending: { SENT: 'sent', FAILED: 'recorded' },
    sent: {},
  };

/** One recording in progress or done (module state: one panel per page). */
interface Recorder {
  state: RecorderState;
  /** The visitor's own call that nobody answered, when voicemail replaces it. */
  fromCid?: string | undefined;
  stream?: MediaStream | undefined;
  media?: MediaRecorder | undefined;
  chunks: Blob[];
  blob?: Blob | undefined;
  url?: string | undefined;
  startedAt: number;
  elapsed: number;
  ticker?: ReturnType<typeof setInterval> | undefined;
}

/** One recorder per panel (its model). */
const recorders = new WeakMap<PanelContext['model'], Recorder>();

function fresh(): Recorder {
  return { state: 'idle', chunks: [], startedAt: 0, elapsed: 0 };
}

function recorderOf(ctx: Pick<PanelContext, 'model'>): Recorder {
  let found = recorders.get(ctx.model);
  if (!found) {
    found = fresh();
    recorders.set(ctx.model, found);
  }
  return found;
}

function send(ctx: PanelContext, event: RecorderEvent): boolean {
  const recorder = recorderOf(ctx);
  const next = RECORDER_TABLE[recorder.state][event];
  if (!next) return false;
  recorder.state = next;
  ctx.requestUpdate();
  return true;
}

function release(recorder: Recorder): void {
  if (recorder.ticker !== undefined) clearInterval(recorder.ticker);
  recorder.ticker = undefined;
  for (const track of recorder.stream?.getTracks() ?? []) track.stop();
  recorder.stream = undefined;
  recorder.media = undefined;
}

function forgetRecording(recorder: Recorder): void {
  if (recorder.url) URL.revokeObjectURL(recorder.url);
  recorder.url = undefined;
  recorder.blob = undefined;
  recorder.chunks = [];
}

/** The container the browser records into: WebM/Opus where it can, else MP4 (Safari). */
function mimeType(): string | undefined {
  const supports = (type: string) => globalThis.MediaRecorder?.isTypeSupported?.(type) === true;
  return ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4'].find(supports);
}

async function start(ctx: PanelContext, maxSeconds: number): Promise<void> {
  const recorder = recorderOf(ctx);
  if (!send(ctx, 'START')) return;
  ctx.model.clearError();
  forgetRecording(recorder);
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    const type = mimeType();
    const media = new MediaRecorder(stream, type ? { mimeType: type } : {});
    recorder.stream = stream;
    recorder.media = media;
    media.addEventListener('dataavailable', (event) => {
      if (event.data.size > 0) recorder.chunks.push(event.data);
    });
    media.addEventListener('stop', () => {
      const blob = new Blob(recorder.chunks, { type: media.mimeType || type || 'audio/webm' });
      recorder.blob = blob;
      recorder.url = URL.createObjectURL(blob);
      release(recorder);
      send(ctx, 'STOP');
    });
    media.start(1000);
    recorder.startedAt = Date.now();
    recorder.elapsed = 0;
    recorder.ticker = setInterval(() => {
      recorder.elapsed = Math.floor((Date.now() - recorder.startedAt) / 1000);
      // The queue's longest message: the recording stops by itself.
      if (recorder.elapsed >= maxSeconds) stop(recorder);
      ctx.requestUpdate();
    }, 1000);
    send(ctx, 'STARTED');
  } catch (error) {
    release(recorder);
    send(ctx, 'FAILED');
    ctx.model.fail(microphoneError(error));
  }
}

function stop(recorder: Recorder): void {
  if (recorder.media?.state === 'recording') recorder.media.stop();
}

/** The microphone's refusals, as the voice errors of the catalog the panel already translates. */
function microphoneError(error: unknown): unknown {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return helplineError('voice/permission-denied', {});
  if (name === 'NotFoundError') return helplineError('voice/no-device', {});
  return error;
}

async function sendRecording(ctx: PanelContext, queueId: string | undefined): Promise<void> {
  const recorder = recorderOf(ctx);
  const blob = recorder.blob;
  if (!blob || !send(ctx, 'SEND')) return;
  ctx.model.clearError();
  const extension = blob.type.includes('mp4') ? 'm4a' : 'webm';
  const settings = ctx.uploads?.attachments;
  const token = ctx.uploads?.token;
  try {
    const file = new File([blob], `voicemail.${extension}`, { type: blob.type });
    await leaveVoicemail(
      ctx.model.session,
      file,
      recorder.fromCid ? { fromCid: recorder.fromCid } : queueId ? { queueId } : {},
      // The widget uploads through its own client (the connection's upload settings), as its chat's files do.
      settings && token !== undefined
        ? {
            uploader: createAttachmentUploader({
              ...settings,
              token: async () => (typeof token === 'function' ? token() : token),
            }),
          }
        : {},
    );
    forgetRecording(recorder);
    send(ctx, 'SENT');
  } catch (error) {
    send(ctx, 'FAILED');
    ctx.model.fail(error);
  }
}

function cancel(ctx: PanelContext): void {
  const recorder = recorderOf(ctx);
  stop(recorder);
  release(recorder);
  forgetRecording(recorder);
  recorders.delete(ctx.model);
  ctx.model.newConversation();
}

const clock = (ctx: PanelContext, seconds: number) =>
  `${ctx.i18n.formatNumber(Math.floor(seconds / 60))}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * The voicemail recorder: a visible prompt (read out by screen readers as the view's status), Record / Stop with the
 * time used of the queue's limit, the recording to listen back to, Record again, Send and Cancel; once sent, a
 * confirmation. `fromCid` is the visitor's own waiting call when nobody answered it in time (it ends when the
 * voicemail is opened).
 */
export function renderRecorder(ctx: PanelContext, fromCid?: string): TemplateResult {
  const { i18n, model } = ctx;
  const voicemail = ctx.config.voicemail;
  const maxSeconds = voicemail?.maxSeconds ?? 120;
  const recorder = recorderOf(ctx);
  if (recorder.fromCid !== fromCid && recorder.state === 'idle') recorder.fromCid = fromCid;
  const current = model.$current.get();
  // Sent (here, or before a reload): the voicemail waits in its queue.
  const sent =
    recorder.state === 'sent' ||
    (current?.channel === 'voicemail' && ['queued', 'offered', 'active', 'wrap-up'].includes(current.state));
  const state = sent ? 'sent' : recorder.state;
  if (state === 'sent') {
    return html`<p part="voicemail-sent" role="status">${i18n.t('voicemailSent')}</p>
      <button
        part="button back-home"
        @click=${() => {
          recorders.delete(model);
          model.newConversation();
        }}
      >
        ${i18n.t('back')}
      </button>`;
  }
  const recording = state === 'recording' || state === 'starting';
  const status =
    state === 'recording'
      ? i18n.t('voicemailRecording', { elapsed: clock(ctx, recorder.elapsed), max: clock(ctx, maxSeconds) })
      : state === 'recorded'
        ? i18n.t('voicemailRecorded')
        : state === 'sending'
          ? i18n.t('voicemailSending')
          : '';
  return html`<div part="voicemail" data-state=${state}>
    <p part="voicemail-prompt" id="voicemail-prompt">${i18n.t('voicemailPrompt', { max: clock(ctx, maxSeconds) })}</p>
    <p part="voicemail-status" role="status">${status}</p>
    ${
      recorder.url && state !== 'recording'
        ? html`<audio part="voicemail-preview" controls src=${recorder.url} aria-label=${i18n.t('voicemailPreview')}></audio>`
        : nothing
    }
    ${alertFor(model.$error.get(), i18n)}
    <div part="voicemail-controls">
      ${
        recording
          ? html`<button part="button voicemail-stop" class="primary" aria-describedby="voicemail-prompt" @click=${() => stop(recorder)}>
            ${i18n.t('voicemailStop')}
          </button>`
          : html`<button
            part="button voicemail-record"
            class=${state === 'recorded' ? '' : 'primary'}
            aria-describedby="voicemail-prompt"
            ?disabled=${state === 'sending'}
            @click=${() => start(ctx, maxSeconds)}
          >
            ${i18n.t(state === 'recorded' ? 'voicemailRerecord' : 'voicemailRecord')}
          </button>`
      }
      ${
        state === 'recorded' || state === 'sending'
          ? html`<button
            part="button voicemail-send"
            class="primary"
            ?disabled=${state === 'sending'}
            @click=${() => sendRecording(ctx, voicemail?.queueId)}
          >
            ${i18n.t('voicemailSend')}
          </button>`
          : nothing
      }
      <button part="button voicemail-cancel" ?disabled=${state === 'sending'} @click=${() => cancel(ctx)}>
        ${i18n.t('voicemailCancel')}
      </button>
    </div>
  </div>`;
}

/** The voicemail view (a closed queue that takes voicemail): the recorder, or its confirmation once sent. */
export function renderVoicemail(ctx: PanelContext): TemplateResult {
  return renderRecorder(ctx);
}
