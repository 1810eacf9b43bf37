import * as v from 'valibot';
import { e164, envName, httpsUrl, id } from '../../vonage/vonage.config';

// The `messaging` section of the server configuration: SMS, WhatsApp and Facebook Messenger through the Vonage
// Messages API. Present = the webhook routes are mounted and the senders (our numbers and pages) feed their queues.
// Secrets never live in the file: credentials and the webhook signature secret come from environment variables.

/** A WhatsApp template approved for the business number (in WhatsApp Manager) that agents may send. */
const template = v.strictObject({
  /** The template's name as WhatsApp knows it. */
  name: v.pipe(v.string(), v.regex(/^[a-z0-9_]{1,512}$/, 'must be a WhatsApp template name (a-z, 0-9, _)')),
  /** The approved language (WhatsApp locale such as `en_US`, `en`, `pt_BR`). */
  locale: v.pipe(v.string(), v.regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a WhatsApp locale like en_US')),
  /** What the console shows the agent. */
  label: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(120, 'is too long')),
  /** Names of the `{{1}}`, `{{2}}`, … parameters, in order, so the console can ask for them. */
  parameters: v.optional(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(60))), []),
  /** Only for conversations of these queues (default: every queue of the number). */
  queueIds: v.optional(v.array(id)),
});

const sender = v.variant('channel', [
  v.strictObject({
    channel: v.literal('sms'),
    /** A Vonage virtual number linked to the application, E.164. */
    id: e164,
    queueId: id,
  }),
  v.strictObject({
    channel: v.literal('whatsapp'),
    /** The WhatsApp Business number linked to the application, E.164. */
    id: e164,
    queueId: id,
    /** Templates agents may send from this number (outside the 24-hour window only templates are delivered). */
    templates: v.optional(v.array(template), []),
  }),
  v.strictObject({
    channel: v.literal('messenger'),
    /** The Facebook page id linked to the application. */
    id: v.pipe(v.string(), v.regex(/^\d{5,20}$/, 'must be a Facebook page id (digits)')),
    queueId: id,
  }),
]);

/** The `messaging` configuration section. */
export const messagingConfigSchema = v.strictObject({
  /**
   * The Vonage application's id (a UUID) whose Messages capability holds the webhook URLs: checked in every signed
   * webhook, and with the private key it authenticates sends.
   */
  applicationId: v.pipe(v.string(), v.uuid('must be the application id (a UUID)')),
  /** Path of the application's private key (PEM), relative to the working directory. */
  privateKeyPath: v.optional(v.string()),
  /** Or: the environment variable holding the private key PEM (containers). */
  privateKeyEnv: v.optional(envName),
  /** Or, instead of the application's key: environment variables of the account's API key and secret. */
  apiKeyEnv: v.optional(envName),
  apiSecretEnv: v.optional(envName),
  /** Environment variable holding the account's signature secret (signed webhooks). */
  signatureSecretEnv: v.optional(envName, 'VONAGE_SIGNATURE_SECRET'),
  /** Messages API host: `https://api.nexmo.com`, a regional `https://api-eu.vonage.com`, the sandbox, or a test fake. */
  apiHost: v.optional(httpsUrl, 'https://api.nexmo.com'),
  /** Oldest signed webhook accepted, seconds (replays are refused whatever their age). */
  webhookMaxAgeSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(3_600)), 300),
  /** Our numbers and pages, each feeding one queue. */
  senders: v.pipe(v.array(sender), v.minLength(1, 'must list at least one sender')),
  /** Longest SMS an agent may send, in segments (each is charged; phones join up to about 10). */
  smsMaxSegments: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10)), 6),
  /**
   * Public base URL of this server as Vonage reaches it (with its base path, e.g. `https://help.example.com`).
   * Outbound media (an agent's file on WhatsApp or Messenger) is fetched by Vonage from a signed link under it that
   * expires after 15 minutes; without it, such a send is refused (`messaging/unsupported`).
   */
  publicUrl: v.optional(httpsUrl),
  /** Largest inbound media file taken in, bytes. */
  mediaMaxBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 16 * 1024 * 1024),
});

/** The `messaging` section as written. */
export type MessagingConfigInput = v.InferInput<typeof messagingConfigSchema>;
/** The `messaging` section after validation and defaults. */
export type MessagingConfig = v.InferOutput<typeof messagingConfigSchema>;
/** One of our numbers or pages. */
export type MessagingSender = MessagingConfig['senders'][number];
/** A configured WhatsApp template. */
export type WhatsAppTemplateConfig = v.InferOutput<typeof template>;

/** Checks what the schema cannot (queues exist, one credential kind, no sender twice); issues with field paths. */
export function checkMessagingConfig(config: MessagingConfig, queueIds: ReadonlySet<string>): string[] {
  const issues: string[] = [];
  const key = config.privateKeyPath !== undefined || config.privateKeyEnv !== undefined;
  const basic = config.apiKeyEnv !== undefined || config.apiSecretEnv !== undefined;
  if (key === basic) {
    issues.push(
      'config.messaging: needs the application key (privateKeyPath or privateKeyEnv) or apiKeyEnv and apiSecretEnv, not both',
    );
  }
  if (config.privateKeyPath !== undefined && config.privateKeyEnv !== undefined)
    issues.push('config.messaging: needs one of privateKeyPath or privateKeyEnv');
  if (basic && (config.apiKeyEnv === undefined || config.apiSecretEnv === undefined))
    issues.push('config.messaging: apiKeyEnv and apiSecretEnv go together');
  const seen = new Set<string>();
  // The hub maps an address to one queue, whatever the channel: one number on SMS and WhatsApp feeds one queue.
  const queueOfAddress = new Map<string, string>();
  config.senders.forEach((entry, index) => {
    const at = `config.messaging.senders[${index}]`;
    if (!queueIds.has(entry.queueId)) issues.push(`${at}.queueId: "${entry.queueId}" is not a queue`);
    const key = `${entry.channel}:${entry.id}`;
    if (seen.has(key)) issues.push(`${at}.id: ${entry.channel} sender "${entry.id}" is listed twice`);
    seen.add(key);
    const queueOf = queueOfAddress.get(entry.id);
    if (queueOf !== undefined && queueOf !== entry.queueId)
      issues.push(
        `${at}.queueId: "${entry.id}" already feeds "${queueOf}" on another channel; one address feeds one queue`,
      );
    queueOfAddress.set(entry.id, entry.queueId);
    if (entry.channel !== 'whatsapp') return;
    const names = new Set<string>();
    entry.templates.forEach((t, i) => {
      const name = `${t.name}/${t.locale}`;
      if (names.has(name)) issues.push(`${at}.templates[${i}]: "${name}" is listed twice`);
      names.add(name);
      t.queueIds?.forEach((queueId, q) => {
        if (!queueIds.has(queueId))
          issues.push(`${at}.templates[${i}].queueIds[${q}]: "${queueId}" is not a queue`);
      });
    });
  });
  return issues;
}
