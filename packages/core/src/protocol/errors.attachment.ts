import { type ErrorOptions, fillTemplate, HelplineError } from './errors';

/**
 * The messages of the attachment error codes. They live apart from the core's (`ERROR_MESSAGES`) so that a client
 * that never uploads (the widget before its upload UI is opened) does not ship them. Sizes arrive already formatted
 * (`10 MB`), names as the user chose them: a UI shows the message as text, or translates the code with its params.
 */
export const ATTACHMENT_ERROR_MESSAGES = {
  'attachment/type-not-allowed': '{name}: files of type {type} are not allowed here (allowed: {allowed}).',
  'attachment/too-large': '{name} is too large ({size}); the limit is {max}.',
  'attachment/empty': '{name} is empty.',
  'attachment/type-mismatch': '{name} is not what its type {type} says: its content is {actual}.',
  'attachment/rejected': '{name} was refused by the file check ({reason}).',
  'attachment/incomplete': 'Attachment {id} is not complete: {received} of {size} bytes uploaded.',
  'attachment/offset': 'Attachment {id} continues at byte {expected}, not {offset}.',
  'attachment/disabled': 'Attachments are not enabled on this server.',
} as const satisfies Record<`attachment/${string}`, string>;

/** An error code about an attachment: refused by an allow-list or the scanner, or an upload out of step. */
export type AttachmentErrorCode = keyof typeof ATTACHMENT_ERROR_MESSAGES;

/**
 * Creates a {@link HelplineError} about an attachment with its catalog message, as `helplineError` does for the
 * core's codes.
 *
 * @example
 * ```ts
 * throw attachmentError('attachment/too-large', { name: 'scan.pdf', size: '12 MB', max: '10 MB' });
 * ```
 */
export function attachmentError(
  code: AttachmentErrorCode,
  params: Record<string, string | number> = {},
  options: ErrorOptions = {},
): HelplineError {
  return new HelplineError(code, fillTemplate(ATTACHMENT_ERROR_MESSAGES[code], params), options);
}
