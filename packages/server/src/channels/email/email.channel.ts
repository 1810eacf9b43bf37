// The email channel assembled: a reader per IMAP mailbox, the optional SMTP ingress, the sender of replies, and the
// intake between mail and the hub. `outbound` is what the hub's `channels.outbound.email` takes; `statuses()` is the
// mailboxes' health for the supervisor board.
import { DEFAULT_BACKOFF } from '@helpline/core';
import type { ChannelOutbound } from '@helpline/core/hub';
import type { Logger } from '../../log/logger';
import { type EmailConfig, resolveMailboxes } from './email.config';
import { type EmailIngress, startEmailIngress } from './email.ingress';
import {
  type EmailAttachments,
  type EmailIntake,
  type IntakeOutcome,
  replyTokenOf,
  takeInEmail,
} from './email.intake';
import { createMailboxReader, type MailboxReader } from './email.mailbox';
import { createEmailSender } from './email.outbound';
import { parseEmail } from './email.parse';
import type { EmailStore } from './email.store';
import type { MailboxStatus } from './email.types';

/** Options of {@link createEmailChannel}. */
export interface EmailChannelOptions {
  /** The validated `email` section of the configuration. */
  readonly config: EmailConfig;
  readonly store: EmailStore;
  /**
   * Where customer mail goes: the hub's `channels` (core's `ChannelsHub`). A function when the hub is made after the
   * channel (the hub takes the channel's `outbound` among its options).
   */
  readonly intake: EmailIntake | (() => EmailIntake);
  /** Where the files of mails are kept and replies' files read (the attachment store); absent: named in the text only. */
  readonly attachments?: EmailAttachments | undefined;
  /** Where passwords are read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly logger?: Logger | undefined;
  /** Told every change of a mailbox's status. */
  readonly onStatus?: ((status: MailboxStatus) => void) | undefined;
  /** IMAP re-read without word from the server, ms (default 5 minutes). */
  readonly pollMs?: number | undefined;
  readonly random?: (() => number) | undefined;
  readonly now?: (() => number) | undefined;
}

