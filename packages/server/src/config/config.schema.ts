import * as v from 'valibot';
import { attachmentPolicySchema } from '../attachments/attachments.config';
import { emailConfigSchema } from '../channels/email/email.config';
import { messagingConfigSchema } from '../channels/messaging/messaging.config';
import { customersConfigSchema } from '../customers/customers.config';
import { outboundConfigSchema } from '../outbound/outbound.config';
import { reportsConfigSchema } from '../reports/reports.schedule';
import { vonageConfigSchema } from '../vonage/vonage.config';

// The configuration file's schema. Unknown keys are errors (a typo must not silently disable a setting);
// everything optional has the default a small contact center would pick.

const id = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(64, 'must be at most 64 characters'),
  v.regex(/^[\w.:-]+$/, 'must contain only letters, digits, _ . : -'),
);
const label = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(120, 'must be at most 120 characters'),
);
/**
 * A name people read, in one language for all (`"Billing"`) or per BCP 47 language tag
 * (`{ en: "Billing", nl: "Facturatie", ar: "الفواتير" }`); clients pick the viewer's language, then English.
 */
const translatableLabel = v.union(
  [
    label,
    v.pipe(
      v.record(
        v.pipe(
          v.string(),
          v.check(isLanguageTag, (issue) => languageTagProblem(issue.input)),
        ),
        label,
      ),
      v.check((texts) => Object.keys(texts).length > 0, 'must name at least one language'),
    ),
  ],
  'must be a text or texts per language tag ({ "en": "…", "nl": "…" })',
);
const count = v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(0, 'must not be negative'));
const positive = v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1, 'must be at least 1'));
const seconds = v.pipe(v.number(), v.minValue(0, 'must not be negative'));
const hhmm = v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00–24:00)'));
const languageTag = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'is not a BCP 47 language tag'),
);

/** A well-formed BCP 47 language tag (`en`, `nl-BE`, `zh-Hant`) in its canonical spelling. */
export function isLanguageTag(tag: string): boolean {
  return canonicalTag(tag) === tag;
}

function canonicalTag(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

function languageTagProblem(tag: string): string {
  const canonical = canonicalTag(tag);
  return canonical === undefined
    ? `${JSON.stringify(tag)} is not a BCP 47 language tag (like "en", "nl-BE" or "zh-Hant")`
    : `${JSON.stringify(tag)} is spelled ${JSON.stringify(canonical)} as a BCP 47 language tag`;
}

/** An IANA time zone name the runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

const timeZone = v.pipe(
  v.string(),
  v.check(isTimeZone, (issue) => `${JSON.stringify(issue.input)} is not an IANA time zone`),
);

const interval = v.strictObject({ open: hhmm, close: hhmm });
const weekdays = ['1', '2', '3', '4', '5', '6', '7'] as const;

const businessHours = v.strictObject({
  timeZone,
  /** ISO weekday ("1" = Monday … "7" = Sunday) → opening intervals; a missing day is closed. */
  weekly: v.strictObject(
    Object.fromEntries(weekdays.map((day) => [day, v.optional(v.array(interval))])) as {
      [Day in (typeof weekdays)[number]]: v.OptionalSchema<
        v.ArraySchema<typeof interval, undefined>,
        undefined
      >;
    },
  ),
  closures: v.optional(
    v.array(
      v.strictObject({
        date: v.pipe(v.string(), v.isoDate('must be a date YYYY-MM-DD')),
        hours: v.optional(v.array(interval)),
        label: v.optional(label),
      }),
    ),
  ),
});

const acw = v.variant('kind', [
  v.strictObject({ kind: v.literal('none') }),
  v.strictObject({ kind: v.literal('optional') }),
  v.strictObject({ kind: v.literal('required') }),
  v.strictObject({ kind: v.literal('timed'), seconds: positive }),
]);

/** Targets of one messaging channel, seconds: a target left out is the channel's default (docs/channels.md). */
const slaSeconds = v.pipe(
  v.number(),
  v.integer('must be a whole number of seconds'),
  v.minValue(60, 'must be at least 60 (a minute)'),
  v.maxValue(90 * 86_400, 'must be at most 7776000 (90 days)'),
);
const messagingSlaTargets = v.strictObject({
  firstResponseSeconds: v.optional(slaSeconds),
  resolutionSeconds: v.optional(slaSeconds),
});

