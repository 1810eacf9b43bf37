import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub, Subject } from '@helpline/core/hub';
import { Messages } from '@vonage/messages';
import { createShareLinks, type ShareLinks } from '../../attachments/attachments.share';
import { ConfigError, type ServerConfig } from '../../config/config';
import type { Logger } from '../../log/logger';
import type { SqlQueryable } from '../../storage/sql.client';
import { readPrivateKey } from '../../vonage';
import { createMessagingAdapter, type MessagingAdapter, type MessagingIntake } from './messaging.adapter';
import type { MessagingConfig } from './messaging.config';
import { createMediaFetcher, type MessagingAttachments } from './messaging.media';
import { createMessagingRoutes } from './messaging.routes';
import type { MessagesPort } from './messaging.sender';
import { createMessagesWebhookVerifier } from './messaging.signature';
import { createSqlMessagingStore } from './messaging.store';
import { VONAGE_CHANNELS, type VonageChannel } from './messaging.types';

export type {
  ConversationMessaging,
  MessagingAdapter,
  MessagingIntake,
  TemplateChoice,
} from './messaging.adapter';
export {
  checkMessagingConfig,
  type MessagingConfig,
  type MessagingConfigInput,
  messagingConfigSchema,
} from './messaging.config';
export { attachmentsForMessaging, type MessagingAttachments, type StoredMedia } from './messaging.media';
export { MESSAGING_BODY_LIMIT, MESSAGING_PREFIX } from './messaging.routes';

/** The messaging routes mounted on the server. */
export interface MessagingServer {
  /** Handles `/messaging/*` requests; false for any other path. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

/** SMS, WhatsApp and Messenger before the hub exists: the adapter is the hub's outbound sender of those channels. */
export interface MessagingSetup {
  /**
   * The signed links Vonage fetches outbound media from (`messaging.publicUrl`), keyed from the signature secret so
   * every instance of a deployment signs and checks alike; undefined without `publicUrl`.
   */
  readonly shares: ShareLinks | undefined;
  /** Creates the adapter on the server's database (after storage opened, before the hub). */
  adapter(db: SqlQueryable, attachments?: MessagingAttachments): MessagingAdapter;
  /** The hub's `channels` options for these channels: our senders' queues and the adapter as outbound. */
  channels(adapter: MessagingAdapter): {
    readonly addresses: Record<string, string>;
    readonly outbound: Record<VonageChannel, MessagingAdapter['outbound']>;
  };
  /** Connects the adapter to the hub's intake and mounts the routes. */
  start(deps: {
    readonly adapter: MessagingAdapter;
    readonly intake: MessagingIntake;
    readonly hub: Pick<Hub, 'interaction' | 'execute'>;
    readonly authenticate: (token: string) => Promise<Subject>;
  }): MessagingServer;
}

/**
 * Reads the `messaging` configuration section and its secrets; undefined when the section is absent. Throws a
 * {@link ConfigError} naming the setting when a secret is missing.
 *
 * @example
 * ```ts
 * const messaging = prepareMessaging({ config, env: process.env, log, now: Date.now });
 * const adapter = messaging?.adapter(db);
 * const hub = createHub({ …, channels: adapter && messaging.channels(adapter) });
 * const routes = messaging?.start({ adapter, intake: hub.channels, hub, authenticate });
 * ```
 */
export function prepareMessaging(options: {
  readonly config: ServerConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly now: () => number;
  /** Stands in for the SDK's client (tests). */
  readonly api?: MessagesPort | undefined;
  readonly fetch?: typeof fetch | undefined;
}): MessagingSetup | undefined {
  const { config, env, log, now } = options;
  const messaging = (config.file as { messaging?: MessagingConfig }).messaging;
  if (!messaging) return undefined;
  const secret = env[messaging.signatureSecretEnv];
  if (!secret) {
    throw new ConfigError([
      `config.messaging.signatureSecretEnv: ${messaging.signatureSecretEnv} is not set (signed webhooks)`,
    ]);
  }
  const client = options.api
    ? undefined
    : new Messages(credentialsOf(messaging, env), {
        apiHost: messaging.apiHost,
        timeout: 10_000,
      });
  const api: MessagesPort = options.api ?? (client as Messages);
  const authorize = client
    ? async (url: string) => {
        const request = await client.addAuthenticationToRequest({
          url,
          method: 'GET',
          headers: {},
        } as unknown as Parameters<Messages['addAuthenticationToRequest']>[0]);
        return (request.headers ?? {}) as unknown as Record<string, string>;
      }
    : undefined;
  const fetchMedia = createMediaFetcher({
    maxBytes: messaging.mediaMaxBytes,
    authorize,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const shares = messaging.publicUrl
    ? createShareLinks({
        key: shareKeyOf(secret),
        baseUrl: messaging.publicUrl,
        now,
      })
    : undefined;
  return {
    shares,
    adapter(db, attachments) {
      return createMessagingAdapter({
        config: messaging,
        api,
        store: createSqlMessagingStore(db),
        attachments,
        fetchMedia,
        now,
        log,
      });
    },
    channels(adapter) {
      const outbound = adapter.outbound;
      return {
        addresses: adapter.addresses(),
        outbound: Object.fromEntries(VONAGE_CHANNELS.map((channel) => [channel, outbound])) as Record<
          VonageChannel,
          MessagingAdapter['outbound']
        >,
      };
    },
    start(deps) {
      deps.adapter.connect(deps.intake);
      const handle = createMessagingRoutes({
        adapter: deps.adapter,
        verifier: createMessagesWebhookVerifier({
          secret,
          applicationId: messaging.applicationId,
          maxAgeSeconds: messaging.webhookMaxAgeSeconds,
          now,
        }),
        hub: deps.hub,
        authenticate: deps.authenticate,
        log,
      });
      log.info('messaging.ready', {
        application: messaging.applicationId,
        senders: messaging.senders.length,
        webhooks: '/messaging/webhooks/{inbound,status}',
      });
      return { handle };
    },
  };
}

/**
 * The key of the share links Vonage fetches outbound media from: derived from the webhook signature secret, which
 * every instance of a deployment has, so a link signed on one instance is good on any (and no new secret to run).
 */
export function shareKeyOf(signatureSecret: string): Buffer {
  return createHmac('sha256', signatureSecret).update('helpline attachment share links').digest();
}

/** The SDK's credentials: the application's key (JWTs), or the account's API key and secret (basic auth). */
function credentialsOf(
  messaging: MessagingConfig,
  env: Readonly<Record<string, string | undefined>>,
): ConstructorParameters<typeof Messages>[0] {
  if (messaging.apiKeyEnv && messaging.apiSecretEnv) {
    const apiKey = env[messaging.apiKeyEnv];
    const apiSecret = env[messaging.apiSecretEnv];
    const missing = [
      ...(apiKey ? [] : [`config.messaging.apiKeyEnv: ${messaging.apiKeyEnv} is not set`]),
      ...(apiSecret ? [] : [`config.messaging.apiSecretEnv: ${messaging.apiSecretEnv} is not set`]),
    ];
    if (missing.length > 0) throw new ConfigError(missing);
    return { apiKey, apiSecret };
  }
  const privateKey = readPrivateKey(messaging, env, 'messaging');
  return { applicationId: messaging.applicationId, privateKey };
}
