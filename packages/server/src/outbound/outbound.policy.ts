import { createHash } from 'node:crypto';
import {
  type BusinessHours,
  dialError,
  helplineError,
  isOpen,
  nextOpening,
  type Queue,
} from '@helpline/core';
import type { DialPlan, DialRequest, DoNotCallList } from '@helpline/core/hub';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CallingHours, OutboundConfig } from './outbound.config';
import { COUNTRY_TIME_ZONES } from './outbound.zones';

// The checks before a number is dialled, in order: the number (E.164, with the queue's region for national forms),
// the do-not-call list, the queue's caller ID, then calling hours in the customer's time zone.

type Region = NonNullable<Parameters<typeof parsePhoneNumberFromString>[1]>;

/** The customer behind a phone number: the same number is the same customer as an inbound call from it. */
export function phoneCustomerId(number: string): string {
  return `tel_${createHash('sha256').update(number).digest('hex').slice(0, 32)}`;
}

/** What the policy needs. */
export interface DialPolicyOptions {
  readonly config: OutboundConfig;
  readonly queues: readonly Queue[];
  readonly doNotCall: Pick<DoNotCallList, never> & { has(number: string): Promise<boolean> };
}

/** One queue's outbound settings, with the section's defaults applied. */
interface QueueOutbound {
  readonly callerId: string | undefined;
  readonly region: string | undefined;
  readonly hours: CallingHours;
}

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7] as const;

/** Calling hours in one zone, as business hours (open every day): core's opening rules handle DST. */
function hoursIn(timeZone: string, window: Exclude<CallingHours, false>): BusinessHours {
  const interval = [{ open: window.start, close: window.end }];
  return { timeZone, weekly: Object.fromEntries(EVERY_DAY.map((day) => [day, interval])) };
}

/** The first instant ≥ `at` inside calling hours in every zone (each zone's next opening, until they agree). */
function nextAllowed(all: readonly BusinessHours[], at: number): number | undefined {
  let candidate = at;
  for (let round = 0; round < 50; round++) {
    const openings = all.map((hours) => nextOpening(hours, candidate));
    if (openings.some((opening) => opening === undefined)) return undefined;
    const latest = Math.max(...(openings as number[]));
    if (all.every((hours) => isOpen(hours, latest))) return latest;
    candidate = latest;
  }
  return undefined;
}

function localTime(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

/**
 * Creates the checks `voice.dial` runs before anything is dialled (`HubOptions.dial.check`).
 *
 * @example
 * ```ts
 * const check = createDialPolicy({ config: file.outbound, queues, doNotCall });
 * await check({ number: '020 7946 0958', queue, agentId: 'alice', at: Date.now() });
 * ```
 */
export function createDialPolicy(options: DialPolicyOptions): (request: DialRequest) => Promise<DialPlan> {
  const { config } = options;
  const zones: Readonly<Record<string, readonly string[]>> = {
    ...COUNTRY_TIME_ZONES,
    ...config.countryTimeZones,
  };

  function settingsOf(queue: Queue): QueueOutbound {
    const own = config.queues[queue.id];
    return {
      callerId: own?.callerId ?? config.callerId,
      region: own?.defaultRegion ?? config.defaultRegion,
      hours: own?.callingHours ?? config.callingHours,
    };
  }

  return async (request) => {
    const settings = settingsOf(request.queue);
    const written = request.number.trim();
    const parsed = parsePhoneNumberFromString(written, settings.region as Region | undefined);
    const invalid = (rule: string) =>
      dialError(
        'dial/invalid-number',
        { scope: 'voice.dial', field: 'number', number: written, rule },
        { field: 'number' },
      );
    if (!parsed) {
      throw invalid(
        settings.region
          ? `not a phone number in international form (+<country code>…) or national form of ${settings.region}`
          : 'not a phone number in international form (+<country code>…); this queue has no default region for national numbers',
      );
    }
    if (!parsed.isValid()) {
      throw invalid(
        `no such number in the numbering plan of ${parsed.country ?? `+${parsed.countryCallingCode}`} (E.164)`,
      );
    }
    const number = parsed.number;
    if (await options.doNotCall.has(number)) throw dialError('dial/do-not-call', { number });
    const callerId = settings.callerId;
    if (!callerId) throw dialError('dial/no-caller-id', { queue: request.queue.id });
    const countryZones = parsed.country ? zones[parsed.country] : undefined;
    // A zone given with the dial narrows a country of several zones to the customer's; it never moves the number
    // elsewhere (a GB number dialled "in Asia/Tokyo" would slip past the calling hours).
    if (request.timeZone && countryZones && !countryZones.includes(request.timeZone)) {
      throw helplineError('validation/field', {
        scope: 'voice.dial',
        field: 'timeZone',
        detail: `"${request.timeZone}" is not a time zone of ${parsed.country} (${countryZones.join(', ')})`,
      });
    }
    const customerZones = request.timeZone ? [request.timeZone] : (countryZones ?? [config.defaultTimeZone]);
    if (settings.hours !== false) {
      const window = settings.hours;
      const all = customerZones.map((zone) => hoursIn(zone, window));
      if (!all.every((hours) => isOpen(hours, request.at))) {
        const zone = customerZones.find(
          (_, index) => !isOpen(all[index] as BusinessHours, request.at),
        ) as string;
        const next = nextAllowed(all, request.at);
        throw dialError('dial/outside-hours', {
          number,
          start: window.start,
          end: window.end,
          timeZone: zone,
          localTime: localTime(request.at, zone),
          nextAllowed: next === undefined ? 'never' : `${localTime(next, zone)} ${zone}`,
          nextAllowedUtc: next === undefined ? 'never' : new Date(next).toISOString(),
        });
      }
    }
    return {
      number,
      callerId,
      customer: {
        id: phoneCustomerId(number),
        name: parsed.formatInternational(),
        ...(customerZones.length === 1 ? { timeZone: customerZones[0] } : {}),
      },
    };
  };
}