const queue = v.strictObject({
  id,
  name: translatableLabel,
  priority: v.optional(count, 0),
  slaTargetSeconds: v.optional(seconds, 30),
  skills: v.optional(
    v.array(v.strictObject({ skill: id, minLevel: v.pipe(positive, v.maxValue(10, 'must be at most 10')) })),
    [],
  ),
  businessHours: v.optional(businessHours),
  closedAlternative: v.optional(v.picklist(['callback', 'offline-message', 'none']), 'offline-message'),
  acw: v.optional(acw, { kind: 'optional' }),
  dispositions: v.optional(
    v.array(v.strictObject({ id, label: translatableLabel, resolved: v.optional(v.boolean(), false) })),
    [],
  ),
  dispositionRequired: v.optional(v.boolean(), false),
  /** Call recording (docs/voice.md#recording): `always`, `on-demand` (the agent starts it) or `never`. */
  recording: v.optional(v.picklist(['always', 'on-demand', 'never']), 'never'),
  offerTimeoutSeconds: v.optional(v.pipe(seconds, v.minValue(1, 'must be at least 1')), 20),
  /**
   * Voicemail (docs/voice.md#voicemail): phone and browser callers may leave a recorded message when the queue is closed,
   * or once their call has waited `afterSeconds` unanswered; a message lasts at most `maxSeconds`.
   */
  voicemail: v.optional(
    v.strictObject({
      afterSeconds: v.pipe(
        v.number(),
        v.integer('must be a whole number of seconds'),
        v.minValue(1, 'must be at least 1'),
        v.maxValue(3600, 'must be at most 3600 (an hour)'),
      ),
      maxSeconds: v.optional(
        v.pipe(
          v.number(),
          v.integer('must be a whole number of seconds'),
          v.minValue(5, 'must be at least 5'),
          v.maxValue(600, 'must be at most 600 (ten minutes)'),
        ),
        120,
      ),
    }),
  ),
  /** Replies the console offers agents of this queue; `{customer.name}` and `{agent.name}` are filled in. */
  cannedResponses: v.optional(
    v.array(
      v.strictObject({
        id,
        label,
        text: v.pipe(
          v.string(),
          v.minLength(1, 'must not be empty'),
          v.maxLength(4000, 'must be at most 4000 characters'),
        ),
      }),
    ),
  ),
  overflow: v.optional(
    v.strictObject({
      afterSeconds: seconds,
      widenToMinLevel: v.optional(v.pipe(positive, v.maxValue(10, 'must be at most 10'))),
      queueId: v.optional(id),
    }),
  ),
  /** What customers are asked after a contact: a 1–5 rating, NPS (0–10) after it, within a window of hours. */
  survey: v.optional(
    v.strictObject({
      csat: v.optional(v.boolean(), true),
      nps: v.optional(v.boolean(), false),
      /** Answers are accepted this many hours after the end; later ones are refused (`survey/closed`). */
      windowHours: v.optional(v.pipe(positive, v.maxValue(8_760, 'must be at most 8760 (a year)')), 24),
      /** Phone callers answer on their keypad when the agent ends the call (needs the `vonage` section). */
      keypad: v.optional(v.boolean(), false),
    }),
    {},
  ),
  /**
   * First-response and resolution targets of the queue's email, SMS, WhatsApp and Messenger conversations; a channel
   * or a target left out keeps its default (email 4 h / 24 h, the others 15 min / 8 h).
   */
  messagingSla: v.optional(
    v.strictObject({
      email: v.optional(messagingSlaTargets),
      sms: v.optional(messagingSlaTargets),
      whatsapp: v.optional(messagingSlaTargets),
      messenger: v.optional(messagingSlaTargets),
    }),
  ),
});

const capacity = v.strictObject({
  chat: v.optional(count),
  voice: v.optional(count),
  callback: v.optional(count),
  'offline-message': v.optional(count),
  voicemail: v.optional(count),
  // Conversations that wait (docs/channels.md): pending and snoozed ones hold no capacity.
  email: v.optional(count),
  sms: v.optional(count),
  whatsapp: v.optional(count),
  messenger: v.optional(count),
  voiceBlocksChat: v.optional(v.boolean()),
});

const agent = v.strictObject({
  id,
  name: label,
  role: v.optional(v.picklist(['agent', 'supervisor']), 'agent'),
  skills: v.optional(v.record(id, v.pipe(positive, v.maxValue(10, 'must be at most 10'))), {}),
  languages: v.optional(v.array(languageTag), ['en']),
  capacity: v.optional(capacity, {}),
  /** Queues this agent works; empty means every queue. */
  queues: v.optional(v.array(id), []),
  /** Queues this agent leads as a team leader: escalations of those queues are offered to them (docs/cases.md). */
  leads: v.optional(v.array(id), []),
});

