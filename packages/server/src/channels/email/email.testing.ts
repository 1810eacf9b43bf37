// The real mail servers the email tests run against (scripts/ensure-mail.mjs starts them; the test command sets
// HELPLINE_TEST_MAIL_URL), and helpers that act as a customer: send over SMTP, read a mailbox over IMAP.
import { randomBytes } from 'node:crypto';
import type { DeliveryStatus, InboundMessage } from '@helpline/core/hub';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import * as v from 'valibot';
import { type EmailConfig, type EmailConfigInput, emailConfigSchema } from './email.config';
import type { EmailIntake } from './email.intake';

/** Where the test mail servers listen, and the password every test mailbox has. */
export interface TestMailServers {
  readonly host: string;
  readonly imapPort: number;
  readonly smtpPort: number;
  readonly password: string;
  /** Every address at this domain is a mailbox. */
  readonly domain: string;
  /** Mail to this domain bounces (a DSN back to the sender). */
  readonly bounceDomain: string;
}

/** The test mail servers from HELPLINE_TEST_MAIL_URL, or why the email tests cannot run here. */
export function testMailServers(): TestMailServers | { skip: string } {
  const raw = process.env.HELPLINE_TEST_MAIL_URL;
  if (!raw) {
    return {
      skip:
        'HELPLINE_TEST_MAIL_URL is not set: `npm test` sets it after starting Dovecot and Postfix with ' +
        'scripts/ensure-mail.mjs (run that script as root once, or run the tests through `npm test`)',
    };
  }
  const url = new URL(raw);
  return {
    host: url.hostname,
    imapPort: Number(url.port),
    smtpPort: Number(url.searchParams.get('smtp')),
    password: decodeURIComponent(url.password),
    domain: url.searchParams.get('domain') ?? 'helpline.test',
    bounceDomain: url.searchParams.get('bounce') ?? 'nowhere.helpline.test',
  };
}

/** A fresh address no other test (or run) uses: its mailbox is created on first delivery. */
export function uniqueAddress(servers: TestMailServers, name: string): string {
  return `${name}-${randomBytes(5).toString('hex')}@${servers.domain}`;
}

/** Sends a mail as a customer's mail program would, through the test Postfix. */
export async function sendAsCustomer(servers: TestMailServers, mail: Mail.Options): Promise<string> {
  const transport = nodemailer.createTransport({
    host: servers.host,
    port: servers.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail(mail);
    return info.messageId;
  } finally {
    transport.close();
  }
}

/** One message of a mailbox as the tests look at it. */
export interface ReadMessage {
  readonly uid: number;
  readonly source: Buffer;
}

/** Logs in as `address` and returns the messages of its INBOX. */
export async function readInbox(servers: TestMailServers, address: string): Promise<ReadMessage[]> {
  const client = new ImapFlow({
    host: servers.host,
    port: servers.imapPort,
    secure: false,
    auth: { user: address, pass: servers.password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const messages: ReadMessage[] = [];
      if (client.mailbox && client.mailbox.exists === 0) return messages;
      for await (const message of client.fetch('1:*', { uid: true, source: true })) {
        if (message.source) messages.push({ uid: message.uid, source: message.source });
      }
      return messages;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => {});
  }
}

/** Polls `address`'s INBOX until `accept` holds for its messages (mail is delivered asynchronously). */
export async function waitForInbox(
  servers: TestMailServers,
  address: string,
  accept: (messages: readonly ReadMessage[]) => boolean,
  timeoutMs = 15_000,
): Promise<ReadMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = await readInbox(servers, address);
    if (accept(messages)) return messages;
    if (Date.now() > deadline) {
      throw new Error(`${address}'s INBOX did not reach the expected state (${messages.length} message(s))`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One conversation of the {@link RecordingIntake}. */
export interface RecordedConversation {
  readonly cid: string;
  readonly threadKey: string;
  /** Every message's externalId, oldest first: the customer's and ours (see `OutboundMessage.references`). */
  readonly externalIds: string[];
  readonly messages: InboundMessage[];
}

/**
 * A stand-in for `hub.channels` that keeps the contract (one conversation per thread key, one message per externalId)
 * and records every call, for tests of the channel alone.
 */
export interface RecordingIntake extends EmailIntake {
  readonly conversations: Map<string, RecordedConversation>;
  /** Every `receive` call, duplicates included. */
  readonly calls: InboundMessage[];
  readonly statuses: Array<{ externalId: string; status: DeliveryStatus; detail?: string | undefined }>;
  /** Resolves when `check` holds (checked after every call), or rejects after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

/**
 * Waiting for a condition that changes on events: `changed()` after each event re-checks every `until`, which
 * resolves once its check holds (no polling, no fixed sleep) or rejects after its timeout.
 */
export function createConditionWaiter(): {
  changed(): void;
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
} {
  const waiters = new Set<() => void>();
  return {
    changed() {
      for (const waiter of [...waiters]) waiter();
    },
    until(check, what, timeoutMs = 20_000) {
      if (check()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        const waiter = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      });
    },
  };
}

/** Creates a {@link RecordingIntake}. */
export function createRecordingIntake(): RecordingIntake {
  const conversations = new Map<string, RecordedConversation>();
  const byExternalId = new Map<string, string>();
  const calls: InboundMessage[] = [];
  const statuses: RecordingIntake['statuses'] = [];
  const { changed, until } = createConditionWaiter();
  return {
    conversations,
    calls,
    statuses,
    async receive(message) {
      calls.push(message);
      const known = byExternalId.get(message.externalId);
      if (known) {
        changed();
        return { cid: known, created: false, reopened: false, duplicate: true };
      }
      let conversation = [...conversations.values()].find((c) => c.threadKey === message.threadKey);
      const created = conversation === undefined;
      if (!conversation) {
        conversation = {
          cid: `c${conversations.size + 1}`,
          threadKey: message.threadKey,
          externalIds: [],
          messages: [],
        };
        conversations.set(conversation.cid, conversation);
      }
      conversation.externalIds.push(message.externalId);
      conversation.messages.push(message);
      byExternalId.set(message.externalId, conversation.cid);
      changed();
      return { cid: conversation.cid, created, reopened: false, duplicate: false };
    },
    async status(_channel, externalId, status, detail) {
      statuses.push({ externalId, status, detail });
      changed();
      return true;
    },
    until,
  };
}

/** The `email` configuration of one test mailbox at `address` on the test servers (reads as the test user). */
export function testEmailConfig(
  servers: TestMailServers,
  address: string,
  imap: { readonly port?: number; readonly host?: string } = {},
): EmailConfig {
  return v.parse(emailConfigSchema, {
    mailboxes: [
      {
        id: 'support',
        address,
        name: 'Shop Support',
        queueId: 'support',
        imap: {
          host: imap.host ?? servers.host,
          port: imap.port ?? servers.imapPort,
          secure: false,
          allowPlaintext: true,
          user: address,
          passwordEnv: 'HELPLINE_TEST_MAIL_PASSWORD',
        },
        smtp: { host: servers.host, port: servers.smtpPort, secure: false, allowPlaintext: true },
      },
    ],
    retry: { initialMs: 100, maxMs: 1000 },
  } satisfies EmailConfigInput);
}
