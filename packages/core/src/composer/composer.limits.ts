import type { MessagingChannel } from '../interaction/interaction.types';

/** The channels whose composer counts against a provider's limits (SMS, WhatsApp and Messenger). */
export type LimitedChannel = Extract<MessagingChannel, 'sms' | 'whatsapp' | 'messenger'>;

// What a messaging composer must know before the agent sends, shared by the console and the server that checks it again: WhatsApp's 24-hour customer-care window, and how long a text
// may be on each channel (an SMS counted in segments, GSM-7 or UCS-2).

/** WhatsApp's customer-care window: free text is delivered only this long after the customer's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The state of a WhatsApp conversation's customer-care window, as the console shows it. */
export interface WindowState {
  /** True while free text (and media) may be sent; false when only a template will be delivered. */
  readonly open: boolean;
  /** When the customer last wrote, epoch ms (absent: never, in this conversation). */
  readonly lastInboundAt?: number | undefined;
  /** When the window closes (or closed), epoch ms. */
  readonly closesAt?: number | undefined;
}

/** The window of a conversation whose customer last wrote at `lastInboundAt`, at `now`. */
export function whatsappWindow(lastInboundAt: number | undefined, now: number): WindowState {
  if (lastInboundAt === undefined) return { open: false };
  const closesAt = lastInboundAt + WHATSAPP_WINDOW_MS;
  return { open: now < closesAt, lastInboundAt, closesAt };
}

/** Longest text per message where the channel counts characters, not segments. */
export const TEXT_MAX: Readonly<Record<Exclude<LimitedChannel, 'sms'>, number>> = {
  whatsapp: 4_096,
  messenger: 2_000,
};

// GSM 03.38: the basic set (one septet each) and the extension set (an escape plus one: two septets each).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

/** How an SMS text is encoded and how many segments it takes. */
export interface SmsSegments {
  /** `gsm-7` when every character is in the GSM alphabet, otherwise `ucs-2` (any emoji or most scripts). */
  readonly encoding: 'gsm-7' | 'ucs-2';
  /** Segments sent (and charged); 0 for an empty text. */
  readonly segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) used. */
  readonly units: number;
  /** Units per segment at this length: 160 / 70 in one segment, 153 / 67 when concatenated. */
  readonly perSegment: number;
  /** Units left in the last segment before another one starts. */
  readonly remaining: number;
}

/**
 * Counts the segments of an SMS text. Characters outside GSM-7 switch the whole message to UCS-2; a GSM extension
 * character (`€`, `[`, …) costs two septets; a character is never split across segments (an escape and its
 * character, or a surrogate pair, move to the next segment together).
 *
 * @example
 * ```ts
 * smsSegments('Hello').segments; // 1 (gsm-7, 155 remaining)
 * smsSegments('Hello 👋').encoding; // 'ucs-2'
 * ```
 */
export function smsSegments(text: string): SmsSegments {
  const chars = [...text];
  const gsm = chars.every((c) => BASIC.has(c) || EXTENDED.has(c));
  const costs = chars.map((c) => (gsm ? (EXTENDED.has(c) ? 2 : 1) : c.length));
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  if (units === 0)
    return { encoding: gsm ? 'gsm-7' : 'ucs-2', segments: 0, units, perSegment: single, remaining: single };
  if (units <= single) {
    return {
      encoding: gsm ? 'gsm-7' : 'ucs-2',
      segments: 1,
      units,
      perSegment: single,
      remaining: single - units,
    };
  }
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding: gsm ? 'gsm-7' : 'ucs-2', segments, units, perSegment: multi, remaining: multi - used };
}

/** What the composer of a conversation must respect, by channel. */
export type ComposerLimits =
  | { readonly channel: 'sms'; readonly maxSegments: number }
  | { readonly channel: 'whatsapp' | 'messenger'; readonly maxLength: number };

/** The composer limits of `channel` (`smsMaxSegments` from the configuration). */
export function composerLimits(channel: LimitedChannel, smsMaxSegments: number): ComposerLimits {
  return channel === 'sms'
    ? { channel, maxSegments: smsMaxSegments }
    : { channel, maxLength: TEXT_MAX[channel] };
}

/** Why `text` cannot go out on `channel` under `limits`, or undefined when it can. */
export function textTooLong(text: string, limits: ComposerLimits): string | undefined {
  if (limits.channel === 'sms') {
    const counted = smsSegments(text);
    return counted.segments > limits.maxSegments
      ? `takes ${counted.segments} SMS segments (${counted.encoding}); at most ${limits.maxSegments}`
      : undefined;
  }
  const length = [...text].length;
  return length > limits.maxLength ? `has ${length} characters; at most ${limits.maxLength}` : undefined;
}
