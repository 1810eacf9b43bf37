import * as v from 'valibot';

// The `vonage` section of the server configuration. Present = production voice on Vonage: the site config tells
// the widget and the console to use the Vonage provider, the token and webhook routes are mounted, and phone
// numbers route into queues. Secrets never live in the file: the private key comes from a path or an environment
// variable, the webhook signature secret from an environment variable.

/** An id in the configuration (queues, senders). */
export const id = v.pipe(v.string(), v.regex(/^[\w.:-]{1,64}$/, 'must be an id (letters, digits, _ . : -)'));
/** An E.164 phone number. */
export const e164 = v.pipe(
  v.string(),
  v.regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100'),
);
/** The name of an environment variable (where a secret is). */
export const envName = v.pipe(
  v.string(),
  v.regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name'),
);
const spoken = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(600, 'is too long'));
/** An https URL (http only for localhost, for tests and local set-ups). */
export const httpsUrl = v.pipe(
  v.string(),
  v.check(
    (value) =>
      /^https:\/\/[^\s/]+/.test(value) || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(value),
    (issue) => `${JSON.stringify(issue.input)} must be an https URL (http only for localhost)`,
  ),
);

const menuOption = v.strictObject({
  /** The key the caller presses. */
  digit: v.pipe(v.string(), v.regex(/^[0-9*#]$/, 'must be one key: 0-9, * or #')),
  queueId: id,
  /** Read back to the caller ("Connecting you to Billing"). */
  label: spoken,
});

const number = v.strictObject({
  /** A Vonage number linked to the application, E.164. */
  number: e164,
  /** Queue of calls to this number when there is no menu (default: the first queue). */
  queueId: v.optional(id),
  greeting: v.optional(spoken),
  /** "Press 1 for sales, 2 for support": the caller's key picks the queue. */
  menu: v.optional(
    v.strictObject({
      prompt: spoken,
      options: v.pipe(v.array(menuOption), v.minLength(1, 'must list at least one option')),
      /** Seconds to wait for a key; then the first option's queue. */
      timeoutSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10)), 5),
    }),
  ),
  /** Text-to-speech language of this number (BCP 47, as Vonage takes it: `en-US`, `nl-NL`). */
  language: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2,3}-[A-Z]{2}$/, 'must be like en-US'))),
});