const origin = v.pipe(
  v.string(),
  v.check(
    (value) => /^https?:\/\/[a-z0-9.-]+(:(\d{1,5}|\*))?$/i.test(value),
    (issue) =>
      `${JSON.stringify(issue.input)} is not an origin like https://shop.example or http://localhost:*`,
  ),
);

const identity = v.strictObject({
  /** Name of the environment variable holding the HS256 secret the host site signs visitor JWTs with. */
  secretEnv: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')),
  ),
  /** JWKS URL for RS256/ES256 visitor JWTs. */
  jwksUrl: v.optional(v.pipe(v.string(), v.url('must be a URL'))),
  issuer: v.optional(v.string()),
  audience: v.optional(v.string()),
});

const site = v.strictObject({
  id,
  name: v.optional(label),
  /** Origins the widget and console may connect from. */
  origins: v.array(origin),
  theme: v.optional(
    v.record(
      v.pipe(v.string(), v.regex(/^[a-zA-Z][\w-]*$/, 'must be a theme key')),
      v.pipe(v.string(), v.maxLength(200)),
    ),
    {},
  ),
  languages: v.optional(v.array(languageTag), ['en']),
  topics: v.optional(v.array(v.strictObject({ id, label: translatableLabel, queueId: id })), []),
  prechat: v.optional(
    v.array(
      v.strictObject({
        name: v.pipe(v.string(), v.regex(/^[\w-]{1,40}$/, 'must be 1–40 letters, digits, _ or -')),
        label: translatableLabel,
        type: v.optional(v.picklist(['text', 'email', 'tel', 'textarea']), 'text'),
        required: v.optional(v.boolean(), false),
      }),
    ),
    [],
  ),
  csat: v.optional(v.boolean(), true),
  identity: v.optional(identity),
  /** What visitors and agents may attach in this site's conversations (docs/attachments.md). */
  attachments: v.optional(attachmentPolicySchema, {}),
});

const bucket = v.strictObject({
  /** Requests allowed at once. */
  burst: positive,
  /** Sustained rate. */
  perMinute: positive,
});

const limits = v.strictObject({
  newConversations: v.optional(bucket, { burst: 5, perMinute: 10 }),
  messages: v.optional(bucket, { burst: 30, perMinute: 120 }),
  typing: v.optional(bucket, { burst: 30, perMinute: 240 }),
  commands: v.optional(bucket, { burst: 120, perMinute: 1200 }),
  http: v.optional(bucket, { burst: 60, perMinute: 600 }),
  visitorSessions: v.optional(bucket, { burst: 20, perMinute: 30 }),
  /** Attachment uploads started, by (address, subject); each chunk also spends from `http`. */
  uploads: v.optional(bucket, { burst: 10, perMinute: 30 }),
  connectionsPerIp: v.optional(positive, 100),
});

const auth = v.strictObject({
  /** Expected `iss` of staff JWTs. */
  issuer: v.optional(v.string()),
  /** Expected `aud` of staff JWTs. */
  audience: v.optional(v.string()),
  /** Lifetime of anonymous visitor tokens. */
  visitorTokenDays: v.optional(v.pipe(v.number(), v.minValue(0.001, 'must be positive')), 30),
  /** Lifetime of visitor tokens issued for a host-vouched identity. */
  identifiedVisitorTokenHours: v.optional(v.pipe(v.number(), v.minValue(0.001, 'must be positive')), 12),
});

const e164 = v.pipe(v.string(), v.regex(/^\+[1-9]\d{6,14}$/, 'is not an E.164 number'));
const countryCode = v.pipe(
  v.string(),
  v.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code (upper case)'),
);
const nonEmpty = <T extends v.GenericSchema<string>>(item: T) =>
  v.pipe(v.array(item), v.minLength(1, 'must list at least one value'));

/** One routing rule: conditions on what is known when a contact starts, and what they set. */
const routingRule = v.strictObject({
  /** Shown to supervisors as the reason ("VIP tier", "Belgium"). */
  name: label,
  when: v.strictObject({
    /** Claims of the host-vouched identity (its attributes): name → accepted values. */
    claim: v.optional(v.record(id, nonEmpty(label))),
    callerIn: v.optional(nonEmpty(e164)),
    topic: v.optional(nonEmpty(id)),
    language: v.optional(nonEmpty(languageTag)),
    country: v.optional(nonEmpty(countryCode)),
  }),
  set: v.strictObject({
    priority: v.optional(
      v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(-100), v.maxValue(100)),
    ),
    skills: v.optional(v.array(v.strictObject({ skill: id, minLevel: v.optional(count, 1) }))),
    queueId: v.optional(id),
  }),
});

