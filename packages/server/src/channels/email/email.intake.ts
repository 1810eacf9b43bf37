// The inbound half of the email channel's core: a parsed mail → a thread → the hub. Bounces mark our reply failed,
// automatic mail is dropped (no conversation, no answer: no loop), a person's mail joins its thread or starts one.
import { randomBytes } from 'node:crypto';
import type { AttachmentPolicy } from '@helpline/core';
import { type ChannelsHub, inboundMessageKey } from '@helpline/core/hub';
import { adoptChannelFiles, keepChannelFiles } from '../../attachments/attachments.channel';
import type { AttachmentStore } from '../../attachments/attachments.types';
import type { EmailStore, EmailThread } from './email.store';
import type { ParsedEmail } from './email.types';

/**
 * The part of the hub the email channel hands mail to: `hub.channels` (core's `ChannelsHub`). `receive` appends a
 * customer's mail to its conversation (once per `externalId`), `status` records a bounce of one of our replies.
 */
export type EmailIntake = Pick<ChannelsHub, 'receive' | 'status'>;

/** What taking one mail in did. */
export type IntakeOutcome =
  | {
      readonly action: 'received';
      readonly cid: string;
      readonly created: boolean;
      readonly threadKey: string;
    }
  | { readonly action: 'duplicate'; readonly threadKey: string }
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'bounce'; readonly failed: readonly string[] };

/**
 * Where the files of customers' mails are kept: the server's attachment store, with the allow-list of files that
 * arrive on a channel. Without it a mail's files are only named in its text.
 */
export interface EmailAttachments {
  readonly store: Pick<AttachmentStore, 'put' | 'adopt' | 'get' | 'read'>;
  readonly policy: AttachmentPolicy;
}

/** The mailbox a mail arrived in, as the intake needs it. */
export interface IntakeMailbox {
  readonly id: string;
  readonly address: string;
}

/** A fresh reply token: 16 characters of base-32 (80 random bits), safe in an address's local part. */
export function newReplyToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...randomBytes(16)].map((byte) => alphabet[byte % 32]).join('');
}

/** `support@shop.example` + token → `support+<token>@shop.example`. */
export function replyAddress(mailboxAddress: string, token: string): string {
  const at = mailboxAddress.lastIndexOf('@');
  return `${mailboxAddress.slice(0, at)}+${token}${mailboxAddress.slice(at)}`;
}

/** The reply token of `recipient` when it is `mailboxAddress` with a `+<token>`; undefined otherwise. */
export function replyTokenOf(recipient: string, mailboxAddress: string): string | undefined {
  const at = mailboxAddress.lastIndexOf('@');
  const local = mailboxAddress.slice(0, at).toLowerCase();
  const domain = mailboxAddress.slice(at).toLowerCase();
  const lower = recipient.toLowerCase();
  if (!lower.endsWith(domain)) return undefined;
  const match = /^(.+)\+([a-z2-7]{16})$/.exec(lower.slice(0, -domain.length));
  return match && match[1] === local ? match[2] : undefined;
}

/** The text the hub stores: the new part, then the quoted history as `>` lines the console can fold. */
export function conversationText(email: Pick<ParsedEmail, 'text' | 'quoted'>): string {
  if (!email.quoted) return email.text;
  const quoted = email.quoted
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : `> ${line}`))
    .join('\n');
  return `${email.text}\n\n${quoted}`;
}

/**
 * Finds the thread of a customer's mail: the reply token in a recipient address first (it survives mail programs
 * that drop headers), then any known id of `In-Reply-To` and `References`; undefined for a new conversation.
 */
export async function findThread(
  store: EmailStore,
  email: ParsedEmail,
  mailbox: IntakeMailbox,
): Promise<EmailThread | undefined> {
  for (const recipient of email.recipients) {
    const token = replyTokenOf(recipient, mailbox.address);
    const thread = token ? await store.threadByToken(token) : undefined;
    if (thread) return thread;
  }
  const ids = [...(email.inReplyTo ? [email.inReplyTo] : []), ...[...email.references].reverse()];
  return store.threadByMessageIds(ids);
}

