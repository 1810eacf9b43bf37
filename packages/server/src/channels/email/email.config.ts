import * as v from 'valibot';

// The `email` section of the server configuration: the mailboxes customers write to, each read over IMAP and
// answered over SMTP, the queue each feeds, and an optional SMTP ingress for mail forwarded to this server.
// Passwords never live in the file: each names the environment variable that holds it (an app password).

const id = v.pipe(v.string(), v.regex(/^[\w.:-]{1,64}$/, 'must be an id (letters, digits, _ . : -)'));
const envName = v.pipe(v.string(), v.regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name'));
const host = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9.-]{1,253}$|^\[[0-9a-fA-F:.]+\]$/, 'must be a host name or IP address'),
);
const port = v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1), v.maxValue(65_535));
const address = v.pipe(
  v.string(),
  v.regex(/^[^\s@+]+@[^\s@]+\.[^\s@]+$|^[^\s@+]+@localhost$/, 'must be an email address without a +tag'),
);

const imap = v.strictObject({
  host,
  /** 993 with TLS from the start (`secure: true`), 143 with STARTTLS. */
  port: v.optional(port, 993),
  secure: v.optional(v.boolean(), true),
  /** The login name; most providers take the address. */
  user: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  /** Environment variable holding the password (an app password for Gmail or Microsoft 365). */
  passwordEnv: envName,
  /** The folder read; mail filed elsewhere by the provider's rules is not seen. */
  folder: v.optional(v.pipe(v.string(), v.minLength(1)), 'INBOX'),
  /** Only for a server on this machine or a private network without TLS. */
  allowPlaintext: v.optional(v.boolean(), false),
});

const smtp = v.strictObject({
  host,
  /** 587 with STARTTLS (`secure: false`), 465 with TLS from the start. */
  port: v.optional(port, 587),
  secure: v.optional(v.boolean(), false),
  /** Absent: no login (a relay that trusts this machine). */
  user: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
  passwordEnv: v.optional(envName),
  /** Only for a relay on this machine or a private network without TLS. */
  allowPlaintext: v.optional(v.boolean(), false),
});

const mailbox = v.strictObject({
  id,
  /** The address customers write to; replies come from it, with `+<token>` in their Reply-To. */
  address,
  /** The sender name customers see (`Shop Support`); the agent's name is put before it. */
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(120))),
  /** The queue new conversations from this mailbox wait in. */
  queueId: id,
  /** Absent: the mailbox receives only through the SMTP ingress (forwarded mail). */
  imap: v.optional(imap),
  smtp,
});

/** The `email` configuration section. */
export const emailConfigSchema = v.strictObject({
  mailboxes: v.pipe(v.array(mailbox), v.minLength(1, 'must list at least one mailbox')),
  /** An SMTP server of our own that takes forwarded mail for the mailboxes' addresses; absent = off. */
  ingress: v.optional(
    v.strictObject({
      /** 127.0.0.1 behind a relay (Postfix) that does TLS and spam checks; 0.0.0.0 only with both in front. */
      host: v.optional(host, '127.0.0.1'),
      port: v.optional(port, 2525),
      /** Largest mail taken, bytes. */
      maxMessageBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 25 * 1024 * 1024),
    }),
  ),
  /**
   * "Continue by email": how long a chat's visitor who gave an address may have no open connection (a reload, a lost
   * link) before the replies they miss are mailed to it, seconds.
   */
  continueGraceSeconds: v.optional(
    v.pipe(
      v.number(),
      v.integer('must be a whole number'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(86_400, 'must be at most 86400 (a day)'),
    ),
    120,
  ),
  /** Retries of a failing mailbox: full-jitter backoff from `initialMs` doubling up to `maxMs`. */
  retry: v.optional(
    v.strictObject({
      initialMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 1000),
      maxMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000)), 5 * 60_000),
    }),
    {},
  ),
});

/** The `email` section as written. */
export type EmailConfigInput = v.InferInput<typeof emailConfigSchema>;
/** The `email` section after validation and defaults. */
export type EmailConfig = v.InferOutput<typeof emailConfigSchema>;
/** One configured mailbox. */
export type MailboxConfig = EmailConfig['mailboxes'][number];

/** Checks what the schema cannot: ids and addresses unique, queues that exist, passwords named where needed. */
export function checkEmailConfig(email: EmailConfig, queueIds: ReadonlySet<string>): string[] {
  const issues: string[] = [];
  const ids = new Set<string>();
  const addresses = new Set<string>();
  email.mailboxes.forEach((box, index) => {
    const at = `config.email.mailboxes[${index}]`;
    if (ids.has(box.id)) issues.push(`${at}.id: "${box.id}" is used by another mailbox`);
    ids.add(box.id);
    const lower = box.address.toLowerCase();
    if (addresses.has(lower)) issues.push(`${at}.address: "${box.address}" is used by another mailbox`);
    addresses.add(lower);
    if (!queueIds.has(box.queueId)) issues.push(`${at}.queueId: no queue "${box.queueId}"`);
    if (box.smtp.user !== undefined && box.smtp.passwordEnv === undefined) {
      issues.push(`${at}.smtp.passwordEnv: needed with smtp.user (the variable holding its password)`);
    }
  });
  return issues;
}

/** A mailbox's secrets are missing from the environment: names the variables, never their values. */
export class EmailConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`email configuration: ${issues.join('; ')}`);
    this.name = 'EmailConfigError';
    this.issues = issues;
  }
}

/** A mailbox with its passwords read from the environment. */
export interface ResolvedMailbox extends MailboxConfig {
  readonly imapPassword?: string | undefined;
  readonly smtpPassword?: string | undefined;
}

/**
 * Reads every mailbox's passwords from `env`; throws an {@link EmailConfigError} naming each variable that is unset
 * or empty, so the server refuses to start rather than fail at the first mail.
 */
export function resolveMailboxes(
  email: EmailConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedMailbox[] {
  const issues: string[] = [];
  const read = (name: string | undefined, at: string) => {
    if (name === undefined) return undefined;
    const value = env[name];
    if (!value) issues.push(`${at}: environment variable ${name} is not set`);
    return value;
  };
  const resolved = email.mailboxes.map((box, index) => ({
    ...box,
    imapPassword: read(box.imap?.passwordEnv, `mailboxes[${index}].imap.passwordEnv`),
    smtpPassword: read(box.smtp.passwordEnv, `mailboxes[${index}].smtp.passwordEnv`),
  }));
  if (issues.length > 0) throw new EmailConfigError(issues);
  return resolved;
}

/** Each mailbox address → its queue, for the hub's `channels.addresses`. */
export function emailAddresses(email: EmailConfig): Record<string, string> {
  return Object.fromEntries(email.mailboxes.map((box) => [box.address.toLowerCase(), box.queueId]));
}
