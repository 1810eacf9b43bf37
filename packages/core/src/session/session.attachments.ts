import type { AttachmentRef } from '../attachment/attachment.types';
import type { AttachmentClientOptions } from '../attachment/attachment.upload';

// What sessions take and give for attachments. The upload client itself (`attachment.upload.ts`, `uploadWith`) is
// loaded on the first upload, so a visitor who never attaches a file never downloads it.

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
