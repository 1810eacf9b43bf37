import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type {
  Authenticate,
  ConsultTelephony,
  DialOptions,
  Hub,
  HubClock,
  Subject,
  SupervisionVonagePort,
} from '@helpline/core/hub';
import type { AttachmentStore } from '../attachments/attachments.types';
import { ConfigError, type ServerConfig } from '../config/config';
import { createTokenBuckets } from '../limits/rate-limit';
import type { Logger } from '../log/logger';
import type { RecordingStore } from '../recordings/recordings.store';
import { createVonageApi } from './vonage.api';
import { createBridgeTokens } from './vonage.bridge';
import type { VonageCallStore } from './vonage.calls';
import type { VonageConfig } from './vonage.config';
import { createVonageConsultTelephony, type VonageConsultTelephony } from './vonage.consult';
import { createVonageGateway, type VonageGateway } from './vonage.gateway';
import { createVonageRoutes } from './vonage.routes';
import { createWebhookVerifier } from './vonage.signature';
import { createVonageSupervision } from './vonage.supervision';
import { createVonageTokens } from './vonage.tokens';

export {
  checkVonageConfig,
  type VonageConfig,
  type VonageConfigInput,
  vonageConfigSchema,
} from './vonage.config';

/** The voice part of the site config: which provider the widget and the console load. */
export type SiteVoice =
  | { readonly provider: 'webrtc' }
  | { readonly provider: 'vonage'; readonly region?: string };

/** What `GET /v1/sites/:site/config` says about voice: `vonage` when the server has a vonage section. */
export function siteVoiceConfig(config: ServerConfig): SiteVoice {
  const vonage = (config.file as { vonage?: VonageConfig }).vonage;
  if (!vonage) return { provider: 'webrtc' };
  return { provider: 'vonage', ...(vonage.region ? { region: vonage.region } : {}) };
}

/** Vonage routes mounted on the server. */
export interface VonageServer {
  /** Handles `/vonage/*` requests; false for any other path (the HTTP API's). */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  readonly gateway: VonageGateway;
  close(): Promise<void>;
}

/** Vonage before the hub exists: its bridge tokens must be part of the hub's `authenticate`. */
export interface VonageSetup {
  /** The hub's `authenticate`: the gateway's own bridge connections first, then `inner`. */
  authenticate(inner: Authenticate): Authenticate;
  /**
   * Supervisor legs on Vonage calls (`HubOptions.supervision.vonage`): the supervisor's app joins the call's
   * conversation, hearing and speaking per mode. Answers once the routes run.
   */
  readonly supervision: SupervisionVonagePort;
  /**
   * Consults and transfers to phone numbers on Vonage calls (`HubOptions.telephony`): numbers are checked with
   * `check` (the outbound section's dial policy). Answers once the routes run.
   */
  telephony(check: DialOptions['check']): ConsultTelephony;
  /** Mounts the routes once the hub runs. */
  start(deps: {
    readonly hub: Hub;
    readonly authenticate: (token: string) => Promise<Subject>;
    readonly isAllowedOrigin: (origin: string) => boolean;
    /** Where voicemail recordings are kept; without it, queues' voicemail is not offered to phone callers. */
    readonly attachments?: Pick<AttachmentStore, 'put'> | undefined;
    /** Where call recordings go (the server's recordings store): Vonage calls whose recording is on are recorded. */
    readonly recordings?: Pick<RecordingStore, 'segment' | 'begin' | 'append'> | undefined;
    /** Where the gateway keeps its calls, so a restart or a new leader carries them on. */
    readonly calls?: VonageCallStore | undefined;
  }): VonageServer;
}

/**
 * Reads the `vonage` configuration section and its secrets; undefined when the section is absent (voice then runs
 * on WebRTC only). Throws naming the setting when a secret is missing.
 *
 * @example
 * ```ts
 * const vonage = prepareVonage({ config, env: process.env, log, now: Date.now });
 * const hub = createHub({ …, authenticate: vonage ? vonage.authenticate(auth) : auth });
 * const routes = vonage?.start({ hub, authenticate: auth, isAllowedOrigin });
 * ```
 */