const routing = v.strictObject({
  /** Applied in order to every new contact: priorities add up, skills join, the first queue named wins. */
  rules: v.optional(v.array(routingRule), []),
  /**
   * A request header with the client's country that a trusted proxy or CDN sets (e.g. `cf-ipcountry`); absent =
   * the country comes only from a vouched identity's `country` claim.
   */
  countryHeader: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,64}$/, 'must be a lower-case header name')),
  ),
});

/** The whole configuration file. */
export const configSchema = v.strictObject({
  $schema: v.optional(v.string()),
  queues: v.pipe(v.array(queue), v.minLength(1, 'must list at least one queue')),
  agents: v.optional(v.array(agent), []),
  sites: v.pipe(v.array(site), v.minLength(1, 'must list at least one site')),
  /** Origins of the agent console (CRM) that are not a site's. */
  consoleOrigins: v.optional(v.array(origin), []),
  auth: v.optional(auth, {}),
  limits: v.optional(limits, {}),
  /** Seconds between server pings. */
  heartbeatSeconds: v.optional(v.pipe(v.number(), v.minValue(1, 'must be at least 1')), 15),
  /** How long an agent may have no connection before the server sets them offline (a reload loses nothing). */
  agentGraceSeconds: v.optional(v.pipe(v.number(), v.minValue(1, 'must be at least 1')), 60),
  /**
   * Call recordings (docs/voice.md#recording): deleted `retentionDays` after the call (by the leader; omitted: kept),
   * and played back by supervisors, plus the agents of the interaction when `agentPlayback` is true.
   */
  recordings: v.optional(
    v.strictObject({
      retentionDays: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(1, 'must be at least 1'),
          v.maxValue(36_500, 'must be at most 36500'),
        ),
      ),
      agentPlayback: v.optional(v.boolean(), false),
    }),
    {},
  ),
  /**
   * Supervisor monitor, whisper and barge (docs/voice.md#telling-the-agent): whether the agent's console shows that a
   * supervisor is on the interaction — one value, or per mode. Default: not for monitoring, yes for whisper and barge.
   */
  monitoring: v.optional(
    v.strictObject({
      notifyAgent: v.optional(
        v.union([
          v.boolean(),
          v.strictObject({
            monitoring: v.optional(v.boolean()),
            whispering: v.optional(v.boolean()),
            barging: v.optional(v.boolean()),
          }),
        ]),
      ),
    }),
    {},
  ),
  /**
   * Days of closed interactions' history kept for reports (docs/reports.md); the leader deletes older history once a
   * day. Absent: kept for good.
   */
  historyRetentionDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'must be at least 1'))),
  /** Priority, VIP and location routing rules (docs/server.md). */
  routing: v.optional(routing, {}),
  /** Production voice on Vonage (packages/server/src/vonage, docs/vonage.md); absent = WebRTC only. */
  vonage: v.optional(vonageConfigSchema),
  /** SMS, WhatsApp and Messenger through the Vonage Messages API (docs/messaging.md); absent = none of them. */
  messaging: v.optional(messagingConfigSchema),
  /** Email: mailboxes read over IMAP or fed by the SMTP ingress, replies over SMTP (docs/email.md); absent = none. */
  email: v.optional(emailConfigSchema),
  /** Click-to-dial: caller IDs, calling hours, do-not-call numbers (docs/voice.md); absent = agents cannot dial. */
  outbound: v.optional(outboundConfigSchema),
  /** Customers: the host CRM's webhook for the screen pop (docs/customers.md); absent = Helpline's own records. */
  customers: v.optional(customersConfigSchema),
  /** Reports mailed on a schedule through the email section's mailboxes (docs/reports.md); absent = none. */
  reports: v.optional(reportsConfigSchema),
});

/** The configuration file as written (before defaults). */
export type ConfigInput = v.InferInput<typeof configSchema>;
/** The configuration after validation and defaults. */
export type ConfigFile = v.InferOutput<typeof configSchema>;
/** One site of the configuration. */
export type SiteConfig = ConfigFile['sites'][number];
/** Rate limits of the configuration. */
export type LimitsConfig = ConfigFile['limits'];
/** One token bucket: burst and sustained rate. */
export type BucketConfig = v.InferOutput<typeof bucket>;
