import { VOICEMAIL_ATTACHMENT_POLICY } from '../attachment/attachment.limits';
import type { AttachmentUploader, UploadFile, UploadOptions } from '../attachment/attachment.upload';
import { uuidv7 } from '../ids/ids';
import { helplineError } from '../protocol/errors';
import type { CommandArgs } from '../protocol/protocol.types';
import type { VisitorSession } from './visitor.session';

/** Options of {@link leaveVoicemail}: the upload's, and the upload client to use instead of the session's. */
export interface VoicemailOptions extends UploadOptions {
  /** An upload client of your own (the widget's); default the session's `upload`. */
  readonly uploader?: Pick<AttachmentUploader, 'upload'> | undefined;
}

/** What {@link leaveVoicemail} is asked: where the voicemail goes, and the call nobody answered, if any. */
export type VoicemailRequest = Omit<CommandArgs<'voicemail.start'>, 'requestId'>;

/**
 * Leaves a voicemail from a visitor session (docs/voice.md#voicemail): opens it — allowed when the queue is closed, or
 * when `fromCid`, the visitor's own call, waited the queue's `voicemail.afterSeconds` unanswered (that call ends) —
 * makes it the session's conversation, uploads the recording to it (checked against the site's allow-list first) and
 * sends it into the queue. Resolves with the voicemail's id. A refused upload cancels the voicemail and rejects with
 * the upload's typed error. Kept apart from the session, so a page that never records pays nothing for it.
 *
 * @example
 * ```ts
 * const blob = new Blob(chunks, { type: 'audio/webm' }); // a MediaRecorder's data
 * await leaveVoicemail(session, new File([blob], 'voicemail.webm', { type: blob.type }), { queueId: 'sales' });
 * ```
 */
export async function leaveVoicemail(
  session: Pick<VisitorSession, 'connection' | 'restore' | 'upload'>,
  recording: UploadFile,
  request: VoicemailRequest = {},
  options: VoicemailOptions = {},
): Promise<string> {
  const { connection } = session;
  connection.open();
  const { cid } = await connection.command('voicemail.start', { requestId: uuidv7(Date.now()), ...request });
  try {
    // The newest open conversation is the voicemail: the session makes it current, and uploads go to it.
    const current = await session.restore();
    if (current?.cid !== cid)
      throw helplineError('conflict/state', {
        operation: 'record',
        entity: 'voicemail',
        state: 'not current',
      });
    // The site's chat allow-list is not a recording's: the server checks a voicemail's upload against its own.
    const { uploader, ...upload } = options;
    const checked = { ...upload, policy: VOICEMAIL_ATTACHMENT_POLICY };
    const ref = uploader
      ? await uploader.upload(cid, recording, checked)
      : await session.upload(recording, checked);
    await connection.command('voicemail.send', { cid, clientMsgId: uuidv7(Date.now()), attachments: [ref] });
  } catch (error) {
    await connection.command('chat.end', { cid }).catch(() => undefined);
    throw error;
  }
  return cid;
}
