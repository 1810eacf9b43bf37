import type { AttachmentRef } from '../attachment/attachment.types';
import type { AttachmentClientOptions, UploadFile, UploadOptions } from '../attachment/attachment.upload';

// A session's uploads. The upload client is loaded on first use (a dynamic import), so a visitor who never attaches
// a file never downloads it.

/** Where a session uploads attachments: the server's base URL and the site; the session's token is used. */
export type SessionAttachmentOptions = Omit<AttachmentClientOptions, 'token'> & {
  /** Default: the session's own token. */
  readonly token?: AttachmentClientOptions['token'] | undefined;
};

/** What `sendMessage` may carry besides the text. */
export interface SendMessageOptions {
  /** Files uploaded with `upload()`; the text may then be empty. */
  readonly attachments?: readonly AttachmentRef[] | undefined;
}

export type { UploadFile, UploadOptions } from '../attachment/attachment.upload';

/** The session's `upload`, once the uploader is loaded. */
export function sessionUploads(
  options: SessionAttachmentOptions | undefined,
  token: string | (() => string | Promise<string>),
): (cid: string, file: UploadFile, upload?: UploadOptions) => Promise<AttachmentRef> {
  let uploader: Promise<import('../attachment/attachment.upload').AttachmentUploader> | undefined;
  return async (cid, file, upload) => {
    // Even the refusal loads with the uploader: its message stays out of a first open.
    uploader ??= import('../attachment/attachment.upload').then(
      ({ createAttachmentUploader, uploadsDisabled }) => {
        if (!options) throw uploadsDisabled();
        return createAttachmentUploader({
          ...options,
          token: options.token ?? (async () => (typeof token === 'function' ? token() : token)),
        });
      },
    );
    return (await uploader).upload(cid, file, upload);
  };
}
