import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import * as v from 'valibot';

// The `outbound` section of the server configuration: click-to-dial's caller IDs, calling hours and do-not-call
// numbers, per queue with defaults for all (docs/voice.md, "Click-to-dial").

const clock = v.pipe(
  v.string(),
  v.regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time HH:MM (00:00 to 24:00)'),
);
const region = v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, 'must be an ISO 3166 country code such as GB'));
const zone = v.pipe(
  v.string(),
  v.check((name) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }, 'is not a known IANA time zone'),
);

/** A daily window of local time in which customers may be called (the same every day). */
const callingHours = v.strictObject({ start: clock, end: clock });

const queueOutbound = v.strictObject({
  /** The number customers see, E.164 (a number you own and may call from). */
  callerId: v.optional(v.string()),
  /** Region of numbers written in national form (`020 7946 0958` with `GB`). */
  defaultRegion: v.optional(region),
  /** Local calling hours of this queue's calls; `false`: none (a queue that only calls back on request). */
  callingHours: v.optional(v.union([callingHours, v.literal(false)])),
});

/** The `outbound` section: click-to-dial. Absent, agents cannot dial. */
export const outboundConfigSchema = v.strictObject({
  /** Caller ID of every queue without its own, E.164. */
  callerId: v.optional(v.string()),
  /** Region of numbers written in national form, for queues without their own. */
  defaultRegion: v.optional(region),
  /** Calling hours in the customer's local time; default 08:00–21:00. */
  callingHours: v.optional(v.union([callingHours, v.literal(false)]), { start: '08:00', end: '21:00' }),
  /**
   * Time zones of countries, replacing the built-in table (`{ "US": ["America/New_York"] }`); with several, a
   * number may be called only while it is inside calling hours in every one of them.
   */
  countryTimeZones: v.optional(v.record(region, v.pipe(v.array(zone), v.minLength(1))), {}),
  /** The zone of numbers whose country has none in the table. Default: UTC. */
  defaultTimeZone: v.optional(zone, 'UTC'),
  /** Per queue id: caller ID, region, calling hours. */
  queues: v.optional(v.record(v.string(), queueOutbound), {}),
  /** Numbers never to be called, besides the list supervisors keep (`dnc.add`). */
  doNotCall: v.optional(v.array(v.string()), []),
});

/** The `outbound` section after defaults. */
export type OutboundConfig = v.InferOutput<typeof outboundConfigSchema>;

/** Calling hours of a queue: a daily window, or none. */
export type CallingHours = v.InferOutput<typeof callingHours> | false;

/** A number in E.164 when it is a valid phone number of a real numbering plan, else undefined. */
export function toE164(raw: string, defaultRegion?: string): string | undefined {
  const parsed = parsePhoneNumberFromString(
    raw,
    defaultRegion as Parameters<typeof parsePhoneNumberFromString>[1],
  );
  return parsed?.isValid() ? parsed.number : undefined;
}

/**
 * What is wrong in the `outbound` section against the queues: unknown queues, caller IDs that are not valid E.164
 * numbers, do-not-call entries that are no numbers. Each message names its field.
 */
export function checkOutboundConfig(config: OutboundConfig, queueIds: ReadonlySet<string>): string[] {
  const issues: string[] = [];
  const at = 'config.outbound';
  const checkCallerId = (value: string | undefined, field: string) => {
    if (value !== undefined && toE164(value) !== value)
      issues.push(`${field}: "${value}" is not a valid E.164 number (write it as +<country code><number>)`);
  };
  checkCallerId(config.callerId, `${at}.callerId`);
  for (const [queueId, queue] of Object.entries(config.queues)) {
    if (!queueIds.has(queueId)) issues.push(`${at}.queues.${queueId}: "${queueId}" is not a queue`);
    checkCallerId(queue.callerId, `${at}.queues.${queueId}.callerId`);
  }
  config.doNotCall.forEach((number, index) => {
    if (!toE164(number, config.defaultRegion))
      issues.push(`${at}.doNotCall[${index}]: "${number}" is not a valid phone number`);
  });
  return issues;
}