/** The running email channel. */
export interface EmailChannel {
  /** Carries agents' replies out (the hub's `ChannelOutbound` for `email`). */
  readonly outbound: ChannelOutbound;
  /** The health of every mailbox read over IMAP, for the supervisor board. */
  statuses(): MailboxStatus[];
  /** Takes one raw mail in for a mailbox (what the IMAP readers and the SMTP ingress call). */
  takeIn(mailboxId: string, source: Buffer): Promise<IntakeOutcome>;
  /** Starts the IMAP readers and the SMTP ingress; again after `stop()` (they go on from the stored cursors). */
  start(): Promise<void>;
  /**
   * Starts the IMAP readers alone (resolves at once; progress is in `statuses()`). In a cluster only the leader
   * reads the mailboxes: it calls this when it starts leading.
   */
  startReaders(): void;
  /**
   * Stops the IMAP readers and logs out, the SMTP ingress left running; resolves once every mail being taken in
   * was taken in and its cursor saved. `startReaders()` goes on from the stored cursors.
   */
  stopReaders(): Promise<void>;
  /** Starts the SMTP ingress alone (when configured); resolves once it listens. */
  startIngress(): Promise<void>;
  /** The SMTP ingress's port once started (undefined when it is off). */
  readonly ingressPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * Creates the email channel of a configuration. Throws an `EmailConfigError` when a mailbox's password variable is
 * not set.
 *
 * @example
 * ```ts
 * const email = createEmailChannel({ config: file.email, store: createSqlEmailStore(sql), intake: () => hub.channels });
 * const hub = createHub({ ...options, channels: { addresses: emailAddresses(file.email), outbound: { email: email.outbound } } });
 * await email.start();
 * ```
 */
export function createEmailChannel(options: EmailChannelOptions): EmailChannel {
  const mailboxes = resolveMailboxes(options.config, options.env);
  const { store, logger } = options;
  const intake = () => (typeof options.intake === 'function' ? options.intake() : options.intake);
  const ownAddresses = new Set(mailboxes.map((box) => box.address.toLowerCase()));
  const sender = createEmailSender(mailboxes, store, undefined, undefined, options.attachments?.store);
  const backoff = options.config.retry ?? DEFAULT_BACKOFF;
  // One mail at a time: two mails of a new thread arriving together must not open two conversations.
  let queue: Promise<unknown> = Promise.resolve();

  async function takeInNow(mailboxId: string, source: Buffer): Promise<IntakeOutcome> {
    const mailbox = mailboxes.find((box) => box.id === mailboxId);
    if (!mailbox) throw new Error(`no mailbox ${mailboxId}`);
    const email = await parseEmail(source);
    const outcome = await takeInEmail(
      email,
      mailbox,
      { store, intake: intake(), ownAddresses, attachments: options.attachments },
      options.now,
    );
    const fields = { mailbox: mailboxId, messageId: email.messageId, kind: email.kind };
    if (outcome.action === 'ignored') logger?.info('email.ignored', { ...fields, reason: outcome.reason });
    else if (outcome.action === 'bounce')
      logger?.warn('email.bounce', { ...fields, failed: outcome.failed.length });
    else logger?.debug(`email.${outcome.action}`, fields);
    return outcome;
  }

  const takeIn = (mailboxId: string, source: Buffer): Promise<IntakeOutcome> => {
    const next = queue.then(() => takeInNow(mailboxId, source));
    queue = next.catch(() => {});
    return next;
  };

  const makeReaders = (): MailboxReader[] =>
    mailboxes
      .filter((box) => box.imap !== undefined)
      .map((box) =>
        createMailboxReader({
          mailbox: box,
          store,
          backoff,
          takeIn: async (source) => void (await takeIn(box.id, source)),
          onStatus(status) {
            options.onStatus?.(status);
            if (status.state === 'retrying' && status.error) {
              logger?.warn('email.mailbox.failing', {
                mailbox: status.mailbox,
                problem: status.problem,
                failures: status.failures,
                error: status.error,
              });
            }
          },
          pollMs: options.pollMs,
          random: options.random,
          now: options.now,
        }),
      );
  let readers = makeReaders();
  /** Whether the readers run; readers once stopped do not start again: a restart gets fresh ones on the cursors. */
  let reading = false;
  let used = false;
  // Starts and stops of the readers one after the other: a stop finishes (cursors saved) before the next start.
  let readersTurn: Promise<void> = Promise.resolve();
  const startReaders = () => {
    readersTurn = readersTurn.then(() => {
      if (reading) return;
      if (used) readers = makeReaders();
      reading = true;
      used = true;
      if (readers.length > 0) logger?.info('email.readers.start', { mailboxes: readers.length });
      for (const reader of readers) reader.start();
    });
  };
  const stopReaders = () => {
    readersTurn = readersTurn.then(async () => {
      if (!reading) return;
      reading = false;
      await Promise.all(readers.map((reader) => reader.stop()));
      if (readers.length > 0) logger?.info('email.readers.stopped', { mailboxes: readers.length });
    });
    return readersTurn;
  };

  /** The mailbox of an ingress recipient: its address, or its address with a reply token. */
  const mailboxOf = (recipient: string) =>
    mailboxes.find(
      (box) =>
        box.address.toLowerCase() === recipient.toLowerCase() ||
        replyTokenOf(recipient, box.address) !== undefined,
    )?.id;

  let ingress: EmailIngress | undefined;
  async function startIngress(): Promise<void> {
    const settings = options.config.ingress;
    if (settings && !ingress) {
      ingress = await startEmailIngress({
        host: settings.host,
        port: settings.port,
        maxMessageBytes: settings.maxMessageBytes,
        mailboxOf,
        takeIn: async (mailboxId, source) => void (await takeIn(mailboxId, source)),
      });
    }
  }

  return {
    outbound: { send: (message) => sender.send(message) },
    statuses: () => readers.map((reader) => reader.status),
    takeIn,
    get ingressPort() {
      return ingress?.port;
    },
    async start() {
      startReaders();
      await readersTurn;
      await startIngress();
    },
    startReaders,
    stopReaders,
    startIngress,
    async stop() {
      await stopReaders();
      await ingress?.close();
      ingress = undefined;
      sender.close();
      await queue;
    },
  };
}
