// The email channel inside the server: prepared from the `email` configuration section before storage opens (a
// missing password must not leave an open database behind), opened on the server's SQL storage once it is, its
// addresses and outbound handed to the hub, started once the hub has restored.
import type { ChannelsOptions, MailboxStatusSource } from '@helpline/core/hub';
import type { ServerConfig } from '../../config/config';
import type { Logger } from '../../log/logger';
import type { SqlQueryable } from '../../storage/sql.client';
import { createEmailChannel, type EmailChannel } from './email.channel';
import { emailAddresses, resolveMailboxes } from './email.config';
import type { EmailAttachments, EmailIntake } from './email.intake';
import { createSqlEmailStore } from './email.store';

/** The email channel of a configuration, before storage is open. */
export interface EmailSetup {
  /**
   * Creates the channel on the server's database; `intake` is the hub's `channels`, read when mail arrives;
   * `attachments` keeps the files of mails and gives those of replies.
   */
  open(db: SqlQueryable, intake: () => EmailIntake, attachments?: EmailAttachments): EmailChannel;
  /** The hub's `channels` options for email: each mailbox's queue, and the channel as outbound. */
  channels(channel: EmailChannel): ChannelsOptions;
  /** The hub's `mailboxes` option: the channel's mailbox health, and word of each change, for the supervisor board. */
  mailboxes(channel: EmailChannel): MailboxStatusSource;
}

/**
 * Reads the `email` section of `config`; undefined when there is none. Throws an `EmailConfigError` naming each
 * password variable that is not set.
 */
export function prepareEmail(options: {
  readonly config: ServerConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
}): EmailSetup | undefined {
  const email = options.config.file.email;
  if (!email) return undefined;
  resolveMailboxes(email, options.env);
  // Whoever shows mailbox health (the hub's supervisor board) hears of every change.
  const listeners = new Set<() => void>();
  return {
    open: (db, intake, attachments) =>
      createEmailChannel({
        config: email,
        store: createSqlEmailStore(db),
        intake,
        attachments,
        env: options.env,
        logger: options.log,
        onStatus() {
          for (const listener of listeners) listener();
        },
      }),
    channels: (channel) => ({ addresses: emailAddresses(email), outbound: { email: channel.outbound } }),
    mailboxes: (channel) => ({
      statuses: () => channel.statuses(),
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    }),
  };
}

/** The hub's `channels` options of several adapters together (each names its own addresses and channels). */
export function mergeChannelsOptions(
  ...parts: readonly (ChannelsOptions | undefined)[]
): ChannelsOptions | undefined {
  const present = parts.filter((part): part is ChannelsOptions => part !== undefined);
  if (present.length === 0) return undefined;
  const defaultQueueId = present.find((part) => part.defaultQueueId !== undefined)?.defaultQueueId;
  return {
    addresses: Object.assign({}, ...present.map((part) => part.addresses ?? {})),
    outbound: Object.assign({}, ...present.map((part) => part.outbound ?? {})),
    ...(defaultQueueId === undefined ? {} : { defaultQueueId }),
  };
}