/** The `vonage` configuration section. */
export const vonageConfigSchema = v.strictObject({
  /** The Vonage application's id (a UUID). */
  applicationId: v.pipe(v.string(), v.uuid('must be the application id (a UUID)')),
  /** Path of the application's private key (PEM), relative to the working directory. */
  privateKeyPath: v.optional(v.string()),
  /** Or: the environment variable holding the private key PEM (containers). */
  privateKeyEnv: v.optional(envName),
  /** Environment variable holding the account's signature secret (signed webhooks). */
  signatureSecretEnv: v.optional(envName, 'VONAGE_SIGNATURE_SECRET'),
  /** Public base URL of this server as Vonage reaches it; webhooks are `${webhookBaseUrl}/vonage/webhooks/…`. */
  webhookBaseUrl: httpsUrl,
  /** Vonage REST API base URL (Voice and Users APIs). Overridable for regional endpoints and tests. */
  apiBaseUrl: v.optional(httpsUrl, 'https://api.nexmo.com'),
  /** Data center of the browser clients. */
  region: v.optional(v.picklist(['US', 'EU', 'AP'])),
  numbers: v.pipe(v.array(number), v.minLength(1, 'must list at least one number')),
  /** Caller id of outbound callbacks (default: the first number). */
  callbackNumber: v.optional(e164),
  /** Default greeting of every number. */
  greeting: v.optional(spoken, 'Thank you for calling. Please hold, an agent will be with you shortly.'),
  /** Default text-to-speech language. */
  language: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2,3}-[A-Z]{2}$/, 'must be like en-US')), 'en-US'),
  /** Music callers hear while they wait and while on hold (an MP3 or WAV Vonage can fetch). */
  musicOnHoldUrl: v.optional(httpsUrl),
  /** Tell waiting callers their place in line at most this often, seconds; 0 switches it off. */
  positionAnnouncementSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 60),
  /** What callers hear; `{position}` and `{minutes}` are filled in. */
  announcements: v.optional(
    v.strictObject({
      position: v.optional(spoken, 'You are number {position} in line.'),
      wait: v.optional(spoken, 'The expected wait is about {minutes} minutes.'),
      closed: v.optional(spoken, 'We are closed right now. Please call again during our opening hours.'),
      unavailable: v.optional(spoken, 'Sorry, we cannot take your call right now. Please try again later.'),
      /** The keypad survey (queues with `survey.keypad`), after the agent ends the call: the 1–5 rating… */
      surveyRating: v.optional(
        spoken,
        'Before you go: how satisfied are you with this call? Press 1 for very unhappy, up to 5 for very happy. Or simply hang up.',
      ),
      /** …then, where the queue asks it, NPS: two digits at most, ended with the hash key. */
      surveyNps: v.optional(
        spoken,
        'How likely are you to recommend us to a friend or colleague? Enter a number from 0 to 10, then press the hash key.',
      ),
      surveyThanks: v.optional(spoken, 'Thank you for your feedback. Goodbye.'),
      /** Voicemail (queues with `voicemail`): the prompt before the beep, when the queue is closed… */
      voicemailClosed: v.optional(
        spoken,
        'We are closed right now. Please leave a message after the tone, then press the hash key or hang up. We will call you back.',
      ),
      /** …or when nobody answered in time… */
      voicemailNoAnswer: v.optional(
        spoken,
        'Sorry, nobody is free to take your call. Please leave a message after the tone, then press the hash key or hang up. We will call you back.',
      ),
      /** …and the goodbye once it is recorded. */
      voicemailThanks: v.optional(spoken, 'Thank you, your message is recorded. Goodbye.'),
    }),
    {},
  ),
  /** Lifetime of the client JWTs browsers get, seconds (they refresh before it ends). */
  tokenTtlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(86_400)), 900),
  /** Which visitors may call from the browser through Vonage. */
  visitorCalls: v.optional(v.picklist(['all', 'identified', 'none']), 'all'),
  /** Seconds an agent's app rings before the call goes back to the queue. */
  agentRingSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(120)), 30),
  /** Seconds a callback's phone rings before it counts as no answer. */
  callbackRingSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(120)), 45),
  /**
   * True when callers' numbers can be trusted (a private network, STIR/SHAKEN-verified trunks): they are then verified
   * identifiers that merge customers automatically (docs/customers.md). Default false: a caller id only suggests.
   */
  trustCallerId: v.optional(v.boolean(), false),
  /** Oldest signed webhook accepted, seconds (replays are refused whatever their age). */
  webhookMaxAgeSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(3_600)), 300),
});

/** The `vonage` section as written. */
export type VonageConfigInput = v.InferInput<typeof vonageConfigSchema>;
/** The `vonage` section after validation and defaults. */
export type VonageConfig = v.InferOutput<typeof vonageConfigSchema>;
/** One configured phone number. */
export type VonageNumber = VonageConfig['numbers'][number];

/** Checks what the schema cannot (references to queues, one key source); returns issues with field paths. */
export function checkVonageConfig(config: VonageConfig, queueIds: ReadonlySet<string>): string[] {
  const issues: string[] = [];
  if (!config.privateKeyPath === !config.privateKeyEnv) {
    issues.push('config.vonage: needs exactly one of privateKeyPath or privateKeyEnv');
  }
  config.numbers.forEach((entry, index) => {
    const at = `config.vonage.numbers[${index}]`;
    if (entry.queueId !== undefined && !queueIds.has(entry.queueId)) {
      issues.push(`${at}.queueId: "${entry.queueId}" is not a queue`);
    }
    const digits = new Set<string>();
    entry.menu?.options.forEach((option, o) => {
      if (!queueIds.has(option.queueId)) {
        issues.push(`${at}.menu.options[${o}].queueId: "${option.queueId}" is not a queue`);
      }
      if (digits.has(option.digit))
        issues.push(`${at}.menu.options[${o}].digit: "${option.digit}" is used twice`);
      digits.add(option.digit);
    });
  });
  const numbers = config.numbers.map((n) => n.number);
  if (new Set(numbers).size !== numbers.length)
    issues.push('config.vonage.numbers: a number is listed twice');
  return issues;
}
