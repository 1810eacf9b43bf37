// NCCOs (call control objects) the answer and input webhooks return. Pure builders: the gateway decides.

/** One NCCO action. */
export type NccoAction =
  | {
      readonly action: 'talk';
      readonly text: string;
      readonly language: string;
      readonly bargeIn?: boolean | undefined;
    }
  | {
      readonly action: 'input';
      readonly type: readonly ['dtmf'];
      readonly dtmf: {
        readonly maxDigits: number;
        readonly timeOut: number;
        readonly submitOnHash?: boolean | undefined;
      };
      readonly eventUrl: readonly string[];
      readonly eventMethod: 'POST';
    }
  | {
      readonly action: 'record';
      readonly format: 'mp3' | 'wav' | 'ogg';
      /** Seconds of silence that end the recording (3–10). */
      readonly endOnSilence: number;
      readonly endOnKey: '#';
      /** Longest recording, seconds. */
      readonly timeOut: number;
      readonly beepStart: boolean;
      readonly eventUrl: readonly string[];
      readonly eventMethod: 'POST';
    }
  | {
      /** A `record` before a `conversation`: records the conversation the leg is in, both sides, until transferred. */
      readonly action: 'record';
      readonly format: 'mp3';
      readonly split: 'conversation';
      readonly channels: 2;
      /** Longest recording, seconds (Vonage's maximum, 7200). */
      readonly timeOut: number;
      readonly beepStart: false;
      readonly eventUrl: readonly string[];
      readonly eventMethod: 'POST';
    }
  | {
      readonly action: 'conversation';
      readonly name: string;
      readonly startOnEnter: boolean;
      readonly endOnExit: boolean;
      readonly musicOnHoldUrl?: readonly string[] | undefined;
      /** Leg ids this participant hears; absent: everyone, empty: nobody (Vonage's `canHear`). */
      readonly canHear?: readonly string[] | undefined;
      /** Leg ids that hear this participant; absent: everyone, empty: nobody (Vonage's `canSpeak`). */
      readonly canSpeak?: readonly string[] | undefined;
    }
  | {
      /** Calls a phone number and joins it to this leg (a cold transfer to a number). */
      readonly action: 'connect';
      readonly from: string;
      readonly endpoint: readonly [{ readonly type: 'phone'; readonly number: string }];
      readonly eventUrl: readonly string[];
      readonly eventMethod: 'POST';
    };

/** A call control object: actions Vonage runs in order. */
export type Ncco = readonly NccoAction[];

/** Something said to the caller. */
export function talk(text: string, language: string, bargeIn = false): NccoAction {
  return { action: 'talk', text, language, ...(bargeIn ? { bargeIn } : {}) };
}

/**
 * Waits for keys, then Vonage posts them to `eventUrl`: one key by default; with `maxDigits: 2` and `submitOnHash`
 * a number up to 99 that the caller ends with `#` (or by waiting `timeoutSeconds` after the last key).
 */
export function keyInput(
  eventUrl: string,
  timeoutSeconds: number,
  options: { readonly maxDigits?: number; readonly submitOnHash?: boolean } = {},
): NccoAction {
  return {
    action: 'input',
    type: ['dtmf'],
    dtmf: {
      maxDigits: options.maxDigits ?? 1,
      timeOut: timeoutSeconds,
      ...(options.submitOnHash ? { submitOnHash: true } : {}),
    },
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}

/**
 * Puts a leg into the named conversation. A waiting caller joins with `startOnEnter: false` and hears music until
 * a party with `startOnEnter: true` (the agent) joins; a leg with `endOnExit` (default) ends it for all when it goes.
 */
export function conversation(
  name: string,
  options: { starts: boolean; musicOnHoldUrl?: string; endOnExit?: boolean },
): NccoAction {
  return {
    action: 'conversation',
    name,
    startOnEnter: options.starts,
    endOnExit: options.endOnExit ?? true,
    ...(options.musicOnHoldUrl && !options.starts ? { musicOnHoldUrl: [options.musicOnHoldUrl] } : {}),
  };
}

/**
 * Records the caller (a voicemail): after a beep, until `silenceSeconds` of silence, the hash key or `maxSeconds`;
 * then Vonage posts the recording's URL to `eventUrl` (the recording webhook) and goes on with the next action.
 */
export function record(
  eventUrl: string,
  options: { readonly maxSeconds: number; readonly silenceSeconds?: number },
): NccoAction {
  return {
    action: 'record',
    format: 'mp3',
    endOnSilence: options.silenceSeconds ?? 3,
    endOnKey: '#',
    timeOut: options.maxSeconds,
    beepStart: true,
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}

/**
 * Records the conversation the leg joins next (put it before the leg's `conversation` action): both sides, in two
 * channels, until the leg is transferred to another NCCO or the call ends; then Vonage posts the recording's URL to
 * `eventUrl`. A call recording's segment: a pause transfers the leg to its conversation alone.
 */
export function recordConversation(eventUrl: string): NccoAction {
  return {
    action: 'record',
    format: 'mp3',
    split: 'conversation',
    channels: 2,
    timeOut: 7200,
    beepStart: false,
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}

/**
 * Calls `number` (E.164) from `from` (E.164) and bridges it to the leg running this NCCO; Vonage posts the new leg's
 * statuses to `eventUrl`. Vonage writes numbers without the `+`.
 */
export function connectPhone(number: string, from: string, eventUrl: string): NccoAction {
  return {
    action: 'connect',
    from: from.replace(/^\+/, ''),
    endpoint: [{ type: 'phone', number: number.replace(/^\+/, '') }],
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? String(values[key]) : whole,
  );
}