export function prepareVonage(options: {
  readonly config: ServerConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly now: () => number;
  readonly clock?: HubClock | undefined;
  readonly fetch?: typeof fetch | undefined;
}): VonageSetup | undefined {
  const { config, env, log, now } = options;
  const vonage = (config.file as { vonage?: VonageConfig }).vonage;
  if (!vonage) return undefined;
  const privateKey = readPrivateKey(vonage, env);
  const secret = env[vonage.signatureSecretEnv];
  if (!secret) {
    throw new ConfigError([
      `config.vonage.signatureSecretEnv: ${vonage.signatureSecretEnv} is not set (signed webhooks)`,
    ]);
  }
  const bridgeTokens = createBridgeTokens();
  const tokens = createVonageTokens({
    applicationId: vonage.applicationId,
    privateKey,
    ttlSeconds: vonage.tokenTtlSeconds,
    now,
  });
  const api = createVonageApi({
    baseUrl: vonage.apiBaseUrl,
    appToken: () => tokens.app(),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  // The gateway exists once the hub runs; the hub's supervision asks it for a call's legs from then on.
  let running: VonageGateway | undefined;
  const supervision = createVonageSupervision({
    api,
    legsOf: (cid) => running?.legsOf(cid),
    eventUrl: (leg) =>
      `${vonage.webhookBaseUrl.replace(/\/+$/, '')}/vonage/webhooks/event?supervision=${encodeURIComponent(leg.legId)}`,
  });
  const webhooks = vonage.webhookBaseUrl.replace(/\/+$/, '');
  let hubRunning: Hub | undefined;
  let consults: VonageConsultTelephony | undefined;
  return {
    authenticate: (inner) => bridgeTokens.wrap(inner),
    supervision,
    telephony(check) {
      consults = createVonageConsultTelephony({
        api,
        check,
        queues: config.queues,
        legsOf: (cid) => running?.legsOf(cid),
        // Kept with the gateway's calls: stored, and carried on by the next leader.
        phoneLegs: {
          get: (cid) => running?.consultLegs.get(cid),
          set: (cid, leg) => running?.consultLegs.set(cid, leg),
          ready: async () => running?.consultLegs.ready(),
        },
        eventUrl: (cid, legId) =>
          `${webhooks}/vonage/webhooks/event?cid=${encodeURIComponent(cid)}&consult=${encodeURIComponent(legId)}`,
        // No hub yet holds no leg either: the telephony only reports legs it placed, once the hub ran.
        report: async (cid, legId, event) => (await hubRunning?.consultEvent(cid, legId, event)) ?? false,
        ...(vonage.musicOnHoldUrl ? { musicOnHoldUrl: vonage.musicOnHoldUrl } : {}),
        ringSeconds: vonage.callbackRingSeconds,
        now,
      });
      return consults;
    },
    start(deps) {
      hubRunning = deps.hub;
      const gateway = createVonageGateway({
        config: vonage,
        queues: config.queues,
        hub: deps.hub,
        bridgeTokens,
        api,
        tokens,
        log,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(deps.attachments ? { attachments: deps.attachments } : {}),
        ...(deps.recordings ? { recordings: deps.recordings } : {}),
        ...(deps.calls ? { calls: deps.calls } : {}),
        consultStatus: async (cid, legId, status) => consults?.event(cid, legId, status),
      });
      running = gateway;
      const handle = createVonageRoutes({
        gateway,
        verifier: createWebhookVerifier({
          secret,
          applicationId: vonage.applicationId,
          maxAgeSeconds: vonage.webhookMaxAgeSeconds,
          now,
        }),
        authenticate: deps.authenticate,
        buckets: createTokenBuckets(config.file.limits.http, now),
        isAllowedOrigin: deps.isAllowedOrigin,
        ...(vonage.region ? { region: vonage.region } : {}),
        log,
        ...(consults ? { consultEvent: consults.event } : {}),
      });
      log.info('vonage.ready', {
        application: vonage.applicationId,
        numbers: vonage.numbers.length,
        webhooks: `${vonage.webhookBaseUrl.replace(/\/+$/, '')}/vonage/webhooks/`,
      });
      return {
        handle,
        gateway,
        async close() {
          await gateway.idle();
          gateway.close();
        },
      };
    },
  };
}

/**
 * Reads the private key from its file or environment variable; throws naming the setting (in `section`: `vonage`,
 * `messaging`) when it cannot.
 */
export function readPrivateKey(
  config: Pick<VonageConfig, 'privateKeyPath' | 'privateKeyEnv'>,
  env: Readonly<Record<string, string | undefined>>,
  section = 'vonage',
): string {
  if (config.privateKeyEnv) {
    const pem = env[config.privateKeyEnv];
    if (!pem) throw new ConfigError([`config.${section}.privateKeyEnv: ${config.privateKeyEnv} is not set`]);
    return pem.replace(/\\n/g, '\n');
  }
  const path = resolve(config.privateKeyPath ?? '');
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `config.${section}.privateKeyPath: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ]);
  }
}
