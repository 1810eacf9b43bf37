// The outbound half: an agent's reply as a mail — plain text (the agent's files as MIME attachments), our own Message-ID, In-Reply-To and References
// from the conversation, the thread's reply token in Reply-To, sent through the mailbox's SMTP server with nodemailer.
import { randomUUID } from 'node:crypto';
import { type BackoffPolicy, backoffDelay } from '@helpline/core';
import type { OutboundMessage } from '@helpline/core/hub';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { AttachmentStore } from '../../attachments/attachments.types';
import type { ResolvedMailbox } from './email.config';
import { newReplyToken, replyAddress } from './email.intake';
import type { EmailStore } from './email.store';

/**
 * One agent reply to send: the fields of core's `OutboundMessage` the email channel reads (the subject, our mailbox
 * in `from`, the customer in `to`, the conversation's Message-IDs in `references`, oldest first).
 */
export type EmailOutboundMessage = Pick<
  OutboundMessage,
  'threadKey' | 'from' | 'to' | 'subject' | 'text' | 'references' | 'attachments'
> & { readonly agent: Pick<OutboundMessage['agent'], 'displayName'> };

/** Where the files of agents' replies are read from: the server's attachment store. */
export type EmailFiles = Pick<AttachmentStore, 'get' | 'read'>;

/**
 * The files of a reply as nodemailer attachments: each read whole from the store (a retried send reuses them),
 * under its stored name and type. A file that is gone fails the reply (the agent sees it failed, and why).
 */
export async function mailAttachments(
  files: EmailFiles | undefined,
  attachments: OutboundMessage['attachments'],
): Promise<NonNullable<Mail.Options['attachments']>> {
  const parts: NonNullable<Mail.Options['attachments']> = [];
  for (const attachment of attachments ?? []) {
    const record = files ? await files.get(attachment.id) : undefined;
    if (record?.status !== 'complete')
      throw new EmailSendError(`the attachment ${attachment.name} is no longer available`, false);
    const pieces: Uint8Array[] = [];
    for await (const piece of files?.read(record) ?? []) pieces.push(piece);
    parts.push({
      filename: record.name,
      content: Buffer.concat(pieces),
      contentType: record.type ?? 'application/octet-stream',
      contentDisposition: 'attachment',
    });
  }
  return parts;
}

/** A reply the SMTP server refused or could not take; the reply stays in the conversation, marked failed. */
export class EmailSendError extends Error {
  /** True when trying again may work (the server was away, a 4xx answer). */
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmailSendError';
    this.retryable = retryable;
  }
}

/** `Re: ` before a subject that has none yet (`Re:`, `RE:`, `AW:`, `SV:` count). */
export function replySubject(subject: string | undefined): string {
  const text = (subject ?? '').trim();
  if (text === '') return 'Re: your message';
  return /^(re|aw|sv|antw|vs)\s*:/i.test(text) ? text : `Re: ${text}`;
}

/** The nodemailer options of a mailbox's SMTP server. */
export function smtpOptions(mailbox: ResolvedMailbox): SMTPTransport.Options {
  const { smtp } = mailbox;
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    // Without TLS from the start, STARTTLS is required unless the configuration allows plain text (local relays).
    requireTLS: !smtp.secure && !smtp.allowPlaintext,
    ignoreTLS: !smtp.secure && smtp.allowPlaintext,
    ...(smtp.user ? { auth: { user: smtp.user, pass: mailbox.smtpPassword ?? '' } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    // Nothing in a reply may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** Sends agents' replies for the configured mailboxes. */
export interface EmailSender {
  /** Sends one reply; resolves with its Message-ID (angle brackets included). */
  send(message: EmailOutboundMessage): Promise<{ readonly externalId: string }>;
  close(): void;
}

/** How often a reply is tried before it counts as failed, and the backoff between tries. */
export interface SendRetry extends BackoffPolicy {
  readonly attempts: number;
}

/** Three tries, about 1 and 2 seconds apart (full jitter). */
export const DEFAULT_SEND_RETRY: SendRetry = { attempts: 3, initialMs: 1000, maxMs: 4000 };

/** Creates the sender of `mailboxes` over their SMTP servers. */
export function createEmailSender(
  mailboxes: readonly ResolvedMailbox[],
  store: EmailStore,
  retry: SendRetry = DEFAULT_SEND_RETRY,
  random: () => number = Math.random,
  files?: EmailFiles | undefined,
): EmailSender {
  const transports = new Map<string, Transporter<SMTPTransport.SentMessageInfo>>();
  const transportOf = (mailbox: ResolvedMailbox) => {
    let transport = transports.get(mailbox.id);
    if (!transport) {
      transport = nodemailer.createTransport(smtpOptions(mailbox));
      transports.set(mailbox.id, transport);
    }
    return transport;
  };
  const byAddress = new Map(mailboxes.map((box) => [box.address.toLowerCase(), box]));

  return {
    async send(message) {
      const existing = await store.threadByKey(message.threadKey);
      const mailbox =
        byAddress.get(message.from.toLowerCase()) ?? mailboxes.find((box) => box.id === existing?.mailbox);
      if (!mailbox) throw new EmailSendError(`no mailbox is configured for ${message.from}`, false);
      // A conversation that did not start by mail (a chat continued by email) gets its thread here.
      const thread =
        existing ??
        (await store.saveThread({
          threadKey: message.threadKey,
          replyToken: newReplyToken(),
          mailbox: mailbox.id,
          customerAddress: message.to.address,
          subject: message.subject ?? '',
        }));
      const domain = mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1);
      const messageId = `<${randomUUID()}@${domain}>`;
      const references = message.references.filter((id) => /^<[^<>\s]+>$/.test(id));
      const attachments = await mailAttachments(files, message.attachments);
      // Recorded before sending: a bounce that comes back at once finds it.
      await store.saveMessage({
        messageId,
        threadKey: thread.threadKey,
        direction: 'outbound',
        status: 'sent',
      });
      const mail: Mail.Options = {
        from: {
          name: [message.agent.displayName, mailbox.name].filter(Boolean).join(' · '),
          address: mailbox.address,
        },
        replyTo: replyAddress(mailbox.address, thread.replyToken),
        to: message.to.name ? { name: message.to.name, address: message.to.address } : message.to.address,
        subject: replySubject(message.subject ?? thread.subject),
        text: message.text,
        ...(attachments.length > 0 ? { attachments } : {}),
        messageId,
        ...(references.length > 0 ? { inReplyTo: references.at(-1), references } : {}),
        // Bounces come back to the mailbox, where the channel reads them.
        envelope: { from: mailbox.address, to: [message.to.address] },
      };
      // A server away or answering 4xx is tried again a few times, with the same Message-ID (a mail that did arrive
      // the first time is then one mail twice, which mail programs show once); a 5xx refusal is final.
      for (let attempt = 0; ; attempt++) {
        try {
          await transportOf(mailbox).sendMail(mail);
          break;
        } catch (error) {
          const code = (error as { responseCode?: number }).responseCode;
          const retryable = code === undefined || (code >= 400 && code < 500);
          if (retryable && attempt + 1 < retry.attempts) {
            await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, retry, random)));
            continue;
          }
          await store.saveMessage({
            messageId,
            threadKey: thread.threadKey,
            direction: 'outbound',
            status: 'failed',
          });
          throw new EmailSendError(
            `the mail server did not take the reply: ${(error as Error).message}`,
            retryable,
            { cause: error },
          );
        }
      }
      return { externalId: messageId };
    },
    close() {
      for (const transport of transports.values()) transport.close();
      transports.clear();
    },
  };
}
