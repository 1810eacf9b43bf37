import type { AttachmentPolicy, AttachmentRef } from '@helpline/core';
import { isHelplineError } from '@helpline/core';
import type { AttachmentStore } from './attachments.types';

// Files that arrive on a channel (an email's attachments, a WhatsApp photo) go through the same store as uploads: the
// same allow-list by the type the content shows and by size, the same scanner. A refused file never loses the
// message it came with: it becomes a line of text in it. The files kept are bound to the message once it exists.

/** One file as a channel delivers it. */
export interface ChannelFile {
  /** The name the sender gave (cleaned by the store); a channel without names makes one up. */
  readonly name: string;
  /** The type the sender declared; the store sniffs the content anyway. */
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** What {@link keepChannelFiles} did with the files of one message. */
export interface KeptChannelFiles {
  /** The files kept, to name in the message (`InboundMessage.attachments`). */
  readonly attachments: readonly AttachmentRef[];
  /** One line of text per refused file, to add to the message's text. */
  readonly notes: readonly string[];
}

/** The line that stands in a message for a file that was refused: its name and why, as text. */
export function refusedFileNote(name: string, error: unknown): string {
  const reason = isHelplineError(error) ? error.message : 'it could not be kept';
  return `[Attachment not accepted: ${name} — ${reason}]`;
}

/**
 * Keeps the files of one inbound message in the attachment store (allow-list, scanner), at most
 * `policy.maxPerMessage` of them; each refused one (type, size, scanner, one too many) becomes a note instead.
 *
 * @example
 * ```ts
 * const kept = await keepChannelFiles(store, files, { origin: 'email:<id@x>', policy });
 * await hub.channels.receive({ …, text: [text, ...kept.notes].join('\n'), attachments: kept.attachments });
 * ```
 */
export async function keepChannelFiles(
  store: Pick<AttachmentStore, 'put'>,
  files: readonly ChannelFile[],
  options: { readonly origin: string; readonly policy: AttachmentPolicy },
): Promise<KeptChannelFiles> {
  const attachments: AttachmentRef[] = [];
  const notes: string[] = [];
  for (const file of files) {
    if (attachments.length >= options.policy.maxPerMessage) {
      notes.push(
        `[Attachment not accepted: ${file.name} — a message carries at most ${options.policy.maxPerMessage} files]`,
      );
      continue;
    }
    try {
      attachments.push(
        await store.put(file.bytes, {
          name: file.name,
          type: file.type,
          origin: options.origin,
          policy: options.policy,
        }),
      );
    } catch (error) {
      notes.push(refusedFileNote(file.name, error));
    }
  }
  return { attachments, notes };
}

/**
 * Binds the files of an inbound message to it once the hub stored it: whoever may read the message may then
 * download them. `clientMsgId` is the hub's key of the message (`<channel>:<externalId>`).
 */
export async function adoptChannelFiles(
  store: Pick<AttachmentStore, 'adopt'>,
  attachments: readonly Pick<AttachmentRef, 'id'>[],
  to: { readonly cid: string; readonly clientMsgId: string },
): Promise<void> {
  for (const attachment of attachments) await store.adopt(attachment.id, to);
}