/**
 * Takes one parsed mail in. Safe to call again for the same mail (a re-read after a reconnect): a mail already
 * taken in is answered `duplicate` without calling the hub, and the hub dedupes by `externalId` as well.
 *
 * @param ownAddresses every configured mailbox address, lower-case: mail from one of them is our own coming back
 */
export async function takeInEmail(
  email: ParsedEmail,
  mailbox: IntakeMailbox,
  deps: {
    readonly store: EmailStore;
    readonly intake: EmailIntake;
    readonly ownAddresses: ReadonlySet<string>;
    /** Where the mail's files go (checked and scanned); absent: they are only named in the text. */
    readonly attachments?: EmailAttachments | undefined;
  },
  now: () => number = Date.now,
): Promise<IntakeOutcome> {
  const { store, intake } = deps;
  if (email.kind === 'bounce') {
    const failed: string[] = [];
    for (const id of email.bouncedMessageIds) {
      const record = await store.message(id);
      if (record?.direction !== 'outbound' || record.status === 'failed') continue;
      await store.saveMessage({ ...record, status: 'failed' });
      await intake.status('email', id, 'failed', email.bounceDetail ?? 'the mail bounced');
      failed.push(id);
    }
    return { action: 'bounce', failed };
  }
  if (email.kind !== 'message') return { action: 'ignored', reason: email.kindReason };
  const from = email.from;
  if (!from) return { action: 'ignored', reason: 'no From address' };
  if (deps.ownAddresses.has(from.address.toLowerCase())) {
    return { action: 'ignored', reason: 'sent from one of our own mailboxes' };
  }
  const known = await store.message(email.messageId);
  if (known?.direction === 'outbound') return { action: 'ignored', reason: 'one of our own replies' };
  if (known) return { action: 'duplicate', threadKey: known.threadKey };

  const thread =
    (await findThread(store, email, mailbox)) ??
    (await store.saveThread({
      // The contract's root: the first of References, else In-Reply-To, else its own Message-ID.
      threadKey: email.references[0] ?? email.inReplyTo ?? email.messageId,
      replyToken: newReplyToken(),
      mailbox: mailbox.id,
      customerAddress: from.address,
      subject: email.subject,
    }));
  // The files first: each is kept (allow-list, scanner) or refused with a note in the text; the mail goes in either way.
  const clientMsgId = inboundMessageKey('email', email.messageId);
  const kept = deps.attachments
    ? await keepChannelFiles(deps.attachments.store, email.files, {
        origin: clientMsgId,
        policy: deps.attachments.policy,
      })
    : { attachments: [], notes: email.files.map((file) => `[Attachment: ${file.name}]`) };
  // Notes of refused files go with the new part, above the quoted history the console folds.
  const text = conversationText({
    text: [email.text, ...kept.notes].filter((part) => part !== '').join('\n\n'),
    quoted: email.quoted,
  });
  const result = await intake.receive({
    channel: 'email',
    externalId: email.messageId,
    threadKey: thread.threadKey,
    from,
    to: mailbox.address,
    subject: email.subject,
    text,
    ...(kept.attachments.length > 0 ? { attachments: kept.attachments } : {}),
    receivedAt: Number.isFinite(email.sentAt) ? Math.min(email.sentAt, now()) : now(),
  });
  // Bound to the message once it is stored (a duplicate's copies never are, and the store forgets them).
  if (deps.attachments && !result.duplicate)
    await adoptChannelFiles(deps.attachments.store, kept.attachments, { cid: result.cid, clientMsgId });
  await store.saveMessage({
    messageId: email.messageId,
    threadKey: thread.threadKey,
    direction: 'inbound',
    status: 'received',
  });
  if (result.duplicate) return { action: 'duplicate', threadKey: thread.threadKey };
  return { action: 'received', cid: result.cid, created: result.created, threadKey: thread.threadKey };
}
